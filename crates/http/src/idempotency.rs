//! `Idempotency-Key` on `POST` and `PATCH` (IETF httpapi draft): middleware in front of every
//! route, so no handler knows about it. The first request with a key claims it in the
//! database; a repeat gets the stored status, `Location`, `ETag`, `Content-Type` and body
//! (with `Idempotent-Replayed: true`), and no second effect. Server errors (5xx) are not
//! stored: the claim is released and the client may try again with the same key.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use hamkari_app::idempotency::{self as use_case, Answer, Claim, IdempotencyKey, KeyProblem};
use hamkari_domain::auth::Principal;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::{problem_response, ApiError};
use crate::extract::MAX_BODY_BYTES;
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The response headers a repeat gets back; the rest (request id, limits) are the repeat's own.
const KEPT_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let applies = matches!(*req.method(), Method::POST | Method::PATCH)
        && req.headers().contains_key(IDEMPOTENCY_KEY)
        && routed(&req);
    // Public endpoints (login, refresh) have no credential to keep keys under: the header is ignored there.
    let principal = req.extensions().get::<Principal>().cloned();
    let (Some(principal), Some(state), true) = (principal, req.app_data::<web::Data<AppState>>().cloned(), applies)
    else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match parse_key(&req) {
        Ok(key) => key,
        Err(err) => return Ok(req.error_response(err).map_into_boxed_body()),
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err).map_into_boxed_body()),
    };
    let fingerprint = fingerprint(&req, &body);
    let credential = use_case::credential(&principal);
    let now = state.now();
    let claimed = {
        let (credential, key) = (credential.clone(), key.clone());
        db::write(&state.db, move |conn| {
            use_case::claim(conn, &credential, &key, &fingerprint, now)
        })
        .await
    };
    match claimed {
        Err(err) => Ok(req.error_response(err).map_into_boxed_body()),
        Ok(Claim::Replay(answer)) => Ok(req.into_response(replay(answer))),
        Ok(Claim::Running) => Ok(req
            .error_response(ApiError::Conflict {
                code: "idempotency_key_in_use",
                detail: "A request with this Idempotency-Key is still being processed; repeat it once that one has been answered.".into(),
                field: None,
            })
            .map_into_boxed_body()),
        Ok(Claim::OtherRequest) => Ok(req.into_response(problem_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request (method, path or body); use a new key for a new request.".into(),
            None,
        ))),
        Ok(Claim::Run) => {
            req.set_payload(actix_web::dev::Payload::from(body));
            let response = next.call(req).await?.map_into_boxed_body();
            Ok(settle(&state, credential, key, response).await)
        }
    }
}

fn parse_key(req: &ServiceRequest) -> Result<IdempotencyKey, ApiError> {
    let raw = req.headers().get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok());
    IdempotencyKey::parse(raw.unwrap_or("\u{0}")).map_err(|problem| {
        let detail = match problem {
            KeyProblem::Empty => "The Idempotency-Key header is empty; send 1 to 255 characters, such as a UUID.",
            KeyProblem::TooLong => "The Idempotency-Key header is longer than 255 characters.",
            KeyProblem::Malformed => {
                "The Idempotency-Key header must be visible ASCII characters, optionally in double quotes."
            }
        };
        ApiError::bad_request("invalid_idempotency_key", detail)
    })
}

/// The body, read once to fingerprint it; the handler then reads the same bytes.
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("unreadable_body", format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Method, target (path and query) and body: what makes two requests "the same".
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update(b" ");
    hash.update(req.uri().path_and_query().map_or("", |p| p.as_str()).as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores the answer (or releases the claim after a server error) and hands the response on.
async fn settle(
    state: &web::Data<AppState>,
    credential: String,
    key: IdempotencyKey,
    response: ServiceResponse<BoxBody>,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if status.is_server_error() {
        let released = db::write(&state.db, move |conn| use_case::release(conn, &credential, &key)).await;
        if let Err(error) = released {
            tracing::warn!(%error, "releasing an idempotency key failed; it lapses by itself");
        }
        return response;
    }
    let (req, res) = response.into_parts();
    let (head, body) = res.into_parts();
    let Ok(bytes) = body::to_bytes(body).await else {
        tracing::warn!("a response body could not be read to store it under its idempotency key");
        return ServiceResponse::new(req, HttpResponse::InternalServerError().finish());
    };
    let answer = Answer {
        status: status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = head.headers().get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), value.to_owned()))
            })
            .collect(),
        body: bytes.to_vec(),
    };
    let stored = db::write(&state.db, move |conn| {
        use_case::complete(conn, &credential, &key, &answer)
    })
    .await;
    if let Err(error) = stored {
        // The effect has happened; the client gets its answer. A repeat within the claim's
        // minute is refused as running, later it runs again.
        tracing::warn!(%error, "storing an idempotent answer failed");
    }
    ServiceResponse::new(req, head.set_body(BoxBody::new(bytes)))
}

fn replay(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    response.body(answer.body)
}

/// Deletes expired keys now and every hour; a failure is logged and retried an hour later.
pub fn prune_in_background(db: hamkari_app::Database) {
    actix_web::rt::spawn(async move {
        let mut every_hour = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let db = db.clone();
            let pruned = web::block(move || db.write(|conn| use_case::prune(conn, hamkari_app::now()))).await;
            match pruned {
                Ok(Ok(0)) => {}
                Ok(Ok(count)) => tracing::info!(count, "pruned expired idempotency keys"),
                Ok(Err(error)) => tracing::warn!(%error, "pruning idempotency keys failed"),
                Err(error) => tracing::warn!(%error, "pruning idempotency keys failed"),
            }
        }
    });
}

/// Whether an operation takes this method at this path: anything else is the fallback's 404
/// or 405, whatever key it carries.
fn routed(req: &ServiceRequest) -> bool {
    req.app_data::<web::Data<crate::openapi::MethodTable>>()
        .and_then(|table| {
            table
                .allowed(req.path())
                .map(|allow| allow.split(", ").any(|m| m == req.method().as_str()))
        })
        .unwrap_or(false)
}
