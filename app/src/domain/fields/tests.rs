use super::*;

fn field(name: &str, kind: FieldType, required: bool) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        label: LocalText::new(name, name),
        help: None,
        kind,
        required,
        ..FieldSpec::default()
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn required_fields_must_be_present() {
    let schema = vec![
        field("a", FieldType::Text, true),
        field("b", FieldType::Text, false),
    ];
    let err = validate(&schema, &values(&[("b", "x")])).unwrap_err();
    assert_eq!(err.get("a"), Some(&FieldError::Required));
    assert_eq!(err.len(), 1);
    let err = validate(&schema, &values(&[("a", "   ")])).unwrap_err();
    assert_eq!(err.get("a"), Some(&FieldError::Required));
    let ok = validate(&schema, &values(&[("a", "  hi ")])).unwrap();
    assert_eq!(ok.get("a").map(String::as_str), Some("hi"));
    assert!(!ok.contains_key("b"));
}

#[test]
fn unknown_fields_are_refused() {
    let schema = vec![field("a", FieldType::Text, false)];
    let err = validate(&schema, &values(&[("zzz", "x")])).unwrap_err();
    assert_eq!(err.get("zzz"), Some(&FieldError::UnknownField));
}

#[test]
fn numbers_and_ranges() {
    let mut f = field("n", FieldType::Number, true);
    f.min = Some(1);
    f.max = Some(10);
    let schema = vec![f];
    assert_eq!(
        validate(&schema, &values(&[("n", "abc")])).unwrap_err()["n"],
        FieldError::NotANumber
    );
    assert_eq!(
        validate(&schema, &values(&[("n", "1.5")])).unwrap_err()["n"],
        FieldError::NotANumber
    );
    assert!(matches!(
        validate(&schema, &values(&[("n", "11")])).unwrap_err()["n"],
        FieldError::OutOfRange { .. }
    ));
    assert!(matches!(
        validate(&schema, &values(&[("n", "0")])).unwrap_err()["n"],
        FieldError::OutOfRange { .. }
    ));
    assert_eq!(
        validate(&schema, &values(&[("n", " 10 ")])).unwrap()["n"],
        "10"
    );
}

#[test]
fn dates() {
    let schema = vec![field("d", FieldType::Date, true)];
    assert_eq!(
        validate(&schema, &values(&[("d", "2026-02-30")])).unwrap_err()["d"],
        FieldError::InvalidDate
    );
    assert_eq!(
        validate(&schema, &values(&[("d", "30.01.2026")])).unwrap_err()["d"],
        FieldError::InvalidDate
    );
    assert_eq!(
        validate(&schema, &values(&[("d", "2026-01-30")])).unwrap()["d"],
        "2026-01-30"
    );
}

#[test]
fn choices() {
    let mut f = field("c", FieldType::Choice, true);
    f.options = vec![ChoiceOption {
        value: "a".into(),
        label: LocalText::new("A", "A"),
    }];
    let schema = vec![f];
    assert_eq!(
        validate(&schema, &values(&[("c", "b")])).unwrap_err()["c"],
        FieldError::InvalidChoice
    );
    assert_eq!(validate(&schema, &values(&[("c", "a")])).unwrap()["c"], "a");
}

#[test]
fn yes_no() {
    let schema = vec![
        field("y", FieldType::YesNo, false),
        field("agree", FieldType::YesNo, true),
    ];
    let err = validate(&schema, &values(&[("y", "maybe")])).unwrap_err();
    assert_eq!(err["y"], FieldError::InvalidYesNo);
    assert_eq!(err["agree"], FieldError::Required);
    let ok = validate(&schema, &values(&[("agree", "on")])).unwrap();
    assert_eq!(ok["y"], "no");
    assert_eq!(ok["agree"], "yes");
}

#[test]
fn emails_and_phones() {
    let schema = vec![
        field("e", FieldType::Email, false),
        field("p", FieldType::Phone, false),
    ];
    for bad in [
        "a", "a@b", "a@@b.lv", "a b@c.lv", "@c.lv", "a@.lv", "a@c..lv",
    ] {
        assert_eq!(
            validate(&schema, &values(&[("e", bad)])).unwrap_err()["e"],
            FieldError::InvalidEmail,
            "{bad}"
        );
    }
    assert!(validate(&schema, &values(&[("e", "jānis@pasts.lv")])).is_ok());
    for bad in ["12", "+371 abc", "1+2345678", "1234567890123456"] {
        assert_eq!(
            validate(&schema, &values(&[("p", bad)])).unwrap_err()["p"],
            FieldError::InvalidPhone,
            "{bad}"
        );
    }
    assert_eq!(
        validate(&schema, &values(&[("p", "+371 2000-0000")])).unwrap()["p"],
        "+37120000000"
    );
}

#[test]
fn text_length_counts_characters_not_bytes() {
    let mut f = field("t", FieldType::Text, true);
    f.max_chars = Some(3);
    let schema = vec![f];
    assert!(validate(&schema, &values(&[("t", "āčē")])).is_ok());
    assert_eq!(
        validate(&schema, &values(&[("t", "āčēž")])).unwrap_err()["t"],
        FieldError::TooLong { max: 3 }
    );
}

