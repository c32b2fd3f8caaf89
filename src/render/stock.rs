//! What a render starts from: the whole output of an unchanged program from the cache, or
//! every segment looked up and this run's share picked.

use std::path::Path;
use std::time::Instant;

use crate::cache::Lookup;
use crate::media::segment::SegmentFiles;
use crate::plan::Plan;

use super::{
    finished, io, shards, Progress, ProgressEvent, RenderError, RenderOptions, RenderSummary,
    SegmentOutcome, SegmentStatus,
};

/// The output of an unchanged program, from the cache: linked (or copied) beside the output
/// and renamed onto it. `None` when the cache does not hold it (or is not to be used for it).
pub(super) fn from_cache(
    plan: &Plan,
    opts: &RenderOptions,
    work: &Path,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Option<RenderSummary>, RenderError> {
    let (true, None, Some(cache)) = (opts.keep_output, opts.shard, &opts.cache) else {
        return Ok(None);
    };
    let Some(stored) = cache.output(&plan.key) else {
        return Ok(None);
    };
    let output = plan.output.path.clone();
    let partial = work.join("output");
    if std::fs::hard_link(&stored.file, &partial).is_err() {
        std::fs::copy(&stored.file, &partial).map_err(io(&output))?;
    }
    std::fs::rename(&partial, &output).map_err(io(&output))?;
    let loudness = serde_json::from_value(stored.details["loudness"].clone()).unwrap_or(None);
    progress.event(&ProgressEvent::Started {
        frames: plan.frames,
        segments: plan.segments.len(),
        workers: 0,
        threads_per_worker: 0,
    });
    for s in &plan.segments {
        progress.event(&ProgressEvent::SegmentCached {
            segment: s.id,
            frames: s.frames,
        });
    }
    let wall = finished(plan, &output, started, progress);
    Ok(Some(RenderSummary {
        output: Some(output),
        frames: plan.frames,
        samples: plan.samples,
        wall_seconds: wall,
        assemble_seconds: 0.0,
        segments: plan
            .segments
            .iter()
            .map(|s| SegmentOutcome {
                id: s.id,
                status: SegmentStatus::Cached,
                seconds: 0.0,
            })
            .collect(),
        warnings: Vec::new(),
        loudness,
        output_cached: true,
        assembly: None,
    }))
}

/// What a render starts from: the segments the cache already holds, those another shard owns,
/// and the ones this run renders.
pub(super) struct Stock {
    pub results: Vec<Option<SegmentFiles>>,
    pub outcomes: Vec<SegmentOutcome>,
    pub warnings: Vec<String>,
    pub todo: Vec<usize>,
}

/// Look every segment up in the cache (damaged entries are warnings and rendered again) and
/// pick this run's share; `--assemble-only` fails listing what is missing.
pub(super) fn take_stock(
    plan: &Plan,
    opts: &RenderOptions,
    pins: Option<&crate::cache::Pins>,
) -> Result<Stock, RenderError> {
    let n = plan.segments.len();
    let mut warnings = Vec::new();
    let mut results: Vec<Option<SegmentFiles>> = vec![None; n];
    let mut outcomes: Vec<SegmentOutcome> = (0..n)
        .map(|id| SegmentOutcome {
            id,
            status: SegmentStatus::Rendered,
            seconds: 0.0,
        })
        .collect();
    let mine: Vec<bool> = match opts.shard {
        Some((k, count)) => shards(plan, count).into_iter().map(|s| s == k).collect(),
        None => vec![true; n],
    };
    if let Some(cache) = &opts.cache {
        for (i, seg) in plan.segments.iter().enumerate() {
            match cache.lookup(&seg.key) {
                Lookup::Hit(e) if e.frames == seg.frames && e.samples == seg.samples => {
                    let e = match pins {
                        Some(p) => p.pin(e),
                        None => e,
                    };
                    results[i] = Some(SegmentFiles {
                        video: e.video,
                        pcm: e.sound,
                        extradata: e.extradata,
                        frames: e.frames,
                    });
                    outcomes[i].status = SegmentStatus::Cached;
                }
                Lookup::Hit(_) | Lookup::Miss => {}
                Lookup::Corrupt(reason) => warnings.push(format!(
                    "cache entry {} (segment {}) was damaged ({reason}); it is rendered again",
                    seg.key, seg.id
                )),
            }
        }
    }
    for (i, m) in mine.iter().enumerate() {
        if !m && results[i].is_none() {
            outcomes[i].status = SegmentStatus::Skipped;
        }
    }
    let todo: Vec<usize> = (0..n)
        .filter(|&i| results[i].is_none() && mine[i])
        .collect();
    if opts.assemble_only && !todo.is_empty() {
        let missing: Vec<String> = todo
            .iter()
            .map(|&i| {
                let s = &plan.segments[i];
                format!("segment {} (event {}, key {})", s.id, s.event, s.key)
            })
            .collect();
        return Err(RenderError::Missing {
            count: missing.len(),
            list: missing.join(", "),
        });
    }
    Ok(Stock {
        results,
        outcomes,
        warnings,
        todo,
    })
}

impl Stock {
    /// The render's summary, from what the stock became.
    pub(super) fn summary(
        self,
        plan: &Plan,
        output: Option<std::path::PathBuf>,
        wall_seconds: f64,
        assemble_seconds: f64,
        loudness: Option<(
            crate::media::assemble::LoudnessApplied,
            crate::media::loudness::LoudnessStats,
        )>,
        assembly: Option<crate::media::assemble::AssemblyStages>,
    ) -> RenderSummary {
        RenderSummary {
            output,
            frames: plan.frames,
            samples: plan.samples,
            wall_seconds,
            assemble_seconds,
            segments: self.outcomes,
            warnings: self.warnings,
            loudness,
            output_cached: false,
            assembly,
        }
    }
}
