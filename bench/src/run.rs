//! One full benchmark run: build, fresh database, generated data, the ceilings, then every
//! scenario against the release server, with its memory watched throughout.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::ceiling::{self, NoDatabase, Pgbench};
use crate::database::Fresh;
use crate::report::{self, Paired, Report, Row, Target};
use crate::seed::{self, Scale};
use crate::server::{self, Server};
use crate::wrk::{self, Load, Outcome, Requests};

pub struct Options {
    pub scale: Scale,
    pub postgres: Option<String>,
    pub connections: u32,
    pub duration: Duration,
    /// Runs per scenario; the report gives the median of each figure.
    pub repeat: usize,
    /// Connections logging in during the login flood.
    pub login_connections: u32,
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColdStart {
    /// Spawn to listening on an empty SQLite file (migrations, keys, first administrator).
    pub sqlite_ms: Vec<f64>,
    pub sqlite_median_ms: f64,
    /// The same on this run's backend (PostgreSQL runs only).
    pub postgres_ms: Option<f64>,
}

/// The middle value (the upper one of an even count); 0 when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.into_iter().collect();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn cold_start(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::new();
    for i in 0..3 {
        let fresh = Fresh::sqlite(dir, &format!("cold-{i}.db"));
        let server = Server::start(binary, &fresh.url, &dir.join(format!("cold-{i}.log")))?;
        samples.push(server.started_in.as_secs_f64() * 1000.0);
    }
    Ok(samples)
}

