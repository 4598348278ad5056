//! What every handler shares.

use chrono::{NaiveDateTime, SubsecRound, Utc};
use hamkari_app::Database;

use crate::auth::{Hasher, Jwt, Keys, Sessions};

pub struct AppState {
    pub db: Database,
    pub keys: Keys,
    pub jwt: Jwt,
    pub hasher: Hasher,
    pub login_limits: LoginLimits,
    /// Credentials recently confirmed against the database.
    pub sessions: Sessions,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    pub rate_limiter: crate::rate_limit::RateLimiter,
    pub webhooks: crate::webhook_worker::WebhookSettings,
}

/// How many failed logins in 15 minutes block further attempts for 15 minutes.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures against one account, from anywhere.
    pub per_account: u32,
    /// Failures from one client address, across accounts.
    pub per_address: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
        }
    }
}

impl AppState {
    /// The current UTC time at the precision both databases keep (microseconds).
    pub fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc().trunc_subsecs(6)
    }
}
