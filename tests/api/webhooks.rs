//! Webhooks end to end: a receiver on 127.0.0.1 checks every message's signature with a
//! verifier written here from the Standard Webhooks specification (not the server's code).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::{assert_problem, org, TestApp, TestDb};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// What the receiver answered.
    pub answered: u16,
}

/// A webhook receiver: answers from a script of statuses, then `otherwise`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    script: Arc<Mutex<VecDeque<u16>>>,
    otherwise: Arc<Mutex<u16>>,
    pub got: Arc<Mutex<Vec<Received>>>,
}

fn header<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map_or("", |(_, v)| v.trim())
}

impl Receiver {
    pub async fn start(script: &[u16], otherwise: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hooks", listener.local_addr().unwrap().port());
        let receiver = Self {
            url,
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            otherwise: Arc::new(Mutex::new(otherwise)),
            got: Arc::default(),
        };
        let r = receiver.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let r = r.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Ok(n) = stream.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        let length: usize = header(&head, "content-length").parse().unwrap_or(0);
                        if buf.len() < end + 4 + length {
                            continue;
                        }
                        let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).to_string();
                        buf.drain(..end + 4 + length);
                        let status = r
                            .script
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or(*r.otherwise.lock().unwrap());
                        r.got.lock().unwrap().push(Received {
                            id: header(&head, "webhook-id").to_owned(),
                            timestamp: header(&head, "webhook-timestamp").to_owned(),
                            signature: header(&head, "webhook-signature").to_owned(),
                            body,
                            answered: status,
                        });
                        let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
                        if stream.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        receiver
    }

    pub fn answer(&self, status: u16) {
        *self.otherwise.lock().unwrap() = status;
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `done` holds for what was received.
    pub async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.received();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the receiver never saw {what}: {:?}", self.received());
    }
}

/// The Standard Webhooks verification, from the specification: HMAC-SHA256 keyed with the
/// base64-decoded secret after `whsec_`, over `id.timestamp.body`, compared with any `v1,`
/// entry of the space-separated signature header.
pub fn verify(secret: &str, r: &Received) -> bool {
    use hmac::Mac;
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let fresh = r
        .timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
    fresh
        && r.signature
            .split(' ')
            .any(|s| s.strip_prefix("v1,").is_some_and(|sig| sig == expected))
}

/// A webhook body for the authorization matrix: organization `a`'s events, to nowhere.
pub fn endpoint_of(organization: &str) -> Value {
    json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["organization.*"], "organization_id": organization})
}

