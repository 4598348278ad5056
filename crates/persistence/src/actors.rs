//! The `created_by`/`updated_by` columns: one text value per actor (see [`ActorRef::to_stored`]).

use hamkari_domain::ActorRef;

use crate::error::DbError;

pub(crate) fn stored(actor: Option<ActorRef>) -> Option<String> {
    actor.map(ActorRef::to_stored)
}

/// NULL is an unknown actor (a row older than the columns); anything unparsable is corruption.
pub(crate) fn read(raw: Option<String>) -> Result<Option<ActorRef>, DbError> {
    raw.map(|raw| ActorRef::parse(&raw).map_err(|_| DbError::corrupt(format!("unknown stored actor {raw:?}"))))
        .transpose()
}
