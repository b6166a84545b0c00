use super::*;
use crate::domain::automation::{CompareOp, Condition};

const LANGS: [&str; 2] = ["lv", "en"];

fn situations() -> Vec<String> {
    vec!["birth".into(), "moving".into()]
}

fn edit(d: &ServiceDraft, e: DraftEdit) -> Result<ServiceDraft, FieldErrors> {
    apply(d, e, &LANGS, &situations())
}

fn add(d: &ServiceDraft, name: &str, kind: FieldType) -> ServiceDraft {
    edit(
        d,
        DraftEdit::AddField {
            name: name.into(),
            kind,
            label: LocalText::new(name, name),
        },
    )
    .unwrap_or_else(|e| panic!("add {name}: {e:?}"))
}

fn texts(pairs: &[(&str, &str, &str)]) -> DraftEdit {
    let mut m: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (lang, k, v) in pairs {
        m.entry(lang.to_string())
            .or_default()
            .insert(k.to_string(), v.to_string());
    }
    DraftEdit::Texts(m)
}

#[test]
fn texts_need_a_latvian_name_and_known_languages() {
    let d = ServiceDraft::default();
    let e = edit(&d, texts(&[("en", "name", "Parking")])).unwrap_err();
    assert_eq!(e["texts[lv][name]"], FieldError::Required);
    let e = edit(
        &d,
        texts(&[("lv", "name", "Stāvvieta"), ("xx", "name", "?")]),
    )
    .unwrap_err();
    assert_eq!(e["texts[xx]"], FieldError::UnknownField);
    let e = edit(&d, texts(&[("lv", "name", &"ā".repeat(201))])).unwrap_err();
    assert_eq!(e["texts[lv][name]"], FieldError::TooLong { max: 200 });
    let d = edit(
        &d,
        texts(&[
            ("lv", "name", " Stāvvieta "),
            ("lv", "documents", "Pase\r\n\r\n Līgums "),
            ("en", "fees", "Free"),
        ]),
    )
    .unwrap();
    assert_eq!(d.texts["lv"].name, "Stāvvieta");
    assert_eq!(d.texts["lv"].documents, vec!["Pase", "Līgums"]);
    assert_eq!(d.texts["en"].fees, "Free");
    // Emptying a language removes it.
    let d = edit(&d, texts(&[("en", "fees", "")])).unwrap();
    assert!(!d.texts.contains_key("en"));
}

#[test]
fn settings_are_range_checked() {
    let d = ServiceDraft::default();
    let bad = Targets {
        register_hours: 0,
        decide_days: 366,
        fulfil_days: 5,
        target_pct: 101,
    };
    let e = edit(
        &d,
        DraftEdit::Settings {
            targets: bad,
            calendar: None,
            life_situations: vec!["nowhere".into()],
            asks_location: false,
        },
    )
    .unwrap_err();
    for k in [
        "register_hours",
        "decide_days",
        "target_pct",
        "life_situations",
    ] {
        assert!(e.contains_key(k), "{k}");
    }
    assert!(!e.contains_key("fulfil_days"));
    let ok = edit(
        &d,
        DraftEdit::Settings {
            targets: DEFAULT_TARGETS,
            calendar: Some("LV".into()),
            life_situations: vec!["moving".into()],
            asks_location: true,
        },
    )
    .unwrap();
    assert_eq!(ok.life_situations, vec!["moving"]);
    assert!(ok.asks_location);
}

