//! The `hamkari` binary itself: the first administrator, start-up and shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, TestDb};

fn hamkari() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hamkari"));
    // Only what each test sets: the developer's environment must not leak in.
    for (key, _) in std::env::vars() {
        if key.starts_with("HAMKARI_") {
            command.env_remove(key);
        }
    }
    command
}

#[tokio::test]
async fn create_admin_makes_an_administrator_who_can_log_in() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let output = hamkari()
        .args(["create-admin", "--email", "Founder@Example.org"])
        .env("HAMKARI_DATABASE_URL", &url)
        .env("HAMKARI_ADMIN_PASSWORD", "founder password 1")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A second time the address is taken.
    let again = hamkari()
        .args(["create-admin", "--email", "founder@example.org"])
        .env("HAMKARI_DATABASE_URL", &url)
        .env("HAMKARI_ADMIN_PASSWORD", "founder password 1")
        .output()
        .unwrap();
    assert!(!again.status.success());
    // Too short a password is refused, read from stdin this time.
    let mut short = hamkari()
        .args(["create-admin", "--email", "short@example.org"])
        .env("HAMKARI_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    short.stdin.take().unwrap().write_all(b"too short\n").unwrap();
    assert!(!short.wait().unwrap().success());

    let app = TestApp::spawn_with(db, url, |s| s.admin = hamkari_http::AdminBootstrap::Skip).await;
    let tokens = app.login_ok("founder@example.org", "founder password 1").await;
    let me: serde_json::Value = app
        .with_token(tokens["access_token"].as_str().unwrap())
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(
        app.login("short@example.org", "too short").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn serve_creates_the_first_admin_prints_the_password_once_and_stops_on_sigterm() {
    let db = TestDb::create();
    let mut child = hamkari()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--workers",
            "1",
        ])
        .env("HAMKARI_DATABASE_URL", db.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // The port comes from the JSON log line saying where it listens. Both pipes are read to
    // the end, so the server never writes into a closed pipe.
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                if event["message"] == "listening" {
                    let _ = port_tx.send(event["port"].as_u64());
                }
            }
        }
    });
    let (password_tx, password_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(password) = line.trim().strip_prefix("password:") {
                let _ = password_tx.send(password.trim().to_owned());
            }
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .expect("the server logs its port");
    let password = password_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the generated password is printed");
    assert!(password.len() >= 12);

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({"email": "admin@localhost", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGTERM: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // On the next start an administrator exists: nothing is created or printed.
    let output = hamkari()
        .args(["migrate"])
        .env("HAMKARI_DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("password"));
}

#[test]
fn openapi_command_prints_the_document() {
    let output = hamkari().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let generated: serde_json::Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    assert_eq!(printed, generated);
}

#[tokio::test]
async fn seed_demo_loads_the_founding_case_once() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let seed = || {
        hamkari()
            .arg("seed-demo")
            .env("HAMKARI_DATABASE_URL", &url)
            .env("HAMKARI_ADMIN_EMAIL", "demo@example.org")
            .env("HAMKARI_ADMIN_PASSWORD", "demo password 123")
            .env("HAMKARI_LOG", "warn")
            // A refusal is not a crash: no backtrace after the message even when asked for.
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap()
    };
    let first = seed();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("2 organizations"));
    // Not into a database that has data: nothing is duplicated.
    let second = seed();
    assert!(!second.status.success());
    let refusal = String::from_utf8_lossy(&second.stderr);
    assert!(refusal.contains("empty database"), "{refusal}");
    assert!(!refusal.to_lowercase().contains("backtrace"), "{refusal}");

    let app = TestApp::spawn_with(db, url, |s| s.admin = hamkari_http::AdminBootstrap::Skip).await;
    let tokens = app.login_ok("demo@example.org", "demo password 123").await;
    let admin = app.with_token(tokens["access_token"].as_str().unwrap());
    let orgs: serde_json::Value = admin.get("/api/v1/organizations?sort=name").await.json().await.unwrap();
    let names: Vec<&str> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "انجمن آزمایشگاههای همکار آزمون و واسنجی ایران",
            "جامعه ممیزی و بازرسی ایران"
        ]
    );
    let [labs, audit] = [0, 1].map(|i| orgs["items"][i]["id"].as_str().unwrap().to_owned());

    // The cooperation agreement is in force, signed by both; both boards approved the groups.
    let agreements: serde_json::Value = admin
        .get("/api/v1/agreements?status=in_force")
        .await
        .json()
        .await
        .unwrap();
    let parties = agreements["items"][0]["parties"].as_array().unwrap();
    assert_eq!(agreements["items"].as_array().unwrap().len(), 1, "{agreements}");
    assert!(
        parties.len() == 2 && parties.iter().all(|p| p["signed_on"].is_string()),
        "{agreements}"
    );
    let groups: serde_json::Value = admin
        .get("/api/v1/working-groups?status=active")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(groups["items"].as_array().unwrap().len(), 2, "{groups}");
    let under = format!(
        "/api/v1/projects?agreement_id={}",
        agreements["items"][0]["id"].as_str().unwrap()
    );
    let projects: serde_json::Value = admin.get(&under).await.json().await.unwrap();
    assert_eq!(projects["items"].as_array().unwrap().len(), 3, "{projects}");

    // The chair of one board sits on the other; each association has one chair.
    for (org, chair) in [(&labs, "محمد رضایی"), (&audit, "فاطمه احمدی")] {
        let page: serde_json::Value = admin
            .get(&format!("/api/v1/organizations/{org}/memberships?role=board_chair"))
            .await
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        assert_eq!(items[0]["member"]["full_name"], chair, "{page}");
    }
    let board: serde_json::Value = admin
        .get(&format!("/api/v1/organizations/{audit}/memberships?role=board_member"))
        .await
        .json()
        .await
        .unwrap();
    assert!(board["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["member"]["full_name"] == "محمد رضایی"));

    let shared: serde_json::Value = admin
        .get(&format!(
            "/api/v1/shared-members?organization_id={labs}&organization_id={audit}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(shared["items"].as_array().unwrap().len() >= 4, "{shared}");

    let projects: serde_json::Value = admin.get("/api/v1/projects").await.json().await.unwrap();
    let mut kinds: Vec<&str> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["educational", "research", "supervisory"]);
    let groups: serde_json::Value = admin.get("/api/v1/working-groups").await.json().await.unwrap();
    let mut scopes: Vec<&str> = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["scope"].as_str().unwrap())
        .collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["general", "specialized"]);
    crate::meetings::check_seeded_governance(&admin, &labs, &audit).await;
    check_seeded_capacities(&admin, &labs, &audit).await;
}

