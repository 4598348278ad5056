//! `TestApp`: starts hamkari on port 0 against a database of its own, dropped afterwards.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use hamkari_http::{AdminBootstrap, Application, LoginLimits, PoolSettings, Settings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A database made for one test and removed when the test ends.
pub enum TestDb {
    Sqlite {
        _dir: TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    pub fn create() -> Self {
        match std::env::var("HAMKARI_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::create_postgres(admin_url),
            _ => Self::sqlite(),
        }
    }

    /// A SQLite file whatever the environment names, for what only SQLite does.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("hamkari.db").display());
        Self::Sqlite { _dir: dir, url }
    }

    fn create_postgres(admin_url: String) -> Self {
        let name = format!("hamkari_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = PgConnection::establish(&admin_url).expect("connect to HAMKARI_TEST_DATABASE_URL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = replace_database(&admin_url, &name);
        Self::Postgres { admin_url, name, url }
    }

    /// A direct connection, for checking what is stored.
    pub fn connect(&self) -> hamkari_persistence::DbConnection {
        hamkari_persistence::Backend::from_url(self.url())
            .connect()
            .expect("connect to the test database")
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database name replaced.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The JWT key tests sign with, so they can forge tokens that differ in one respect.
pub const TEST_JWT_SECRET: &str = "a test signing key of at least thirty-two bytes";
pub const TEST_TOKEN_KEY: &str = "a test HMAC key of at least thirty-two bytes long";
pub const ADMIN_EMAIL: &str = "admin@hamkari.test";
pub const ADMIN_PASSWORD: &str = "admin password for tests";
/// The password of every user the helpers create.
pub const USER_PASSWORD: &str = "user password for tests";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// An administrator's access token, sent by the plain request helpers.
    pub admin_token: String,
    server: Option<ServerThread>,
    /// Declared last: dropped after the server has stopped using it.
    pub db: TestDb,
}

/// The server of one test, on a thread and actix system of its own, so that it can be
/// stopped when the test ends: servers left running would keep reconnecting to dropped
/// databases until the process exits, and race its teardown.
struct ServerThread {
    port: u16,
    metrics_port: Option<u16>,
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<()>,
}

impl ServerThread {
    async fn start(settings: Settings) -> Self {
        // Waiting asynchronously keeps the test's own runtime running meanwhile (the outage
        // test's proxy lives there, and the server connects through it while it starts).
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings).await.expect("the app builds");
                if sender.send((app.port(), app.metrics_port(), app.handle())).is_err() {
                    return;
                }
                let _ = app.run_until_stopped().await;
            });
        });
        let (port, metrics_port, handle) = receiver.await.expect("the server thread reports its port");
        Self {
            port,
            metrics_port,
            handle,
            thread,
        }
    }
}

