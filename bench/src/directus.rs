//! The comparison with a popular headless CMS: Directus, started by
//! `bench/directus/start.sh` on the run's own PostgreSQL database once hamkari's scenarios
//! are done. Directus serves the same `members` table (it adds its own `directus_*` tables
//! and reads the existing one), so both answer the same two questions from the same rows, by
//! turns: a page of 50 members in creation order, and one member by id.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::run::median;
use crate::wrk::{self, Load, Outcome, Requests};

/// The columns hamkari's member body shows; Directus is asked for those alone.
const FIELDS: &str = "id,full_name,full_name_en,national_id,email,phone,expertise,created_at,updated_at,version";

/// One question asked of both, by turns.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub name: String,
    pub key: &'static str,
    pub hamkari: Outcome,
    pub directus: Outcome,
    /// hamkari's requests per second ÷ Directus's, the median of the rounds' ratios.
    pub ratio: f64,
}

/// A running Directus; stopped when dropped.
pub struct Directus {
    child: Child,
    port: u16,
    token: String,
}

impl Directus {
    /// Starts Directus on `database_url` and waits until it serves the members collection
    /// (the first start installs it and writes its tables: minutes).
    pub fn start(script: &Path, database_url: &str, log: &Path) -> anyhow::Result<Self> {
        let port = crate::server::free_port()?;
        let token = "directus-bench-static-token-0123456789".to_owned();
        let log = std::fs::File::create(log)?;
        let child = Command::new("bash")
            .arg(script)
            .arg(database_url)
            .arg(port.to_string())
            .env("DIRECTUS_BENCH_TOKEN", &token)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", script.display()))?;
        let mut directus = Self { child, port, token };
        let client = crate::server::client()?;
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            if let Some(status) = directus.child.try_wait()? {
                anyhow::bail!("Directus exited ({status}) before serving; see its log");
            }
            let answer = client
                .get(format!("{}/items/members?limit=1", directus.base()))
                .bearer_auth(&directus.token)
                .send();
            if answer.is_ok_and(|a| a.status().is_success()) {
                return Ok(directus);
            }
            anyhow::ensure!(Instant::now() < deadline, "Directus did not serve within 15 minutes");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Directus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The request files for Directus's side: the same page, and the same members by id.
pub struct Questions<'a> {
    pub hamkari_list: &'a Path,
    pub hamkari_by_id: &'a Path,
    pub member_ids: &'a Path,
}

/// Asks both each question `rounds` times by turns (hamkari first in each round), with
/// hamkari's runs made by `hamkari` and Directus's with the same connections and duration.
pub fn compare(
    directus: &Directus,
    dir: &Path,
    questions: &Questions,
    rounds: usize,
    (connections, duration): (u32, Duration),
    hamkari: impl Fn(Requests) -> anyhow::Result<Outcome>,
) -> anyhow::Result<Vec<Comparison>> {
    let list = wrk::lines_file(
        dir,
        "directus-list.txt",
        [format!("/items/members?limit=50&sort=created_at,id&fields={FIELDS}")],
    )?;
    let ids = std::fs::read_to_string(questions.member_ids)?;
    let by_id = wrk::lines_file(
        dir,
        "directus-members.txt",
        ids.lines().map(|id| format!("/items/members/{id}?fields={FIELDS}")),
    )?;
    let base = directus.base();
    let mut comparisons = Vec::new();
    for (name, key, ours, theirs) in [
        (
            "a page of 50 members in creation order",
            "list_page",
            questions.hamkari_list,
            list.as_path(),
        ),
        (
            "one member by id",
            "get_member",
            questions.hamkari_by_id,
            by_id.as_path(),
        ),
    ] {
        eprintln!("{name}: hamkari and Directus by turns…");
        let (mut ours_runs, mut theirs_runs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let mine = hamkari(Requests::Get {
                paths: ours.to_path_buf(),
            })?;
            let other = wrk::run(&Load {
                base: &base,
                token: Some(&directus.token),
                requests: Requests::Get {
                    paths: theirs.to_path_buf(),
                },
                connections,
                duration,
            })?;
            anyhow::ensure!(
                other.errors == 0,
                "Directus answered {} requests with errors; see its log",
                other.errors
            );
            ratios.push(mine.per_second / other.per_second.max(0.001));
            ours_runs.push(mine);
            theirs_runs.push(other);
        }
        comparisons.push(Comparison {
            name: name.to_owned(),
            key,
            hamkari: wrk::median(&ours_runs),
            directus: wrk::median(&theirs_runs),
            ratio: median(ratios),
        });
    }
    Ok(comparisons)
}
