//! An import sent as `multipart/form-data`: a `file` part (CSV or XLSX, by its media type or
//! its file name) and an optional `mapping` part (JSON `{column: field}`).

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::error::ApiError;
use crate::import_file::{FileKind, XLSX};

fn malformed(detail: impl Into<String>) -> ApiError {
    ApiError::bad_request("malformed_multipart", detail)
}

/// The file's kind and bytes, and the mapping when sent; at most `limit` bytes in all (413).
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(FileKind, Vec<u8>, Option<String>), ApiError> {
    let mut parts = Multipart::new(req.headers(), payload);
    let (mut file, mut mapping, mut total) = (None, None, 0_usize);
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| malformed(format!("The multipart body is malformed: {e}.")))?;
        let name = part.name().unwrap_or("").to_owned();
        let kind = part
            .content_type()
            .and_then(|mime| FileKind::of_media_type(mime.essence_str()))
            .or_else(|| {
                let file_name = part.content_disposition()?.get_filename()?.to_ascii_lowercase();
                if file_name.ends_with(".xlsx") {
                    Some(FileKind::Xlsx)
                } else if file_name.ends_with(".csv") || file_name.ends_with(".tsv") || file_name.ends_with(".txt") {
                    Some(FileKind::Csv)
                } else {
                    None
                }
            });
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| malformed(format!("The multipart body is malformed: {e}.")))?;
            total += chunk.len();
            if total > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                let kind = kind.ok_or_else(|| {
                    ApiError::UnsupportedMediaType(format!(
                        "The file part must be text/csv or {XLSX} (or named .csv or .xlsx)."
                    ))
                })?;
                file = Some((kind, bytes));
            }
            "mapping" => {
                mapping = Some(String::from_utf8(bytes).map_err(|_| malformed("The mapping part is not UTF-8 text."))?);
            }
            _ => {}
        }
    }
    let (kind, bytes) = file.ok_or_else(|| malformed("The multipart body has no `file` part."))?;
    Ok((kind, bytes, mapping))
}
