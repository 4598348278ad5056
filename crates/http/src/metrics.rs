//! Prometheus metrics, served at `GET /metrics` on a listener of their own.
//!
//! Each application owns its registry rather than installing a process-wide recorder: the
//! tests (and an embedding program) run several applications in one process, and each must
//! count only its own requests.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpResponse};
use hamkari_app::webhook_delivery::{self as deliveries, QueueStats};
use hamkari_app::Database;
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// The route label of a request that matched no route: raw paths would let any client
/// create series without bound.
pub const UNMATCHED: &str = "unmatched";

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    pool_wait: Histogram,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    login_refusals: IntCounter,
    webhook_delivered: IntCounter,
    webhook_failures: IntCounterVec,
    /// The gauges read from the database at each scrape, gathered only when that read
    /// worked: a missing series says "unknown", where a stale value would mislead.
    queue: QueueGauges,
}

struct QueueGauges {
    registry: Registry,
    pending: IntGauge,
    due: IntGauge,
    oldest_due_age: Gauge,
    last_position: IntGauge,
}

impl QueueGauges {
    fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("hamkari".into()), None)?;
        let pending = IntGauge::new(
            "webhook_queue_pending",
            "Webhook messages waiting for delivery, disabled endpoints' included.",
        )?;
        let due = IntGauge::new(
            "webhook_queue_due",
            "Pending webhook messages of enabled endpoints whose attempt is due now (or running).",
        )?;
        let oldest_due_age = Gauge::new(
            "webhook_oldest_due_age_seconds",
            "Age of the oldest due webhook message since it was queued; 0 when none is due.",
        )?;
        let last_position = IntGauge::new("events_last_position", "The change feed's latest event position.")?;
        registry.register(Box::new(pending.clone()))?;
        registry.register(Box::new(due.clone()))?;
        registry.register(Box::new(oldest_due_age.clone()))?;
        registry.register(Box::new(last_position.clone()))?;
        Ok(Self {
            registry,
            pending,
            due,
            oldest_due_age,
            last_position,
        })
    }

    fn set(&self, stats: &QueueStats, now: chrono::NaiveDateTime) {
        self.pending.set(stats.pending);
        self.due.set(stats.due);
        let age = stats
            .oldest_due
            .map_or(0.0, |queued| (now - queued).num_milliseconds().max(0) as f64 / 1000.0);
        self.oldest_due_age.set(age);
        self.last_position.set(stats.last_position);
    }
}

/// Why a webhook attempt failed: a closed set, so the label's values stay bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The receiver answered with a status outside 2xx.
    Status(u16),
    Timeout,
    /// No connection, or it broke before an answer.
    Connection,
    /// The URL, its host (unresolvable, or refused as private) or the secret is unusable.
    Destination,
    /// The message could not be rendered (its event was pruned, or rendering failed).
    Payload,
}

impl DeliveryFailure {
    fn label(self) -> &'static str {
        match self {
            Self::Status(300..=399) => "http_3xx",
            Self::Status(400..=499) => "http_4xx",
            Self::Status(500..=599) => "http_5xx",
            Self::Status(_) => "http_other",
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::Destination => "destination",
            Self::Payload => "payload",
        }
    }
}

impl Metrics {
    pub fn new() -> Result<Arc<Self>, prometheus::Error> {
        let registry = Registry::new_custom(Some("hamkari".into()), None)?;
        let labels = &["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "Requests answered, by route pattern and status."),
            labels,
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from receiving a request to its response head, by route pattern and status.",
            )
            .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            labels,
        )?;
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "db_pool_wait_seconds",
                "Time spent waiting for a pooled database connection.",
            )
            .buckets(vec![0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 3.0]),
        )?;
        let pool_connections = IntGauge::new("db_pool_connections", "Database connections the pool holds.")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Pooled database connections not lent out.")?;
        let pool_max = IntGauge::new("db_pool_max_connections", "Most database connections the pool opens.")?;
        let login_refusals = IntCounter::new(
            "login_throttled_total",
            "Logins refused because the account or the client address failed too often.",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(pool_wait.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        let webhook_delivered = IntCounter::new(
            "webhook_delivered_total",
            "Webhook attempts answered 2xx by their receiver.",
        )?;
        let webhook_failures = IntCounterVec::new(
            Opts::new(
                "webhook_delivery_failures_total",
                "Webhook attempts that failed, by outcome (http_3xx, http_4xx, http_5xx, http_other, timeout, connection, destination, payload).",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(login_refusals.clone()))?;
        registry.register(Box::new(webhook_delivered.clone()))?;
        registry.register(Box::new(webhook_failures.clone()))?;
        Ok(Arc::new(Self {
            registry,
            requests,
            duration,
            pool_wait,
            pool_connections,
            pool_idle,
            pool_max,
            login_refusals,
            webhook_delivered,
            webhook_failures,
            queue: QueueGauges::new()?,
        }))
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.duration.with_label_values(&labels).observe(elapsed.as_secs_f64());
    }

    pub fn observe_pool_wait(&self, waited: Duration) {
        self.pool_wait.observe(waited.as_secs_f64());
    }

    pub fn login_throttled(&self) {
        self.login_refusals.inc();
    }

    /// Counts one webhook attempt by how it ended (`None`: delivered).
    pub fn webhook_attempt(&self, failure: Option<DeliveryFailure>) {
        match failure {
            None => self.webhook_delivered.inc(),
            Some(failure) => self.webhook_failures.with_label_values(&[failure.label()]).inc(),
        }
    }

    /// The text exposition, with the pool's gauges read now and the queue's when `queue`
    /// holds what the database said.
    fn render(
        &self,
        db: &Database,
        pool_max: u32,
        queue: Option<(QueueStats, chrono::NaiveDateTime)>,
    ) -> Result<Vec<u8>, prometheus::Error> {
        let state = db.pool_state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle));
        self.pool_max.set(i64::from(pool_max));
        let mut families = self.registry.gather();
        if let Some((stats, now)) = queue {
            self.queue.set(&stats, now);
            families.extend(self.queue.registry.gather());
        }
        let mut text = Vec::with_capacity(8192);
        prometheus::TextEncoder::new().encode(&families, &mut text)?;
        Ok(text)
    }
}

/// `GET /metrics` and nothing else: the metrics listener serves no API.
pub fn configure(metrics: Arc<Metrics>, db: Database, pool_max: u32) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let (metrics, db) = (metrics.clone(), db.clone());
        cfg.route(
            "/metrics",
            web::get().to(move || {
                let (metrics, db) = (metrics.clone(), db.clone());
                async move {
                    let now = hamkari_app::now();
                    let read = db.clone();
                    let queue = match web::block(move || read.run(|conn| deliveries::queue_stats(conn, now))).await {
                        Ok(Ok(stats)) => Some((stats, now)),
                        Ok(Err(error)) => {
                            tracing::warn!(%error, "reading the webhook queue for metrics failed");
                            None
                        }
                        Err(error) => {
                            tracing::warn!(%error, "reading the webhook queue for metrics failed");
                            None
                        }
                    };
                    match metrics.render(&db, pool_max, queue) {
                        Ok(text) => HttpResponse::Ok()
                            .insert_header((CONTENT_TYPE, prometheus::TEXT_FORMAT))
                            .body(text),
                        Err(error) => {
                            tracing::error!(%error, "rendering metrics failed");
                            HttpResponse::InternalServerError().finish()
                        }
                    }
                }
            }),
        );
    }
}
