//! Problem text in the client's language: one catalog per language (`en.rs`, `fa.rs`),
//! keyed by the stable `code`.
//!
//! Errors are rendered in English where they arise (`error.rs`, the middleware's rewrite
//! of framework errors); when `Accept-Language` prefers Persian, [`localize`] rewrites the
//! finished problem body from the catalog: `title` from the status, `detail` and each field
//! error's `message` from their codes. `code` never changes. Doing it on the way out means
//! no error site needs to know the request's language.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::error::PROBLEM_JSON;

// English responses keep the specific text written where the error arose, so at run time
// only the tests read the English catalog: it is the reference every other catalog matches.
#[cfg_attr(not(test), allow(dead_code))]
mod en;
mod fa;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fa,
}

impl Lang {
    /// The language `Accept-Language` prefers among those we speak; English by default.
    pub fn of(headers: &HeaderMap) -> Self {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Self::En, Self::negotiate)
    }

    fn negotiate(accept: &str) -> Self {
        let mut best = (Self::En, 0.0_f32);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next().unwrap_or("") {
                "fa" | "per" | "fas" => Self::Fa,
                "en" | "*" => Self::En,
                _ => continue,
            };
            // The first of equal weights wins, as RFC 9110 leaves ties to the server.
            if q > best.1 {
                best = (lang, q);
            }
        }
        best.0
    }

    fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fa => "fa",
        }
    }
}

fn lookup<K: PartialEq + Copy, V: Copy>(table: &[(K, V)], key: K) -> Option<V> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The Persian message for a problem or field `code`.
pub fn persian(code: &str) -> Option<&'static str> {
    lookup(fa::MESSAGES, code)
}

/// The Persian phrase of an error status.
pub fn persian_title(status: u16) -> Option<&'static str> {
    lookup(fa::TITLES, status)
}

/// A problem body rewritten into `lang`; any other response unchanged.
pub async fn localize(response: ServiceResponse<BoxBody>, lang: Lang) -> ServiceResponse<BoxBody> {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if lang == Lang::En || !is_problem {
        return response;
    }
    let (req, res) = response.into_parts();
    let (mut res, body) = res.into_parts();
    // Problem bodies are small and already in memory; the limit only guards the unexpected.
    let bytes = match body::to_bytes_limited(body, 64 * 1024).await {
        Ok(Ok(bytes)) => bytes,
        _ => {
            tracing::warn!("a problem body could not be read for translation");
            return ServiceResponse::new(req, res.set_body(BoxBody::new(())));
        }
    };
    let translated = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut problem) => {
            translate(&mut problem, lang);
            res.headers_mut()
                .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
            serde_json::to_vec(&problem).map_or(bytes, Into::into)
        }
        Err(_) => bytes,
    };
    ServiceResponse::new(req, res.set_body(translated.boxed()))
}

