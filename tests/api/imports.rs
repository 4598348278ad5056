//! Bulk import: a generated 1,000-row sheet with Persian headers and digits, a BOM, mixed
//! phone formats, bad rows and people already known; dry, all-or-nothing and partial runs;
//! the same rows as XLSX and UTF-16; files that are not what they claim.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, org, TestApp};

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const HEADER: [&str; 6] = ["نام و نام خانوادگی", "کد ملی", "ایمیل", "موبایل", "نقش", "تاریخ شروع"];

/// Lines (1-based, header = 1) of the rows made bad, and the field each breaks.
const BAD: [(usize, &str); 5] = [
    (101, "national_id"),
    (202, "email"),
    (303, "phone"),
    (404, "starts_on"),
    (505, "role"),
];
/// Lines whose national code belongs to a member created before the import.
const KNOWN: [usize; 3] = [50, 500, 950];

fn persian_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap(),
            None => c,
        })
        .collect()
}

/// A valid national code made from `seed` (its check digit computed).
pub fn national_id(seed: usize) -> String {
    let body = format!("{:09}", 123_000_000 + seed * 7);
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u32)).sum();
    let remainder = sum % 11;
    let check = if remainder < 2 { remainder } else { 11 - remainder };
    format!("{body}{check}")
}

/// The cells of data line `line` (2 ..= 1001).
pub fn row(line: usize) -> Vec<String> {
    let i = line - 1;
    let mobile = format!("912{:07}", 1_000_000 + i);
    let phone = match i % 4 {
        0 => format!("0{mobile}"),
        1 => format!("+98 {} {} {}", &mobile[..3], &mobile[3..6], &mobile[6..]),
        2 => persian_digits(&format!("0{mobile}")),
        _ => format!("0098{mobile}"),
    };
    let id = national_id(i);
    let mut cells = vec![
        format!("عضو شماره {}", persian_digits(&i.to_string())),
        if i % 2 == 0 { persian_digits(&id) } else { id },
        if i % 3 == 0 {
            format!("Member{i}@Example.org")
        } else {
            String::new()
        },
        phone,
        ["عضو", "member", "بازرس", ""][i % 4].to_owned(),
        persian_digits("2025-03-21"),
    ];
    match BAD.iter().find(|(bad, _)| *bad == line).map(|(_, field)| *field) {
        Some("national_id") => cells[1] = "1234567890".into(),
        Some("email") => cells[2] = "not an email".into(),
        Some("phone") => cells[3] = "12".into(),
        Some("starts_on") => cells[5] = "2025-13-01".into(),
        Some("role") => cells[4] = "پادشاه".into(),
        _ => {}
    }
    cells
}

pub fn rows(lines: usize) -> Vec<Vec<String>> {
    (2..=lines + 1).map(row).collect()
}

pub fn csv_bytes(header: &[&str], rows: &[Vec<String>], delimiter: u8) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    writer.write_record(header).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn with_bom(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    out.extend(bytes);
    out
}

