//! Delivering webhook messages (Standard Webhooks 1.0): a background task per instance
//! claims due messages from the database queue, signs and POSTs them, and records each
//! attempt. Claims are leases: an instance that dies loses them when they run out, and one
//! that stops gives them back with [`WebhookWorker::release_claims`].

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hamkari_app::webhook_delivery::{self as use_case, Claimed, Outcome, RetryPolicy};
use hamkari_app::Database;
use hamkari_domain::validation::FieldProblem;
use hmac::{Hmac, Mac};
use serde_json::json;

use crate::metrics::{DeliveryFailure, Metrics};
use crate::pagination::utc;

/// How webhooks are delivered; see the README for the environment variables.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Let endpoints resolve to loopback, private and link-local addresses (tests, labs).
    pub allow_private: bool,
    /// The first retry's delay; each next one doubles, up to a day.
    pub retry_base: Duration,
    pub max_attempts: i32,
    /// How long a receiver may take to answer.
    pub timeout: Duration,
    /// How long a claim keeps other instances off a message.
    pub lease: Duration,
    /// How often the queue is looked at when no commit in this process wakes the worker.
    pub poll: Duration,
    /// How often tokens are checked for expiry warnings.
    pub token_check_every: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            retry_base: Duration::from_secs(5),
            max_attempts: 16,
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            token_check_every: Duration::from_secs(3600),
        }
    }
}

impl WebhookSettings {
    fn retry_policy(&self) -> RetryPolicy {
        let millis = |d: Duration| chrono::Duration::milliseconds(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
        RetryPolicy {
            base: millis(self.retry_base),
            max_attempts: self.max_attempts.max(1),
            lease: millis(self.lease.max(self.timeout * 2)),
        }
    }
}

/// Addresses no webhook may reach unless the operator allows it: this host, private
/// networks, link-local (cloud metadata services live there) and other non-public ranges.
fn refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Resolves the endpoint's host and refuses it when any address is off limits.
pub async fn resolve(url: &url::Url, allow_private: bool) -> Result<Vec<SocketAddr>, FieldProblem> {
    let unresolvable = || FieldProblem::new("unresolvable_host", "names a host that does not resolve");
    let host = url.host_str().ok_or_else(unresolvable)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().ok_or_else(unresolvable)?;
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| unresolvable())?
        .collect();
    if addresses.is_empty() {
        return Err(unresolvable());
    }
    if !allow_private && addresses.iter().any(|a| refused(a.ip())) {
        return Err(FieldProblem::new(
            "refused_address",
            "resolves to a loopback, private or link-local address, which webhooks may not reach",
        ));
    }
    Ok(addresses)
}

/// A new endpoint secret: `whsec_` and base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,` and base64 of HMAC-SHA256 over `id.timestamp.body`, keyed with the secret's bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The running worker of this instance.
#[derive(Clone)]
pub struct WebhookWorker {
    instance: Arc<str>,
    db: Database,
    stopped: Arc<AtomicBool>,
    /// Becomes true when the delivery loop has ended, with no attempt in flight.
    idle: tokio::sync::watch::Receiver<bool>,
    /// How long an attempt may take: what a shutdown waits for at most.
    attempt_timeout: Duration,
    metrics: Arc<Metrics>,
}

impl WebhookWorker {
    /// Starts delivering on the current actix runtime.
    pub fn spawn(db: Database, settings: WebhookSettings, metrics: Arc<Metrics>) -> Self {
        let (ended, idle) = tokio::sync::watch::channel(false);
        let worker = Self {
            instance: Arc::from(format!("hamkari-{}", uuid::Uuid::now_v7())),
            db,
            stopped: Arc::new(AtomicBool::new(false)),
            idle,
            attempt_timeout: settings.timeout,
            metrics,
        };
        let running = worker.clone();
        actix_web::rt::spawn(async move {
            running.run(settings).await;
            let _ = ended.send(true);
        });
        worker
    }

    /// Stops claiming and gives back every message this instance holds, so other instances
    /// send them at once instead of after the lease. Graceful shutdown calls it after the
    /// HTTP server has drained; attempts in flight are waited for (up to the receiver
    /// timeout), so a message is not sent from here and from another instance at once.
    pub async fn release_claims(&self) -> usize {
        self.stopped.store(true, Ordering::SeqCst);
        // Attempts in flight finish first: released while still sending, a message could
        // reach its receiver twice (once from here, once from the instance that takes it).
        let mut idle = self.idle.clone();
        let wait = self.attempt_timeout + Duration::from_secs(2);
        if tokio::time::timeout(wait, idle.wait_for(|ended| *ended)).await.is_err() {
            tracing::warn!("webhook attempts still running at shutdown; releasing their messages anyway");
        }
        let (db, instance) = (self.db.clone(), self.instance.clone());
        match web::block(move || db.write(|conn| use_case::release(conn, &instance))).await {
            Ok(Ok(count)) => count,
            Ok(Err(error)) => {
                tracing::warn!(%error, "releasing webhook claims failed");
                0
            }
            Err(error) => {
                tracing::warn!(%error, "releasing webhook claims failed");
                0
            }
        }
    }

