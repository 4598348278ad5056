//! Meetings: of a working group, of a joint project, or a joint board meeting of two or more
//! organizations. A meeting is scheduled, then held (with finalized minutes) or cancelled.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
pub use crate::meeting_parts::{agenda, minutes_text, AgendaItem, Attendee};
use crate::project::names;
use crate::validation::{clean_line, FieldError, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Board,
    WorkingGroup,
    Project,
    General,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendeeStatus {
    Invited,
    Present,
    Absent,
    Excused,
    Guest,
}

names!(MeetingKind { Board => "board", WorkingGroup => "working_group", Project => "project", General => "general" });
names!(MeetingStatus { Scheduled => "scheduled", Held => "held", Cancelled => "cancelled" });
names!(AttendeeStatus {
    Invited => "invited",
    Present => "present",
    Absent => "absent",
    Excused => "excused",
    Guest => "guest",
});

/// The time zone meetings are shown in when none is given.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Tehran";

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    pub id: Uuid,
    pub title: String,
    pub kind: MeetingKind,
    pub status: MeetingStatus,
    /// Why it was cancelled or marked held, as the transition said.
    pub status_reason: Option<String>,
    /// UTC.
    pub starts_at: NaiveDateTime,
    /// UTC; after `starts_at`.
    pub ends_at: NaiveDateTime,
    /// An IANA zone name, for rendering.
    pub time_zone: String,
    pub place: Option<String>,
    pub online_url: Option<String>,
    pub working_group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub minutes: Option<String>,
    pub minutes_finalized_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
    /// Bumped by every change; calendars publish it as the event's `SEQUENCE`.
    pub version: i64,
}

/// Who holds a meeting: exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    WorkingGroup(Uuid),
    Project(Uuid),
    /// A joint board meeting: at least two organizations.
    Organizations(Vec<Uuid>),
}

impl Host {
    /// Exactly one of the three ways to name who holds the meeting.
    pub fn parse(
        working_group_id: Option<Uuid>,
        project_id: Option<Uuid>,
        organization_ids: Option<Vec<Uuid>>,
    ) -> Result<Self, FieldError> {
        match (working_group_id, project_id, organization_ids) {
            (Some(g), None, None) => Ok(Self::WorkingGroup(g)),
            (None, Some(p), None) => Ok(Self::Project(p)),
            (None, None, Some(mut ids)) => {
                ids.sort();
                ids.dedup();
                match ids.len() {
                    0 | 1 => Err(FieldError::new(
                        "organization_ids",
                        "too_few",
                        "a joint meeting needs at least two organizations",
                    )),
                    n if n > 50 => Err(FieldError::new(
                        "organization_ids",
                        "too_long",
                        "must name at most 50 organizations",
                    )),
                    _ => Ok(Self::Organizations(ids)),
                }
            }
            _ => Err(FieldError::new(
                "working_group_id",
                "one_host",
                "give exactly one of working_group_id, project_id and organization_ids",
            )),
        }
    }
}

#[derive(Debug)]
pub struct MeetingInput {
    pub title: String,
    pub kind: MeetingKind,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub time_zone: Option<String>,
    pub place: Option<String>,
    pub online_url: Option<String>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct MeetingChanges {
    pub title: Option<String>,
    pub kind: Option<MeetingKind>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub time_zone: Option<String>,
    pub place: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
}

fn title(raw: &str) -> Result<String, FieldProblem> {
    clean_line(raw, 1, 300)
}

fn place(raw: &str) -> Result<String, FieldProblem> {
    clean_line(raw, 1, 300)
}

/// An http(s) address a calendar client can open.
fn online_url(raw: &str) -> Result<String, FieldProblem> {
    let url = clean_line(raw, 1, 2000)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| FieldProblem::new("invalid_url", "must be an http:// or https:// address"))?;
    if rest.is_empty() || rest.chars().any(char::is_whitespace) {
        return Err(FieldProblem::new(
            "invalid_url",
            "must be an http:// or https:// address",
        ));
    }
    Ok(url)
}

