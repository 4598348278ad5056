//! Bulk import of members and their memberships in one organization.
//!
//! Each row is a batch of the ordinary use cases (`members::create`/`update`,
//! `memberships::create`), so every rule and event is theirs; this module only matches a
//! row to a person and decides which of them to call. The whole import runs in one
//! transaction and each row in a savepoint: a failed row leaves nothing behind, and a dry
//! run (or an all-or-nothing run with bad rows) rolls everything back after reporting
//! exactly what a real run would have done.

use chrono::NaiveDate;
use hamkari_domain::auth::Resource;
use hamkari_domain::calendar::DayReader;
use hamkari_domain::import::RowCells;
use hamkari_domain::member::Member;
use hamkari_domain::membership::{MembershipInput, MembershipRole, Term};
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::{FieldError, ValidationErrors};
use hamkari_persistence::member_keys::{find_by, MemberKey};
use hamkari_persistence::{memberships as membership_store, savepoint, DbConnection, DbError, Unique};
use serde::Serialize;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Created,
    Updated,
    Unchanged,
    Skipped,
    Error,
}

/// Which identifying value tied a row to an existing member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    NationalId,
    Email,
    Phone,
}

/// What happened to one row (or would have, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// 1-based line of the file (the header is line 1).
    pub line: usize,
    pub status: RowStatus,
    pub member_id: Option<Uuid>,
    pub matched_by: Option<MatchedBy>,
    /// A member whose name normalizes alike, for a person to check; never merged.
    pub suggestion: Option<Uuid>,
    pub membership_id: Option<Uuid>,
    /// The member already holding a unique value the row gives, when the caller may see them.
    pub existing_id: Option<Uuid>,
    pub errors: Vec<FieldError>,
}

