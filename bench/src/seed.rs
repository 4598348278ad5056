//! Generated data at a chosen scale, written with multi-row INSERTs in one transaction.
//!
//! The values are generated here (never client text), so they are written as SQL literals.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use hamkari_domain::text::search_key;
use hamkari_persistence::DbConnection;
use uuid::Uuid;

const FIRST: [&str; 24] = [
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
];
const LAST: [&str; 24] = [
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

/// Sizes derived from the member count, as the benchmark issue defines them.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub members: usize,
    pub organizations: usize,
}

impl Scale {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let members = match raw {
            "10k" => 10_000,
            "100k" => 100_000,
            "1m" => 1_000_000,
            other => other
                .parse()
                .map_err(|_| format!("unknown scale {other:?}: use 10k, 100k, 1m or a number"))?,
        };
        Ok(Self {
            members,
            organizations: (members / 1000).max(3),
        })
    }
}

/// A small deterministic generator, so every run loads the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn stamp(ts: NaiveDateTime) -> String {
    quote(&ts.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

/// What was loaded, for the benchmark to pick its questions from.
pub struct Loaded {
    pub organizations: Vec<Uuid>,
}

/// Loads organizations, members and memberships (1.5 per member) into a migrated database.
pub fn load(conn: &mut DbConnection, scale: Scale) -> anyhow::Result<Loaded> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = Utc::now().naive_utc();
    let today = now.date();
    let uuid = |id: Uuid| quote(&id.to_string());

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
            "INSERT INTO organizations (id, name, slug, kind, name_key, search_key, created_at, updated_at, version) \
             VALUES ({}, {}, {}, 'association', {}, {}, {ts}, {ts}, 1);",
            uuid(*id),
            quote(&name),
            quote(&slug),
            quote(&search_key(&name)),
            quote(&key),
            ts = stamp(now),
        );
    }
    conn.batch_execute(&sql)?;

    let members: Vec<Uuid> = (0..scale.members).map(|_| Uuid::now_v7()).collect();
    for chunk in members.chunks(1000) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut memberships = Vec::with_capacity(chunk.len() * 2);
        for id in chunk {
            let name = format!("{} {}", FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
            let key = search_key(&name);
            rows.push(format!(
                "({}, {}, {}, {ts}, {ts}, 1)",
                uuid(*id),
                quote(&name),
                quote(&key),
                ts = stamp(now)
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
                    "({}, {}, {}, '{role}', {}, {ended}, {ts}, {ts}, 1)",
                    uuid(Uuid::now_v7()),
                    uuid(*id),
                    uuid(organizations[org]),
                    quote(&started.to_string()),
                    ts = stamp(now),
                ));
            }
        }
        let mut sql = format!(
            "INSERT INTO members (id, full_name, search_key, created_at, updated_at, version) VALUES {};\n",
            rows.join(",\n")
        );
        let _ = write!(
            sql,
            "INSERT INTO memberships (id, member_id, organization_id, role, started_on, ended_on, created_at, updated_at, version) VALUES {};",
            memberships.join(",\n")
        );
        conn.batch_execute(&sql)?;
    }
    conn.batch_execute("COMMIT;")?;
    // Fresh statistics, as a running database would have.
    conn.batch_execute("ANALYZE;")?;
    Ok(Loaded { organizations })
}
