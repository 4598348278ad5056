use crate::validation::FieldProblem;

/// A password that meets the policy: 12 to 1024 characters, nothing else demanded
/// (NIST SP 800-63B), never truncated. Its Debug output hides it.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: String) -> Result<Self, FieldProblem> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(FieldProblem::new(
                "too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldProblem::new(
                "too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("a".repeat(11)).is_err());
        assert!(Password::parse("a".repeat(12)).is_ok());
        // Persian passphrases count characters, not bytes.
        assert!(Password::parse("رمز عبور بلند".into()).is_ok());
        assert!(Password::parse("a".repeat(1024)).is_ok());
        assert!(Password::parse("a".repeat(1025)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("a".repeat(12)).unwrap()),
            "Password(***)"
        );
    }
}
