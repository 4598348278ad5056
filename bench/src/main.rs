//! hamkari's benchmarks: `run` builds the release server, loads generated data at a chosen
//! scale into a fresh database and drives every kind of request with `wrk`, beside the
//! ceilings of this machine (a handler without a database, `pgbench -S`).

mod ceiling;
mod database;
mod directus;
mod export;
mod report;
mod requests;
mod run;
mod scaling;
mod seed;
mod selected;
mod server;
mod targets;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hamkari-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The full run: ceilings, then every scenario against the release server; writes
    /// `<out>/<backend>-<scale>.json` and `.md`.
    Run {
        /// Members: 10k, 100k, 1m (organizations = members/1000, memberships ≈ 1.5 ×
        /// members, projects and working groups = members/100 each).
        #[arg(long, default_value = "10k")]
        scale: String,
        /// A PostgreSQL server URL where the user may create databases; SQLite when omitted.
        #[arg(long)]
        postgres: Option<String>,
        /// Concurrent connections for every scenario (and for pgbench).
        #[arg(long, default_value_t = 32)]
        connections: u32,
        /// Seconds per run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Runs per scenario: the report gives the median of each figure, so one noisy
        /// moment on a shared machine does not decide it.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Connections logging in during the login flood.
        #[arg(long, default_value_t = 8)]
        login_connections: u32,
        #[arg(long, default_value = "bench/results")]
        out: PathBuf,
        /// Also load this smaller scale (such as 10k) and run the list, search, sorted and
        /// shared-members scenarios on both by turns: their time ratios are targets.
        #[arg(long)]
        pair_scale: Option<String>,
        /// With --postgres: also start Directus with this script (`bench/directus/start.sh`)
        /// on the same database and ask it and hamkari the same questions by turns.
        #[arg(long)]
        directus: Option<PathBuf>,
        /// Only these scenarios, one run each, without ceilings or targets (comma-separated:
        /// get_organization, get_member, list_members_of_organization, search_members,
        /// shared_members, patch_member, audit_events, change_feed); figures go to `<out>/<tag>-<backend>-<scale>-<time>.json`. For
        /// interleaving two builds.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Names an `--only` run's figures and PostgreSQL database.
        #[arg(long, default_value = "only")]
        tag: String,
        /// With `--only`: these `hamkari` binaries (comma-separated paths) take turns on one
        /// loaded database, `--repeat` rounds of each, instead of the current tree's build
        /// on a database of its own per run.
        #[arg(long, value_delimiter = ',')]
        builds: Vec<PathBuf>,
    },
    /// Migrates the database at `url` and loads the generated data set into it, to explore
    /// query plans by hand.
    Load {
        #[arg(long, default_value = "10k")]
        scale: String,
        #[arg(long)]
        url: String,
    },
    /// A full CSV export of every member at each scale (time to first byte, the server's
    /// peak memory); writes `<out>/export-<backend>.json` and `.md`.
    Export {
        /// Repeat for more scales (`--scale 10k --scale 100k`); their runs take turns.
        #[arg(long = "scale", default_values_t = ["10k".to_owned(), "100k".to_owned()])]
        scales: Vec<String>,
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        #[arg(long, default_value = "bench/results")]
        out: PathBuf,
    },
    /// Compares two reports of one backend at two scales: how each scenario's cost grew.
    Compare { small: PathBuf, large: PathBuf },
    /// The no-database ceiling server (started by `run`).
    #[command(hide = true)]
    CeilingServer {
        #[arg(long)]
        port: u16,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run {
            scale,
            postgres,
            connections,
            seconds,
            out,
            only,
            tag,
            builds,
            repeat,
            ..
        } if !only.is_empty() => selected::run(&selected::Options {
            scale: seed::Scale::parse(&scale).map_err(anyhow::Error::msg)?,
            postgres,
            connections: connections.max(1),
            duration: Duration::from_secs(seconds.max(1)),
            only,
            tag,
            rounds: if builds.is_empty() { 1 } else { repeat.max(1) },
            builds,
            out_dir: out,
        })?,
        Command::Run {
            scale,
            postgres,
            connections,
            seconds,
            repeat,
            login_connections,
            out,
            pair_scale,
            directus,
            ..
        } => {
            let report = run::run(&run::Options {
                scale: seed::Scale::parse(&scale).map_err(anyhow::Error::msg)?,
                postgres,
                connections: connections.max(1),
                duration: Duration::from_secs(seconds.max(1)),
                repeat: repeat.max(1),
                login_connections: login_connections.max(1),
                out_dir: out,
                pair_scale: pair_scale
                    .map(|scale| seed::Scale::parse(&scale))
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                directus,
            })?;
            println!("{}", report.markdown());
        }
        Command::Export {
            scales,
            postgres,
            repeat,
            out,
        } => {
            let report = export::run(&export::Options {
                scales: scales
                    .iter()
                    .map(|s| seed::Scale::parse(s))
                    .collect::<Result<_, _>>()
                    .map_err(anyhow::Error::msg)?,
                postgres,
                repeat: repeat.max(1),
                out_dir: out,
            })?;
            println!("{}", report.markdown());
        }
        Command::Load { scale, url } => {
            let scale = seed::Scale::parse(&scale).map_err(anyhow::Error::msg)?;
            let backend = hamkari_persistence::Backend::from_url(&url);
            hamkari_persistence::migrations::run_pending(&backend).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = seed::load(&mut backend.connect()?, scale)?;
            eprintln!(
                "loaded {} members, {} organizations, {} memberships",
                scale.members,
                loaded.organizations.len(),
                loaded.memberships
            );
        }
        Command::Compare { small, large } => {
            print!(
                "{}",
                report::compare(&std::fs::read_to_string(small)?, &std::fs::read_to_string(large)?)?
            );
        }
        Command::CeilingServer { port } => ceiling::serve(port)?,
    }
    Ok(())
}