#[test]
fn fields_are_added_edited_moved_and_removed() {
    let d = add(&ServiceDraft::default(), "car", FieldType::YesNo);
    let d = add(&d, "plate", FieldType::Text);
    let d = add(&d, "zones", FieldType::MultiChoice);
    assert_eq!(
        d.fields[2].options.len(),
        2,
        "a list starts with two options"
    );
    // Names are machine names and unique.
    for (name, err) in [
        ("car", FieldError::Taken),
        ("Bad name", FieldError::InvalidChoice),
    ] {
        let e = edit(
            &d,
            DraftEdit::AddField {
                name: name.into(),
                kind: FieldType::Text,
                label: LocalText::new("x", "x"),
            },
        )
        .unwrap_err();
        assert_eq!(e["name"], err);
    }
    // Make plate conditional on car.
    let mut plate = d.fields[1].clone();
    plate.show_if = Some(ShowIf {
        field: "car".into(),
        equals: "yes".into(),
    });
    plate.required = true;
    let d = edit(
        &d,
        DraftEdit::SaveField {
            original: "plate".into(),
            field: Box::new(plate.clone()),
        },
    )
    .unwrap();
    assert!(d.fields[1].show_if.is_some());
    // An impossible answer or a later field is refused.
    let mut wrong = plate.clone();
    wrong.show_if = Some(ShowIf {
        field: "car".into(),
        equals: "perhaps".into(),
    });
    let e = edit(
        &d,
        DraftEdit::SaveField {
            original: "plate".into(),
            field: Box::new(wrong),
        },
    )
    .unwrap_err();
    assert_eq!(e["show_if"], FieldError::InvalidChoice);
    // The field a condition names can be neither removed, renamed, nor passed.
    let e = edit(&d, DraftEdit::RemoveField { name: "car".into() }).unwrap_err();
    assert_eq!(e["field"], FieldError::InUse);
    let mut renamed = d.fields[0].clone();
    renamed.name = "has_car".into();
    let e = edit(
        &d,
        DraftEdit::SaveField {
            original: "car".into(),
            field: Box::new(renamed),
        },
    )
    .unwrap_err();
    assert_eq!(e["name"], FieldError::InUse);
    let e = edit(
        &d,
        DraftEdit::MoveField {
            name: "plate".into(),
            up: true,
        },
    )
    .unwrap_err();
    assert_eq!(e["field"], FieldError::InUse);
    // Moving past the end changes nothing; moving zones up works.
    let same = edit(
        &d,
        DraftEdit::MoveField {
            name: "zones".into(),
            up: false,
        },
    )
    .unwrap();
    assert_eq!(same, d);
    let moved = edit(
        &d,
        DraftEdit::MoveField {
            name: "zones".into(),
            up: true,
        },
    )
    .unwrap();
    assert_eq!(moved.fields[1].name, "zones");
    // Removing the conditional field then frees car.
    let d = edit(
        &d,
        DraftEdit::RemoveField {
            name: "plate".into(),
        },
    )
    .unwrap();
    let d = edit(&d, DraftEdit::RemoveField { name: "car".into() }).unwrap();
    assert_eq!(d.fields.len(), 1);
    let e = edit(
        &d,
        DraftEdit::RemoveField {
            name: "ghost".into(),
        },
    )
    .unwrap_err();
    assert_eq!(e["field"], FieldError::UnknownField);
}

#[test]
fn field_settings_are_checked() {
    let d = add(&ServiceDraft::default(), "n", FieldType::Number);
    let d = add(&d, "d", FieldType::Date);
    let d = add(&d, "c", FieldType::Choice);
    let save = |f: FieldSpec, original: &str| {
        edit(
            &d,
            DraftEdit::SaveField {
                original: original.into(),
                field: Box::new(f),
            },
        )
    };
    let mut n = d.fields[0].clone();
    n.min = Some(10);
    n.max = Some(1);
    assert!(save(n, "n").unwrap_err().contains_key("max"));
    let mut dt = d.fields[1].clone();
    dt.earliest = Some("2026-02-30".into());
    assert_eq!(
        save(dt.clone(), "d").unwrap_err()["earliest"],
        FieldError::InvalidDate
    );
    dt.earliest = Some("2026-06-01".into());
    dt.latest = Some("2026-01-01".into());
    assert!(save(dt, "d").unwrap_err().contains_key("latest"));
    let mut c = d.fields[2].clone();
    c.options = parse_options("a | A | A\na | again", &LANGS);
    assert_eq!(
        save(c.clone(), "c").unwrap_err()["options"],
        FieldError::InvalidChoice
    );
    c.options = parse_options("x | | X", &LANGS);
    assert_eq!(
        save(c.clone(), "c").unwrap_err()["options"],
        FieldError::InvalidChoice,
        "an option needs a Latvian label"
    );
    c.options = parse_options("x | Iks | X\ny | Igrek", &LANGS);
    assert!(save(c.clone(), "c").is_ok());
    c.label = LocalText::default();
    assert_eq!(save(c, "c").unwrap_err()["label[lv]"], FieldError::Required);
}

