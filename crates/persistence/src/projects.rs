//! Joint project queries: projects, their organizations and status history (the team is
//! a [`crate::roster`]).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::project::{ParticipantRole, Project, ProjectKind, ProjectStatus};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{
    api_tokens, organizations, project_members, project_organizations, project_transitions, projects, users,
};
use crate::search;
use crate::sql_types::Id;

type Row = (
    Id,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    NaiveDateTime,
    NaiveDateTime,
    i64,
    Option<String>,
    Option<String>,
    Option<Id>,
);

type Columns = (
    projects::id,
    projects::title,
    projects::title_en,
    projects::kind,
    projects::summary,
    projects::status,
    projects::starts_on,
    projects::ends_on,
    projects::created_at,
    projects::updated_at,
    projects::version,
    projects::created_by,
    projects::updated_by,
    projects::agreement_id,
);

const COLUMNS: Columns = (
    projects::id,
    projects::title,
    projects::title_en,
    projects::kind,
    projects::summary,
    projects::status,
    projects::starts_on,
    projects::ends_on,
    projects::created_at,
    projects::updated_at,
    projects::version,
    projects::created_by,
    projects::updated_by,
    projects::agreement_id,
);

fn parse<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, hamkari_domain::validation::FieldProblem>,
) -> Result<T, DbError> {
    parse(raw).map_err(|_| DbError::corrupt(format!("unexpected stored value {raw:?}")))
}

fn to_project(r: Row) -> Result<Project, DbError> {
    Ok(Project {
        id: r.0 .0,
        title: r.1,
        title_en: r.2,
        kind: parse(&r.3, ProjectKind::parse)?,
        summary: r.4,
        status: parse(&r.5, ProjectStatus::parse)?,
        starts_on: r.6,
        ends_on: r.7,
        created_at: r.8,
        updated_at: r.9,
        version: r.10,
        created_by: actors::read(r.11)?,
        updated_by: actors::read(r.12)?,
        agreement_id: r.13.map(|i| i.0),
    })
}

