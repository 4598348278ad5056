//! hamkari's benchmarks. `shared-members` loads a generated data set and times the
//! shared-members questions over HTTP against the real server.

mod seed;

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use hamkari_http::{AdminBootstrap, Application, LoginLimits, PoolSettings, Settings};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(name = "hamkari-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Time shared-members pages at a scale (members; organizations = members/1000,
    /// memberships ≈ 1.5 × members).
    SharedMembers {
        #[arg(long, default_value = "100k")]
        scale: String,
        /// A PostgreSQL server URL where the user may create databases; SQLite when omitted.
        #[arg(long)]
        postgres: Option<String>,
        /// Requests per question.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Where to write the JSON results.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Time `GET /health/ready` and an authenticated `GET /api/v1/organizations/{id}` alone,
    /// then while `--logins` logins hash passwords at once.
    LoginFlood {
        /// Concurrent logins kept running during the measurement.
        #[arg(long, default_value_t = 40)]
        logins: usize,
        /// Requests per measurement.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
}

const ADMIN_EMAIL: &str = "bench@hamkari.test";
const ADMIN_PASSWORD: &str = "benchmark password";

/// Latency figures of one question, in milliseconds.
fn summarize(mut samples: Vec<Duration>) -> Value {
    samples.sort();
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    json!({"requests": samples.len(), "p50_ms": ms(at(0.5)), "p99_ms": ms(at(0.99)), "max_ms": ms(at(1.0))})
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::SharedMembers {
            scale,
            postgres,
            requests,
            out,
        } => shared_members(scale, postgres, requests, out).await,
        Command::LoginFlood { logins, requests } => login_flood(logins, requests).await,
    }
}

async fn shared_members(
    scale: String,
    postgres: Option<String>,
    requests: usize,
    out: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let scale = seed::Scale::parse(&scale).map_err(anyhow::Error::msg)?;
    let temp = tempfile::tempdir()?;
    let (url, backend) = match &postgres {
        Some(admin) => {
            let name = format!("hamkari_bench_{}", scale.members);
            let mut conn = PgConnection::establish(admin).context("connecting to --postgres")?;
            // Separate statements: several in one string run as one transaction, which DROP DATABASE refuses.
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
            let (base, query) = admin
                .split_once('?')
                .map_or((admin.as_str(), None), |(b, q)| (b, Some(q)));
            let server = &base[..base
                .rfind('/')
                .filter(|i| *i > base.find("://").unwrap_or(0) + 2)
                .unwrap_or(base.len())];
            let url = match query {
                Some(q) => format!("{server}/{name}?{q}"),
                None => format!("{server}/{name}"),
            };
            (url, "postgres")
        }
        None => (format!("sqlite://{}", temp.path().join("bench.db").display()), "sqlite"),
    };

    let db_backend = hamkari_persistence::Backend::from_url(&url);
    hamkari_persistence::migrations::run_pending(&db_backend).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let loaded = seed::load(&mut db_backend.connect()?, scale)?;
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "loaded {} members, {} organizations on {backend} in {load_seconds:.1} s",
        scale.members, scale.organizations
    );

    let app = Application::build(Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.clone(),
        pool: PoolSettings::default(),
        workers: Some(2),
        migrate: true,
        jwt_secret: None,
        token_key: None,
        admin: AdminBootstrap::Given {
            email: ADMIN_EMAIL.into(),
            password: ADMIN_PASSWORD.into(),
        },
        hash_concurrency: 1,
        login_limits: LoginLimits::default(),
    })
    .await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"].as_str().context("login failed")?.to_owned();

    let orgs = &loaded.organizations;
    let pair = |i: usize| (orgs[i % orgs.len()], orgs[(i * 7 + 1) % orgs.len()]);
    type Question<'a> = (&'static str, Box<dyn Fn(usize) -> String + 'a>);
    let questions: Vec<Question> = vec![
        (
            "two organizations, today",
            Box::new(|i| {
                let (a, b) = pair(i);
                format!("/api/v1/shared-members?organization_id={a}&organization_id={b}")
            }),
        ),
        (
            "two organizations, board only",
            Box::new(|i| {
                let (a, b) = pair(i);
                format!("/api/v1/shared-members?organization_id={a}&organization_id={b}&role=board")
            }),
        ),
        (
            "two organizations, as of 2010-06-01",
            Box::new(|i| {
                let (a, b) = pair(i);
                format!("/api/v1/shared-members?organization_id={a}&organization_id={b}&on=2010-06-01")
            }),
        ),
        (
            "anyone in two or more, first page",
            Box::new(|_| "/api/v1/shared-members".to_owned()),
        ),
    ];
    let mut results = Vec::new();
    for (name, path) in &questions {
        let mut samples = Vec::with_capacity(requests);
        let mut items = 0;
        for i in 0..requests {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{}", path(i)))
                .bearer_auth(&token)
                .send()
                .await?;
            anyhow::ensure!(response.status().is_success(), "{name}: {}", response.status());
            let page: Value = response.json().await?;
            samples.push(started.elapsed());
            items += page["items"].as_array().map_or(0, Vec::len);
        }
        let mut summary = summarize(samples);
        summary["question"] = json!(name);
        summary["mean_items_per_page"] = json!(items as f64 / requests as f64);
        results.push(summary);
    }

    let report = json!({
        "benchmark": "shared-members",
        "backend": backend,
        "members": scale.members,
        "organizations": scale.organizations,
        "load_seconds": load_seconds,
        "results": results,
    });
    println!("| backend | members | question | p50 ms | p99 ms | items/page |");
    println!("|---|---|---|---|---|---|");
    for r in report["results"].as_array().into_iter().flatten() {
        println!(
            "| {backend} | {} | {} | {} | {} | {:.1} |",
            scale.members,
            r["question"].as_str().unwrap_or(""),
            r["p50_ms"],
            r["p99_ms"],
            r["mean_items_per_page"].as_f64().unwrap_or(0.0)
        );
    }
    if let Some(out) = out {
        std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
    }
    if postgres.is_some() {
        // Leave nothing behind on the server.
        if let Some(admin) = &postgres {
            let mut conn = PgConnection::establish(admin)?;
            conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS hamkari_bench_{} WITH (FORCE)",
                scale.members
            ))?;
        }
    }
    Ok(())
}

