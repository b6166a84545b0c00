//! A service's request form: the field schema and server-side validation of submitted values.

use super::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Text in several languages, keyed by language code ("lv", "en", ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalText(pub BTreeMap<String, String>);

impl LocalText {
    pub fn new(lv: &str, en: &str) -> Self {
        let mut m = BTreeMap::new();
        m.insert("lv".to_string(), lv.to_string());
        m.insert("en".to_string(), en.to_string());
        LocalText(m)
    }
    /// The text in `lang`, else Latvian, else any.
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(lang.code())
            .or_else(|| self.0.get(Lang::Lv.code()))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    #[default]
    Text,
    LongText,
    Number,
    Date,
    Choice,
    /// Several of the options; the value is the chosen option values joined by commas.
    MultiChoice,
    YesNo,
    Email,
    Phone,
    /// One or several files; the value is their names, joined by ", ".
    File,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Choice => "choice",
            FieldType::MultiChoice => "multi_choice",
            FieldType::YesNo => "yes_no",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::File => "file",
        }
    }
    pub const ALL: [FieldType; 10] = [
        FieldType::Text,
        FieldType::LongText,
        FieldType::Number,
        FieldType::Date,
        FieldType::Choice,
        FieldType::MultiChoice,
        FieldType::YesNo,
        FieldType::Email,
        FieldType::Phone,
        FieldType::File,
    ];
    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }
    /// Whether the field offers a list of options.
    pub fn has_options(self) -> bool {
        matches!(self, FieldType::Choice | FieldType::MultiChoice)
    }
    fn default_max_chars(self) -> usize {
        match self {
            FieldType::LongText => 5000,
            _ => 300,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: LocalText,
}

/// A field shown only when an earlier field has a given answer (for multiple choice: when
/// that option is among the chosen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShowIf {
    pub field: String,
    pub equals: String,
}

impl ShowIf {
    /// Whether the field is shown, given the answers to the fields before it.
    pub fn holds(&self, values: &CleanValues) -> bool {
        values
            .get(&self.field)
            .is_some_and(|v| v == &self.equals || v.split(',').any(|p| p == self.equals))
    }
}

/// One field of a service's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Stable machine name, `[a-z0-9_]+`.
    pub name: String,
    pub label: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<LocalText>,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// For numbers: inclusive bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// For texts: maximum characters (a default applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
    /// For dates: the earliest and latest accepted, `YYYY-MM-DD`, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// Shown (and validated) only when an earlier field has a given answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    /// For files: the kinds taken, as MIME types (empty: every kind we accept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// For files: the largest file, in bytes (a default applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// For files: how many files (a default applies; 1 means a single file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
    /// For files: all the field's files together, in bytes (default: no limit beyond the
    /// per-file one times the number of files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_bytes: Option<u64>,
}

impl FieldSpec {
    pub fn max_chars(&self) -> usize {
        self.max_chars.unwrap_or(self.kind.default_max_chars())
    }
    /// The kinds of file the field takes.
    pub fn file_kinds(&self) -> Vec<super::files::FileKind> {
        let kinds: Vec<_> = self
            .accept
            .iter()
            .filter_map(|m| super::files::FileKind::from_mime(m))
            .collect();
        if kinds.is_empty() {
            super::files::FileKind::ALL.to_vec()
        } else {
            kinds
        }
    }
    pub fn max_file_bytes(&self) -> u64 {
        self.max_bytes
            .unwrap_or(super::files::DEFAULT_MAX_FILE_BYTES)
    }
    pub fn max_file_count(&self) -> u32 {
        self.max_files
            .unwrap_or(super::files::DEFAULT_MAX_FILES)
            .max(1)
    }
    /// Check the files given for this field (their sizes), as a whole.
    pub fn check_files(&self, sizes: &[u64]) -> Result<(), FieldError> {
        if sizes.is_empty() {
            return if self.required {
                Err(FieldError::Required)
            } else {
                Ok(())
            };
        }
        let max = self.max_file_count();
        if sizes.len() > max as usize {
            return Err(FieldError::TooManyFiles { max });
        }
        if sizes.iter().any(|&s| s > self.max_file_bytes()) {
            return Err(FieldError::FileTooLarge {
                max: self.max_file_bytes(),
            });
        }
        if let Some(total) = self.max_total_bytes
            && sizes.iter().sum::<u64>() > total
        {
            return Err(FieldError::FilesTooLarge { max: total });
        }
        Ok(())
    }
}

