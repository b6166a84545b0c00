//! A service as its owner edits it: texts per language, the form, grouping, targets and
//! automation. Pure: edits are applied and checked here, stored and published by the
//! service layer (`server/service/editor/`). A published service is a snapshot of one of
//! these, so two versions can be compared (`diff`).

use super::automation::Automation;
use super::fields::{
    ChoiceOption, FieldError, FieldErrors, FieldSpec, FieldType, LocalText, ShowIf, check_schema,
    is_iso_date, is_machine_name,
};
use super::sla::Targets;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The texts of a service in one language. Empty means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceTexts {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub conditions: String,
    /// Required documents, one per entry.
    pub documents: Vec<String>,
    pub result: String,
    pub fees: String,
    pub legal_basis: String,
    pub contact: String,
}

impl ServiceTexts {
    /// The text fields by their form names, in the editor's order (documents: one per line).
    pub const NAMES: [&'static str; 9] = [
        "name",
        "summary",
        "description",
        "conditions",
        "documents",
        "result",
        "fees",
        "legal_basis",
        "contact",
    ];
    /// The longest text accepted per entry (`name`: 200, the rest 5,000).
    pub fn max_chars(name: &str) -> usize {
        if name == "name" { 200 } else { 5000 }
    }
    pub fn get(&self, name: &str) -> String {
        match name {
            "name" => self.name.clone(),
            "summary" => self.summary.clone(),
            "description" => self.description.clone(),
            "conditions" => self.conditions.clone(),
            "documents" => self.documents.join("\n"),
            "result" => self.result.clone(),
            "fees" => self.fees.clone(),
            "legal_basis" => self.legal_basis.clone(),
            "contact" => self.contact.clone(),
            _ => String::new(),
        }
    }
    fn set(&mut self, name: &str, value: String) {
        match name {
            "name" => self.name = value,
            "summary" => self.summary = value,
            "description" => self.description = value,
            "conditions" => self.conditions = value,
            "documents" => {
                self.documents = value
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            }
            "result" => self.result = value,
            "fees" => self.fees = value,
            "legal_basis" => self.legal_basis = value,
            "contact" => self.contact = value,
            _ => {}
        }
    }
    fn is_empty(&self) -> bool {
        Self::NAMES.iter().all(|n| self.get(n).is_empty())
    }
}

/// Everything an owner edits about a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceDraft {
    /// By language code; Latvian always.
    pub texts: BTreeMap<String, ServiceTexts>,
    pub fields: Vec<FieldSpec>,
    /// Life situation codes the service is listed under.
    pub life_situations: Vec<String>,
    pub targets: Targets,
    /// The business calendar its clocks run on (a calendar's code); `None`: its
    /// institution's.
    pub calendar: Option<String>,
    pub automation: Automation,
    /// Requests say where (a place or an address): reports about a street or a park. Their
    /// requests are public through Open311 (without personal data).
    #[serde(default)]
    pub asks_location: bool,
}

/// Targets a new service starts with.
pub const DEFAULT_TARGETS: Targets = Targets {
    register_hours: 8,
    decide_days: 10,
    fulfil_days: 10,
    target_pct: 95,
};

impl Default for ServiceDraft {
    fn default() -> Self {
        ServiceDraft {
            texts: BTreeMap::new(),
            fields: Vec::new(),
            life_situations: Vec::new(),
            targets: DEFAULT_TARGETS,
            calendar: None,
            automation: Automation::default(),
            asks_location: false,
        }
    }
}

/// One change an editor makes to a draft (each form of the editor is one of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftEdit {
    /// Texts by language, then by text name (`ServiceTexts::NAMES`).
    Texts(BTreeMap<String, BTreeMap<String, String>>),
    /// Targets, calendar and life situations.
    Settings {
        targets: Targets,
        calendar: Option<String>,
        life_situations: Vec<String>,
        asks_location: bool,
    },
    Automation(Automation),
    AddField {
        name: String,
        kind: FieldType,
        label: LocalText,
    },
    /// Replace field `original` (which may be renamed) with `field`.
    SaveField {
        original: String,
        field: Box<FieldSpec>,
    },
    MoveField {
        name: String,
        up: bool,
    },
    RemoveField {
        name: String,
    },
}

