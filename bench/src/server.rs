//! The release server as a separate process, so its memory and CPU are its own and the
//! benchmark measures exactly what an operator runs.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

pub const ADMIN_EMAIL: &str = "bench@hamkari.test";
pub const ADMIN_PASSWORD: &str = "benchmark password";

/// Builds the release binary of the server and returns its path (beside this benchmark's).
pub fn build_release() -> anyhow::Result<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("bench/ has no parent")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--locked", "--bin", "hamkari"])
        .current_dir(workspace)
        .status()
        .context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build --release failed");
    let binary = std::env::current_exe()?
        .parent()
        .context("no directory for this executable")?
        .join("hamkari");
    anyhow::ensure!(
        binary.exists(),
        "{} is missing: run the benchmark with --release",
        binary.display()
    );
    Ok(binary)
}

/// A port nobody listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on `port`.
pub fn wait_listening(port: u16, child: &mut Child, patience: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the server exited before listening: {status}");
        }
        anyhow::ensure!(
            started.elapsed() < patience,
            "nothing listened on {port} in {patience:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A running `hamkari serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    /// From spawning the process to the port accepting connections.
    pub started_in: Duration,
}

impl Server {
    /// Starts the server on `database_url` (creating the administrator on first start) and
    /// waits until it listens. Its log goes to `log`.
    pub fn start(binary: &Path, database_url: &str, log: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = std::fs::File::create(log)?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .arg("serve")
            .env("HAMKARI_DATABASE_URL", database_url)
            .env("HAMKARI_BIND", format!("127.0.0.1:{port}"))
            .env("HAMKARI_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("HAMKARI_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // The flood logs in from one address; successful logins are never throttled,
            // but keep the limit out of the way of a mistyped run.
            .env("HAMKARI_LOGIN_FAILURES_PER_ADDRESS", "1000000")
            // An attempt counts from before its hash until it succeeds, so more than five
            // logins of one account in flight are refused (429) by design.
            .env("HAMKARI_LOGIN_FAILURES_PER_ACCOUNT", "1000000")
            // The flood is one client measuring the server, not one to hold back.
            .env("HAMKARI_RATE_LIMIT_REQUESTS", "0")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        wait_listening(port, &mut child, Duration::from_secs(60))?;
        let started_in = started.elapsed();
        Ok(Self {
            child,
            port,
            started_in,
        })
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Peak resident memory so far (`VmHWM`), in MiB.
    pub fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        self.memory_mib("VmHWM:")
    }

    /// Resident memory now (`VmRSS`), in MiB.
    pub fn rss_mib(&self) -> anyhow::Result<f64> {
        self.memory_mib("VmRSS:")
    }

    /// CPU time the server process has used so far (user + system, all its threads), in
    /// seconds, from `/proc/<pid>/stat`.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // The command name may hold spaces; the fields after it are plain numbers.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("malformed stat")?;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let ticks =
            |i: usize| -> anyhow::Result<f64> { Ok(fields.get(i).context("short stat")?.parse::<u64>()? as f64) };
        Ok((ticks(11)? + ticks(12)?) / clock_ticks_per_second())
    }

    fn memory_mib(&self, field: &str) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .with_context(|| format!("no {field} in /proc/<pid>/status"))?;
        Ok(kib as f64 / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client for the benchmark's own requests (logins, cursors): a new connection for each.
/// The server closes a connection left idle for 5 s (actix's keep-alive), and a pooled one
/// reused at that moment fails with "connection closed before message completed", which
/// once ended a full run; these requests are too few for reuse to matter.
pub fn client() -> reqwest::Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder().pool_max_idle_per_host(0).build()
}

/// Logs in as the benchmark's administrator; returns an access token.
pub fn login(client: &reqwest::blocking::Client, base: &str) -> anyhow::Result<String> {
    let response: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()?
        .error_for_status()?
        .json()?;
    Ok(response["access_token"]
        .as_str()
        .context("login answered without an access token")?
        .to_owned())
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`), 100 on Linux unless asked otherwise.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