pub fn run(options: &Options) -> anyhow::Result<Report> {
    let binary = server::build_release()?;
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let label = options.scale.label();

    eprintln!("cold starts on empty SQLite files…");
    let sqlite_ms = cold_start(&binary, dir)?;

    let fresh = match &options.postgres {
        Some(url) => Fresh::postgres(url, &format!("hamkari_bench_{label}"))?,
        None => Fresh::sqlite(dir, "bench.db"),
    };
    // The first start on the fresh database migrates it and creates the administrator.
    let first = Server::start(&binary, &fresh.url, &dir.join("first.log"))?;
    let postgres_ms = options
        .postgres
        .as_ref()
        .map(|_| first.started_in.as_secs_f64() * 1000.0);
    drop(first);
    let cold = ColdStart {
        sqlite_median_ms: median(sqlite_ms.iter().copied()),
        sqlite_ms,
        postgres_ms,
    };

    eprintln!("loading {label} members into {}…", fresh.backend);
    let started = Instant::now();
    let backend = hamkari_persistence::Backend::from_url(&fresh.url);
    let loaded = seed::load(&mut backend.connect()?, options.scale)?;
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!("loaded in {load_seconds:.1} s");

    let files = RequestFiles::write(dir, &loaded)?;
    let once = |base: &str, token: Option<&str>, requests: Requests, connections: u32| -> anyhow::Result<Outcome> {
        wrk::run(&Load {
            base,
            token,
            requests,
            connections,
            duration: options.duration,
        })
    };
    let load = |base: &str, token: Option<&str>, requests: Requests, connections: u32| -> anyhow::Result<Outcome> {
        let runs = (0..options.repeat)
            .map(|run| once(base, token, requests.for_run(run, options.repeat), connections))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(wrk::median(&runs))
    };
    let connections = options.connections;

    eprintln!("ceiling: an actix handler without a database…");
    // Both ceilings stay up: each GET-by-id run is paired with a ceiling run just before it,
    // so a shared machine's slow minutes weigh on both sides of the ratio.
    let ceiling = NoDatabase::start()?;
    let ceiling_base = format!("http://127.0.0.1:{}", ceiling.port);
    let no_db = load(&ceiling_base, None, files.get(&files.organizations), connections)?;
    let pgbench_db = match &options.postgres {
        Some(url) => {
            let db = Fresh::postgres(url, "hamkari_bench_pgbench")?;
            ceiling::pgbench_init(&db.url)?;
            Some(db)
        }
        None => None,
    };
    let pgbench = match &pgbench_db {
        Some(db) => {
            eprintln!("ceiling: pgbench -S…");
            let mut figures = Vec::new();
            for protocol in ["simple", "prepared"] {
                let runs = (0..options.repeat)
                    .map(|_| ceiling::pgbench_select(&db.url, protocol, connections, options.duration, dir))
                    .collect::<anyhow::Result<Vec<Pgbench>>>()?;
                figures.push(ceiling::median(&runs).context("no pgbench runs")?);
            }
            figures
        }
        None => Vec::new(),
    };

    let server = Server::start(&binary, &fresh.url, &dir.join("server.log"))?;
    let base = server.base();
    let client = reqwest::blocking::Client::new();
    // Warm the caches the way a server that has been up a while would have them.
    let token = server::login(&client, &base)?;
    once(&base, Some(&token), files.get(&files.members), connections)?;
    once(&base, Some(&token), files.get(&files.organizations), connections)?;

    let mut rows = Vec::new();
    let measure = |name: &str, key: &'static str, connections: u32, requests: Requests| -> anyhow::Result<Row> {
        eprintln!("{name}…");
        // A fresh access token for each scenario: they live fifteen minutes.
        let token = server::login(&client, &base)?;
        let outcome = load(&base, Some(&token), requests, connections)?;
        Ok(Row {
            name: name.to_owned(),
            key,
            connections,
            outcome,
            peak_rss_mib: server.peak_rss_mib()?,
            paired: None,
        })
    };
    // Each run right after a run of each ceiling; the ratios are the medians of the pairs'.
    let paired = |name: &str, key: &'static str, requests: Requests| -> anyhow::Result<Row> {
        eprintln!("{name}, paired with the ceilings…");
        let (mut runs, mut no_db_ratios, mut pgbench_ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.repeat {
            let no_db = once(&ceiling_base, None, files.get(&files.organizations), connections)?;
            let pgbench = match &pgbench_db {
                Some(db) => Some(ceiling::pgbench_select(
                    &db.url,
                    "prepared",
                    connections,
                    options.duration,
                    dir,
                )?),
                None => None,
            };
            let token = server::login(&client, &base)?;
            let run = once(&base, Some(&token), requests.clone(), connections)?;
            no_db_ratios.push(run.per_second / no_db.per_second);
            if let Some(p) = pgbench {
                pgbench_ratios.push(run.per_second / p.per_second);
            }
            runs.push(run);
        }
        Ok(Row {
            name: name.to_owned(),
            key,
            connections,
            outcome: wrk::median(&runs),
            peak_rss_mib: server.peak_rss_mib()?,
            paired: Some(Paired {
                of_no_database: median(no_db_ratios),
                of_pgbench_prepared: (!pgbench_ratios.is_empty()).then(|| median(pgbench_ratios)),
            }),
        })
    };
    rows.push(measure(
        "GET /health/live (no database, no credentials)",
        "health_live",
        connections,
        files.get(&files.health),
    )?);
    rows.push(paired(
        "GET /api/v1/organizations/{id}",
        "get_organization",
        files.get(&files.organizations),
    )?);
    let get_org = rows.last().map(|r| r.outcome.clone()).context("no row")?;
    rows.push(paired(
        "GET /api/v1/members/{id}",
        "get_member",
        files.get(&files.members),
    )?);
    rows.push(measure(
        "GET /api/v1/members?organization_id=…",
        "list_members_of_organization",
        connections,
        files.get(&files.lists),
    )?);
    rows.push(measure(
        "GET /api/v1/members?q=<full name>",
        "search_members",
        connections,
        files.get(&files.searches),
    )?);
    rows.push(measure(
        "GET /api/v1/shared-members (two organizations)",
        "shared_members",
        connections,
        files.get(&files.shared),
    )?);
    rows.push(measure(
        "PATCH /api/v1/members/{id} with If-Match",
        "patch_member",
        connections,
        Requests::PatchMembers {
            ids: files.member_ids.clone(),
            body: r#"{"expertise":"واسنجی و آزمون"}"#.into(),
            part: 0,
            parts: 1,
        },
    )?);
    let login_body = serde_json::json!({"email": server::ADMIN_EMAIL, "password": server::ADMIN_PASSWORD}).to_string();
    let login = || Requests::Post {
        path: "/api/v1/auth/login".into(),
        body: login_body.clone(),
    };
    rows.push(measure(
        "POST /api/v1/auth/login",
        "login",
        options.login_connections,
        login(),
    )?);

    eprintln!("GET /api/v1/organizations/{{id}} during a login flood…");
    let (mut during, mut logins) = (Vec::new(), Vec::new());
    for _ in 0..options.repeat {
        let token = server::login(&client, &base)?;
        let flood = wrk::start(&Load {
            base: &base,
            token: None,
            requests: login(),
            connections: options.login_connections,
            duration: options.duration + Duration::from_secs(2),
        })?;
        // Let the flood fill the hashing queue first.
        std::thread::sleep(Duration::from_secs(1));
        during.push(once(&base, Some(&token), files.get(&files.organizations), connections)?);
        logins.push(flood.finish()?);
    }
    let (during, logins) = (wrk::median(&during), wrk::median(&logins));
    let peak_rss_mib = server.peak_rss_mib()?;
    rows.push(Row {
        name: format!(
            "GET /api/v1/organizations/{{id}} during {} logins",
            options.login_connections
        ),
        key: "get_organization_during_logins",
        connections,
        outcome: during.clone(),
        peak_rss_mib,
        paired: None,
    });
    rows.push(Row {
        name: "POST /api/v1/auth/login (the flood itself)".into(),
        key: "login_flood",
        connections: options.login_connections,
        outcome: logins,
        peak_rss_mib,
        paired: None,
    });
    drop(server);
    drop(ceiling);

    let mut targets = Vec::new();
    for key in ["get_organization", "get_member"] {
        let row = rows.iter().find(|r| r.key == key).context("missing row")?;
        let outcome = row.outcome.clone();
        let pairs = row.paired.clone().context("not paired")?;
        match pairs.of_pgbench_prepared {
            Some(ratio) => targets.push(Target::at_least(
                format!("{key}: req/s ÷ pgbench -S -M prepared tps (paired runs)"),
                ratio,
                0.75,
            )),
            None => targets.push(Target::at_least(
                format!("{key}: req/s ÷ no-database handler req/s (paired runs)"),
                pairs.of_no_database,
                0.25,
            )),
        }
        targets.push(Target::at_most(
            format!("{key}: p99 ms at {connections} connections"),
            outcome.p99_ms,
            10.0,
        ));
    }
    targets.push(Target::at_most(
        "GET p99 during login flood ÷ p99 alone".into(),
        during.p99_ms / get_org.p99_ms.max(0.001),
        2.0,
    ));
    targets.push(Target::at_most("peak RSS MiB".into(), peak_rss_mib, 64.0));
    targets.push(Target::at_most(
        "cold start on SQLite, median ms".into(),
        cold.sqlite_median_ms,
        1000.0,
    ));

    let report = Report {
        date: report::today(),
        machine: report::machine(),
        backend: fresh.backend,
        scale: label.clone(),
        members: options.scale.members,
        organizations: options.scale.organizations,
        memberships: loaded.memberships,
        projects: loaded.projects,
        working_groups: loaded.working_groups,
        load_seconds,
        connections,
        seconds_per_run: options.duration.as_secs(),
        runs_per_scenario: options.repeat,
        cold_start: cold,
        no_database: no_db,
        pgbench,
        rows,
        peak_rss_mib,
        targets,
    };
    std::fs::create_dir_all(&options.out_dir)?;
    let stem = options.out_dir.join(format!("{}-{}", report.backend, label));
    std::fs::write(stem.with_extension("json"), serde_json::to_string_pretty(&report)?)?;
    std::fs::write(stem.with_extension("md"), report.markdown())?;
    drop(fresh);
    Ok(report)
}