impl RowReport {
    fn new(line: usize, status: RowStatus) -> Self {
        Self {
            line,
            status,
            member_id: None,
            matched_by: None,
            suggestion: None,
            membership_id: None,
            existing_id: None,
            errors: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the changes were written.
    pub committed: bool,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// A data row of the file: its line and its cells by field.
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub line: usize,
    pub cells: RowCells,
}

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// All or nothing: any row in error and nothing is written.
    pub atomic: bool,
    /// How the file's date cells are read.
    pub days: DayReader,
}

/// Whoever may create members and add memberships to the organization may import into it
/// (403 otherwise, 404 for no such organization).
pub fn authorize(conn: &mut DbConnection, caller: &Caller, organization_id: Uuid) -> Result<(), AppError> {
    policy::create_unowned(&caller.principal, Resource::Members)?;
    policy::new_membership(conn, &caller.principal, organization_id)?;
    Ok(())
}

/// Why a transaction ends without committing.
enum Abort {
    /// The report is complete; its changes are not to be kept.
    Discard(ImportReport),
    Fatal(AppError),
}

impl From<DbError> for Abort {
    fn from(err: DbError) -> Self {
        Self::Fatal(err.into())
    }
}

/// Why one row's savepoint rolls back.
enum RowFailure {
    Row(RowReport),
    Fatal(AppError),
}

impl From<DbError> for RowFailure {
    fn from(err: DbError) -> Self {
        Self::Fatal(err.into())
    }
}

pub fn run(
    conn: &mut DbConnection,
    caller: &Caller,
    organization_id: Uuid,
    rows: &[SheetRow],
    options: ImportOptions,
) -> Result<ImportReport, AppError> {
    authorize(conn, caller, organization_id)?;
    let today = now().date();
    let outcome = savepoint(conn, |conn| {
        let mut report = ImportReport {
            dry_run: options.dry_run,
            committed: false,
            rows: Vec::with_capacity(rows.len()),
        };
        for row in rows {
            if row.cells.is_blank() {
                report.rows.push(RowReport::new(row.line, RowStatus::Skipped));
                continue;
            }
            match savepoint(conn, |conn| {
                import_row(conn, caller, organization_id, row, today, options.days)
            }) {
                Ok(done) => report.rows.push(done),
                Err(RowFailure::Row(failed)) => report.rows.push(failed),
                Err(RowFailure::Fatal(err)) => return Err(Abort::Fatal(err)),
            }
        }
        let refused = options.atomic && report.count(RowStatus::Error) > 0;
        if options.dry_run || refused {
            return Err(Abort::Discard(report));
        }
        report.committed = true;
        Ok(report)
    });
    match outcome {
        Ok(report) | Err(Abort::Discard(report)) => Ok(report),
        Err(Abort::Fatal(err)) => Err(err),
    }
}

fn import_row(
    conn: &mut DbConnection,
    caller: &Caller,
    organization_id: Uuid,
    row: &SheetRow,
    today: NaiveDate,
    days: DayReader,
) -> Result<RowReport, RowFailure> {
    let mut report = RowReport::new(row.line, RowStatus::Unchanged);
    // Every field problem of the row at once: the membership's cells and the member's.
    let mut errors = ValidationErrors::default();
    let wanted = row.cells.membership(days).map_err(|e| errors.0.extend(e.0)).ok();
    let candidate = Member::create(row.cells.member_input(), Uuid::nil(), now())
        .map_err(|e| errors.0.extend(e.0))
        .ok();
    let (Some(wanted), Some(candidate)) = (wanted, candidate) else {
        return Err(failed(report, AppError::Validation(errors)));
    };
    let fail = |report: &RowReport, err: AppError| failed(report.clone(), err);
    let found = matching(conn, &candidate).map_err(|e| fail(&report, e))?;
    let member_id = match found {
        Some((existing, how)) => {
            report.member_id = Some(existing.id);
            report.matched_by = Some(how);
            let mut next = existing.clone();
            let changes = next
                .apply(row.cells.member_changes(), now())
                .map_err(|e| fail(&report, e.into()))?;
            if changes {
                crate::members::update(conn, caller, existing.id, &IfMatch::Absent, row.cells.member_changes())
                    .map_err(|e| fail(&report, e))?;
                report.status = RowStatus::Updated;
            }
            existing.id
        }
        None => {
            let key = hamkari_domain::text::collation_key(&candidate.full_name);
            report.suggestion = find_by(conn, MemberKey::NameSortKey(&key))
                .map_err(|e| fail(&report, e.into()))?
                .map(|m| m.id);
            let created =
                crate::members::create(conn, caller, row.cells.member_input()).map_err(|e| fail(&report, e))?;
            report.member_id = Some(created.id);
            report.status = RowStatus::Created;
            created.id
        }
    };
    let held = membership_store::of_member(conn, member_id).map_err(|e| fail(&report, e.into()))?;
    let starts_on = wanted.starts_on.unwrap_or(today);
    let asked = Term {
        starts_on,
        ends_on: None,
    };
    let already = held.iter().find(|m| {
        m.organization_id == organization_id
            && match wanted.role {
                // Any role held today is membership enough when the sheet names none.
                None => m.term.is_current_on(today),
                Some(role) => m.role == role && m.term.overlaps(&asked),
            }
    });
    report.membership_id = match already {
        Some(existing) => Some(existing.id),
        None => {
            let input = MembershipInput {
                member_id,
                organization_id,
                role: wanted.role.unwrap_or(MembershipRole::Member),
                starts_on,
                ends_on: None,
                end_reason: None,
            };
            let view = crate::memberships::create(conn, caller, input).map_err(|e| fail(&report, e))?;
            if report.status == RowStatus::Unchanged {
                report.status = RowStatus::Updated;
            }
            Some(view.membership.id)
        }
    };
    Ok(report)
}

/// The member a row stands for: by national code, then email, then phone.
fn matching(conn: &mut DbConnection, candidate: &Member) -> Result<Option<(Member, MatchedBy)>, AppError> {
    let keys = [
        (
            candidate.national_id.as_deref().map(MemberKey::NationalId),
            MatchedBy::NationalId,
        ),
        (candidate.email.as_deref().map(MemberKey::Email), MatchedBy::Email),
        (candidate.phone.as_deref().map(MemberKey::Phone), MatchedBy::Phone),
    ];
    for (key, how) in keys {
        if let Some(key) = key {
            if let Some(found) = find_by(conn, key)? {
                return Ok(Some((found, how)));
            }
        }
    }
    Ok(None)
}

/// The field a unique index guards, as the row's error names it.
fn unique_field(unique: Unique) -> &'static str {
    match unique {
        Unique::MemberNationalId => "national_id",
        Unique::MemberEmail => "email",
        Unique::MembershipOpenRole | Unique::MembershipOpenChair => "role",
        _ => "row",
    }
}

/// A row's failure as its report says it; a database outage or a bug ends the import.
fn failed(mut report: RowReport, err: AppError) -> RowFailure {
    report.status = RowStatus::Error;
    let error = match err {
        AppError::Validation(errors) => {
            report.errors = errors.0;
            return RowFailure::Row(report);
        }
        AppError::Conflict { code, detail, field } => FieldError::new(field.unwrap_or("row"), code, detail),
        AppError::Duplicate(unique) => duplicate(unique),
        AppError::DuplicateOf { unique, existing_id } => {
            report.existing_id = Some(existing_id);
            duplicate(unique)
        }
        AppError::Forbidden(detail) => FieldError::new("row", "forbidden", detail),
        AppError::NotFound(detail) => FieldError::new("row", "not_found", detail),
        // Imports create members and memberships, which wait for no approval.
        AppError::ApprovalsPending { detail, .. } => FieldError::new("row", "approvals_pending", detail),
        AppError::PreconditionFailed { .. } => {
            FieldError::new("row", "conflict", "the member changed while the import ran")
        }
        fatal @ (AppError::Unavailable(_) | AppError::Internal(_)) => return RowFailure::Fatal(fatal),
    };
    report.errors = vec![error];
    RowFailure::Row(report)
}

fn duplicate(unique: Unique) -> FieldError {
    FieldError::new(
        unique_field(unique),
        "already_exists",
        "another member already has this value",
    )
}
