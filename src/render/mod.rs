//! Runs a [`Plan`]: segments on a dedicated pool of workers (longest first), then assembly into
//! a temporary file beside the output, renamed only when complete.

pub mod pieces;
pub mod progress;
pub mod queue;
pub mod report;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

pub use progress::{Progress, ProgressEvent, Silent};
pub use queue::Budget;

use crate::cache::{Cache, Lookup};
use crate::cancel::Cancel;
use crate::media::assemble::{assemble, AssembleError, AssemblyStages, LoudnessApplied, Piece};
use crate::media::loudness::{measure_file, LoudnessStats};
use crate::media::segment::{render_segment, SegmentError, SegmentFiles, SegmentJob};
use crate::plan::{Picture, Plan};
use schemars::JsonSchema;
use serde::Serialize;

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

/// Size and modification time of every file a plan reads, when the render begins.
type Stamps = Vec<(PathBuf, Option<(u64, std::time::SystemTime)>)>;

fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn stamps(plan: &Plan) -> Stamps {
    plan.source_files()
        .into_iter()
        .map(|p| {
            let s = stamp(&p);
            (p, s)
        })
        .collect()
}

/// The first file whose size or time moved since `before`.
fn changed(before: &Stamps) -> Option<PathBuf> {
    before
        .iter()
        .find(|(p, s)| stamp(p) != *s)
        .map(|(p, _)| p.clone())
}

/// A short tag of this machine's name: a temporary folder names the machine and the process
/// of its render, so a folder shared by several machines (a network share) is only ever swept
/// by the machine whose process made it.
fn host_tag() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    blake3::hash(name.trim().as_bytes()).to_hex()[..8].to_string()
}

