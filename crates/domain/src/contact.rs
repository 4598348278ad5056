//! Contact details shared by organizations and people: email, phone, website.

use crate::validation::FieldProblem;

/// An email address, trimmed and lower-cased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let email = raw.trim().to_lowercase();
        let invalid = || FieldProblem::new("invalid_email", "must be an email address such as name@example.org");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        // A dotted domain, or localhost (the first administrator is admin@localhost).
        let domain_ok = domain.len() >= 3
            && (domain.contains('.') || domain == "localhost")
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if domain_ok && local_ok {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A phone number in E.164 form (`+989121234567`).
///
/// Accepts the ways Iranians write numbers: `09121234567`, `0912 123 4567`,
/// `+98 912 123 4567`, `0098…`, `98912…`, and Persian or Arabic-Indic digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let invalid = || {
            FieldProblem::new(
                "invalid_phone",
                "must be a phone number such as +98 21 1234 5678 or 0912 123 4567",
            )
        };
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in raw.trim().chars().enumerate() {
            match c {
                '+' if i == 0 => plus = true,
                '0'..='9' => digits.push(c),
                '\u{06F0}'..='\u{06F9}' => digits.push(shift_digit(c, 0x06F0)),
                '\u{0660}'..='\u{0669}' => digits.push(shift_digit(c, 0x0660)),
                ' ' | '-' | '(' | ')' | '.' | '\u{00A0}' => {}
                _ => return Err(invalid()),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            // A national number: 0 + area or mobile code + subscriber, 11 digits in all.
            if digits.len() != 11 {
                return Err(invalid());
            }
            format!("98{rest}")
        } else if digits.starts_with("98") && digits.len() == 12 {
            digits
        } else {
            return Err(invalid());
        };
        let plausible = (8..=15).contains(&international.len()) && !international.starts_with('0');
        let iranian_ok = !international.starts_with("98") || international.len() == 12;
        if plausible && iranian_ok {
            Ok(Self(format!("+{international}")))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn shift_digit(c: char, zero: u32) -> char {
    char::from_digit(c as u32 - zero, 10).unwrap_or('0')
}

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsiteUrl(String);

impl WebsiteUrl {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let invalid = || {
            FieldProblem::new(
                "invalid_url",
                "must be an http or https address such as https://example.org",
            )
        };
        let trimmed = raw.trim();
        if trimmed.len() > 2048 {
            return Err(FieldProblem::new("too_long", "must be at most 2048 characters"));
        }
        let url = url::Url::parse(trimmed).map_err(|_| invalid())?;
        let host_ok = url.host_str().is_some_and(|h| !h.is_empty());
        if matches!(url.scheme(), "http" | "https") && host_ok && url.username().is_empty() && url.password().is_none()
        {
            Ok(Self(url.to_string()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Ali@Example.ORG ").unwrap().as_str(), "ali@example.org");
        assert_eq!(Email::parse("admin@localhost").unwrap().as_str(), "admin@localhost");
        for bad in [
            "",
            "ali",
            "ali@",
            "@example.org",
            "ali@example",
            "a li@example.org",
            "ali@@example.org",
            "ali@.example.org",
            "a..b@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn iranian_phone_forms() {
        for raw in [
            "09121234567",
            "0912 123 4567",
            "+98 912 123 4567",
            "00989121234567",
            "989121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "٠٩١٢١٢٣٤٥٦٧",
            "(0912) 123-4567",
        ] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "+989121234567", "{raw}");
        }
        assert_eq!(Phone::parse("021 8888 7777").unwrap().as_str(), "+982188887777");
        assert_eq!(Phone::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn bad_phones() {
        for bad in [
            "",
            "0912",
            "091212345678",
            "+98 912 123",
            "12345",
            "0912-abc-4567",
            "+0123456789",
            "++989121234567",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn websites() {
        assert_eq!(
            WebsiteUrl::parse("https://iacl.ir").unwrap().as_str(),
            "https://iacl.ir/"
        );
        for bad in [
            "iacl.ir",
            "ftp://iacl.ir",
            "https://",
            "javascript:alert(1)",
            "https://user:pw@iacl.ir",
        ] {
            assert!(WebsiteUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
