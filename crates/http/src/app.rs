//! Building and running the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::ContentType;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use hamkari_app::migrations::{self, MigrationError};
use hamkari_app::{Backend, Database, PoolSettings};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::{
    authenticate, ensure_admin, generated_password, load_keys, AdminBootstrap, BootstrapError, Hasher, Jwt, Sessions,
};
use crate::extract::path_error;
use crate::metrics::Metrics;
use crate::middleware::observe;
use crate::openapi::{fallback, MethodTable, DOCUMENT};
use crate::rate_limit::{limit, RateLimits};
use crate::shutdown::ShutdownHooks;
use crate::state::{AppState, LoginLimits};

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port`; port 0 picks a free port.
    pub bind: String,
    pub database_url: String,
    pub pool: PoolSettings,
    /// Worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Apply pending migrations before listening.
    pub migrate: bool,
    /// JWT signing key (≥ 32 bytes); generated and kept in the database when unset.
    pub jwt_secret: Option<String>,
    /// HMAC key for API token secrets (≥ 32 bytes); generated and kept in the database when unset.
    pub token_key: Option<String>,
    /// What to do when no administrator exists.
    pub admin: AdminBootstrap,
    /// Most password hashes computed at once.
    pub hash_concurrency: usize,
    /// Failed logins that block an account or a client address.
    pub login_limits: LoginLimits,
    /// Audit events older than this many days are deleted in the background.
    pub audit_retention_days: u32,
    /// `host:port` of the listener serving `GET /metrics`; none when unset, so metrics are
    /// never public by accident on the API's address.
    pub metrics_bind: Option<String>,
    /// Days before this are refused in Gregorian mode as `implausible_date` (`HAMKARI_MIN_DATE`).
    pub min_date: crate::dates::DateFloor,
    /// Requests per credential (or client address) and window; 0 requests: no limit.
    pub rate_limit: RateLimits,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// How large an import may be.
    pub import_limits: crate::import_file::ImportLimits,
    /// Webhook delivery and token expiry warnings.
    pub webhooks: crate::webhook_worker::WebhookSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Keys(#[from] crate::auth::KeyError),
    #[error("cannot create the first administrator: {0}")]
    Admin(#[from] BootstrapError),
    #[error("start-up failed: {0}")]
    Startup(String),
}

/// Where the OpenAPI document is served (Swagger UI at `/docs` reads it from here).
const OPENAPI_PATH: &str = "/api-docs/openapi.json";

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<(u16, Server)>,
    hooks: ShutdownHooks,
    grace: Duration,
    webhooks: crate::webhook_worker::WebhookWorker,
}

impl Application {
    /// Migrates (when asked), binds the listener and prepares the server; `run_until_stopped`
    /// serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn build(settings: Settings) -> Result<Self, BuildError> {
        let backend = Backend::from_url(&settings.database_url);
        tracing::info!(database = %backend.redacted(), "database selected");
        // Migrations finish before the pool opens its connections, so SQLite's switch to WAL
        // never races them.
        if settings.migrate {
            let backend = backend.clone();
            let applied = web::block(move || migrations::run_pending(&backend))
                .await
                .map_err(|e| BuildError::Io(std::io::Error::other(e.to_string())))??;
            if !applied.is_empty() {
                tracing::info!(?applied, "migrations applied");
            }
        }
        let metrics = Metrics::new().map_err(|e| BuildError::Startup(e.to_string()))?;
        let db = {
            let metrics = metrics.clone();
            Database::new(&settings.database_url, &settings.pool)
                .with_wait_observer(move |w| metrics.observe_pool_wait(w))
        };
        // Background workers register here what they must hand back before the process exits.
        let hooks = ShutdownHooks::default();
        prune_events_in_background(db.clone(), settings.audit_retention_days);
        crate::idempotency::prune_in_background(db.clone());
        warn_expiring_tokens_in_background(db.clone(), settings.webhooks.token_check_every);
        let webhooks =
            crate::webhook_worker::WebhookWorker::spawn(db.clone(), settings.webhooks.clone(), metrics.clone());
        {
            // Another instance may send what this one had claimed at once, not after the lease.
            let webhooks = webhooks.clone();
            hooks.add("release webhook claims", move || async move {
                let released = webhooks.release_claims().await;
                tracing::info!(released, "webhook claims released");
            });
        }
        let metrics_server = match &settings.metrics_bind {
            Some(bind) => Some(metrics_server(
                bind,
                metrics.clone(),
                db.clone(),
                settings.pool.max_size,
            )?),
            None => None,
        };
        let state = web::Data::new(prepare_state(db, &settings, metrics).await?);
        let listener = TcpListener::bind(&settings.bind).map_err(|source| BuildError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let port = listener.local_addr()?.port();
        let table = web::Data::new(MethodTable::from_document(DOCUMENT).map_err(std::io::Error::other)?);
        let import_limits = web::Data::new(settings.import_limits);
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(table.clone())
                .app_data(settings.min_date)
                .app_data(import_limits.clone())
                .app_data(web::PathConfig::default().error_handler(path_error))
                .configure(crate::routes::served)
                .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from(OPENAPI_PATH)))
                // People type the address without the slash; Swagger UI's relative links need it.
                .service(web::resource("/docs").route(web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
                        .finish()
                })))
                .service(web::resource(OPENAPI_PATH).route(
                    web::get().to(|| async { HttpResponse::Ok().content_type(ContentType::json()).body(DOCUMENT) }),
                ))
                .default_service(web::to(fallback))
                // Idempotency inside the calendar: a replayed answer still needs a valid header.
                .wrap(from_fn(crate::idempotency::idempotency))
                .wrap(from_fn(crate::dates::calendar))
                .wrap(from_fn(limit))
                .wrap(from_fn(authenticate))
                .wrap(from_fn(observe))
        })
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_grace.as_secs().max(1))
        .client_request_timeout(Duration::from_secs(10));
        let workers = settings
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        // Database work runs on each worker's blocking pool. More threads than pooled
        // connections only wait for one, and every extra thread keeps its own allocator
        // cache: capped, peak memory under load stays flat (see bench/README.md).
        let blocking = (settings.pool.max_size as usize).div_ceil(workers).max(1);
        server = server.workers(workers).worker_max_blocking_threads(blocking);
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            server: server.run(),
            metrics: metrics_server,
            hooks,
            grace: settings.shutdown_grace.max(Duration::from_secs(1)),
            webhooks,
        })
    }

    /// The metrics listener's port, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The webhook worker: graceful shutdown calls its `release_claims` after draining.
    pub fn webhook_worker(&self) -> crate::webhook_worker::WebhookWorker {
        self.webhooks.clone()
    }

    /// Stops the server from elsewhere (tests; an embedding program).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Hooks run after the server has drained, before `run_until_stopped` returns.
    pub fn shutdown_hooks(&self) -> ShutdownHooks {
        self.hooks.clone()
    }

    /// Serves until SIGTERM (or SIGINT), which stops accepting connections and gives requests
    /// in flight the grace period to finish; then runs the shutdown hooks.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = match self.metrics {
            None => self.server.await,
            Some((_, metrics)) => {
                // Scrapes keep being answered while the API drains, then the listener closes.
                let handle = metrics.handle();
                let metrics = actix_web::rt::spawn(metrics);
                let served = self.server.await;
                handle.stop(true).await;
                let _ = metrics.await;
                served
            }
        };
        tracing::info!("stopped serving; running shutdown hooks");
        self.hooks.run(self.grace).await;
        tracing::info!("shutdown complete");
        served
    }
}

/// One worker serving `GET /metrics` only, on its own address.
fn metrics_server(bind: &str, metrics: Arc<Metrics>, db: Database, pool_max: u32) -> Result<(u16, Server), BuildError> {
    let listener = TcpListener::bind(bind).map_err(|source| BuildError::Bind {
        bind: bind.to_owned(),
        source,
    })?;
    let port = listener.local_addr()?.port();
    let routes = crate::metrics::configure(metrics, db, pool_max);
    let server = HttpServer::new(move || App::new().configure(routes.clone()))
        .workers(1)
        // The API server handles the signals and stops this one after it has drained.
        .disable_signals()
        .listen(listener)?
        .run();
    tracing::info!(port, "metrics listening");
    Ok((port, server))
}

/// Deletes audit events past the retention period now and then every hour, a batch at a
/// time so no transaction grows large; a failure is logged and retried an hour later.
fn prune_events_in_background(db: Database, retention_days: u32) {
    actix_web::rt::spawn(async move {
        let mut every_hour = actix_web::rt::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            loop {
                let db = db.clone();
                let pruned = web::block(move || {
                    db.write(|conn| hamkari_app::audit::prune(conn, hamkari_app::now(), retention_days))
                })
                .await;
                match pruned {
                    Ok(Ok(0)) => break,
                    Ok(Ok(count)) => tracing::info!(count, "pruned old audit events"),
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "pruning audit events failed");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "pruning audit events failed");
                        break;
                    }
                }
            }
        }
    });
}

/// Writes the `api_token.expiring` and `accreditation.expiring` events that are due, at
/// start and then every `every`; several instances may run it at once (each warning is
/// written once).
fn warn_expiring_tokens_in_background(db: Database, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every.max(Duration::from_millis(100)));
        loop {
            ticks.tick().await;
            let db = db.clone();
            let warned = web::block(move || {
                db.write(|conn| {
                    let now = hamkari_app::now();
                    Ok::<_, hamkari_app::AppError>(
                        hamkari_app::token_expiry::warn_due(conn, now)?
                            + hamkari_app::accreditations::warn_due(conn, now)?,
                    )
                })
            })
            .await;
            match warned {
                Ok(Ok(0)) => {}
                Ok(Ok(count)) => tracing::info!(count, "wrote expiry warnings"),
                Ok(Err(error)) => tracing::warn!(%error, "writing expiry warnings failed"),
                Err(error) => tracing::warn!(%error, "writing expiry warnings failed"),
            }
        }
    });
}

/// Keys, the password hasher and the first administrator: everything the handlers share.
async fn prepare_state(db: Database, settings: &Settings, metrics: Arc<Metrics>) -> Result<AppState, BuildError> {
    let (jwt_secret, token_key, admin, concurrency) = (
        settings.jwt_secret.clone(),
        settings.token_key.clone(),
        settings.admin.clone(),
        settings.hash_concurrency,
    );
    let startup = |e: actix_web::error::BlockingError| BuildError::Startup(e.to_string());
    let keys_db = db.clone();
    let keys = web::block(move || load_keys(&keys_db, jwt_secret.as_deref(), token_key.as_deref()))
        .await
        .map_err(startup)??;
    let hasher = web::block(move || Hasher::new(concurrency))
        .await
        .map_err(startup)?
        .map_err(|e| BuildError::Startup(e.to_string()))?;
    let admin_db = db.clone();
    web::block(move || bootstrap_admin(&admin_db, admin))
        .await
        .map_err(startup)??;
    let jwt = Jwt::new(&keys.jwt_secret);
    Ok(AppState {
        db,
        keys,
        jwt,
        hasher,
        login_limits: settings.login_limits,
        sessions: Sessions::default(),
        metrics,
        rate_limiter: crate::rate_limit::RateLimiter::new(settings.rate_limit),
        webhooks: settings.webhooks.clone(),
    })
}

fn bootstrap_admin(db: &Database, admin: AdminBootstrap) -> Result<(), BuildError> {
    match admin {
        AdminBootstrap::Skip => Ok(()),
        AdminBootstrap::Given { email, password } => {
            if ensure_admin(db, &email, &password, true)? {
                tracing::info!(%email, "created the first administrator from HAMKARI_ADMIN_EMAIL");
            }
            Ok(())
        }
        AdminBootstrap::Generate => {
            let password = generated_password();
            match ensure_admin(db, "admin@localhost", password.expose(), true) {
                Ok(true) => {
                    // Printed once, to the console only: it is stored nowhere but as a hash.
                    println!(
                        "\nNo administrator existed, so one was created:\n  email:    admin@localhost\n  password: {}\nLog in at POST /api/v1/auth/login and change it (PATCH /api/v1/users/{{id}} with current_password).\n",
                        password.expose()
                    );
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(BootstrapError::Exists) => {
                    tracing::warn!(
                        "no active administrator, and admin@localhost exists already: run `hamkari create-admin`"
                    );
                    Ok(())
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}
