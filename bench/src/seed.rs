//! Generated data at a chosen scale, written with multi-row INSERTs in one transaction.
//!
//! The values are generated here (never client text), so they are written as SQL literals.
//! Names are drawn from common Persian first names and surnames, with the usual compound
//! surnames (…‌زاده, …‌پور, …‌نژاد), so a full name repeats about as often as in a real
//! national register: rarely at 10k members, dozens of times at a million.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use hamkari_domain::text::{collation_key, search_key};
use hamkari_persistence::DbConnection;
use uuid::Uuid;

const FIRST: [&str; 48] = [
    "علی",
    "محمد",
    "حسین",
    "رضا",
    "مهدی",
    "امیر",
    "سعید",
    "حمید",
    "مجید",
    "کاوه",
    "بابک",
    "آرش",
    "مریم",
    "زهرا",
    "فاطمه",
    "نرگس",
    "لیلا",
    "سارا",
    "شیرین",
    "مینا",
    "پریسا",
    "نسرین",
    "الهام",
    "آزاده",
    "یوسف",
    "جواد",
    "مصطفی",
    "ناصر",
    "فرهاد",
    "پیمان",
    "کامران",
    "داریوش",
    "هادی",
    "اکبر",
    "بهرام",
    "رامین",
    "شهلا",
    "نازنین",
    "فرشته",
    "مهسا",
    "سمیرا",
    "رویا",
    "نیلوفر",
    "هانیه",
    "ژاله",
    "طاهره",
    "منیژه",
    "گلناز",
];
const LAST: [&str; 48] = [
    "احمدی",
    "رضایی",
    "محمدی",
    "حسینی",
    "کریمی",
    "موسوی",
    "جعفری",
    "کاظمی",
    "رحیمی",
    "صادقی",
    "قاسمی",
    "نوری",
    "یزدانی",
    "شریفی",
    "طاهری",
    "کاشانی",
    "تهرانی",
    "اصفهانی",
    "شیرازی",
    "تبریزی",
    "مشهدی",
    "قزوینی",
    "همدانی",
    "کرمانی",
    "نیکنام",
    "سلطانی",
    "کرمی",
    "بهرامی",
    "فراهانی",
    "اکبری",
    "زمانی",
    "مرادی",
    "عباسی",
    "نجفی",
    "رستمی",
    "میرزایی",
    "حیدری",
    "امینی",
    "خسروی",
    "سبحانی",
    "فرجی",
    "باقری",
    "یوسفی",
    "ملکی",
    "پاکزاد",
    "دهقان",
    "اسدی",
    "شجاعی",
];
const ORG_WORDS: [&str; 8] = [
    "انجمن",
    "جامعه",
    "کانون",
    "مؤسسه",
    "فدراسیون",
    "اتحادیه",
    "شبکه",
    "خانه",
];
const ORG_TOPICS: [&str; 8] = [
    "آزمایشگاه‌های همکار",
    "ممیزی و بازرسی",
    "واسنجی",
    "کیفیت",
    "استاندارد",
    "ایمنی",
    "آموزش فنی",
    "پژوهش صنعتی",
];

/// Surname endings joined with a zero-width non-joiner, as Persian writes them.
const SURNAME_ENDINGS: [&str; 6] = ["", "\u{200c}زاده", "\u{200c}پور", "\u{200c}نژاد", "\u{200c}فر", " نیا"];

/// Sizes derived from the member count, as the benchmark issue defines them.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub members: usize,
    pub organizations: usize,
    /// Projects, and as many working groups.
    pub projects: usize,
}

impl Scale {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let members = match raw {
            "10k" => 10_000,
            "100k" => 100_000,
            "1m" => 1_000_000,
            other => other
                .parse()
                .ok()
                .filter(|n| *n >= 1000)
                .ok_or_else(|| format!("unknown scale {other:?}: use 10k, 100k, 1m or a number ≥ 1000"))?,
        };
        Ok(Self {
            members,
            organizations: (members / 1000).max(3),
            projects: (members / 100).max(1),
        })
    }

    pub fn label(&self) -> String {
        match self.members {
            1_000_000 => "1m".into(),
            n if n % 1000 == 0 => format!("{}k", n / 1000),
            n => n.to_string(),
        }
    }
}

