//! The founding case's capacities: what each association offers the other under their
//! agreement (the laboratories' ISO/IEC 17025 calibration, the society's ISO/IEC 17020
//! inspection team and its auditor training), and the society asking for the calibration.

use serde_json::json;

use super::{id, Api};

const NACI: &str = "مرکز ملی تأیید صلاحیت ایران";

/// Loads the capacities; `member` is in the order of `load`'s people (4: the inspector,
/// 1: the auditor).
pub(super) async fn load(
    api: &Api,
    labs: &str,
    audit: &str,
    agreement: &str,
    member: &[String],
) -> anyhow::Result<usize> {
    let offered = json!({"agreement_id": agreement});
    let calibration = id(&api
        .post(
            "/api/v1/capacities",
            json!({"kind": "calibration", "organization_id": labs, "offered_to": offered,
                   "title": "آزمایشگاه کالیبراسیون جرم و ترازو",
                   "title_en": "Mass and balance calibration laboratory",
                   "description": "کالیبراسیون ترازوهای آزمایشگاهی و صنعتی و وزنه‌های استاندارد تا کلاس F1، در آزمایشگاه یا در محل",
                   "province": "تهران", "city": "تهران", "availability": "available"}),
        )
        .await?)?;
    api.post(
        &format!("/api/v1/capacities/{calibration}/accreditations"),
        json!({"standard": "iso_iec_17025", "body": NACI, "certificate_number": "NACI-CL-0412",
               "scope": "کالیبراسیون جرم، ترازوهای غیرخودکار و وزنه‌ها",
               "valid_from": "2024-06-10", "valid_until": "2028-06-09"}),
    )
    .await?;
    let inspection = id(&api
        .post(
            "/api/v1/capacities",
            json!({"kind": "inspection", "organization_id": audit, "offered_to": offered,
                   "title": "تیم بازرسی فنی تجهیزات آزمایشگاهی",
                   "description": "بازرسی دوره‌ای تجهیزات، شرایط محیطی و ایمنی آزمایشگاه‌ها",
                   "provider_member_id": member[4], "province": "اصفهان", "city": "اصفهان",
                   "availability": "limited"}),
        )
        .await?)?;
    api.post(
        &format!("/api/v1/capacities/{inspection}/accreditations"),
        json!({"standard": "iso_iec_17020", "body": NACI, "certificate_number": "NACI-IB-0097",
               "scope": "بازرسی تجهیزات اندازه‌گیری و شرایط محیطی آزمایشگاه",
               "valid_from": "2025-01-15", "valid_until": "2029-01-14"}),
    )
    .await?;
    api.post(
        "/api/v1/capacities",
        json!({"kind": "training", "organization_id": audit, "offered_to": offered,
               "title": "دورهٔ آموزش ممیزی داخلی بر پایهٔ ISO/IEC 17025",
               "description": "دورهٔ سه‌روزهٔ ممیزی داخلی برای کارکنان آزمایشگاه‌ها، با گواهی پایان دوره",
               "provider_member_id": member[1], "province": "تهران", "city": "تهران"}),
    )
    .await?;
    // The society's inspectors need their balances calibrated before an audit season.
    api.post(
        "/api/v1/capacity-requests",
        json!({"capacity_id": calibration, "organization_id": audit,
               "purpose": "کالیبراسیون ترازوهای همراه بازرسان پیش از فصل ممیزی",
               "from": "2026-01-10", "until": "2026-01-25", "quantity": "۶ ترازو و یک سری وزنه"}),
    )
    .await?;
    Ok(3)
}