#[test]
fn schema_check() {
    assert!(check_schema(&[field("ok_1", FieldType::Text, true)]).is_ok());
    assert!(check_schema(&[field("Bad", FieldType::Text, true)]).is_err());
    assert!(
        check_schema(&[
            field("a", FieldType::Text, true),
            field("a", FieldType::Date, false)
        ])
        .is_err()
    );
    assert!(check_schema(&[field("c", FieldType::Choice, true)]).is_err());
}

fn options(f: &mut FieldSpec, values: &[&str]) {
    f.options = values
        .iter()
        .map(|v| ChoiceOption {
            value: v.to_string(),
            label: LocalText::new(v, v),
        })
        .collect();
}

#[test]
fn multiple_choice_keeps_the_form_order_and_refuses_strangers() {
    let mut f = field("m", FieldType::MultiChoice, true);
    options(&mut f, &["a", "b", "c"]);
    let schema = vec![f];
    assert_eq!(
        validate(&schema, &values(&[("m", "c, a,a")])).unwrap()["m"],
        "a,c"
    );
    assert_eq!(
        validate(&schema, &values(&[("m", "a,z")])).unwrap_err()["m"],
        FieldError::InvalidChoice
    );
    assert_eq!(
        validate(&schema, &values(&[("m", " , ")])).unwrap_err()["m"],
        FieldError::Required
    );
}

#[test]
fn date_bounds_are_inclusive() {
    let mut f = field("d", FieldType::Date, true);
    f.earliest = Some("2026-01-01".into());
    f.latest = Some("2026-12-31".into());
    let schema = vec![f];
    assert!(validate(&schema, &values(&[("d", "2026-01-01")])).is_ok());
    assert!(validate(&schema, &values(&[("d", "2026-12-31")])).is_ok());
    assert!(matches!(
        validate(&schema, &values(&[("d", "2025-12-31")])).unwrap_err()["d"],
        FieldError::DateOutOfRange { .. }
    ));
    assert!(matches!(
        validate(&schema, &values(&[("d", "2027-01-01")])).unwrap_err()["d"],
        FieldError::DateOutOfRange { .. }
    ));
}

#[test]
fn a_conditional_field_is_asked_only_when_its_condition_holds() {
    let mut plate = field("plate", FieldType::Text, true);
    plate.show_if = Some(ShowIf {
        field: "car".into(),
        equals: "yes".into(),
    });
    let mut zone = field("zone", FieldType::Choice, true);
    options(&mut zone, &["a", "b"]);
    zone.show_if = Some(ShowIf {
        field: "kinds".into(),
        equals: "y".into(),
    });
    let mut kinds = field("kinds", FieldType::MultiChoice, false);
    options(&mut kinds, &["x", "y"]);
    let schema = vec![field("car", FieldType::YesNo, false), plate, kinds, zone];
    assert_eq!(check_schema(&schema), Ok(()));
    // Hidden: not required, and a value posted anyway is dropped.
    let ok = validate(&schema, &values(&[("plate", "AB-1")])).unwrap();
    assert!(!ok.contains_key("plate"));
    // Shown: required.
    let err = validate(&schema, &values(&[("car", "yes")])).unwrap_err();
    assert_eq!(err["plate"], FieldError::Required);
    let ok = validate(&schema, &values(&[("car", "on"), ("plate", "AB-1")])).unwrap();
    assert_eq!(ok["plate"], "AB-1");
    // On a multiple choice: when the option is among the chosen.
    let err = validate(&schema, &values(&[("kinds", "x,y")])).unwrap_err();
    assert_eq!(err["zone"], FieldError::Required);
    assert!(validate(&schema, &values(&[("kinds", "x"), ("zone", "q")])).is_ok());
}

#[test]
fn schema_conditions_and_bounds_are_checked() {
    let car = field("car", FieldType::YesNo, false);
    let mut later = field("plate", FieldType::Text, false);
    later.show_if = Some(ShowIf {
        field: "car".into(),
        equals: "yes".into(),
    });
    assert!(
        check_schema(&[later.clone(), car.clone()]).is_err(),
        "on a later field"
    );
    assert!(
        check_schema(&[later.clone()]).is_err(),
        "on a missing field"
    );
    let mut impossible = later.clone();
    impossible.show_if = Some(ShowIf {
        field: "car".into(),
        equals: "maybe".into(),
    });
    assert!(check_schema(&[car.clone(), impossible]).is_err());
    let mut n = field("n", FieldType::Number, false);
    n.min = Some(5);
    n.max = Some(1);
    assert!(check_schema(&[n]).is_err());
    let mut d = field("d", FieldType::Date, false);
    d.earliest = Some("2026-13-01".into());
    assert!(check_schema(&[d.clone()]).is_err());
    d.earliest = Some("2026-05-01".into());
    d.latest = Some("2026-04-01".into());
    assert!(check_schema(&[d]).is_err());
    let mut m = field("m", FieldType::MultiChoice, false);
    options(&mut m, &["a", "a"]);
    assert!(check_schema(&[m.clone()]).is_err(), "repeated option");
    options(&mut m, &["A b"]);
    assert!(
        check_schema(&[m]).is_err(),
        "option value not a machine name"
    );
}

#[test]
fn local_text_falls_back_to_latvian() {
    let mut t = LocalText::default();
    t.0.insert("lv".into(), "Sveiki".into());
    assert_eq!(t.get(Lang::En), "Sveiki");
    assert_eq!(LocalText::new("a", "b").get(Lang::En), "b");
}
