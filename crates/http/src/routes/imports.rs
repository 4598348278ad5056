//! `/api/v1/organizations/{id}/imports`: members and their memberships from a spreadsheet.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use hamkari_app::imports::{self as use_case, ImportOptions, ImportReport, RowReport, RowStatus, SheetRow};
use hamkari_domain::import::ColumnMap;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem, ProblemField, PROBLEM_JSON};
use crate::extract::{query_error, QueryParams};
use crate::import_file::{self, FileKind, ImportLimits, XLSX};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Validate and report what would happen, writing nothing.
    dry_run: Option<bool>,
    /// All or nothing (default `true`): any row in error and nothing is written (422).
    /// `false` writes the valid rows and reports the rest.
    atomic: Option<bool>,
    /// A JSON object `{"column header": "field"}` naming the columns to read, instead of
    /// matching header names (English or Persian) to fields.
    mapping: Option<String>,
}

/// How many rows ended each way.
#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub error: usize,
}

/// One row of the file, and what became of it.
#[derive(Serialize, ToSchema)]
pub struct ImportRowBody {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    /// `created`, `updated`, `unchanged`, `skipped` (a blank line) or `error`.
    #[schema(value_type = String)]
    pub status: RowStatus,
    pub member_id: Option<Uuid>,
    /// How the row was tied to an existing member: `national_id`, `email` or `phone`.
    #[schema(value_type = Option<String>)]
    pub matched_by: Option<hamkari_app::imports::MatchedBy>,
    /// An existing member whose name normalizes alike, for a person to check; never merged.
    pub suggestion: Option<Uuid>,
    pub membership_id: Option<Uuid>,
    /// The member already holding a value the row gives, when you may see them.
    pub existing_id: Option<Uuid>,
    /// The row's field problems, shaped like a problem's `errors`.
    pub errors: Vec<ProblemField>,
}

/// What an import did, or would do in a dry run.
#[derive(Serialize, ToSchema)]
pub struct ImportReportBody {
    pub dry_run: bool,
    /// Whether the changes were written.
    pub committed: bool,
    pub summary: ImportSummary,
    pub rows: Vec<ImportRowBody>,
}

impl From<RowReport> for ImportRowBody {
    fn from(r: RowReport) -> Self {
        Self {
            line: r.line,
            status: r.status,
            member_id: r.member_id,
            matched_by: r.matched_by,
            suggestion: r.suggestion,
            membership_id: r.membership_id,
            existing_id: r.existing_id,
            errors: r.errors.into_iter().map(ProblemField::from).collect(),
        }
    }
}

impl From<ImportReport> for ImportReportBody {
    fn from(report: ImportReport) -> Self {
        Self {
            dry_run: report.dry_run,
            committed: report.committed,
            summary: ImportSummary {
                created: report.count(RowStatus::Created),
                updated: report.count(RowStatus::Updated),
                unchanged: report.count(RowStatus::Unchanged),
                skipped: report.count(RowStatus::Skipped),
                error: report.count(RowStatus::Error),
            },
            rows: report.rows.into_iter().map(ImportRowBody::from).collect(),
        }
    }
}

/// A file's bytes, sent as the whole body.
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for FileBytes {}

/// An import sent as a form: the file and, optionally, how its columns map to fields.
// Only documents the body; `import_multipart` reads the parts as they stream in.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The CSV or XLSX file, told apart by the part's media type or its file name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The same JSON object as the `mapping` query parameter.
    #[schema(nullable = false)]
    mapping: Option<String>,
}

/// The 422 of an all-or-nothing import with rows in error: the problem and the report.
#[derive(Serialize)]
pub struct ImportRefused {
    #[serde(flatten)]
    pub problem: Problem,
    pub report: ImportReportBody,
}

