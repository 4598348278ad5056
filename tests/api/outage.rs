//! A database that is down answers 503 with Retry-After within the pool timeout, never a
//! hang, and hamkari recovers by itself when the database comes back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::helpers::{assert_problem, org, TestApp, TestDb, TEST_JWT_SECRET};

#[tokio::test]
async fn an_unreachable_database_answers_503_quickly() {
    // Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    let app = TestApp::spawn_on(TestDb::create(), "postgres://hamkari@127.0.0.1:1/hamkari".into(), false).await;
    // A well-signed token: checking it needs the database, which is what fails.
    let jwt = hamkari_http::auth::Jwt::new(TEST_JWT_SECRET.as_bytes());
    let (token, _) = jwt
        .issue(uuid::Uuid::now_v7(), 1, chrono::Utc::now().timestamp())
        .unwrap();
    let started = Instant::now();
    let response = app.get("/health/ready").await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable").await;
    let response = app.with_token(&token).get("/api/v1/organizations").await;
    assert_eq!(response.headers()["retry-after"], "2");
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable").await;
    // The pool timeout is 2 s per request in tests; allow for a slow machine but not a hang.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // The process itself is alive.
    assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);
}

/// A TCP proxy in front of PostgreSQL that can cut every connection and refuse new ones.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (accept_up, accept_connections) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                accept_connections.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { port, up, connections }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `postgres://user@host:port/db?q` → (`host:port`, a function putting another address in).
fn split_address(url: &str) -> (String, String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((u, r)) => (format!("{u}@"), r),
        None => (String::new(), rest),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host_port = &rest[..end];
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    (format!("{scheme}://{userinfo}"), host_port, rest[end..].to_owned())
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set HAMKARI_TEST_DATABASE_URL and pass --include-ignored"]
async fn postgres_outage_and_recovery() {
    let db = TestDb::create();
    assert!(db.is_postgres(), "set HAMKARI_TEST_DATABASE_URL to a PostgreSQL server");
    let (prefix, upstream, suffix) = split_address(db.url());
    let proxy = Proxy::start(upstream).await;
    let through_proxy = format!("{prefix}127.0.0.1:{}{suffix}", proxy.port);
    let app = TestApp::spawn_on(db, through_proxy, true).await;
    let created = app.create_org(org("انجمن پایدار")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    proxy.cut();
    let started = Instant::now();
    for _ in 0..3 {
        let response = app.get(&path).await;
        assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable").await;
    }
    assert_problem(
        app.get("/health/ready").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "database_unavailable",
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "503s took {:?}",
        started.elapsed()
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get(&path).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            Instant::now() < deadline,
            "no recovery within 15 s of the database returning"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/health/ready").await.status(), StatusCode::OK);
    // Writes work again too, and nothing acknowledged before the outage was lost.
    app.create_org(org("انجمن پس از قطعی")).await;
    assert_eq!(app.get_json(&path, StatusCode::OK).await, created);

    // The proxy forwards on this test's runtime, which dropping the app blocks while the
    // server's shutdown hooks (releasing webhook claims) still talk to the database: close
    // its connections first, so they fail at once instead of waiting on a stalled proxy.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(app);
}

#[test]
fn addresses_split() {
    assert_eq!(
        split_address("postgres://u:p@db.local:6543/x?sslmode=require"),
        (
            "postgres://u:p@".into(),
            "db.local:6543".into(),
            "/x?sslmode=require".into()
        )
    );
    assert_eq!(
        split_address("postgres://h/x"),
        ("postgres://".into(), "h:5432".into(), "/x".into())
    );
}
