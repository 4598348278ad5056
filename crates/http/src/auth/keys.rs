//! Server keys: the JWT signing key and the HMAC key for API token secrets. Each comes from
//! configuration or, when unset, is generated once and kept in the database so restarts and
//! every instance agree.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hamkari_app::{sessions, AppError, Database};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Keys shorter than this are refused: HMAC-SHA256 wants at least 256 bits.
pub const MIN_KEY_BYTES: usize = 32;

pub struct Keys {
    pub jwt_secret: Vec<u8>,
    token_hmac: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0} must be at least {MIN_KEY_BYTES} bytes")]
    TooShort(&'static str),
    #[error("cannot read or store server keys: {0}")]
    Storage(#[from] AppError),
    #[error("the stored key {0} is not valid base64")]
    Corrupt(&'static str),
}

/// `configured` (from the environment) or the database's key of this name.
fn key(db: &Database, name: &'static str, configured: Option<&str>) -> Result<Vec<u8>, KeyError> {
    if let Some(value) = configured {
        if value.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort(name));
        }
        return Ok(value.as_bytes().to_vec());
    }
    let candidate = STANDARD.encode(random_bytes::<32>());
    let now = chrono::Utc::now().naive_utc();
    let stored = db.run(|conn| sessions::server_secret(conn, name, &candidate, now))?;
    if stored == candidate {
        tracing::warn!(
            key = name,
            "no key configured: generated one and stored it in the database"
        );
    }
    STANDARD.decode(stored).map_err(|_| KeyError::Corrupt(name))
}

/// Loads both keys (blocking: call off the async workers).
pub fn load_keys(db: &Database, jwt_secret: Option<&str>, token_key: Option<&str>) -> Result<Keys, KeyError> {
    Ok(Keys {
        jwt_secret: key(db, "HAMKARI_JWT_SECRET", jwt_secret)?,
        token_hmac: key(db, "HAMKARI_TOKEN_KEY", token_key)?,
    })
}

impl Keys {
    /// The stored form of an API token secret: HMAC-SHA256 under the server key, hex.
    pub fn token_hash(&self, secret: &str) -> String {
        // new_from_slice accepts any key length for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.token_hmac).unwrap_or_else(|_| unreachable!());
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something a server can carry on from.
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    bytes
}

/// 256 random bits as unpadded base64url (43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}
