//! Reading an import file into rows of text cells: CSV as spreadsheet programs write it
//! (UTF-8 with or without a byte-order mark, UTF-16 with one; comma, semicolon or tab), or
//! the first sheet of an XLSX workbook. A file that is not what it claims is refused before
//! anything is read into the database.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use hamkari_domain::ValidationErrors;

use crate::error::ApiError;

/// How large an import may be.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// The request body, in bytes (413 past it).
    pub max_bytes: usize,
    /// Data rows (422 past them).
    pub max_rows: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_rows: 50_000,
        }
    }
}

impl ImportLimits {
    /// What an XLSX workbook may unpack to: a real sheet compresses maybe tenfold, a zip
    /// bomb a thousandfold and more.
    fn max_unpacked(&self) -> u64 {
        (self.max_bytes as u64).saturating_mul(20)
    }
}

/// The header row and the data rows with their 1-based line numbers.
#[derive(Debug, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl FileKind {
    /// The kind a media type names; `None` for one we do not read.
    pub fn of_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "application/csv" | "text/tab-separated-values" | "text/plain" => Some(Self::Csv),
            XLSX => Some(Self::Xlsx),
            _ => None,
        }
    }
}

fn refused(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(ValidationErrors::single("file", code, message))
}

pub fn read(kind: FileKind, bytes: &[u8], limits: &ImportLimits) -> Result<Sheet, ApiError> {
    let mut rows = match kind {
        FileKind::Csv => read_csv(&decode(bytes)?)?,
        FileKind::Xlsx => read_xlsx(bytes, limits)?,
    };
    if rows.is_empty() {
        return Err(refused("empty_file", "has no header row"));
    }
    let (_, header) = rows.remove(0);
    if rows.len() > limits.max_rows {
        return Err(refused(
            "too_many_rows",
            format!("has {} rows; an import takes at most {}", rows.len(), limits.max_rows),
        ));
    }
    Ok(Sheet { header, rows })
}

/// Text by its byte-order mark (UTF-8 without one); anything that does not decode, or
/// decodes to control characters no spreadsheet writes, is binary data.
fn decode(bytes: &[u8]) -> Result<String, ApiError> {
    let not_text = || refused("not_text", "is not text in UTF-8 or UTF-16 (with a byte-order mark)");
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        std::str::from_utf8(rest).map_err(|_| not_text())?.to_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes).ok_or_else(not_text)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes).ok_or_else(not_text)?
    } else {
        std::str::from_utf8(bytes).map_err(|_| not_text())?.to_owned()
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(not_text());
    }
    Ok(text)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    let units: Vec<u16> = pairs.map(|pair| unit([pair[0], pair[1]])).collect();
    String::from_utf16(&units).ok()
}

/// The delimiter the header line uses most: comma, semicolon (spreadsheets in locales
/// whose decimal mark is a comma) or tab.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',')
}

fn read_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| refused("malformed_csv", format!("is not valid CSV: {e}")))?;
        // The record's number, not its text line: a quoted cell may span lines, and the
        // report must number rows as the XLSX path (and a spreadsheet program) does.
        rows.push((rows.len() + 1, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<(usize, Vec<String>)>, ApiError> {
    let not_workbook = |e: &dyn std::fmt::Display| refused("not_a_workbook", format!("is not an XLSX workbook: {e}"));
    check_unpacked_size(bytes, limits)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| not_workbook(&e))?;
    let Some(range) = workbook.worksheet_range_at(0) else {
        return Ok(Vec::new());
    };
    let range = range.map_err(|e| not_workbook(&e))?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i + 1, cells.iter().map(cell_text).collect()))
        .collect())
}

/// Refuses a workbook whose parts declare more than the limit unpacked, before any is
/// inflated (the reader would otherwise inflate a zip bomb into memory).
fn check_unpacked_size(bytes: &[u8], limits: &ImportLimits) -> Result<(), ApiError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refused("not_a_workbook", format!("is not an XLSX workbook: {e}")))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| refused("not_a_workbook", format!("is not an XLSX workbook: {e}")))?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_unpacked() {
        return Err(refused(
            "unpacks_too_large",
            format!(
                "unpacks to {total} bytes; an import workbook may unpack to at most {}",
                limits.max_unpacked()
            ),
        ));
    }
    Ok(())
}

/// A cell as the text a person sees: whole numbers without a decimal point (a national
/// code typed as a number), dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(when) => when
            .as_datetime()
            .map(|dt| dt.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_encodings_and_delimiters() {
        let limits = ImportLimits::default();
        let utf8 = "\u{FEFF}نام;ایمیل\r\nعلی;a@example.org\r\n";
        let sheet = read(FileKind::Csv, utf8.as_bytes(), &limits).unwrap();
        assert_eq!(sheet.header, ["نام", "ایمیل"]);
        assert_eq!(sheet.rows, [(2, vec!["علی".to_owned(), "a@example.org".to_owned()])]);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("name\tphone\nمریم\t0912\n".encode_utf16().flat_map(u16::to_le_bytes));
        let sheet = read(FileKind::Csv, &utf16, &limits).unwrap();
        assert_eq!(sheet.rows[0].1, ["مریم", "0912"]);
        assert!(read(FileKind::Csv, b"\x00\x01\x02PK\xff", &limits).is_err());
        assert!(read(FileKind::Csv, b"a,b\n\x00\x00", &limits).is_err());
        assert!(read(FileKind::Xlsx, b"not a zip", &limits).is_err());
        let many = format!("name\n{}", "x\n".repeat(3));
        let few = ImportLimits { max_rows: 2, ..limits };
        assert!(read(FileKind::Csv, many.as_bytes(), &few).is_err());
    }
}
