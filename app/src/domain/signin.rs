//! Citizen sign-in through OpenID Connect: the rules an ID token's claims must pass, why a
//! sign-in is refused, and where a person may be sent back to. No I/O here: the server's
//! `oidc` module fetches and verifies signatures, then asks these rules.

use serde::{Deserialize, Serialize};

/// How far clocks may differ between the provider and this server, in seconds.
pub const CLOCK_LEEWAY: i64 = 60;
/// An ID token issued longer ago than this is refused, whatever its expiry says.
pub const MAX_TOKEN_AGE: i64 = 10 * 60;
/// How long a sign-in may take from the redirect to the provider's answer.
pub const FLOW_SECONDS: i64 = 10 * 60;
/// How long a requester stays signed in.
pub const SESSION_SECONDS: i64 = 8 * 60 * 60;

/// Why a sign-in was refused: each has its own words for the person, and none says more
/// than they need (the details go to the server's log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInRefusal {
    /// The answer's `state` names no sign-in of this browser: used already, too old, or
    /// started elsewhere (a forged link).
    State,
    /// The person cancelled at the provider, or the provider refused them.
    Denied,
    /// The provider would not exchange the code: used already or expired.
    Code,
    /// The token came from, or the provider names itself as, another issuer.
    Issuer,
    /// The token has expired or was issued too long ago (or too far in the future).
    Expired,
    /// The token is not for this portal, not for this sign-in, or not validly signed.
    Token,
    /// The provider could not be reached or answered nonsense.
    Unavailable,
    /// Sign-in is not set up on this portal.
    Off,
}

