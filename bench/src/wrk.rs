//! Load through `wrk`: an event-loop load generator in C that costs the machine little CPU
//! per request (important when server, database and client share two cores), reports
//! latency percentiles from its own histogram, and takes Lua scripts for random ids,
//! `If-Match` versions and JSON bodies.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

/// What each connection sends.
#[derive(Clone)]
pub enum Requests {
    /// `GET` of a random line of `paths` (each a path with its query).
    Get { paths: PathBuf },
    /// `PATCH /api/v1/members/{id}` with `body`, walking the ids of `ids` in order so no id
    /// is ever in flight twice, each with `If-Match` of the version its last answer gave.
    /// Run `part` of `parts` uses only every `parts`-th id, so each run starts on members
    /// still at version 1.
    PatchMembers {
        ids: PathBuf,
        body: String,
        part: usize,
        parts: usize,
    },
    /// `POST` of `body` to `path`, without credentials.
    Post { path: String, body: String },
}

impl Requests {
    /// The requests for run `run` of `runs`.
    pub fn for_run(&self, run: usize, runs: usize) -> Self {
        match self {
            Self::PatchMembers { ids, body, .. } => Self::PatchMembers {
                ids: ids.clone(),
                body: body.clone(),
                part: run,
                parts: runs.max(1),
            },
            other => other.clone(),
        }
    }
}

/// A load to run: `connections` kept busy for `duration`.
pub struct Load<'a> {
    pub base: &'a str,
    pub token: Option<&'a str>,
    pub requests: Requests,
    pub connections: u32,
    pub duration: Duration,
}

/// What one load achieved.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub requests: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Connection errors, timeouts and answers ≥ 400 other than the expected 412s.
    pub errors: u64,
    /// 412 answers to a `PATCH` whose version was overtaken (expected under contention).
    pub stale: u64,
    /// How many runs these figures are the median of (counts are summed).
    pub runs: usize,
}

/// The median of each figure over `runs`; requests, errors and 412s summed.
pub fn median(runs: &[Outcome]) -> Outcome {
    let mid = |f: fn(&Outcome) -> f64| crate::run::median(runs.iter().map(f));
    Outcome {
        requests: runs.iter().map(|r| r.requests).sum(),
        seconds: runs.iter().map(|r| r.seconds).sum(),
        per_second: mid(|r| r.per_second),
        p50_ms: mid(|r| r.p50_ms),
        p90_ms: mid(|r| r.p90_ms),
        p99_ms: mid(|r| r.p99_ms),
        max_ms: runs.iter().map(|r| r.max_ms).fold(0.0, f64::max),
        errors: runs.iter().map(|r| r.errors).sum(),
        stale: runs.iter().map(|r| r.stale).sum(),
        runs: runs.len(),
    }
}

fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const PRELUDE: &str = r#"
local threads, counter = {}, 0
lines = {}
stale = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
local function load_lines(file)
  for line in io.lines(file) do lines[#lines + 1] = line end
end
function done(summary, latency, requests)
  local total_stale = 0
  for _, t in ipairs(threads) do total_stale = total_stale + (t:get("stale") or 0) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"stale":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, total_stale))
end
"#;

fn script(load: &Load, threads: u32) -> String {
    let auth = load
        .token
        .map(|t| format!("[\"Authorization\"] = {},", lua_string(&format!("Bearer {t}"))))
        .unwrap_or_default();
    let body = match &load.requests {
        Requests::Get { paths } => format!(
            r#"
local headers = {{ {auth} }}
function init(args)
  math.randomseed(tid * 7919 + os.time())
  load_lines({file})
end
function request()
  return wrk.format("GET", lines[math.random(#lines)], headers)
end
"#,
            file = lua_string(&paths.display().to_string())
        ),
        Requests::PatchMembers { ids, body, part, parts } => format!(
            r#"
local versions, next_index = {{}}, 0
-- Each thread of each run owns its own ids, so none is patched from two version tables.
function init(args)
  local k, slices = 0, {parts} * {threads}
  for line in io.lines({file}) do
    if k % slices == {part} * {threads} + tid - 1 then lines[#lines + 1] = line end
    k = k + 1
  end
end
function request()
  local id = lines[(next_index % #lines) + 1]
  next_index = next_index + 1
  local v = versions[id] or 1
  return wrk.format("PATCH", "/api/v1/members/" .. id,
    {{ {auth} ["Content-Type"] = "application/json", ["If-Match"] = '"' .. v .. '"' }}, {body})
end
function response(status, headers, body)
  if status == 412 then stale = stale + 1 return end
  local id = body:match('"id":"([%x%-]+)"')
  local v = body:match('"version":(%d+)')
  if id and v then versions[id] = tonumber(v) end
end
"#,
            file = lua_string(&ids.display().to_string()),
            body = lua_string(body),
        ),
        Requests::Post { path, body } => format!(
            r#"
wrk.method = "POST"
wrk.path = {path}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
"#,
            path = lua_string(path),
            body = lua_string(body)
        ),
    };
    format!("{PRELUDE}{body}")
}

/// A `wrk` process under way.
pub struct Running {
    child: Child,
    _script: tempfile::NamedTempFile,
}

/// Starts `load`; [`Running::finish`] waits for its figures.
pub fn start(load: &Load) -> anyhow::Result<Running> {
    let threads = load.connections.clamp(1, 2);
    let mut script = tempfile::Builder::new().suffix(".lua").tempfile()?;
    script.write_all(self::script(load, threads).as_bytes())?;
    let child = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .args(["--timeout", "15s", "-s"])
        .arg(script.path())
        .arg(load.base)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting wrk (install it with `apt-get install wrk`)")?;
    Ok(Running { child, _script: script })
}

impl Running {
    pub fn finish(self) -> anyhow::Result<Outcome> {
        let output = self.child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "wrk failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("WRK_JSON "))
            .with_context(|| format!("wrk printed no figures: {stdout}"))?;
        let raw: serde_json::Value = serde_json::from_str(line)?;
        let n = |key: &str| raw[key].as_u64().unwrap_or(0);
        let ms = |key: &str| n(key) as f64 / 1000.0;
        let seconds = n("duration_us") as f64 / 1e6;
        let stale = n("stale");
        Ok(Outcome {
            requests: n("requests"),
            seconds,
            per_second: n("requests") as f64 / seconds.max(1e-9),
            p50_ms: ms("p50_us"),
            p90_ms: ms("p90_us"),
            p99_ms: ms("p99_us"),
            max_ms: ms("max_us"),
            errors: n("connect") + n("read") + n("write") + n("timeout") + n("status").saturating_sub(stale),
            stale,
            runs: 1,
        })
    }
}

/// Runs `load` to the end.
pub fn run(load: &Load) -> anyhow::Result<Outcome> {
    start(load)?.finish()
}

/// Writes `lines` to a file for a script to read.
pub fn lines_file(dir: &Path, name: &str, lines: impl IntoIterator<Item = String>) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(path)
}
