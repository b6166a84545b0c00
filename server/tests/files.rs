//! Issue 10 over real HTTP and the service layer, on SQLite and PostgreSQL: files attached
//! to a request through the API (multipart), the form without JavaScript and the
//! browser's uploads; downloads for the requester (reference and code) and for staff
//! within their scope; kinds decided by the bytes; photos without their location;
//! quotas answered 413 with nothing written; result documents from staff; a real clamd
//! refusing EICAR with a record in the history; files gone with the personal data.

mod common;

use app::domain::files::FileKind;
use common::{TestApp, tracking_cookie};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const TREES: &str = "VNP-KOKU-CIRSANA";

/// A JPEG (the server never decodes it) whose Exif holds a GPS position: latitude 56°57'
/// north, stored as rationals after the GPS directory.
fn photo_with_gps(seed: u8) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]); // IFD0: one entry, the GPS pointer
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 1]); // GPS IFD at 26: latitude, 3 rationals at 44
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 44]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    for v in [56u32, 1, 57, 1, 4321, 100] {
        tiff.extend_from_slice(&v.to_be_bytes());
    }
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    j.extend(tiff);
    j.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
    j.extend((0..3000u32).map(|i| (i as u8).wrapping_mul(seed)));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

fn trees_request() -> Value {
    json!({
        "service_code": TREES,
        "values": {"cadastre": "96010010001", "tree_count": 2, "species": "Bērzs", "reason": "Bīstami koki"},
        "contact": {"name": "Anna Bērziņa", "email": "anna@example.lv"},
        "language": "lv"
    })
}

fn part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

async fn post_multipart(app: &TestApp, form: Form) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/v1/requests"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn track(app: &TestApp, reference: &str, code: &str) -> Value {
    app.http
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("x-tracking-code", code)
        .send()
        .await
        .expect("track")
        .json()
        .await
        .expect("json")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Two photos and a PDF through the API; the requester and the service's provider read
/// them back, another institution's staff and a wrong code do not; the photos lost their
/// position; the same photo twice is stored once.
async fn api_files_round_trip(app: &TestApp) {
    let photo = photo_with_gps(3);
    let form = Form::new()
        .text("request", trees_request().to_string())
        .part("photos", part(photo.clone(), "koks 1.jpg"))
        .part("photos", part(photo.clone(), "koks-atkal.JPG"))
        .part("site_plan", part(pdf("plāns"), "plāns.pdf"));
    let (status, created) = post_multipart(app, form).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("ref").to_string();
    let code = created["tracking_code"].as_str().expect("code").to_string();

    let view = track(app, &reference, &code).await;
    let files = view["attachments"].as_array().expect("attachments").clone();
    assert_eq!(files.len(), 3, "{view}");
    assert_eq!(files[0]["field"], "photos");
    assert_eq!(files[0]["content_type"], "image/jpeg");
    assert_eq!(files[2]["name"], "plāns.pdf");
    assert_eq!(files[0]["sha256"], files[1]["sha256"], "same content");
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blobs WHERE sha256 = $1")
        .bind(files[0]["sha256"].as_str().expect("sha"))
        .fetch_one(&app.taka.db.read)
        .await
        .expect("count");
    assert_eq!(stored, 1, "content addressed: stored once");

    // The requester's download, through the API's address and header.
    let url = files[0]["url"].as_str().expect("url");
    let r = app
        .http
        .get(app.url(url))
        .header("x-tracking-code", &code)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert!(
        h["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment;")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("sandbox")
    );
    assert_eq!(h["content-type"], "image/jpeg");
    let body = r.bytes().await.expect("bytes");
    assert_eq!(
        body.len(),
        photo.len(),
        "same length: only the position was blanked"
    );
    assert!(contains(&photo, &4321u32.to_be_bytes()));
    assert!(
        !contains(&body, &4321u32.to_be_bytes()),
        "no position in the stored photo"
    );
    assert!(!contains(&body, &56u32.to_be_bytes()[..]));

    // A wrong code answers as an unknown file.
    let r = app
        .http
        .get(app.url(url))
        .header("x-tracking-code", "AAAAAAAAAA")
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);

    // Staff: the service's provider may, another institution's staff may not.
    let id = files[2]["id"].as_str().expect("id");
    let provider = app.session_cookie("sniedzejs").await;
    let r = app
        .http
        .get(app.url(&format!("/staff/files/{id}")))
        .header("cookie", &provider)
        .send()
        .await
        .expect("staff download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.expect("bytes").as_ref(),
        pdf("plāns").as_slice()
    );
    let other = app.session_cookie("pmlp.sniedzejs").await;
    let r = app
        .http
        .get(app.url(&format!("/staff/files/{id}")))
        .header("cookie", &other)
        .send()
        .await
        .expect("staff download");
    assert_eq!(r.status(), 404);
    // Nobody signed in: no file.
    let r = app
        .http
        .get(app.url(&format!("/staff/files/{id}")))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 401);

    // The catalogue describes file fields.
    let svc: Value = app
        .http
        .get(app.url(&format!("/api/v1/services/{TREES}")))
        .send()
        .await
        .expect("service")
        .json()
        .await
        .expect("json");
    let plan = svc["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "site_plan")
        .expect("site_plan")
        .clone();
    assert_eq!(plan["type"], "file");
    assert_eq!(
        plan["accept"],
        json!(["application/pdf", "image/jpeg", "image/png"])
    );
    assert_eq!(plan["max_bytes"], 20_000_000);
}

