//! Runs a [`Plan`]: segments on a dedicated pool of workers (longest first), then assembly into
//! a temporary file beside the output, renamed only when complete.

mod cache_choice;
mod output;
pub(crate) mod pieces;
pub(crate) mod progress;
pub(crate) mod queue;
pub mod report;
mod stock;
mod workdir;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

pub use cache_choice::{open_cache, CacheChoice, CacheProblem, NO_CACHE_DIR};
pub use output::write_subtitles;
pub use progress::{Progress, ProgressEvent, Silent};
pub use queue::Budget;

use crate::cache::Cache;
use crate::cancel::Cancel;
use crate::media::assemble::{AssembleError, AssemblyStages, LoudnessApplied};
use crate::media::loudness::LoudnessStats;
use crate::media::segment::{SegmentError, SegmentFiles};
use crate::media::MediaError;
use crate::plan::Plan;
use schemars::JsonSchema;
use serde::Serialize;
use stock::Stock;
use worker::Worker;

/// How to run a plan.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Segment workers and the threads they share.
    pub budget: Budget,
    /// The segment cache to reuse and fill (`None`: `--no-cache`).
    pub cache: Option<Cache>,
    /// Render only the segments of shard `k` of `n` (0-based `k`) into the cache, and stop.
    pub shard: Option<(usize, usize)>,
    /// Render nothing: join the cached segments, failing if any is missing.
    pub assemble_only: bool,
    /// Keep the finished output in the cache under the program's key, and take it from there
    /// when the same program is rendered again (a no-op re-render only verifies and copies).
    pub keep_output: bool,
}

/// What happened to one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    /// Found in the cache and verified.
    Cached,
    /// Rendered by this run.
    Rendered,
    /// Left to another shard.
    Skipped,
}

/// One segment's outcome, for reports.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SegmentOutcome {
    pub id: usize,
    pub status: SegmentStatus,
    /// Wall-clock seconds spent rendering it (0 when cached or skipped).
    pub seconds: f64,
}

