//! Re-checking stored contact details against today's rules.
//!
//! Rows written before phones went through libphonenumber (or emails through the RFC
//! grammar) may no longer pass. They are reported for a person to fix, never rewritten: an
//! automatic "fix" could merge two people's numbers or drop a number someone relies on.

use hamkari_domain::contact::{Email, Phone};
use hamkari_persistence::{members, organizations, DbConnection};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactProblem {
    /// `member` or `organization`.
    pub resource: &'static str,
    pub id: Uuid,
    /// `email` or `phone`.
    pub field: &'static str,
    pub value: String,
    pub why: String,
}

pub fn check(conn: &mut DbConnection) -> Result<Vec<ContactProblem>, AppError> {
    let mut problems = Vec::new();
    for (resource, rows) in [
        ("member", members::contacts(conn)?),
        ("organization", organizations::contacts(conn)?),
    ] {
        for (id, email, phone) in rows {
            let mut report = |field, value: String, why: Option<String>| {
                if let Some(why) = why {
                    problems.push(ContactProblem {
                        resource,
                        id,
                        field,
                        value,
                        why,
                    });
                }
            };
            if let Some(email) = email {
                let why = verdict(&email, Email::parse(&email).map(Email::into_inner));
                report("email", email, why);
            }
            if let Some(phone) = phone {
                let why = verdict(&phone, Phone::parse(&phone).map(Phone::into_inner));
                report("phone", phone, why);
            }
        }
    }
    Ok(problems)
}

/// Why a stored value fails today's rules, or `None` when it passes unchanged.
fn verdict(stored: &str, parsed: Result<String, hamkari_domain::validation::FieldProblem>) -> Option<String> {
    match parsed {
        Ok(normal) if normal == stored => None,
        // Valid, but today's rules would store it differently: lookups by the normal form miss it.
        Ok(normal) => Some(format!("not in normal form; would be stored as {normal}")),
        Err(problem) => Some(format!("{}: {}", problem.code, problem.message)),
    }
}