/// Import members and their memberships.
///
/// The body is the file under its own media type: `text/csv` (UTF-8 with or without a
/// byte-order mark, or UTF-16 with one; comma, semicolon or tab), an XLSX workbook (its
/// first sheet), or `multipart/form-data` with a `file` part and an optional `mapping` part.
/// The first row names the columns (`full_name`/`نام و نام خانوادگی`, `national_id`/`کد ملی`,
/// `email`/`ایمیل`, `phone`/`موبایل`, `role`/`نقش`, `starts_on`/`تاریخ شروع`, …) unless a
/// mapping names them. A row matches an existing member by national code, then email, then
/// phone; a member is created otherwise, and a membership in this organization when the
/// person holds none (in the row's role) already. Running the same file again changes
/// nothing. Scope: `members:write`, for this organization.
#[utoipa::path(
    tag = "imports",
    operation_id = "import_members",
    params(("id" = Uuid, Path), ImportParams),
    request_body(content(
        (String = "text/csv"),
        (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (inline(ImportForm) = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The report (a dry run's, or the rows written).", body = ImportReportBody),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to add members to this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than HAMKARI_IMPORT_MAX_BYTES.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, XLSX or multipart.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unreadable file, too many rows or no usable header; or, all or nothing, rows in error (code `import_refused`, with the `report` as an extension member shaped like the 200 body).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{id}/imports")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<ImportParams>,
    days: crate::dates::Days,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    let limits = req
        .app_data::<web::Data<ImportLimits>>()
        .map(|limits| ***limits)
        .unwrap_or_default();
    check_declared_length(&req, limits.max_bytes)?;
    {
        let caller = caller.0.clone();
        db::run(&state.db, move |conn| use_case::authorize(conn, &caller, id)).await?;
    }
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (kind, body, mut mapping) = if media_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        crate::import_multipart::read(&req, payload, limits.max_bytes).await?
    } else {
        let kind = FileKind::of_media_type(&media_type).ok_or_else(unsupported)?;
        (kind, read_body(payload, limits.max_bytes).await?, None)
    };
    if let Some(raw) = q.mapping {
        mapping = Some(raw);
    }
    let mapping = mapping.map(|raw| parse_mapping(&raw)).transpose()?;
    let rows = web::block(move || -> Result<Vec<SheetRow>, ApiError> {
        let sheet = import_file::read(kind, &body, &limits)?;
        let columns = match mapping {
            Some(mapping) => ColumnMap::from_mapping(&sheet.header, &mapping)?,
            None => ColumnMap::from_header(&sheet.header)?,
        };
        Ok(sheet
            .rows
            .iter()
            .map(|(line, cells)| SheetRow {
                line: *line,
                cells: columns.row(cells),
            })
            .collect())
    })
    .await??;
    let options = ImportOptions {
        dry_run: q.dry_run.unwrap_or(false),
        atomic: q.atomic.unwrap_or(true),
        days: days.reader(),
    };
    let report = db::write(&state.db, move |conn| {
        use_case::run(conn, &caller.0, id, &rows, options)
    })
    .await?;
    if report.committed || report.dry_run {
        return Ok(HttpResponse::Ok().json(ImportReportBody::from(report)));
    }
    Ok(refused(report))
}

fn unsupported() -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "Send the file as text/csv, {XLSX} or multipart/form-data with a `file` part."
    ))
}

fn refused(report: ImportReport) -> HttpResponse {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let errors = report.count(RowStatus::Error);
    let body = ImportRefused {
        problem: Problem {
            kind: "urn:hamkari:problem:import_refused".into(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: format!(
                "{errors} row(s) have errors, so nothing was written; fix them, or pass atomic=false to write the others."
            ),
            code: "import_refused".into(),
            errors: None,
            existing_id: None,
            pending_organization_ids: None,
        },
        report: ImportReportBody::from(report),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(body)
}

/// A declared length past the limit is refused before a byte of the body is read.
pub(crate) fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u128>().ok());
    match declared {
        Some(len) if len > limit as u128 => Err(ApiError::PayloadTooLarge { limit }),
        _ => Ok(()),
    }
}

/// The body, refused (413) as soon as it outgrows the limit.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("unreadable_body", format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `{"column": "field", …}` in the order given.
pub(crate) fn parse_mapping(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let invalid = || {
        query_error(
            "mapping",
            "invalid",
            "must be a JSON object of column names to field names",
        )
    };
    let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw).map_err(|_| invalid())?;
    value
        .into_iter()
        .map(|(column, field)| match field {
            serde_json::Value::String(field) => Ok((column, field)),
            _ => Err(invalid()),
        })
        .collect()
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create);
}