/// Remove the temporary folders that renders killed outright (`kill -9`, a power cut) left in
/// `dir`: each is named `.roughcut-PID-HOST-…` after its render's process and machine, and one
/// of this machine whose process is gone (no `/proc/PID`) is nobody's. Where `/proc` is not
/// there, nothing is touched.
fn sweep_dead(dir: &Path, host: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".roughcut-") else {
            continue;
        };
        let mut parts = rest.split('-');
        let (Some(pid), Some(tag)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if tag == host && !alive && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
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
    let output = plan.output.path.clone();
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let shard_only = opts.shard.is_some();
    if !shard_only {
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    }
    // Temporary files live beside the output (same file system, so the final rename is atomic)
    // and are removed when `work` is dropped, whatever happens. A shard writes only the cache.
    let work_base = if shard_only {
        opts.cache
            .as_ref()
            .map_or(parent.clone(), |c| c.root().join("tmp"))
    } else {
        parent.clone()
    };
    let host = host_tag();
    sweep_dead(&work_base, &host);
    let work = tempfile::Builder::new()
        .prefix(&format!(".roughcut-{}-{host}-", std::process::id()))
        .tempdir_in(&work_base)
        .map_err(io(&work_base))?;

    if let Some(done) = from_cache(plan, &opts, work.path(), progress, started)? {
        return Ok(done);
    }
    // The cache entries this render uses, held until it is done; the sources as they are now.
    let pins = opts.cache.as_ref().map(Cache::pins);
    let before = stamps(plan);
    let mut stock = take_stock(plan, &opts, pins.as_ref())?;
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

    // Costliest first (longest-processing-time order), so every worker stays busy to the end.
    let mut order = stock.todo.clone();
    order.sort_by_key(|&i| std::cmp::Reverse(plan.segments[i].cost));
    let rendered: Mutex<Vec<(usize, SegmentFiles, f64)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<RenderError>> = Mutex::new(None);
    let worker = Worker {
        plan,
        cache: opts.cache.as_ref(),
        pins: pins.as_ref(),
        work: work.path(),
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
    .map_err(io(&parent))?;

    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    for (i, files, seconds) in rendered.into_inner().unwrap_or_default() {
        stock.results[i] = Some(files);
        stock.outcomes[i].seconds = seconds;
    }
    if cancel.is_cancelled() || stock.todo.iter().any(|&i| stock.results[i].is_none()) {
        return Err(RenderError::Cancelled { output });
    }
    if shard_only {
        return Ok(RenderSummary {
            output: None,
            frames: plan.frames,
            samples: plan.samples,
            wall_seconds: started.elapsed().as_secs_f64(),
            assemble_seconds: 0.0,
            segments: stock.outcomes,
            warnings: stock.warnings,
            loudness: None,
            output_cached: false,
            assembly: None,
        });
    }
    let assembling = Instant::now();
    let files: Vec<SegmentFiles> = stock.results.into_iter().flatten().collect();
    // The sound's chunks are encoded side by side on every worker of the budget.
    let assembled = assemble_output(
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
    if let (true, Some(cache)) = (opts.keep_output, &opts.cache) {
        let details = serde_json::json!({ "loudness": loudness });
        if let Err(e) = cache.store_output(&plan.key, &output, details) {
            stock
                .warnings
                .push(format!("the output could not be kept in the cache ({e}); it is complete, but the next render of this unchanged cut will join the segments again — check that the cache folder is writable and has space"));
        }
    }
    let wall = finished(plan, &output, started, progress);
    Ok(RenderSummary {
        output: Some(output),
        frames: plan.frames,
        samples: plan.samples,
        wall_seconds: wall,
        assemble_seconds,
        segments: stock.outcomes,
        warnings: stock.warnings,
        loudness,
        output_cached: false,
        assembly: Some(stages),
    })
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

/// The output of an unchanged program, from the cache: linked (or copied) beside the output
/// and renamed onto it. `None` when the cache does not hold it (or is not to be used for it).
fn from_cache(
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
struct Stock {
    results: Vec<Option<SegmentFiles>>,
    outcomes: Vec<SegmentOutcome>,
    warnings: Vec<String>,
    todo: Vec<usize>,
}

/// Look every segment up in the cache (damaged entries are warnings and rendered again) and
/// pick this run's share; `--assemble-only` fails listing what is missing.
fn take_stock(
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

/// What every segment worker shares.
struct Worker<'a> {
    plan: &'a Plan,
    cache: Option<&'a Cache>,
    /// Where the entries it commits are pinned until assembly.
    pins: Option<&'a crate::cache::Pins>,
    /// The render's temporary folder (segments go there when there is no cache).
    work: &'a Path,
    threads: usize,
    progress: &'a dyn Progress,
    cancel: &'a Cancel,
}

impl Worker<'_> {
    /// Render segment `i` on worker `worker` (into the cache when there is one): its files and
    /// the seconds it took.
    fn segment(&self, worker: usize, i: usize) -> Result<(SegmentFiles, f64), RenderError> {
        let (plan, cache, progress) = (self.plan, self.cache, self.progress);
        let seg = &plan.segments[i];
        let name = plan
            .events
            .iter()
            .find(|e| e.index == seg.event)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        progress.event(&ProgressEvent::SegmentStarted {
            segment: seg.id,
            worker,
            event: seg.event,
            name: name.clone(),
            frames: seg.frames,
        });
        let t0 = Instant::now();
        let report = |done: i64| {
            progress.event(&ProgressEvent::SegmentProgress {
                segment: seg.id,
                worker,
                done,
                frames: seg.frames,
            })
        };
        // Into the cache's staging area when there is a cache, else the work folder.
        let dir = match cache.map(Cache::staging) {
            None => self.work.to_path_buf(),
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                return Err(RenderError::Io {
                    path: cache.map_or(PathBuf::new(), |c| c.root().to_path_buf()),
                    source: e,
                })
            }
        };
        let job = SegmentJob {
            segment: seg,
            output: &plan.output,
            threads: self.threads,
            dir: &dir,
            cancel: self.cancel,
            progress: &report,
        };
        let files = match (render_segment(&job), cache) {
            (Ok(files), Some(c)) => c
                .commit(
                    &seg.key,
                    &dir,
                    &files.video,
                    &files.pcm,
                    &files.extradata,
                    files.frames,
                    seg.samples,
                )
                .map(|e| match self.pins {
                    Some(p) => p.pin(e),
                    None => e,
                })
                .map(|e| SegmentFiles {
                    video: e.video,
                    pcm: e.sound,
                    extradata: e.extradata,
                    frames: e.frames,
                })
                .map_err(|e| RenderError::Io {
                    path: c.root().to_path_buf(),
                    source: e,
                })?,
            (Ok(files), None) => files,
            (Err(e), _) => {
                if cache.is_some() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                return Err(match e {
                    SegmentError::Cancelled => RenderError::Cancelled {
                        output: plan.output.path.clone(),
                    },
                    e => RenderError::Segment {
                        event: seg.event,
                        name: describe_event(&name, &seg.picture),
                        record: crate::time::frames_to_timecode(
                            seg.record_start,
                            plan.output.fps,
                            false,
                        ),
                        segment: seg.id,
                        source: Box::new(e),
                    },
                });
            }
        };
        let seconds = t0.elapsed().as_secs_f64();
        progress.event(&ProgressEvent::SegmentFinished {
            segment: seg.id,
            worker,
            frames: seg.frames,
            seconds,
        });
        Ok((files, seconds))
    }
}

/// Join the segments into the output under a temporary name in `work`, measure the written
/// sound when there is a loudness target, and rename it onto the output path — unless a file in
/// `sources` changed since the render began.
#[allow(clippy::too_many_arguments)]
fn assemble_output(
    plan: &Plan,
    files: &[SegmentFiles],
    work: &Path,
    workers: usize,
    chunk_cache: Option<&Cache>,
    progress: &dyn Progress,
    cancel: &Cancel,
    sources: &Stamps,
) -> Result<(Option<(LoudnessApplied, LoudnessStats)>, AssemblyStages), RenderError> {
    let output = plan.output.path.clone();
    let pieces: Vec<Piece> = plan
        .segments
        .iter()
        .zip(files)
        .map(|(s, f)| Piece {
            record_start: s.record_start,
            files: f,
            beds: &s.beds,
        })
        .collect();
    progress.event(&ProgressEvent::Assembling {
        frames: plan.frames,
    });
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mp4".into());
    let partial = work.join(format!("output.{ext}"));
    let assembled = assemble(
        &plan.output,
        &pieces,
        &plan.subtitles,
        &partial,
        workers,
        chunk_cache,
        cancel,
    )
    .map_err(|e| match e {
        AssembleError::Cancelled => RenderError::Cancelled {
            output: output.clone(),
        },
        source => RenderError::Assemble {
            output: output.clone(),
            source,
        },
    })?;
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled { output });
    }
    // Check the written file against the loudness target (before it replaces anything).
    let mut stages = assembled.stages;
    let clock = Instant::now();
    let loudness = match assembled.loudness {
        Some(applied) => {
            let written = measure_file(&partial, 0).map_err(|e| RenderError::Assemble {
                output: output.clone(),
                source: AssembleError::Failed {
                    stage: "measure the written loudness",
                    message: e.to_string(),
                },
            })?;
            Some((applied, written))
        }
        None => None,
    };
    stages.verify_loudness = clock.elapsed().as_secs_f64();
    // Never a mixed output: every source is still the file the render began with.
    if let Some(path) = changed(sources) {
        return Err(RenderError::SourceChanged { path, output });
    }
    std::fs::rename(&partial, &output).map_err(io(&output))?;
    Ok((loudness, stages))
}