/// Both sides offer: the laboratories' calibration under ISO/IEC 17025, the society's
/// inspection team under ISO/IEC 17020 and its training; the society asked for the calibration.
async fn check_seeded_capacities(admin: &crate::helpers::Client<'_>, labs: &str, audit: &str) {
    let get = |path: String| async move {
        let response = admin.get(&path).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        response.json::<serde_json::Value>().await.unwrap()
    };
    let count = |page: &serde_json::Value| page["items"].as_array().unwrap().len();
    assert_eq!(
        count(&get(format!("/api/v1/capacities?organization_id={labs}")).await),
        1
    );
    assert_eq!(
        count(&get(format!("/api/v1/capacities?organization_id={audit}")).await),
        2
    );
    let day = "accredited_on=2026-12-01";
    let lab = get(format!("/api/v1/capacities?standard=iso_iec_17025&{day}")).await;
    assert_eq!(lab["items"][0]["kind"], "calibration", "{lab}");
    let team = get(format!("/api/v1/capacities?standard=iso_iec_17020&{day}")).await;
    assert_eq!(team["items"][0]["kind"], "inspection", "{team}");
    assert_eq!(count(&get("/api/v1/capacities?kind=training".into()).await), 1);
    let asked = get(format!(
        "/api/v1/capacity-requests?requested_by={audit}&offered_by={labs}"
    ))
    .await;
    assert_eq!(count(&asked), 1, "{asked}");
    assert_eq!(asked["items"][0]["capacity_id"], lab["items"][0]["id"]);
}

