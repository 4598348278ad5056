//! Fresh databases for a run: a temporary SQLite file, or databases created (and dropped
//! afterwards) on a PostgreSQL server.

use std::path::Path;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// A database that exists for one run.
pub struct Fresh {
    pub url: String,
    pub backend: &'static str,
    /// The server URL and database name to drop afterwards (PostgreSQL only).
    drop_on: Option<(String, String)>,
}

/// `server_url` with its database replaced by `name` (keeping any `?query`).
pub fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = server_url
        .split_once('?')
        .map_or((server_url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl Fresh {
    pub fn sqlite(dir: &Path, name: &str) -> Self {
        Self {
            url: format!("sqlite://{}", dir.join(name).display()),
            backend: "sqlite",
            drop_on: None,
        }
    }

    /// Creates database `name` on the server `server_url` points at, dropping any leftover.
    pub fn postgres(server_url: &str, name: &str) -> anyhow::Result<Self> {
        let mut conn = PgConnection::establish(server_url).context("connecting to --postgres")?;
        // Separate statements: several in one string run as one transaction, which
        // DROP DATABASE refuses.
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(name)))?;
        conn.batch_execute(&format!("CREATE DATABASE {}", quoted(name)))?;
        Ok(Self {
            url: with_database(server_url, name),
            backend: "postgres",
            drop_on: Some((server_url.to_owned(), name.to_owned())),
        })
    }
}

/// `name` as a quoted identifier: it comes from `--tag`, which may hold `-` or capitals.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.drop_on {
            let dropped = PgConnection::establish(server)
                .map_err(anyhow::Error::from)
                .and_then(|mut c| {
                    Ok(c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(name)))?)
                });
            if let Err(error) = dropped {
                eprintln!("could not drop {name}: {error}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "b"),
            "postgres://u@h:5432/b"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "b"),
            "postgres://u:p@h/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5432", "b"), "postgres://h:5432/b");
    }
}
