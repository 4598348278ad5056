//! `run --only …`: the GET-by-id, list, search and shared-members scenarios alone, one run
//! each, on a database of its own name. Before/after comparisons of a query change alternate
//! two builds run by run ("interleaved rounds"), so a busy minute on the shared machine
//! weighs on both sides; the full run's ceilings, logins and targets would only lengthen a
//! round. With `--builds`, the builds take their turns within one invocation on one loaded
//! database, so a million members are generated once, not once per run.

use std::path::PathBuf;

use serde::Serialize;

use crate::database::Fresh;
use crate::requests::RequestFiles;
use crate::run::with_cpu;
use crate::seed::{self, Scale};
use crate::server::{self, Server};
use crate::wrk::{self, Load, Outcome};

/// The scenarios `--only` may name, with the request file each reads.
pub const SCENARIOS: [&str; 8] = [
    "get_organization",
    "get_member",
    "list_members_of_organization",
    "search_members",
    "shared_members",
    // Writes one event per update: the events the feed's pages then carry.
    "patch_member",
    "audit_events",
    "change_feed",
];

pub struct Options {
    pub scale: Scale,
    pub postgres: Option<String>,
    pub connections: u32,
    pub duration: std::time::Duration,
    pub only: Vec<String>,
    /// Names this run's files and PostgreSQL database, so two builds (or two engineers)
    /// never share or drop each other's.
    pub tag: String,
    /// `hamkari` binaries taking turns on one loaded database; empty: this tree's build.
    pub builds: Vec<PathBuf>,
    /// Rounds of the builds' turns.
    pub rounds: usize,
    pub out_dir: PathBuf,
}

#[derive(Serialize)]
struct Figures {
    tag: String,
    backend: &'static str,
    scale: String,
    load_seconds: f64,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    build: String,
    round: usize,
    scenario: String,
    outcome: Outcome,
    cpu_us_per_request: Option<f64>,
    /// The server's peak resident memory so far (`VmHWM`): start-up and this build's
    /// scenarios up to this one, in this round.
    peak_rss_mib: f64,
}

pub fn run(options: &Options) -> anyhow::Result<()> {
    for key in &options.only {
        anyhow::ensure!(
            SCENARIOS.contains(&key.as_str()),
            "--only takes {}",
            SCENARIOS.join(", ")
        );
    }
    // Each build with the name its rows carry: a given one by its directory
    // (`/tmp/ab/before/hamkari` → "before"), this tree's by the tag.
    let builds: Vec<(String, PathBuf)> = match options.builds.as_slice() {
        [] => vec![(options.tag.clone(), server::build_release()?)],
        given => given.iter().map(|build| (build_name(build), build.clone())).collect(),
    };
    for (_, build) in &builds {
        anyhow::ensure!(build.exists(), "{} does not exist", build.display());
    }
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let label = options.scale.label();
    let fresh = match &options.postgres {
        Some(url) => Fresh::postgres(url, &format!("hamkari_bench_{}_{label}", options.tag))?,
        None => Fresh::sqlite(dir, "bench.db"),
    };
    drop(Server::start(&builds[0].1, &fresh.url, &dir.join("first.log"))?);
    let started = std::time::Instant::now();
    let backend = hamkari_persistence::Backend::from_url(&fresh.url);
    let loaded = seed::load(&mut backend.connect()?, options.scale)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let files = RequestFiles::write(dir, &loaded)?;

    let client = server::client()?;
    let mut rows = Vec::new();
    for round in 1..=options.rounds {
        for (index, (name, build)) in builds.iter().enumerate() {
            let server = Server::start(build, &fresh.url, &dir.join("server.log"))?;
            let base = server.base();
            for key in &options.only {
                let requests = match key.as_str() {
                    "get_organization" => files.get(&files.organizations),
                    "get_member" => files.get(&files.members),
                    "list_members_of_organization" => files.get(&files.lists),
                    "search_members" => files.get(&files.searches),
                    // Each build's each round updates members still at version 1.
                    "patch_member" => {
                        files.patch_members((round - 1) * builds.len() + index, options.rounds * builds.len())
                    }
                    "change_feed" => files.get(&files.feed),
                    "audit_events" => files.get(&files.audit),
                    _ => files.get(&files.shared),
                };
                let token = server::login(&client, &base)?;
                let (outcome, cpu) = with_cpu(&server, || {
                    wrk::run(&Load {
                        base: &base,
                        token: Some(&token),
                        requests,
                        connections: options.connections,
                        duration: options.duration,
                    })
                })?;
                let peak_rss_mib = server.peak_rss_mib()?;
                println!(
                    "round {round} {name} {} {label} {key}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, CPU {:.0} µs/request, errors {}, peak RSS {peak_rss_mib:.1} MiB",
                    fresh.backend,
                    outcome.per_second,
                    outcome.p50_ms,
                    outcome.p99_ms,
                    cpu.unwrap_or(f64::NAN),
                    outcome.errors
                );
                rows.push(Row {
                    build: name.clone(),
                    round,
                    scenario: key.clone(),
                    outcome,
                    cpu_us_per_request: cpu,
                    peak_rss_mib,
                });
            }
        }
    }
    std::fs::create_dir_all(&options.out_dir)?;
    let figures = Figures {
        tag: options.tag.clone(),
        backend: fresh.backend,
        scale: label.clone(),
        load_seconds,
        rows,
    };
    let name = format!("{}-{}-{label}-{}.json", options.tag, fresh.backend, report_stamp());
    std::fs::write(options.out_dir.join(name), serde_json::to_string_pretty(&figures)?)?;
    Ok(())
}

fn build_name(build: &std::path::Path) -> String {
    build
        .parent()
        .and_then(|d| d.file_name())
        .map_or_else(|| build.display().to_string(), |d| d.to_string_lossy().into_owned())
}

fn report_stamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string()
}
