//! Pure domain types and rules: no I/O, compiled for the server and the browser alike.

// Calendars need the time-zone database, which only the server carries.
pub mod admin;
pub mod analytics;
pub mod automation;
#[cfg(feature = "ssr")]
pub mod calendar;
pub mod fields;
pub mod files;
pub mod lifecycle;
pub mod partners;
pub mod privacy;
#[cfg(all(test, feature = "ssr"))]
mod properties;
pub mod service_draft;
pub mod signin;
pub mod sla;
pub mod user_agent;

pub use fields::{FieldError, FieldErrors, FieldSpec, FieldType, LocalText};
pub use lifecycle::{Action, ActionKind, Actor, LifecycleError, Role, Stage, Status, Transition};
pub use sla::{SlaStage, SlaState, Targets};

use serde::{Deserialize, Serialize};

// `Lang`, `Lang::ALL` and `Lang::code`, generated from `locales/*.json` (build.rs).
include!(concat!(env!("OUT_DIR"), "/langs.rs"));

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
    }
    /// The best supported language for an `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Lang {
        Lang::negotiate(header, &Lang::ALL)
    }
    /// The best of `offered` for an `Accept-Language` header value: the highest quality
    /// first, a region's tag (`de-AT`) matching its language; when nothing matches, the
    /// default (Latvian, always offered).
    pub fn negotiate(header: &str, offered: &[Lang]) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q.is_nan() || q <= 0.0 {
                continue;
            }
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            if let Some(lang) = Lang::parse(primary)
                && offered.contains(&lang)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
    /// `wanted` when it is offered; otherwise English when offered, else the default.
    pub fn or_offered(self, offered: &[Lang]) -> Lang {
        if offered.contains(&self) {
            self
        } else if offered.contains(&Lang::En) {
            Lang::En
        } else {
            Lang::default()
        }
    }
    /// The language of a page that offers `offered`: the visitor's choice (`chosen`, the
    /// language cookie) when offered, else English or Latvian; on a first visit (no
    /// choice) the best offered one for their browser's `Accept-Language`.
    pub fn for_page(chosen: Option<Lang>, accept: &str, offered: &[Lang]) -> Lang {
        match chosen {
            Some(l) => l.or_offered(offered),
            None => Lang::negotiate(accept, offered),
        }
    }
    /// Offered languages from a stored list (`lv,en,uk`): known codes only, in the
    /// product's order, the default always included.
    pub fn list(codes: &str) -> Vec<Lang> {
        Lang::ALL
            .into_iter()
            .filter(|l| *l == Lang::default() || codes.split(',').any(|c| c.trim() == l.code()))
            .collect()
    }
}

/// How a request reached the institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Channel {
    Web,
    InPerson,
    Api,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Web, Channel::InPerson, Channel::Api];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::InPerson => "in_person",
            Channel::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Kind of institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum InstitutionKind {
    State,
    Municipality,
}

impl InstitutionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InstitutionKind::State => "state",
            InstitutionKind::Municipality => "municipality",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "state" => Some(InstitutionKind::State),
            "municipality" => Some(InstitutionKind::Municipality),
            _ => None,
        }
    }
}

/// The requester's contact details, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Contact {
    /// Parse raw contact input; errors are keyed `contact_name`, `contact_email`, `contact_phone`.
    pub fn parse(name: &str, email: &str, phone: &str) -> Result<Contact, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = name.trim();
        if name.is_empty() {
            errors.insert("contact_name".into(), FieldError::Required);
        } else if name.chars().count() > 200 {
            errors.insert("contact_name".into(), FieldError::TooLong { max: 200 });
        }
        let email = email.trim();
        let email = if email.is_empty() {
            None
        } else if fields::is_email(email) {
            Some(email.to_string())
        } else {
            errors.insert("contact_email".into(), FieldError::InvalidEmail);
            None
        };
        let phone = phone.trim();
        let phone = if phone.is_empty() {
            None
        } else if let Some(p) = fields::normalise_phone(phone) {
            Some(p)
        } else {
            errors.insert("contact_phone".into(), FieldError::InvalidPhone);
            None
        };
        if errors.is_empty() {
            Ok(Contact {
                name: name.to_string(),
                email,
                phone,
            })
        } else {
            Err(errors)
        }
    }
}

/// The human-readable reference of a request: `PP-2026-000123`.
pub fn format_reference(year: i32, number: i64) -> String {
    format!("PP-{year}-{number:06}")
}