/// What the editor refuses, by form field. `langs` are the languages the institution
/// offers; `situations` the life situation codes that exist.
pub fn apply(
    draft: &ServiceDraft,
    edit: DraftEdit,
    langs: &[&str],
    situations: &[String],
) -> Result<ServiceDraft, FieldErrors> {
    let mut next = draft.clone();
    let mut errors = FieldErrors::new();
    match edit {
        DraftEdit::Texts(by_lang) => {
            for (lang, texts) in by_lang {
                if !langs.contains(&lang.as_str()) {
                    errors.insert(format!("texts[{lang}]"), FieldError::UnknownField);
                    continue;
                }
                let entry = next.texts.entry(lang.clone()).or_default();
                for (name, value) in texts {
                    if !ServiceTexts::NAMES.contains(&name.as_str()) {
                        errors.insert(format!("texts[{lang}][{name}]"), FieldError::UnknownField);
                        continue;
                    }
                    let value = value.trim().replace("\r\n", "\n");
                    let max = ServiceTexts::max_chars(&name);
                    if value.chars().count() > max {
                        errors.insert(
                            format!("texts[{lang}][{name}]"),
                            FieldError::TooLong { max },
                        );
                        continue;
                    }
                    entry.set(&name, value);
                }
            }
            next.texts.retain(|lang, t| lang == "lv" || !t.is_empty());
            if next.texts.get("lv").is_none_or(|t| t.name.is_empty()) {
                errors
                    .entry("texts[lv][name]".into())
                    .or_insert(FieldError::Required);
            }
        }
        DraftEdit::Settings {
            targets,
            calendar,
            life_situations,
            asks_location,
        } => {
            let ranges = [
                ("register_hours", targets.register_hours, 1, 400),
                ("decide_days", targets.decide_days, 1, 365),
                ("fulfil_days", targets.fulfil_days, 1, 365),
                ("target_pct", targets.target_pct, 1, 100),
            ];
            for (name, v, min, max) in ranges {
                if !(min..=max).contains(&v) {
                    errors.insert(
                        name.into(),
                        FieldError::OutOfRange {
                            min: Some(i64::from(min)),
                            max: Some(i64::from(max)),
                        },
                    );
                }
            }
            if life_situations.iter().any(|s| !situations.contains(s)) {
                errors.insert("life_situations".into(), FieldError::InvalidChoice);
            }
            next.targets = targets;
            next.calendar = calendar;
            next.life_situations = life_situations;
            next.asks_location = asks_location;
        }
        DraftEdit::Automation(a) => {
            if let Err(e) = a.check(&next.fields) {
                errors.extend(e);
            }
            next.automation = a;
        }
        DraftEdit::AddField { name, kind, label } => {
            if !is_machine_name(&name) {
                errors.insert("name".into(), FieldError::InvalidChoice);
            } else if next.fields.iter().any(|f| f.name == name) {
                errors.insert("name".into(), FieldError::Taken);
            }
            if label.get(super::Lang::Lv).trim().is_empty() || !label.0.contains_key("lv") {
                errors.insert("label[lv]".into(), FieldError::Required);
            }
            let mut field = FieldSpec {
                name,
                label,
                kind,
                ..FieldSpec::default()
            };
            // A list needs options to be valid; the owner edits them next.
            if kind.has_options() {
                field.options = ["a", "b"]
                    .iter()
                    .map(|v| ChoiceOption {
                        value: (*v).into(),
                        label: LocalText::new(&v.to_uppercase(), &v.to_uppercase()),
                    })
                    .collect();
            }
            next.fields.push(field);
        }
        DraftEdit::SaveField { original, field } => {
            let Some(pos) = next.fields.iter().position(|f| f.name == original) else {
                errors.insert("field".into(), FieldError::UnknownField);
                return Err(errors);
            };
            errors.extend(field_errors(&field));
            if field.name != original {
                if next.fields.iter().any(|f| f.name == field.name) {
                    errors.insert("name".into(), FieldError::Taken);
                }
                if used_by_others(&next, &original) {
                    errors.insert("name".into(), FieldError::InUse);
                }
            }
            next.fields[pos] = *field;
            // A condition must name an earlier field and a possible answer.
            if errors.is_empty()
                && let Err(why) = check_schema(&next.fields)
            {
                let key = if why.contains("condition") {
                    "show_if"
                } else {
                    "options"
                };
                errors.insert(key.into(), FieldError::InvalidChoice);
            }
            if errors.is_empty()
                && let Err(e) = next.automation.check(&next.fields)
            {
                // The automation's conditions still have to fit the changed field.
                errors.insert(
                    "field".into(),
                    e.into_values().next().unwrap_or(FieldError::InvalidChoice),
                );
            }
        }
        DraftEdit::MoveField { name, up } => {
            let Some(pos) = next.fields.iter().position(|f| f.name == name) else {
                errors.insert("field".into(), FieldError::UnknownField);
                return Err(errors);
            };
            let other = if up {
                pos.checked_sub(1)
            } else {
                Some(pos + 1)
            };
            if let Some(other) = other.filter(|o| *o < next.fields.len()) {
                next.fields.swap(pos, other);
            }
            if check_schema(&next.fields).is_err() {
                // A conditional field cannot move above the field it depends on.
                errors.insert("field".into(), FieldError::InUse);
            }
        }
        DraftEdit::RemoveField { name } => {
            if !next.fields.iter().any(|f| f.name == name) {
                errors.insert("field".into(), FieldError::UnknownField);
            } else if used_by_others(&next, &name) {
                errors.insert("field".into(), FieldError::InUse);
            }
            next.fields.retain(|f| f.name != name);
        }
    }
    if errors.is_empty() {
        Ok(next)
    } else {
        Err(errors)
    }
}

