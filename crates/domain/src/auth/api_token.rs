use crate::validation::FieldProblem;

pub const API_TOKEN_PREFIX: &str = "hk_";

/// How many characters of a token are kept in clear to recognise it by.
const SHOWN_CHARS: usize = 10;

/// An API token secret: `hk_` followed by 43 base64url characters (256 random bits).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenSecret(String);

impl ApiTokenSecret {
    pub const BODY_CHARS: usize = 43;

    /// Builds a secret from 32 random bytes already encoded as unpadded base64url.
    pub fn from_random_body(body: String) -> Result<Self, FieldProblem> {
        Self::parse(&format!("{API_TOKEN_PREFIX}{body}"))
    }

    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let ok = raw.strip_prefix(API_TOKEN_PREFIX).is_some_and(|body| {
            body.len() == Self::BODY_CHARS
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldProblem::new("invalid_token", "is not a hamkari API token"))
        }
    }

    /// Whether a bearer credential looks like an API token rather than a JWT.
    pub fn looks_like(raw: &str) -> bool {
        raw.starts_with(API_TOKEN_PREFIX)
    }

    /// The first characters, stored and shown so people can tell their tokens apart.
    pub fn prefix(&self) -> &str {
        &self.0[..SHOWN_CHARS]
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiTokenSecret({}…)", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format() {
        let body = "A".repeat(43);
        let secret = ApiTokenSecret::from_random_body(body).unwrap();
        assert_eq!(secret.prefix(), "hk_AAAAAAA");
        assert!(!format!("{secret:?}").contains(&"A".repeat(20)));
        for bad in [
            "hk_short",
            "xx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &format!("hk_{}", "A".repeat(44)),
            &format!("hk_{}+", "A".repeat(42)),
        ] {
            assert!(ApiTokenSecret::parse(bad).is_err(), "{bad}");
        }
    }
}
