//! TLS to PostgreSQL: `sslmode=require` in the URL gives an encrypted connection.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::helpers::{TestApp, TestDb};

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

#[tokio::test]
#[ignore = "needs PostgreSQL with TLS: set HAMKARI_TEST_DATABASE_URL and pass --include-ignored"]
async fn sslmode_require_gives_an_encrypted_connection() {
    let db = TestDb::create();
    assert!(db.is_postgres(), "set HAMKARI_TEST_DATABASE_URL to a PostgreSQL server");
    let sep = if db.url().contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}sslmode=require", db.url());
    let mut conn = hamkari_persistence::Backend::from_url(&url)
        .connect()
        .expect("a TLS connection");
    let ssl: Ssl = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut conn)
        .unwrap();
    assert!(ssl.ssl, "the connection is not encrypted");
    // And the whole application runs over it.
    let app = TestApp::spawn_with(db, url, |_| {}).await;
    assert_eq!(app.get("/health/ready").await.status(), reqwest::StatusCode::OK);
}
