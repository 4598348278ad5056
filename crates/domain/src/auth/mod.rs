//! Who may do what: roles, token scopes, the caller of a request and the rules that
//! decide between 404, 403 and allowed. Also the password policy and the API token format.

mod api_token;
mod password;
mod principal;
mod role;
mod scope;
pub mod throttle;

pub use api_token::{ApiTokenSecret, API_TOKEN_PREFIX};
pub use password::Password;
pub use principal::{Denied, Principal, Subject};
pub use role::Role;
pub use scope::{Resource, Scope, Scopes};
