//! Persian text normalization for search and uniqueness.
//!
//! Names are stored as given (NFC); comparisons use a *search key* in which the many ways
//! of typing the same Persian word agree: Arabic-keyboard letters, zero-width non-joiners,
//! tatweel, diacritics and Persian or Arabic-Indic digits.

use unicode_normalization::UnicodeNormalization;

/// The normalized key used for search and uniqueness.
///
/// NFKC first (it folds Arabic presentation forms and composes alef + madda into "آ"),
/// then letter folding, removal of invisible and diacritic marks, digit folding,
/// lower-casing and whitespace collapsing.
pub fn search_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfkc() {
        let folded = match fold_char(c) {
            Some(folded) => folded,
            None => continue,
        };
        if folded.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lower in folded.to_lowercase() {
            out.push(lower);
        }
    }
    out
}

/// Folds one character; `None` drops it.
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Arabic yeh and alef maksura → Persian yeh; Arabic kaf → Persian kaf.
        '\u{064A}' | '\u{0649}' => '\u{06CC}',
        '\u{0643}' => '\u{06A9}',
        // Alef with hamza above/below and alef wasla → plain alef (alef madda is kept).
        '\u{0623}' | '\u{0625}' | '\u{0671}' => '\u{0627}',
        // Teh marbuta and heh with yeh above → heh; waw with hamza → waw.
        '\u{0629}' | '\u{06C0}' => '\u{0647}',
        '\u{0624}' => '\u{0648}',
        // Persian and Arabic-Indic digits → ASCII.
        '\u{06F0}'..='\u{06F9}' => digit(c as u32 - 0x06F0),
        '\u{0660}'..='\u{0669}' => digit(c as u32 - 0x0660),
        // Zero-width characters, tatweel and Arabic diacritics carry no meaning for search.
        '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{0640}' => return None,
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0610}'..='\u{061A}' | '\u{06D6}'..='\u{06ED}' => return None,
        c if c.is_control() => ' ',
        c => c,
    })
}

fn digit(value: u32) -> char {
    char::from_digit(value, 10).unwrap_or('0')
}

/// Escapes `%`, `_` and `\` so user text can sit inside a `LIKE` pattern with `ESCAPE '\'`.
pub fn escape_like(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared vectors: `shared/testdata/fa-normalization.tsv` when the checkout sits
    /// beside `shared/`, else the copy kept with this crate.
    fn vectors() -> String {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/fa-normalization.tsv"
        );
        let local = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fa-normalization.tsv");
        std::fs::read_to_string(shared)
            .or_else(|_| std::fs::read_to_string(local))
            .expect("normalization vectors are readable")
    }

    #[test]
    fn shared_vectors() {
        let mut checked = 0;
        for line in vectors().lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let input = cols.next().expect("input column");
            let expected = cols.next().expect("expected column");
            let why = cols.next().unwrap_or("");
            assert_eq!(search_key(input), expected, "{why}: {input:?}");
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} vectors read");
    }

    #[test]
    fn variants_agree() {
        assert_eq!(search_key("علي"), search_key("علی"));
        assert_eq!(search_key("آزمایشگاه‌ها"), search_key("آزمایشگاهها"));
        assert_eq!(search_key("۰۹۱۲"), "0912");
        assert_eq!(search_key(""), "");
        assert_eq!(search_key("\u{200C}  "), "");
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}
