//! The PostgreSQL and SQLite migrations describe the same schema: both are read back from a
//! migrated database and compared with one committed description, `tests/api/schema.txt`.
//! Each backend's run checks its own side, so together they check that the two agree.
//! After changing migrations, regenerate it with `HAMKARI_BLESS_SCHEMA=1 cargo test schema`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{sql_query, PgConnection, SqliteConnection};

use crate::helpers::TestDb;

/// Objects that exist on one backend by design: SQLite's FTS5 search tables and
/// PostgreSQL's trigram indexes do the same job differently.
fn backend_specific(name: &str) -> bool {
    name.contains("_fts") || name.ends_with("_trgm") || name.starts_with("sqlite_") || name.starts_with("__diesel")
}

fn normalize_type(raw: &str) -> &'static str {
    match raw.to_ascii_lowercase().as_str() {
        "uuid" | "text" => "text",
        "bigint" | "integer" | "int8" | "int4" => "integer",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "date" => "date",
        "boolean" | "bool" => "boolean",
        _ => "other",
    }
}

#[derive(Default)]
struct Table {
    columns: Vec<String>,
    indexes: Vec<String>,
    foreign_keys: Vec<String>,
}

fn render(tables: BTreeMap<String, Table>) -> String {
    let mut out = String::new();
    for (name, mut table) in tables {
        table.columns.sort();
        table.indexes.sort();
        table.foreign_keys.sort();
        out.push_str(&format!("table {name}\n"));
        for line in table.columns.iter().chain(&table.indexes).chain(&table.foreign_keys) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    kind: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    unique: i64,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Text)]
    to: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

fn sqlite_schema(path: &str) -> BTreeMap<String, Table> {
    let mut conn = SqliteConnection::establish(path).unwrap();
    let names: Vec<Name> = sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .load(&mut conn)
        .unwrap();
    let mut tables = BTreeMap::new();
    for Name { name } in names.into_iter().filter(|n| !backend_specific(&n.name)) {
        let mut table = Table::default();
        let columns: Vec<SqliteColumn> = sql_query(format!("PRAGMA table_info('{name}')"))
            .load(&mut conn)
            .unwrap();
        for c in columns {
            let null = if c.notnull == 1 || c.pk > 0 { "not null" } else { "null" };
            table
                .columns
                .push(format!("column {} {} {null}", c.name, normalize_type(&c.kind)));
        }
        let indexes: Vec<SqliteIndex> = sql_query(format!("PRAGMA index_list('{name}')"))
            .load(&mut conn)
            .unwrap();
        for index in indexes
            .into_iter()
            .filter(|i| i.origin != "pk" && !backend_specific(&i.name))
        {
            let cols: Vec<Name> = sql_query(format!(
                "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                index.name
            ))
            .load(&mut conn)
            .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|c| c.name).collect();
            let kind = if index.unique == 1 { "unique" } else { "index" };
            table
                .indexes
                .push(format!("{kind} {} ({})", index.name, cols.join(", ")));
        }
        let fks: Vec<SqliteForeignKey> = sql_query(format!("PRAGMA foreign_key_list('{name}')"))
            .load(&mut conn)
            .unwrap();
        for fk in fks {
            table.foreign_keys.push(format!(
                "foreign key {} -> {}({}) on delete {}",
                fk.from,
                fk.table,
                fk.to,
                fk.on_delete.to_ascii_lowercase()
            ));
        }
        tables.insert(name, table);
    }
    tables
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_unique: bool,
    #[diesel(sql_type = Text)]
    columns: String,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    target_table: String,
    #[diesel(sql_type = Text)]
    target_column: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

fn postgres_schema(url: &str) -> BTreeMap<String, Table> {
    let mut conn = PgConnection::establish(url).unwrap();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let columns: Vec<PgColumn> = sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    for c in columns.into_iter().filter(|c| !backend_specific(&c.table_name)) {
        let null = if c.is_nullable == "YES" { "null" } else { "not null" };
        tables.entry(c.table_name).or_default().columns.push(format!(
            "column {} {} {null}",
            c.column_name,
            normalize_type(&c.data_type)
        ));
    }
    let indexes: Vec<PgIndex> = sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
                string_agg(a.attname, ', ' ORDER BY k.ord)::text AS columns
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE n.nspname = 'public' AND NOT ix.indisprimary
         GROUP BY t.relname, i.relname, ix.indisunique",
    )
    .load(&mut conn)
    .unwrap();
    for index in indexes
        .into_iter()
        .filter(|i| !backend_specific(&i.index_name) && !backend_specific(&i.table_name))
    {
        let kind = if index.is_unique { "unique" } else { "index" };
        tables
            .entry(index.table_name)
            .or_default()
            .indexes
            .push(format!("{kind} {} ({})", index.index_name, index.columns));
    }
    let fks: Vec<PgForeignKey> = sql_query(
        "SELECT t.relname::text AS table_name, a.attname::text AS column_name,
                ft.relname::text AS target_table, fa.attname::text AS target_column,
                CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'r' THEN 'restrict'
                     WHEN 'd' THEN 'set default' ELSE 'no action' END AS on_delete
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_class ft ON ft.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, fcol)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
         JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fcol
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    for fk in fks {
        tables.entry(fk.table_name).or_default().foreign_keys.push(format!(
            "foreign key {} -> {}({}) on delete {}",
            fk.column_name, fk.target_table, fk.target_column, fk.on_delete
        ));
    }
    tables
}

#[tokio::test]
async fn migrations_match_the_committed_schema() {
    let db = TestDb::create();
    let backend = hamkari_persistence::Backend::from_url(db.url());
    hamkari_persistence::migrations::run_pending(&backend).expect("migrations run");
    let actual = match &backend {
        hamkari_persistence::Backend::Postgres { .. } => render(postgres_schema(db.url())),
        hamkari_persistence::Backend::Sqlite { path } => render(sqlite_schema(path.to_str().unwrap())),
    };
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/schema.txt");
    if std::env::var_os("HAMKARI_BLESS_SCHEMA").is_some() {
        std::fs::write(snapshot, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(snapshot).expect("tests/api/schema.txt exists");
    assert!(
        actual == expected,
        "the {} schema differs from tests/api/schema.txt:\n--- actual\n{actual}\n--- expected\n{expected}",
        if backend.is_postgres() { "PostgreSQL" } else { "SQLite" }
    );
    // A second run has nothing to do.
    assert!(hamkari_persistence::migrations::run_pending(&backend)
        .unwrap()
        .is_empty());
}
