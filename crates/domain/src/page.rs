//! Page sizes for lists: keyset pagination never reads more than one page.

use crate::validation::FieldProblem;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// A page size between 1 and [`MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub fn parse(raw: Option<u32>) -> Result<Self, FieldProblem> {
        match raw {
            None => Ok(Self(DEFAULT_LIMIT)),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Self(n)),
            Some(_) => Err(FieldProblem::new(
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Sort direction of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// Parses `field` / `-field` against the names a list allows.
pub fn parse_sort<F: Copy>(raw: &str, fields: &[(&str, F)]) -> Result<(F, Direction), FieldProblem> {
    let (name, direction) = match raw.strip_prefix('-') {
        Some(name) => (name, Direction::Desc),
        None => (raw, Direction::Asc),
    };
    fields
        .iter()
        .find(|(candidate, _)| *candidate == name)
        .map(|(_, field)| (*field, direction))
        .ok_or_else(|| {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            FieldProblem::new(
                "invalid_sort",
                format!("must be one of {} (prefix with - for descending)", names.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(Limit::parse(None).unwrap().get(), 50);
        assert_eq!(Limit::parse(Some(200)).unwrap().get(), 200);
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(201)).is_err());
    }

    #[test]
    fn sorts() {
        let fields = [("name", 1), ("created_at", 2)];
        assert_eq!(parse_sort("-name", &fields).unwrap(), (1, Direction::Desc));
        assert_eq!(parse_sort("created_at", &fields).unwrap(), (2, Direction::Asc));
        assert!(parse_sort("id", &fields).is_err());
        assert!(parse_sort("--name", &fields).is_err());
    }
}
