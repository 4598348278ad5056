//! Write transactions that behave the same on both backends.

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use crate::connection::DbConnection;
use crate::error::DbError;

type Manager = <DbConnection as Connection>::TransactionManager;

/// Runs `body` in a transaction meant to write.
///
/// On SQLite it starts with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
/// writes can fail at once with "database is locked" when another writer got there first,
/// whereas an immediate one waits its turn under `busy_timeout`.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    body: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    let begun = match conn {
        DbConnection::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE"),
        DbConnection::Pg(_) => Manager::begin_transaction(conn),
    };
    begun.map_err(|e| E::from(DbError::from(e)))?;
    match body(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(|e| E::from(DbError::from(e)))?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}