impl SignInRefusal {
    pub const ALL: [SignInRefusal; 8] = [
        SignInRefusal::State,
        SignInRefusal::Denied,
        SignInRefusal::Code,
        SignInRefusal::Issuer,
        SignInRefusal::Expired,
        SignInRefusal::Token,
        SignInRefusal::Unavailable,
        SignInRefusal::Off,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInRefusal::State => "state",
            SignInRefusal::Denied => "denied",
            SignInRefusal::Code => "code",
            SignInRefusal::Issuer => "issuer",
            SignInRefusal::Expired => "expired",
            SignInRefusal::Token => "token",
            SignInRefusal::Unavailable => "unavailable",
            SignInRefusal::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<SignInRefusal> {
        SignInRefusal::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// The claims of an ID token this portal reads. `aud` may be one string or a list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct IdClaims {
    #[serde(default)]
    pub iss: String,
    #[serde(default)]
    pub sub: String,
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub exp: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Every claim, for the one that carries the personal identifier (configurable).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// What the ID token must say for this sign-in.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: i64,
}

/// OpenID Connect Core 3.1.3.7, the checks after the signature: the issuer, this portal
/// among the audiences (and as `azp` when there are several), not expired, issued
/// recently and not in the future, the nonce of this sign-in, a subject.
pub fn check_claims(c: &IdClaims, e: &Expected) -> Result<(), SignInRefusal> {
    if c.iss != e.issuer {
        return Err(SignInRefusal::Issuer);
    }
    if !c.aud.iter().any(|a| a == e.client_id) {
        return Err(SignInRefusal::Token);
    }
    if c.aud.len() > 1 && c.azp.as_deref() != Some(e.client_id) {
        return Err(SignInRefusal::Token);
    }
    if let Some(azp) = &c.azp
        && azp != e.client_id
    {
        return Err(SignInRefusal::Token);
    }
    match c.exp {
        Some(exp) if exp + CLOCK_LEEWAY > e.now => {}
        _ => return Err(SignInRefusal::Expired),
    }
    if let Some(iat) = c.iat
        && (iat > e.now + CLOCK_LEEWAY || iat + MAX_TOKEN_AGE + CLOCK_LEEWAY < e.now)
    {
        return Err(SignInRefusal::Expired);
    }
    if c.nonce.as_deref() != Some(e.nonce) {
        return Err(SignInRefusal::Token);
    }
    if c.sub.trim().is_empty() || c.sub.len() > 255 {
        return Err(SignInRefusal::Token);
    }
    Ok(())
}

impl IdClaims {
    /// The person's name as forms want it: `name`, else given and family names.
    pub fn display_name(&self) -> String {
        let clean = |s: &Option<String>| {
            s.as_deref()
                .map(|s| s.trim().chars().take(200).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        clean(&self.name).unwrap_or_else(|| {
            [clean(&self.given_name), clean(&self.family_name)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// The personal identifier in the claim `name` (a string or a number), trimmed.
    pub fn person_id(&self, claim: &str) -> Option<String> {
        let v = match self.other.get(claim)? {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!v.is_empty() && v.len() <= 100).then_some(v)
    }
}

/// Where a person may be sent after signing in: a path of this site, nothing else.
pub fn safe_return_path(back: &str) -> String {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && back.len() <= 500
        && !back.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        back.to_string()
    } else {
        "/my".to_string()
    }
}

/// An issuer this portal will talk to: HTTPS, or plain HTTP on this machine (development
/// and tests). No credentials, query or fragment (OpenID Connect Discovery 1.0, 4.3).
pub fn check_issuer(issuer: &str) -> Result<(), String> {
    let rest = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err("the issuer must be an https:// address".into());
        }
        rest
    } else {
        return Err("the issuer must be an https:// address".into());
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains('@') || issuer.contains(['?', '#']) {
        return Err(
            "the issuer must be a plain address without credentials, query or fragment".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> IdClaims {
        IdClaims {
            iss: "https://id.example".into(),
            sub: "anna-sub".into(),
            aud: vec!["taka".into()],
            exp: Some(1_000_060),
            iat: Some(1_000_000),
            nonce: Some("n1".into()),
            ..Default::default()
        }
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected {
            issuer: "https://id.example",
            client_id: "taka",
            nonce: "n1",
            now,
        }
    }

    #[test]
    fn a_good_token_passes_and_each_wrong_claim_is_refused_with_its_reason() {
        let now = 1_000_010;
        assert_eq!(check_claims(&claims(), &expected(now)), Ok(()));
        let refused = |f: &dyn Fn(&mut IdClaims), now: i64| {
            let mut c = claims();
            f(&mut c);
            check_claims(&c, &expected(now)).err()
        };
        use SignInRefusal::*;
        assert_eq!(
            refused(&|c| c.iss = "https://evil.example".into(), now),
            Some(Issuer)
        );
        assert_eq!(
            refused(&|c| c.iss = "https://id.example/".into(), now),
            Some(Issuer)
        );
        assert_eq!(refused(&|c| c.aud = vec!["other".into()], now), Some(Token));
        assert_eq!(refused(&|c| c.aud = vec![], now), Some(Token));
        assert_eq!(
            refused(&|c| c.aud = vec!["taka".into(), "other".into()], now),
            Some(Token),
            "several audiences need azp"
        );
        assert_eq!(
            refused(
                &|c| {
                    c.aud = vec!["taka".into(), "other".into()];
                    c.azp = Some("taka".into());
                },
                now
            ),
            None
        );
        assert_eq!(refused(&|c| c.azp = Some("other".into()), now), Some(Token));
        assert_eq!(refused(&|c| c.nonce = None, now), Some(Token));
        assert_eq!(refused(&|c| c.nonce = Some("n2".into()), now), Some(Token));
        assert_eq!(refused(&|c| c.sub = " ".into(), now), Some(Token));
        assert_eq!(refused(&|c| c.exp = None, now), Some(Expired));
        // Expiry with a minute's leeway, and no older than ten minutes.
        assert_eq!(refused(&|_| {}, 1_000_060 + CLOCK_LEEWAY - 1), None);
        assert_eq!(refused(&|_| {}, 1_000_060 + CLOCK_LEEWAY), Some(Expired));
        assert_eq!(
            refused(
                &|c| c.exp = Some(2_000_000),
                1_000_000 + MAX_TOKEN_AGE + CLOCK_LEEWAY + 1
            ),
            Some(Expired)
        );
        assert_eq!(
            refused(&|c| c.iat = Some(now + CLOCK_LEEWAY + 1), now),
            Some(Expired),
            "issued in the future"
        );
    }

    #[test]
    fn claims_read_from_json_with_one_or_many_audiences_and_the_personal_code() {
        let c: IdClaims = serde_json::from_str(
            r#"{"iss":"i","sub":"s","aud":"taka","given_name":" Anna ","family_name":"Bērziņa",
                "personal_code":"010190-12345","num":12345,"obj":{}}"#,
        )
        .unwrap();
        assert_eq!(c.aud, vec!["taka".to_string()]);
        assert_eq!(c.display_name(), "Anna Bērziņa");
        assert_eq!(
            c.person_id("personal_code").as_deref(),
            Some("010190-12345")
        );
        assert_eq!(c.person_id("num").as_deref(), Some("12345"));
        assert_eq!(c.person_id("obj"), None);
        assert_eq!(c.person_id("missing"), None);
        let c: IdClaims = serde_json::from_str(r#"{"aud":["a","b"],"name":"A B"}"#).unwrap();
        assert_eq!(c.aud.len(), 2);
        assert_eq!(c.display_name(), "A B");
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_return_path("/track?ref=X"), "/track?ref=X");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/a b",
            "",
            "x",
        ] {
            assert_eq!(safe_return_path(bad), "/my", "{bad}");
        }
    }

    #[test]
    fn issuers_are_https_or_this_machine() {
        assert!(check_issuer("https://id.example").is_ok());
        assert!(check_issuer("https://id.example/realms/lv").is_ok());
        assert!(check_issuer("http://127.0.0.1:9400").is_ok());
        assert!(check_issuer("http://localhost:9400").is_ok());
        assert!(check_issuer("http://id.example").is_err());
        assert!(check_issuer("https://user@id.example").is_err());
        assert!(check_issuer("https://id.example?x=1").is_err());
        assert!(check_issuer("ftp://id.example").is_err());
        assert!(check_issuer("https://").is_err());
    }

    #[test]
    fn refusal_codes_round_trip() {
        for r in SignInRefusal::ALL {
            assert_eq!(SignInRefusal::parse(r.code()), Some(r));
        }
        assert_eq!(SignInRefusal::parse("nope"), None);
    }
}
