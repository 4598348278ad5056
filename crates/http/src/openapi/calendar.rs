//! `Accept-Calendar` on every operation: the `calendar` middleware reads it on every request
//! (see `dates.rs`), so every operation takes it and can answer 400 for a value that names
//! no calendar; an operation with a day in its query can also answer 422 `implausible_date`.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::{RefOr, Required};

use super::conventions::add;
use super::string_enum;

pub fn document(op: &mut Operation) {
    let dated_query = op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => {
            p.parameter_in == ParameterIn::Query
                && serde_json::to_string(&p.schema).is_ok_and(|s| s.contains("/CalendarDate"))
        }
        RefOr::Ref(_) => false,
    });
    let header = ParameterBuilder::new()
        .name("Accept-Calendar")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The calendar of every day (`YYYY-MM-DD`) in the request and the response: \
             `gregorian` (the default) or `persian` (Solar Hijri). Storage is Gregorian; \
             timestamps stay RFC 3339 UTC in both. The response names the calendar it used in \
             `Content-Calendar`.",
        ))
        .schema(Some(string_enum(["gregorian", "persian"])))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(RefOr::T(header));
    add(
        op,
        "400",
        "A parameter or header is malformed (`Accept-Calendar` names no calendar).",
        None,
    );
    if dated_query {
        add(
            op,
            "422",
            "A day in the query was sent in the wrong calendar (`implausible_date`, `implausible_persian_date`).",
            None,
        );
    }
}
