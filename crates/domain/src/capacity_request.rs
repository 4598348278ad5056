//! Requests for a partner's capacity: organization B asks for what A offers, A accepts or
//! declines, and the request ends fulfilled or cancelled.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::project::names;
use crate::validation::{clean_line, clean_text, FieldError, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Requested,
    Accepted,
    Declined,
    Fulfilled,
    Cancelled,
}

names!(RequestStatus {
    Requested => "requested",
    Accepted => "accepted",
    Declined => "declined",
    Fulfilled => "fulfilled",
    Cancelled => "cancelled",
});

/// Which side of a request acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The organization offering the capacity.
    Provider,
    /// The organization asking for it.
    Requester,
}

impl RequestStatus {
    pub const INITIAL: RequestStatus = RequestStatus::Requested;

    /// requested → accepted | declined | cancelled; accepted → fulfilled | cancelled.
    pub fn next(self) -> &'static [RequestStatus] {
        use RequestStatus::*;
        match self {
            Requested => &[Accepted, Declined, Cancelled],
            Accepted => &[Fulfilled, Cancelled],
            Declined | Fulfilled | Cancelled => &[],
        }
    }

    /// Who may move a request into this state: the provider accepts, declines and
    /// fulfils; only the requester cancels.
    pub fn moved_by(self) -> Side {
        match self {
            RequestStatus::Cancelled => Side::Requester,
            _ => Side::Provider,
        }
    }
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityRequest {
    pub id: Uuid,
    pub capacity_id: Uuid,
    /// The offering organization (the capacity's), kept so lists filter without a join.
    pub provider_id: Uuid,
    /// The requesting organization.
    pub organization_id: Uuid,
    pub purpose: String,
    pub project_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub needed_from: Option<NaiveDate>,
    pub needed_until: Option<NaiveDate>,
    pub quantity: Option<String>,
    pub status: RequestStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

#[derive(Debug)]
pub struct RequestInput {
    pub capacity_id: Uuid,
    pub organization_id: Uuid,
    pub purpose: String,
    pub project_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub needed_from: Option<NaiveDate>,
    pub needed_until: Option<NaiveDate>,
    pub quantity: Option<String>,
}

impl CapacityRequest {
    pub fn create(
        input: RequestInput,
        provider_id: Uuid,
        id: Uuid,
        now: NaiveDateTime,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let purpose = errors.check("purpose", clean_text(&input.purpose, 2, 10_000));
        let quantity = errors.check("quantity", input.quantity.map(|q| clean_line(&q, 1, 300)).transpose());
        if let (Some(f), Some(u)) = (input.needed_from, input.needed_until) {
            if u < f {
                errors.push(FieldError::new("until", "before_start", "must be on or after from"));
            }
        }
        if input.organization_id == provider_id {
            errors.push(FieldError::new(
                "organization_id",
                "own_capacity",
                "an organization cannot request its own capacity",
            ));
        }
        match (purpose, quantity) {
            (Some(purpose), Some(quantity)) if errors.is_empty() => Ok(Self {
                id,
                capacity_id: input.capacity_id,
                provider_id,
                organization_id: input.organization_id,
                purpose,
                project_id: input.project_id,
                agreement_id: input.agreement_id,
                needed_from: input.needed_from,
                needed_until: input.needed_until,
                quantity,
                status: RequestStatus::INITIAL,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
            }),
            _ => Err(errors),
        }
    }

    /// Moves to `to` if the lifecycle allows it; the error lists the allowed next states.
    pub fn transition(&mut self, to: RequestStatus, now: NaiveDateTime) -> Result<RequestStatus, Vec<RequestStatus>> {
        let from = self.status;
        if !from.next().contains(&to) {
            return Err(from.next().to_vec());
        }
        self.status = to;
        self.version += 1;
        self.updated_at = now.max(self.updated_at);
        Ok(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestStatus::*;

    #[test]
    fn every_legal_step_and_who_takes_it() {
        let legal = [
            (Requested, Accepted),
            (Requested, Declined),
            (Requested, Cancelled),
            (Accepted, Fulfilled),
            (Accepted, Cancelled),
        ];
        for from in RequestStatus::ALL {
            for to in RequestStatus::ALL {
                assert_eq!(
                    from.next().contains(to),
                    legal.contains(&(*from, *to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert_eq!(Cancelled.moved_by(), Side::Requester);
        for to in [Accepted, Declined, Fulfilled] {
            assert_eq!(to.moved_by(), Side::Provider);
        }
    }

    #[test]
    fn own_capacity_and_reversed_period_are_refused() {
        let now = NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let org = Uuid::now_v7();
        let input = |requester: Uuid, until: u32| RequestInput {
            capacity_id: Uuid::now_v7(),
            organization_id: requester,
            purpose: "کالیبراسیون ترازوهای آزمایشگاه".into(),
            project_id: None,
            agreement_id: None,
            needed_from: NaiveDate::from_ymd_opt(2027, 1, 10),
            needed_until: NaiveDate::from_ymd_opt(2027, 1, until),
            quantity: Some("۳ ترازو".into()),
        };
        let codes = |r: Result<CapacityRequest, ValidationErrors>| -> Vec<&str> {
            r.unwrap_err().0.into_iter().map(|e| e.code).collect()
        };
        assert_eq!(
            codes(CapacityRequest::create(input(org, 20), org, Uuid::now_v7(), now)),
            ["own_capacity"]
        );
        assert_eq!(
            codes(CapacityRequest::create(
                input(Uuid::now_v7(), 5),
                org,
                Uuid::now_v7(),
                now
            )),
            ["before_start"]
        );
        let mut r = CapacityRequest::create(input(Uuid::now_v7(), 20), org, Uuid::now_v7(), now).unwrap();
        assert_eq!(
            r.transition(Fulfilled, now).unwrap_err(),
            [Accepted, Declined, Cancelled]
        );
        assert_eq!(r.transition(Accepted, now).unwrap(), Requested);
        assert_eq!((r.status, r.version), (Accepted, 2));
    }
}
