//! One full benchmark run: build, fresh database, generated data, the ceilings, then every
//! scenario against the release server, with its memory watched throughout.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::ceiling::{self, NoDatabase, Pgbench};
use crate::database::Fresh;
use crate::directus::{self, Directus};
use crate::report::{self, Paired, Report, Row};
use crate::requests::{items_per_page, sorted_pages, RequestFiles};
use crate::scaling::{self, Measured, ScaleRatio};
use crate::seed::{self, Scale};
use crate::server::{self, Server};
use crate::targets::targets;
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
    /// A second, smaller scale run by turns with this one on the scenarios whose cost should
    /// not grow with the data (`--pair-scale 10k`).
    pub pair_scale: Option<Scale>,
    /// `bench/directus/start.sh`: compare with Directus on the same PostgreSQL database.
    pub directus: Option<PathBuf>,
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

fn cold_start(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::new();
    for i in 0..3 {
        let fresh = Fresh::sqlite(dir, &format!("cold-{i}.db"));
        let server = Server::start(binary, &fresh.url, &dir.join(format!("cold-{i}.log")))?;
        samples.push(server.started_in.as_secs_f64() * 1000.0);
    }
    Ok(samples)
}

/// One scale's database, loaded, with the request files that pick from it.
struct Dataset {
    label: String,
    fresh: Fresh,
    loaded: seed::Loaded,
    files: RequestFiles,
    load_seconds: f64,
    /// Spawn to listening on the fresh database (migrations, keys, first administrator).
    first_start_ms: f64,
}

fn dataset(
    binary: &std::path::Path,
    dir: &std::path::Path,
    options: &Options,
    scale: Scale,
) -> anyhow::Result<Dataset> {
    let label = scale.label();
    let dir = dir.join(&label);
    std::fs::create_dir_all(&dir)?;
    let fresh = match &options.postgres {
        Some(url) => Fresh::postgres(url, &format!("hamkari_bench_{label}"))?,
        None => Fresh::sqlite(&dir, "bench.db"),
    };
    let first = Server::start(binary, &fresh.url, &dir.join("first.log"))?;
    let first_start_ms = first.started_in.as_secs_f64() * 1000.0;
    drop(first);
    eprintln!("loading {label} members into {}…", fresh.backend);
    let started = Instant::now();
    let backend = hamkari_persistence::Backend::from_url(&fresh.url);
    let loaded = seed::load(&mut backend.connect()?, scale)?;
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!("loaded in {load_seconds:.1} s");
    let files = RequestFiles::write(&dir, &loaded)?;
    Ok(Dataset {
        label,
        fresh,
        loaded,
        files,
        load_seconds,
        first_start_ms,
    })
}

/// A server on `data`, warmed the way one that has been up a while would be, with the
/// sorted list's pages (their cursors come from the server).
fn serve(
    binary: &std::path::Path,
    data: &mut Dataset,
    dir: &std::path::Path,
    options: &Options,
) -> anyhow::Result<Server> {
    let server = Server::start(binary, &data.fresh.url, &dir.join(format!("server-{}.log", data.label)))?;
    let client = server::client()?;
    let token = server::login(&client, &server.base())?;
    data.files.sorted = Some(sorted_pages(&client, &server.base(), &token, dir, &data.loaded)?);
    for paths in [&data.files.members, &data.files.organizations] {
        wrk::run(&Load {
            base: &server.base(),
            token: Some(&token),
            requests: data.files.get(paths),
            connections: options.connections,
            duration: options.duration,
        })?;
    }
    Ok(server)
}

/// `run` on the server's CPU: (what wrk saw, the server's CPU µs per request over it).
pub(crate) fn with_cpu(server: &Server, run: impl FnOnce() -> anyhow::Result<Outcome>) -> anyhow::Result<Measured> {
    let before = server.cpu_seconds()?;
    let outcome = run()?;
    let used = server.cpu_seconds()? - before;
    let per_request = (outcome.requests > 0).then(|| used * 1e6 / outcome.requests as f64);
    Ok((outcome, per_request))
}

fn median_cpu(runs: &[Measured]) -> Option<f64> {
    let values: Vec<f64> = runs.iter().filter_map(|(_, cpu)| *cpu).collect();
    (!values.is_empty()).then(|| median(values))
}