/// A small deterministic generator, so every run loads the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn stamp(ts: NaiveDateTime) -> String {
    quote(&ts.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

fn uuid(id: Uuid) -> String {
    quote(&id.to_string())
}

fn person(rng: &mut Rng) -> String {
    let surname = format!(
        "{}{}",
        LAST[rng.below(LAST.len())],
        SURNAME_ENDINGS[rng.below(SURNAME_ENDINGS.len())]
    );
    format!("{} {surname}", FIRST[rng.below(FIRST.len())])
}

/// What was loaded, for the benchmark to pick its requests from.
pub struct Loaded {
    pub organizations: Vec<Uuid>,
    /// Up to 100,000 member ids, spread over the whole table.
    pub members: Vec<Uuid>,
    /// Full names of some of those members, for searches that find someone.
    pub names: Vec<String>,
    pub projects: usize,
    pub working_groups: usize,
    pub memberships: usize,
}

/// Loads organizations, members, memberships (≈ 1.5 per member), projects and working groups
/// (members / 100 each, with two organizations and a small team) into a migrated database.
pub fn load(conn: &mut DbConnection, scale: Scale) -> anyhow::Result<Loaded> {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let now = Utc::now().naive_utc();
    let today = now.date();
    // Rows get distinct creation times a millisecond apart, ending now, as a register filled
    // over time would have.
    let created = |i: usize, of: usize| now - chrono::Duration::milliseconds((of - i) as i64);

    let organizations: Vec<Uuid> = (0..scale.organizations).map(|_| Uuid::now_v7()).collect();
    let mut sql = String::from("BEGIN;\n");
    for (i, id) in organizations.iter().enumerate() {
        let name = format!(
            "{} {} {}",
            ORG_WORDS[i % ORG_WORDS.len()],
            ORG_TOPICS[(i / ORG_WORDS.len()) % ORG_TOPICS.len()],
            i + 1
        );
        let slug = format!("org-{}", i + 1);
        let key = search_key(&format!("{name} {slug}"));
        let _ = writeln!(
            sql,
            "INSERT INTO organizations (id, name, slug, kind, name_key, search_key, name_sort, created_at, updated_at, version) \
             VALUES ({}, {}, {}, 'association', {}, {}, {}, {ts}, {ts}, 1);",
            uuid(*id),
            quote(&name),
            quote(&slug),
            quote(&search_key(&name)),
            quote(&key),
            quote(&collation_key(&name)),
            ts = stamp(created(i, organizations.len())),
        );
    }
    conn.batch_execute(&sql)?;

    let members: Vec<Uuid> = (0..scale.members).map(|_| Uuid::now_v7()).collect();
    let sample_every = (scale.members / 100_000).max(1);
    let mut sample = Vec::new();
    let mut names = Vec::new();
    let mut membership_count = 0;
    for (chunk_no, chunk) in members.chunks(1000).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut memberships = Vec::with_capacity(chunk.len() * 2);
        for (offset, id) in chunk.iter().enumerate() {
            let index = chunk_no * 1000 + offset;
            let name = person(&mut rng);
            if index % sample_every == 0 {
                sample.push(*id);
                if names.len() < 10_000 && index % (sample_every * 10) == 0 {
                    names.push(name.clone());
                }
            }
            rows.push(format!(
                "({}, {}, {}, {}, {ts}, {ts}, 1)",
                uuid(*id),
                quote(&name),
                quote(&search_key(&name)),
                quote(&collation_key(&name)),
                ts = stamp(created(index, members.len()))
            ));
            // Everyone belongs somewhere; every second person to a second organization too.
            let first = rng.below(organizations.len());
            let mut orgs = vec![first];
            if rng.below(2) == 0 {
                orgs.push((first + 1 + rng.below(organizations.len() - 1)) % organizations.len());
            }
            for org in orgs {
                let role = match rng.below(20) {
                    0 | 1 => "board_member",
                    2 => "inspector",
                    _ => "member",
                };
                let started =
                    NaiveDate::from_ymd_opt(2000 + rng.below(26) as i32, 1 + rng.below(12) as u32, 1).unwrap_or(today);
                // One in five memberships has ended.
                let ended = (rng.below(5) == 0).then(|| started + chrono::Duration::days(365 + rng.below(2000) as i64));
                let ended = match ended {
                    Some(day) => quote(&day.to_string()),
                    None => "NULL".into(),
                };
                memberships.push(format!(
                    "({}, {}, {}, '{role}', {}, {ended}, {ts}, {ts}, 1, {member_ts})",
                    uuid(Uuid::now_v7()),
                    uuid(*id),
                    uuid(organizations[org]),
                    quote(&started.to_string()),
                    ts = stamp(now),
                    member_ts = stamp(created(index, members.len())),
                ));
            }
        }
        membership_count += memberships.len();
        let mut sql = format!(
            "INSERT INTO members (id, full_name, search_key, full_name_sort, created_at, updated_at, version) VALUES {};\n",
            rows.join(",\n")
        );
        let _ = write!(
            sql,
            "INSERT INTO memberships (id, member_id, organization_id, role, started_on, ended_on, created_at, updated_at, version, member_created_at) VALUES {};",
            memberships.join(",\n")
        );
        conn.batch_execute(&sql)?;
    }
    load_projects(conn, &mut rng, scale, &organizations, &members, now)?;
    conn.batch_execute("COMMIT;")?;
    // Fresh statistics and, on PostgreSQL, a visibility map, as a running database would
    // have after autovacuum: without it every index-only scan visits the table's pages too.
    // (SQLite's VACUUM may renumber rows, which its search indexes are keyed by.)
    if matches!(conn, DbConnection::Pg(_)) {
        conn.batch_execute("VACUUM ANALYZE")?;
    } else {
        conn.batch_execute("ANALYZE;")?;
    }
    Ok(Loaded {
        organizations,
        members: sample,
        names,
        projects: scale.projects,
        working_groups: scale.projects,
        memberships: membership_count,
    })
}

