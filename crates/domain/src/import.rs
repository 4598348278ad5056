//! Bulk import of members and their memberships: which column holds which field, how a cell
//! becomes a value, and what one row asks for. Everything a field means is still decided by
//! `Member::create`/`Member::apply` and the membership types; this module only reads cells.

use chrono::NaiveDate;

use crate::calendar::DayReader;
use crate::member::{MemberChanges, MemberInput};
use crate::membership::MembershipRole;
use crate::validation::{FieldProblem, ValidationErrors};

/// A column an import can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportField {
    FullName,
    FullNameEn,
    NationalId,
    Email,
    Phone,
    Expertise,
    Role,
    StartsOn,
}

impl ImportField {
    pub const ALL: [Self; 8] = [
        Self::FullName,
        Self::FullNameEn,
        Self::NationalId,
        Self::Email,
        Self::Phone,
        Self::Expertise,
        Self::Role,
        Self::StartsOn,
    ];

    /// The field's name in the API, the report and the exported CSV header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullName => "full_name",
            Self::FullNameEn => "full_name_en",
            Self::NationalId => "national_id",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Expertise => "expertise",
            Self::Role => "role",
            Self::StartsOn => "starts_on",
        }
    }

    /// Other names a header may give the field: Persian, and the spellings people use.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::FullName => &["نام و نام خانوادگی", "نام کامل", "نام", "name"],
            Self::FullNameEn => &["نام انگلیسی", "english name", "name_en"],
            Self::NationalId => &["کد ملی", "شماره ملی", "national code"],
            Self::Email => &["ایمیل", "پست الکترونیک", "پست الکترونیکی", "رایانامه", "e-mail"],
            Self::Phone => &["تلفن", "موبایل", "تلفن همراه", "شماره تلفن", "mobile"],
            Self::Expertise => &["تخصص", "حوزه تخصص"],
            Self::Role => &["نقش", "سمت"],
            Self::StartsOn => &["تاریخ شروع", "تاریخ عضویت", "started_on", "start_date"],
        }
    }

    /// The field a header or mapping names, compared after Persian normalization (so
    /// `کد ملی`, `كد ملي` and `کد‌ملی` agree) and with `_`, `-` and spaces alike.
    pub fn from_name(name: &str) -> Option<Self> {
        let key = header_key(name);
        Self::ALL.into_iter().find(|field| {
            header_key(field.as_str()) == key || field.aliases().iter().any(|alias| header_key(alias) == key)
        })
    }
}

fn header_key(name: &str) -> String {
    crate::text::search_key(&name.replace(['_', '-', '\u{200C}'], " ")).replace(' ', "")
}

/// Which column holds which field; columns naming no field are ignored (an export's `id`
/// or `created_at`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap(Vec<Option<ImportField>>);

impl ColumnMap {
    /// Reads a header row. Without a full-name column no row could make a member.
    pub fn from_header(header: &[String]) -> Result<Self, ValidationErrors> {
        Self::check(header.iter().map(|h| ImportField::from_name(h)).collect())
    }

    /// An explicit mapping `{column header: field}`: the named columns only.
    pub fn from_mapping(header: &[String], mapping: &[(String, String)]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut columns = vec![None; header.len()];
        for (column, field) in mapping {
            let Some(field) = ImportField::from_name(field) else {
                errors.push(crate::FieldError::new(
                    format!("mapping.{column}"),
                    "invalid_value",
                    "is not an importable field",
                ));
                continue;
            };
            match header.iter().position(|h| h.trim() == column.trim()) {
                Some(at) => columns[at] = Some(field),
                None => errors.push(crate::FieldError::new(
                    format!("mapping.{column}"),
                    "not_found",
                    "is not a column of the file",
                )),
            }
        }
        errors.finish(|| ())?;
        Self::check(columns)
    }

