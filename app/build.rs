//! Generates the `i18n` module from `locales/*.json`: keys are checked at compile time, and
//! a missing key in any language is a build warning. Interpolated strings are allowed in
//! plain-text contexts (`interpolate_display`), which the crate's macro cannot switch on.

use leptos_i18n_parser::parse_locales::options::{Config, ParseOptions};
use std::io::Write;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    if let Err(e) = generate() {
        println!("cargo::error=translations: {e}");
        std::process::exit(1);
    }
}

fn generate() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = Config::new("lv")?.add_locale("en")?;
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
    let dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join("i18n");
    std::fs::create_dir_all(&dir)?;
    let mut file = std::fs::File::create(dir.join("mod.rs"))?;
    write!(file, "{code}")?;
    Ok(())
}
