//! What every handler shares.

use chrono::{NaiveDateTime, SubsecRound, Utc};
use hamkari_persistence::Database;

use crate::auth::{Hasher, Jwt, Keys};

pub struct AppState {
    pub db: Database,
    pub keys: Keys,
    pub jwt: Jwt,
    pub hasher: Hasher,
}

impl AppState {
    /// The current UTC time at the precision both databases keep (microseconds).
    pub fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc().trunc_subsecs(6)
    }
}
