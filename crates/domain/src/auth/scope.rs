use serde::{Deserialize, Serialize};

use crate::validation::FieldProblem;

/// What an API token may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Organizations,
    Members,
    Projects,
    WorkingGroups,
    Meetings,
    Agreements,
    Capacities,
}

impl Resource {
    pub const ALL: [Self; 7] = [
        Self::Organizations,
        Self::Members,
        Self::Projects,
        Self::WorkingGroups,
        Self::Meetings,
        Self::Agreements,
        Self::Capacities,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Members => "members",
            Self::Projects => "projects",
            Self::WorkingGroups => "working_groups",
            Self::Meetings => "meetings",
            Self::Agreements => "agreements",
            Self::Capacities => "capacities",
        }
    }
}

/// One API token permission: `organizations:read`, `members:write`, …
/// A write scope includes reading the same resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub resource: Resource,
    pub write: bool,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let invalid = || {
            FieldProblem::new(
                "invalid_scope",
                format!(
                    "{raw:?} is not a scope; scopes are <resource>:read or <resource>:write with resource one of {}",
                    Resource::ALL.map(Resource::as_str).join(", ")
                ),
            )
        };
        let (resource, access) = raw.split_once(':').ok_or_else(invalid)?;
        let resource = Resource::ALL
            .into_iter()
            .find(|r| r.as_str() == resource)
            .ok_or_else(invalid)?;
        let write = match access {
            "read" => false,
            "write" => true,
            _ => return Err(invalid()),
        };
        Ok(Self { resource, write })
    }

    pub fn as_string(self) -> String {
        format!(
            "{}:{}",
            self.resource.as_str(),
            if self.write { "write" } else { "read" }
        )
    }
}

/// A token's set of scopes: at least one, no duplicates, kept sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, FieldProblem> {
        if raw.is_empty() {
            return Err(FieldProblem::new("required", "must name at least one scope"));
        }
        let mut scopes = raw
            .iter()
            .map(|s| Scope::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        scopes.sort();
        scopes.dedup();
        Ok(Self(scopes))
    }

    /// The stored form: space-separated.
    pub fn to_stored(&self) -> String {
        self.0.iter().map(|s| s.as_string()).collect::<Vec<_>>().join(" ")
    }

    pub fn from_stored(stored: &str) -> Result<Self, FieldProblem> {
        Self::parse(&stored.split_whitespace().collect::<Vec<_>>())
    }

    pub fn allows(&self, resource: Resource, write: bool) -> bool {
        self.0.iter().any(|s| s.resource == resource && (s.write || !write))
    }

    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|s| s.as_string()).collect()
    }
}

impl TryFrom<Vec<String>> for Scopes {
    type Error = String;

    fn try_from(raw: Vec<String>) -> Result<Self, String> {
        Self::parse(&raw).map_err(|p| p.message)
    }
}

impl From<Scopes> for Vec<String> {
    fn from(scopes: Scopes) -> Self {
        scopes.names()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_sort_and_dedup() {
        let scopes = Scopes::parse(&["members:write", "organizations:read", "members:write"]).unwrap();
        assert_eq!(scopes.names(), ["organizations:read", "members:write"]);
        assert_eq!(Scopes::from_stored(&scopes.to_stored()).unwrap(), scopes);
    }

    #[test]
    fn write_includes_read() {
        let scopes = Scopes::parse(&["members:write", "projects:read"]).unwrap();
        assert!(scopes.allows(Resource::Members, false));
        assert!(scopes.allows(Resource::Members, true));
        assert!(scopes.allows(Resource::Projects, false));
        assert!(!scopes.allows(Resource::Projects, true));
        assert!(!scopes.allows(Resource::Organizations, false));
    }

    #[test]
    fn bad_scopes() {
        for bad in ["members", "members:delete", "users:read", "", "organizations:read:x"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Scopes::parse::<&str>(&[]).is_err());
    }
}
