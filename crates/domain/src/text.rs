//! Persian text normalization for search and uniqueness.
//!
//! Names are stored as given (NFC); comparisons use a *search key* in which the many ways
//! of typing the same Persian word agree. Two layers build it:
//!
//! - [`normalize`] folds characters: Arabic-keyboard letters, zero-width non-joiners,
//!   tatweel, diacritics and Persian or Arabic-Indic digits. Its vectors are the shared
//!   `fa-normalization.tsv`, which other systems check too, so it changes only with them.
//! - [`search_key`] then folds *spellings* that Persian writers use interchangeably: hamze
//!   seats (هیئت/هیأت/هیات, مسئول/مسؤول), alef madda (آزمایشگاه/ازمایشگاه), a doubled waw
//!   (داوود/داود), and a space, a ZWNJ or nothing before a suffix (ها، تر، ام …) or after
//!   می/نمی. Its vectors are `fa-spelling-variants.tsv`.
//!
//! Stored keys and the keys made from a query use the same folding, so a query that is a
//! substring of a name stays a substring of its key; [`query_patterns`] covers the one case
//! where the query cannot know how the text goes on (a last word that may be a suffix).

use unicode_normalization::UnicodeNormalization;

/// Bumped whenever [`search_key`]'s or [`collation_key`]'s output changes for some input
/// (a rule here, or an ICU4X upgrade: its collation data may change sort keys): keys stored
/// under an older version are rebuilt at start (`hamkari_persistence::rekey`).
/// 2: spelling variants fold; 3: collation keys; 4: members' expertise, capacities.
pub const KEY_VERSION: i64 = 4;

/// Suffixes written attached, after a ZWNJ or after a space: all three meet.
const SUFFIXES: &[&str] = &[
    "ها",
    "های",
    "هایی",
    "هایم",
    "هایت",
    "هایش",
    "هایمان",
    "هایتان",
    "هایشان",
    "تر",
    "ترین",
    "تری",
    "ام",
    "ای",
    "ایم",
    "اید",
    "اند",
];

/// Verb prefixes written attached, after a ZWNJ or before a space: all three meet.
const PREFIXES: &[&str] = &["می", "نمی"];

/// The normalized key used for search and uniqueness: [`normalize`], then spelling folding.
pub fn search_key(input: &str) -> String {
    fold_spelling(&normalize(input), true)
}

/// The key for a search query: like [`search_key`], except that a last word that is a
/// suffix stays apart, because the user may still be typing a longer word ("رضا ام" on the
/// way to "رضا امیری"). [`query_patterns`] then tries it both apart and attached.
pub fn query_key(input: &str) -> String {
    fold_spelling(&normalize(input), false)
}

/// The substrings a stored key may contain to match a query key: the key itself and, when
/// its last word is a suffix, the key with that suffix attached.
pub fn query_patterns(key: &str) -> Vec<String> {
    let mut patterns = vec![key.to_owned()];
    if let Some((head, last)) = key.rsplit_once(' ') {
        if SUFFIXES.contains(&last) && !head.is_empty() {
            patterns.push(format!("{head}{last}"));
        }
    }
    patterns
}

/// Character-level normalization (the shared vectors).
///
/// NFKC first (it folds Arabic presentation forms and composes alef + madda into "آ"),
/// then letter folding, removal of invisible and diacritic marks, digit folding,
/// lower-casing and whitespace collapsing.
pub fn normalize(input: &str) -> String {
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

const YEH: char = '\u{06CC}';
const WAW: char = '\u{0648}';
const ALEF: char = '\u{0627}';
const YEH_HAMZA: char = '\u{0626}';
const ALEF_MADDA: char = '\u{0622}';

/// Spelling folding on a normalized string; `attach_last` says whether a last word that is
/// a suffix joins the word before it.
fn fold_spelling(normalized: &str, attach_last: bool) -> String {
    let letters = fold_letters(normalized);
    let words: Vec<&str> = letters.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = String::with_capacity(letters.len());
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let is_last = i + 1 == words.len();
            let suffix = SUFFIXES.contains(word) && (attach_last || !is_last);
            if !(suffix || PREFIXES.contains(&words[i - 1])) {
                out.push(' ');
            }
        }
        out.push_str(word);
    }
    out
}