/// Starts the server on a temporary SQLite database; returns its base URL.
async fn start_sqlite(dir: &std::path::Path) -> anyhow::Result<String> {
    let app = Application::build(Settings {
        bind: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}", dir.join("flood.db").display()),
        pool: PoolSettings::default(),
        workers: None,
        migrate: true,
        jwt_secret: None,
        token_key: None,
        admin: AdminBootstrap::Given {
            email: ADMIN_EMAIL.into(),
            password: ADMIN_PASSWORD.into(),
        },
        hash_concurrency: 1,
        login_limits: LoginLimits::default(),
    })
    .await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(base)
}

async fn timed(client: &reqwest::Client, url: &str, token: Option<&str>, requests: usize) -> anyhow::Result<Value> {
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let request = client.get(url);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await?;
        anyhow::ensure!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await?;
        samples.push(started.elapsed());
    }
    Ok(summarize(samples))
}

async fn login_flood(logins: usize, requests: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let base = start_sqlite(dir.path()).await?;
    let client = reqwest::Client::new();
    let login = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let tokens: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&login)
        .send()
        .await?
        .json()
        .await?;
    let token = tokens["access_token"].as_str().context("login failed")?.to_owned();
    let org: Value = client
        .post(format!("{base}/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&json!({"name": "انجمن سنجش", "kind": "association"}))
        .send()
        .await?
        .json()
        .await?;
    let org_url = format!(
        "{base}/api/v1/organizations/{}",
        org["id"].as_str().context("no organization")?
    );
    let health_url = format!("{base}/health/ready");

    let quiet_health = timed(&client, &health_url, None, requests).await?;
    let quiet_get = timed(&client, &org_url, Some(&token), requests).await?;

    let flood_started = Instant::now();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..logins {
        let (client, base, login, stop, done) =
            (client.clone(), base.clone(), login.clone(), stop.clone(), done.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(r) = client
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&login)
                    .send()
                    .await
                {
                    if r.status().is_success() {
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Let the flood fill the hashing queue first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flood_health = timed(&client, &health_url, None, requests).await?;
    let flood_get = timed(&client, &org_url, Some(&token), requests).await?;
    let seconds = flood_started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
    let logins_done = done.load(std::sync::atomic::Ordering::Relaxed);
    let rows = [
        ("GET /health/ready", &quiet_health, &flood_health),
        ("GET /api/v1/organizations/{id}", &quiet_get, &flood_get),
    ];
    println!("| request | alone p50 ms | alone p99 ms | during {logins} logins p50 ms | p99 ms | p99 ratio |");
    println!("|---|---|---|---|---|---|");
    for (name, quiet, busy) in rows {
        let ratio = busy["p99_ms"].as_f64().unwrap_or(0.0) / quiet["p99_ms"].as_f64().unwrap_or(1.0).max(0.001);
        println!(
            "| {name} | {} | {} | {} | {} | {ratio:.2} |",
            quiet["p50_ms"], quiet["p99_ms"], busy["p50_ms"], busy["p99_ms"]
        );
    }
    println!(
        "logins completed: {logins_done} in {seconds:.1} s ({:.0}/s)",
        logins_done as f64 / seconds
    );
    Ok(())
}
