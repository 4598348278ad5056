//! Days as people write them: `YYYY-MM-DD` in the Gregorian or the Solar Hijri (Jalali,
//! "Persian") calendar. Storage is always Gregorian; the calendar only changes how a day is
//! read from and written to a client.
//!
//! Conversion is ICU4X's (`icu_calendar`), never arithmetic of our own. The unit tests check
//! it against the official calendar for 1300–1500 AP.
//!
//! Ambiguity is an error, never a guess: the two calendars' year numbers are about 621 apart,
//! so a Solar Hijri date sent as Gregorian (or the reverse) is still a valid-looking date.
//! A Gregorian day before the floor (1800-01-01 unless configured) is refused as
//! `implausible_date`; a Solar Hijri year from [`PERSIAN_YEAR_CEILING`] on (2321 CE) as
//! `implausible_persian_date`.

use chrono::NaiveDate;
use icu_calendar::cal::Persian;
use icu_calendar::Date;

use crate::validation::FieldProblem;

/// Reads days the way one request asked for: its calendar and the plausibility floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayReader {
    pub calendar: Calendar,
    pub floor: NaiveDate,
}

impl DayReader {
    pub fn read(self, text: &str) -> Result<NaiveDate, FieldProblem> {
        self.calendar.read(text, self.floor)
    }
}

/// The calendar a client reads and writes days in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Calendar {
    #[default]
    Gregorian,
    /// The Solar Hijri calendar as Iran uses it officially.
    Persian,
}

/// The earliest plausible Gregorian day unless configured otherwise.
pub const DEFAULT_FLOOR: NaiveDate = match NaiveDate::from_ymd_opt(1800, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Solar Hijri years from here on (2321 CE and later) are taken for Gregorian years sent in
/// the wrong calendar. Any Gregorian year a client might mean (≥ 1800) is above it.
pub const PERSIAN_YEAR_CEILING: i32 = 1700;

impl Calendar {
    /// The calendar a header or parameter value names (`persian`, `gregorian`; any case).
    pub fn parse(value: &str) -> Result<Self, FieldProblem> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gregorian" => Ok(Self::Gregorian),
            "persian" => Ok(Self::Persian),
            _ => Err(FieldProblem::new("invalid_value", "must be persian or gregorian")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Gregorian => "gregorian",
            Self::Persian => "persian",
        }
    }

    /// Reads a `YYYY-MM-DD` day written in this calendar, as the Gregorian day it is.
    /// `floor` is the earliest plausible Gregorian day.
    pub fn read(self, text: &str, floor: NaiveDate) -> Result<NaiveDate, FieldProblem> {
        let (year, month, day) = split(text).ok_or_else(|| {
            FieldProblem::new(
                "invalid_date",
                format!("{NOT_SHAPED} YYYY-MM-DD in the {} calendar", self.name()),
            )
        })?;
        let gregorian = match self {
            Self::Gregorian => {
                let day = NaiveDate::from_ymd_opt(year, month.into(), day.into()).ok_or_else(|| no_such_day(self))?;
                if day < floor {
                    return Err(FieldProblem::new(
                        "implausible_date",
                        format!(
                            "is before {floor}: this looks like a Solar Hijri date; send Gregorian \
                             or use the Persian calendar (Accept-Calendar: persian)"
                        ),
                    ));
                }
                day
            }
            Self::Persian => {
                if year >= PERSIAN_YEAR_CEILING {
                    return Err(FieldProblem::new(
                        "implausible_persian_date",
                        "this looks like a Gregorian date; send Solar Hijri or use the Gregorian \
                         calendar (Accept-Calendar: gregorian)",
                    ));
                }
                let persian = Date::try_new_persian(year, month, day).map_err(|_| no_such_day(self))?;
                let day = from_iso(&persian.to_calendar(icu_calendar::Iso)).ok_or_else(|| no_such_day(self))?;
                if day < floor {
                    return Err(FieldProblem::new(
                        "invalid_date",
                        format!("is before {}, the earliest date accepted", Self::Persian.write(floor)),
                    ));
                }
                day
            }
        };
        Ok(gregorian)
    }

    /// Writes a (Gregorian) day as `YYYY-MM-DD` in this calendar.
    pub fn write(self, day: NaiveDate) -> String {
        let gregorian = || day.format("%Y-%m-%d").to_string();
        match self {
            Self::Gregorian => gregorian(),
            Self::Persian => match to_iso(day) {
                Some(iso) => {
                    let persian = iso.to_calendar(Persian);
                    format!(
                        "{:04}-{:02}-{:02}",
                        persian.year().extended_year(),
                        persian.month().ordinal,
                        persian.day_of_month().0
                    )
                }
                // Outside ICU's range (±~5.8 million years): no stored day gets there.
                None => gregorian(),
            },
        }
    }
}

const NOT_SHAPED: &str = "must be a date written";

fn no_such_day(calendar: Calendar) -> FieldProblem {
    FieldProblem::new(
        "invalid_date",
        format!("is not a day of the {} calendar", calendar.name()),
    )
}

/// Whether an `invalid_date` problem is about a well-formed `YYYY-MM-DD` the calendar cannot
/// use (no such day, or before the earliest day), rather than text not shaped like a day.
pub fn names_no_day(message: &str) -> bool {
    !message.starts_with(NOT_SHAPED)
}

/// `YYYY-MM-DD` with ASCII digits and nothing else.
fn split(text: &str) -> Option<(i32, u8, u8)> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    Some((
        text[0..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    ))
}

fn to_iso(day: NaiveDate) -> Option<Date<icu_calendar::Iso>> {
    use chrono::Datelike;
    let month = u8::try_from(day.month()).ok()?;
    let dom = u8::try_from(day.day()).ok()?;
    Date::try_new_iso(day.year(), month, dom).ok()
}

fn from_iso(iso: &Date<icu_calendar::Iso>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        iso.month().ordinal.into(),
        iso.day_of_month().0.into(),
    )
}

#[cfg(test)]
mod tests;
