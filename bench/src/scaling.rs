//! How a scenario's cost grows with the data: the same requests against two servers, one on
//! each scale's database, run by turns (small, large, small, large, …) so a busy minute on
//! the shared machine weighs on both sides of each pair. The ratio is the median of the
//! pairs' ratios of time per request.

use serde::Serialize;

use crate::server::Server;
use crate::wrk::Outcome;

#[derive(Debug, Clone, Serialize)]
pub struct ScaleRatio {
    pub key: &'static str,
    pub name: String,
    pub small_scale: String,
    pub large_scale: String,
    pub small: Outcome,
    pub large: Outcome,
    /// Time per request at the large scale ÷ at the small one, median of the pairs.
    pub time_ratio: f64,
    /// The same for the server's CPU per request.
    pub cpu_ratio: Option<f64>,
    /// Mean items in a page at each scale (searches find more people in more data).
    pub items_per_page: Option<(f64, f64)>,
}

/// One run: what wrk saw and the server's CPU µs per request over it.
pub type Measured = (Outcome, Option<f64>);

/// Runs `run(small)` and `run(large)` by turns, `rounds` times.
pub fn pair<'a>(
    key: &'static str,
    name: &str,
    scales: (&str, &str),
    servers: (&'a Server, &'a Server),
    rounds: usize,
    mut run: impl FnMut(&'a Server, bool) -> anyhow::Result<Measured>,
) -> anyhow::Result<(ScaleRatio, Vec<Measured>)> {
    let (mut small, mut large, mut ratios, mut cpu_ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let s = run(servers.0, false)?;
        let l = run(servers.1, true)?;
        ratios.push(s.0.per_second / l.0.per_second.max(0.001));
        if let (Some(sc), Some(lc)) = (s.1, l.1) {
            cpu_ratios.push(lc / sc.max(0.001));
        }
        small.push(s);
        large.push(l);
    }
    let outcomes = |runs: &[Measured]| runs.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>();
    Ok((
        ScaleRatio {
            key,
            name: name.to_owned(),
            small_scale: scales.0.to_owned(),
            large_scale: scales.1.to_owned(),
            small: crate::wrk::median(&outcomes(&small)),
            large: crate::wrk::median(&outcomes(&large)),
            time_ratio: crate::run::median(ratios),
            cpu_ratio: (!cpu_ratios.is_empty()).then(|| crate::run::median(cpu_ratios)),
            items_per_page: None,
        },
        large,
    ))
}
