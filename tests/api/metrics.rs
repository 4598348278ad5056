//! `GET /metrics`: Prometheus text on a listener of its own, labelled by route pattern.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use hamkari_http::LoginLimits;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{org, TestApp, TestDb, ADMIN_EMAIL};

/// One sample line of the text exposition format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A strict reader of Prometheus' text format (0.0.4): every line is a comment, blank, or
/// a well-formed sample, label values unescaped, each family declared by `# TYPE` before
/// its samples. (`prometheus-parse` splits label values at `{`, which route patterns hold.)
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut types = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a sample name");
        let name = &line[..name_end];
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|base| types.get(*base).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "{name} has no # TYPE before it");
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices();
            loop {
                let (start, c) = chars.next().expect("an unterminated label set");
                if c == '}' {
                    rest = &body[start + 1..];
                    break;
                }
                if c == ',' {
                    continue;
                }
                let eq = body[start..].find("=\"").expect("label=\"value\"") + start;
                let key = body[start..eq].to_owned();
                while chars.next().is_some_and(|(i, _)| i < eq + 1) {}
                let mut value = String::new();
                loop {
                    match chars.next().expect("an unterminated label value") {
                        (_, '"') => break,
                        (_, '\\') => match chars.next().expect("an escape").1 {
                            'n' => value.push('\n'),
                            other => value.push(other),
                        },
                        (_, other) => value.push(other),
                    }
                }
                labels.insert(key, value);
            }
        }
        let value = rest.trim().split(' ').next().expect("a value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or_else(|_| panic!("not a number in {line}")),
        };
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let address = app.metrics_address().expect("a metrics listener");
    let response = app.client.get(format!("{address}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    parse_exposition(&response.text().await.unwrap())
}

/// The sum of the samples named `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_on_their_own_listener() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.login_limits = LoginLimits {
            per_account: 1,
            per_address: 100,
        };
    })
    .await;
    // Not on the API's address.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let member = app.create_member(json!({"full_name": "سنجه"})).await;
    let id = member["id"].as_str().unwrap();
    let route = [("route", "/api/v1/members/{id}"), ("method", "GET"), ("status", "200")];
    let before = scrape(&app).await;
    app.get_json(&format!("/api/v1/members/{id}"), StatusCode::OK).await;
    app.get_json(&format!("/api/v1/members/{id}"), StatusCode::OK).await;
    assert_eq!(app.get("/no/such/place/12345").await.status(), StatusCode::NOT_FOUND);
    // Two failures against one account: the second is refused by the throttle.
    assert_eq!(
        app.login(ADMIN_EMAIL, "wrong password 1").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(ADMIN_EMAIL, "wrong password 2").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let after = scrape(&app).await;

    let requests = "hamkari_http_requests_total";
    let routes: BTreeSet<_> = after.iter().filter_map(|s| s.labels.get("route")).collect();
    assert_eq!(
        value(&after, requests, &route) - value(&before, requests, &route),
        2.0,
        "{routes:?}"
    );
    // `/metrics` asked of the API listener, and the made-up path.
    assert_eq!(
        value(&after, requests, &[("route", "unmatched"), ("status", "404")]),
        2.0
    );
    assert_eq!(value(&after, "hamkari_login_throttled_total", &[]), 1.0);
    // Bounded cardinality: no raw path ever becomes a label.
    for route in &routes {
        assert!(!route.contains(id) && !route.contains("12345"), "{route}");
    }
    let duration = "hamkari_http_request_duration_seconds";
    assert_eq!(value(&after, &format!("{duration}_count"), &route), 2.0);
    let mut infinite = route.to_vec();
    infinite.push(("le", "+Inf"));
    assert_eq!(value(&after, &format!("{duration}_bucket"), &infinite), 2.0);

    assert_eq!(value(&after, "hamkari_db_pool_max_connections", &[]), 4.0);
    assert!(value(&after, "hamkari_db_pool_connections", &[]) >= 1.0);
    assert!(value(&after, "hamkari_db_pool_wait_seconds_count", &[]) > 0.0);
}

/// Scrapes until `done` holds (up to 20 s).
async fn scrape_until(app: &TestApp, what: &str, done: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
    for _ in 0..200 {
        let samples = scrape(app).await;
        if done(&samples) {
            return samples;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the metrics never showed {what}: {:?}", scrape(app).await);
}

#[tokio::test]
async fn metrics_show_the_webhook_queue_its_failures_and_the_feed_position() {
    // Long enough that the silent receiver's attempt is still running when the refused one
    // has been recorded, even on a loaded machine.
    const TIMEOUT: Duration = Duration::from_secs(8);
    // A port nobody listens on (refused at once), and a listener that never answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let app = crate::webhooks::configured(|s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.webhooks.timeout = TIMEOUT;
        // One attempt each within the test: a failed message waits an hour for its retry.
        s.webhooks.retry_base = Duration::from_secs(3600);
    })
    .await;
    for port in [closed, silent_port] {
        crate::webhooks::created(
            &app,
            json!({"url": format!("http://127.0.0.1:{port}/hooks"), "event_types": ["organization.created"]}),
        )
        .await;
    }
    let before = scrape(&app).await;
    assert_eq!(value(&before, "hamkari_webhook_queue_pending", &[]), 0.0);
    assert_eq!(value(&before, "hamkari_webhook_queue_due", &[]), 0.0);
    assert_eq!(value(&before, "hamkari_webhook_oldest_due_age_seconds", &[]), 0.0);
    let failures = "hamkari_webhook_delivery_failures_total";
    assert_eq!(value(&before, failures, &[]), 0.0);
    let position = value(&before, "hamkari_events_last_position", &[]);
    assert!(position >= 2.0, "the webhooks' own events: {position}");

    app.create_org(org("انجمن سنجه‌ها")).await;
    let refused = scrape_until(&app, "a refused connection", |s| {
        value(s, failures, &[("outcome", "connection")]) >= 1.0
    })
    .await;
    // One message waits for its retry, the other is still with the silent receiver.
    assert_eq!(value(&refused, "hamkari_webhook_queue_pending", &[]), 2.0);
    assert_eq!(value(&refused, "hamkari_webhook_queue_due", &[]), 1.0);
    assert_eq!(value(&refused, failures, &[("outcome", "connection")]), 1.0);
    assert_eq!(value(&refused, failures, &[("outcome", "timeout")]), 0.0);
    assert_eq!(value(&refused, "hamkari_events_last_position", &[]), position + 1.0);

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let waiting = scrape(&app).await;
    let age = value(&waiting, "hamkari_webhook_oldest_due_age_seconds", &[]);
    assert!(age >= 1.0 && age < TIMEOUT.as_secs_f64() + 5.0, "{age}");

    let timed_out = scrape_until(&app, "a timeout", |s| {
        value(s, failures, &[("outcome", "timeout")]) >= 1.0
    })
    .await;
    assert_eq!(value(&timed_out, "hamkari_webhook_queue_pending", &[]), 2.0);
    assert_eq!(value(&timed_out, "hamkari_webhook_queue_due", &[]), 0.0);
    assert_eq!(value(&timed_out, "hamkari_webhook_oldest_due_age_seconds", &[]), 0.0);
    assert_eq!(value(&timed_out, "hamkari_webhook_delivered_total", &[]), 0.0);
    drop(silent);
}