/// Hamze seats, alef madda and doubled waw.
///
/// The yeh seat (ئ) is where spellings disagree most: before waw it stands for the waw
/// seat (مسئول = مسؤول, رئوف = رؤوف), after yeh for the alef seat (هیئت = هیأت = هیات),
/// elsewhere for a plain yeh (رئیس = رییس, پائیز = پاییز). The normalizer has already
/// folded أ and إ to alef and ؤ to waw. A run of waws then folds to one, which also makes
/// داوود/داود, طاووس/طاوس and سئوال/سؤال/سوال meet.
fn fold_letters(normalized: &str) -> String {
    let chars: Vec<char> = normalized.chars().collect();
    let mut out = String::with_capacity(normalized.len());
    let mut last: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        let folded = match c {
            YEH_HAMZA if chars.get(i + 1) == Some(&WAW) => WAW,
            YEH_HAMZA if i > 0 && chars[i - 1] == YEH => ALEF,
            YEH_HAMZA => YEH,
            ALEF_MADDA => ALEF,
            c => c,
        };
        if folded == WAW && last == Some(WAW) {
            continue;
        }
        out.push(folded);
        last = Some(folded);
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

/// The key that sorts names in Persian alphabetical order: the ICU4X collator's sort key
/// for Persian (CLDR `fa`) of the [`normalize`]d name, as lower-case hex.
///
/// Hex keeps the byte order in plain text, so the keys sort the same wherever text is
/// compared bytewise (SQLite's default, PostgreSQL's `COLLATE "C"`), and a keyset cursor
/// can carry one. Persian letters sort in the alphabet's order (پ after ب, گ after ک),
/// digits before letters and Latin after Persian; Arabic-keyboard letters sort as the
/// Persian ones they stand for.
pub fn collation_key(input: &str) -> String {
    static COLLATOR: std::sync::LazyLock<icu_collator::CollatorBorrowed<'static>> = std::sync::LazyLock::new(|| {
        let persian = icu_locale_core::locale!("fa");
        icu_collator::Collator::try_new(persian.into(), icu_collator::options::CollatorOptions::default())
            .expect("the Persian collation is compiled in")
    });
    let mut bytes = Vec::new();
    let Ok(()) = COLLATOR.write_sort_key_to(&normalize(input), &mut bytes);
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xF), 16).unwrap_or('0'));
    }
    hex
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

    /// Tab-separated vectors: input, expected output, what the line exercises.
    fn check_vectors(text: &str, f: fn(&str) -> String, source: &str) -> usize {
        let mut checked = 0;
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let input = cols.next().expect("input column");
            let expected = cols.next().expect("expected column");
            let why = cols.next().unwrap_or("");
            assert_eq!(f(input), expected, "{source}: {why}: {input:?}");
            checked += 1;
        }
        checked
    }

    fn read(path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    /// The normalization vectors every implementation of the search key shares, kept with
    /// this crate (extended, never weakened).
    #[test]
    fn shared_vectors() {
        let local = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fa-normalization.tsv");
        let text = read(local).expect("normalization vectors are readable");
        let checked = check_vectors(&text, normalize, "local");
        assert!(checked >= 10, "only {checked} vectors read");
    }

    #[test]
    fn spelling_variant_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fa-spelling-variants.tsv");
        let text = read(path).expect("spelling vectors are readable");
        let checked = check_vectors(&text, search_key, "spelling");
        assert!(checked >= 10, "only {checked} vectors read");
    }

    /// Folding a key again changes nothing, so a stored key can be searched with itself.
    #[test]
    fn search_key_is_idempotent() {
        for path in [
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fa-normalization.tsv"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fa-spelling-variants.tsv"),
        ] {
            for line in read(path).expect("vectors").lines().filter(|l| !l.starts_with('#')) {
                let input = line.split('\t').next().unwrap_or("");
                let key = search_key(input);
                assert_eq!(search_key(&key), key, "{input:?}");
            }
        }
    }

    /// A query typed as part of a name is found in the name's key, however the name spaces
    /// its suffixes.
    #[test]
    fn query_substrings_stay_substrings() {
        let cases = [
            ("آزمایشگاه ها", "انجمن آزمایشگاه‌های همکار"),
            ("آزمایشگاه ها", "انجمن آزمایشگاههای همکار"),
            ("ازمایشگاه‌ها", "انجمن آزمایشگاه های همکار"),
            ("رضا ام", "رضا امیری"),
            ("علی ای", "علی ایزدی"),
            ("می رو", "او می‌رود"),
            ("او می", "او می روم"),
            ("های همکار", "آزمایشگاه های همکار"),
            ("مسئول", "مسؤول فنی"),
            ("هیات مدیره", "عضو هیئت مدیره"),
        ];
        for (query, name) in cases {
            let stored = search_key(name);
            let patterns = query_patterns(&query_key(query));
            assert!(
                patterns.iter().any(|p| stored.contains(p.as_str())),
                "{query:?} misses {name:?}: {patterns:?} in {stored:?}"
            );
        }
    }

    #[test]
    fn query_patterns_try_a_last_suffix_both_ways() {
        assert_eq!(query_patterns("رضا ام"), vec!["رضا ام", "رضاام"]);
        assert_eq!(query_patterns("رضا"), vec!["رضا"]);
        assert_eq!(query_patterns("ها"), vec!["ها"]);
    }

    #[test]
    fn variants_agree() {
        assert_eq!(search_key("علي"), search_key("علی"));
        assert_eq!(search_key("آزمایشگاه‌ها"), search_key("آزمایشگاهها"));
        assert_eq!(search_key("۰۹۱۲"), "0912");
        assert_eq!(search_key(""), "");
        assert_eq!(search_key("\u{200C}  "), "");
    }

    /// Persian alphabetical order, then Latin; digits first.
    #[test]
    fn collation_follows_the_persian_alphabet() {
        let ordered = [
            "1 انجمن",
            "آرش",
            "احمد",
            "بهرام",
            "پروین",
            "جواد",
            "چنگیز",
            "زهرا",
            "ژاله",
            "سارا",
            "کاوه",
            "گلناز",
            "لیلا",
            "نرگس",
            "وحید",
            "هادی",
            "یاسمن",
            "Alice",
            "bob",
            "Zoe",
        ];
        let keys: Vec<String> = ordered.iter().map(|n| collation_key(n)).collect();
        for (pair, names) in keys.windows(2).zip(ordered.windows(2)) {
            assert!(pair[0] < pair[1], "{:?} should sort before {:?}", names[0], names[1]);
        }
        assert_eq!(
            collation_key("علي"),
            collation_key("علی"),
            "Arabic yeh sorts as Persian yeh"
        );
        assert!(collation_key("").is_empty() || collation_key("") < collation_key("ا"));
        assert!(collation_key("آرش")
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}