/// Why a value was not accepted. The UI and the API localise these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum FieldError {
    Required,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    Taken,
    NotANumber,
    OutOfRange {
        min: Option<i64>,
        max: Option<i64>,
    },
    InvalidDate,
    DateOutOfRange {
        earliest: Option<String>,
        latest: Option<String>,
    },
    InvalidChoice,
    InvalidYesNo,
    InvalidEmail,
    InvalidPhone,
    UnknownField,
    /// The current password given to change it is wrong.
    WrongPassword,
    /// A new password is one of the commonly used ones.
    CommonPassword,
    /// One's own role or account is changed by a colleague.
    OwnAccount,
    /// A one-time link (invitation, password reset) has expired or was used.
    LinkExpired,
    /// Something else depends on it (a condition names the field).
    InUse,
    /// More files than the field takes.
    TooManyFiles {
        max: u32,
    },
    /// A file larger than the field takes.
    FileTooLarge {
        max: u64,
    },
    /// The field's files together are larger than it takes.
    FilesTooLarge {
        max: u64,
    },
    /// A file's content is none of the kinds the field takes (`allowed`: their names).
    FileNotAccepted {
        name: String,
        allowed: String,
    },
    /// A file's name claims one kind and its content is another.
    FileMismatch {
        name: String,
        claimed: String,
    },
    /// The virus scanner found malware in the file.
    FileInfected {
        name: String,
    },
    /// A file uploaded earlier is no longer there (more than a day old, or used).
    FileGone,
    /// Not an address a webhook may be sent to (HTTPS to a public host).
    InvalidUrl,
    /// A secret with spaces or control characters.
    InvalidSecret,
}

impl FieldError {
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooLong { .. } => "too_long",
            FieldError::TooShort { .. } => "too_short",
            FieldError::Taken => "taken",
            FieldError::NotANumber => "not_a_number",
            FieldError::OutOfRange { .. } => "out_of_range",
            FieldError::InvalidDate => "invalid_date",
            FieldError::DateOutOfRange { .. } => "date_out_of_range",
            FieldError::InvalidChoice => "invalid_choice",
            FieldError::InvalidYesNo => "invalid_yes_no",
            FieldError::InvalidEmail => "invalid_email",
            FieldError::InvalidPhone => "invalid_phone",
            FieldError::UnknownField => "unknown_field",
            FieldError::WrongPassword => "wrong_password",
            FieldError::CommonPassword => "common_password",
            FieldError::OwnAccount => "own_account",
            FieldError::LinkExpired => "link_expired",
            FieldError::InUse => "in_use",
            FieldError::TooManyFiles { .. } => "too_many_files",
            FieldError::FileTooLarge { .. } => "file_too_large",
            FieldError::FilesTooLarge { .. } => "files_too_large",
            FieldError::FileNotAccepted { .. } => "file_not_accepted",
            FieldError::FileMismatch { .. } => "file_mismatch",
            FieldError::FileInfected { .. } => "file_infected",
            FieldError::FileGone => "file_gone",
            FieldError::InvalidUrl => "invalid_url",
            FieldError::InvalidSecret => "invalid_secret",
        }
    }
}

/// Errors by field name.
pub type FieldErrors = BTreeMap<String, FieldError>;

/// Values that passed validation, normalised (trimmed, canonical yes/no and numbers).
pub type CleanValues = BTreeMap<String, String>;

