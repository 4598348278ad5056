//! Which organizations a "who do we share?" question names.

use uuid::Uuid;

use crate::validation::FieldProblem;

/// The organizations of a shared-members question: none (members current in any two) or at
/// least two distinct ones (members current in every one). Sorted and without repeats, so
/// the same question always reads the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedOrganizations(Vec<Uuid>);

impl SharedOrganizations {
    /// The organizations listed by `/shared-members`. One alone is no question of sharing.
    pub fn parse(mut ids: Vec<Uuid>) -> Result<Self, FieldProblem> {
        ids.sort();
        ids.dedup();
        if ids.len() == 1 {
            return Err(FieldProblem::new("too_few", "name at least two organizations, or none"));
        }
        Ok(Self(ids))
    }

    /// The question asked from `from`'s side (`/organizations/{id}/shared-members`): `from`
    /// and the organizations in `with`, of which at least one must be another.
    pub fn asked_from(from: Uuid, mut with: Vec<Uuid>) -> Result<Self, FieldProblem> {
        if with.iter().all(|id| *id == from) {
            return Err(FieldProblem::new(
                "same_organization",
                "name at least one other organization",
            ));
        }
        with.push(from);
        Self::parse(with)
    }

    pub fn into_ids(self) -> Vec<Uuid> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn none_asks_about_any_two() {
        assert_eq!(
            SharedOrganizations::parse(vec![]).unwrap().into_ids(),
            Vec::<Uuid>::new()
        );
    }

    #[test]
    fn one_organization_is_too_few_even_when_repeated() {
        let a = Uuid::from_u128(7);
        assert_eq!(SharedOrganizations::parse(vec![a]).unwrap_err().code, "too_few");
        assert_eq!(SharedOrganizations::parse(vec![a, a, a]).unwrap_err().code, "too_few");
    }

    #[test]
    fn organizations_come_sorted_without_repeats() {
        let [a, b, c] = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)];
        let parsed = SharedOrganizations::parse(vec![c, a, b, a, c]).unwrap();
        assert_eq!(parsed.into_ids(), vec![a, b, c]);
    }

    #[test]
    fn asked_from_one_side_needs_another_organization() {
        let from = Uuid::from_u128(9);
        assert_eq!(
            SharedOrganizations::asked_from(from, vec![]).unwrap_err().code,
            "same_organization"
        );
        assert_eq!(
            SharedOrganizations::asked_from(from, vec![from, from])
                .unwrap_err()
                .code,
            "same_organization"
        );
        let parsed = SharedOrganizations::asked_from(from, ids(2)).unwrap();
        assert_eq!(parsed.into_ids(), vec![Uuid::from_u128(1), Uuid::from_u128(2), from]);
        let with_itself = SharedOrganizations::asked_from(from, vec![from, Uuid::from_u128(1)]).unwrap();
        assert_eq!(with_itself.into_ids(), vec![Uuid::from_u128(1), from]);
    }
}
