//! `If-Match` as a rule: one winner per version. Parsing the header is the web layer's job;
//! deciding whether a stored version satisfies it is this one.

/// What a client's `If-Match` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// No header: the write applies to whatever version is current.
    #[default]
    Absent,
    /// `*`: any current version.
    Any,
    /// A list of strong tags; only these versions (possibly none) satisfy it.
    Versions(Vec<i64>),
}

/// The stored version differs from every version the client named: 412.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    pub current: i64,
}

impl IfMatch {
    pub fn check(&self, current: i64) -> Result<(), Stale> {
        match self {
            Self::Absent | Self::Any => Ok(()),
            Self::Versions(versions) if versions.contains(&current) => Ok(()),
            Self::Versions(_) => Err(Stale { current }),
        }
    }

    /// Whether the client sent the header: only then may a write answer 412.
    pub fn was_sent(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_star_match_every_version() {
        assert!(IfMatch::Absent.check(7).is_ok());
        assert!(IfMatch::Any.check(7).is_ok());
        assert!(!IfMatch::Absent.was_sent());
        assert!(IfMatch::Any.was_sent());
    }

    #[test]
    fn listed_versions_match_only_themselves() {
        let wanted = IfMatch::Versions(vec![2, 3]);
        assert!(wanted.check(3).is_ok());
        assert_eq!(wanted.check(4), Err(Stale { current: 4 }));
        assert_eq!(IfMatch::Versions(vec![]).check(1), Err(Stale { current: 1 }));
    }
}
