//! The HTTP side of every roster (a project's team, a working group's members): one set of
//! bodies and handlers, which each route module mounts on its path with its roster type.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use hamkari_app::roster::{self as use_case, AddEntry, ChangeEntry, Entry, RosterRules};
use hamkari_app::{After, SortValue};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::listing::{self, Window};
use crate::pagination::{self, utc, Paging};
use crate::state::AppState;

/// What every roster handler extracts besides its path and body.
pub type Ctx = (web::Data<AppState>, Caller, HttpRequest);

/// A person on a roster.
#[derive(Serialize, ToSchema)]
pub struct RosterEntryBody<R: ToSchema> {
    pub member_id: Uuid,
    #[schema(example = "مریم احمدی")]
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// The organization the person represents; one of the project's or group's.
    pub organization_id: Uuid,
    pub role: R,
    pub added_at: DateTime<Utc>,
}

impl<R: ToSchema> From<Entry<R>> for RosterEntryBody<R> {
    fn from(e: Entry<R>) -> Self {
        Self {
            member_id: e.member_id,
            full_name: e.full_name,
            full_name_en: e.full_name_en,
            organization_id: e.organization_id,
            role: e.role,
            added_at: utc(e.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRosterEntry<R: ToSchema> {
    pub member_id: Uuid,
    /// One of the project's or group's organizations.
    pub organization_id: Uuid,
    pub role: R,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRosterEntry<R: ToSchema> {
    pub organization_id: Option<Uuid>,
    pub role: Option<R>,
}

/// Paging of a list under one resource (a roster, a history): oldest first.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubListQuery {
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

impl SubListQuery {
    pub fn paging(self) -> Result<Paging<()>, ApiError> {
        pagination::by_creation(None, self.limit, self.cursor)
    }
}

/// A creation-ordered position as the sub-list use cases take it.
pub fn created_key(after: Option<&After>) -> Option<(NaiveDateTime, Uuid)> {
    after.and_then(|a| match a.value {
        SortValue::Timestamp(at) => Some((at, a.id)),
        SortValue::Text(_) => None,
    })
}

pub async fn list<T>(ctx: Ctx, parent: Uuid, query: SubListQuery) -> Result<HttpResponse, ApiError>
where
    T: RosterRules,
    T::Role: ToSchema + Serialize,
{
    let (state, caller, req) = ctx;
    let paging = query.paging()?;
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        Window::from(&paging),
        move |conn, w: &Window| use_case::list::<T>(conn, &caller, parent, created_key(w.after.as_ref()), w.limit),
        |e| pagination::after_created(e.created_at, e.member_id),
        RosterEntryBody::<T::Role>::from,
    )
    .await
}

pub async fn add<T>(ctx: Ctx, parent: Uuid, body: JsonBody<AddRosterEntry<T::Role>>) -> Result<HttpResponse, ApiError>
where
    T: RosterRules,
    T::Role: ToSchema + Serialize + serde::de::DeserializeOwned,
{
    let (state, caller, _) = ctx;
    use_case::precheck_change::<T>(&caller.0)?;
    let b = body.value()?;
    let command = AddEntry {
        member_id: b.member_id,
        organization_id: b.organization_id,
        role: b.role,
    };
    let added = db::write(&state.db, move |conn| {
        use_case::add::<T>(conn, &caller.0, parent, command)
    })
    .await?;
    Ok(HttpResponse::Created().json(RosterEntryBody::from(added)))
}

pub async fn update<T>(
    ctx: Ctx,
    (parent, member): (Uuid, Uuid),
    body: JsonBody<ChangeRosterEntry<T::Role>>,
) -> Result<HttpResponse, ApiError>
where
    T: RosterRules,
    T::Role: ToSchema + Serialize + serde::de::DeserializeOwned,
{
    let (state, caller, _) = ctx;
    use_case::precheck_change::<T>(&caller.0)?;
    let b = body.value()?;
    let command = ChangeEntry {
        organization_id: b.organization_id,
        role: b.role,
    };
    let changed = db::write(&state.db, move |conn| {
        use_case::update::<T>(conn, &caller.0, parent, member, command)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RosterEntryBody::from(changed)))
}

pub async fn remove<T: RosterRules>(ctx: Ctx, (parent, member): (Uuid, Uuid)) -> Result<HttpResponse, ApiError> {
    let (state, caller, _) = ctx;
    db::write(&state.db, move |conn| {
        use_case::remove::<T>(conn, &caller.0, parent, member)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
