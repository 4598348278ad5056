//! The founding case's governance: the joint board meeting of the two associations (held,
//! attendees from both boards, minutes finalized), its three resolutions and their action
//! items, one of them done and one overdue.

use reqwest::Method;
use serde_json::json;

use super::{id, Api, AUDIT, LABS};

/// Loads the meeting; `member` are the demo people in the order `load` created them.
pub(super) async fn load(api: &Api, labs: &str, audit: &str, member: &[String]) -> anyhow::Result<()> {
    let meeting = id(&api
        .post(
            "/api/v1/meetings",
            json!({"title": "نشست مشترک هیئت‌مدیره‌های دو انجمن",
                   "kind": "board",
                   "starts_at": "2025-09-16T10:00:00+03:30",
                   "ends_at": "2025-09-16T12:30:00+03:30",
                   "place": "تهران، دفتر انجمن آزمایشگاههای همکار",
                   "organization_ids": [labs, audit]}),
        )
        .await?)?;
    let path = format!("/api/v1/meetings/{meeting}");
    let agenda = json!({"items": [
        {"title": "همکاری دو انجمن و تشکیل کارگروه‌های تخصصی"},
        {"title": "تعریف پروژه‌های مشترک", "notes": "پژوهشی، نظارتی و آموزشی"},
        {"title": "برنامه نشست‌های آینده"}
    ]});
    api.call(Method::PUT, &format!("{path}/agenda"), Some(agenda)).await?;
    // The boards: the laboratories' chair, vice-chair and secretary; the society's chair,
    // a board member and its treasurer.
    let attendees = [(0, labs), (2, labs), (3, labs), (1, audit), (5, audit), (4, audit)];
    for (who, org) in attendees {
        let body = json!({"organization_id": org, "status": "present"});
        api.call(Method::PUT, &format!("{path}/attendees/{}", member[who]), Some(body))
            .await?;
    }
    let minutes = format!(
        "هیئت‌مدیره‌های {LABS} و {AUDIT} در نشستی مشترک گرد آمدند و بر همکاری دو انجمن توافق کردند: \
         تشکیل کارگروه‌های تخصصی، تعریف پروژه‌های مشترک پژوهشی، نظارتی و آموزشی، و برگزاری \
         نشست‌های بعدی در موضوعات تخصصی و عمومی."
    );
    api.call(Method::PUT, &format!("{path}/minutes"), Some(json!({"text": minutes})))
        .await?;
    api.post(&format!("{path}/minutes/finalize"), json!({})).await?;
    api.post(&format!("{path}/transitions"), json!({"to": "held"})).await?;

    let both = json!([{"organization_id": labs, "vote": "in_favour"}, {"organization_id": audit, "vote": "in_favour"}]);
    let resolutions = [
        (
            "تشکیل کارگروه‌های تخصصی مشترک میان دو انجمن",
            vec![("پیش‌نویس شیوه‌نامه کارگروه‌ها", 3, labs, "2025-09-30", Some("done"))],
        ),
        (
            "تعریف پروژه‌های مشترک پژوهشی، نظارتی و آموزشی",
            vec![
                ("تدوین طرح پروژه‌های مشترک", 1, audit, "2026-03-20", Some("done")),
                ("برنامه دوره آموزشی ممیزی داخلی", 2, labs, "2027-01-31", None),
            ],
        ),
        (
            "برگزاری نشست‌های بعدی در موضوعات تخصصی و عمومی",
            vec![("تعیین زمان نخستین نشست عمومی", 4, audit, "2026-06-30", None)],
        ),
    ];
    for (text, items) in resolutions {
        let body = json!({"text": text, "outcome": "adopted", "votes": both});
        let resolution = id(&api.post(&format!("{path}/resolutions"), body).await?)?;
        for (what, owner, org, due, status) in items {
            let body = json!({"what": what, "owner_id": member[owner], "organization_id": org, "due_on": due});
            let item = id(&api
                .post(&format!("/api/v1/resolutions/{resolution}/action-items"), body)
                .await?)?;
            if let Some(to) = status {
                api.post(&format!("/api/v1/action-items/{item}/transitions"), json!({"to": to}))
                    .await?;
            }
        }
    }
    Ok(())
}