/// Projects and working groups, each run by two organizations with a team of four.
fn load_projects(
    conn: &mut DbConnection,
    rng: &mut Rng,
    scale: Scale,
    organizations: &[Uuid],
    members: &[Uuid],
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    const KINDS: [&str; 4] = ["research", "supervisory", "educational", "other"];
    const STATUSES: [&str; 4] = ["proposed", "approved", "active", "completed"];
    const PROJECT_ROLES: [&str; 4] = ["coordinator", "researcher", "inspector", "member"];
    const GROUP_ROLES: [&str; 4] = ["chair", "secretary", "member", "member"];
    let ids: Vec<Uuid> = (0..scale.projects).map(|_| Uuid::now_v7()).collect();
    for (chunk_no, chunk) in ids.chunks(500).enumerate() {
        let (mut projects, mut parts, mut teams) = (Vec::new(), Vec::new(), Vec::new());
        let (mut groups, mut group_parts, mut group_teams) = (Vec::new(), Vec::new(), Vec::new());
        for (offset, id) in chunk.iter().enumerate() {
            let n = chunk_no * 500 + offset + 1;
            let topic = ORG_TOPICS[rng.below(ORG_TOPICS.len())];
            let title = format!("پروژه {topic} {n}");
            let ts = stamp(now);
            projects.push(format!(
                "({}, {}, '{}', '{}', {}, {ts}, {ts}, 1)",
                uuid(*id),
                quote(&title),
                KINDS[n % KINDS.len()],
                STATUSES[n % STATUSES.len()],
                quote(&search_key(&title)),
            ));
            let lead = rng.below(organizations.len());
            let partner = (lead + 1 + rng.below(organizations.len() - 1)) % organizations.len();
            let (lead, partner) = (organizations[lead], organizations[partner]);
            parts.push(format!("({}, {}, 'lead')", uuid(*id), uuid(lead)));
            parts.push(format!("({}, {}, 'partner')", uuid(*id), uuid(partner)));
            let group = Uuid::now_v7();
            let name = format!("کارگروه {topic} {n}");
            groups.push(format!(
                "({}, {}, '{}', 'active', {}, {}, {ts}, {ts}, 1)",
                uuid(group),
                quote(&name),
                if n % 3 == 0 { "general" } else { "specialized" },
                uuid(*id),
                quote(&search_key(&name)),
            ));
            group_parts.push(format!("({}, {})", uuid(group), uuid(lead)));
            group_parts.push(format!("({}, {})", uuid(group), uuid(partner)));
            // Four distinct people from the whole register.
            let start = rng.below(members.len());
            let stride = 1 + rng.below(members.len() / 4);
            for k in 0..4 {
                let member = uuid(members[(start + k * stride) % members.len()]);
                let org = uuid(if k % 2 == 0 { lead } else { partner });
                teams.push(format!(
                    "({}, {member}, {org}, '{}', {ts})",
                    uuid(*id),
                    PROJECT_ROLES[k]
                ));
                group_teams.push(format!(
                    "({}, {member}, {org}, '{}', {ts})",
                    uuid(group),
                    GROUP_ROLES[k]
                ));
            }
        }
        let sql = format!(
            "INSERT INTO projects (id, title, kind, status, search_key, created_at, updated_at, version) VALUES {};\n\
             INSERT INTO project_organizations (project_id, organization_id, role) VALUES {};\n\
             INSERT INTO project_members (project_id, member_id, organization_id, role, created_at) VALUES {};\n\
             INSERT INTO working_groups (id, name, scope, status, project_id, search_key, created_at, updated_at, version) VALUES {};\n\
             INSERT INTO working_group_organizations (group_id, organization_id) VALUES {};\n\
             INSERT INTO working_group_members (group_id, member_id, organization_id, role, created_at) VALUES {};",
            projects.join(",\n"),
            parts.join(",\n"),
            teams.join(",\n"),
            groups.join(",\n"),
            group_parts.join(",\n"),
            group_teams.join(",\n"),
        );
        conn.batch_execute(&sql)?;
    }
    Ok(())
}
