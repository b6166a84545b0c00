//! Generates, from the files alone (adding a language means adding files, not code):
//! - the `i18n` module from `locales/*.json` (keys are checked at compile time; a missing
//!   key in any language is a build warning, and `tests/locales.rs` makes it a failure).
//!   Interpolated strings are allowed in plain-text contexts (`interpolate_display`);
//! - `langs.rs`: the domain's `Lang` enum, one variant per locale file, Latvian first;
//! - `mail_templates.rs`: the built-in e-mail templates, `templates/mail/{lang}/{name}`.

use leptos_i18n_parser::parse_locales::options::{Config, ParseOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The default language: always offered, the last fallback.
const DEFAULT: &str = "lv";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    println!("cargo::rerun-if-changed=templates");
    if let Err(e) = generate() {
        println!("cargo::error=translations: {e}");
        std::process::exit(1);
    }
}

/// Locale codes from `locales/*.json`: the default first, then by code.
fn codes(dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            if !stem.chars().all(|c| c.is_ascii_lowercase()) || !(2..=3).contains(&stem.len()) {
                return Err(format!("locale file name {stem}.json: use a language code").into());
            }
            codes.push(stem.to_string());
        }
    }
    codes.sort_by_key(|c| (c.as_str() != DEFAULT, c.clone()));
    if codes.first().map(String::as_str) != Some(DEFAULT) {
        return Err(format!("locales/{DEFAULT}.json is missing").into());
    }
    Ok(codes)
}

fn variant(code: &str) -> String {
    let mut c = code.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn generate() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let codes = codes(&manifest.join("locales"))?;

    let mut cfg = Config::new(DEFAULT)?;
    for code in codes.iter().skip(1) {
        cfg = cfg.add_locale(code)?;
    }
    cfg.options = ParseOptions::new().interpolate_display(true);
    let parsed = leptos_i18n_parser::parse_locales::parse_locales(None, cfg)?;
    for warning in parsed.diag.warnings().iter() {
        println!("cargo::warning={warning}");
    }
    if let Some(paths) = parsed.tracked_files.as_deref() {
        for path in paths {
            println!("cargo::rerun-if-changed={path}");
        }
    }
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, false)?;
    let dir = out.join("i18n");
    std::fs::create_dir_all(&dir)?;
    write!(std::fs::File::create(dir.join("mod.rs"))?, "{code}")?;

    std::fs::write(out.join("langs.rs"), langs(&codes))?;
    std::fs::write(out.join("lang_locale.rs"), lang_locale(&codes))?;
    std::fs::write(out.join("mail_templates.rs"), mail(&manifest, &codes)?)?;
    Ok(())
}

fn langs(codes: &[String]) -> String {
    let variants: Vec<String> = codes.iter().map(|c| variant(c)).collect();
    let mut s = String::new();
    s.push_str(
        "/// Languages the product speaks, one per `locales/*.json`. Latvian is the default.\n",
    );
    s.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]\n");
    s.push_str("#[serde(rename_all = \"snake_case\")]\npub enum Lang {\n    #[default]\n");
    for v in &variants {
        s.push_str(&format!("    {v},\n"));
    }
    s.push_str("}\n\nimpl Lang {\n");
    s.push_str(&format!(
        "    /// Every language, the default first.\n    pub const ALL: [Lang; {}] = [{}];\n",
        codes.len(),
        variants
            .iter()
            .map(|v| format!("Lang::{v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.push_str("    /// The language's code (`lv`, `en`, ...), as in `lang` and `hreflang`.\n");
    s.push_str("    pub fn code(self) -> &'static str {\n        match self {\n");
    for (c, v) in codes.iter().zip(&variants) {
        s.push_str(&format!("            Lang::{v} => \"{c}\",\n"));
    }
    s.push_str("        }\n    }\n}\n");
    s
}

fn lang_locale(codes: &[String]) -> String {
    let mut s = String::from(
        "/// The UI locale matching a domain language.\npub fn locale(lang: crate::domain::Lang) -> Locale {\n    match lang {\n",
    );
    for c in codes {
        s.push_str(&format!(
            "        crate::domain::Lang::{} => Locale::{c},\n",
            variant(c)
        ));
    }
    s.push_str("    }\n}\n\n/// The domain language matching a UI locale.\npub fn lang(l: Locale) -> crate::domain::Lang {\n    match l {\n");
    for c in codes {
        s.push_str(&format!(
            "        Locale::{c} => crate::domain::Lang::{},\n",
            variant(c)
        ));
    }
    s.push_str("    }\n}\n");
    s
}

/// `fn builtin(lang, name)`: every `templates/mail/{lang}/{name}.txt` with its `.html`.
fn mail(manifest: &Path, codes: &[String]) -> Result<String, Box<dyn std::error::Error>> {
    let mut arms = String::new();
    for code in codes {
        let dir = manifest.join("templates/mail").join(code);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(String::from))
            .collect();
        names.sort();
        for name in names {
            let txt = dir.join(format!("{name}.txt"));
            let html = dir.join(format!("{name}.html"));
            if !html.exists() {
                return Err(format!("{} has no .html beside it", txt.display()).into());
            }
            arms.push_str(&format!(
                "        ({code:?}, {name:?}) => Some((include_str!({:?}), include_str!({:?}))),\n",
                txt.display().to_string(),
                html.display().to_string()
            ));
        }
    }
    Ok(format!(
        "/// The built-in template `name` in `lang` (text, HTML), if there is one.\nfn builtin(lang: &str, name: &str) -> Option<(&'static str, &'static str)> {{\n    match (lang, name) {{\n{arms}        _ => None,\n    }}\n}}\n"
    ))
}
