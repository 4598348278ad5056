//! The connection enum over both backends, and how a URL picks one.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

/// How long a PostgreSQL connection attempt may take before the pool gives up on it.
const PG_CONNECT_TIMEOUT_SECS: u32 = 3;

impl Backend {
    /// `postgres://…` and `postgresql://…` are PostgreSQL; anything else is a SQLite path,
    /// with an optional `sqlite://` or `sqlite:` prefix.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::Postgres {
                url: with_connect_timeout(url),
            };
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self::Sqlite {
            path: PathBuf::from(path),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Opens one connection, configured for how hamkari uses it.
    pub fn connect(&self) -> ConnectionResult<DbConnection> {
        match self {
            Self::Postgres { url } => PgConnection::establish(url).map(DbConnection::Pg),
            Self::Sqlite { path } => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        ConnectionError::BadConnection(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                let path = path.to_str().ok_or_else(|| {
                    ConnectionError::InvalidConnectionUrl("the SQLite path must be valid UTF-8".into())
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                configure_sqlite(&mut conn).map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Postgres { url } => redact_password(url),
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
        }
    }
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

/// busy_timeout makes writers queue instead of failing; FULL sync so an acknowledged write
/// survives a power cut; WAL lets readers run beside the writer. WAL is a property of the
/// file, so it is switched on only when missing: the switch needs a lock that connections
/// opening together would fight over.
fn configure_sqlite(conn: &mut SqliteConnection) -> QueryResult<()> {
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode").get_result(conn)?;
    if !mode.journal_mode.eq_ignore_ascii_case("wal") {
        conn.batch_execute("PRAGMA journal_mode = WAL")?;
    }
    Ok(())
}

/// libpq waits for the OS default (minutes) on an unreachable host; a request must not.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert!(Backend::from_url("postgres://u@h/db").is_postgres());
        assert!(Backend::from_url("postgresql://u@h/db").is_postgres());
        assert_eq!(
            Backend::from_url("sqlite://data/x.db"),
            Backend::Sqlite {
                path: "data/x.db".into()
            }
        );
        assert_eq!(Backend::from_url("x.db"), Backend::Sqlite { path: "x.db".into() });
    }

    #[test]
    fn connect_timeout_added_once() {
        let Backend::Postgres { url } = Backend::from_url("postgres://h/db?sslmode=require") else {
            panic!("not postgres")
        };
        assert_eq!(url, "postgres://h/db?sslmode=require&connect_timeout=3");
        let Backend::Postgres { url } = Backend::from_url("postgres://h/db?connect_timeout=9") else {
            panic!("not postgres")
        };
        assert_eq!(url, "postgres://h/db?connect_timeout=9");
    }

    #[test]
    fn passwords_redacted() {
        assert_eq!(redact_password("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
    }
}