/// Whether a string looks like a reference (cheap check before any lookup).
pub fn looks_like_reference(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 14
        && b.len() <= 20
        && s.starts_with("PP-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

/// Alphabet for tracking codes: no 0/O, 1/I/L, so codes can be read aloud and typed.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const TRACKING_CODE_LEN: usize = 10;

/// Build a tracking code from random bytes (the caller supplies the randomness).
/// Formatted as `XXXXX-XXXXX`; 31^10 ≈ 8·10^14 possibilities.
pub fn tracking_code_from(random: &[u8; TRACKING_CODE_LEN]) -> String {
    let mut s = String::with_capacity(TRACKING_CODE_LEN + 1);
    for (i, b) in random.iter().enumerate() {
        if i == 5 {
            s.push('-');
        }
        // 256 % 31 = 8: a slight bias, harmless for a code that is also rate limited by size.
        s.push(CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char);
    }
    s
}

/// Normalise what a person typed as a tracking code: case, spaces and dashes do not matter.
pub fn normalise_tracking_code(s: &str) -> String {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // Only an ASCII code is split at byte 5: a typed "Ā" is two bytes and would be cut.
    if compact.len() == TRACKING_CODE_LEN && compact.is_ascii() {
        format!("{}-{}", &compact[..5], &compact[5..])
    } else {
        compact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,lv;q=0.8"),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR,lv;q=0.5,en;q=0.4"),
            Lang::Lv
        );
        assert_eq!(Lang::from_accept_language("fr"), Lang::Lv);
        assert_eq!(Lang::from_accept_language(""), Lang::Lv);
        assert_eq!(Lang::from_accept_language("en;q=0.2, lv"), Lang::Lv);
        assert_eq!(Lang::from_accept_language(";;;,,q=x"), Lang::Lv);
        assert_eq!(Lang::from_accept_language("de-AT,de;q=0.9"), Lang::De);
        assert_eq!(Lang::from_accept_language("uk;q=0, ru;q=0.5"), Lang::Ru);
    }

    #[test]
    fn offered_languages() {
        let offered = [Lang::Lv, Lang::En, Lang::Uk];
        assert_eq!(
            Lang::negotiate("de-DE, uk;q=0.7, en;q=0.5", &offered),
            Lang::Uk
        );
        assert_eq!(Lang::negotiate("de-DE", &offered), Lang::Lv);
        assert_eq!(Lang::Ru.or_offered(&offered), Lang::En);
        assert_eq!(Lang::Ru.or_offered(&[Lang::Lv]), Lang::Lv);
        assert_eq!(Lang::Uk.or_offered(&offered), Lang::Uk);
        assert_eq!(Lang::list("en,xx, uk"), vec![Lang::Lv, Lang::En, Lang::Uk]);
        assert_eq!(Lang::list(""), vec![Lang::Lv]);
        assert_eq!(Lang::for_page(Some(Lang::Uk), "de", &offered), Lang::Uk);
        assert_eq!(Lang::for_page(Some(Lang::De), "uk", &offered), Lang::En);
        assert_eq!(Lang::for_page(None, "pl, uk;q=0.8", &offered), Lang::Uk);
        assert_eq!(Lang::for_page(None, "pl", &offered), Lang::Lv);
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
    }

    #[test]
    fn references() {
        assert_eq!(format_reference(2026, 123), "PP-2026-000123");
        assert!(looks_like_reference("PP-2026-000123"));
        assert!(looks_like_reference("PP-2026-1234567"));
        assert!(!looks_like_reference("PP-2026-00012"));
        assert!(!looks_like_reference("XX-2026-000123"));
        assert!(!looks_like_reference("PP-20a6-000123"));
        assert!(!looks_like_reference(""));
    }

    #[test]
    fn tracking_codes() {
        let code = tracking_code_from(&[0, 1, 2, 30, 31, 255, 100, 7, 8, 9]);
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(
            code.chars()
                .all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(
            normalise_tracking_code(&code.to_lowercase().replace('-', " ")),
            code
        );
        assert_eq!(normalise_tracking_code("abc"), "ABC");
        // Ten bytes that are not ten ASCII letters: left as typed (no panic), not found.
        assert_eq!(normalise_tracking_code("ĀAAAAAAAA"), "ĀAAAAAAAA");
        assert_eq!(normalise_tracking_code("ĀĀĀĀĀ"), "ĀĀĀĀĀ");
    }

    #[test]
    fn contact() {
        let c = Contact::parse(" Anna Bērziņa ", "anna@example.lv", "+371 2000 0000").unwrap();
        assert_eq!(c.name, "Anna Bērziņa");
        assert_eq!(c.phone.as_deref(), Some("+37120000000"));
        let e = Contact::parse("", "nope", "x").unwrap_err();
        assert_eq!(e.len(), 3);
        assert!(Contact::parse("A", "", "").is_ok());
    }
}
