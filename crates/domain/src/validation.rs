//! Per-field validation errors, collected so a client sees every problem at once.

use serde::Serialize;

/// One invalid field: which field, a stable machine-readable code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Every field error found in one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn single(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }

    /// Runs `parse` and records its error under `field`; returns the value when valid.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, FieldProblem>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.0.push(FieldError::new(field, problem.code, problem.message));
                None
            }
        }
    }

    /// Like [`Self::check`] for a value that may not have been sent at all.
    pub fn check_sent<T>(&mut self, field: &str, parsed: Option<Result<T, FieldProblem>>) -> Option<T> {
        parsed.and_then(|parsed| self.check(field, parsed))
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// What a value type's `parse` reports: the field name is added by the caller,
/// who knows where the value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub code: &'static str,
    pub message: String,
}

impl FieldProblem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Trims, NFC-normalizes and length-checks free text; rejects control characters.
pub fn clean_text(raw: &str, min: usize, max: usize) -> Result<String, FieldProblem> {
    use unicode_normalization::UnicodeNormalization;
    let text: String = raw.trim().nfc().collect();
    // The limit a client reads in the schema (`maxLength`) holds for what it sends, too:
    // padding past it is refused rather than trimmed away.
    let len = text.chars().count();
    let sent = raw.chars().count();
    if len < min {
        return Err(if min == 1 {
            FieldProblem::new("required", "must not be empty")
        } else {
            FieldProblem::new("too_short", format!("must be at least {min} characters"))
        });
    }
    if len > max || sent > max {
        return Err(FieldProblem::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldProblem::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(text)
}

/// Like [`clean_text`] for a single line: no line breaks or tabs either.
pub fn clean_line(raw: &str, min: usize, max: usize) -> Result<String, FieldProblem> {
    let text = clean_text(raw, min, max)?;
    if text.contains(['\n', '\r', '\t']) {
        return Err(FieldProblem::new("invalid_characters", "must be a single line"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_trims_and_composes() {
        // "ا" + combining madda above composes to "آ" under NFC.
        assert_eq!(clean_text("  \u{0627}\u{0653}b ", 1, 10).unwrap(), "\u{0622}b");
    }

    #[test]
    fn clean_text_limits() {
        assert_eq!(clean_text("   ", 1, 10).unwrap_err().code, "required");
        assert_eq!(clean_text("abcd", 1, 3).unwrap_err().code, "too_long");
        assert_eq!(clean_text("abc ", 1, 3).unwrap_err().code, "too_long");
        assert_eq!(clean_text(" ab", 1, 3).unwrap(), "ab");
        assert_eq!(clean_text("a\u{0007}", 1, 3).unwrap_err().code, "invalid_characters");
        assert_eq!(clean_line("a\nb", 1, 9).unwrap_err().code, "invalid_characters");
        assert!(clean_text("a\nb", 1, 9).is_ok());
    }

    #[test]
    fn errors_collect() {
        let mut errors = ValidationErrors::default();
        assert_eq!(errors.check("a", Ok::<_, FieldProblem>(1)), Some(1));
        assert_eq!(errors.check::<i32>("b", Err(FieldProblem::new("x", "bad"))), None);
        let err = errors.finish(|| ()).unwrap_err();
        assert_eq!(err.0, vec![FieldError::new("b", "x", "bad")]);
    }
}
