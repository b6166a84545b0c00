//! Property tests (issue 11): whatever a person or a program sends, the validators and
//! parsers answer with a value or a refusal, never a panic; and what passed validation
//! passes again unchanged. Case counts are set per test (`CASES`).

use super::fields::{FieldSpec, validate};
use super::{Contact, Lang, normalise_tracking_code, tracking_code_from};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Cases per property (the closing note of issue 11 counts them).
const CASES: u32 = 2000;

/// Every field schema of the demo catalogue: all field types with their limits.
fn schemas() -> Vec<Vec<FieldSpec>> {
    let catalogue: serde_json::Value =
        serde_json::from_str(include_str!("../server/demo/catalogue.json")).unwrap_or_default();
    catalogue["services"]
        .as_array()
        .map(|services| {
            services
                .iter()
                .filter_map(|s| serde_json::from_value(s["fields"].clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Strings as people and programs send them: anything, plus the shapes fields expect.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,12}",
        "-?[0-9]{1,25}(\\.[0-9]{0,5})?",
        "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
        "(yes|no|jā|nē|true|false|[a-z]{1,8})",
        "[a-zA-Z0-9._%+-]{0,20}@[a-z0-9.-]{0,20}",
        "\\+?[0-9 ()-]{0,25}",
        "\\PC{0,5000}",
    ]
}

fn answers(names: Vec<String>) -> impl Strategy<Value = BTreeMap<String, String>> {
    let name = prop_oneof![
        proptest::sample::select(names),
        "[a-z_]{1,12}",
        any::<String>()
    ];
    proptest::collection::btree_map(name, text(), 0..12)
}

/// A schema of the catalogue (by index) and answers to it: its own field names, unknown
/// ones, and any text as values.
fn schema_and_answers() -> impl Strategy<Value = (usize, BTreeMap<String, String>)> {
    let n = schemas().len().max(1);
    (0..n).prop_flat_map(|i| {
        let mut names: Vec<String> = schemas()
            .get(i)
            .map(|s| s.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default();
        if names.is_empty() {
            names.push("x".into());
        }
        (Just(i), answers(names))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn validation_never_panics_and_is_stable((pick, values) in schema_and_answers()) {
        let all = schemas();
        prop_assume!(!all.is_empty());
        let schema = &all[pick % all.len()];
        if let Ok(clean) = validate(schema, &values) {
            // What passed is normalised: validating it again changes nothing.
            prop_assert_eq!(validate(schema, &clean), Ok(clean.clone()));
        }
    }

    #[test]
    fn contact_details_never_panic(name in text(), email in text(), phone in text()) {
        if let Ok(c) = Contact::parse(&name, &email, &phone) {
            prop_assert!(!c.name.trim().is_empty());
        }
    }

    #[test]
    fn tracking_codes_parse_any_text(s in text()) {
        let n = normalise_tracking_code(&s);
        // Normalising is idempotent.
        prop_assert_eq!(normalise_tracking_code(&n), n);
    }

    #[test]
    fn generated_codes_survive_how_people_type_them(bytes in any::<[u8; 10]>(), lower in any::<bool>(), spaces in any::<bool>()) {
        let code = tracking_code_from(&bytes);
        let mut typed = if lower { code.to_lowercase() } else { code.clone() };
        if spaces {
            typed = typed.replace('-', " ");
        }
        prop_assert_eq!(normalise_tracking_code(&typed), code);
    }

    #[test]
    fn accept_language_never_panics(s in text()) {
        let _ = Lang::from_accept_language(&s);
    }

    /// Any bytes under any name: a kind or a refusal, never a panic; a safe name is short,
    /// has no folders, and ends in its kind's extension; the scrubber keeps or drops, and
    /// gives the same output whatever the chunking.
    #[test]
    fn files_never_panic(
        head in proptest::collection::vec(any::<u8>(), 0..400),
        exif in any::<bool>(),
        name in text(),
        piece in 1usize..64,
    ) {
        use super::files::{FileKind, Scrubber, check, safe_name, strip_gps};
        let mut bytes = head.clone();
        if exif {
            // Random bytes after a real header, so the TIFF walk meets garbage.
            let mut with = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 0];
            with.extend_from_slice(b"Exif\0\0MM\0*");
            with.extend_from_slice(&head);
            bytes = with;
        }
        let _ = check(&name, &bytes, &FileKind::ALL);
        for kind in FileKind::ALL {
            let safe = safe_name(&name, kind);
            prop_assert!(safe.chars().count() <= super::files::MAX_NAME_CHARS);
            prop_assert!(!safe.contains('/') && !safe.contains('\\'));
            prop_assert_eq!(FileKind::from_name(&safe), Some(kind));
            let run = |p: usize| {
                let mut s = Scrubber::new(kind);
                let mut out = Vec::new();
                for c in bytes.chunks(p) {
                    s.push(c, &mut out);
                }
                s.finish(&mut out);
                out
            };
            let whole = run(bytes.len().max(1));
            prop_assert_eq!(run(piece), whole.clone());
            prop_assert!(whole.len() <= bytes.len());
        }
        let mut tiff = head;
        let _ = strip_gps(&mut tiff);
    }
}