/// The bytes decide: a program renamed `.pdf` is refused with words saying so, and
/// nothing is stored or submitted; so is a PDF where only photos are taken.
async fn kinds_come_from_the_bytes(app: &TestApp) {
    let (requests, blobs, chunks) = (
        app.count("requests").await,
        app.count("blobs").await,
        app.count("blob_chunks").await,
    );
    let form = Form::new()
        .text("request", trees_request().to_string())
        .part(
            "site_plan",
            part(b"MZ\x90\0\x03\0\0\0program".to_vec(), "plāns.pdf"),
        );
    let (status, body) = post_multipart(app, form).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"]["site_plan"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("plāns.pdf") && message.contains("PDF"),
        "{message}"
    );
    let form = Form::new()
        .text("request", trees_request().to_string())
        .part("photos", part(pdf("x"), "scan.pdf"));
    let (status, body) = post_multipart(app, form).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["photos"].is_string());
    assert_eq!(app.count("requests").await, requests);
    assert_eq!(app.count("blobs").await, blobs);
    assert_eq!(app.count("blob_chunks").await, chunks);
}

/// Over a field's limit: 413 with a clear message, and nothing is written (the staged
/// chunks of the part already received are removed).
async fn over_the_limit_is_413(app: &TestApp) {
    let (requests, blobs, chunks) = (
        app.count("requests").await,
        app.count("blobs").await,
        app.count("blob_chunks").await,
    );
    let mut big = pdf("big");
    big.resize(21 * 1024 * 1024, b'x');
    let form = Form::new().part("file", part(big.clone(), "plāns.pdf"));
    let r = app
        .http
        .post(app.url(&format!("/uploads?service={TREES}&field=site_plan")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("20 MB"),
        "{body}"
    );
    let form = Form::new()
        .text("request", trees_request().to_string())
        .part("site_plan", part(big, "plāns.pdf"));
    let (status, body) = post_multipart(app, form).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(app.count("requests").await, requests);
    assert_eq!(app.count("blobs").await, blobs);
    assert_eq!(app.count("blob_chunks").await, chunks);

    // An upload ahead of the form answers with a token the form then names.
    let form = Form::new().part("file", part(pdf("ok"), "plāns.pdf"));
    let r = app
        .http
        .post(app.url(&format!("/uploads?service={TREES}&field=site_plan")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 201);
    let up: Value = r.json().await.expect("json");
    assert!(up["token"].as_str().expect("token").len() >= 32);
    assert_eq!(up["content_type"], "application/pdf");
}

/// Without JavaScript: the form posts its files with the answers; a refused post keeps
/// the files it delivered (a cookie lists them, the form posts them again) and the
/// corrected post attaches them.
async fn form_without_javascript(app: &TestApp) {
    let form = || {
        Form::new()
            .text("service_code", TREES)
            .text("values[cadastre]", "96010010001")
            .text("values[tree_count]", "1")
            .text("values[species]", "Ozols")
            .text("values[reason]", "Sauss")
            .text("contact_email", "anna@example.lv")
    };
    // No name: refused, back to the form with the error and the kept file.
    let r = app
        .http
        .post(app.url(&format!("/submit?service={TREES}")))
        .header("referer", app.url(&format!("/services/{TREES}/request")))
        .multipart(
            form()
                .text("contact_name", "")
                .part("file[photos]", part(photo_with_gps(5), "ozols.jpg")),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&format!("/services/{TREES}/request?")),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");
    let kept = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("taka_files="))
        .expect("kept files cookie")
        .to_string();
    let value = kept
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("value");
    let decoded = urlencoding::decode(&value).expect("decode").into_owned();
    let mut entry = decoded.split('|');
    assert_eq!(entry.next(), Some("photos"));
    let token = urlencoding::decode(entry.next().expect("token"))
        .expect("token")
        .into_owned();
    // The form came back showing the file: the page lists it as kept.
    let page = app
        .http
        .get(app.url(&location))
        .header("cookie", format!("taka_files={value}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("ozols.jpg"), "the kept file is shown");
    assert!(page.contains(&format!("upload[photos][{token}]")));

    // Corrected: the kept file goes with it, no new upload.
    let blobs = app.count("blobs").await;
    let r = app
        .http
        .post(app.url(&format!("/submit?service={TREES}")))
        .multipart(
            form()
                .text("contact_name", "Anna Bērziņa")
                .text(format!("upload[photos][{token}]"), "on"),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/receipt?ref="), "{location}");
    assert_eq!(app.count("blobs").await, blobs);
    let (reference,): (String,) =
        sqlx::query_as("SELECT reference FROM requests ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.taka.db.read)
            .await
            .expect("ref");
    let (names,): (String,) = sqlx::query_as(
        "SELECT a.name FROM attachments a JOIN requests r ON r.id = a.request_id WHERE r.reference = $1",
    )
    .bind(&reference)
    .fetch_one(&app.taka.db.read)
    .await
    .expect("attachment");
    assert_eq!(names, "ozols.jpg");
    // The upload is used up: naming it again is refused.
    let r = app
        .http
        .post(app.url(&format!("/submit?service={TREES}")))
        .multipart(
            form()
                .text("contact_name", "Anna Bērziņa")
                .text(format!("upload[photos][{token}]"), "on"),
        )
        .send()
        .await
        .expect("post");
    assert!(
        r.headers()["location"]
            .to_str()
            .expect("location")
            .contains("__err="),
    );
}

/// Staff hand a result document to the requester and keep an internal note file; the
/// requester downloads the result with the code (cookie), never the internal file; a
/// wrong code and another institution's staff are refused.
async fn result_documents(app: &TestApp) {
    let (reference, code) = app.submit_api(&trees_request()).await;
    let provider = app.session_cookie("sniedzejs").await;
    for (visibility, name, text) in [
        ("result", "atļauja.pdf", "permit"),
        ("internal", "piezīmes.pdf", "notes"),
    ] {
        let r = app
            .http
            .post(app.url(&format!("/staff/requests/{reference}/files")))
            .header("cookie", &provider)
            .multipart(
                Form::new()
                    .text("visibility", visibility)
                    .text("note", "Lēmums pievienots")
                    .part("files", part(pdf(text), name)),
            )
            .send()
            .await
            .expect("attach");
        assert_eq!(r.status(), 303, "{visibility}");
        assert!(
            r.headers()["location"]
                .to_str()
                .expect("location")
                .ends_with("#files")
        );
    }
    // Another institution's staff cannot attach.
    let other = app.session_cookie("pmlp.sniedzejs").await;
    let r = app
        .http
        .post(app.url(&format!("/staff/requests/{reference}/files")))
        .header("cookie", &other)
        .multipart(
            Form::new()
                .text("visibility", "result")
                .part("files", part(pdf("x"), "x.pdf")),
        )
        .send()
        .await
        .expect("attach");
    assert!(
        r.headers()["location"]
            .to_str()
            .expect("location")
            .contains("__err=")
    );

    let view = track(app, &reference, &code).await;
    let files = view["attachments"].as_array().expect("attachments");
    assert_eq!(files.len(), 1, "the internal file is not listed: {view}");
    assert_eq!(files[0]["kind"], "result");
    let history = view["history"].as_array().expect("history");
    assert!(history.iter().any(|e| e["action"] == "attach"));
    let id = files[0]["id"].as_str().expect("id");
    let url = format!("/track/files/{id}?ref={reference}");
    let r = app
        .http
        .get(app.url(&url))
        .header("cookie", tracking_cookie(&reference, &code))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.expect("bytes").as_ref(),
        pdf("permit").as_slice()
    );
    let r = app
        .http
        .get(app.url(&url))
        .header("cookie", tracking_cookie(&reference, "AAAAAAAAAA"))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);
    let r = app
        .http
        .get(app.url(&format!("/staff/files/{id}")))
        .header("cookie", &other)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);
    // The internal file by its id, with the right code: still not the requester's.
    let (internal,): (String,) = sqlx::query_as(
        "SELECT public_id FROM attachments WHERE visibility = 'internal' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.taka.db.read)
    .await
    .expect("internal");
    let r = app
        .http
        .get(app.url(&format!("/track/files/{internal}?ref={reference}")))
        .header("cookie", tracking_cookie(&reference, &code))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);
}

/// With a real clamd: EICAR inside a PDF is refused; the request goes on, its history
/// records the refusal for the requester, no byte of the file is kept; a clean file
/// passes. (`scripts/test.sh` starts clamd and sets `TAKA_TEST_CLAMD`.)
async fn clamd_refuses_eicar(app: &TestApp) {
    let url = std::env::var("TAKA_TEST_CLAMD")
        .expect("TAKA_TEST_CLAMD: scripts/clamd.sh starts a clamd for the tests");
    let mut policy = app.taka.policy().clone();
    policy.files.clamd_url = Some(url);
    let taka = app.taka.clone().with_policy(policy);
    let uploader = taka.uploader("192.0.2.10".parse().expect("ip"));
    let eicar = [
        "%PDF-1.4\n",
        r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR",
        "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
        "\n%%EOF\n",
    ]
    .concat();
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(eicar))]);
    let infected = taka
        .store_file(
            "site_plan",
            "plāns.pdf",
            body,
            &[FileKind::Pdf],
            1 << 20,
            &uploader,
        )
        .await
        .expect("stored");
    assert!(
        matches!(&infected.scan, app::server::service::files::Scan::Infected(s) if s.starts_with("Eicar-Test-Signature")),
        "{:?}",
        infected.scan
    );
    let (chunks,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blob_chunks WHERE blob_id = $1")
        .bind(infected.blob_id)
        .fetch_one(&taka.db.read)
        .await
        .expect("chunks");
    assert_eq!(chunks, 0, "an infected file keeps no bytes");
    let clean_body =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(pdf("clean")))]);
    let clean = taka
        .store_file(
            "photos",
            "c.pdf",
            clean_body,
            &[FileKind::Pdf],
            1 << 20,
            &uploader,
        )
        .await
        .expect("stored");
    assert_eq!(clean.scan, app::server::service::files::Scan::Clean);

    let token = taka
        .create_upload(&infected, TREES, "site_plan", &uploader)
        .await
        .expect("upload");
    let mut new = common::parking_request("anna@example.lv");
    new.service_code = TREES.into();
    new.values = [
        ("cadastre", "96010010001"),
        ("tree_count", "1"),
        ("species", "Ozols"),
        ("reason", "Sauss"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    new.files = [("site_plan".to_string(), vec![token])].into();
    let receipt = taka.submit(new, None).await.expect("submitted");
    let view = taka
        .track(
            &receipt.reference,
            &receipt.tracking_code,
            app::domain::Lang::Lv,
        )
        .await
        .expect("track");
    let refused = view
        .timeline
        .iter()
        .find(|e| e.action == app::domain::ActionKind::FileRefused)
        .expect("the history records the refusal");
    assert!(refused.visible_to_requester);
    assert!(
        refused
            .comment
            .as_deref()
            .unwrap_or("")
            .contains("Eicar-Test-Signature")
    );
    assert_eq!(view.attachments.len(), 1);
    assert_eq!(view.attachments[0].state, "infected");
    // Its address gives nothing.
    let r = taka
        .requester_download(
            &receipt.reference,
            &receipt.tracking_code,
            &view.attachments[0].id,
        )
        .await;
    assert!(r.is_err());
}

/// Erasing a request's personal data takes its files with it.
async fn files_go_with_personal_data(app: &TestApp) {
    let form = Form::new()
        .text("request", trees_request().to_string())
        .part("site_plan", part(pdf("only here"), "plāns.pdf"));
    let (status, created) = post_multipart(app, form).await;
    assert_eq!(status, 201);
    let reference = created["reference"].as_str().expect("ref").to_string();
    let code = created["tracking_code"].as_str().expect("code").to_string();
    let chunks = app.count("blob_chunks").await;
    assert!(chunks > 0);
    app.taka
        .requester_act(
            &reference,
            &code,
            app::domain::Action::Withdraw { reason: None },
            app::domain::Lang::Lv,
        )
        .await
        .expect("withdraw");
    let owner = app.staff("saimnieks").await;
    app.taka
        .erase_personal_data(&owner, &reference, "Pieprasītāja lūgums")
        .await
        .expect("erase");
    assert_eq!(app.count("blob_chunks").await, chunks - 1);
    let view = track(app, &reference, &code).await;
    assert_eq!(view["attachments"][0]["state"], "erased");
    assert_eq!(view["attachments"][0]["name"], "");
}

both_backends!(
    api_files_round_trip,
    kinds_come_from_the_bytes,
    over_the_limit_is_413,
    form_without_javascript,
    result_documents,
    clamd_refuses_eicar,
    files_go_with_personal_data
);