pub fn insert(conn: &mut DbConnection, p: &Project) -> Result<(), DbError> {
    diesel::insert_into(projects::table)
        .values((
            projects::id.eq(Id(p.id)),
            projects::title.eq(&p.title),
            projects::title_en.eq(&p.title_en),
            projects::kind.eq(p.kind.as_str()),
            projects::summary.eq(&p.summary),
            projects::status.eq(p.status.as_str()),
            projects::starts_on.eq(p.starts_on),
            projects::ends_on.eq(p.ends_on),
            projects::search_key.eq(p.search_key()),
            projects::created_at.eq(p.created_at),
            projects::updated_at.eq(p.updated_at),
            projects::version.eq(p.version),
            projects::created_by.eq(actors::stored(p.created_by)),
            projects::updated_by.eq(actors::stored(p.updated_by)),
            projects::agreement_id.eq(p.agreement_id.map(Id)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Project>, DbError> {
    projects::table
        .filter(projects::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(to_project)
        .transpose()
}

pub fn update(conn: &mut DbConnection, p: &Project, expected_version: i64) -> Result<bool, DbError> {
    let updated =
        diesel::update(projects::table.filter(projects::id.eq(Id(p.id)).and(projects::version.eq(expected_version))))
            .set((
                projects::title.eq(&p.title),
                projects::title_en.eq(&p.title_en),
                projects::kind.eq(p.kind.as_str()),
                projects::summary.eq(&p.summary),
                projects::status.eq(p.status.as_str()),
                projects::starts_on.eq(p.starts_on),
                projects::ends_on.eq(p.ends_on),
                projects::search_key.eq(p.search_key()),
                projects::updated_at.eq(p.updated_at),
                projects::version.eq(p.version),
                projects::updated_by.eq(actors::stored(p.updated_by)),
                projects::agreement_id.eq(p.agreement_id.map(Id)),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes the project with its organizations, team and history.
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    // The team goes first: its foreign key to the participants restricts their deletion.
    diesel::delete(project_members::table.filter(project_members::project_id.eq(Id(id)))).execute(conn)?;
    let deleted =
        diesel::delete(projects::table.filter(projects::id.eq(Id(id)).and(projects::version.eq(expected_version))))
            .execute(conn)?;
    Ok(deleted == 1)
}

/// An organization taking part, with its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub organization_id: Uuid,
    pub role: ParticipantRole,
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

pub fn participants(conn: &mut DbConnection, project: Uuid) -> Result<Vec<Participant>, DbError> {
    let rows: Vec<(Id, String, String, Option<String>, String)> = project_organizations::table
        .inner_join(organizations::table)
        .filter(project_organizations::project_id.eq(Id(project)))
        .select((
            project_organizations::organization_id,
            project_organizations::role,
            organizations::name,
            organizations::name_en,
            organizations::slug,
        ))
        .order(organizations::name.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Participant {
                organization_id: r.0 .0,
                role: parse(&r.1, ParticipantRole::parse)?,
                name: r.2,
                name_en: r.3,
                slug: r.4,
            })
        })
        .collect()
}

/// Adds an organization or changes its role.
pub fn set_participant(
    conn: &mut DbConnection,
    project: Uuid,
    organization: Uuid,
    role: ParticipantRole,
) -> Result<(), DbError> {
    let updated = diesel::update(
        project_organizations::table
            .filter(project_organizations::project_id.eq(Id(project)))
            .filter(project_organizations::organization_id.eq(Id(organization))),
    )
    .set(project_organizations::role.eq(role.as_str()))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(project_organizations::table)
            .values((
                project_organizations::project_id.eq(Id(project)),
                project_organizations::organization_id.eq(Id(organization)),
                project_organizations::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove_participant(conn: &mut DbConnection, project: Uuid, organization: Uuid) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        project_organizations::table
            .filter(project_organizations::project_id.eq(Id(project)))
            .filter(project_organizations::organization_id.eq(Id(organization))),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// One recorded status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub id: Uuid,
    pub from: ProjectStatus,
    pub to: ProjectStatus,
    pub reason: Option<String>,
    pub by_user: Option<Uuid>,
    pub by_token: Option<Uuid>,
    pub at: NaiveDateTime,
}

pub fn record_transition(conn: &mut DbConnection, project: Uuid, t: &Transition) -> Result<(), DbError> {
    diesel::insert_into(project_transitions::table)
        .values((
            project_transitions::id.eq(Id(t.id)),
            project_transitions::project_id.eq(Id(project)),
            project_transitions::from_status.eq(t.from.as_str()),
            project_transitions::to_status.eq(t.to.as_str()),
            project_transitions::reason.eq(&t.reason),
            project_transitions::by_user.eq(t.by_user.map(Id)),
            project_transitions::by_token.eq(t.by_token.map(Id)),
            project_transitions::at.eq(t.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` of a project's transitions after `after` (at, id), oldest first.
pub fn transitions(
    conn: &mut DbConnection,
    project: Uuid,
    after: Option<(NaiveDateTime, Uuid)>,
    limit: u32,
) -> Result<Page<Transition>, DbError> {
    type TransitionRow = (
        Id,
        String,
        String,
        Option<String>,
        Option<Id>,
        Option<Id>,
        NaiveDateTime,
    );
    let query = project_transitions::table
        .filter(project_transitions::project_id.eq(Id(project)))
        .select((
            project_transitions::id,
            project_transitions::from_status,
            project_transitions::to_status,
            project_transitions::reason,
            project_transitions::by_user,
            project_transitions::by_token,
            project_transitions::at,
        ))
        .into_boxed::<MultiBackend>();
    let rows: Vec<TransitionRow> = keyset!(
        query,
        project_transitions::at,
        project_transitions::id,
        Direction::Asc,
        after
    )
    .limit(i64::from(limit) + 1)
    .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(Transition {
                id: r.0 .0,
                from: parse(&r.1, ProjectStatus::parse)?,
                to: parse(&r.2, ProjectStatus::parse)?,
                reason: r.3,
                by_user: r.4.map(|i| i.0),
                by_token: r.5.map(|i| i.0),
                at: r.6,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Page::from_rows(items, limit))
}

/// The display names of these users and the names of these API tokens, by id; ids that
/// are gone are absent.
pub fn actor_names(
    conn: &mut DbConnection,
    user_ids: &[Uuid],
    token_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, DbError> {
    let mut names = std::collections::HashMap::new();
    if !user_ids.is_empty() {
        let rows: Vec<(Id, String)> = users::table
            .filter(users::id.eq_any(user_ids.iter().copied().map(Id).collect::<Vec<_>>()))
            .select((users::id, users::display_name))
            .load(conn)?;
        names.extend(rows.into_iter().map(|(id, name)| (id.0, name)));
    }
    if !token_ids.is_empty() {
        let rows: Vec<(Id, String)> = api_tokens::table
            .filter(api_tokens::id.eq_any(token_ids.iter().copied().map(Id).collect::<Vec<_>>()))
            .select((api_tokens::id, api_tokens::name))
            .load(conn)?;
        names.extend(rows.into_iter().map(|(id, name)| (id.0, name)));
    }
    Ok(names)
}

#[derive(Debug, Clone)]
pub struct ProjectFilter {
    pub kind: Option<ProjectKind>,
    pub status: Option<ProjectStatus>,
    pub organization_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub search: Option<String>,
    pub starts_after: Option<NaiveDate>,
    pub agreement_id: Option<Uuid>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, f: &ProjectFilter) -> Result<Page<Project>, DbError> {
    let mut query = projects::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(kind) = f.kind {
        query = query.filter(projects::kind.eq(kind.as_str()));
    }
    if let Some(status) = f.status {
        query = query.filter(projects::status.eq(status.as_str()));
    }
    if let Some(org) = f.organization_id {
        query = query.filter(search::linked_to(
            "projects",
            "project_organizations",
            "project_id",
            "organization_id",
            org,
        ));
    }
    if let Some(member) = f.member_id {
        query = query.filter(search::linked_to(
            "projects",
            "project_members",
            "project_id",
            "member_id",
            member,
        ));
    }
    if let Some(key) = f.search.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(search::contains(conn, "projects", key));
    }
    if let Some(day) = f.starts_after {
        query = query.filter(projects::starts_on.gt(day));
    }
    if let Some(agreement) = f.agreement_id {
        query = query.filter(projects::agreement_id.eq(Id(agreement)));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<Row> = keyset!(query, projects::created_at, projects::id, f.direction, after)
        .limit(i64::from(f.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_project).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}

/// The participants of several projects in one query, for a page of projects.
pub fn participants_of_many(
    conn: &mut DbConnection,
    projects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Participant>>, DbError> {
    let mut by_project: std::collections::HashMap<Uuid, Vec<Participant>> = std::collections::HashMap::new();
    if projects.is_empty() {
        return Ok(by_project);
    }
    type ParticipantRow = (Id, Id, String, String, Option<String>, String);
    let rows: Vec<ParticipantRow> = project_organizations::table
        .inner_join(organizations::table)
        .filter(project_organizations::project_id.eq_any(projects.iter().copied().map(Id).collect::<Vec<_>>()))
        .select((
            project_organizations::project_id,
            project_organizations::organization_id,
            project_organizations::role,
            organizations::name,
            organizations::name_en,
            organizations::slug,
        ))
        .order(organizations::name.asc())
        .load(conn)?;
    for r in rows {
        by_project.entry(r.0 .0).or_default().push(Participant {
            organization_id: r.1 .0,
            role: parse(&r.2, ParticipantRole::parse)?,
            name: r.3,
            name_en: r.4,
            slug: r.5,
        });
    }
    Ok(by_project)
}

/// Rewrites the stored keys of up to `limit` rows after `after` (in id order) that the
/// current rules would compute differently; see [`crate::rekey`].
pub(crate) fn rekey_batch(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::rekey::Batch, DbError> {
    let mut query = projects::table
        .select((COLUMNS, projects::search_key))
        .order(projects::id)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(projects::id.gt(Id(after)));
    }
    let rows: Vec<(Row, String)> = query.load(conn)?;
    let mut batch = crate::rekey::Batch::default();
    for (row, stored) in rows {
        let item = to_project(row)?;
        let fresh = item.search_key();
        if fresh != stored {
            diesel::update(projects::table.filter(projects::id.eq(Id(item.id))))
                .set(projects::search_key.eq(fresh))
                .execute(conn)?;
            batch.changed += 1;
        }
        batch.seen += 1;
        batch.last = Some(item.id);
    }
    Ok(batch)
}