/// The shard (0-based) of each segment when the plan is split `count` ways: a stable
/// assignment balanced by frame count — longest segments first, each to the shard with the
/// fewest frames so far (ties to the lowest shard). It depends only on the plan.
pub fn shards(plan: &Plan, count: usize) -> Vec<usize> {
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

fn describe_event(name: &str, picture: &Picture) -> String {
    match picture {
        Picture::Source(p) => format!("\"{name}\", source `{}`", p.source),
        Picture::Still(s) => format!("\"{name}\", still `{}`", s.source),
        Picture::Insert(i) => format!(
            "\"{name}\" under the cutaway \"{}\", source `{}`",
            i.name, i.picture.source
        ),
        Picture::Dissolve(d) => describe_event(name, &d.to),
        Picture::Black | Picture::Title(_) => format!("\"{name}\""),
    }
}

/// Write each subtitle track, retimed, as UTF-8 SubRip into `dir` (created if missing):
/// `<output stem>.<language>.srt` (the entry's number instead when it has no language or shares
/// it). Each file is written under a temporary name and renamed. Returns the paths written.
pub fn write_subtitles(
    dir: &Path,
    output: &Path,
    tracks: &[crate::plan::subtitles::Track],
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "subtitles".into());
    let mut written = Vec::new();
    for t in tracks {
        let shared = tracks.iter().filter(|o| o.language == t.language).count() > 1;
        let tag = match &t.language {
            Some(l) if !shared => l.clone(),
            Some(l) => format!("{l}{}", t.index),
            None => format!("{}", t.index),
        };
        let path = dir.join(format!("{stem}.{tag}.srt"));
        let millis: Vec<(i64, i64, &str)> = t
            .cues
            .iter()
            .map(|c| {
                let (a, b) = c.millis();
                (a, b, c.text.as_str())
            })
            .collect();
        let tmp = dir.join(format!(".{stem}.{tag}.srt.partial"));
        std::fs::write(&tmp, crate::subs::srt_document(&millis))?;
        std::fs::rename(&tmp, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// Said when no cache folder can be found.
pub const NO_CACHE_DIR: &str =
    "no cache folder: set ROUGHCUT_CACHE_DIR or HOME, or give --cache-dir";

/// Where a render's segment cache comes from.
#[derive(Debug, Clone)]
pub enum CacheChoice {
    /// `--no-cache`.
    Off,
    /// The default location (`None`: there is none, e.g. no HOME).
    Default(Option<PathBuf>),
    /// `--cache-dir`.
    Explicit(PathBuf),
}

/// Why a render cannot have the cache it needs.
#[derive(Debug, thiserror::Error)]
pub enum CacheProblem {
    /// No folder to use, and the render needs one (shards, `--assemble-only`).
    #[error("{NO_CACHE_DIR}")]
    NoFolder,
    /// The folder cannot be used.
    #[error("cannot use the cache {}: {reason} (give another --cache-dir)", root.display())]
    Unusable { root: PathBuf, reason: String },
}

/// Open the cache for a render. The default location is a convenience: when it is missing or
/// unusable the render goes on without a cache and says so (the warning); an explicit
/// `--cache-dir`, or a render that needs a cache (`required`: shards and `--assemble-only`),
/// fails instead.
pub fn open_cache(
    choice: CacheChoice,
    required: bool,
) -> Result<(Option<Cache>, Option<String>), CacheProblem> {
    let (root, explicit) = match choice {
        CacheChoice::Off => return Ok((None, None)),
        CacheChoice::Default(None) if !required => {
            return Ok((
                None,
                Some(format!("{NO_CACHE_DIR}; rendering without a cache")),
            ))
        }
        CacheChoice::Default(None) => return Err(CacheProblem::NoFolder),
        CacheChoice::Default(Some(root)) => (root, false),
        CacheChoice::Explicit(root) => (root, true),
    };
    match Cache::open(&root) {
        Ok(c) => Ok((Some(c), None)),
        Err(e) if !explicit && !required => Ok((
            None,
            Some(format!(
                "cannot use the cache {}: {e}; rendering without one (give --cache-dir)",
                root.display()
            )),
        )),
        Err(e) => Err(CacheProblem::Unusable {
            root,
            reason: e.to_string(),
        }),
    }
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
