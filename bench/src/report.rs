//! The record of a run: JSON for machines, a Markdown table for bench/README.md.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::ceiling::Pgbench;
use crate::run::ColdStart;
use crate::scaling::ScaleRatio;
use crate::wrk::Outcome;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    pub key: &'static str,
    pub connections: u32,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The server process's CPU time (user + system) over the runs ÷ the requests answered,
    /// in µs: the median of the runs.
    pub cpu_us_per_request: Option<f64>,
    /// The server's peak resident memory so far.
    pub peak_rss_mib: f64,
    /// Ratios to ceiling runs made just before each run (GET by id only).
    pub paired: Option<Paired>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    pub of_no_database: f64,
    pub of_pgbench_prepared: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: String,
    pub value: f64,
    pub goal: String,
    pub met: bool,
}

impl Target {
    pub fn at_least(name: String, value: f64, goal: f64) -> Self {
        Self {
            name,
            value,
            goal: format!("≥ {goal}"),
            met: value >= goal,
        }
    }

    pub fn at_most(name: String, value: f64, goal: f64) -> Self {
        Self {
            name,
            value,
            goal: format!("≤ {goal}"),
            met: value <= goal,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub kernel: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: Machine,
    pub backend: &'static str,
    pub scale: String,
    pub members: usize,
    pub organizations: usize,
    pub memberships: usize,
    pub projects: usize,
    pub working_groups: usize,
    pub load_seconds: f64,
    pub connections: u32,
    pub seconds_per_run: u64,
    pub runs_per_scenario: usize,
    pub cold_start: ColdStart,
    pub no_database: Outcome,
    pub pgbench: Vec<Pgbench>,
    pub rows: Vec<Row>,
    /// Scenarios run by turns at a smaller scale too (`--pair-scale`).
    pub scaling: Vec<ScaleRatio>,
    /// The same questions asked of Directus on the same database, by turns (`--directus`).
    pub directus: Vec<crate::directus::Comparison>,
    pub peak_rss_mib: f64,
    pub targets: Vec<Target>,
}

pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_default();
    Machine {
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        cpu,
        kernel,
    }
}

fn line(out: &mut String, name: &str, connections: u32, o: &Outcome, cpu: Option<f64>, ceiling: &str) {
    let _ = writeln!(
        out,
        "| {name} | {connections} | {:.0} | {:.2} | {:.2} | {} | {} | {ceiling} |",
        o.per_second,
        o.p50_ms,
        o.p99_ms,
        cpu.map(|us| format!("{us:.0}")).unwrap_or_default(),
        if o.stale > 0 {
            format!("{} (+{} 412)", o.errors, o.stale)
        } else {
            o.errors.to_string()
        }
    );
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "**{} at {}** ({} members, {} organizations, {} memberships, {} projects, {} working groups; loaded in {:.0} s). {}; {} cores, {}; each figure the median of {} runs of {} s.\n",
            self.backend,
            self.scale,
            self.members,
            self.organizations,
            self.memberships,
            self.projects,
            self.working_groups,
            self.load_seconds,
            self.date,
            self.machine.cores,
            self.machine.cpu,
            self.runs_per_scenario,
            self.seconds_per_run,
        );
        let _ = writeln!(
            out,
            "| scenario | conns | req/s | p50 ms | p99 ms | server CPU µs/req | errors | vs ceiling |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
        line(
            &mut out,
            "ceiling: actix handler, no database",
            self.connections,
            &self.no_database,
            None,
            "1.00 of no-db",
        );
        for p in &self.pgbench {
            let _ = writeln!(
                out,
                "| ceiling: `pgbench -S -M {}` | {} | {:.0} | {:.2} | {:.2} | | 0 | |",
                p.protocol, self.connections, p.per_second, p.p50_ms, p.p99_ms
            );
        }
        let prepared = self.pgbench.iter().find(|p| p.protocol == "prepared");
        for row in &self.rows {
            let mut ceiling = match &row.paired {
                Some(p) => format!("**{:.2} of no-db**", p.of_no_database),
                None => format!("{:.2} of no-db", row.outcome.per_second / self.no_database.per_second),
            };
            match (row.paired.as_ref().and_then(|p| p.of_pgbench_prepared), prepared) {
                (Some(ratio), _) => {
                    let _ = write!(ceiling, ", **{ratio:.2} of pgbench**");
                }
                (None, Some(prepared)) => {
                    let _ = write!(
                        ceiling,
                        ", {:.2} of pgbench",
                        row.outcome.per_second / prepared.per_second
                    );
                }
                (None, None) => {}
            }
            line(
                &mut out,
                &row.name,
                row.connections,
                &row.outcome,
                row.cpu_us_per_request,
                &ceiling,
            );
        }
        if !self.scaling.is_empty() {
            let _ = writeln!(
                out,
                "\nBy turns at two scales (each ratio the median of the rounds' ratios):\n\n| scenario | items per page at {0} | at {1} | req/s at {0} | at {1} | p50 ms at {0} | at {1} | time per request {1} ÷ {0} | CPU per request {1} ÷ {0} |\n|---|---|---|---|---|---|---|---|---|",
                self.scaling[0].small_scale, self.scaling[0].large_scale
            );
            for r in &self.scaling {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
                    r.name,
                    r.items_per_page.map(|(s, _)| format!("{s:.1}")).unwrap_or_default(),
                    r.items_per_page.map(|(_, l)| format!("{l:.1}")).unwrap_or_default(),
                    r.small.per_second,
                    r.large.per_second,
                    r.small.p50_ms,
                    r.large.p50_ms,
                    r.time_ratio,
                    r.cpu_ratio.map(|c| format!("{c:.2}")).unwrap_or_default(),
                );
            }
        }
        if !self.directus.is_empty() {
            let _ = writeln!(
                out,
                "\nThe same rows served by Directus 12 on the same database, by turns (`--directus`):\n\n| question | hamkari req/s | p50 ms | Directus req/s | p50 ms | hamkari ÷ Directus |\n|---|---|---|---|---|---|"
            );
            for c in &self.directus {
                let _ = writeln!(
                    out,
                    "| {} | {:.0} | {:.2} | {:.0} | {:.2} | {:.1} |",
                    c.name, c.hamkari.per_second, c.hamkari.p50_ms, c.directus.per_second, c.directus.p50_ms, c.ratio
                );
            }
        }
        let _ = writeln!(
            out,
            "\nPeak RSS {:.1} MiB. Cold start on an empty SQLite file: {} ms (median {:.0} ms){}.\n",
            self.peak_rss_mib,
            self.cold_start
                .sqlite_ms
                .iter()
                .map(|ms| format!("{ms:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.cold_start.sqlite_median_ms,
            self.cold_start
                .postgres_ms
                .map(|ms| format!("; on the fresh PostgreSQL database {ms:.0} ms"))
                .unwrap_or_default(),
        );
        let _ = writeln!(out, "| target | value | goal | met |");
        let _ = writeln!(out, "|---|---|---|---|");
        for t in &self.targets {
            let _ = writeln!(
                out,
                "| {} | {:.2} | {} | {} |",
                t.name,
                t.value,
                t.goal,
                if t.met { "yes" } else { "**no**" }
            );
        }
        out
    }
}

/// The figures `compare` reads back from two reports.
#[derive(Deserialize)]
struct Saved {
    backend: String,
    scale: String,
    rows: Vec<SavedRow>,
}

#[derive(Deserialize)]
struct SavedRow {
    key: String,
    name: String,
    per_second: f64,
    p50_ms: f64,
}

/// How each scenario's cost changed from `small` to `large` (two JSON reports).
pub fn compare(small: &str, large: &str) -> anyhow::Result<String> {
    let small: Saved = serde_json::from_str(small)?;
    let large: Saved = serde_json::from_str(large)?;
    anyhow::ensure!(
        small.backend == large.backend,
        "the reports are from different backends"
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {} scenario | p50 ms at {} | at {} | p50 ratio | req/s at {} | at {} | time per request ratio |",
        small.backend, small.scale, large.scale, small.scale, large.scale
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for s in &small.rows {
        let Some(l) = large.rows.iter().find(|l| l.key == s.key) else {
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.2} |",
            s.name,
            s.p50_ms,
            l.p50_ms,
            l.p50_ms / s.p50_ms.max(0.001),
            s.per_second,
            l.per_second,
            s.per_second / l.per_second.max(0.001),
        );
    }
    Ok(out)
}
