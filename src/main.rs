//! The `hamkari` command: serve the API, migrate, print the OpenAPI document, load demo data.

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use hamkari_http::{AdminBootstrap, Application, ImportLimits, LoginLimits, PoolSettings, RateLimits, Settings};
use hamkari_persistence::Backend;
use tracing_subscriber::EnvFilter;

mod allocator;
mod seed_demo;
mod seed_governance;

#[derive(Parser)]
#[command(
    name = "hamkari",
    version,
    about = "The API through which professional associations run their cooperation"
)]
struct Cli {
    /// `postgres://…` for PostgreSQL; a path or `sqlite://path` for SQLite.
    #[arg(
        long,
        env = "HAMKARI_DATABASE_URL",
        default_value = "sqlite://data/hamkari.db",
        global = true
    )]
    database_url: String,

    /// Address to listen on.
    #[arg(long, env = "HAMKARI_BIND", default_value = "127.0.0.1:8080", global = true)]
    bind: String,

    /// Largest number of database connections [default: 4 on SQLite, 8 on PostgreSQL].
    #[arg(long, env = "HAMKARI_POOL_SIZE", global = true)]
    pool_size: Option<u32>,

    /// Seconds a request waits for a database connection before answering 503.
    #[arg(long, env = "HAMKARI_DB_TIMEOUT_SECS", default_value_t = 3, global = true)]
    db_timeout_secs: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HAMKARI_WORKERS", global = true)]
    workers: Option<usize>,

    /// JWT signing key, at least 32 bytes (generated and kept in the database when unset).
    #[arg(long, env = "HAMKARI_JWT_SECRET", hide_env_values = true, global = true)]
    jwt_secret: Option<String>,

    /// HMAC key for API token secrets, at least 32 bytes (generated and kept in the database when unset).
    #[arg(long, env = "HAMKARI_TOKEN_KEY", hide_env_values = true, global = true)]
    token_key: Option<String>,

    /// Most password hashes computed at once (each takes 7 MiB and a core for ~30 ms).
    #[arg(long, env = "HAMKARI_HASH_CONCURRENCY", default_value_t = 1, global = true)]
    hash_concurrency: usize,

    /// Failed logins against one account in 15 minutes that block it for 15 minutes.
    #[arg(long, env = "HAMKARI_LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 5, global = true)]
    login_failures_per_account: u32,

    /// Failed logins from one client address in 15 minutes that block it for 15 minutes.
    #[arg(
        long,
        env = "HAMKARI_LOGIN_FAILURES_PER_ADDRESS",
        default_value_t = 20,
        global = true
    )]
    login_failures_per_address: u32,

    /// Days an audit event is kept before it is deleted in the background.
    #[arg(long, env = "HAMKARI_AUDIT_RETENTION_DAYS", default_value_t = 365, global = true)]
    audit_retention_days: u32,

    /// Address for `GET /metrics` (Prometheus text format), apart from the API's; unset: no metrics listener.
    #[arg(long, env = "HAMKARI_METRICS_BIND", global = true)]
    metrics_bind: Option<String>,

    /// Gregorian days before this are refused as Solar Hijri dates sent by mistake (`implausible_date`).
    #[arg(long, env = "HAMKARI_MIN_DATE", default_value = "1800-01-01", global = true)]
    min_date: hamkari_http::DateFloor,
    /// Requests one credential (or, unauthenticated, one client address) may make per window; 0: no limit.
    #[arg(long, env = "HAMKARI_RATE_LIMIT_REQUESTS", default_value_t = 1200, global = true)]
    rate_limit_requests: u32,

    /// The rate limit's window, in seconds.
    #[arg(long, env = "HAMKARI_RATE_LIMIT_WINDOW_SECS", default_value_t = 60, global = true)]
    rate_limit_window_secs: u64,

    /// Seconds in-flight requests get to finish after SIGTERM before the server stops anyway.
    #[arg(long, env = "HAMKARI_SHUTDOWN_GRACE_SECS", default_value_t = 30, global = true)]
    shutdown_grace_secs: u64,
    /// Largest import file, in bytes (413 past it).
    #[arg(long, env = "HAMKARI_IMPORT_MAX_BYTES", default_value_t = ImportLimits::default().max_bytes, global = true)]
    import_max_bytes: usize,

    /// Most data rows in one import (422 past them).
    #[arg(long, env = "HAMKARI_IMPORT_MAX_ROWS", default_value_t = ImportLimits::default().max_rows, global = true)]
    import_max_rows: usize,
    /// Let webhook endpoints resolve to loopback, private and link-local addresses.
    #[arg(long, env = "HAMKARI_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, global = true)]
    webhook_allow_private: bool,

    /// Milliseconds before a failed webhook message is first retried; each retry doubles it, up to a day.
    #[arg(long, env = "HAMKARI_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000, global = true)]
    webhook_retry_base_ms: u64,

    /// Attempts before a webhook message counts as failed.
    #[arg(long, env = "HAMKARI_WEBHOOK_MAX_ATTEMPTS", default_value_t = 16, global = true)]
    webhook_max_attempts: i32,

    /// Seconds a webhook receiver may take to answer.
    #[arg(long, env = "HAMKARI_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, global = true)]
    webhook_timeout_secs: u64,

    /// Log line format.
    #[arg(long, env = "HAMKARI_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate {
        /// Then list the members and organizations whose stored email or phone fails
        /// today's rules (tab-separated: resource, id, field, value, why), changing nothing;
        /// exits 1 when there are any.
        #[arg(long)]
        check_contacts: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Copy the live SQLite database to a new file, consistently, and check the copy's row
    /// counts (PostgreSQL: use pg_dump, see the README).
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replace the SQLite database with a copy made by `backup`; stop the server first.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
        /// Overwrite a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Create an administrator; the password comes from HAMKARI_ADMIN_PASSWORD or stdin.
    CreateAdmin {
        #[arg(long)]
        email: String,
    },
    /// Load the founding case (two associations, their boards, shared members, joint
    /// projects and working groups) into an empty database, through the API, and exit.
    SeedDemo,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// `HAMKARI_LOG` when unset.