fn translate(problem: &mut Value, lang: Lang) {
    if lang == Lang::En {
        return;
    }
    let status = problem["status"].as_u64().and_then(|n| u16::try_from(n).ok());
    let title = status.and_then(persian_title);
    if let Some(title) = title {
        problem["title"] = title.into();
    }
    let code = problem["code"].as_str().unwrap_or_default().to_owned();
    // Codes made from a framework status phrase have no entry: the status says it all.
    let detail = persian(&code)
        .map(str::to_owned)
        .or_else(|| title.map(|t| format!("{t}.")));
    if let Some(detail) = detail {
        problem["detail"] = detail.into();
    }
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            let message = error["code"].as_str().and_then(persian);
            if let Some(message) = message {
                error["message"] = message.into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate("fa"), Lang::Fa);
        assert_eq!(Lang::negotiate("fa-IR,fa;q=0.9,en-US;q=0.8"), Lang::Fa);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,fa;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("de, fa;q=0.5"), Lang::Fa);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate("fa;q=0"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }

    #[test]
    fn both_catalogs_have_the_same_codes() {
        let en: BTreeSet<_> = en::MESSAGES.iter().map(|(c, _)| *c).collect();
        let fa: BTreeSet<_> = fa::MESSAGES.iter().map(|(c, _)| *c).collect();
        assert_eq!(en.len(), en::MESSAGES.len(), "a code is listed twice in en.rs");
        assert_eq!(fa.len(), fa::MESSAGES.len(), "a code is listed twice in fa.rs");
        assert_eq!(en, fa, "en.rs and fa.rs list different codes");
    }

    /// Every error status has a Persian title: framework errors are rewritten with a code
    /// made from the status phrase, and their Persian detail is that title.
    #[test]
    fn every_error_status_has_a_persian_title() {
        for status in 400..600 {
            let known = actix_web::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .is_some();
            if known {
                assert!(persian_title(status).is_some(), "no Persian title for {status}");
            }
        }
    }

    /// Collects the codes the code base can produce, from the calls that take one, and
    /// requires a message for each in both catalogs. A code passed through a variable is
    /// not seen here: add it to both catalogs by hand.
    #[test]
    fn every_code_in_the_code_base_has_a_message() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut codes = BTreeSet::new();
        for dir in [
            "crates/domain/src",
            "crates/persistence/src",
            "crates/app/src",
            "crates/http/src",
            "src",
        ] {
            collect(&root.join(dir), &mut codes);
        }
        assert!(codes.len() > 30, "only {} codes found: {codes:?}", codes.len());
        let fa: BTreeSet<_> = fa::MESSAGES.iter().map(|(c, _)| c.to_string()).collect();
        let missing: Vec<_> = codes.difference(&fa).collect();
        assert!(
            missing.is_empty(),
            "codes without a message in messages/{{en,fa}}.rs: {missing:?}"
        );
    }

    /// Calls that take a code, and the position of the code among their arguments.
    const TAKES_A_CODE: &[(&str, usize)] = &[
        ("FieldError::new(", 1),
        ("ValidationErrors::single(", 1),
        ("FieldProblem::new(", 0),
        ("conflict(", 0),
        ("field_conflict(", 0),
        ("invalid(", 1),
        ("bad_request(", 0),
        ("query_error(", 1),
        ("problem_response(", 1),
    ];

    fn collect(dir: &Path, codes: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("source directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "messages") {
                    collect(&path, codes);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            // Unit tests make up codes of their own.
            let text = text.split("#[cfg(test)]").next().unwrap_or("");
            for (call, position) in TAKES_A_CODE {
                for (at, _) in text.match_indices(call) {
                    let args = arguments(&text[at + call.len()..]);
                    if let Some(code) = args.get(*position).and_then(|a| literal(a)) {
                        codes.insert(code);
                    }
                }
            }
            for (at, _) in text.match_indices("code: \"") {
                if let Some(code) = literal(&text[at + "code: ".len()..]) {
                    codes.insert(code);
                }
            }
            // `ApiError::code`'s own codes.
            let lines = text.lines().filter(|_| path.ends_with("http/src/error.rs"));
            for line in lines.filter(|l| l.trim_start().starts_with("Self::")) {
                if let Some((_, tail)) = line.split_once("=> \"") {
                    if let Some(code) = literal(&format!("\"{tail}")) {
                        codes.insert(code);
                    }
                }
            }
        }
    }

    /// The top-level arguments of a call whose opening parenthesis has just been read.
    fn arguments(text: &str) -> Vec<&str> {
        let (mut depth, mut in_string, mut escaped, mut start) = (0_i32, false, false, 0);
        let mut args = Vec::new();
        for (i, c) in text.char_indices() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => {
                    args.push(text[start..i].trim());
                    break;
                }
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(text[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
        }
        args
    }

    /// A snake_case string literal at the start of `text`.
    fn literal(text: &str) -> Option<String> {
        let rest = text.trim_start().strip_prefix('"')?;
        let end = rest.find('"')?;
        let word = &rest[..end];
        let snake = !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        snake.then(|| word.to_owned())
    }
}