    async fn run(self, settings: WebhookSettings) {
        let policy = settings.retry_policy();
        let client = Sender::new(&settings);
        while !self.stopped.load(Ordering::SeqCst) {
            let db = self.db.clone();
            let due = web::block(move || db.run(|conn| use_case::any_due(conn, hamkari_app::now()))).await;
            if !matches!(due, Ok(Ok(true))) {
                crate::routes::events_feed::next_commit(settings.poll).await;
                continue;
            }
            let (db, instance) = (self.db.clone(), self.instance.clone());
            let claimed =
                web::block(move || db.write(|conn| use_case::claim(conn, &instance, hamkari_app::now(), &policy, 16)))
                    .await;
            let claimed = match claimed {
                Ok(Ok(claimed)) => claimed,
                Ok(Err(error)) => {
                    tracing::warn!(%error, "claiming webhook messages failed");
                    Vec::new()
                }
                Err(error) => {
                    tracing::warn!(%error, "claiming webhook messages failed");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                crate::routes::events_feed::next_commit(settings.poll).await;
                continue;
            }
            let sends = claimed.into_iter().map(|c| self.deliver(c, &client, policy));
            futures_util::future::join_all(sends).await;
        }
    }

    async fn deliver(&self, claimed: Claimed, client: &Sender, policy: RetryPolicy) {
        let (outcome, failure) = match self.payload(&claimed).await {
            Ok(payload) => client.send(&claimed, &payload).await,
            Err(error) => (
                Outcome {
                    delivered: false,
                    response_status: None,
                    duration_ms: 0,
                    error: Some(error),
                },
                Some(DeliveryFailure::Payload),
            ),
        };
        let (db, instance) = (self.db.clone(), self.instance.clone());
        let finished = web::block(move || {
            db.write(|conn| use_case::finish(conn, &claimed, &instance, &outcome, &policy, hamkari_app::now()))
        })
        .await;
        if !matches!(finished, Ok(Ok(_))) {
            tracing::warn!("recording a webhook attempt failed; the lease will bring the message back");
        }
        // Counted once recorded, so a scrape that shows the attempt also shows the queue after it.
        self.metrics.webhook_attempt(failure);
    }

    /// The body: rendered on the first attempt and kept, so every retry sends the same bytes.
    async fn payload(&self, claimed: &Claimed) -> Result<String, String> {
        if let Some(payload) = &claimed.payload {
            return Ok(payload.clone());
        }
        let (db, claimed) = (self.db.clone(), claimed.clone());
        let rendered = web::block(move || {
            db.run(|conn| -> Result<Option<String>, hamkari_app::AppError> {
                let Some((event, audience)) = use_case::subject(conn, &claimed)? else {
                    return Ok(None);
                };
                let data = crate::feed_render::render(
                    conn,
                    &audience,
                    &event.resource_type,
                    event.resource_id,
                    hamkari_app::now(),
                )?;
                let payload = json!({
                    "type": claimed.event_type,
                    "timestamp": utc(event.at),
                    "data": data,
                })
                .to_string();
                use_case::store_payload(conn, claimed.id, &payload)?;
                Ok(Some(payload))
            })
        })
        .await;
        match rendered {
            Ok(Ok(Some(payload))) => Ok(payload),
            Ok(Ok(None)) => Err("the event is no longer kept".into()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// Sends one attempt: resolves and checks the destination, pins the connection to the
/// checked address (no second lookup an attacker could answer differently), never follows
/// a redirect, and gives up after the timeout.
struct Sender {
    allow_private: bool,
    timeout: Duration,
}

impl Sender {
    fn new(settings: &WebhookSettings) -> Self {
        Self {
            allow_private: settings.allow_private,
            timeout: settings.timeout,
        }
    }

    /// The attempt's outcome, and why it failed when it did.
    async fn send(&self, claimed: &Claimed, payload: &str) -> (Outcome, Option<DeliveryFailure>) {
        let started = Instant::now();
        let failed = |why: DeliveryFailure, error: String| {
            let status = match why {
                DeliveryFailure::Status(status) => Some(i32::from(status)),
                _ => None,
            };
            let outcome = Outcome {
                delivered: false,
                response_status: status,
                duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
                error: Some(error),
            };
            (outcome, Some(why))
        };
        let Ok(url) = url::Url::parse(&claimed.url) else {
            return failed(DeliveryFailure::Destination, "the endpoint's URL does not parse".into());
        };
        let addresses = match resolve(&url, self.allow_private).await {
            Ok(addresses) => addresses,
            Err(problem) => {
                return failed(
                    DeliveryFailure::Destination,
                    format!("the endpoint's host {}", problem.message),
                )
            }
        };
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .resolve_to_addrs(&host, &addresses)
            .build();
        let Ok(client) = client else {
            return failed(DeliveryFailure::Destination, "no HTTP client".into());
        };
        let id = claimed.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let Some(signature) = sign(&claimed.secret, &id, timestamp, payload.as_bytes()) else {
            return failed(DeliveryFailure::Destination, "the endpoint's secret is unusable".into());
        };
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(payload.to_owned())
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => (
                Outcome {
                    delivered: true,
                    response_status: Some(i32::from(response.status().as_u16())),
                    duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
                    error: None,
                },
                None,
            ),
            Ok(response) => {
                let status = response.status().as_u16();
                failed(DeliveryFailure::Status(status), format!("HTTP {status}"))
            }
            Err(error) if error.is_timeout() => {
                failed(DeliveryFailure::Timeout, format!("no answer within {:?}", self.timeout))
            }
            Err(error) => failed(DeliveryFailure::Connection, format!("not delivered: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(refused(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"] {
            assert!(!refused(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }
}