/// Makes a webhook of organization `a` (with one delivery) and the request `operation` needs.
pub async fn matrix_request(app: &TestApp, a: &str, operation: &str) -> (Method, String, Option<Value>) {
    let hook = created(app, endpoint_of(a)).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/webhooks/{id}");
    match operation {
        "webhook.read" => (Method::GET, path, None),
        "webhook.update" => (Method::PATCH, path, Some(json!({"enabled": false}))),
        "webhook.delete" => (Method::DELETE, path, None),
        "webhook.rotate" => (Method::POST, format!("{path}/rotate-secret"), None),
        "webhook.deliveries" => (Method::GET, format!("{path}/deliveries"), None),
        _ => {
            let response = app
                .patch_json(
                    &format!("/api/v1/organizations/{a}"),
                    &json!({"description": format!("تازه {}", uuid::Uuid::now_v7())}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let deliveries = app.get_json(&format!("{path}/deliveries"), StatusCode::OK).await;
            let delivery = deliveries["items"][0]["id"].as_str().unwrap().to_owned();
            (Method::POST, format!("{path}/deliveries/{delivery}/retry"), None)
        }
    }
}

pub async fn created(app: &TestApp, body: Value) -> Value {
    let response = app.post_json("/api/v1/webhooks", &body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "creating a webhook: {body}");
    body
}

/// An app on a database of its own, with adjusted settings.
pub async fn configured(configure: impl FnOnce(&mut hamkari_http::Settings)) -> TestApp {
    let db = TestDb::create();
    let url = db.url().to_owned();
    TestApp::spawn_with(db, url, configure).await
}

fn fast(s: &mut hamkari_http::Settings) {
    s.webhooks.retry_base = Duration::from_millis(200);
    s.webhooks.timeout = Duration::from_secs(1);
    s.webhooks.lease = Duration::from_millis(500);
}

#[tokio::test]
async fn messages_are_signed_retried_with_the_same_id_and_never_repeated_after_2xx() {
    let receiver = Receiver::start(&[500], 200).await;
    let app = TestApp::spawn().await;
    let hook = created(
        &app,
        json!({"url": receiver.url, "event_types": ["organization.created"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).is_ok_and(|k| k.len() >= 24));
    let shown = app
        .get_json(
            &format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert!(shown.get("secret").is_none(), "the secret is shown once: {shown}");

    let organization = app.create_org(org("انجمن پیام‌رسان")).await;
    let got = receiver
        .until("a retry answered 200", |got| got.iter().any(|r| r.answered == 200))
        .await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].id, got[1].id, "a retry repeats the webhook-id");
    assert_eq!(got[0].body, got[1].body, "a retry repeats the body");
    for r in &got {
        assert!(verify(&secret, r), "signature of {r:?}");
    }
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "organization.created");
    assert_eq!(body["data"]["id"], organization["id"]);
    assert_eq!(body["data"]["name"], organization["name"]);
    assert!(body["timestamp"].is_string());

    // Nothing more comes for this message once it was answered 2xx.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 2);
    let deliveries = app
        .get_json(
            &format!("/api/v1/webhooks/{}/deliveries", hook["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    let delivery = &deliveries["items"][0];
    assert_eq!(deliveries["items"].as_array().unwrap().len(), 1);
    assert_eq!(delivery["id"].as_str().unwrap(), got[0].id);
    assert_eq!(delivery["status"], "succeeded");
    assert_eq!(delivery["attempts"], 2);
    assert_eq!(delivery["response_status"], 200);
    assert!(delivery["duration_ms"].is_i64());

    // A manual retry sends the same message again; a rotated secret signs it.
    let rotated = app
        .post_json(
            &format!("/api/v1/webhooks/{}/rotate-secret", hook["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let new_secret = rotated.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    let path = format!(
        "/api/v1/webhooks/{}/deliveries/{}/retry",
        hook["id"].as_str().unwrap(),
        got[0].id
    );
    assert_eq!(app.post_json(&path, &json!({})).await.status(), StatusCode::ACCEPTED);
    let got = receiver.until("the manual retry", |got| got.len() == 3).await;
    assert_eq!(got[2].id, got[0].id);
    assert!(verify(&new_secret, &got[2]) && !verify(&secret, &got[2]));
}

#[tokio::test]
async fn bad_webhooks_are_refused_and_nothing_is_stored() {
    let app = configured(|s| s.webhooks.allow_private = false).await;
    let cases = [
        (
            json!({"url": "ftp://example.org/hooks", "event_types": ["member.*"]}),
            "invalid_url",
        ),
        (
            json!({"url": "https://user:pw@example.org/hooks", "event_types": ["member.*"]}),
            "url_credentials",
        ),
        (
            json!({"url": "http://127.0.0.1:8080/hooks", "event_types": ["member.*"]}),
            "refused_address",
        ),
        (
            json!({"url": "http://169.254.169.254/latest", "event_types": ["member.*"]}),
            "refused_address",
        ),
        (
            json!({"url": "http://10.0.0.7/hooks", "event_types": ["member.*"]}),
            "refused_address",
        ),
        (
            json!({"url": "https://example.org/hooks", "event_types": ["agreement.signed"]}),
            "unknown_event_type",
        ),
        (
            json!({"url": "https://example.org/hooks", "event_types": []}),
            "required",
        ),
    ];
    for (body, code) in cases {
        let response = app.post_json("/api/v1/webhooks", &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], code, "{body}: {problem}");
    }
    let listed = app.get_json("/api/v1/webhooks", StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    let feed = app.get_json("/api/v1/events?types=webhook.*", StatusCode::OK).await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 0, "no event either: {feed}");
}

#[tokio::test]
async fn a_restart_loses_no_message() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let receiver = Receiver::start(&[], 503).await;
    let first = TestApp::spawn_with(TestDb::create(), url.clone(), fast).await;
    let hook = created(
        &first,
        json!({"url": receiver.url, "event_types": ["organization.created"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let mut expected = Vec::new();
    for n in 0..5 {
        expected.push(first.create_org(org(&format!("انجمن بازآغاز {n}"))).await["id"].clone());
    }
    receiver.until("a first failed attempt", |got| !got.is_empty()).await;
    drop(first);
    // The receiver runs on this test's runtime, which the drop blocked: let it answer (503)
    // what the stopping instance sent and gave up on, before it starts accepting.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    receiver.answer(200);
    let second = TestApp::spawn_with(TestDb::create(), url, fast).await;
    let got = receiver
        .until("every message delivered", |got| {
            got.iter().filter(|r| r.answered == 200).count() >= expected.len()
        })
        .await;
    let mut delivered: HashMap<String, Value> = HashMap::new();
    for r in got.iter().filter(|r| r.answered == 200) {
        assert!(verify(&secret, r));
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            delivered.insert(r.id.clone(), body["data"]["id"].clone()).is_none(),
            "{} twice",
            r.id
        );
    }
    let mut ids: Vec<String> = delivered.values().map(|v| v.as_str().unwrap().to_owned()).collect();
    let mut want: Vec<String> = expected.iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    drop(second);
}

#[tokio::test]
async fn two_instances_deliver_each_message_once() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let receiver = Receiver::start(&[], 200).await;
    let one = TestApp::spawn_with(TestDb::create(), url.clone(), fast).await;
    let two = TestApp::spawn_with(TestDb::create(), url, fast).await;
    created(
        &one,
        json!({"url": receiver.url, "event_types": ["organization.created"]}),
    )
    .await;
    let mut writes = Vec::new();
    for n in 0..20 {
        let app = if n % 2 == 0 { &one } else { &two };
        writes.push(app.create_org(org(&format!("انجمن دوگانه {n}"))));
    }
    futures_util::future::join_all(writes).await;
    receiver.until("20 messages", |got| got.len() >= 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.received();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *per_id.entry(r.id.clone()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 20);
    assert!(per_id.values().all(|n| *n == 1), "{per_id:?}");
}

#[tokio::test]
async fn an_endpoint_failing_every_attempt_is_disabled_with_the_reason() {
    let receiver = Receiver::start(&[], 500).await;
    let app = configured(|s| {
        fast(s);
        s.webhooks.max_attempts = 3;
    })
    .await;
    let hook = created(&app, json!({"url": receiver.url, "event_types": ["organization.*"]})).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    app.create_org(org("انجمن ناکام")).await;
    receiver.until("three attempts", |got| got.len() >= 3).await;
    let mut shown = Value::Null;
    for _ in 0..50 {
        shown = app.get_json(&path, StatusCode::OK).await;
        if shown["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown["enabled"], false, "{shown}");
    assert!(
        shown["disabled_reason"].as_str().unwrap().contains("HTTP 500"),
        "{shown}"
    );
    let deliveries = app.get_json(&format!("{path}/deliveries"), StatusCode::OK).await;
    assert_eq!(deliveries["items"][0]["status"], "failed");
    assert_eq!(deliveries["items"][0]["attempts"], 3);
    assert_eq!(receiver.received().len(), 3, "no attempt after the last");
    // Turned on again by a person: the reason goes.
    let on = app
        .patch_json(&path, &json!({"enabled": true}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(on["enabled"], true);
    assert!(on["disabled_reason"].is_null());
}
