//! The ceilings hamkari's figures are stated against: an actix handler that touches no
//! database, and the database alone (`pgbench -S`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use serde::Serialize;

use crate::server::{free_port, wait_listening};

/// Shaped like an organization, so the ceiling serializes what hamkari would.
#[derive(Serialize)]
struct Body {
    id: &'static str,
    name: &'static str,
    slug: &'static str,
    kind: &'static str,
    version: u64,
    created_at: &'static str,
    updated_at: &'static str,
}

async fn handler(path: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().insert_header(("ETag", "\"1\"")).json(Body {
        id: if path.is_empty() {
            ""
        } else {
            "019a0000-0000-7000-8000-000000000000"
        },
        name: "انجمن آزمایشگاه‌های همکار",
        slug: "org-1",
        kind: "association",
        version: 1,
        created_at: "2026-11-24T00:00:00Z",
        updated_at: "2026-11-24T00:00:00Z",
    })
}

/// Serves `GET /api/v1/organizations/{id}` from memory, with actix's default worker count
/// (as hamkari's), until killed.
pub fn serve(port: u16) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/api/v1/organizations/{id}", web::get().to(handler)))
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })?;
    Ok(())
}

/// The no-database server, in a process of its own, stopped when dropped.
pub struct NoDatabase {
    child: Child,
    pub port: u16,
}

impl NoDatabase {
    pub fn start() -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut child = Command::new(std::env::current_exe()?)
            .args(["ceiling-server", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        wait_listening(port, &mut child, Duration::from_secs(10))?;
        Ok(Self { child, port })
    }
}

impl Drop for NoDatabase {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `pgbench -S` figures.
#[derive(Debug, Clone, Serialize)]
pub struct Pgbench {
    pub protocol: &'static str,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub transactions: u64,
}

/// The median of each figure over `runs`.
pub fn median(runs: &[Pgbench]) -> Option<Pgbench> {
    let mid = |f: fn(&Pgbench) -> f64| crate::run::median(runs.iter().map(f));
    Some(Pgbench {
        protocol: runs.first()?.protocol,
        per_second: mid(|r| r.per_second),
        p50_ms: mid(|r| r.p50_ms),
        p99_ms: mid(|r| r.p99_ms),
        transactions: runs.iter().map(|r| r.transactions).sum(),
    })
}

/// Initializes a pgbench database (scale 10: a million accounts) at `url`.
pub fn pgbench_init(url: &str) -> anyhow::Result<()> {
    let output = Command::new("pgbench")
        .args(["-i", "-q", "-s", "10", url])
        .output()
        .context("running pgbench -i (install postgresql-contrib or postgresql-client)")?;
    anyhow::ensure!(
        output.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// Runs `pgbench -S` (select-only) with `connections` clients over two threads, logging
/// every transaction so p50 and p99 come from the same kind of sample as wrk's.
pub fn pgbench_select(
    url: &str,
    protocol: &'static str,
    connections: u32,
    duration: Duration,
    dir: &Path,
) -> anyhow::Result<Pgbench> {
    let prefix = dir.join(format!("pgbench-{protocol}"));
    let output = Command::new("pgbench")
        .args(["-n", "-S", "-M", protocol, "-j", "2", "-l"])
        .arg(format!("--log-prefix={}", prefix.display()))
        .arg(format!("-c{connections}"))
        .arg(format!("-T{}", duration.as_secs().max(1)))
        .arg(url)
        .output()
        .context("running pgbench")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .with_context(|| format!("no tps in pgbench output: {stdout}"))?;
    // Each log line: client transaction latency_us script epoch epoch_us.
    let mut latencies = Vec::new();
    let name = prefix
        .file_name()
        .and_then(|n| n.to_str())
        .context("log prefix")?
        .to_owned();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&format!("{name}.")) {
            for line in std::fs::read_to_string(entry.path())?.lines() {
                if let Some(us) = line.split_whitespace().nth(2).and_then(|v| v.parse::<u64>().ok()) {
                    latencies.push(us);
                }
            }
            std::fs::remove_file(entry.path())?;
        }
    }
    anyhow::ensure!(!latencies.is_empty(), "pgbench wrote no transaction log");
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    Ok(Pgbench {
        protocol,
        per_second: tps,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        transactions: latencies.len() as u64,
    })
}
