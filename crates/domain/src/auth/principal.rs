use uuid::Uuid;

use super::role::Role;
use super::scope::{Resource, Scopes};

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    User(Uuid),
    ApiToken(Uuid),
}

/// An authenticated caller and what they may do.
///
/// Users act by role. API tokens act within their scopes: a token bound to an organization
/// writes like an editor of that organization; an unbound token writes anywhere its scopes
/// reach. Neither kind of token may manage users or tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub role: Role,
    /// `None` for a user session, which is limited by role alone.
    pub scopes: Option<Scopes>,
    /// A user's organizations, or the one a token is bound to.
    pub organizations: Vec<Uuid>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Allowed to see but not to do this: 403.
    Forbidden(String),
}

impl Principal {
    pub fn user(id: Uuid, role: Role, organizations: Vec<Uuid>) -> Self {
        Self {
            subject: Subject::User(id),
            role,
            scopes: None,
            organizations,
        }
    }

    pub fn api_token(id: Uuid, scopes: Scopes, organization: Option<Uuid>) -> Self {
        Self {
            subject: Subject::ApiToken(id),
            // A bound token writes like an editor of its organization; an unbound one is
            // limited only by its scopes.
            role: if organization.is_some() {
                Role::Editor
            } else {
                Role::Admin
            },
            scopes: Some(scopes),
            organizations: organization.into_iter().collect(),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.subject {
            Subject::User(id) => Some(id),
            Subject::ApiToken(_) => None,
        }
    }

    fn is_token(&self) -> bool {
        matches!(self.subject, Subject::ApiToken(_))
    }

    /// Managing users and API tokens: admins only, never a token.
    pub fn require_admin(&self) -> Result<(), Denied> {
        if self.role == Role::Admin && !self.is_token() {
            Ok(())
        } else {
            Err(Denied::Forbidden("Only administrators may do this.".into()))
        }
    }

    fn require_scope(&self, resource: Resource, write: bool) -> Result<(), Denied> {
        match &self.scopes {
            Some(scopes) if !scopes.allows(resource, write) => Err(Denied::Forbidden(format!(
                "This API token lacks the scope {}:{}.",
                resource.as_str(),
                if write { "write" } else { "read" }
            ))),
            _ => Ok(()),
        }
    }

    /// Reading a kind of resource: any user; a token with the read (or write) scope.
    pub fn require_read(&self, resource: Resource) -> Result<(), Denied> {
        self.require_scope(resource, false)
    }

    /// Writing a kind of resource at all: admins and editors; tokens with the write scope.
    pub fn require_write(&self, resource: Resource) -> Result<(), Denied> {
        self.require_scope(resource, true)?;
        match self.role {
            Role::Admin | Role::Editor => Ok(()),
            Role::Viewer => Err(Denied::Forbidden("Viewers may read but not change data.".into())),
        }
    }

    /// Whether the caller acts for `organization` (admins and unbound tokens act for all).
    pub fn acts_for(&self, organization: Uuid) -> bool {
        self.role == Role::Admin || self.organizations.contains(&organization)
    }

    /// Writing data that belongs to `organization`.
    pub fn require_write_for(&self, resource: Resource, organization: Uuid) -> Result<(), Denied> {
        self.require_write(resource)?;
        if self.acts_for(organization) {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "You may change only the data of your own organizations.".into(),
            ))
        }
    }

    /// Writing joint data (a project, a working group): allowed when the caller acts for
    /// any of the organizations taking part.
    pub fn require_write_for_any(&self, resource: Resource, organizations: &[Uuid]) -> Result<(), Denied> {
        self.require_write(resource)?;
        if self.role == Role::Admin || organizations.iter().any(|o| self.organizations.contains(o)) {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "None of your organizations takes part in this.".into(),
            ))
        }
    }

    /// Writing a shared record (a person who belongs to several organizations): the caller
    /// must act for every organization that holds it, so adding someone to A gives A no
    /// rights over what B recorded. A record no organization holds yet is open to any writer.
    pub fn require_write_for_every(&self, resource: Resource, organizations: &[Uuid]) -> Result<(), Denied> {
        self.require_write(resource)?;
        if organizations.iter().all(|o| self.acts_for(*o)) {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "This record is shared with an organization you do not act for; an administrator or an editor of every organization holding it may change it.".into(),
            ))
        }
    }

    /// Creating or deleting whole organizations: admins and unbound tokens.
    pub fn require_manage_organizations(&self) -> Result<(), Denied> {
        self.require_write(Resource::Organizations)?;
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "Only administrators may create or delete organizations.".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Uuid {
        Uuid::now_v7()
    }

    #[test]
    fn roles() {
        let (a, b) = (id(), id());
        let admin = Principal::user(id(), Role::Admin, vec![]);
        let editor = Principal::user(id(), Role::Editor, vec![a]);
        let viewer = Principal::user(id(), Role::Viewer, vec![a]);
        assert!(admin.require_admin().is_ok());
        assert!(editor.require_admin().is_err());
        assert!(admin.require_write_for(Resource::Members, b).is_ok());
        assert!(editor.require_write_for(Resource::Members, a).is_ok());
        assert!(editor.require_write_for(Resource::Members, b).is_err());
        assert!(viewer.require_write_for(Resource::Members, a).is_err());
        assert!(viewer.require_read(Resource::Members).is_ok());
        assert!(editor.require_manage_organizations().is_err());
        assert!(admin.require_manage_organizations().is_ok());
        assert!(editor.require_write_for_any(Resource::Projects, &[b, a]).is_ok());
        assert!(editor.require_write_for_any(Resource::Projects, &[b]).is_err());
        assert!(editor.require_write_for_every(Resource::Members, &[]).is_ok());
        assert!(editor.require_write_for_every(Resource::Members, &[a]).is_ok());
        assert!(editor.require_write_for_every(Resource::Members, &[a, b]).is_err());
        assert!(admin.require_write_for_every(Resource::Members, &[a, b]).is_ok());
        assert!(viewer.require_write_for_every(Resource::Members, &[]).is_err());
    }

    #[test]
    fn tokens() {
        let (a, b) = (id(), id());
        let bound = Principal::api_token(id(), Scopes::parse(&["members:write"]).unwrap(), Some(a));
        let unbound = Principal::api_token(id(), Scopes::parse(&["organizations:write"]).unwrap(), None);
        assert!(bound.require_admin().is_err());
        assert!(
            unbound.require_admin().is_err(),
            "a token never manages users or tokens"
        );
        assert!(bound.require_read(Resource::Members).is_ok());
        assert!(bound.require_read(Resource::Organizations).is_err());
        assert!(bound.require_write_for(Resource::Members, a).is_ok());
        assert!(bound.require_write_for(Resource::Members, b).is_err());
        assert!(unbound.require_write_for(Resource::Organizations, b).is_ok());
        assert!(unbound.require_manage_organizations().is_ok());
        assert!(unbound.require_write(Resource::Members).is_err());
    }
}