impl TestApp {
    /// `http://127.0.0.1:port` of the metrics listener, when the test asked for one.
    pub fn metrics_address(&self) -> Option<String> {
        let port = self.server.as_ref()?.metrics_port?;
        Some(format!("http://127.0.0.1:{port}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // The stop command is sent when `stop` is called; the server thread carries it out.
            drop(server.handle.stop(false));
            let _ = server.thread.join();
        }
    }
}

/// Requests made with one credential (or none).
pub struct Client<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let db = TestDb::create();
        let url = db.url().to_owned();
        Self::spawn_on(db, url, true).await
    }

    /// Starts the app on `database_url`, which `db` (kept alive by the app) may or may not be.
    /// Without migrations the database may be unreachable, so nothing is read from it at start.
    pub async fn spawn_on(db: TestDb, database_url: String, migrate: bool) -> Self {
        Self::spawn_with(db, database_url, |settings| {
            settings.migrate = migrate;
            if !migrate {
                settings.token_key = Some(TEST_TOKEN_KEY.into());
                settings.admin = AdminBootstrap::Skip;
            }
        })
        .await
    }

    /// Starts the app with settings adjusted by `configure`.
    pub async fn spawn_with(db: TestDb, database_url: String, configure: impl FnOnce(&mut Settings)) -> Self {
        // Server logs go to the test's captured output, shown when a test fails.
        let filter = tracing_subscriber::EnvFilter::try_from_env("HAMKARI_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(filter)
            .try_init();
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            database_url,
            pool: PoolSettings {
                max_size: 4,
                connection_timeout: Duration::from_secs(2),
            },
            workers: Some(2),
            migrate: true,
            jwt_secret: Some(TEST_JWT_SECRET.into()),
            token_key: None,
            admin: AdminBootstrap::Given {
                email: ADMIN_EMAIL.into(),
                password: ADMIN_PASSWORD.into(),
            },
            hash_concurrency: 2,
            login_limits: LoginLimits::default(),
            audit_retention_days: 365,
            metrics_bind: None,
            min_date: hamkari_http::DateFloor::default(),
            // High enough for the matrix's thousands of requests by one admin; the limit
            // itself is tested with a small quota (tests/api/clients.rs).
            rate_limit: hamkari_http::RateLimits {
                requests: 1_000_000,
                ..Default::default()
            },
            shutdown_grace: Duration::from_secs(5),
            import_limits: hamkari_http::ImportLimits::default(),
            webhooks: hamkari_http::webhook_worker::WebhookSettings {
                allow_private: true,
                retry_base: Duration::from_millis(200),
                poll: Duration::from_millis(100),
                ..Default::default()
            },
        };
        configure(&mut settings);
        let migrate = settings.migrate && !matches!(settings.admin, AdminBootstrap::Skip);
        let server = ServerThread::start(settings).await;
        let address = format!("http://127.0.0.1:{}", server.port);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let mut app = Self {
            address,
            client,
            admin_token: String::new(),
            server: Some(server),
            db,
        };
        if migrate {
            let tokens = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            app.admin_token = tokens["access_token"].as_str().unwrap().to_owned();
        }
        app
    }

    /// Requests with this bearer token.
    pub fn with_token(&self, token: &str) -> Client<'_> {
        Client {
            app: self,
            token: Some(token.to_owned()),
        }
    }

    /// Requests with no credentials at all.
    pub fn anonymous(&self) -> Client<'_> {
        Client { app: self, token: None }
    }

    fn admin(&self) -> Client<'_> {
        self.with_token(&self.admin_token)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.admin().request(method, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.admin().get(path).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.admin().post_json(path, body).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.admin().patch_json(path, body).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.admin().delete(path).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.anonymous()
            .post_json("/api/v1/auth/login", &json!({"email": email, "password": password}))
            .await
    }

    /// Logs in and returns the token response, failing the test on anything but 200.
    pub async fn login_ok(&self, email: &str, password: &str) -> Value {
        let response = self.login(email, password).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, StatusCode::OK, "login as {email}: {body}");
        body
    }

    /// Creates a user with this role and these organizations; returns the user.
    pub async fn create_user(&self, role: &str, organization_ids: &[&str]) -> Value {
        let email = format!("{role}-{}@hamkari.test", uuid::Uuid::now_v7().simple());
        let response = self
            .post_json(
                "/api/v1/users",
                &json!({"email": email, "display_name": "کاربر آزمایشی", "role": role,
                        "organization_ids": organization_ids, "password": USER_PASSWORD}),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "creating a user: {body}");
        body
    }

    /// Creates a user and logs them in; returns their access token.
    pub async fn login_as(&self, role: &str, organization_ids: &[&str]) -> String {
        let user = self.create_user(role, organization_ids).await;
        let tokens = self.login_ok(user["email"].as_str().unwrap(), USER_PASSWORD).await;
        tokens["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates an API token with these scopes (bound to `organization` if given); returns the
    /// creation response, whose `token` is the secret.
    pub async fn create_api_token(&self, scopes: &[&str], organization: Option<&str>) -> Value {
        let expires_at = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
        let response = self
            .post_json(
                "/api/v1/api-tokens",
                &json!({"name": "سامانه آزمایشی", "scopes": scopes, "organization_id": organization, "expires_at": expires_at}),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "creating an API token: {body}");
        body
    }

    /// An API token's secret with these scopes.
    pub async fn with_api_token(&self, scopes: &[&str], organization: Option<&str>) -> String {
        self.create_api_token(scopes, organization).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates an organization and returns its body, failing the test on anything but 201.
    pub async fn create_org(&self, body: Value) -> Value {
        let response = self.post_json("/api/v1/organizations", &body).await;
        let status = response.status();
        let body = response.json::<Value>().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "creating an organization: {body}");
        body
    }

    /// GETs `path`, asserts `status`, returns the JSON body.
    pub async fn get_json(&self, path: &str, status: StatusCode) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), status, "GET {path}");
        response.json().await.expect("json body")
    }
}

impl Client<'_> {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.app.client.request(method, format!("{}{path}", self.app.address));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path).json(body).send().await.expect("POST")
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.expect("DELETE")
    }
}

impl TestApp {
    /// Creates a member and returns their body, failing the test on anything but 201.
    pub async fn create_member(&self, body: Value) -> Value {
        let response = self.post_json("/api/v1/members", &body).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "creating a member: {body}");
        body
    }

    /// Adds a membership and returns the raw response.
    pub async fn add_membership(
        &self,
        org: &Value,
        member: &Value,
        role: &str,
        starts_on: &str,
        ends_on: Option<&str>,
    ) -> Response {
        let path = format!("/api/v1/organizations/{}/memberships", org["id"].as_str().unwrap());
        self.post_json(
            &path,
            &json!({"member_id": member["id"], "role": role, "starts_on": starts_on, "ends_on": ends_on}),
        )
        .await
    }

    /// Adds a membership, failing the test on anything but 201; returns it.
    pub async fn add_membership_ok(
        &self,
        org: &Value,
        member: &Value,
        role: &str,
        starts_on: &str,
        ends_on: Option<&str>,
    ) -> Value {
        let response = self.add_membership(org, member, role, starts_on, ends_on).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "adding a membership: {body}");
        body
    }
}

/// A minimal valid member with this name.
pub fn person(name: &str) -> Value {
    json!({ "full_name": name })
}

/// A minimal valid organization with this name.
pub fn org(name: &str) -> Value {
    json!({ "name": name, "kind": "association" })
}

/// Asserts a problem+json response with this status and code; returns the document.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(content_type, PROBLEM_JSON, "content type of {body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["type"].as_str().is_some_and(|t| t.ends_with(code)), "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

/// The fields named in a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn database_names_are_replaced() {
    assert_eq!(
        replace_database("postgres://u@h:5432/postgres", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        replace_database("postgres://u@h/postgres?sslmode=disable", "t1"),
        "postgres://u@h/t1?sslmode=disable"
    );
    assert_eq!(replace_database("postgres://u@h", "t1"), "postgres://u@h/t1");
}
