//! A meeting's parts as values: its agenda items, its attendees, the text of its minutes.

use serde::Serialize;
use uuid::Uuid;

use crate::meeting::AttendeeStatus;
use crate::validation::{clean_line, clean_text, FieldError, ValidationErrors};

/// One item of a meeting's agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    pub title: String,
    pub notes: Option<String>,
}

/// A person at a meeting and the organization they represent (none for some guests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub member_id: Uuid,
    pub full_name: String,
    pub organization_id: Option<Uuid>,
    pub status: AttendeeStatus,
}

/// The whole agenda, in order: at most 100 items. Errors name the item (`items[2].title`).
pub fn agenda(items: Vec<(String, Option<String>)>) -> Result<Vec<AgendaItem>, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if items.len() > 100 {
        errors.push(FieldError::new("items", "too_long", "an agenda has at most 100 items"));
        return Err(errors);
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, (t, notes)) in items.into_iter().enumerate() {
        let t = errors.check(&format!("items[{i}].title"), clean_line(&t, 1, 300));
        let n = errors.check(
            &format!("items[{i}].notes"),
            notes.as_deref().map(|s| clean_text(s, 1, 5000)).transpose(),
        );
        if let (Some(title), Some(notes)) = (t, n) {
            out.push(AgendaItem { title, notes });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The text of minutes: up to 100 000 characters.
pub fn minutes_text(raw: &str) -> Result<String, crate::validation::FieldProblem> {
    clean_text(raw, 1, 100_000)
}
