//! A nested transaction (a savepoint inside the caller's): when `body` fails, only what it
//! did is undone and the outer transaction stays usable, on PostgreSQL too.

use diesel::Connection;

use crate::connection::DbConnection;
use crate::error::DbError;

enum Failed<E> {
    Body(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Failed<E> {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(err)
    }
}

pub fn savepoint<T, E: From<DbError>>(
    conn: &mut DbConnection,
    body: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction::<T, Failed<E>, _>(|conn| body(conn).map_err(Failed::Body))
        .map_err(|failed| match failed {
            Failed::Body(err) => err,
            Failed::Db(err) => E::from(DbError::from(err)),
        })
}
