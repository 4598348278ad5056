//! The calendar a request reads and writes days in, and [`ApiDate`], the one type of every
//! day (`YYYY-MM-DD`) in request bodies, response bodies and query parameters.
//!
//! The client names the calendar in the `Accept-Calendar` request header (`persian` or
//! `gregorian`, the default); the response says which one it used in `Content-Calendar`.
//! A header rather than `?calendar=`: list URLs, `Link` headers and cursors stay the same in
//! both calendars, and every operation gets it without a parameter of its own.
//!
//! serde has no per-call context, so the [`calendar`] middleware parses the header once and
//! runs the rest of the request inside a task-local scope holding the calendar and the
//! configured floor. Extractors deserialize and handlers render (`HttpResponse::json`) inside
//! that scope, on the request's task. Database work on the blocking pool is outside it, which
//! is why persistence and the domain deal in `NaiveDate` only; an `ApiDate` serialized
//! outside any request (a unit test, the OpenAPI example) is Gregorian.
//!
//! Timestamps (`created_at`, RFC 3339) are not days: they stay Gregorian UTC in every mode.

use std::borrow::Cow;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use chrono::NaiveDate;
use hamkari_domain::calendar::{Calendar, DEFAULT_FLOOR};
use hamkari_domain::validation::FieldProblem;
use hamkari_domain::FieldError;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use crate::error::ApiError;

pub const ACCEPT_CALENDAR: HeaderName = HeaderName::from_static("accept-calendar");
pub const CONTENT_CALENDAR: HeaderName = HeaderName::from_static("content-calendar");

/// What an [`ApiDate`] looks like in either calendar; the calendar decides which days exist.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// The earliest plausible Gregorian day (`HAMKARI_MIN_DATE`), kept as app data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFloor(pub NaiveDate);

impl Default for DateFloor {
    fn default() -> Self {
        Self(DEFAULT_FLOOR)
    }
}

impl std::str::FromStr for DateFloor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Self)
            .map_err(|e| format!("a Gregorian date YYYY-MM-DD is expected: {e}"))
    }
}

#[derive(Debug, Clone, Copy)]
struct DateContext {
    calendar: Calendar,
    floor: NaiveDate,
}

impl Default for DateContext {
    fn default() -> Self {
        Self {
            calendar: Calendar::Gregorian,
            floor: DEFAULT_FLOOR,
        }
    }
}

tokio::task_local! {
    static DATES: DateContext;
}

fn context() -> DateContext {
    DATES.try_with(|context| *context).unwrap_or_default()
}

/// Reads `Accept-Calendar` once per request (400 `invalid_header` when it names no calendar),
/// leaves the [`Calendar`] in the request's extensions, runs the request in its scope, and
/// names the calendar in `Content-Calendar`.
pub async fn calendar(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let calendar = match requested(req.headers()) {
        Ok(calendar) => calendar,
        Err(err) => return Ok(req.into_response(err.error_response())),
    };
    let floor = req.app_data::<DateFloor>().copied().unwrap_or_default().0;
    req.extensions_mut().insert(calendar);
    let scope = DateContext { calendar, floor };
    let response = DATES.scope(scope, async move { next.call(req).await }).await?;
    let mut response = response.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.insert(CONTENT_CALENDAR, HeaderValue::from_static(calendar.name()));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Calendar"));
    Ok(response)
}

fn requested(headers: &HeaderMap) -> Result<Calendar, ApiError> {
    let mut values = headers.get_all(ACCEPT_CALENDAR);
    let Some(value) = values.next() else {
        return Ok(Calendar::Gregorian);
    };
    let refuse = |problem: FieldProblem| ApiError::BadRequest {
        code: "invalid_header",
        detail: "The Accept-Calendar header must be persian or gregorian.".into(),
        errors: vec![FieldError::new("Accept-Calendar", problem.code, problem.message)],
    };
    if values.next().is_some() {
        return Err(refuse(FieldProblem::new("invalid_value", "must be sent once")));
    }
    let text = value.to_str().unwrap_or("");
    Calendar::parse(text).map_err(refuse)
}