/// The request lines the scripts pick from, written once per run.
pub(crate) struct RequestFiles {
    health: PathBuf,
    organizations: PathBuf,
    members: PathBuf,
    member_ids: PathBuf,
    pub(crate) lists: PathBuf,
    pub(crate) searches: PathBuf,
    pub(crate) shared: PathBuf,
}

impl RequestFiles {
    pub(crate) fn write(dir: &std::path::Path, loaded: &seed::Loaded) -> anyhow::Result<Self> {
        let orgs = &loaded.organizations;
        let n = orgs.len();
        Ok(Self {
            health: wrk::lines_file(dir, "health.txt", ["/health/live".to_owned()])?,
            organizations: wrk::lines_file(
                dir,
                "organizations.txt",
                orgs.iter().map(|id| format!("/api/v1/organizations/{id}")),
            )?,
            members: wrk::lines_file(
                dir,
                "members.txt",
                loaded.members.iter().map(|id| format!("/api/v1/members/{id}")),
            )?,
            member_ids: wrk::lines_file(dir, "member-ids.txt", loaded.members.iter().map(ToString::to_string))?,
            lists: wrk::lines_file(
                dir,
                "lists.txt",
                orgs.iter()
                    .map(|id| format!("/api/v1/members?organization_id={id}&limit=50")),
            )?,
            searches: wrk::lines_file(
                dir,
                "searches.txt",
                loaded
                    .names
                    .iter()
                    .map(|name| format!("/api/v1/members?q={}&limit=50", percent_encode(name))),
            )?,
            shared: wrk::lines_file(
                dir,
                "shared.txt",
                (0..n.max(50)).map(|i| {
                    let (a, b) = (orgs[i % n], orgs[(i * 7 + 1) % n]);
                    let b = if a == b { orgs[(i + 1) % n] } else { b };
                    format!("/api/v1/shared-members?organization_id={a}&organization_id={b}")
                }),
            )?,
        })
    }

    pub(crate) fn get(&self, paths: &std::path::Path) -> Requests {
        Requests::Get {
            paths: paths.to_path_buf(),
        }
    }
}