#[tokio::test]
async fn migrate_check_contacts_lists_stored_details_that_fail_todays_rules_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let good = app
        .create_member(json!({"full_name": "درست", "phone": "09121234567", "email": "ok@example.org"}))
        .await;
    let bad = app
        .create_member(json!({"full_name": "قدیمی", "phone": "09121234568"}))
        .await;
    let org = app
        .create_org(json!({"name": "انجمن قدیمی", "kind": "association", "email": "info@example.org"}))
        .await;
    let url = app.db.url().to_owned();
    // Off the test's runtime: blocking it stalls the server sharing it, whose idle
    // keep-alive connections then close under the next request.
    let check = || {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            hamkari()
                .args(["migrate", "--check-contacts"])
                .env("HAMKARI_DATABASE_URL", &url)
                .output()
                .unwrap()
        })
    };
    let clean = check().await.unwrap();
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert_eq!(String::from_utf8_lossy(&clean.stdout), "");

    // Rows as the hand-written parsers of earlier versions let them in.
    use diesel::connection::SimpleConnection;
    let mut conn = app.db.connect();
    let (bad_id, org_id) = (bad["id"].as_str().unwrap(), org["id"].as_str().unwrap());
    conn.batch_execute(&format!(
        "UPDATE members SET phone = '+11111111' WHERE id = '{bad_id}';
         UPDATE organizations SET email = 'info@example', phone = '+98 21 8888 7777' WHERE id = '{org_id}'"
    ))
    .unwrap();

    let output = check().await.unwrap();
    assert!(!output.status.success(), "problems exit non-zero");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    lines.sort();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0][..4], ["member", bad_id, "phone", "+11111111"]);
    assert!(lines[0][4].starts_with("invalid_phone"), "{stdout}");
    assert_eq!(lines[1][..4], ["organization", org_id, "email", "info@example"]);
    assert!(lines[1][4].starts_with("invalid_email"), "{stdout}");
    assert_eq!(lines[2][..4], ["organization", org_id, "phone", "+98 21 8888 7777"]);
    assert_eq!(lines[2][4], "not in normal form; would be stored as +982188887777");
    assert!(!stdout.contains(good["id"].as_str().unwrap()));

    // Reported, not rewritten; and reads of such rows still work.
    let member = app.get_json(&format!("/api/v1/members/{bad_id}"), StatusCode::OK).await;
    assert_eq!(member["phone"], "+11111111");
    assert_eq!(member["phone_type"], "other");
    let org = app
        .get_json(&format!("/api/v1/organizations/{org_id}"), StatusCode::OK)
        .await;
    assert_eq!(org["email"], "info@example");
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database_and_restore_refuses_to_overwrite_data() {
    let app = TestApp::spawn().await;
    let url = app.db.url().to_owned();
    if app.db.is_postgres() {
        let output = hamkari()
            .args(["backup", "--to", "/nonexistent/x.db"])
            .env("HAMKARI_DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"));
        return;
    }
    app.create_member(json!({"full_name": "مریم کاشانی"})).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");

    // The server keeps writing while the copy is taken.
    let backup = {
        let (url, copy) = (url.clone(), copy.clone());
        tokio::task::spawn_blocking(move || {
            hamkari()
                .args(["backup", "--to"])
                .arg(&copy)
                .env("HAMKARI_DATABASE_URL", &url)
                .output()
                .unwrap()
        })
    };
    let mut written = 0;
    while !backup.is_finished() {
        app.create_member(json!({"full_name": format!("نویسنده {written}")}))
            .await;
        written += 1;
    }
    let output = backup.await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("counts checked"));
    assert!(written > 0, "no write overlapped the backup");
    // A second backup never overwrites a file.
    let again = hamkari()
        .args(["backup", "--to"])
        .arg(&copy)
        .env("HAMKARI_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!again.status.success());

    // The live database holds data: restore refuses it without --force.
    let refused = hamkari()
        .args(["restore", "--from"])
        .arg(&copy)
        .env("HAMKARI_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));

    // Into a new file it goes, and the copy serves: its search index still finds people.
    let restored = dir.path().join("restored.db");
    let output = hamkari()
        .args(["restore", "--from"])
        .arg(&copy)
        .arg("--database-url")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let copied = TestApp::spawn_with(TestDb::create(), format!("sqlite://{}", restored.display()), |_| {}).await;
    let page = copied
        .get_json(
            "/api/v1/members?q=%DA%A9%D8%A7%D8%B4%D8%A7%D9%86%DB%8C&limit=100",
            StatusCode::OK,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let all = copied.get_json("/api/v1/members?limit=200", StatusCode::OK).await;
    let count = all["items"].as_array().unwrap().len();
    assert!((1..=1 + written).contains(&count), "{count} of {written}");

    // --force overwrites a database with data.
    let forced = hamkari()
        .args(["restore", "--force", "--from"])
        .arg(&copy)
        .env("HAMKARI_DATABASE_URL", &url)
        .output()
        .unwrap();
    drop(copied);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
}
