//! `hamkari seed-demo`: the founding case, loaded through the API itself so that demo data
//! passes every rule a real client meets (validation, board rules, project lifecycle).

use anyhow::{bail, ensure, Context};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

mod capacities;
mod governance;

/// The two associations whose cooperation hamkari was built for.
const LABS: &str = "انجمن آزمایشگاههای همکار آزمون و واسنجی ایران";
const AUDIT: &str = "جامعه ممیزی و بازرسی ایران";

pub(crate) struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {text}");
        }
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::PUT, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None).await
    }
}

pub(crate) fn id(v: &Value) -> anyhow::Result<String> {
    v["id"].as_str().map(str::to_owned).context("response without an id")
}

/// Logs in at `base` and loads the demo data; refuses a database that has organizations.
pub async fn seed(base: &str, email: &str, password: &str) -> anyhow::Result<Summary> {
    let client = Client::new();
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?;
    if login.status() != StatusCode::OK {
        bail!(
            "cannot log in as {email} ({}); set HAMKARI_ADMIN_EMAIL and HAMKARI_ADMIN_PASSWORD to an administrator's",
            login.status()
        );
    }
    let token = login.json::<Value>().await?["access_token"]
        .as_str()
        .context("login without an access token")?
        .to_owned();
    let api = Api {
        client,
        base: base.to_owned(),
        token,
    };
    let existing = api.get("/api/v1/organizations?limit=1").await?;
    ensure!(
        existing["items"].as_array().is_some_and(Vec::is_empty),
        "seed-demo loads into an empty database, and this one already has organizations"
    );
    load(&api).await
}

/// What was loaded, for the command's report.
pub struct Summary {
    pub organizations: usize,
    pub members: usize,
    pub memberships: usize,
    pub projects: usize,
    pub working_groups: usize,
    pub capacities: usize,
}

