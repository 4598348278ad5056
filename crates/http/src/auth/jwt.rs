//! Short-lived access tokens: HS256 JWTs with issuer, audience, id, and a token-use claim.

use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::sha256_hex;

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
const ISSUER: &str = "hamkari";
const AUDIENCE: &str = "hamkari-api";
/// The token-use claim of access tokens; anything else (a refresh token, an ID token from
/// elsewhere) is refused.
const ACCESS: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub exp: i64,
    pub iat: i64,
    pub jti: Uuid,
    pub typ: String,
    /// The user's session version when the token was issued.
    pub sv: i64,
}

pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    validation: Validation,
}

impl Jwt {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = 30;
        let fingerprint = sha256_hex(&String::from_utf8_lossy(secret));
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            // Names the key without revealing it, so keys can rotate.
            kid: fingerprint[..16].to_owned(),
            validation,
        }
    }

    /// The key id sent in every token's header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Issues an access token; returns it and its lifetime in seconds.
    pub fn issue(
        &self,
        user: Uuid,
        session_version: i64,
        now: i64,
    ) -> Result<(String, i64), jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user,
            exp: now + ACCESS_TOKEN_SECONDS,
            iat: now,
            jti: Uuid::now_v7(),
            typ: ACCESS.into(),
            sv: session_version,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        Ok((encode(&header, &claims, &self.encoding)?, ACCESS_TOKEN_SECONDS))
    }

    /// The claims of a valid access token signed by our current key; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let header = decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation).ok()?.claims;
        (claims.typ == ACCESS).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let jwt = Jwt::new(&[7u8; 32]);
        let user = Uuid::now_v7();
        let (token, lifetime) = jwt.issue(user, 3, now()).unwrap();
        assert_eq!(lifetime, 900);
        let claims = jwt.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sv), (user, 3));
    }

    #[test]
    fn refuses_other_keys_expired_and_tampered_tokens() {
        let jwt = Jwt::new(&[7u8; 32]);
        let other = Jwt::new(&[8u8; 32]);
        let (token, _) = other.issue(Uuid::now_v7(), 1, now()).unwrap();
        assert!(jwt.verify(&token).is_none());
        let (old, _) = jwt.issue(Uuid::now_v7(), 1, now() - 3600).unwrap();
        assert!(jwt.verify(&old).is_none());
        let (token, _) = jwt.issue(Uuid::now_v7(), 1, now()).unwrap();
        let mut tampered = token.clone();
        tampered.pop();
        assert!(jwt.verify(&tampered).is_none());
        assert!(jwt.verify("not.a.jwt").is_none());
    }
}