pub fn run(options: &Options) -> anyhow::Result<Report> {
    let binary = server::build_release()?;
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let label = options.scale.label();

    eprintln!("cold starts on empty SQLite files…");
    let sqlite_ms = cold_start(&binary, dir)?;
    let mut large = dataset(&binary, dir, options, options.scale)?;
    let mut small = match options.pair_scale {
        Some(scale) => Some(dataset(&binary, dir, options, scale)?),
        None => None,
    };
    let cold = ColdStart {
        sqlite_median_ms: median(sqlite_ms.iter().copied()),
        sqlite_ms,
        postgres_ms: options.postgres.as_ref().map(|_| large.first_start_ms),
    };

    let once = |base: &str, token: Option<&str>, requests: Requests, connections: u32| -> anyhow::Result<Outcome> {
        wrk::run(&Load {
            base,
            token,
            requests,
            connections,
            duration: options.duration,
        })
    };
    let connections = options.connections;

    eprintln!("ceiling: an actix handler without a database…");
    // Both ceilings stay up: each GET-by-id run is paired with a ceiling run just before it,
    // so a shared machine's slow minutes weigh on both sides of the ratio.
    let ceiling = NoDatabase::start()?;
    let ceiling_base = format!("http://127.0.0.1:{}", ceiling.port);
    let no_db = wrk::median(
        &(0..options.repeat)
            .map(|_| {
                once(
                    &ceiling_base,
                    None,
                    large.files.get(&large.files.organizations),
                    connections,
                )
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    );
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

    let server = serve(&binary, &mut large, dir, options)?;
    let small_server = match &mut small {
        Some(data) => Some(serve(&binary, data, dir, options)?),
        None => None,
    };
    let client = server::client()?;
    // A fresh access token for each run: they live fifteen minutes.
    let timed = |server: &Server, requests: Requests, connections: u32| -> anyhow::Result<Measured> {
        let token = server::login(&client, &server.base())?;
        with_cpu(server, || once(&server.base(), Some(&token), requests, connections))
    };
    let row = |name: &str,
               key: &'static str,
               connections: u32,
               runs: &[Measured],
               paired: Option<Paired>|
     -> anyhow::Result<Row> {
        Ok(Row {
            name: name.to_owned(),
            key,
            connections,
            outcome: wrk::median(&runs.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>()),
            cpu_us_per_request: median_cpu(runs),
            peak_rss_mib: server.peak_rss_mib()?,
            paired,
        })
    };
    let measure = |name: &str, key: &'static str, connections: u32, requests: Requests| -> anyhow::Result<Row> {
        eprintln!("{name}…");
        let runs = (0..options.repeat)
            .map(|run| timed(&server, requests.for_run(run, options.repeat), connections))
            .collect::<anyhow::Result<Vec<_>>>()?;
        row(name, key, connections, &runs, None)
    };
    // Each run right after a run of each ceiling; the ratios are the medians of the pairs'.
    let paired = |name: &str, key: &'static str, requests: Requests| -> anyhow::Result<Row> {
        eprintln!("{name}, paired with the ceilings…");
        let (mut runs, mut no_db_ratios, mut pgbench_ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.repeat {
            let no_db = once(
                &ceiling_base,
                None,
                large.files.get(&large.files.organizations),
                connections,
            )?;
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
            let run = timed(&server, requests.clone(), connections)?;
            no_db_ratios.push(run.0.per_second / no_db.per_second);
            if let Some(p) = pgbench {
                pgbench_ratios.push(run.0.per_second / p.per_second);
            }
            runs.push(run);
        }
        let pairs = Paired {
            of_no_database: median(no_db_ratios),
            of_pgbench_prepared: (!pgbench_ratios.is_empty()).then(|| median(pgbench_ratios)),
        };
        row(name, key, connections, &runs, Some(pairs))
    };
    // A scenario whose cost should not grow with the data: by turns on both scales' servers
    // when there are two, else like any other.
    let mut scaling = Vec::new();
    let mut flat =
        |name: &str, key: &'static str, pick: fn(&RequestFiles) -> Option<&PathBuf>| -> anyhow::Result<Row> {
            let requests = |data: &Dataset| -> anyhow::Result<Requests> {
                Ok(data.files.get(pick(&data.files).context("no request file")?))
            };
            match (&small, &small_server) {
                (Some(small_data), Some(small_server)) => {
                    eprintln!("{name}, by turns at {} and {label}…", small_data.label);
                    let (small_requests, large_requests) = (requests(small_data)?, requests(&large)?);
                    let (ratio, runs) = scaling::pair(
                        key,
                        name,
                        (&small_data.label, &label),
                        (small_server, &server),
                        options.repeat,
                        |s, is_large| {
                            let requests = if is_large {
                                large_requests.clone()
                            } else {
                                small_requests.clone()
                            };
                            timed(s, requests, connections)
                        },
                    )?;
                    let token = server::login(&client, &small_server.base())?;
                    let small_items = items_per_page(
                        &client,
                        &small_server.base(),
                        &token,
                        pick(&small_data.files).context("no request file")?,
                    )?;
                    let token = server::login(&client, &server.base())?;
                    let large_items = items_per_page(
                        &client,
                        &server.base(),
                        &token,
                        pick(&large.files).context("no request file")?,
                    )?;
                    scaling.push(ScaleRatio {
                        items_per_page: Some((small_items, large_items)),
                        ..ratio
                    });
                    row(name, key, connections, &runs, None)
                }
                _ => measure(name, key, connections, requests(&large)?),
            }
        };

    let mut rows = Vec::new();
    rows.push(measure(
        "GET /health/live (no database, no credentials)",
        "health_live",
        connections,
        large.files.get(&large.files.health),
    )?);
    rows.push(paired(
        "GET /api/v1/organizations/{id}",
        "get_organization",
        large.files.get(&large.files.organizations),
    )?);
    let get_org = rows.last().map(|r| r.outcome.clone()).context("no row")?;
    rows.push(paired(
        "GET /api/v1/members/{id}",
        "get_member",
        large.files.get(&large.files.members),
    )?);
    rows.push(flat(
        "GET /api/v1/members?organization_id=…",
        "list_members_of_organization",
        |f| Some(&f.lists),
    )?);
    rows.push(flat("GET /api/v1/members?q=<full name>", "search_members", |f| {
        Some(&f.searches)
    })?);
    rows.push(flat(
        "GET /api/v1/members?q=<first name> (a full page at every scale)",
        "search_members_by_first_name",
        |f| Some(&f.first_names),
    )?);
    rows.push(flat(
        "GET /api/v1/shared-members (two organizations)",
        "shared_members",
        |f| Some(&f.shared),
    )?);
    rows.push(flat(
        "GET /api/v1/members?sort=full_name (pages 1–20)",
        "members_by_full_name",
        |f| f.sorted.as_ref(),
    )?);
    rows.push(measure(
        "PATCH /api/v1/members/{id} with If-Match",
        "patch_member",
        connections,
        large.files.patch_members(0, 1),
    )?);
    // The events the PATCH runs wrote (one per update) are what these two read.
    rows.push(measure(
        "GET /api/v1/audit-events (first page)",
        "audit_events",
        connections,
        large.files.get(&large.files.audit),
    )?);
    rows.push(measure(
        "GET /api/v1/events (change feed, first page)",
        "change_feed",
        connections,
        large.files.get(&large.files.feed),
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
    let base = server.base();
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
        during.push(once(
            &base,
            Some(&token),
            large.files.get(&large.files.organizations),
            connections,
        )?);
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
        cpu_us_per_request: None,
        peak_rss_mib,
        paired: None,
    });
    rows.push(Row {
        name: "POST /api/v1/auth/login (the flood itself)".into(),
        key: "login_flood",
        connections: options.login_connections,
        outcome: logins,
        cpu_us_per_request: None,
        peak_rss_mib,
        paired: None,
    });
    let directus = match (&options.directus, &options.postgres) {
        (Some(script), Some(_)) => {
            eprintln!("starting Directus on {}…", large.label);
            let directus = Directus::start(script, &large.fresh.url, &dir.join("directus.log"))?;
            let list = wrk::lines_file(dir, "first-page.txt", ["/api/v1/members?limit=50".to_owned()])?;
            let questions = directus::Questions {
                hamkari_list: &list,
                hamkari_by_id: &large.files.members,
                member_ids: &large.files.member_ids,
            };
            directus::compare(
                &directus,
                dir,
                &questions,
                options.repeat,
                (connections, options.duration),
                |requests| Ok(timed(&server, requests, connections)?.0),
            )?
        }
        (Some(_), None) => anyhow::bail!("--directus needs --postgres: Directus runs on the same database"),
        (None, _) => Vec::new(),
    };
    // The comparison's list pages are hamkari's too.
    let peak_rss_mib = server.peak_rss_mib()?;
    drop(small_server);
    drop(server);
    drop(ceiling);

    let targets = targets(
        &rows,
        &scaling,
        &label,
        connections,
        &get_org,
        &during,
        peak_rss_mib,
        &cold,
        &directus,
    )?;
    let report = Report {
        date: report::today(),
        machine: report::machine(),
        backend: large.fresh.backend,
        scale: label.clone(),
        members: options.scale.members,
        organizations: options.scale.organizations,
        memberships: large.loaded.memberships,
        projects: large.loaded.projects,
        working_groups: large.loaded.working_groups,
        load_seconds: large.load_seconds,
        connections,
        seconds_per_run: options.duration.as_secs(),
        runs_per_scenario: options.repeat,
        cold_start: cold,
        no_database: no_db,
        pgbench,
        rows,
        scaling,
        directus,
        peak_rss_mib,
        targets,
    };
    std::fs::create_dir_all(&options.out_dir)?;
    let stem = options.out_dir.join(format!("{}-{}", report.backend, label));
    std::fs::write(stem.with_extension("json"), serde_json::to_string_pretty(&report)?)?;
    std::fs::write(stem.with_extension("md"), report.markdown())?;
    Ok(report)
}
