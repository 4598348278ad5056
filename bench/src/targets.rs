//! The targets (#18), each computed from one run's figures.

use anyhow::Context;

use crate::directus::Comparison;
use crate::report::{Row, Target};
use crate::run::ColdStart;
use crate::scaling::ScaleRatio;
use crate::wrk::Outcome;

/// The targets, each from the figures of this run.
#[allow(clippy::too_many_arguments)]
pub(crate) fn targets(
    rows: &[Row],
    scaling: &[ScaleRatio],
    label: &str,
    connections: u32,
    get_org: &Outcome,
    during: &Outcome,
    peak_rss_mib: f64,
    cold: &ColdStart,
    directus: &[Comparison],
) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    let find = |key: &str| rows.iter().find(|r| r.key == key).context("missing row");
    for key in ["get_organization", "get_member"] {
        let row = find(key)?;
        let pairs = row.paired.clone().context("not paired")?;
        match pairs.of_pgbench_prepared {
            Some(ratio) => targets.push(Target::at_least(
                format!("{key}: req/s ÷ pgbench -S -M prepared tps (paired runs)"),
                ratio,
                0.75,
            )),
            None => targets.push(Target::at_least(
                format!("{key}: req/s ÷ no-database handler req/s (paired runs)"),
                pairs.of_no_database,
                0.25,
            )),
        }
        if let Some(cpu) = row.cpu_us_per_request {
            targets.push(Target::at_most(format!("{key}: server CPU µs per request"), cpu, 25.0));
        }
        targets.push(Target::at_most(
            format!("{key}: p99 ms at {connections} connections"),
            row.outcome.p99_ms,
            10.0,
        ));
    }
    // The scaling targets; the first-name search is there to show what a page of
    // search costs when it is full at both scales, not a target of its own.
    for ratio in scaling.iter().filter(|r| r.key != "search_members_by_first_name") {
        targets.push(Target::at_most(
            format!(
                "{}: time per request at {} ÷ at {} (by turns)",
                ratio.key, ratio.large_scale, ratio.small_scale
            ),
            ratio.time_ratio,
            1.5,
        ));
    }
    for key in ["list_members_of_organization", "shared_members"] {
        targets.push(Target::at_least(
            format!("{key}: req/s at {label}"),
            find(key)?.outcome.per_second,
            2000.0,
        ));
    }
    targets.push(Target::at_most(
        "GET p99 during login flood ÷ p99 alone".into(),
        during.p99_ms / get_org.p99_ms.max(0.001),
        2.0,
    ));
    targets.push(Target::at_most("peak RSS MiB".into(), peak_rss_mib, 48.0));
    if let Some(list) = directus.iter().find(|c| c.key == "list_page") {
        targets.push(Target::at_least(
            "list page of 50: req/s ÷ Directus's on the same database (by turns)".into(),
            list.ratio,
            50.0,
        ));
    }
    targets.push(Target::at_most(
        "cold start on SQLite, median ms".into(),
        cold.sqlite_median_ms,
        1000.0,
    ));
    Ok(targets)
}