pub fn xlsx_bytes(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (col, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 1, col as u16, cell).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

pub async fn import(app: &TestApp, org_id: &str, query: &str, media_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/organizations/{org_id}/imports{query}"))
        .header("Content-Type", media_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The report's rows as `(line, status, matched_by, error fields)`: what must agree
/// between runs whatever ids the database hands out.
fn outline(report: &Value) -> Vec<(u64, String, Value, Vec<String>)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fields = r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect();
            (
                r["line"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_owned(),
                r["matched_by"].clone(),
                fields,
            )
        })
        .collect()
}

fn lines_with(report: &Value, status: &str) -> Vec<u64> {
    outline(report)
        .into_iter()
        .filter(|(_, s, _, _)| s == status)
        .map(|(line, ..)| line)
        .collect()
}

/// How many members the NDJSON export of `query` streams.
pub async fn exported_count(app: &TestApp, query: &str) -> usize {
    let response = app
        .request(Method::GET, &format!("/api/v1/members{query}"))
        .header("Accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap().lines().count()
}

#[tokio::test]
async fn a_thousand_rows_dry_atomic_partial_and_again() {
    let app = TestApp::spawn().await;
    let org = app.create_org(org("انجمن ورود داده")).await;
    let org_id = org["id"].as_str().unwrap();
    let mut known = Vec::new();
    for line in KNOWN {
        let cells = row(line);
        let member = app
            .create_member(json!({"full_name": format!("پیشین {line}"), "national_id": cells[1]}))
            .await;
        known.push((line as u64, member["id"].clone()));
    }
    let data = rows(1000);
    let csv = with_bom(csv_bytes(&HEADER, &data, b','));
    let in_org = format!("?organization_id={org_id}");

    // Dry run: exactly the bad rows fail, the known people are matched, nothing is written.
    let response = import(&app, org_id, "?dry_run=true", CSV, csv.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let dry: Value = response.json().await.unwrap();
    assert_eq!(dry["committed"], false);
    assert_eq!(
        dry["summary"],
        json!({"created": 992, "updated": 3, "unchanged": 0, "skipped": 0, "error": 5})
    );
    let errors: Vec<(u64, String, Value, Vec<String>)> = outline(&dry)
        .into_iter()
        .filter(|(_, status, _, _)| status == "error")
        .collect();
    let expected: Vec<(u64, String, Value, Vec<String>)> = BAD
        .iter()
        .map(|(line, field)| (*line as u64, "error".to_owned(), Value::Null, vec![(*field).to_owned()]))
        .collect();
    assert_eq!(errors, expected);
    for (line, id) in &known {
        let reported = &dry["rows"][(*line - 2) as usize];
        assert_eq!(reported["line"], *line);
        assert_eq!(reported["matched_by"], "national_id", "{reported}");
        assert_eq!(reported["member_id"], *id, "{reported}");
        assert_eq!(reported["status"], "updated", "{reported}");
    }
    assert_eq!(exported_count(&app, "").await, 3);
    assert_eq!(exported_count(&app, &in_org).await, 0);

    // The same rows as an XLSX workbook: the same report.
    let response = import(&app, org_id, "?dry_run=true", XLSX, xlsx_bytes(&HEADER, &data)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let from_xlsx: Value = response.json().await.unwrap();
    assert_eq!(outline(&from_xlsx), outline(&dry));
    assert_eq!(from_xlsx["summary"], dry["summary"]);

    // All or nothing (the default): refused with the report while bad rows remain.
    let problem = assert_problem(
        import(&app, org_id, "", CSV, csv.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_refused",
    )
    .await;
    assert_eq!(outline(&problem["report"]), outline(&dry));
    assert_eq!(problem["report"]["committed"], false);
    assert_eq!(exported_count(&app, "").await, 3);

    // Partial: the good rows are written, the bad ones reported.
    let response = import(&app, org_id, "?atomic=false", CSV, csv.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let written: Value = response.json().await.unwrap();
    assert_eq!(written["committed"], true);
    assert_eq!(outline(&written), outline(&dry));
    assert_eq!(exported_count(&app, "").await, 995);
    assert_eq!(exported_count(&app, &in_org).await, 995);
    let first: Value = app
        .get_json(
            &format!("/api/v1/members/{}", written["rows"][0]["member_id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(first["full_name"], "عضو شماره ۱");
    assert_eq!(first["national_id"], national_id(1));
    assert_eq!(first["phone"], "+989121000001");
    let events: Value = app
        .get_json(
            &format!("/api/v1/audit-events?resource_type=membership&organization_id={org_id}&limit=1"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "imports leave events");

    // Again: every good row is unchanged.
    let response = import(&app, org_id, "?atomic=false", CSV, csv).await;
    let again: Value = response.json().await.unwrap();
    assert_eq!(
        again["summary"],
        json!({"created": 0, "updated": 0, "unchanged": 995, "skipped": 0, "error": 5})
    );
    assert_eq!(lines_with(&again, "error"), BAD.map(|(l, _)| l as u64));
    assert_eq!(exported_count(&app, "").await, 995);
}

#[tokio::test]
async fn utf16_semicolons_multipart_and_a_mapping() {
    let app = TestApp::spawn().await;
    let org = app.create_org(org("انجمن یوتی‌اف")).await;
    let org_id = org["id"].as_str().unwrap();
    // UTF-16 LE with a BOM and tabs, as spreadsheet programs save "Unicode text".
    let text = String::from_utf8(csv_bytes(&HEADER, &rows(3), b'\t')).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let response = import(&app, org_id, "?dry_run=true", CSV, utf16).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(lines_with(&report, "created"), [2, 3, 4]);

    // Semicolons, English column names of our own, mapped explicitly; a blank line skipped.
    let body = "Name;Code;Extra\nمریم احمدی;0499370899;x\n;;\n".as_bytes().to_vec();
    let mapping: String = form_urlencoded::byte_serialize(br#"{"Name":"full_name","Code":"national_id"}"#).collect();
    let response = import(&app, org_id, &format!("?mapping={mapping}"), CSV, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(outline(&report)[0].1, "created");
    assert_eq!(lines_with(&report, "skipped"), [3]);

    // Multipart: the file part, and a mapping part.
    let boundary = "hamkari-test-boundary";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n").as_bytes());
    body.extend(br#"{"Who":"full_name","Mail":"email"}"#);
    body.extend(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend("Who,Mail\nمریم احمدی,maryam@example.org\nرضا کریمی,reza@example.org\n".as_bytes());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = import(
        &app,
        org_id,
        "",
        &format!("multipart/form-data; boundary={boundary}"),
        body,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    // مریم was created above without an email: her name only suggests her, never merges.
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows[0]["status"], "created", "{report}");
    assert!(rows[0]["suggestion"].is_string(), "{report}");
    assert_eq!(rows[1]["suggestion"], Value::Null);
}

#[tokio::test]
async fn files_that_are_not_what_they_claim_are_refused() {
    let db = crate::helpers::TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |settings| {
        settings.import_limits = hamkari_http::ImportLimits {
            max_bytes: 64 * 1024,
            max_rows: 10,
        };
    })
    .await;
    let org = app.create_org(org("انجمن پرونده‌ها")).await;
    let org_id = org["id"].as_str().unwrap();
    let file_problem = |problem: &Value| problem["errors"][0]["code"].as_str().unwrap_or("").to_owned();

    let binary: Vec<u8> = (0..2000_u32).map(|i| (i * 7 % 256) as u8).collect();
    let problem = assert_problem(
        import(&app, org_id, "", CSV, binary).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(file_problem(&problem), "not_text");

    let problem = assert_problem(
        import(&app, org_id, "", XLSX, b"PK\x03\x04 not really a zip".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(file_problem(&problem), "not_a_workbook");

    // A workbook that is small packed and large unpacked (a zip bomb in miniature).
    let bomb: Vec<Vec<String>> = (0..1500).map(|i| vec![format!("{i}{}", "ب".repeat(600))]).collect();
    let bomb = xlsx_bytes(&["full_name"], &bomb);
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    let problem = assert_problem(
        import(&app, org_id, "", XLSX, bomb).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(file_problem(&problem), "unpacks_too_large");

    let problem = assert_problem(
        import(&app, org_id, "", CSV, csv_bytes(&HEADER, &rows(11), b',')).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(file_problem(&problem), "too_many_rows");

    let big = csv_bytes(&["full_name"], &vec![vec!["x".repeat(1000)]; 70], b',');
    assert_problem(
        import(&app, org_id, "", CSV, big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert_problem(
        import(&app, org_id, "", "application/json", b"{}".to_vec()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let problem = assert_problem(
        import(&app, org_id, "", CSV, b"email\nx@example.org\n".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(file_problem(&problem), "missing_column");

    // A declared 10 GB body is refused before any of it is read.
    let status = declared_length_status(&app, org_id, 10 * 1024 * 1024 * 1024).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(exported_count(&app, "").await, 0, "nothing was written");
}

/// Sends only the headers of a request declaring `length` bytes; returns the status line.
async fn declared_length_status(app: &TestApp, org_id: &str, length: u64) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/organizations/{org_id}/imports HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv\r\nContent-Length: {length}\r\n\r\n",
        app.admin_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = vec![0_u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buffer))
        .await
        .expect("an answer without the body")
        .unwrap();
    String::from_utf8_lossy(&buffer[..read])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn who_may_import_and_the_duplicate_409() {
    let app = TestApp::spawn().await;
    let ours = app.create_org(org("انجمن ما")).await;
    let theirs = app.create_org(org("انجمن آنها")).await;
    let ours_id = ours["id"].as_str().unwrap();
    let editor = app.login_as("editor", &[theirs["id"].as_str().unwrap()]).await;
    let viewer = app.login_as("viewer", &[]).await;
    let body = csv_bytes(&["full_name"], &[vec!["نگار نیک".into()]], b',');
    for token in [&editor, &viewer] {
        let response = app
            .with_token(token)
            .request(Method::POST, &format!("/api/v1/organizations/{ours_id}/imports"))
            .header("Content-Type", CSV)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let missing = uuid::Uuid::now_v7();
    assert_problem(
        import(&app, &missing.to_string(), "", CSV, body).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // A duplicate names the member who has the value, to whoever may see them.
    let first = app
        .create_member(json!({"full_name": "سارا امینی", "national_id": "0499370899", "email": "sara@example.org"}))
        .await;
    let problem = assert_problem(
        app.post_json(
            "/api/v1/members",
            &json!({"full_name": "سارا امینی", "national_id": "۰۴۹۹۳۷۰۸۹۹"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    assert_eq!(problem["existing_id"], first["id"]);
    assert_eq!(problem["errors"][0]["field"], "national_id");
    let other = app.create_member(json!({"full_name": "رضا امینی"})).await;
    let problem = assert_problem(
        app.patch_json(
            &format!("/api/v1/members/{}", other["id"].as_str().unwrap()),
            &json!({"email": "SARA@example.org"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    assert_eq!(problem["existing_id"], first["id"]);
    // In an import, a row whose email another member holds names them too.
    let rows_with_known = vec![vec!["رضا امینی".into(), national_id(7), "sara@example.org".into()]];
    app.patch_json(
        &format!("/api/v1/members/{}", other["id"].as_str().unwrap()),
        &json!({"national_id": national_id(7)}),
    )
    .await;
    let response = import(
        &app,
        ours_id,
        "?dry_run=true",
        CSV,
        csv_bytes(&["full_name", "national_id", "email"], &rows_with_known, b','),
    )
    .await;
    let report: Value = response.json().await.unwrap();
    let row = &report["rows"][0];
    assert_eq!(row["status"], "error", "{report}");
    assert_eq!(row["matched_by"], "national_id");
    assert_eq!(row["member_id"], other["id"]);
    assert_eq!(row["existing_id"], first["id"]);
    assert_eq!(row["errors"][0]["field"], "email");
}

#[tokio::test]
async fn date_cells_are_read_in_the_calendar_the_request_chose() {
    let app = TestApp::spawn().await;
    let organization = app.create_org(org("انجمن تقویم خورشیدی")).await;
    let org_id = organization["id"].as_str().unwrap();
    let sheet = "full_name,starts_on\nمریم نوروزی,۱۴۰۵/۰۱/۰۱\n".as_bytes().to_vec();
    let send = |calendar: &'static str| {
        app.request(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/imports?dry_run=true"),
        )
        .header("Content-Type", CSV)
        .header("Accept-Calendar", calendar)
        .body(sheet.clone())
        .send()
    };

    // The same cell in Gregorian mode is a Solar Hijri date sent by mistake.
    let gregorian: Value = send("gregorian").await.unwrap().json().await.unwrap();
    assert_eq!(gregorian["rows"][0]["status"], "error", "{gregorian}");
    assert_eq!(gregorian["rows"][0]["errors"][0]["field"], "starts_on");
    assert_eq!(gregorian["rows"][0]["errors"][0]["code"], "implausible_date");

    let written = app
        .request(Method::POST, &format!("/api/v1/organizations/{org_id}/imports"))
        .header("Content-Type", CSV)
        .header("Accept-Calendar", "persian")
        .body(sheet.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), StatusCode::OK);
    let written: Value = written.json().await.unwrap();
    assert_eq!(written["rows"][0]["status"], "created", "{written}");
    let membership = app
        .get_json(
            &format!(
                "/api/v1/memberships/{}",
                written["rows"][0]["membership_id"].as_str().unwrap()
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(membership["starts_on"], "2026-03-21", "Nowruz 1405, stored Gregorian");
}