/// Validate submitted values (as strings, as a form posts them) against the schema.
/// Unknown fields are refused, so nothing unexpected is stored. A field whose `show_if`
/// does not hold (on the answers before it) is not asked: its value is dropped, never
/// refused, because a form without JavaScript shows and posts every field.
pub fn validate(
    schema: &[FieldSpec],
    values: &BTreeMap<String, String>,
) -> Result<CleanValues, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut clean = CleanValues::new();
    for name in values.keys() {
        if !schema.iter().any(|f| &f.name == name) {
            errors.insert(name.clone(), FieldError::UnknownField);
        }
    }
    for field in schema {
        if field.show_if.as_ref().is_some_and(|c| !c.holds(&clean)) {
            continue;
        }
        let raw = values.get(&field.name).map(|v| v.trim()).unwrap_or("");
        match check(field, raw) {
            Ok(Some(v)) => {
                clean.insert(field.name.clone(), v);
            }
            Ok(None) => {}
            Err(e) => {
                errors.insert(field.name.clone(), e);
            }
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn check(field: &FieldSpec, raw: &str) -> Result<Option<String>, FieldError> {
    if field.kind == FieldType::YesNo {
        // An unchecked checkbox posts nothing: that is "no", unless "yes" is required.
        let yes = match raw.to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "off" | "0" => false,
            "yes" | "true" | "on" | "1" => true,
            _ => return Err(FieldError::InvalidYesNo),
        };
        if field.required && !yes {
            return Err(FieldError::Required);
        }
        return Ok(Some(if yes { "yes" } else { "no" }.to_string()));
    }
    if raw.is_empty() {
        return if field.required {
            Err(FieldError::Required)
        } else {
            Ok(None)
        };
    }
    if field.kind == FieldType::File {
        // The names of the files attached, written by the service layer from the files
        // themselves (what a form posts under this name is replaced).
        return Ok(Some(raw.to_string()));
    }
    let max = field.max_chars();
    if raw.chars().count() > max {
        return Err(FieldError::TooLong { max });
    }
    let value = match field.kind {
        FieldType::Text | FieldType::LongText => raw.to_string(),
        FieldType::Number => {
            let n: i64 = raw
                .replace([' ', '\u{a0}'], "")
                .parse()
                .map_err(|_| FieldError::NotANumber)?;
            if field.min.is_some_and(|m| n < m) || field.max.is_some_and(|m| n > m) {
                return Err(FieldError::OutOfRange {
                    min: field.min,
                    max: field.max,
                });
            }
            n.to_string()
        }
        FieldType::Date => {
            if !is_iso_date(raw) {
                return Err(FieldError::InvalidDate);
            }
            // ISO dates compare as text.
            if field.earliest.as_deref().is_some_and(|e| raw < e)
                || field.latest.as_deref().is_some_and(|l| raw > l)
            {
                return Err(FieldError::DateOutOfRange {
                    earliest: field.earliest.clone(),
                    latest: field.latest.clone(),
                });
            }
            raw.to_string()
        }
        FieldType::Choice => {
            if !field.options.iter().any(|o| o.value == raw) {
                return Err(FieldError::InvalidChoice);
            }
            raw.to_string()
        }
        FieldType::MultiChoice => {
            // Chosen options in the form's order, each once.
            let chosen: Vec<&str> = raw
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if chosen
                .iter()
                .any(|c| !field.options.iter().any(|o| o.value == *c))
            {
                return Err(FieldError::InvalidChoice);
            }
            let picked: Vec<&str> = field
                .options
                .iter()
                .map(|o| o.value.as_str())
                .filter(|v| chosen.contains(v))
                .collect();
            if picked.is_empty() {
                return if field.required {
                    Err(FieldError::Required)
                } else {
                    Ok(None)
                };
            }
            picked.join(",")
        }
        FieldType::Email => {
            if !is_email(raw) {
                return Err(FieldError::InvalidEmail);
            }
            raw.to_string()
        }
        FieldType::Phone => normalise_phone(raw).ok_or(FieldError::InvalidPhone)?,
        FieldType::YesNo | FieldType::File => unreachable!("handled above"),
    };
    Ok(Some(value))
}

/// A calendar date written `YYYY-MM-DD` (years 1000–9999), leap years included.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1000 && (1..=days).contains(&d)
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Accept `+371 2000 0000`, `(67) 123-456` and the like; keep `+` and digits.
pub fn normalise_phone(s: &str) -> Option<String> {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return None,
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits).then_some(out)
}

/// A stable machine name: `[a-z0-9_]+`, at most 40 characters.
pub fn is_machine_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check a schema itself (used when services are created, edited or imported).
pub fn check_schema(schema: &[FieldSpec]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for f in schema {
        if !is_machine_name(&f.name) {
            return Err(format!("invalid field name {:?}", f.name));
        }
        if f.kind.has_options() {
            if f.options.is_empty() {
                return Err(format!("choice field {:?} has no options", f.name));
            }
            let mut values = std::collections::BTreeSet::new();
            for o in &f.options {
                if !is_machine_name(&o.value) || !values.insert(o.value.as_str()) {
                    return Err(format!(
                        "field {:?}: bad or repeated option {:?}",
                        f.name, o.value
                    ));
                }
            }
        }
        if let (Some(min), Some(max)) = (f.min, f.max)
            && min > max
        {
            return Err(format!("field {:?}: minimum above maximum", f.name));
        }
        for d in [&f.earliest, &f.latest].into_iter().flatten() {
            if !is_iso_date(d) {
                return Err(format!("field {:?}: bad date bound {d:?}", f.name));
            }
        }
        if let (Some(e), Some(l)) = (&f.earliest, &f.latest)
            && e > l
        {
            return Err(format!("field {:?}: earliest after latest", f.name));
        }
        if let Some(m) = f
            .accept
            .iter()
            .find(|m| super::files::FileKind::from_mime(m).is_none())
        {
            return Err(format!("field {:?}: unknown file type {m:?}", f.name));
        }
        if f.max_bytes == Some(0) || f.max_files == Some(0) {
            return Err(format!("field {:?}: a file limit of zero", f.name));
        }
        // A condition names an earlier field (so validation in order sees its answer) and
        // an answer that field can have.
        if let Some(c) = &f.show_if {
            let Some(other) = schema.iter().find(|o| o.name == c.field) else {
                return Err(format!("field {:?}: condition on a missing field", f.name));
            };
            if !seen.contains(&other.name) {
                return Err(format!("field {:?}: condition on a later field", f.name));
            }
            let possible = match other.kind {
                FieldType::YesNo => c.equals == "yes" || c.equals == "no",
                k if k.has_options() => other.options.iter().any(|o| o.value == c.equals),
                _ => !c.equals.trim().is_empty(),
            };
            if !possible {
                return Err(format!(
                    "field {:?}: condition on an impossible answer",
                    f.name
                ));
            }
        }
        if !seen.insert(&f.name) {
            return Err(format!("duplicate field {:?}", f.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
