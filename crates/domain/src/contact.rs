//! Contact details shared by organizations and people: email, phone, website.

use crate::validation::FieldProblem;

/// An email address, trimmed and lower-cased so that uniqueness is case-insensitive.
///
/// The grammar is RFC 5321/5322's, checked by the `email_address` crate; on top of it the
/// domain must be dotted (mail to a bare `example` host never leaves a test network) except
/// for `localhost`, which the first administrator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let email = raw.trim().to_lowercase();
        let invalid = || FieldProblem::new("invalid_email", "must be an email address such as name@example.org");
        let options = email_address::Options::default()
            .without_display_text()
            .without_domain_literal();
        let parsed = email_address::EmailAddress::parse_with_options(&email, options).map_err(|_| invalid())?;
        let domain = parsed.domain();
        if domain.contains('.') || domain == "localhost" {
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

/// What a phone number reaches, as libphonenumber's numbering plans tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PhoneType {
    Mobile,
    FixedLine,
    /// Toll-free, VoIP, shared cost, or a plan (such as the North American one) where
    /// mobiles and landlines share their ranges.
    Other,
}

/// A phone number in E.164 form (`+989121234567`), valid for its country's numbering plan.
///
/// Accepts the ways Iranians write numbers: `09121234567`, `0912 123 4567`,
/// `+98 912 123 4567`, `0098…`, `98912…`, and Persian or Arabic-Indic digits; a number
/// without a country code is read as Iranian.
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
        let mut normalized = String::with_capacity(20);
        for (i, c) in raw.trim().chars().enumerate() {
            match c {
                '+' if i == 0 => normalized.push('+'),
                '0'..='9' => normalized.push(c),
                '\u{06F0}'..='\u{06F9}' => normalized.push(shift_digit(c, 0x06F0)),
                '\u{0660}'..='\u{0669}' => normalized.push(shift_digit(c, 0x0660)),
                // Separators only: letters (vanity numbers, "ext.") are refused rather than guessed at.
                ' ' | '-' | '(' | ')' | '.' | '\u{00A0}' => {}
                _ => return Err(invalid()),
            }
        }
        // libphonenumber would read `98912…` as a national number and refuse it; people
        // write Iranian numbers with the country code but no `+` often enough to accept it.
        if normalized.len() == 12 && normalized.starts_with("989") {
            normalized.insert(0, '+');
        }
        let number = parse_phone(&normalized).ok_or_else(invalid)?;
        if !number.is_valid() {
            return Err(invalid());
        }
        Ok(Self(number.format().mode(phonenumber::Mode::E164).to_string()))
    }

    /// The type of a number already stored in E.164 form; `Other` for one that no longer
    /// parses, since reads must not fail over a row written under older rules.
    pub fn kind_of(e164: &str) -> PhoneType {
        let Some(number) = parse_phone(e164) else {
            return PhoneType::Other;
        };
        match number.number_type(&phonenumber::metadata::DATABASE) {
            phonenumber::Type::Mobile => PhoneType::Mobile,
            phonenumber::Type::FixedLine => PhoneType::FixedLine,
            _ => PhoneType::Other,
        }
    }

    pub fn kind(&self) -> PhoneType {
        Self::kind_of(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn parse_phone(normalized: &str) -> Option<phonenumber::PhoneNumber> {
    phonenumber::parse(Some(phonenumber::country::Id::IR), normalized)
        .ok()
        // An extension is not something the rest of hamkari stores or dials.
        .filter(|n| n.extension().is_none())
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
        // Characters as sent, as the schema's `maxLength` counts them (not UTF-8 bytes).
        if raw.chars().count() > 2048 {
            return Err(FieldProblem::new("too_long", "must be at most 2048 characters"));
        }
        let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
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
    fn emails_follow_the_rfc_grammar() {
        // Quoted local parts and plus-addressing are legal; display text and IP literals are
        // not addresses a person types into a contact field.
        assert_eq!(
            Email::parse("\"ali rezaei\"@example.org").unwrap().as_str(),
            "\"ali rezaei\"@example.org"
        );
        assert_eq!(
            Email::parse("ali+news@example.org").unwrap().as_str(),
            "ali+news@example.org"
        );
        for bad in [
            "Ali <ali@example.org>",
            "ali@[127.0.0.1]",
            "ali.@example.org",
            "ali@example..org",
            &format!("{}@example.org", "a".repeat(65)),
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
            let phone = Phone::parse(raw).unwrap();
            assert_eq!(phone.as_str(), "+989121234567", "{raw}");
            assert_eq!(phone.kind(), PhoneType::Mobile, "{raw}");
        }
        let landline = Phone::parse("021 8888 7777").unwrap();
        assert_eq!(landline.as_str(), "+982188887777");
        assert_eq!(landline.kind(), PhoneType::FixedLine);
        assert_eq!(Phone::parse("۰۲۱ ۸۸۸۸ ۷۷۷۷").unwrap().as_str(), "+982188887777");
    }

    #[test]
    fn foreign_phones() {
        let london = Phone::parse("+44 20 7946 0958").unwrap();
        assert_eq!(london.as_str(), "+442079460958");
        assert_eq!(london.kind(), PhoneType::FixedLine);
        // North American mobiles and landlines share their ranges.
        assert_eq!(Phone::parse("+1 650 253 0000").unwrap().kind(), PhoneType::Other);
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
            // Formally `+` and 8 digits, but no country's plan has it.
            "+11111111",
            // An Iranian mobile prefix (0990…0999 aside) that no operator has been given.
            "0970 123 4567",
            "+98 912 123 45678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn stored_numbers_that_no_longer_parse_read_as_other() {
        assert_eq!(Phone::kind_of("+11111111"), PhoneType::Other);
        assert_eq!(Phone::kind_of("+989121234567"), PhoneType::Mobile);
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

    #[test]
    fn website_length_counts_characters_as_sent() {
        let url = |chars: usize| format!("https://iacl.ir/{}", "ک".repeat(chars - 16));
        assert!(WebsiteUrl::parse(&url(2048)).is_ok());
        assert_eq!(WebsiteUrl::parse(&url(2049)).unwrap_err().code, "too_long");
        assert_eq!(
            WebsiteUrl::parse(&format!(" {} ", url(2047))).unwrap_err().code,
            "too_long"
        );
    }
}