/// The request's calendar and floor, for days that do not pass through serde (an import's
/// cells): an extractor, and `Copy + Send`, so it can go along to the blocking pool.
#[derive(Debug, Clone, Copy)]
pub struct Days {
    pub calendar: Calendar,
    floor: NaiveDate,
}

impl Days {
    pub fn read(self, text: &str) -> Result<NaiveDate, FieldProblem> {
        self.calendar.read(text, self.floor)
    }

    pub fn write(self, day: NaiveDate) -> String {
        self.calendar.write(day)
    }

    pub fn reader(self) -> hamkari_domain::calendar::DayReader {
        hamkari_domain::calendar::DayReader {
            calendar: self.calendar,
            floor: self.floor,
        }
    }
}

impl actix_web::FromRequest for Days {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let calendar = req.extensions().get::<Calendar>().copied().unwrap_or_default();
        let floor = req.app_data::<DateFloor>().copied().unwrap_or_default().0;
        std::future::ready(Ok(Self { calendar, floor }))
    }
}

/// A day, read and written in the request's calendar and held as the Gregorian day it is.
///
/// Use it for every day field of a request or response body and every day query parameter:
/// `NaiveDate` → `ApiDate`, `Option<NaiveDate>` → `Option<ApiDate>`, `Patch<NaiveDate>` →
/// `Patch<ApiDate>`; then [`ToApi::api`] where a body is built and [`ToDay::day`] where one
/// is read (the compiler points at each place).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiDate(pub NaiveDate);

/// In the request's calendar, for CSV cells.
impl std::fmt::Display for ApiDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&context().calendar.write(self.0))
    }
}

/// The request's calendar, carried into work that runs after the handler returned (a
/// streamed body is polled outside the request's scope).
#[derive(Clone, Copy)]
pub struct DateScope(DateContext);

impl DateScope {
    pub fn current() -> Self {
        Self(context())
    }

    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        DATES.sync_scope(self.0, f)
    }
}

impl Serialize for ApiDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&context().calendar.write(self.0))
    }
}

impl<'de> Deserialize<'de> for ApiDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        let DateContext { calendar, floor } = context();
        calendar
            .read(&text, floor)
            .map(ApiDate)
            .map_err(|problem| de::Error::custom(mark(&problem)))
    }
}

// serde errors carry only text: the problem's code travels inside it, behind a marker no
// serde message contains, and `extract` turns it back into a field error with that code.
const MARK: char = '\u{1f}';

fn mark(problem: &FieldProblem) -> String {
    format!("{MARK}{}{MARK}{}", problem.code, problem.message)
}

/// The date problem a serde error message carries, if it is one.
pub fn problem_in(message: &str) -> Option<FieldProblem> {
    let (code, message) = message.strip_prefix(MARK)?.split_once(MARK)?;
    let code = ["invalid_date", "implausible_date", "implausible_persian_date"]
        .into_iter()
        .find(|known| *known == code)?;
    Some(FieldProblem::new(code, message))
}

/// A day sent in the wrong calendar is refused as a whole (422 with the field's own code),
/// not as one validation error among others: nothing else about the request can be trusted
/// to mean what the client meant.
pub fn implausible(error: &FieldError) -> Option<ApiError> {
    matches!(error.code, "implausible_date" | "implausible_persian_date").then(|| ApiError::Unprocessable {
        code: error.code,
        detail: format!("{} {}.", error.field, error.message),
        errors: vec![error.clone()],
    })
}

/// Stored days to their [`ApiDate`] form, for response bodies.
pub trait ToApi {
    type Api;
    fn api(self) -> Self::Api;
}

impl ToApi for NaiveDate {
    type Api = ApiDate;
    fn api(self) -> ApiDate {
        ApiDate(self)
    }
}

