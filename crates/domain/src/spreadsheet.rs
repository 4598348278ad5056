//! Cells a spreadsheet program would run as a formula ("CSV injection"), and back.
//!
//! A CSV export writes a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
//! with a single quote in front (OWASP's advice), so opening the file runs nothing; an
//! import reads such a cell back without that quote, so a phone `+98…` exported and
//! imported again is the same phone. A value that itself starts with quotes before one of
//! those characters gets one quote more, so reading back is exact for every value.

use std::borrow::Cow;

/// The first characters that make a spreadsheet program read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether the cell, past any leading quotes, starts a formula.
fn armed(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// The cell as a CSV export writes it.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if armed(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value a cell written by [`guard`] holds; any other cell as it is.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if armed(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_and_lose_it_again() {
        for (value, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+989121234567", "'+989121234567"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("'=1", "''=1"),
            ("''+1", "'''+1"),
        ] {
            assert_eq!(guard(value), written, "{value:?}");
            assert_eq!(unguard(written), value, "{written:?}");
        }
    }

    #[test]
    fn plain_cells_pass_untouched_both_ways() {
        for value in ["علی رضایی", "09121234567", "a=b", "", "'", "'quoted'", "x-y", "۰۹۱۲"] {
            assert_eq!(guard(value), value);
            assert_eq!(unguard(value), value);
        }
        // A quote before a formula the exporter did not write is still read as written by it:
        // the one ambiguity, and the reason `guard` doubles such a quote.
        assert_eq!(unguard("'=1"), "=1");
    }
}
