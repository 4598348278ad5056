//! Prometheus metrics, served at `GET /metrics` on a listener of their own.
//!
//! Each application owns its registry rather than installing a process-wide recorder: the
//! tests (and an embedding program) run several applications in one process, and each must
//! count only its own requests.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpResponse};
use hamkari_app::Database;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
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
        registry.register(Box::new(login_refusals.clone()))?;
        Ok(Arc::new(Self {
            registry,
            requests,
            duration,
            pool_wait,
            pool_connections,
            pool_idle,
            pool_max,
            login_refusals,
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

    /// The text exposition, with the pool's gauges read now.
    fn render(&self, db: &Database, pool_max: u32) -> Result<Vec<u8>, prometheus::Error> {
        let state = db.pool_state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle));
        self.pool_max.set(i64::from(pool_max));
        let mut text = Vec::with_capacity(8192);
        prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
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
                let rendered = metrics.render(&db, pool_max);
                async move {
                    match rendered {
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