/// Whether another field's condition or an automation condition names field `name`.
fn used_by_others(draft: &ServiceDraft, name: &str) -> bool {
    draft
        .fields
        .iter()
        .any(|f| f.show_if.as_ref().is_some_and(|c| c.field == name))
        || draft
            .automation
            .approve_when
            .iter()
            .any(|c| c.field == name)
}

/// Errors of one field's own settings (labels, bounds, options), by form field.
fn field_errors(f: &FieldSpec) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if !is_machine_name(&f.name) {
        errors.insert("name".into(), FieldError::InvalidChoice);
    }
    if f.label.0.get("lv").is_none_or(|l| l.trim().is_empty()) {
        errors.insert("label[lv]".into(), FieldError::Required);
    }
    for (lang, text) in f
        .label
        .0
        .iter()
        .chain(f.help.iter().flat_map(|h| h.0.iter()))
    {
        if text.chars().count() > 500 {
            errors.insert(format!("label[{lang}]"), FieldError::TooLong { max: 500 });
        }
    }
    if let (Some(min), Some(max)) = (f.min, f.max)
        && min > max
    {
        errors.insert(
            "max".into(),
            FieldError::OutOfRange {
                min: Some(min),
                max: None,
            },
        );
    }
    for (key, d) in [("earliest", &f.earliest), ("latest", &f.latest)] {
        if d.as_deref().is_some_and(|d| !is_iso_date(d)) {
            errors.insert(key.into(), FieldError::InvalidDate);
        }
    }
    if let (Some(e), Some(l)) = (&f.earliest, &f.latest)
        && e > l
    {
        errors.insert(
            "latest".into(),
            FieldError::DateOutOfRange {
                earliest: Some(e.clone()),
                latest: None,
            },
        );
    }
    if f.max_chars.is_some_and(|m| m == 0 || m > 20_000) {
        errors.insert(
            "max_chars".into(),
            FieldError::OutOfRange {
                min: Some(1),
                max: Some(20_000),
            },
        );
    }
    if f.kind.has_options() {
        let mut seen = std::collections::BTreeSet::new();
        let bad = f.options.is_empty()
            || f.options.iter().any(|o| {
                !is_machine_name(&o.value)
                    || !seen.insert(o.value.as_str())
                    || o.label.0.get("lv").is_none_or(|l| l.trim().is_empty())
            });
        if bad {
            errors.insert("options".into(), FieldError::InvalidChoice);
        }
    }
    if let Some(ShowIf { field, .. }) = &f.show_if
        && field == &f.name
    {
        errors.insert("show_if".into(), FieldError::InvalidChoice);
    }
    errors
}

/// Options written one per line as `value | Latvian label | English label | ...` in the
/// order of `langs` (a missing label falls back to Latvian when shown).
pub fn parse_options(text: &str, langs: &[&str]) -> Vec<ChoiceOption> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.split('|').map(str::trim);
            let value = parts.next().unwrap_or("").to_string();
            let mut label = BTreeMap::new();
            for (lang, text) in langs.iter().zip(parts) {
                if !text.is_empty() {
                    label.insert((*lang).to_string(), text.to_string());
                }
            }
            ChoiceOption {
                value,
                label: LocalText(label),
            }
        })
        .collect()
}

