//! iCalendar (RFC 5545) feeds of meetings: CRLF line ends, lines folded at 75 octets
//! (never inside a UTF-8 character), TEXT values escaped, times in UTC.

use chrono::NaiveDateTime;
use hamkari_domain::meeting::{Meeting, MeetingStatus};

/// `20261210T063000Z`.
fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no physical line exceeds 75 octets (§3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        // A continuation line starts with a space, which counts toward its 75 octets.
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A calendar of `meetings` named `name`. `UID`s are the meetings' ids, so a client keeps
/// one event per meeting; `SEQUENCE` is the number of changes since creation.
pub fn calendar(name: &str, meetings: &[Meeting]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//hamkari//meetings//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for m in meetings {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}@hamkari", m.id));
        line(&mut out, &format!("DTSTAMP:{}", utc(m.updated_at)));
        line(&mut out, &format!("CREATED:{}", utc(m.created_at)));
        line(&mut out, &format!("LAST-MODIFIED:{}", utc(m.updated_at)));
        line(&mut out, &format!("SEQUENCE:{}", m.version - 1));
        line(&mut out, &format!("DTSTART:{}", utc(m.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(m.ends_at)));
        line(&mut out, &format!("SUMMARY:{}", escape(&m.title)));
        if let Some(place) = &m.place {
            line(&mut out, &format!("LOCATION:{}", escape(place)));
        }
        if let Some(url) = &m.online_url {
            line(&mut out, &format!("URL:{url}"));
        }
        let status = match m.status {
            MeetingStatus::Cancelled => "CANCELLED",
            MeetingStatus::Scheduled | MeetingStatus::Held => "CONFIRMED",
        };
        line(&mut out, &format!("STATUS:{status}"));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let text = format!("SUMMARY:{}", "نشست مشترک هیئت‌مدیره‌ها ".repeat(8));
        line(&mut out, &text);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets: {physical}", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, text);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