#[test]
fn options_round_trip_through_the_text_box() {
    let opts = parse_options(" a | Ā | A \n\n b | Bē ", &LANGS);
    assert_eq!(opts.len(), 2);
    assert_eq!(opts[0].label.get(crate::domain::Lang::En), "A");
    assert_eq!(
        opts[1].label.get(crate::domain::Lang::En),
        "Bē",
        "falls back to Latvian"
    );
    let text = format_options(&opts, &LANGS);
    assert_eq!(text, "a | Ā | A\nb | Bē | ");
    assert_eq!(parse_options(&text, &LANGS), opts);
}

#[test]
fn automation_must_fit_the_form_and_fields_it_uses_stay() {
    let d = add(&ServiceDraft::default(), "resident", FieldType::YesNo);
    let cond = Condition {
        field: "resident".into(),
        op: CompareOp::Equals,
        value: "yes".into(),
    };
    let a = Automation {
        auto_approve: true,
        approve_when: vec![cond.clone()],
        ..Automation::default()
    };
    let d = edit(&d, DraftEdit::Automation(a.clone())).unwrap();
    let e = edit(
        &d,
        DraftEdit::RemoveField {
            name: "resident".into(),
        },
    )
    .unwrap_err();
    assert_eq!(e["field"], FieldError::InUse);
    // Turning the yes/no into a number breaks the condition.
    let mut f = d.fields[0].clone();
    f.kind = FieldType::Number;
    assert!(
        edit(
            &d,
            DraftEdit::SaveField {
                original: "resident".into(),
                field: Box::new(f)
            }
        )
        .is_err()
    );
    let bad = Automation {
        approve_when: vec![Condition {
            value: "maybe".into(),
            ..cond
        }],
        ..a
    };
    assert!(
        edit(&d, DraftEdit::Automation(bad))
            .unwrap_err()
            .contains_key("approve_when")
    );
}

#[test]
fn publishing_needs_a_name_and_a_field() {
    let d = ServiceDraft::default();
    let e = check_publishable(&d).unwrap_err();
    assert!(e.contains_key("texts[lv][name]") && e.contains_key("fields"));
    let d = edit(&d, texts(&[("lv", "name", "Atļauja")])).unwrap();
    let d = add(&d, "why", FieldType::LongText);
    assert_eq!(check_publishable(&d), Ok(()));
}

#[test]
fn diff_names_what_changed() {
    let a = add(&ServiceDraft::default(), "one", FieldType::Text);
    let a = add(&a, "two", FieldType::Date);
    let a = add(&a, "three", FieldType::Number);
    let a = edit(&a, texts(&[("lv", "name", "Vecais")])).unwrap();
    assert!(diff(&a, &a).is_empty());
    let mut b = edit(&a, DraftEdit::RemoveField { name: "one".into() }).unwrap();
    b = add(&b, "four", FieldType::Email);
    b = edit(
        &b,
        DraftEdit::MoveField {
            name: "three".into(),
            up: true,
        },
    )
    .unwrap();
    let mut two = b.fields[1].clone();
    two.required = true;
    b = edit(
        &b,
        DraftEdit::SaveField {
            original: "two".into(),
            field: Box::new(two),
        },
    )
    .unwrap();
    b = edit(
        &b,
        texts(&[("lv", "name", "Jaunais"), ("en", "summary", "New")]),
    )
    .unwrap();
    b.targets.decide_days = 3;
    let changes = diff(&a, &b);
    let found = |area: &str, key: &str, what: &str| {
        changes
            .iter()
            .any(|c| c.area == area && c.key == key && c.what == what)
    };
    assert!(found("field", "one", "removed"));
    assert!(found("field", "four", "added"));
    assert!(found("field", "two", "changed"));
    assert!(found("field", "three", "moved"));
    assert!(found("text", "lv.name", "changed"));
    assert!(found("text", "en.summary", "added"));
    assert!(found("targets", "targets", "changed"));
    assert_eq!(changes.len(), 7, "{changes:#?}");
}