/// The inverse of [`parse_options`], for the editor's text box.
pub fn format_options(options: &[ChoiceOption], langs: &[&str]) -> String {
    options
        .iter()
        .map(|o| {
            let mut parts = vec![o.value.clone()];
            parts.extend(
                langs
                    .iter()
                    .map(|l| o.label.0.get(*l).cloned().unwrap_or_default()),
            );
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a draft may be published: Latvian name, a valid form with at least one field,
/// automation that fits the form. Errors keyed as the editor's forms are.
pub fn check_publishable(draft: &ServiceDraft) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if draft
        .texts
        .get("lv")
        .is_none_or(|t| t.name.trim().is_empty())
    {
        errors.insert("texts[lv][name]".into(), FieldError::Required);
    }
    if draft.fields.is_empty() {
        errors.insert("fields".into(), FieldError::Required);
    } else if check_schema(&draft.fields).is_err() {
        errors.insert("fields".into(), FieldError::InvalidChoice);
    }
    if let Err(e) = draft.automation.check(&draft.fields) {
        errors.extend(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What a change between two versions did to one part of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `field`, `text`, `targets`, `life_situations`, `automation`.
    pub area: String,
    /// The field name, `lang.text`, or the setting.
    pub key: String,
    /// `added`, `removed`, `changed`, `moved`.
    pub what: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Differences from `old` to `new`, in form order, then texts, then settings.
pub fn diff(old: &ServiceDraft, new: &ServiceDraft) -> Vec<Change> {
    let mut out = Vec::new();
    let change =
        |area: &str, key: &str, what: &str, before: Option<String>, after: Option<String>| Change {
            area: area.into(),
            key: key.into(),
            what: what.into(),
            before,
            after,
        };
    let old_names: Vec<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
    let new_names: Vec<&str> = new.fields.iter().map(|f| f.name.as_str()).collect();
    for f in &old.fields {
        if !new_names.contains(&f.name.as_str()) {
            out.push(change("field", &f.name, "removed", Some(json(f)), None));
        }
    }
    // Kept fields in their new order: which moved (relative order of the kept ones).
    let kept_old: Vec<&str> = old_names
        .iter()
        .copied()
        .filter(|n| new_names.contains(n))
        .collect();
    let kept_new: Vec<&str> = new_names
        .iter()
        .copied()
        .filter(|n| old_names.contains(n))
        .collect();
    for f in &new.fields {
        match old.fields.iter().find(|o| o.name == f.name) {
            None => out.push(change("field", &f.name, "added", None, Some(json(f)))),
            Some(o) if o != f => out.push(change(
                "field",
                &f.name,
                "changed",
                Some(json(o)),
                Some(json(f)),
            )),
            Some(_) => {
                let a = kept_old.iter().position(|n| *n == f.name);
                let b = kept_new.iter().position(|n| *n == f.name);
                if a != b {
                    out.push(change(
                        "field",
                        &f.name,
                        "moved",
                        a.map(|p| (p + 1).to_string()),
                        b.map(|p| (p + 1).to_string()),
                    ));
                }
            }
        }
    }
    let langs: std::collections::BTreeSet<&String> =
        old.texts.keys().chain(new.texts.keys()).collect();
    for lang in langs {
        let a = old.texts.get(lang).cloned().unwrap_or_default();
        let b = new.texts.get(lang).cloned().unwrap_or_default();
        for name in ServiceTexts::NAMES {
            let (x, y) = (a.get(name), b.get(name));
            if x != y {
                let what = if x.is_empty() {
                    "added"
                } else if y.is_empty() {
                    "removed"
                } else {
                    "changed"
                };
                out.push(change(
                    "text",
                    &format!("{lang}.{name}"),
                    what,
                    (!x.is_empty()).then_some(x),
                    (!y.is_empty()).then_some(y),
                ));
            }
        }
    }
    if old.targets != new.targets {
        out.push(change(
            "targets",
            "targets",
            "changed",
            Some(json(&old.targets)),
            Some(json(&new.targets)),
        ));
    }
    if old.calendar != new.calendar {
        out.push(change(
            "calendar",
            "calendar",
            "changed",
            old.calendar.clone(),
            new.calendar.clone(),
        ));
    }
    if old.life_situations != new.life_situations {
        out.push(change(
            "life_situations",
            "life_situations",
            "changed",
            Some(old.life_situations.join(", ")),
            Some(new.life_situations.join(", ")),
        ));
    }
    if old.asks_location != new.asks_location {
        out.push(change(
            "location",
            "asks_location",
            "changed",
            Some(old.asks_location.to_string()),
            Some(new.asks_location.to_string()),
        ));
    }
    if old.automation != new.automation {
        out.push(change(
            "automation",
            "automation",
            "changed",
            Some(json(&old.automation)),
            Some(json(&new.automation)),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
