//! Building and running the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use hamkari_persistence::migrations::{self, MigrationError};
use hamkari_persistence::{Database, PoolSettings};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::extract::path_error;
use crate::middleware::observe;
use crate::openapi::{fallback, spec, MethodTable};
use crate::state::AppState;

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
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Migrates (when asked), binds the listener and prepares the server; `run_until_stopped`
    /// serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn build(settings: Settings) -> Result<Self, BuildError> {
        let backend = hamkari_persistence::Backend::from_url(&settings.database_url);
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
        let db = Database::new(&settings.database_url, &settings.pool);
        let listener = TcpListener::bind(&settings.bind).map_err(|source| BuildError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let port = listener.local_addr()?.port();
        let spec = Arc::new(spec());
        let table = web::Data::new(MethodTable::from_spec(&spec));
        let state = web::Data::new(AppState { db });
        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(table.clone())
                .app_data(web::PathConfig::default().error_handler(path_error))
                .configure(crate::routes::configure)
                .split_for_parts();
            app.service(
                SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", (*spec).clone()),
            )
            .default_service(web::to(fallback))
            .wrap(from_fn(observe))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .client_request_timeout(Duration::from_secs(10));
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
