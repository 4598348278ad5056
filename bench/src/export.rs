//! A full CSV export of every member at scale: time to the first byte, time to the last,
//! and the server's memory. Each export runs on a server process of its own, so its peak
//! resident memory (`VmHWM`) is that export's (plus start-up), and runs of the scales take
//! turns, so a shared machine's slow minutes do not all fall on one scale.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use crate::database::Fresh;
use crate::run::median;
use crate::seed::{self, Scale};
use crate::server::{self, Server};

pub struct Options {
    pub scales: Vec<Scale>,
    pub postgres: Option<String>,
    pub repeat: usize,
    pub out_dir: PathBuf,
}

/// One export, as measured.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub time_to_first_byte_ms: f64,
    pub total_s: f64,
    /// Data lines (the header not counted).
    pub rows: usize,
    pub bytes: usize,
    /// Resident memory after logging in, before the export.
    pub rss_before_mib: f64,
    /// Peak resident memory of the process once the export is read to its end.
    pub peak_rss_mib: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleResult {
    pub scale: String,
    pub members: usize,
    pub samples: Vec<Sample>,
    pub median_time_to_first_byte_ms: f64,
    pub median_total_s: f64,
    pub median_rss_before_mib: f64,
    pub median_peak_rss_mib: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub backend: String,
    pub when: String,
    pub runs: usize,
    pub results: Vec<ScaleResult>,
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "**CSV export of every member, {}** ({}; each figure the median of {} runs, scales in turn, a fresh server process per run).\n\n",
            self.backend, self.when, self.runs
        );
        out.push_str(
            "| members | rows | MiB sent | first byte ms | whole export s | RSS before MiB | peak RSS MiB |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for r in &self.results {
            let first = &r.samples[0];
            out.push_str(&format!(
                "| {} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} |\n",
                r.members,
                first.rows,
                first.bytes as f64 / 1_048_576.0,
                r.median_time_to_first_byte_ms,
                r.median_total_s,
                r.median_rss_before_mib,
                r.median_peak_rss_mib
            ));
        }
        out
    }
}

/// Reads `GET /api/v1/members` as CSV to its end.
fn export_once(binary: &std::path::Path, url: &str, log: &std::path::Path) -> anyhow::Result<Sample> {
    let server = Server::start(binary, url, log)?;
    let base = server.base();
    let client = reqwest::blocking::Client::builder().timeout(None).build()?;
    let token = server::login(&client, &base)?;
    let rss_before_mib = server.rss_mib()?;
    let started = Instant::now();
    let mut response = client
        .get(format!("{base}/api/v1/members"))
        .bearer_auth(&token)
        .header("Accept", "text/csv")
        .send()?
        .error_for_status()?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut read = response.read(&mut buffer)?;
    let time_to_first_byte_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (mut bytes, mut lines) = (0, 0);
    while read > 0 {
        bytes += read;
        lines += buffer[..read].iter().filter(|b| **b == b'\n').count();
        read = response.read(&mut buffer)?;
    }
    let total_s = started.elapsed().as_secs_f64();
    Ok(Sample {
        time_to_first_byte_ms,
        total_s,
        rows: lines.saturating_sub(1),
        bytes,
        rss_before_mib,
        peak_rss_mib: server.peak_rss_mib()?,
    })
}

pub fn run(options: &Options) -> anyhow::Result<Report> {
    let binary = server::build_release()?;
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let mut databases = Vec::new();
    for scale in &options.scales {
        let label = scale.label();
        let fresh = match &options.postgres {
            // Names of their own: another run of the full benchmark may hold hamkari_bench_*.
            Some(url) => Fresh::postgres(url, &format!("hamkari_bench_export_{label}"))?,
            None => Fresh::sqlite(dir, &format!("export-{label}.db")),
        };
        // The first start migrates the database and creates the administrator.
        drop(Server::start(
            &binary,
            &fresh.url,
            &dir.join(format!("first-{label}.log")),
        )?);
        eprintln!("loading {label} members into {}…", fresh.backend);
        let backend = hamkari_persistence::Backend::from_url(&fresh.url);
        seed::load(&mut backend.connect()?, *scale)?;
        databases.push((*scale, fresh, Vec::new()));
    }
    for run in 0..options.repeat {
        for (scale, fresh, samples) in &mut databases {
            let label = scale.label();
            eprintln!("export of {label} members, run {}…", run + 1);
            let sample = export_once(&binary, &fresh.url, &dir.join(format!("export-{label}-{run}.log")))
                .with_context(|| format!("exporting {label}"))?;
            anyhow::ensure!(
                sample.rows == scale.members,
                "the export of {label} had {} rows",
                sample.rows
            );
            eprintln!("  {sample:?}");
            samples.push(sample);
        }
    }
    let backend = databases.first().map_or("sqlite", |(_, f, _)| f.backend).to_owned();
    let results = databases
        .into_iter()
        .map(|(scale, _, samples)| ScaleResult {
            scale: scale.label(),
            members: scale.members,
            median_time_to_first_byte_ms: median(samples.iter().map(|s| s.time_to_first_byte_ms)),
            median_total_s: median(samples.iter().map(|s| s.total_s)),
            median_rss_before_mib: median(samples.iter().map(|s| s.rss_before_mib)),
            median_peak_rss_mib: median(samples.iter().map(|s| s.peak_rss_mib)),
            samples,
        })
        .collect();
    let report = Report {
        backend,
        when: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        runs: options.repeat,
        results,
    };
    std::fs::create_dir_all(&options.out_dir)?;
    let stem = options.out_dir.join(format!("export-{}", report.backend));
    std::fs::write(stem.with_extension("json"), serde_json::to_string_pretty(&report)?)?;
    std::fs::write(stem.with_extension("md"), report.markdown())?;
    Ok(report)
}
