//! The request lines wrk's scripts pick from: paths with their queries, one per line,
//! written once per data set.

use std::path::PathBuf;

use anyhow::Context;

use crate::seed;
use crate::wrk::{self, Requests};

pub(crate) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The first `PAGES` pages of every member by full name (Persian alphabetical order), by
/// following each page's cursor: the runs then ask for any of them.
pub(crate) fn sorted_pages(
    client: &reqwest::blocking::Client,
    base: &str,
    token: &str,
    dir: &std::path::Path,
    loaded: &seed::Loaded,
) -> anyhow::Result<PathBuf> {
    const PAGES: usize = 20;
    let first = "/api/v1/members?sort=full_name&limit=50".to_owned();
    let mut paths = vec![first.clone()];
    while paths.len() < PAGES {
        let last = paths.last().context("no page")?;
        let page: serde_json::Value = client
            .get(format!("{base}{last}"))
            .bearer_auth(token)
            .send()?
            .error_for_status()?
            .json()?;
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        paths.push(format!("{first}&cursor={}", percent_encode(cursor)));
    }
    let name = format!("sorted-{}.txt", loaded.members.len());
    wrk::lines_file(dir, &name, paths)
}

/// The request lines the scripts pick from, written once per run.
pub(crate) struct RequestFiles {
    pub(crate) health: PathBuf,
    pub(crate) organizations: PathBuf,
    pub(crate) members: PathBuf,
    pub(crate) member_ids: PathBuf,
    pub(crate) lists: PathBuf,
    pub(crate) searches: PathBuf,
    /// Searches for a first name alone: a full page at every scale.
    pub(crate) first_names: PathBuf,
    pub(crate) shared: PathBuf,
    /// The change feed's first page of 100 and the audit log's of 50: the events PATCH runs
    /// wrote.
    pub(crate) feed: PathBuf,
    pub(crate) audit: PathBuf,
    /// Pages of members by full name; written once a server can give their cursors.
    pub(crate) sorted: Option<PathBuf>,
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
            first_names: wrk::lines_file(dir, "first-names.txt", {
                let mut firsts: Vec<String> = loaded
                    .names
                    .iter()
                    .filter_map(|name| name.split(' ').next())
                    .map(|first| format!("/api/v1/members?q={}&limit=50", percent_encode(first)))
                    .collect();
                firsts.sort();
                firsts.dedup();
                firsts
            })?,
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
            feed: wrk::lines_file(dir, "feed.txt", ["/api/v1/events?limit=100".to_owned()])?,
            audit: wrk::lines_file(dir, "audit.txt", ["/api/v1/audit-events?limit=50".to_owned()])?,
            sorted: None,
        })
    }

    pub(crate) fn get(&self, paths: &std::path::Path) -> Requests {
        Requests::Get {
            paths: paths.to_path_buf(),
        }
    }

    /// Updates of members' expertise, each with `If-Match`; run `part` of `parts` updates
    /// its own members (see [`Requests::PatchMembers`]).
    pub(crate) fn patch_members(&self, part: usize, parts: usize) -> Requests {
        Requests::PatchMembers {
            ids: self.member_ids.clone(),
            body: r#"{"expertise":"واسنجی و آزمون"}"#.into(),
            part,
            parts,
        }
    }
}

/// The mean number of items in the first pages answered for up to `SAMPLE` lines of
/// `paths`: how much a page of the scenario carries at this scale.
pub(crate) fn items_per_page(
    client: &reqwest::blocking::Client,
    base: &str,
    token: &str,
    paths: &std::path::Path,
) -> anyhow::Result<f64> {
    const SAMPLE: usize = 40;
    let text = std::fs::read_to_string(paths)?;
    let lines: Vec<&str> = text.lines().take(SAMPLE).collect();
    let mut total = 0usize;
    for path in &lines {
        let page: serde_json::Value = client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()?
            .error_for_status()?
            .json()?;
        total += page["items"].as_array().map_or(0, Vec::len);
    }
    Ok(total as f64 / lines.len().max(1) as f64)
}