/// An IANA zone name such as `Asia/Tehran` or `UTC`. Only its shape is checked: the server
/// stores times in UTC and the name only tells clients how to show them.
pub fn time_zone(raw: &str) -> Result<String, FieldProblem> {
    const AREAS: [&str; 11] = [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    let bad = || FieldProblem::new("invalid_time_zone", "must be an IANA time zone such as Asia/Tehran");
    if raw == "UTC" {
        return Ok(raw.to_owned());
    }
    let mut parts = raw.split('/');
    let area = parts.next().ok_or_else(bad)?;
    let rest: Vec<&str> = parts.collect();
    let plain = |p: &&str| {
        !p.is_empty() && p.len() <= 40 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
    };
    if AREAS.contains(&area) && !rest.is_empty() && rest.len() <= 2 && rest.iter().all(plain) {
        Ok(raw.to_owned())
    } else {
        Err(bad())
    }
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    raw.map(parse).transpose()
}

fn check_window(errors: &mut ValidationErrors, starts_at: NaiveDateTime, ends_at: NaiveDateTime) {
    if ends_at <= starts_at {
        errors.push(FieldError::new("ends_at", "before_start", "must be after starts_at"));
    } else if ends_at - starts_at > chrono::Duration::days(14) {
        errors.push(FieldError::new(
            "ends_at",
            "too_long",
            "a meeting lasts at most 14 days",
        ));
    }
}

/// Why the meeting's state refuses a change (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingConflict {
    /// Only a scheduled meeting changes its details, agenda and attendees.
    NotScheduled(MeetingStatus),
    /// Resolutions belong to held meetings.
    NotHeld(MeetingStatus),
    /// Minutes are written once the meeting has begun.
    NotStarted,
    MinutesFinalized,
    /// Finalizing needs minutes.
    NoMinutes,
    /// `held` needs finalized minutes.
    MinutesNotFinalized,
    IllegalTransition {
        from: MeetingStatus,
        allowed: Vec<MeetingStatus>,
    },
}

impl MeetingStatus {
    /// `scheduled → held | cancelled`; both are final.
    pub fn next(self) -> &'static [MeetingStatus] {
        match self {
            Self::Scheduled => &[Self::Held, Self::Cancelled],
            Self::Held | Self::Cancelled => &[],
        }
    }
}

