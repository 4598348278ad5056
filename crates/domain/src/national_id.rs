//! The Iranian national code (کد ملی): ten digits, the last a check digit.

use crate::validation::FieldProblem;

/// A national code with a valid check digit, stored as ten ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalId(String);

impl NationalId {
    /// Accepts Persian and Arabic-Indic digits and spaces or hyphens between groups.
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let mut digits = Vec::with_capacity(10);
        for c in raw.trim().chars() {
            match c {
                '0'..='9' => digits.push(c as u32 - '0' as u32),
                '\u{06F0}'..='\u{06F9}' => digits.push(c as u32 - 0x06F0),
                '\u{0660}'..='\u{0669}' => digits.push(c as u32 - 0x0660),
                ' ' | '-' => {}
                _ => return Err(invalid("must be ten digits")),
            }
        }
        if digits.len() != 10 {
            return Err(invalid("must be ten digits"));
        }
        // Codes of one repeated digit pass the checksum but are never issued.
        if digits.iter().all(|d| *d == digits[0]) {
            return Err(invalid("is not a valid national code"));
        }
        let sum: u32 = digits[..9].iter().enumerate().map(|(i, d)| d * (10 - i as u32)).sum();
        let remainder = sum % 11;
        let check = if remainder < 2 { remainder } else { 11 - remainder };
        if digits[9] != check {
            return Err(invalid("has a wrong check digit"));
        }
        Ok(Self(
            digits.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn invalid(why: &str) -> FieldProblem {
    FieldProblem::new(
        "invalid_national_id",
        format!("{why}: an Iranian national code is ten digits with a check digit"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        // Check digits computed by hand: remainder < 2 keeps it, else 11 - remainder.
        for code in ["0499370899", "0790419904", "0084575948", "0013542419"] {
            assert_eq!(NationalId::parse(code).unwrap().as_str(), code, "{code}");
        }
        assert_eq!(NationalId::parse("۰۴۹۹۳۷۰۸۹۹").unwrap().as_str(), "0499370899");
        assert_eq!(NationalId::parse("٠٤٩٩٣٧٠٨٩٩").unwrap().as_str(), "0499370899");
        assert_eq!(NationalId::parse("049-937089-9").unwrap().as_str(), "0499370899");
    }

    #[test]
    fn invalid_codes() {
        for code in [
            "0499370898",
            "049937089",
            "04993708990",
            "1111111111",
            "0000000000",
            "04993708a9",
            "",
        ] {
            assert!(NationalId::parse(code).is_err(), "{code}");
        }
    }
}
