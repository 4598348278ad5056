//! Authentication: who is calling, proven by a JWT access token or an API token.

mod bootstrap;
mod caller;
mod jwt;
mod keys;
mod password;
mod sessions;

pub use bootstrap::{ensure_admin, generated_password, AdminBootstrap, BootstrapError};
pub use caller::{authenticate, Caller};
pub use jwt::{Jwt, ACCESS_TOKEN_SECONDS};
pub use keys::{load_keys, random_token, sha256_hex, KeyError, Keys};
pub use password::{hash_now, Hasher};
pub use sessions::Sessions;
