//! The one place where errors become RFC 9457 `application/problem+json` responses.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use hamkari_app::{AppError, DbError, Unique};
use hamkari_domain::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying when the database is unavailable.
const RETRY_AFTER_UNAVAILABLE: &str = "2";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:hamkari:problem:validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request has invalid fields.",
    "code": "validation_failed",
    "errors": [{"field": "email", "code": "invalid_email", "message": "must be an email address such as name@example.org"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:hamkari:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase (in Persian with `Accept-Language: fa`).
    pub title: String,
    pub status: u16,
    /// What went wrong in this occurrence, for people (in Persian with `Accept-Language: fa`).
    pub detail: String,
    /// A stable snake_case code, for programs.
    pub code: String,
    /// Per-field problems, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// With `approvals_pending`: the organizations that have not approved yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_organization_ids: Option<Vec<uuid::Uuid>>,
    /// For a duplicate: the existing record holding the value, when the caller may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<uuid::Uuid>,
}

/// One invalid field in a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field's name, dotted for nested fields (`organization_ids.1`).
    pub field: String,
    pub code: String,
    /// For people, in Persian with `Accept-Language: fa`.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            code: e.code.to_owned(),
            message: e.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{detail}")]
    Unauthorized { detail: String, presented: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        field: Option<&'static str>,
    },
    #[error("{detail}")]
    ApprovalsPending { detail: String, pending: Vec<uuid::Uuid> },
    #[error("the resource has changed: its current version is {current}")]
    PreconditionFailed { current: i64 },
    /// What the client refers to existed once and is gone for good (a pruned feed cursor).
    #[error("{detail}")]
    Gone { code: &'static str, detail: String },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    /// A conflict with an existing record the caller may see, named in the problem.
    #[error("{conflict}")]
    ConflictWith {
        conflict: Box<ApiError>,
        existing_id: uuid::Uuid,
    },
    #[error("invalid fields")]
    Validation(ValidationErrors),
    /// A 422 with a code of its own (a day sent in the wrong calendar).
    #[error("{detail}")]
    Unprocessable {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("too many attempts; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: i64 },
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error("the database is unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Gone { code, .. } => code,
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::ApprovalsPending { .. } => "approvals_pending",
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::NotAcceptable(_) => "not_acceptable",
            Self::ConflictWith { conflict, .. } => conflict.code(),
            Self::Validation(_) => "validation_failed",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Busy => "busy",
            Self::Unavailable(_) => "database_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(_) => "The request has invalid fields.".into(),
            Self::Unavailable(_) => "The database is unavailable; try again shortly.".into(),
            // The cause is logged, never shown: it may hold SQL or internals.
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
            Self::MethodNotAllowed { allow } => format!("This resource supports only: {allow}."),
            Self::ConflictWith { conflict, .. } => conflict.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Option<Vec<ProblemField>> {
        match self {
            Self::Validation(errors) => Some(errors.0.iter().cloned().map(ProblemField::from).collect()),
            Self::BadRequest { errors, .. } | Self::Unprocessable { errors, .. } if !errors.is_empty() => {
                Some(errors.iter().cloned().map(ProblemField::from).collect())
            }
            Self::Conflict {
                code,
                detail,
                field: Some(field),
            } => Some(vec![ProblemField {
                field: (*field).to_owned(),
                code: (*code).to_owned(),
                message: detail.clone(),
            }]),
            Self::ConflictWith { conflict, .. } => conflict.field_errors(),
            _ => None,
        }
    }
}

/// Builds a problem response for any status; used for errors that never became an [`ApiError`].
pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Option<Vec<ProblemField>>,
) -> HttpResponse {
    let problem = Problem {
        kind: format!("urn:hamkari:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
        errors,
        pending_organization_ids: None,
        existing_id: None,
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(serde_json::to_vec(&problem).unwrap_or_default())
}

/// A problem that names the existing record it is about (`existing_id`).
pub fn problem_naming(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Option<Vec<ProblemField>>,
    existing_id: uuid::Uuid,
) -> HttpResponse {
    let problem = Problem {
        kind: format!("urn:hamkari:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
        errors,
        existing_id: Some(existing_id),
        pending_organization_ids: None,
    };
    problem_http(status, &problem)
}

fn problem_http(status: StatusCode, problem: &Problem) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(serde_json::to_vec(problem).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } | Self::ApprovalsPending { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::ConflictWith { conflict, .. } => conflict.status_code(),
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = match self {
            Self::ApprovalsPending { detail, pending } => {
                let status = self.status_code();
                problem_http(
                    status,
                    &Problem {
                        kind: format!("urn:hamkari:problem:{}", self.code()),
                        title: status.canonical_reason().unwrap_or("Error").to_owned(),
                        status: status.as_u16(),
                        detail: detail.clone(),
                        code: self.code().to_owned(),
                        errors: None,
                        pending_organization_ids: Some(pending.clone()),
                        existing_id: None,
                    },
                )
            }
            Self::ConflictWith { existing_id, .. } => problem_naming(
                self.status_code(),
                self.code(),
                self.detail(),
                self.field_errors(),
                *existing_id,
            ),
            _ => problem_response(self.status_code(), self.code(), self.detail(), self.field_errors()),
        };
        let headers = response.headers_mut();
        match self {
            Self::Unavailable(_) | Self::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_UNAVAILABLE));
            }
            Self::TooManyRequests { retry_after } => {
                if let Ok(value) = HeaderValue::from_str(&(*retry_after).max(1).to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            Self::Unauthorized { presented, .. } => {
                // RFC 6750: name the scheme, and say when a presented token was refused.
                let challenge = if *presented {
                    "Bearer realm=\"hamkari\", error=\"invalid_token\""
                } else {
                    "Bearer realm=\"hamkari\""
                };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            Self::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            Self::PreconditionFailed { current } => {
                if let Ok(value) = HeaderValue::from_str(&format!("\"{current}\"")) {
                    headers.insert(header::ETAG, value);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<hamkari_domain::auth::Denied> for ApiError {
    fn from(denied: hamkari_domain::auth::Denied) -> Self {
        AppError::from(denied).into()
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        AppError::from(err).into()
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation(errors) => Self::Validation(errors),
            AppError::Forbidden(detail) => Self::Forbidden(detail),
            AppError::NotFound(detail) => Self::NotFound(detail),
            AppError::Conflict { code, detail, field } => Self::Conflict { code, detail, field },
            AppError::Duplicate(unique) => unique_conflict(unique),
            AppError::ApprovalsPending { detail, pending } => Self::ApprovalsPending { detail, pending },
            AppError::DuplicateOf { unique, existing_id } => Self::ConflictWith {
                conflict: Box::new(unique_conflict(unique)),
                existing_id,
            },
            AppError::PreconditionFailed { current } => Self::PreconditionFailed { current },
            AppError::Unavailable(cause) => Self::Unavailable(cause),
            AppError::Internal(cause) => Self::Internal(cause),
        }
    }
}

/// Turns a unique index into a 409 that names the clashing field. Exhaustive: a new index
/// must say here what it means to a client.
fn unique_conflict(unique: Unique) -> ApiError {
    let (field, detail) = match unique {
        Unique::OrganizationSlug => ("slug", "Another organization already uses this slug."),
        Unique::OrganizationName => (
            "name",
            "Another organization already has this name (compared after Persian normalization).",
        ),
        Unique::UserEmail => ("email", "Another user already has this email address."),
        Unique::MemberNationalId => ("national_id", "Another member already has this national code."),
        Unique::MemberEmail => ("email", "Another member already has this email address."),
        Unique::MembershipOpenRole => ("role", "The person already holds this role here in an open membership."),
        Unique::MembershipOpenChair => ("role", "The organization already has an open board chair."),
        Unique::ProjectOneLead => ("role", "The project already has a lead organization."),
        Unique::ProjectTeamMember => ("member_id", "The person is on the team already."),
        Unique::GroupMember => ("member_id", "The person is in the group already."),
        Unique::GroupOneChair => ("role", "The group has a chair already."),
        Unique::GroupOneCoChair => ("role", "This organization has a co-chair in the group already."),
        // Two approvals for one organization that raced past the item's lock.
        Unique::Approval => {
            return ApiError::Conflict {
                code: "already_approved",
                detail: "This organization has approved it already.".into(),
                field: Some("organization_id"),
            }
        }
        Unique::UserOrganization => (
            "organization_ids",
            "The user is affiliated with this organization already.",
        ),
        // Server-made values: a clash is a bug or an astronomically unlikely collision.
        Unique::ApiTokenSecret | Unique::RefreshTokenHash | Unique::ServerSecretName | Unique::LoginThrottleKey => {
            return ApiError::internal(format!("unique index {unique:?} refused a server-made value"));
        }
    };
    ApiError::Conflict {
        code: "already_exists",
        detail: detail.into(),
        field: Some(field),
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

impl From<hamkari_domain::precondition::Stale> for ApiError {
    fn from(stale: hamkari_domain::precondition::Stale) -> Self {
        Self::PreconditionFailed { current: stale.current }
    }
}