/// What a finished render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    /// The file written (`None` for a shard, which only fills the cache).
    pub output: Option<PathBuf>,
    pub frames: i64,
    pub samples: i64,
    pub wall_seconds: f64,
    /// Seconds spent assembling (and measuring) the output.
    pub assemble_seconds: f64,
    pub segments: Vec<SegmentOutcome>,
    /// Problems that did not stop the render (damaged cache entries …).
    pub warnings: Vec<String>,
    /// With a loudness target: how the program was measured and corrected, and the written
    /// file's loudness measured again.
    pub loudness: Option<(LoudnessApplied, LoudnessStats)>,
    /// The program was unchanged: its output came whole from the cache (nothing assembled).
    pub output_cached: bool,
    /// Where assembly's time went (`None` when nothing was assembled).
    pub assembly: Option<AssemblyStages>,
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("interrupted; nothing was written to {}", output.display())]
    Cancelled { output: PathBuf },
    #[error("event {event} ({name}) at record {record}, segment {segment}: {source}")]
    Segment {
        event: usize,
        name: String,
        /// Record timecode of the segment's first frame.
        record: String,
        segment: usize,
        source: Box<SegmentError>,
    },
    #[error("joining the segments into {}: {source}", output.display())]
    Assemble {
        output: PathBuf,
        source: AssembleError,
    },
    #[error("measuring the loudness of the written {}: {source}", output.display())]
    MeasureLoudness { output: PathBuf, source: MediaError },
    #[error("{count} segment(s) are not in the cache, so nothing can be assembled: {list}; render them first (e.g. with --shard) into the same --cache-dir")]
    Missing { count: usize, list: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the source {} changed while rendering (its size or modification time is not what it was when the render began); nothing was written to {} and the segments this render made from it were dropped from the cache; render again", path.display(), output.display())]
    SourceChanged { path: PathBuf, output: PathBuf },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RenderError + '_ {
    move |e| RenderError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Render `plan` to its output path (or, for a shard, its segments into the cache). The work
/// stops promptly when `cancel` is tripped (Ctrl-C); a failing worker trips only the render's
/// own child token, so the other workers stop and the caller's token is left as it was.
pub fn render(
    plan: &Plan,
    opts: RenderOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<RenderSummary, RenderError> {
    let cancel = &cancel.child();
    let started = Instant::now();
    let (parent, work) = workdir::make(plan, &opts)?;
    if let Some(done) = stock::from_cache(plan, &opts, work.path(), progress, started)? {
        return Ok(done);
    }
    // The cache entries this render uses, held until it is done; the sources as they are now.
    let pins = opts.cache.as_ref().map(Cache::pins);
    let before = workdir::stamps(plan);
    let mut stock = stock::take_stock(plan, &opts, pins.as_ref())?;
    run_segments(
        plan,
        &opts,
        &mut stock,
        pins.as_ref(),
        (&parent, work.path()),
        progress,
        cancel,
    )?;
    if opts.shard.is_some() {
        let wall = started.elapsed().as_secs_f64();
        return Ok(stock.summary(plan, None, wall, 0.0, None, None));
    }
    let assembling = Instant::now();
    let files: Vec<SegmentFiles> = std::mem::take(&mut stock.results)
        .into_iter()
        .flatten()
        .collect();
    // The sound's chunks are encoded side by side on every worker of the budget.
    let assembled = output::assemble_output(
        plan,
        &files,
        work.path(),
        opts.budget.workers,
        opts.cache.as_ref(),
        progress,
        cancel,
        &before,
    );
    if let (Err(RenderError::SourceChanged { .. }), Some(cache)) = (&assembled, &opts.cache) {
        // What this render made may hold pictures of either version: not to be reused.
        for (o, seg) in stock.outcomes.iter().zip(&plan.segments) {
            if o.status == SegmentStatus::Rendered {
                cache.remove(&seg.key);
            }
        }
    }
    let (loudness, stages) = assembled?;
    let assemble_seconds = assembling.elapsed().as_secs_f64();
    let output = plan.output.path.clone();
    if let (true, Some(cache)) = (opts.keep_output, &opts.cache) {
        let details = serde_json::json!({ "loudness": loudness });
        if let Err(e) = cache.store_output(&plan.key, &output, details) {
            stock
                .warnings
                .push(format!("the output could not be kept in the cache ({e}); it is complete, but the next render of this unchanged cut will join the segments again — check that the cache folder is writable and has space"));
        }
    }
    let wall = finished(plan, &output, started, progress);
    Ok(stock.summary(
        plan,
        Some(output),
        wall,
        assemble_seconds,
        loudness,
        Some(stages),
    ))
}

/// Render the segments the stock leaves to do on a pool sized by the budget, costliest first
/// (longest-processing-time order, so every worker stays busy to the end); the first failure
/// stops the others. `folders` is the output's folder and the render's temporary folder.
fn run_segments(
    plan: &Plan,
    opts: &RenderOptions,
    stock: &mut Stock,
    pins: Option<&crate::cache::Pins>,
    (parent, work): (&Path, &Path),
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(), RenderError> {
    let (workers, threads) = opts.budget.for_tasks(stock.todo.len());
    progress.event(&ProgressEvent::Started {
        frames: plan.frames,
        segments: plan.segments.len(),
        workers,
        threads_per_worker: threads,
    });
    for (i, o) in stock.outcomes.iter().enumerate() {
        if o.status == SegmentStatus::Cached {
            progress.event(&ProgressEvent::SegmentCached {
                segment: i,
                frames: plan.segments[i].frames,
            });
        }
    }
    let mut order = stock.todo.clone();
    order.sort_by_key(|&i| std::cmp::Reverse(plan.segments[i].cost));
    let rendered: Mutex<Vec<(usize, SegmentFiles, f64)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<RenderError>> = Mutex::new(None);
    let worker = Worker {
        plan,
        cache: opts.cache.as_ref(),
        pins,
        work,
        threads,
        progress,
        cancel,
    };
    queue::run("roughcut-worker", workers, &order, cancel, |w, &i| {
        match worker.segment(w, i) {
            Ok((files, seconds)) => {
                if let Ok(mut r) = rendered.lock() {
                    r.push((i, files, seconds));
                }
            }
            Err(RenderError::Cancelled { .. }) => {}
            Err(e) => {
                if let Ok(mut f) = failure.lock() {
                    if f.is_none() {
                        *f = Some(e);
                    }
                }
                // Stop the other workers (the render's own token: the caller's is untouched).
                cancel.fail();
            }
        }
    })
    .map_err(io(parent))?;
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    for (i, files, seconds) in rendered.into_inner().unwrap_or_default() {
        stock.results[i] = Some(files);
        stock.outcomes[i].seconds = seconds;
    }
    if cancel.is_cancelled() || stock.todo.iter().any(|&i| stock.results[i].is_none()) {
        return Err(RenderError::Cancelled {
            output: plan.output.path.clone(),
        });
    }
    Ok(())
}

/// Say the render finished; its wall-clock seconds.
fn finished(plan: &Plan, output: &Path, started: Instant, progress: &dyn Progress) -> f64 {
    let wall = started.elapsed().as_secs_f64();
    let program = plan.frames as f64 * plan.output.fps.den() as f64 / plan.output.fps.num() as f64;
    progress.event(&ProgressEvent::Finished {
        output: output.display().to_string(),
        frames: plan.frames,
        program_seconds: program,
        wall_seconds: wall,
        speed: if wall > 0.0 { program / wall } else { 0.0 },
    });
    wall
}

/// The shard (0-based) of each segment when the plan is split `count` ways: a stable
/// assignment balanced by frame count — longest segments first, each to the shard with the
/// fewest frames so far (ties to the lowest shard). It depends only on the plan.
pub(crate) fn shards(plan: &Plan, count: usize) -> Vec<usize> {
    let count = count.max(1);
    let mut order: Vec<usize> = (0..plan.segments.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(plan.segments[i].frames), i));
    let mut load = vec![0i64; count];
    let mut shard = vec![0; plan.segments.len()];
    for i in order {
        let k = (0..count).min_by_key(|&k| (load[k], k)).unwrap_or(0);
        load[k] += plan.segments[i].frames;
        shard[i] = k;
    }
    shard
}

/// A warning when the written sound misses the plan's loudness target (more than 1 LU off, or
/// peaks over the ceiling), saying what to change.
pub fn loudness_warning(plan: &Plan, summary: &RenderSummary) -> Option<String> {
    let target = plan.output.audio.loudness?;
    let (_, written) = summary.loudness.as_ref()?;
    ((written.integrated - target.target).abs() > 1.0 || written.true_peak > target.true_peak).then(|| {
        "the written sound misses the loudness target (more than 1 LU off, or peaks over the ceiling): the peaks leave too little room — lower `loudness.target` or raise `loudness.true_peak`".to_string()
    })
}