async fn load(api: &Api) -> anyhow::Result<Summary> {
    let labs = id(&api
        .post(
            "/api/v1/organizations",
            json!({
                "name": LABS,
                "name_en": "Iranian Association of Cooperating Testing and Calibration Laboratories",
                "kind": "association",
                "description": "انجمن صنفی آزمایشگاههای همکار در حوزه آزمون و واسنجی",
                "website": "https://labs.example.org/",
                "email": "info@labs.example.org",
                "phone": "+982188001122",
                "founded_on": "2004-05-01"
            }),
        )
        .await?)?;
    let audit = id(&api
        .post(
            "/api/v1/organizations",
            json!({
                "name": AUDIT,
                "name_en": "Iranian Audit and Inspection Society",
                "kind": "society",
                "description": "جامعه حرفه‌ای ممیزان و بازرسان",
                "website": "https://audit.example.org/",
                "email": "info@audit.example.org",
                "phone": "+982188003344",
                "founded_on": "2009-10-15"
            }),
        )
        .await?)?;

    let agreement = crate::seed_governance::agreement(api, &labs, &audit).await?;

    // (name, English name, national code, email, phone, expertise)
    let people = [
        (
            "محمد رضایی",
            "Mohammad Rezaei",
            "5260181591",
            "m.rezaei@example.org",
            "09121234501",
            "واسنجی ابزار دقیق",
        ),
        (
            "فاطمه احمدی",
            "Fatemeh Ahmadi",
            "0830166130",
            "f.ahmadi@example.org",
            "09121234502",
            "ممیزی سیستم‌های مدیریت کیفیت",
        ),
        (
            "علی کریمی",
            "Ali Karimi",
            "1860913903",
            "a.karimi@example.org",
            "09121234503",
            "آزمون‌های شیمیایی",
        ),
        (
            "زهرا حسینی",
            "Zahra Hosseini",
            "9960308243",
            "z.hosseini@example.org",
            "09121234504",
            "مدیریت آزمایشگاه",
        ),
        (
            "حسن موسوی",
            "Hassan Mousavi",
            "6281948211",
            "h.mousavi@example.org",
            "09121234505",
            "بازرسی فنی",
        ),
        (
            "مریم نوری",
            "Maryam Nouri",
            "9935181901",
            "m.nouri@example.org",
            "09121234506",
            "آزمون مهارت",
        ),
        (
            "رضا جعفری",
            "Reza Jafari",
            "9378657974",
            "r.jafari@example.org",
            "09121234507",
            "اندازه‌شناسی",
        ),
        (
            "سارا محمدی",
            "Sara Mohammadi",
            "5432319489",
            "s.mohammadi@example.org",
            "09121234508",
            "ممیزی زیست‌محیطی",
        ),
        (
            "امیر قاسمی",
            "Amir Ghasemi",
            "7574911861",
            "a.ghasemi@example.org",
            "09121234509",
            "آموزش و ارزیابی",
        ),
        (
            "نرگس صادقی",
            "Narges Sadeghi",
            "2527601898",
            "n.sadeghi@example.org",
            "09121234510",
            "آزمون‌های میکروبی",
        ),
    ];
    let mut member = Vec::new();
    for (name, name_en, code, email, phone, expertise) in people {
        let body = json!({"full_name": name, "full_name_en": name_en, "national_id": code,
                          "email": email, "phone": phone, "expertise": expertise});
        member.push(id(&api.post("/api/v1/members", body).await?)?);
    }

    // Boards: محمد رضایی chairs the laboratories' board and sits on the society's;
    // فاطمه احمدی chairs the society. Several people belong to both (shared members).
    let memberships = [
        (&labs, 0, "board_chair", "2022-03-21"),
        (&labs, 2, "board_vice_chair", "2022-03-21"),
        (&labs, 3, "secretary", "2022-03-21"),
        (&labs, 6, "inspector", "2022-03-21"),
        (&labs, 1, "member", "2019-06-01"),
        (&labs, 5, "member", "2020-01-15"),
        (&labs, 8, "member", "2018-09-01"),
        (&labs, 9, "member", "2021-04-10"),
        (&audit, 1, "board_chair", "2023-01-21"),
        (&audit, 0, "board_member", "2023-01-21"),
        (&audit, 5, "board_member", "2023-01-21"),
        (&audit, 4, "treasurer", "2023-01-21"),
        (&audit, 2, "member", "2017-11-05"),
        (&audit, 7, "member", "2020-02-20"),
        (&audit, 8, "member", "2019-12-01"),
    ];
    for (org, who, role, since) in memberships {
        let body = json!({"member_id": member[who], "role": role, "starts_on": since});
        api.post(&format!("/api/v1/organizations/{org}/memberships"), body)
            .await?;
    }

    let projects = [
        (
            "research",
            "پژوهش مشترک در برآورد عدم قطعیت اندازه‌گیری",
            "Joint research on estimating measurement uncertainty",
            &labs,
            "active",
            [
                (0, &labs, "coordinator"),
                (6, &labs, "researcher"),
                (5, &audit, "researcher"),
            ],
        ),
        (
            "supervisory",
            "نظارت مشترک بر برنامه‌های آزمون مهارت",
            "Joint supervision of proficiency-testing schemes",
            &audit,
            "approved",
            [
                (1, &audit, "coordinator"),
                (4, &audit, "inspector"),
                (2, &labs, "inspector"),
            ],
        ),
        (
            "educational",
            "دوره آموزشی ممیزی داخلی آزمایشگاه",
            "Internal laboratory audit training course",
            &labs,
            "proposed",
            [(8, &labs, "trainer"), (7, &audit, "trainer"), (3, &labs, "member")],
        ),
    ];
    for (kind, title, title_en, lead, status, team) in projects {
        let project = id(&api
            .post(
                "/api/v1/projects",
                json!({"title": title, "title_en": title_en, "kind": kind,
                       "summary": format!("{title} میان {LABS} و {AUDIT}"),
                       "starts_on": "2026-03-21", "ends_on": "2027-03-20",
                       "lead_organization_id": lead, "organization_ids": [&labs, &audit],
                       "agreement_id": &agreement}),
            )
            .await?)?;
        for (who, org, role) in team {
            let body = json!({"member_id": member[who], "organization_id": org, "role": role});
            api.post(&format!("/api/v1/projects/{project}/members"), body).await?;
        }
        crate::seed_governance::approve_by_both(api, &format!("/api/v1/projects/{project}"), &labs, &audit).await?;
        let steps: &[&str] = match status {
            "active" => &["approved", "active"],
            "approved" => &["approved"],
            _ => &[],
        };
        for to in steps {
            let body = json!({"to": to, "reason": "مصوبه هیئت‌مدیره هر دو انجمن"});
            api.post(&format!("/api/v1/projects/{project}/transitions"), body)
                .await?;
        }
    }
    let groups = [
        (
            "specialized",
            "کارگروه تخصصی واسنجی",
            "Specialized working group on calibration",
            "روش‌های واسنجی و قابلیت ردیابی",
            [(6, &labs, "chair"), (5, &audit, "co_chair"), (2, &labs, "member")],
        ),
        (
            "general",
            "کارگروه عمومی همکاری انجمن‌ها",
            "General working group on inter-association cooperation",
            "هماهنگی برنامه‌ها و رویدادهای مشترک",
            [(0, &labs, "chair"), (1, &audit, "co_chair"), (3, &labs, "secretary")],
        ),
    ];
    for (scope, name, name_en, topic, roster) in groups {
        let group = id(&api
            .post(
                "/api/v1/working-groups",
                json!({"name": name, "name_en": name_en, "scope": scope, "topic": topic,
                       "established_on": "2025-09-23", "organization_ids": [&labs, &audit],
                       "agreement_id": &agreement}),
            )
            .await?)?;
        for (who, org, role) in roster {
            let body = json!({"member_id": member[who], "organization_id": org, "role": role});
            api.post(&format!("/api/v1/working-groups/{group}/members"), body)
                .await?;
        }
        crate::seed_governance::activate_group(api, &group, &labs, &audit).await?;
    }

    governance::load(api, &labs, &audit, &member).await?;
    let capacities = capacities::load(api, &labs, &audit, &agreement, &member).await?;

    Ok(Summary {
        organizations: 2,
        members: member.len(),
        memberships: memberships.len(),
        projects: projects.len(),
        working_groups: groups.len(),
        capacities,
    })
}