const DEFAULT_LOG: &str = "info,hamkari::access=warn";

fn init_logging(format: LogFormat) {
    // Successful requests are not logged by default: formatting a line per request cost about
    // a tenth of the throughput (bench/README.md). Failures keep their line at WARN and ERROR.
    let filter = EnvFilter::try_from_env("HAMKARI_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

/// A refusal or a failure prints its message chain alone and exits 1: with
/// `RUST_BACKTRACE=1` set, returning the error from `main` would print a backtrace after it,
/// as if the program had crashed.
fn main() -> std::process::ExitCode {
    allocator::return_freed_memory_at_once();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[actix_web::main]
async fn run() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    match cli.command.take().unwrap_or(Command::Serve) {
        Command::Openapi => {
            let spec = hamkari_http::openapi::spec();
            println!("{}", spec.to_pretty_json().context("serializing the OpenAPI document")?);
        }
        Command::Migrate { check_contacts } => {
            init_logging(cli.log_format);
            let backend = hamkari_persistence::Backend::from_url(&cli.database_url);
            let applied = hamkari_persistence::migrations::run_pending(&backend)?;
            tracing::info!(count = applied.len(), ?applied, "migrations applied");
            if check_contacts {
                let mut conn = backend.connect().context("connecting to the database")?;
                let problems = hamkari_app::contacts::check(&mut conn)
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .context("checking contact details")?;
                for p in &problems {
                    println!("{}\t{}\t{}\t{}\t{}", p.resource, p.id, p.field, p.value, p.why);
                }
                if !problems.is_empty() {
                    anyhow::bail!("{} stored contact details fail today's rules", problems.len());
                }
            }
        }
        Command::Backup { to } => {
            let from = sqlite_path(&cli.database_url, "pg_dump")?;
            let counts = hamkari_persistence::backup::backup(&from, &to)?;
            let rows: i64 = counts.values().sum();
            println!(
                "Backed up {} to {} ({} tables, {rows} rows, counts checked).",
                from.display(),
                to.display(),
                counts.len()
            );
        }
        Command::Restore { from, force } => {
            let to = sqlite_path(&cli.database_url, "pg_restore")?;
            let counts = hamkari_persistence::backup::restore(&from, &to, force)?;
            let rows: i64 = counts.values().sum();
            println!(
                "Restored {} into {} ({} tables, {rows} rows, counts checked).",
                from.display(),
                to.display(),
                counts.len()
            );
        }
        Command::CreateAdmin { email } => {
            init_logging(cli.log_format);
            let backend = hamkari_persistence::Backend::from_url(&cli.database_url);
            hamkari_persistence::migrations::run_pending(&backend)?;
            let password = match std::env::var("HAMKARI_ADMIN_PASSWORD") {
                Ok(password) if !password.is_empty() => password,
                _ => read_password()?,
            };
            let db = hamkari_persistence::Database::new(&cli.database_url, &PoolSettings::default());
            hamkari_http::auth::ensure_admin(&db, &email, &password, false)?;
            println!("Administrator {email} created.");
        }
        Command::Serve => {
            init_logging(cli.log_format);
            let admin = match admin_from_env() {
                Some((email, password)) => AdminBootstrap::Given { email, password },
                None => AdminBootstrap::Generate,
            };
            let bind = cli.bind.clone();
            let app = Application::build(settings(&cli, bind, admin)).await?;
            app.run_until_stopped().await?;
        }
        Command::SeedDemo => {
            init_logging(cli.log_format);
            // Without credentials, an empty database gets admin@localhost with a password
            // printed here; any other administrator must be named in the environment.
            let (email, password, generated) = match admin_from_env() {
                Some((email, password)) => (email, password, false),
                None => (
                    "admin@localhost".to_owned(),
                    hamkari_http::auth::generated_password().expose().to_owned(),
                    true,
                ),
            };
            let admin = AdminBootstrap::Given {
                email: email.clone(),
                password: password.clone(),
            };
            // A short-lived server of its own: nothing to scrape.
            let settings = Settings {
                metrics_bind: None,
                ..settings(&cli, "127.0.0.1:0".into(), admin)
            };
            let app = Application::build(settings).await?;
            let base = format!("http://127.0.0.1:{}", app.port());
            let handle = app.handle();
            let server = actix_web::rt::spawn(app.run_until_stopped());
            let outcome = seed_demo::seed(&base, &email, &password).await;
            handle.stop(true).await;
            server.await??;
            let summary = outcome?;
            println!(
                "Demo data loaded: {} organizations, {} members, {} memberships, {} projects, {} working groups, {} capacities.",
                summary.organizations,
                summary.members,
                summary.memberships,
                summary.projects,
                summary.working_groups,
                summary.capacities
            );
            if generated {
                println!("Log in as {email} with the password {password}");
            }
        }
    }
    Ok(())
}

/// `HAMKARI_ADMIN_EMAIL` and `HAMKARI_ADMIN_PASSWORD`, when both are set.
fn admin_from_env() -> Option<(String, String)> {
    match (
        std::env::var("HAMKARI_ADMIN_EMAIL"),
        std::env::var("HAMKARI_ADMIN_PASSWORD"),
    ) {
        (Ok(email), Ok(password)) if !email.is_empty() && !password.is_empty() => Some((email, password)),
        _ => None,
    }
}

/// The SQLite file behind `database_url`; PostgreSQL has tools of its own for this.
fn sqlite_path(database_url: &str, postgres_tool: &str) -> anyhow::Result<std::path::PathBuf> {
    match Backend::from_url(database_url) {
        Backend::Sqlite { path } => Ok(path),
        Backend::Postgres { .. } => {
            anyhow::bail!("on PostgreSQL use {postgres_tool} (see the README's Operating notes)")
        }
    }
}

/// The server settings the command line and environment describe.
fn settings(cli: &Cli, bind: String, admin: AdminBootstrap) -> Settings {
    Settings {
        bind,
        database_url: cli.database_url.clone(),
        pool: PoolSettings {
            max_size: cli
                .pool_size
                .unwrap_or_else(|| PoolSettings::default_size(&Backend::from_url(&cli.database_url)))
                .max(1),
            connection_timeout: Duration::from_secs(cli.db_timeout_secs.max(1)),
        },
        workers: cli.workers,
        migrate: true,
        jwt_secret: cli.jwt_secret.clone(),
        token_key: cli.token_key.clone(),
        admin,
        hash_concurrency: cli.hash_concurrency,
        login_limits: LoginLimits {
            per_account: cli.login_failures_per_account.max(1),
            per_address: cli.login_failures_per_address.max(1),
        },
        audit_retention_days: cli.audit_retention_days.max(1),
        metrics_bind: cli.metrics_bind.clone().filter(|bind| !bind.is_empty()),
        min_date: cli.min_date,
        rate_limit: RateLimits {
            requests: cli.rate_limit_requests,
            window: Duration::from_secs(cli.rate_limit_window_secs.max(1)),
        },
        shutdown_grace: Duration::from_secs(cli.shutdown_grace_secs.max(1)),
        import_limits: ImportLimits {
            max_bytes: cli.import_max_bytes.max(1),
            max_rows: cli.import_max_rows.max(1),
        },
        webhooks: hamkari_http::webhook_worker::WebhookSettings {
            allow_private: cli.webhook_allow_private,
            retry_base: Duration::from_millis(cli.webhook_retry_base_ms.max(1)),
            max_attempts: cli.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(cli.webhook_timeout_secs.max(1)),
            ..Default::default()
        },
    }
}

/// One line from stdin, without its line ending.
fn read_password() -> anyhow::Result<String> {
    eprintln!("Password for the new administrator (12 or more characters), then Enter:");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
