//! Keeps every language complete (issue 13): the locale files, the identical-to-English
//! lists and the mail templates are read as files, so a new language is checked the
//! moment its files exist.
//!
//! A test fails when a key is missing or extra in any locale; when a string's
//! placeholders differ from the English one; when a plural message lacks a form the
//! language's CLDR rules need (or has one they do not know); when a string is the same
//! as English without being listed in `locales/identical/{code}.txt`; or when a mail
//! template is missing or its placeholders differ.

use crate::domain::Lang;
use icu_plurals::{PluralCategory, PluralRules};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every string of a locale file, by dotted key.
fn strings(code: &str) -> BTreeMap<String, String> {
    let path = root().join("locales").join(format!("{code}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut out = BTreeMap::new();
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(v, &key, out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            other => panic!("{prefix}: not a string: {other}"),
        }
    }
    walk(&json, "", &mut out);
    out
}

/// A key split into its message and plural category (`common.working_days_one`).
fn plural(key: &str) -> Option<(&str, &str)> {
    CATEGORIES
        .iter()
        .find_map(|c| key.strip_suffix(&format!("_{c}")).map(|base| (base, *c)))
}

/// Messages: plain ones with their text, plural ones with each form.
type Messages = BTreeMap<String, BTreeMap<String, String>>;

fn messages(code: &str) -> Messages {
    let mut out: Messages = BTreeMap::new();
    for (key, text) in strings(code) {
        match plural(&key) {
            Some((base, cat)) => out
                .entry(base.to_string())
                .or_default()
                .insert(cat.into(), text),
            None => out.entry(key).or_default().insert(String::new(), text),
        };
    }
    out
}

/// `{{ name }}` placeholders of a string.
fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        let Some(j) = rest.find("}}") else { break };
        out.insert(rest[..j].trim().to_string());
        rest = &rest[j + 2..];
    }
    out
}

/// The cardinal plural categories CLDR gives `code`.
fn cldr_categories(code: &str) -> BTreeSet<String> {
    let locale: icu_locale_core::Locale = code.parse().expect("locale code");
    let rules = PluralRules::try_new_cardinal((&locale).into()).expect("CLDR plural rules");
    rules
        .categories()
        .map(|c| {
            match c {
                PluralCategory::Zero => "zero",
                PluralCategory::One => "one",
                PluralCategory::Two => "two",
                PluralCategory::Few => "few",
                PluralCategory::Many => "many",
                PluralCategory::Other => "other",
            }
            .to_string()
        })
        .collect()
}