impl Meeting {
    pub fn create(input: MeetingInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = errors.check("title", title(&input.title));
        let place = errors.check("place", optional(input.place.as_deref(), place));
        let online_url = errors.check("online_url", optional(input.online_url.as_deref(), online_url));
        let time_zone = errors.check(
            "time_zone",
            time_zone(input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE)),
        );
        check_window(&mut errors, input.starts_at, input.ends_at);
        match (title, place, online_url, time_zone) {
            (Some(title), Some(place), Some(online_url), Some(time_zone)) if errors.is_empty() => Ok(Self {
                id,
                title,
                kind: input.kind,
                status: MeetingStatus::Scheduled,
                status_reason: None,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                time_zone,
                place,
                online_url,
                working_group_id: None,
                project_id: None,
                minutes: None,
                minutes_finalized_at: None,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
            }),
            _ => Err(errors),
        }
    }

    /// Details, agenda and attendees change only while the meeting is scheduled.
    pub fn check_scheduled(&self) -> Result<(), MeetingConflict> {
        match self.status {
            MeetingStatus::Scheduled => Ok(()),
            other => Err(MeetingConflict::NotScheduled(other)),
        }
    }

    pub fn check_held(&self) -> Result<(), MeetingConflict> {
        match self.status {
            MeetingStatus::Held => Ok(()),
            other => Err(MeetingConflict::NotHeld(other)),
        }
    }

    /// Applies changes (a scheduled meeting only; the caller checks that first).
    pub fn apply(&mut self, c: MeetingChanges) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("title", c.title.map(|v| title(&v))) {
            next.title = v;
        }
        if let Some(v) = errors.check_sent("time_zone", c.time_zone.map(|v| time_zone(&v))) {
            next.time_zone = v;
        }
        if let Some(v) = errors.check_sent("place", c.place.map(|v| optional(v.as_deref(), place))) {
            next.place = v;
        }
        if let Some(v) = errors.check_sent("online_url", c.online_url.map(|v| optional(v.as_deref(), online_url))) {
            next.online_url = v;
        }
        next.kind = c.kind.unwrap_or(next.kind);
        next.starts_at = c.starts_at.unwrap_or(next.starts_at);
        next.ends_at = c.ends_at.unwrap_or(next.ends_at);
        check_window(&mut errors, next.starts_at, next.ends_at);
        if !errors.is_empty() {
            return Err(errors);
        }
        let changed = next != *self;
        *self = next;
        Ok(changed)
    }

    /// Marks a change: a new version (and calendar `SEQUENCE`).
    pub fn touch(&mut self, now: NaiveDateTime, by: ActorRef) {
        self.version += 1;
        self.updated_at = now.max(self.updated_at);
        self.updated_by = Some(by);
    }

    /// Drafts (or redrafts) the minutes: once the meeting has begun, before they are final.
    pub fn draft_minutes(&mut self, text: String, now: NaiveDateTime) -> Result<(), MeetingConflict> {
        if self.minutes_finalized_at.is_some() {
            return Err(MeetingConflict::MinutesFinalized);
        }
        self.check_scheduled()?;
        if now < self.starts_at {
            return Err(MeetingConflict::NotStarted);
        }
        self.minutes = Some(text);
        Ok(())
    }

    /// Finalizes the minutes, once; after that they never change.
    pub fn finalize_minutes(&mut self, now: NaiveDateTime) -> Result<(), MeetingConflict> {
        if self.minutes_finalized_at.is_some() {
            return Err(MeetingConflict::MinutesFinalized);
        }
        self.check_scheduled()?;
        if self.minutes.is_none() {
            return Err(MeetingConflict::NoMinutes);
        }
        self.minutes_finalized_at = Some(now);
        Ok(())
    }

    /// `scheduled → held` (with finalized minutes) or `scheduled → cancelled`.
    pub fn transition(&mut self, to: MeetingStatus, reason: Option<String>) -> Result<MeetingStatus, MeetingConflict> {
        let from = self.status;
        if !from.next().contains(&to) {
            return Err(MeetingConflict::IllegalTransition {
                from,
                allowed: from.next().to_vec(),
            });
        }
        if to == MeetingStatus::Held && self.minutes_finalized_at.is_none() {
            return Err(MeetingConflict::MinutesNotFinalized);
        }
        self.status = to;
        self.status_reason = reason;
        Ok(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn input(starts: u32, ends: u32) -> MeetingInput {
        MeetingInput {
            title: "نشست مشترک هیئت‌مدیره‌ها".into(),
            kind: MeetingKind::Board,
            starts_at: at(starts),
            ends_at: at(ends),
            time_zone: None,
            place: Some("تهران".into()),
            online_url: None,
        }
    }

    #[test]
    fn window_time_zone_and_url() {
        let m = Meeting::create(input(9, 11), Uuid::now_v7(), at(1)).unwrap();
        assert_eq!(m.time_zone, DEFAULT_TIME_ZONE);
        let err = Meeting::create(input(11, 9), Uuid::now_v7(), at(1)).unwrap_err();
        assert_eq!((err.0[0].field.as_str(), err.0[0].code), ("ends_at", "before_start"));
        assert!(Meeting::create(input(9, 9), Uuid::now_v7(), at(1)).is_err());
        for good in ["UTC", "Asia/Tehran", "America/Argentina/Buenos_Aires", "Etc/GMT+3"] {
            assert!(time_zone(good).is_ok(), "{good}");
        }
        for bad in ["", "Tehran", "Asia/", "Mars/Base", "Asia/Teh ran", "Asia/a/b/c"] {
            assert!(time_zone(bad).is_err(), "{bad}");
        }
        assert!(online_url("https://meet.example/x").is_ok());
        assert!(online_url("ftp://x").is_err());
        assert!(online_url("https://").is_err());
    }

    #[test]
    fn hosts() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(Host::parse(Some(a), None, None).unwrap(), Host::WorkingGroup(a));
        assert_eq!(Host::parse(None, None, Some(vec![a, a])).unwrap_err().code, "too_few");
        assert_eq!(Host::parse(Some(a), Some(b), None).unwrap_err().code, "one_host");
        assert_eq!(Host::parse(None, None, None).unwrap_err().code, "one_host");
        assert!(matches!(Host::parse(None, None, Some(vec![b, a])), Ok(Host::Organizations(v)) if v.len() == 2));
    }

    #[test]
    fn minutes_then_held() {
        let mut m = Meeting::create(input(9, 11), Uuid::now_v7(), at(1)).unwrap();
        assert_eq!(m.draft_minutes("متن".into(), at(8)), Err(MeetingConflict::NotStarted));
        assert_eq!(m.finalize_minutes(at(10)), Err(MeetingConflict::NoMinutes));
        assert_eq!(
            m.transition(MeetingStatus::Held, None),
            Err(MeetingConflict::MinutesNotFinalized)
        );
        m.draft_minutes("متن".into(), at(10)).unwrap();
        m.finalize_minutes(at(11)).unwrap();
        assert_eq!(
            m.draft_minutes("دیگر".into(), at(12)),
            Err(MeetingConflict::MinutesFinalized)
        );
        assert_eq!(m.finalize_minutes(at(12)), Err(MeetingConflict::MinutesFinalized));
        assert_eq!(m.check_held(), Err(MeetingConflict::NotHeld(MeetingStatus::Scheduled)));
        assert_eq!(m.transition(MeetingStatus::Held, None), Ok(MeetingStatus::Scheduled));
        assert!(m.check_held().is_ok());
        assert!(matches!(
            m.transition(MeetingStatus::Cancelled, None),
            Err(MeetingConflict::IllegalTransition { .. })
        ));
        assert!(agenda(vec![("".into(), None)]).is_err());
        assert_eq!(agenda(vec![(" بند یک ".into(), None)]).unwrap()[0].title, "بند یک");
    }
}