    fn check(columns: Vec<Option<ImportField>>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !columns.contains(&Some(ImportField::FullName)) {
            errors.push(crate::FieldError::new(
                "full_name",
                "missing_column",
                "no column holds full_name (نام و نام خانوادگی)",
            ));
        }
        for field in ImportField::ALL {
            if columns.iter().filter(|c| **c == Some(field)).count() > 1 {
                errors.push(crate::FieldError::new(
                    field.as_str(),
                    "duplicate_column",
                    "more than one column holds this field",
                ));
            }
        }
        errors.finish(|| Self(columns))
    }

    /// The row's non-empty cells by field.
    pub fn row(&self, cells: &[String]) -> RowCells {
        let mut row = RowCells::default();
        for (column, field) in self.0.iter().enumerate() {
            let (Some(field), Some(cell)) = (field, cells.get(column)) else {
                continue;
            };
            // An exported CSV quotes cells that would run as formulas; read the value back.
            let value = crate::spreadsheet::unguard(cell.trim()).trim();
            if !value.is_empty() {
                row.0.push((*field, value.to_owned()));
            }
        }
        row
    }
}

/// One row's cells by field; an empty cell is absent, never a request to clear the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowCells(Vec<(ImportField, String)>);
/// The membership a row asks for; each part defaults when its column is absent or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMembership {
    pub role: Option<MembershipRole>,
    pub starts_on: Option<NaiveDate>,
}

impl RowCells {
    pub fn get(&self, field: ImportField) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str())
    }

    /// Whether every cell is empty (a blank line in the sheet).
    pub fn is_blank(&self) -> bool {
        self.0.is_empty()
    }

    fn text(&self, field: ImportField) -> Option<String> {
        self.get(field).map(str::to_owned)
    }

    /// The member the row describes, for `Member::create`, which checks every field.
    pub fn member_input(&self) -> MemberInput {
        MemberInput {
            full_name: self.text(ImportField::FullName).unwrap_or_default(),
            full_name_en: self.text(ImportField::FullNameEn),
            national_id: self.text(ImportField::NationalId),
            email: self.text(ImportField::Email),
            phone: self.text(ImportField::Phone),
            expertise: self.text(ImportField::Expertise),
        }
    }

    /// The changes that bring an existing member to this row: only the fields the row
    /// gives, so a sheet with fewer columns never clears what it does not hold.
    pub fn member_changes(&self) -> MemberChanges {
        let some = |field| self.text(field).map(Some);
        MemberChanges {
            full_name: self.text(ImportField::FullName),
            full_name_en: some(ImportField::FullNameEn),
            national_id: some(ImportField::NationalId),
            email: some(ImportField::Email),
            phone: some(ImportField::Phone),
            expertise: some(ImportField::Expertise),
        }
    }

    /// The row's role and start date.
    pub fn membership(&self, days: DayReader) -> Result<RowMembership, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let role = errors.check_sent("role", self.get(ImportField::Role).map(parse_role));
        let starts_on = errors.check_sent(
            "starts_on",
            self.get(ImportField::StartsOn).map(|cell| parse_date_cell(cell, days)),
        );
        errors.finish(|| RowMembership { role, starts_on })
    }
}

/// A role cell: the API's name (`board_chair`) or its Persian title (`رئیس هیئت مدیره`).
pub fn parse_role(raw: &str) -> Result<MembershipRole, FieldProblem> {
    const PERSIAN: [(&str, MembershipRole); 8] = [
        ("عضو", MembershipRole::Member),
        ("عضو هیئت مدیره", MembershipRole::BoardMember),
        ("رئیس هیئت مدیره", MembershipRole::BoardChair),
        ("نایب رئیس هیئت مدیره", MembershipRole::BoardViceChair),
        ("نایب رئیس", MembershipRole::BoardViceChair),
        ("دبیر", MembershipRole::Secretary),
        ("خزانه دار", MembershipRole::Treasurer),
        ("بازرس", MembershipRole::Inspector),
    ];
    let key = header_key(raw);
    if let Some((_, role)) = PERSIAN.iter().find(|(name, _)| header_key(name) == key) {
        return Ok(*role);
    }
    MembershipRole::parse(&raw.trim().to_ascii_lowercase())
}