impl<T: ToApi> ToApi for Option<T> {
    type Api = Option<T::Api>;
    fn api(self) -> Self::Api {
        self.map(ToApi::api)
    }
}

/// [`ApiDate`]s to the (Gregorian) days the domain takes, for commands and filters.
pub trait ToDay {
    type Day;
    fn day(self) -> Self::Day;
}

impl ToDay for ApiDate {
    type Day = NaiveDate;
    fn day(self) -> NaiveDate {
        self.0
    }
}

impl<T: ToDay> ToDay for Option<T> {
    type Day = Option<T::Day>;
    fn day(self) -> Self::Day {
        self.map(ToDay::day)
    }
}

impl utoipa::PartialSchema for ApiDate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(DATE_PATTERN))
            .description(Some(
                "A day, `YYYY-MM-DD`, in the calendar the request chose with `Accept-Calendar`: \
                 Gregorian by default, Solar Hijri (Jalali) with `persian`. Stored Gregorian. \
                 In Gregorian, a day before 1800-01-01 (or the server's configured floor) is \
                 422 `implausible_date`; in Solar Hijri, a year from 1700 on is 422 \
                 `implausible_persian_date`; a day the calendar lacks (Esfand 30 of a common \
                 year) is 422 with the field code `invalid_date`.",
            ))
            .examples([serde_json::json!("2024-03-20")])
            .into()
    }
}

impl utoipa::ToSchema for ApiDate {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CalendarDate")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_survive_serde() {
        let problem = FieldProblem::new("implausible_date", "looks Solar Hijri");
        let back = problem_in(&mark(&problem)).unwrap();
        assert_eq!(back, problem);
        assert_eq!(problem_in("invalid type: integer, expected a string"), None);
        assert_eq!(problem_in(&mark(&FieldProblem::new("made_up", "x"))), None);
    }

    #[test]
    fn outside_a_request_days_are_gregorian() {
        let day = ApiDate(NaiveDate::from_ymd_opt(2024, 3, 20).unwrap());
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2024-03-20\"");
    }

    #[test]
    fn inside_a_scope_days_follow_the_calendar() {
        let scope = DateContext {
            calendar: Calendar::Persian,
            floor: DEFAULT_FLOOR,
        };
        let (written, read) = DATES.sync_scope(scope, || {
            let day = ApiDate(NaiveDate::from_ymd_opt(2024, 3, 20).unwrap());
            let read: ApiDate = serde_json::from_str("\"1403-12-30\"").unwrap();
            (serde_json::to_string(&day).unwrap(), read)
        });
        assert_eq!(written, "\"1403-01-01\"");
        assert_eq!(read.0, NaiveDate::from_ymd_opt(2025, 3, 20).unwrap());
    }

    #[test]
    fn days_read_like_api_dates() {
        let days = Days {
            calendar: Calendar::Persian,
            floor: DEFAULT_FLOOR,
        };
        assert_eq!(
            days.read("1403-01-01").unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 20).unwrap()
        );
        assert_eq!(days.read("1402-12-30").unwrap_err().code, "invalid_date");
        assert_eq!(days.write(NaiveDate::from_ymd_opt(2025, 3, 21).unwrap()), "1404-01-01");
    }

    #[test]
    fn header_values() {
        let mut headers = HeaderMap::new();
        assert_eq!(requested(&headers).unwrap(), Calendar::Gregorian);
        headers.insert(ACCEPT_CALENDAR, HeaderValue::from_static("persian"));
        assert_eq!(requested(&headers).unwrap(), Calendar::Persian);
        headers.append(ACCEPT_CALENDAR, HeaderValue::from_static("persian"));
        assert!(requested(&headers).is_err());
        headers.insert(ACCEPT_CALENDAR, HeaderValue::from_static("jalali"));
        assert!(requested(&headers).is_err());
    }
}
