//! Runs a [`Plan`]: segments on a dedicated pool of workers (longest first), then assembly into
//! a temporary file beside the output, renamed only when complete.

pub mod progress;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

pub use progress::{Progress, ProgressEvent, Silent};

use crate::media::assemble::{assemble, AssembleError, LoudnessApplied, Piece};
use crate::media::loudness::{measure_file, LoudnessStats};
use crate::media::segment::{render_segment, SegmentError, SegmentFiles, SegmentJob};
use crate::plan::{Picture, Plan};

/// How to run a plan.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Parallel segment workers.
    pub jobs: usize,
}

/// What a finished render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    pub output: PathBuf,
    pub frames: i64,
    pub samples: i64,
    pub wall_seconds: f64,
    /// With a loudness target: how the program was measured and corrected, and the written
    /// file's loudness measured again.
    pub loudness: Option<(LoudnessApplied, LoudnessStats)>,
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("interrupted; nothing was written to {}", output.display())]
    Cancelled { output: PathBuf },
    #[error("event {event} ({name}), segment {segment}: {source}")]
    Segment {
        event: usize,
        name: String,
        segment: usize,
        source: Box<SegmentError>,
    },
    #[error("joining the segments into {}: {source}", output.display())]
    Assemble {
        output: PathBuf,
        source: AssembleError,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Workers and threads per worker for `jobs` requested workers on this machine: workers ×
/// threads ≈ cores, one encoder thread per worker when workers ≥ cores.
pub fn budget(jobs: usize, segments: usize) -> (usize, usize) {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let workers = jobs.max(1).min(segments.max(1));
    let threads = (cores / workers).max(1);
    (workers, threads)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RenderError + '_ {
    move |e| RenderError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Render `plan` to its output path. `cancel` stops the work promptly when set (Ctrl-C); it is
/// also set by the render itself when a worker fails, so the others stop.
pub fn render(
    plan: &Plan,
    opts: RenderOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderSummary, RenderError> {
    let started = Instant::now();
    let output = plan.output.path.clone();
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    // Temporary files live beside the output (same file system, so the final rename is atomic)
    // and are removed when `work` is dropped, whatever happens.
    let work = tempfile::Builder::new()
        .prefix(".roughcut-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;

    let (workers, threads) = budget(opts.jobs, plan.segments.len());
    progress.event(&ProgressEvent::Started {
        frames: plan.frames,
        segments: plan.segments.len(),
        workers,
        threads_per_worker: threads,
    });

    // Costliest first (longest-processing-time order), so every worker stays busy to the end.
    let mut order: Vec<usize> = (0..plan.segments.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(plan.segments[i].cost));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<SegmentFiles>>> = Mutex::new(vec![None; plan.segments.len()]);
    let failure: Mutex<Option<RenderError>> = Mutex::new(None);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("roughcut-worker-{i}"))
        .build()
        .map_err(|e| RenderError::Io {
            path: parent.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
    pool.scope(|s| {
        for worker in 0..workers {
            let (order, next, results, failure, work) =
                (&order, &next, &results, &failure, work.path());
            s.spawn(move |_| loop {
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { return };
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
                let job = SegmentJob {
                    segment: seg,
                    output: &plan.output,
                    threads,
                    dir: work,
                    cancel,
                    progress: &report,
                };
                match render_segment(&job) {
                    Ok(files) => {
                        progress.event(&ProgressEvent::SegmentFinished {
                            segment: seg.id,
                            worker,
                            frames: seg.frames,
                            seconds: t0.elapsed().as_secs_f64(),
                        });
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some(files);
                        }
                    }
                    Err(SegmentError::Cancelled) => return,
                    Err(e) => {
                        if let Ok(mut f) = failure.lock() {
                            if f.is_none() {
                                *f = Some(RenderError::Segment {
                                    event: seg.event,
                                    name: describe_event(&name, &seg.picture),
                                    segment: seg.id,
                                    source: Box::new(e),
                                });
                            }
                        }
                        // Stop the other workers.
                        cancel.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });

    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let results = results.into_inner().unwrap_or_default();
    if cancel.load(Ordering::Relaxed) || results.iter().any(Option::is_none) {
        return Err(RenderError::Cancelled { output });
    }
    let files: Vec<SegmentFiles> = results.into_iter().flatten().collect();
    let pieces: Vec<Piece> = plan
        .segments
        .iter()
        .zip(&files)
        .map(|(s, f)| Piece {
            record_start: s.record_start,
            files: f,
        })
        .collect();

    progress.event(&ProgressEvent::Assembling {
        frames: plan.frames,
    });
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mp4".into());
    let partial = work.path().join(format!("output.{ext}"));
    let assembled = assemble(&plan.output, &pieces, &plan.subtitles, &partial, cancel).map_err(
        |e| match e {
            AssembleError::Cancelled => RenderError::Cancelled {
                output: output.clone(),
            },
            source => RenderError::Assemble {
                output: output.clone(),
                source,
            },
        },
    )?;
    if cancel.load(Ordering::Relaxed) {
        return Err(RenderError::Cancelled { output });
    }
    // Check the written file against the loudness target (before it replaces anything).
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
    std::fs::rename(&partial, &output).map_err(io(&output))?;
    let wall = started.elapsed().as_secs_f64();
    let program = plan.frames as f64 * plan.output.fps.den() as f64 / plan.output.fps.num() as f64;
    progress.event(&ProgressEvent::Finished {
        output: output.display().to_string(),
        frames: plan.frames,
        program_seconds: program,
        wall_seconds: wall,
        speed: if wall > 0.0 { program / wall } else { 0.0 },
    });
    Ok(RenderSummary {
        output,
        frames: plan.frames,
        samples: plan.samples,
        wall_seconds: wall,
        loudness,
    })
}

fn describe_event(name: &str, picture: &Picture) -> String {
    match picture {
        Picture::Source(p) => format!("\"{name}\", source `{}`", p.source),
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