/// Every date cell of an import goes through here: `YYYY-MM-DD` (also with `/`) in ASCII,
/// Persian or Arabic-Indic digits, in the calendar the request chose (`Accept-Calendar`), with
/// the same plausibility rule as every other day the API reads.
pub fn parse_date_cell(raw: &str, days: DayReader) -> Result<NaiveDate, FieldProblem> {
    let ascii: String = crate::text::normalize(raw).replace('/', "-");
    days.read(&ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_match_in_english_and_persian() {
        let header = strings(&[
            "نام و نام خانوادگی",
            "كد ملي",
            "Email",
            "موبایل",
            "id",
            "نقش",
            "تاریخ شروع",
        ]);
        let map = ColumnMap::from_header(&header).unwrap();
        let row = map.row(&strings(&[
            "علی رضایی",
            "۰۴۹۹۳۷۰۸۹۹",
            "",
            "0912",
            "x",
            "بازرس",
            "۱۴۰۳-۰۱-۰۱",
        ]));
        assert_eq!(row.get(ImportField::FullName), Some("علی رضایی"));
        assert_eq!(row.get(ImportField::Email), None);
        assert_eq!(row.get(ImportField::Phone), Some("0912"));
        assert_eq!(ImportField::from_name("full_name"), Some(ImportField::FullName));
        assert_eq!(ImportField::from_name("created_at"), None);
        let errors = ColumnMap::from_header(&strings(&["email", "ایمیل"])).unwrap_err();
        let codes: Vec<&str> = errors.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["missing_column", "duplicate_column"]);
    }

    #[test]
    fn explicit_mapping_names_columns() {
        let header = strings(&["A", "B"]);
        let map = ColumnMap::from_mapping(&header, &[("B".into(), "full_name".into())]).unwrap();
        assert_eq!(
            map.row(&strings(&["x", "مریم"])).get(ImportField::FullName),
            Some("مریم")
        );
        assert!(ColumnMap::from_mapping(&header, &[("C".into(), "full_name".into())]).is_err());
    }

    #[test]
    fn cells_an_export_guarded_read_back_as_their_values() {
        let map = ColumnMap::from_header(&strings(&["full_name", "phone", "email"])).unwrap();
        let row = map.row(&strings(&["''-مریم", " '+989121234567 ", "'x@example.org"]));
        assert_eq!(row.get(ImportField::FullName), Some("'-مریم"));
        assert_eq!(row.get(ImportField::Phone), Some("+989121234567"));
        assert_eq!(
            row.get(ImportField::Email),
            Some("'x@example.org"),
            "no formula, no change"
        );
    }

    #[test]
    fn cells_parse_roles_and_dates() {
        use crate::calendar::Calendar;
        assert_eq!(parse_role("رئيس هیات مدیره").unwrap(), MembershipRole::BoardChair);
        assert_eq!(parse_role("Treasurer").unwrap(), MembershipRole::Treasurer);
        assert!(parse_role("king").is_err());
        let floor = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
        let gregorian = DayReader {
            calendar: Calendar::Gregorian,
            floor,
        };
        let persian = DayReader {
            calendar: Calendar::Persian,
            floor,
        };
        let nowruz = NaiveDate::from_ymd_opt(2026, 3, 21).unwrap();
        assert_eq!(parse_date_cell("۲۰۲۶/۰۳/۲۱", gregorian).unwrap(), nowruz);
        assert_eq!(parse_date_cell("۱۴۰۵/۰۱/۰۱", persian).unwrap(), nowruz);
        assert_eq!(
            parse_date_cell("2026-02-30", gregorian).unwrap_err().code,
            "invalid_date"
        );
        assert_eq!(
            parse_date_cell("1405-01-01", gregorian).unwrap_err().code,
            "implausible_date"
        );
    }
}
