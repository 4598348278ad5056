//! Query plans at scale, checked rather than hoped for: 100,000 members on PostgreSQL, and
//! `EXPLAIN (FORMAT JSON)` of the member search, the members of an organization and the
//! shared members must use their indexes, with no sequential scan of a big table and no
//! sort over a whole organization. Ignored by default (loading takes a while); the bench
//! flow runs it (bench/README.md):
//!
//! `HAMKARI_TEST_DATABASE_URL=postgres://… cargo test --release --test api -- --ignored query_plans`
//!
//! The statements are the shapes `hamkari_persistence` sends (members.rs, member_search.rs,
//! shared_members.rs); a change there that changes a shape belongs here too.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use hamkari_domain::text::{collation_key, search_key};
use hamkari_persistence::DbConnection;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::TestDb;

const MEMBERS: usize = 100_000;
const ORGANIZATIONS: usize = 100;
const FIRST: [&str; 24] = [
    "علی",
    "محمد",
    "حسین",
    "رضا",
    "مهدی",
    "امیر",
    "سعید",
    "حمید",
    "مریم",
    "زهرا",
    "فاطمه",
    "نرگس",
    "لیلا",
    "سارا",
    "شیرین",
    "مینا",
    "یوسف",
    "جواد",
    "ناصر",
    "فرهاد",
    "پیمان",
    "کامران",
    "داریوش",
    "هادی",
];
const LAST: [&str; 24] = [
    "احمدی",
    "رضایی",
    "محمدی",
    "حسینی",
    "کریمی",
    "موسوی",
    "جعفری",
    "کاظمی",
    "رحیمی",
    "صادقی",
    "قاسمی",
    "نوری",
    "یزدانی",
    "شریفی",
    "طاهری",
    "نجفی",
    "اکبری",
    "سلیمانی",
    "عباسی",
    "بهرامی",
    "فرهادی",
    "کرمانی",
    "تهرانی",
    "شیرازی",
];
const ENDINGS: [&str; 4] = ["", "زاده", "پور", "نژاد"];

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Organizations, members (a full name repeats ~40 times, as at a million in life) and
/// 1.5 memberships each (one in five ended), in multi-row INSERTs; returns the
/// organization ids and one full name.
fn load(conn: &mut DbConnection) -> (Vec<Uuid>, String) {
    let now = Utc::now().naive_utc();
    let organizations: Vec<Uuid> = (0..ORGANIZATIONS).map(|_| Uuid::now_v7()).collect();
    let mut sql = String::from("BEGIN;\n");
    for (i, id) in organizations.iter().enumerate() {
        let name = format!("انجمن {}", i + 1);
        let _ = writeln!(
            sql,
            "INSERT INTO organizations (id, name, slug, kind, name_key, search_key, name_sort, created_at, updated_at, version) \
             VALUES ('{id}', {n}, 'org-{i}', 'association', {k}, {k}, {s}, '{now}', '{now}', 1);",
            n = quote(&name),
            k = quote(&search_key(&name)),
            s = quote(&collation_key(&name)),
        );
    }
    conn.batch_execute(&sql).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    };
    let mut some_name = String::new();
    for chunk in 0..MEMBERS / 1000 {
        let (mut members, mut memberships) = (Vec::new(), Vec::new());
        for i in 0..1000 {
            let index = chunk * 1000 + i;
            let name = format!(
                "{} {}{}",
                FIRST[next(FIRST.len())],
                LAST[next(LAST.len())],
                ENDINGS[next(ENDINGS.len())]
            );
            if index == MEMBERS / 2 {
                some_name = name.clone();
            }
            let id = Uuid::now_v7();
            let created = now - Duration::milliseconds((MEMBERS - index) as i64);
            members.push(format!(
                "('{id}', {}, {}, {}, '{created}', '{created}', 1)",
                quote(&name),
                quote(&search_key(&name)),
                quote(&collation_key(&name))
            ));
            let first = next(ORGANIZATIONS);
            let mut orgs = vec![first];
            if next(2) == 0 {
                orgs.push((first + 1 + next(ORGANIZATIONS - 1)) % ORGANIZATIONS);
            }
            for org in orgs {
                let started = NaiveDate::from_ymd_opt(2000 + next(26) as i32, 1, 1).unwrap();
                let ended = match next(5) {
                    0 => format!("'{}'", started + Duration::days(400)),
                    _ => "NULL".into(),
                };
                memberships.push(format!(
                    "('{}', '{id}', '{}', 'member', '{started}', {ended}, '{now}', '{now}', 1, '{created}')",
                    Uuid::now_v7(),
                    organizations[org]
                ));
            }
        }
        conn.batch_execute(&format!(
            "INSERT INTO members (id, full_name, search_key, full_name_sort, created_at, updated_at, version) VALUES {};\n\
             INSERT INTO memberships (id, member_id, organization_id, role, started_on, ended_on, created_at, updated_at, version, member_created_at) VALUES {};",
            members.join(",\n"),
            memberships.join(",\n")
        ))
        .unwrap();
    }
    conn.batch_execute("COMMIT").unwrap();
    // Separately: several statements in one string run as one transaction, which VACUUM
    // refuses. The visibility map it sets is what lets index-only scans skip the rows.
    conn.batch_execute("VACUUM ANALYZE").unwrap();
    (organizations, some_name)
}

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

