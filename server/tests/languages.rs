//! Issue 13 over real HTTP and the service layer, on SQLite and PostgreSQL: the page's
//! language (choice, first visit, what the institution offers), service texts that fall
//! back visibly, the requester's language kept on the request, and answers, dates and
//! CSV values written in the reader's language.

mod common;

use app::domain::Lang;
use common::{TestApp, parking_request};

const LANG: &str = "i18n_pref_locale";

async fn page(app: &TestApp, path: &str, cookie: Option<&str>, accept: Option<&str>) -> String {
    let mut req = app.http.get(app.url(path));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(a) = accept {
        req = req.header("accept-language", a);
    }
    let resp = req.send().await.expect("page");
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.text().await.expect("body")
}

fn html_lang(body: &str) -> &str {
    let start = body.find("<html").expect("html");
    let tag = &body[start..start + body[start..].find('>').expect("tag end")];
    let at = tag.find("lang=\"").expect("lang attribute") + 6;
    &tag[at..at + tag[at..].find('"').expect("quote")]
}

/// The `hreflang` codes of the page's language switch, in order.
fn switch(body: &str) -> Vec<String> {
    body.split("hreflang=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap_or(0)].to_string())
        .collect()
}

async fn page_language(app: &TestApp) {
    // A first visit: the best offered language for the browser.
    let body = page(app, "/", None, Some("uk-UA,uk;q=0.9,en;q=0.5")).await;
    assert_eq!(html_lang(&body), "uk");
    assert_eq!(switch(&body), Lang::ALL.map(|l| l.code().to_string()));
    let body = page(app, "/", None, Some("fr-FR,fr;q=0.9")).await;
    assert_eq!(html_lang(&body), "lv", "nothing offered matches: Latvian");
    // The visitor's choice wins over the browser's.
    let body = page(app, "/services", Some(&format!("{LANG}=de")), Some("uk")).await;
    assert_eq!(html_lang(&body), "de");
    // An institution offering Latvian, English and Ukrainian: German falls to English and
    // the switch offers its three; Ukrainian stays Ukrainian.
    let pass = "/services/PMLP-PASE";
    let body = page(app, pass, Some(&format!("{LANG}=de")), None).await;
    assert_eq!(html_lang(&body), "en");
    assert_eq!(switch(&body), ["lv", "en", "uk"]);
    let body = page(app, pass, Some(&format!("{LANG}=uk")), None).await;
    assert_eq!(html_lang(&body), "uk");
    // The institution changes its mind: no Ukrainian any more, and the page follows.
    sqlx::query("UPDATE institutions SET languages = 'lv' WHERE code = 'PMLP'")
        .execute(&app.taka.db.write)
        .await
        .expect("update");
    let body = page(app, pass, Some(&format!("{LANG}=uk")), None).await;
    assert_eq!(html_lang(&body), "lv");
    assert_eq!(switch(&body), ["lv"]);
}

async fn service_text_falls_back_visibly(app: &TestApp) {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM services WHERE code = 'VNP-STAVATLAUJA'")
        .fetch_one(&app.taka.db.read)
        .await
        .expect("service");
    let en: (String,) =
        sqlx::query_as("SELECT name FROM service_texts WHERE service_id = $1 AND lang = 'en'")
            .bind(id)
            .fetch_one(&app.taka.db.read)
            .await
            .expect("english");
    let before = app
        .taka
        .service_detail("VNP-STAVATLAUJA", Lang::De)
        .await
        .expect("detail");
    assert_eq!(before.text_lang, Lang::De);
    sqlx::query("DELETE FROM service_texts WHERE service_id = $1 AND lang = 'de'")
        .bind(id)
        .execute(&app.taka.db.write)
        .await
        .expect("delete");
    let after = app
        .taka
        .service_detail("VNP-STAVATLAUJA", Lang::De)
        .await
        .expect("detail");
    assert_eq!(after.text_lang, Lang::En);
    assert_eq!(after.name, en.0);
    let body = page(
        app,
        "/services/VNP-STAVATLAUJA",
        Some(&format!("{LANG}=de")),
        None,
    )
    .await;
    assert_eq!(html_lang(&body), "de");
    assert!(
        body.contains("class=\"notice fallback\""),
        "the fallback is marked"
    );
    assert!(
        body.contains("auf Englisch"),
        "and says in German that it is English"
    );
    let h1 = body
        .find("<h1")
        .map(|i| body[i..].split("</h1>").next().unwrap_or(""))
        .unwrap_or("");
    assert!(
        h1.starts_with("<h1 lang=\"en\"") && h1.contains(&en.0),
        "the English text carries lang=\"en\": {h1}"
    );
    // Without English either, Latvian (always there).
    sqlx::query("DELETE FROM service_texts WHERE service_id = $1 AND lang = 'en'")
        .bind(id)
        .execute(&app.taka.db.write)
        .await
        .expect("delete");
    let lv = app
        .taka
        .service_detail("VNP-STAVATLAUJA", Lang::De)
        .await
        .expect("detail");
    assert_eq!(lv.text_lang, Lang::Lv);
    // The catalogue lists it with the Latvian name marked as Latvian.
    let body = page(app, "/services", Some(&format!("{LANG}=de")), None).await;
    let link = body
        .find("href=\"/services/VNP-STAVATLAUJA\"")
        .expect("listed");
    let card = &body[body[..link].rfind("<h3").expect("heading")..link];
    assert!(card.contains("lang=\"lv\""), "{card}");
    let name = body[link..].split("</a>").next().unwrap_or("");
    assert!(name.contains(&lv.name), "{name}");
}

async fn requester_language_is_kept(app: &TestApp) {
    // Ukrainian, offered by the municipality: kept, and the receipt mail is Ukrainian.
    let mut input = parking_request("olena@example.lv");
    input.lang = Lang::Uk;
    let r = app.taka.submit(input, None).await.expect("submit");
    let (lang,): (String,) = sqlx::query_as("SELECT lang FROM requests WHERE reference = $1")
        .bind(&r.reference)
        .fetch_one(&app.taka.db.read)
        .await
        .expect("lang");
    assert_eq!(lang, "uk");
    let (subject,): (String,) = sqlx::query_as(
        "SELECT subject FROM outbox WHERE recipient = 'olena@example.lv' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.taka.db.read)
    .await
    .expect("mail");
    assert!(subject.contains(&r.reference), "{subject}");
    assert!(
        subject
            .chars()
            .any(|c| ('\u{400}'..='\u{4ff}').contains(&c)),
        "Cyrillic: {subject}"
    );
    // German at an institution that does not offer it: English, kept for every message.
    sqlx::query("UPDATE institutions SET languages = 'lv,en' WHERE code = 'VNP'")
        .execute(&app.taka.db.write)
        .await
        .expect("update");
    let mut input = parking_request("jonas@example.lv");
    input.lang = Lang::De;
    let r = app.taka.submit(input, None).await.expect("submit");
    let (lang,): (String,) = sqlx::query_as("SELECT lang FROM requests WHERE reference = $1")
        .bind(&r.reference)
        .fetch_one(&app.taka.db.read)
        .await
        .expect("lang");
    assert_eq!(lang, "en");
}

async fn answers_and_dates_in_the_readers_language(app: &TestApp) {
    let mut input = parking_request("anna@example.lv");
    input.service_code = "VNP-BERNA-PABALSTS".into();
    input.values = [
        ("child_name", "Jānis Bērziņš"),
        ("birth_date", "2026-10-05"),
        ("iban", "LV80BANK0000435195001"),
        ("both_parents", "yes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let r = app.taka.submit(input, None).await.expect("submit");
    let owner = app.staff("vaditajs").await;
    let lv = app
        .taka
        .staff_request(&owner, &r.reference, Lang::Lv)
        .await
        .expect("view");
    let value = |v: &app::model::StaffRequestView, label_part: &str| {
        v.values
            .iter()
            .find(|(l, _)| l.contains(label_part))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {label_part} in {:?}", v.values))
    };
    assert_eq!(value(&lv, "Abu vecāku"), "Jā");
    assert_eq!(value(&lv, "dzimšanas datums"), "05.10.2026.");
    let en = app
        .taka
        .staff_request(&owner, &r.reference, Lang::En)
        .await
        .expect("view");
    assert_eq!(value(&en, "Both parents"), "Yes");
    assert_eq!(value(&en, "date of birth"), "05/10/2026");
    let de = app
        .taka
        .staff_request(&owner, &r.reference, Lang::De)
        .await
        .expect("view");
    assert_eq!(value(&de, "Eltern"), "Ja");
    assert_eq!(value(&de, "Geburt"), "05.10.2026");
    // History times as the reader writes them.
    assert!(
        lv.timeline
            .iter()
            .all(|e| e.at_text.contains(". ") && e.at_text.contains('.'))
    );

    // The CSV of requests behind a figure: headers, channel, status and dates in the
    // reader's language.
    let cookie = app.session_cookie("vaditajs").await;
    let requests_csv = |lang: &'static str| {
        let cookie = format!("{cookie}; {LANG}={lang}");
        async move {
            app.http
                .get(app.url("/staff/analytics.csv?table=requests&figure=received"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("csv")
                .text()
                .await
                .expect("body")
        }
    };
    let first_line = |csv: &str| {
        csv.lines()
            .next()
            .unwrap_or("")
            .trim_start_matches('\u{feff}')
            .to_string()
    };
    let csv = requests_csv("de").await;
    let head = first_line(&csv);
    assert!(!head.is_empty());
    let en_head = first_line(&requests_csv("en").await);
    assert_ne!(head, en_head, "German headers differ from English ones");
    let row = csv
        .lines()
        .find(|l| l.contains(&r.reference))
        .unwrap_or_else(|| panic!("{} in {csv}", r.reference));
    let german = app::i18n_text::locale(Lang::De);
    let channel = app::i18n_text::channel(german, app::domain::Channel::Web);
    let status = app::i18n_text::status(german, app::domain::Status::Registered);
    assert!(row.contains(&format!(";{channel};{status};")), "{row}");
    let today = app::server::service::local_date_string(app.taka.now());
    let german_today = app::i18n_text::iso_date(app::i18n_text::locale(Lang::De), &today);
    assert!(row.contains(&german_today), "{row} has {german_today}");
    assert!(!row.contains(&today), "{row}: no ISO date");
}

both_backends!(
    page_language,
    service_text_falls_back_visibly,
    requester_language_is_kept,
    answers_and_dates_in_the_readers_language
);
