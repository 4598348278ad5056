//! The real binary: SIGTERM under write load loses no acknowledged write, and the access log
//! has one structured line per request, with route patterns and never a query string.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<Value>>>,
}

/// Starts `hamkari serve` with JSON logs on a free port and waits until it listens.
fn start(db: &TestDb, env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hamkari"));
    for (key, _) in std::env::vars() {
        if key.starts_with("HAMKARI_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--workers",
            "2",
        ])
        .env("HAMKARI_DATABASE_URL", db.url())
        .env("HAMKARI_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("HAMKARI_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let lines = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let event: Value = serde_json::from_str(&line).unwrap_or_else(|_| json!({"raw": line}));
            if event["message"] == "listening" {
                let _ = port_tx.send(event["port"].as_u64());
            }
            lines.lock().unwrap().push(event);
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .expect("the server logs its port");
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    }
}

impl Server {
    async fn login(&self, client: &reqwest::Client) -> String {
        let tokens: Value = client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens["access_token"].as_str().unwrap().to_owned()
    }

    fn terminate(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    }

    async fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "still running {limit:?} after SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sigterm_under_write_load_exits_0_and_keeps_every_acknowledged_write() {
    let db = TestDb::create();
    let mut server = start(
        &db,
        &[
            ("HAMKARI_SHUTDOWN_GRACE_SECS", "10"),
            ("HAMKARI_RATE_LIMIT_REQUESTS", "0"),
            ("HAMKARI_LOG", "warn,hamkari_http=info"),
        ],
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let token = server.login(&client).await;
    let stopping = AtomicBool::new(false);
    // Eight writers, each creating organizations until the server stops answering.
    let writer = |n: usize| {
        let (client, token, base, stopping) = (&client, &token, &server.base, &stopping);
        async move {
            let mut acknowledged = Vec::new();
            let mut failures = 0;
            for i in 0.. {
                let sent = client
                    .post(format!("{base}/api/v1/organizations"))
                    .bearer_auth(token)
                    .json(&json!({"name": format!("انجمن {n}-{i}"), "kind": "association"}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::CREATED => {
                        let body: Value = response.json().await.unwrap();
                        acknowledged.push(body["id"].as_str().unwrap().to_owned());
                    }
                    Ok(response) => {
                        assert!(
                            stopping.load(Ordering::SeqCst),
                            "refused before SIGTERM: {}",
                            response.status()
                        );
                        failures += 1;
                    }
                    Err(_) => failures += 1,
                }
                if failures > 0 {
                    break;
                }
            }
            acknowledged
        }
    };
    let load = join_all((0..8).map(writer));
    let signal = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        stopping.store(true, Ordering::SeqCst);
        server.terminate();
    };
    let (acknowledged, ()) = tokio::join!(load, signal);
    let status = server.wait(Duration::from_secs(30)).await;
    assert!(status.success(), "exit after SIGTERM: {status}");
    let acknowledged: Vec<String> = acknowledged.into_iter().flatten().collect();
    assert!(
        acknowledged.len() >= 8,
        "only {} writes before SIGTERM",
        acknowledged.len()
    );
    let log = server.log.lock().unwrap().clone();
    assert!(log.iter().any(|e| e["message"] == "shutdown complete"), "{log:?}");

    // Every write that was answered 201 is there.
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| {
        s.admin = hamkari_http::AdminBootstrap::Skip;
        s.rate_limit.requests = 0;
    })
    .await;
    let admin = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let admin = app.with_token(admin["access_token"].as_str().unwrap());
    for id in &acknowledged {
        let response = admin.get(&format!("/api/v1/organizations/{id}")).await;
        assert_eq!(response.status(), StatusCode::OK, "acknowledged {id} is missing");
    }
}

#[tokio::test]
async fn the_access_log_has_route_patterns_and_levels_and_never_a_query_string() {
    let db = TestDb::create();
    let mut server = start(&db, &[("HAMKARI_LOG", "info")]);
    let client = reqwest::Client::new();
    let token = server.login(&client).await;
    let get = |path: &str| client.get(format!("{}{path}", server.base)).bearer_auth(&token).send();
    assert_eq!(
        get("/api/v1/organizations?limit=5").await.unwrap().status(),
        StatusCode::OK
    );
    let missing = "/api/v1/organizations/019a0000-0000-7000-8000-000000000000?token=hk_SECRETINQUERY";
    let not_found = get(missing).await.unwrap();
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    let request_id = not_found.headers()["x-request-id"].to_str().unwrap().to_owned();
    let unknown = get("/api/v1/members?token=hk_SECRETINQUERY").await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    server.terminate();
    assert!(server.wait(Duration::from_secs(30)).await.success());

    let log = server.log.lock().unwrap().clone();
    let text = log.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    assert!(!text.contains("SECRETINQUERY"), "{text}");
    assert!(
        !text.contains("019a0000-0000-7000-8000-000000000000"),
        "a raw path was logged: {text}"
    );
    let access: Vec<&Value> = log.iter().filter(|e| e["target"] == "hamkari::access").collect();
    let line = |route: &str, status: u16| {
        access
            .iter()
            .find(|e| e["route"] == route && e["status"] == status)
            .copied()
            .unwrap_or_else(|| panic!("no access line for {route} {status}: {text}"))
    };
    let ok = line("/api/v1/organizations", 200);
    assert_eq!(ok["level"], "INFO");
    assert_eq!(ok["method"], "GET");
    assert!(ok["duration_ms"].as_f64().is_some_and(|d| d >= 0.0));
    let not_found = line("/api/v1/organizations/{id}", 404);
    assert_eq!(not_found["level"], "WARN");
    assert_eq!(not_found["request_id"], request_id.as_str());
    assert_eq!(line("/api/v1/members", 400)["level"], "WARN");
    assert_eq!(line("/api/v1/auth/login", 200)["method"], "POST");
}

#[tokio::test]
async fn by_default_the_access_log_keeps_only_the_failures() {
    let db = TestDb::create();
    let mut server = start(&db, &[]);
    let client = reqwest::Client::new();
    let token = server.login(&client).await;
    let get = |path: &str| client.get(format!("{}{path}", server.base)).bearer_auth(&token).send();
    assert_eq!(get("/api/v1/organizations").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get("/api/v1/nothing-here").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    server.terminate();
    assert!(server.wait(Duration::from_secs(30)).await.success());
    let log = server.log.lock().unwrap().clone();
    let access: Vec<&Value> = log.iter().filter(|e| e["target"] == "hamkari::access").collect();
    assert!(
        access.iter().all(|e| e["status"].as_u64().unwrap() >= 400),
        "{access:?}"
    );
    assert!(
        access.iter().any(|e| e["status"] == 404 && e["route"] == "unmatched"),
        "{log:?}"
    );
}