/// The plan of `statement`, its nodes flattened as (node type, relation, index, rows).
fn explain(conn: &mut DbConnection, statement: &str) -> (Vec<Value>, String) {
    let DbConnection::Pg(pg) = conn else {
        unreachable!("checked by the caller")
    };
    let rows: Vec<Plan> = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {statement}"))
        .load(pg)
        .unwrap();
    let text = rows.into_iter().map(|r| r.plan).collect::<String>();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut nodes = Vec::new();
    let mut stack = vec![json[0]["Plan"].clone()];
    while let Some(node) = stack.pop() {
        if let Some(children) = node["Plans"].as_array() {
            stack.extend(children.iter().cloned());
        }
        nodes.push(node);
    }
    (nodes, text)
}

/// "Limit > Unique > Index Only Scan (an_index)": the nodes, outermost first.
fn summary(nodes: &[Value]) -> String {
    let names: Vec<String> = nodes
        .iter()
        .map(|n| match n["Index Name"].as_str() {
            Some(index) => format!("{} ({index})", n["Node Type"].as_str().unwrap_or_default()),
            None => n["Node Type"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    names.join(" > ")
}

/// Asserts that `statement` uses every index in `indexes`, sorts at most `sort_limit` rows
/// and scans no table sequentially.
fn check(conn: &mut DbConnection, what: &str, statement: &str, indexes: &[&str], sort_limit: f64) {
    let (nodes, text) = explain(conn, statement);
    let used: Vec<&str> = nodes.iter().filter_map(|n| n["Index Name"].as_str()).collect();
    eprintln!("{what}: {}", summary(&nodes));
    for index in indexes {
        assert!(used.contains(index), "{what}: {index} is not used\n{text}");
    }
    for node in &nodes {
        let kind = node["Node Type"].as_str().unwrap_or_default();
        assert_ne!(kind, "Seq Scan", "{what}: a sequential scan\n{text}");
        if kind == "Sort" {
            let rows = node["Plan Rows"].as_f64().unwrap_or(f64::MAX);
            assert!(rows <= sort_limit, "{what}: a sort of {rows} rows\n{text}");
        }
    }
}

#[test]
#[ignore = "loads 100,000 members on PostgreSQL: run in the bench flow (bench/README.md)"]
fn query_plans_at_100k_members() {
    let db = TestDb::create();
    assert!(
        db.is_postgres(),
        "set HAMKARI_TEST_DATABASE_URL to a PostgreSQL server: these are PostgreSQL's plans"
    );
    let backend = hamkari_persistence::Backend::from_url(db.url());
    hamkari_persistence::migrations::run_pending(&backend).unwrap();
    let mut conn = db.connect();
    let started = Instant::now();
    let (organizations, name) = load(&mut conn);
    eprintln!("loaded {MEMBERS} members in {:.1} s", started.elapsed().as_secs_f64());
    let (org, other) = (organizations[0], organizations[1]);
    let key = search_key(&name);
    let (first, rest) = key.split_once(' ').unwrap();

    // (The vocabulary lookup before it reads a table of distinct words: small, so not checked.)
    let from = format!("{first} {rest}");
    check(
        &mut conn,
        "search",
        &format!(
            "SELECT member_search_tails.member_created_at, member_search_tails.member_id \
             FROM member_search_tails WHERE member_search_tails.tail >= {f} AND member_search_tails.tail < {t} LIMIT 2001",
            f = quote(&from),
            t = quote(&format!("{from}\u{10FFFF}")),
        ),
        &["member_search_tails_tail_idx"],
        0.0,
    );
    // The page's matches come from index entries alone (the server sorts them); only its
    // members' rows are read.
    let (nodes, text) = explain(
        &mut conn,
        &format!(
            "SELECT member_search_tails.member_created_at, member_search_tails.member_id \
             FROM member_search_tails WHERE member_search_tails.tail >= {f} AND member_search_tails.tail < {t} LIMIT 2001",
            f = quote(&from),
            t = quote(&format!("{from}\u{10FFFF}")),
        ),
    );
    assert!(
        nodes
            .iter()
            .filter(|n| n["Relation Name"] == "member_search_tails")
            .all(|n| n["Node Type"] == "Index Only Scan"),
        "search: the tails' rows were read\n{text}"
    );
    check(
        &mut conn,
        "members of an organization",
        &format!(
            "SELECT members.* FROM members WHERE members.id IN (SELECT page.member_id FROM \
             (SELECT DISTINCT memberships.member_created_at, memberships.member_id FROM memberships \
             WHERE memberships.organization_id = '{org}' ORDER BY memberships.member_created_at ASC, \
             memberships.member_id ASC LIMIT 51) AS page)"
        ),
        &["memberships_organization_member_created_idx", "members_pkey"],
        0.0,
    );
    check(
        &mut conn,
        "memberships of an organization",
        &format!(
            "SELECT memberships.id FROM memberships JOIN members ON members.id = memberships.member_id \
             JOIN organizations ON organizations.id = memberships.organization_id WHERE memberships.organization_id = '{org}' ORDER BY memberships.created_at, memberships.id LIMIT 51"
        ),
        &["memberships_organization_created_idx"],
        0.0,
    );
    let today = Utc::now().date_naive();
    let (nodes, text) = explain(
        &mut conn,
        &format!(
            "SELECT DISTINCT memberships.member_id FROM memberships WHERE memberships.organization_id = '{org}' \
             AND memberships.started_on <= '{today}' AND (memberships.ended_on IS NULL OR memberships.ended_on >= '{today}') \
             AND EXISTS (SELECT 1 FROM memberships other WHERE other.member_id = memberships.member_id \
             AND other.organization_id = '{other}' AND other.started_on <= '{today}' \
             AND (other.ended_on IS NULL OR other.ended_on >= '{today}')) \
             ORDER BY memberships.member_id LIMIT 51"
        ),
    );
    eprintln!("shared members: {}", summary(&nodes));
    for node in &nodes {
        assert_ne!(
            node["Node Type"], "Seq Scan",
            "shared members: a sequential scan\n{text}"
        );
        assert_ne!(node["Node Type"], "Sort", "shared members: a sort\n{text}");
        // `ended_on` is in both indexes: whether a membership is current is decided there.
        if node["Relation Name"] == "memberships" {
            assert_eq!(
                node["Node Type"], "Index Only Scan",
                "shared members: rows read\n{text}"
            );
        }
    }
}
