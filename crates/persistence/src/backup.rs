//! Copies of a live SQLite database, through SQLite's online backup API.
//!
//! The backup API copies pages as they are, so FTS5 row ids survive (a `VACUUM`, and so
//! `VACUUM INTO`, may renumber them), and a copy taken while the server writes is one
//! consistent snapshot: a page changed mid-copy makes SQLite restart the copy.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0} exists; choose a new file")]
    TargetExists(String),
    #[error("the copy differs from the database: {0}")]
    Mismatch(String),
    #[error("{0} already holds data ({1} rows); pass --force to overwrite it")]
    NotEmpty(String, i64),
}

/// Rows per table (FTS5 shadow tables included), for comparing a copy with its source.
pub type RowCounts = BTreeMap<String, i64>;

/// Copies the database at `from` into the new file `to`, then checks that the copy opens and
/// holds as many rows per table as the source did at the moment of the copy.
pub fn backup(from: &Path, to: &Path) -> Result<RowCounts, BackupError> {
    if to.exists() {
        return Err(BackupError::TargetExists(to.display().to_string()));
    }
    let mut source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    source.busy_timeout(Duration::from_secs(5))?;
    let mut target = Connection::open(to)?;
    // A read transaction pins the snapshot the counts are taken from; the backup, on the same
    // connection, reads that same snapshot, whatever the server commits meanwhile.
    let snapshot = source.transaction()?;
    let counts = row_counts(&snapshot)?;
    {
        // All pages in one step: the whole copy is taken within the pinned snapshot.
        let copy = Backup::new(&snapshot, &mut target)?;
        loop {
            match copy.step(-1)? {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    snapshot.finish()?;
    drop(target);
    verify(to, &counts)?;
    Ok(counts)
}

/// Replaces the database at `to` with the copy at `from`; refuses a database holding any
/// rows unless `force`.
pub fn restore(from: &Path, to: &Path, force: bool) -> Result<RowCounts, BackupError> {
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let counts = row_counts(&source)?;
    let mut target = Connection::open(to)?;
    target.busy_timeout(Duration::from_secs(5))?;
    // Migrations alone make a database that holds nothing yet.
    let held: i64 = row_counts(&target)?
        .iter()
        .filter(|(table, _)| table.as_str() != "__diesel_schema_migrations")
        .map(|(_, count)| count)
        .sum();
    if held > 0 && !force {
        return Err(BackupError::NotEmpty(to.display().to_string(), held));
    }
    target.restore(rusqlite::MAIN_DB, from, None::<fn(rusqlite::backup::Progress)>)?;
    drop(target);
    verify(to, &counts)?;
    Ok(counts)
}

fn verify(path: &Path, expected: &RowCounts) -> Result<(), BackupError> {
    let copy = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(BackupError::Mismatch(check));
    }
    let found = row_counts(&copy)?;
    if &found != expected {
        let differing: Vec<String> = expected
            .iter()
            .filter(|(table, count)| found.get(*table) != Some(count))
            .map(|(table, count)| format!("{table}: {count} vs {}", found.get(table).copied().unwrap_or(0)))
            .collect();
        return Err(BackupError::Mismatch(differing.join(", ")));
    }
    Ok(())
}

fn row_counts(conn: &Connection) -> Result<RowCounts, rusqlite::Error> {
    // Virtual tables are counted through their shadow tables, which are ordinary ones.
    let mut tables = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
    )?;
    let names: Vec<String> = tables.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut counts = RowCounts::new();
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let count: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| r.get(0))?;
        counts.insert(name, count);
    }
    Ok(counts)
}
