//! Embedded migrations for both backends, run under an advisory lock on PostgreSQL so that
//! several instances starting together do not race.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::{Backend, DbConnection};
use crate::rekey;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Chosen once; any constant works as long as every instance uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x0068_616d_6b61_7269; // "hamkari" in ASCII

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("migration failed: {0}")]
    Run(String),
}

/// Applies every pending migration, then rebuilds stored keys computed by older rules
/// ([`crate::rekey`]); returns the versions applied.
pub fn run_pending(backend: &Backend) -> Result<Vec<String>, MigrationError> {
    let mut conn = backend.connect()?;
    let run = |e: diesel::result::Error| MigrationError::Run(e.to_string());
    if let DbConnection::Pg(pg) = &mut conn {
        pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .map_err(run)?;
    }
    // The rebuild runs under the lock too, so that instances starting together do it once.
    let result = migrate_and_rekey(&mut conn);
    if let DbConnection::Pg(pg) = &mut conn {
        let unlocked = pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
        let applied = result?;
        unlocked.map_err(run)?;
        return Ok(applied);
    }
    result
}

fn migrate_and_rekey(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConnection::Pg(pg) => pg.run_pending_migrations(POSTGRES).map(versions),
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(versions),
    }
    .map_err(|e| MigrationError::Run(e.to_string()))?;
    rekey::run(conn).map_err(|e| MigrationError::Run(format!("rebuilding stored keys: {e}")))?;
    Ok(applied)
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.into_iter().map(|v| v.to_string()).collect()
}
