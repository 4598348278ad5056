//! SQLite's plans for the statements whose form was chosen for SQLite's planner
//! (bench/README.md, log): shared members merge the organizations' ordered index entries
//! (one pass over each, not one search per membership), and an organization's members come
//! from the memberships index and then the members' primary key. These choices follow from
//! the statement's form and the indexes, so an empty migrated file shows them; the 1m file
//! of the bench gives the same plans.
//!
//! The statements are the shapes `hamkari_persistence` sends (members/list.rs,
//! shared_members.rs); a change there that changes a shape belongs here too. SQLite runs
//! in this process whichever backend the other tests use, so this runs in both passes.

use diesel::prelude::*;
use diesel::sql_types::Text;
use hamkari_persistence::DbConnection;

use crate::helpers::TestDb;

const FIRST: &str = "01a241d7-0dfb-74af-ae7e-942b44f3c8d9";
const SECOND: &str = "01a241d7-0dfb-74af-ae7e-96688aa44187";
const DAY: &str = "2026-12-04";

#[derive(QueryableByName)]
struct Step {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The `detail` of each step of `EXPLAIN QUERY PLAN`, outermost first.
fn plan(statement: &str) -> Vec<String> {
    let db = TestDb::sqlite();
    hamkari_persistence::migrations::run_pending(&hamkari_persistence::Backend::from_url(db.url())).unwrap();
    let DbConnection::Sqlite(mut lite) = db.connect() else {
        unreachable!("TestDb::sqlite is a SQLite file")
    };
    let steps: Vec<Step> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {statement}"))
        .load(&mut lite)
        .unwrap();
    steps.into_iter().map(|s| s.detail).collect()
}

/// One organization's current members in member order, as `shared_members::current_in`
/// writes it.
fn current_members(organization: &str) -> String {
    format!(
        "SELECT memberships.member_id FROM memberships WHERE memberships.organization_id = '{organization}' \
         AND memberships.started_on <= '{DAY}' AND (memberships.ended_on IS NULL OR memberships.ended_on >= '{DAY}') \
         AND memberships.member_id > '{FIRST}'"
    )
}

#[test]
fn shared_members_merge_the_organizations_index_entries() {
    let steps = plan(&format!(
        "SELECT members.id FROM members WHERE members.id IN ({} INTERSECT {} ORDER BY member_id LIMIT 51)",
        current_members(FIRST),
        current_members(SECOND)
    ));
    assert!(steps.iter().any(|s| s == "MERGE (INTERSECT)"), "no merge: {steps:#?}");
    let arms = steps
        .iter()
        .filter(|s| s.starts_with("SEARCH memberships USING COVERING INDEX memberships_organization_idx"))
        .count();
    assert_eq!(arms, 2, "each organization's entries from the index alone: {steps:#?}");
    assert!(
        !steps.iter().any(|s| s.starts_with("SCAN") || s.contains("TEMP B-TREE")),
        "a scan or a sort: {steps:#?}"
    );
}

#[test]
fn an_organizations_members_come_from_the_memberships_index_then_by_id() {
    let steps = plan(&format!(
        "SELECT members.id, members.full_name FROM members WHERE members.id IN (SELECT page.member_id FROM \
         (SELECT DISTINCT memberships.member_created_at, memberships.member_id FROM memberships \
         WHERE memberships.organization_id = '{FIRST}' ORDER BY memberships.member_created_at ASC, \
         memberships.member_id ASC LIMIT 51) AS page)"
    ));
    assert!(
        steps.iter().any(|s| s.starts_with(
            "SEARCH memberships USING COVERING INDEX memberships_organization_member_created_idx (organization_id=?)"
        )),
        "the page not from the index: {steps:#?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("SEARCH members USING INDEX sqlite_autoindex_members_1 (id=?)")),
        "the members not by primary key: {steps:#?}"
    );
    assert!(
        !steps
            .iter()
            .any(|s| s.starts_with("SCAN members") || s.contains("TEMP B-TREE")),
        "a scan of the members or a sort: {steps:#?}"
    );
}
