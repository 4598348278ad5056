//! How a reader of the change feed asks for its next page.

use std::time::Duration;

use crate::validation::FieldProblem;

/// The longest a request may wait for news.
pub const MAX_WAIT_SECS: u32 = 30;

/// How long to wait for an event when none is new (a long poll): zero to
/// [`MAX_WAIT_SECS`] seconds, none when not asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wait(u32);

impl Wait {
    pub fn parse(raw: Option<u32>) -> Result<Self, FieldProblem> {
        match raw {
            None => Ok(Self(0)),
            Some(secs) if secs <= MAX_WAIT_SECS => Ok(Self(secs)),
            Some(_) => Err(FieldProblem::new(
                "out_of_range",
                format!("must be at most {MAX_WAIT_SECS} seconds"),
            )),
        }
    }

    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_wait_unless_asked() {
        assert_eq!(Wait::parse(None).unwrap().duration(), Duration::ZERO);
        assert_eq!(Wait::parse(Some(0)).unwrap().duration(), Duration::ZERO);
    }

    #[test]
    fn waits_up_to_the_most_allowed() {
        assert_eq!(Wait::parse(Some(30)).unwrap().duration(), Duration::from_secs(30));
        assert_eq!(Wait::parse(Some(31)).unwrap_err().code, "out_of_range");
        assert_eq!(Wait::parse(Some(u32::MAX)).unwrap_err().code, "out_of_range");
    }
}
