//! People who log in: administrators, editors and viewers.

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::auth::{Password, Role};
use crate::contact::Email;
use crate::validation::{clean_line, FieldProblem, ValidationErrors};

/// A stored user (the password hash is kept apart and never leaves persistence and auth).
/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_ids: Vec<Uuid>,
    pub disabled: bool,
    /// Bumped when the password changes or the user is disabled; sessions issued under an
    /// older value are over.
    pub session_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

/// A creation request, before validation.
#[derive(Debug)]
pub struct UserInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_ids: Vec<Uuid>,
    pub password: String,
}

/// A validated creation request.
#[derive(Debug)]
pub struct NewUser {
    pub user: User,
    pub password: Password,
}

/// Changes to a user; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_ids: Option<Vec<Uuid>>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

fn display_name(raw: &str) -> Result<String, FieldProblem> {
    clean_line(raw, 1, 200)
}

fn organization_ids(mut ids: Vec<Uuid>) -> Result<Vec<Uuid>, FieldProblem> {
    if ids.len() > 100 {
        return Err(FieldProblem::new("too_long", "must list at most 100 organizations"));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

impl User {
    pub fn create(input: UserInput, id: Uuid, now: NaiveDateTime) -> Result<NewUser, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let email = errors.check("email", Email::parse(&input.email));
        let name = errors.check("display_name", display_name(&input.display_name));
        let orgs = errors.check("organization_ids", organization_ids(input.organization_ids));
        let password = errors.check("password", Password::parse(input.password));
        match (email, name, orgs, password) {
            (Some(email), Some(display_name), Some(organization_ids), Some(password)) if errors.is_empty() => {
                Ok(NewUser {
                    user: User {
                        id,
                        email: email.into_inner(),
                        display_name,
                        role: input.role,
                        organization_ids,
                        disabled: false,
                        session_version: 1,
                        created_at: now,
                        updated_at: now,
                        created_by: None,
                        updated_by: None,
                        version: 1,
                    },
                    password,
                })
            }
            _ => Err(errors),
        }
    }

    /// Applies changes; returns the new password to hash, if one was sent.
    /// Disabling the user or changing the password ends every session.
    pub fn apply(
        &mut self,
        changes: UserChanges,
        now: NaiveDateTime,
    ) -> Result<(bool, Option<Password>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("display_name", changes.display_name.map(|v| display_name(&v))) {
            next.display_name = v;
        }
        if let Some(role) = changes.role {
            next.role = role;
        }
        if let Some(v) = errors.check_sent("organization_ids", changes.organization_ids.map(organization_ids)) {
            next.organization_ids = v;
        }
        if let Some(disabled) = changes.disabled {
            next.disabled = disabled;
        }
        let password = errors.check_sent("password", changes.password.map(Password::parse));
        if !errors.is_empty() {
            return Err(errors);
        }
        if password.is_some() || (next.disabled && !self.disabled) {
            next.session_version += 1;
        }
        if next == *self {
            return Ok((false, None));
        }
        next.version += 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        Ok((true, password))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn new_user() -> User {
        User::create(
            UserInput {
                email: "Editor@Example.org".into(),
                display_name: "ویراستار".into(),
                role: Role::Editor,
                organization_ids: vec![],
                password: "a long enough passphrase".into(),
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap()
        .user
    }

    #[test]
    fn create_normalizes_email() {
        assert_eq!(new_user().email, "editor@example.org");
    }

    #[test]
    fn create_reports_all_fields() {
        let err = User::create(
            UserInput {
                email: "x".into(),
                display_name: " ".into(),
                role: Role::Viewer,
                organization_ids: vec![],
                password: "short".into(),
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "display_name", "password"]);
    }

    #[test]
    fn password_change_and_disabling_end_sessions() {
        let mut user = new_user();
        let (changed, password) = user
            .apply(
                UserChanges {
                    password: Some("another long passphrase".into()),
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        assert!(changed && password.is_some());
        assert_eq!(user.session_version, 2);
        user.apply(
            UserChanges {
                disabled: Some(true),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
        assert_eq!(user.session_version, 3);
        // Enabling again does not resurrect old sessions, nor end new ones.
        user.apply(
            UserChanges {
                disabled: Some(false),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
        assert_eq!(user.session_version, 3);
        let (changed, _) = user
            .apply(
                UserChanges {
                    display_name: Some("ویراستار".into()),
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        assert!(!changed);
    }
}