/// `locales/identical/{code}.txt`: keys meant to read as in English (`key  # why`).
fn identical_list(code: &str) -> BTreeSet<String> {
    let path = root().join("locales/identical").join(format!("{code}.txt"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_locale_has_every_key_with_the_same_placeholders() {
    let en = messages("en");
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let code = lang.code();
        let mine = messages(code);
        for key in en.keys().filter(|k| !mine.contains_key(*k)) {
            problems.push(format!("{code}: missing {key}"));
        }
        for key in mine.keys().filter(|k| !en.contains_key(*k)) {
            problems.push(format!("{code}: {key} is not in English"));
        }
        for (key, forms) in &mine {
            let Some(english) = en.get(key) else { continue };
            // English's plural message is compared through its `other` form.
            let reference = english
                .get("other")
                .or_else(|| english.get(""))
                .map(|s| placeholders(s))
                .unwrap_or_default();
            for (cat, text) in forms {
                // (A group separator is a no-break space, which is all it says.)
                if text.is_empty() || (text.trim().is_empty() && !key.starts_with("format.")) {
                    problems.push(format!("{code}: {key} {cat} is empty"));
                }
                let got = placeholders(text);
                // A singular form may say "one" instead of showing the count.
                let mut wanted = reference.clone();
                if !cat.is_empty() && cat != "other" && !got.contains("count") {
                    wanted.remove("count");
                }
                if got != wanted {
                    problems.push(format!(
                        "{code}: {key}{} has placeholders {got:?}, English {wanted:?}",
                        if cat.is_empty() {
                            String::new()
                        } else {
                            format!("_{cat}")
                        }
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn plural_messages_have_exactly_the_forms_cldr_gives_each_language() {
    let mut problems = Vec::new();
    let mut plurals = 0;
    for lang in Lang::ALL {
        let code = lang.code();
        let needed = cldr_categories(code);
        for (key, forms) in messages(code) {
            if forms.contains_key("") {
                if forms.len() > 1 {
                    problems.push(format!("{code}: {key} is both plain and plural"));
                }
                continue;
            }
            plurals += 1;
            let got: BTreeSet<String> = forms.keys().cloned().collect();
            if got != needed {
                problems.push(format!(
                    "{code}: {key} has forms {got:?}; CLDR needs {needed:?}"
                ));
            }
        }
    }
    assert!(plurals > 0, "no plural messages found");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn cldr_rules_are_the_ones_the_issue_names() {
    let set = |s: &[&str]| s.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(cldr_categories("lv"), set(&["zero", "one", "other"]));
    for slavic_or_baltic in ["lt", "pl", "uk", "ru"] {
        assert_eq!(
            cldr_categories(slavic_or_baltic),
            set(&["one", "few", "many", "other"])
        );
    }
    for two in ["en", "de", "et"] {
        assert_eq!(cldr_categories(two), set(&["one", "other"]));
    }
}

#[test]
fn strings_identical_to_english_are_listed_as_meant() {
    let en = strings("en");
    let mut problems = Vec::new();
    for lang in Lang::ALL.into_iter().filter(|l| l.code() != "en") {
        let code = lang.code();
        let listed = identical_list(code);
        let mine = strings(code);
        for (key, text) in &mine {
            let same = en.get(key).is_some_and(|e| e == text);
            if same && !listed.contains(key) {
                problems.push(format!("{code}: {key} reads as in English ({text:?}); translate it or list it in locales/identical/{code}.txt"));
            }
        }
        for key in &listed {
            if mine.get(key).is_none_or(|t| en.get(key) != Some(t)) {
                problems.push(format!("{code}: identical/{code}.txt lists {key}, which differs from English (or does not exist)"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `{name}` placeholders and `?{name}` optional lines of a mail template.
fn mail_placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        let Some(j) = rest.find('}') else { break };
        out.insert(rest[..j].to_string());
        rest = &rest[j + 1..];
    }
    out
}

/// (`server::notify`'s tests render each one in every language.)
#[test]
fn every_language_has_every_mail_template_with_the_same_placeholders() {
    let dir = root().join("templates/mail");
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        for name in crate::server::notify::TEMPLATES {
            for ext in ["txt", "html"] {
                let read = |code: &str| {
                    std::fs::read_to_string(dir.join(code).join(format!("{name}.{ext}")))
                };
                let (Ok(mine), Ok(english)) = (read(lang.code()), read("en")) else {
                    problems.push(format!("{}: no {name}.{ext}", lang.code()));
                    continue;
                };
                if ext == "txt" && !mine.starts_with("Subject: ") {
                    problems.push(format!(
                        "{}: {name}.txt does not begin with `Subject: `",
                        lang.code()
                    ));
                }
                if mail_placeholders(&mine) != mail_placeholders(&english) {
                    problems.push(format!(
                        "{}: {name}.{ext} has {:?}, English {:?}",
                        lang.code(),
                        mail_placeholders(&mine),
                        mail_placeholders(&english)
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The figures the closing note gives: keys per locale, strings meant to be identical.
#[test]
fn report_key_counts() {
    for lang in Lang::ALL {
        println!(
            "{}: {} strings, {} messages, {} listed identical to English",
            lang.code(),
            strings(lang.code()).len(),
            messages(lang.code()).len(),
            identical_list(lang.code()).len()
        );
    }
}

/// The languages issue 13 asks for ship (a locale file each, hence a `Lang` each).
#[test]
fn the_eight_languages_ship() {
    for code in ["lv", "en", "uk", "lt", "et", "de", "pl", "ru"] {
        assert!(Lang::parse(code).is_some(), "{code} is missing");
    }
    assert_eq!(Lang::ALL[0].code(), "lv", "Latvian first");
}
