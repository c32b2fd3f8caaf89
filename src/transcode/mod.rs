//! Batch transcoding: files and folders of mixed media into uniform proxies or deliveries.
//!
//! Each input becomes a one-event EDL — the whole file, with the profile's output settings — and
//! goes through the same validation, plan, segment renderer and assembler as `render`, so fit,
//! black-and-white treatment, deinterlacing, rotation and sound conform are render's own. The
//! `audio` profile writes WAV through render's sound conform chain.
//!
//! `collect` walks the inputs into jobs, `run` probes them all first (`Batch`) and runs the
//! files side by side, `file` transcodes one, `manifest` keeps what is up to date, `profile`
//! reads the profiles.

mod collect;
mod file;
mod manifest;
pub(crate) mod profile;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

pub use collect::{collect, Collected};
pub use profile::{builtin, find_profile, load_profiles, Profile, ProfileKind, BUILTIN};

use crate::cancel::Cancel;
use crate::facts::MediaFacts;
use crate::render::report::OutputFacts;
use crate::render::Budget;
use crate::time::round_half_up;
use file::FileProgress;
use manifest::{freshness_key, Manifest};

/// One file to transcode.
#[derive(Debug, Clone)]
pub struct Job {
    pub input: PathBuf,
    /// The output, under the output folder, mirroring the input tree.
    pub output: PathBuf,
    /// The output relative to the output folder (the manifest key).
    pub relative: String,
}

/// What happened to one input.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Written.
    Converted {
        output: String,
        facts: Option<Box<OutputFacts>>,
        seconds: f64,
    },
    /// Up to date already (same source identity and profile).
    Skipped { output: String },
    /// Not for this profile, and why (a sound-only file for a picture profile): not a failure.
    PassedOver { reason: String },
    /// Not transcoded, and why.
    Failed { reason: String },
}

/// One line of the batch report.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub input: String,
    /// How the input's colour was judged (`auto`) and what the output got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<crate::render::report::SourceReport>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Progress of a batch.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchEvent {
    Started {
        files: usize,
        frames: i64,
        workers: usize,
    },
    FileStarted {
        file: usize,
        worker: usize,
        input: String,
        frames: i64,
    },
    FileProgress {
        file: usize,
        worker: usize,
        done: i64,
        frames: i64,
    },
    FileFinished {
        file: usize,
        worker: usize,
        input: String,
        outcome: String,
        frames: i64,
    },
}

/// Receives batch progress (from worker threads).
pub trait BatchProgress: Sync {
    fn event(&self, e: &BatchEvent);
}

/// Options of a batch.
pub struct Options<'a> {
    pub out_dir: PathBuf,
    pub profile: &'a Profile,
    /// Workers and threads for the whole batch, shared between files side by side.
    pub budget: Budget,
    pub force: bool,
    /// Measure each written file for the report (streams, frames, checksum).
    pub measure: bool,
    /// Where facts measured before are kept (probe and colour verdict of unchanged inputs).
    pub facts_cache: Option<crate::cache::Cache>,
}

/// Transcode every job, files side by side (the budget shared between files and the segments
/// of large files). Each file has its own child of `cancel`: one failure does not stop the
/// others, and the user's interruption stops all.
pub fn run(
    jobs: &[Job],
    opts: &Options,
    progress: &dyn BatchProgress,
    cancel: &Cancel,
) -> Vec<Entry> {
    let batch = Batch::probe(jobs, opts);
    let workers = opts.budget.workers.min(jobs.len().max(1));
    progress.event(&BatchEvent::Started {
        files: jobs.len(),
        frames: batch.frames.iter().sum(),
        workers,
    });
    let per_file = opts.budget.share(workers);
    let results: Mutex<Vec<Option<Entry>>> = Mutex::new(vec![None; jobs.len()]);
    let order: Vec<usize> = (0..jobs.len()).collect();
    let queued =
        crate::render::queue::run("roughcut-file", workers, &order, cancel, |worker, &i| {
            let Some(entry) = batch.file(i, worker, per_file, progress, cancel) else {
                return;
            };
            if let Ok(mut r) = results.lock() {
                r[i] = Some(entry);
            }
        });
    let mut results = results.into_inner().unwrap_or_default();
    if let Err(e) = queued {
        // No worker could start: every input not done is a failure, with the reason.
        for (slot, job) in results.iter_mut().zip(jobs) {
            if slot.is_none() {
                *slot = Some(Entry {
                    input: job.input.display().to_string(),
                    colour: None,
                    outcome: Outcome::Failed {
                        reason: format!("cannot start a worker: {e}"),
                    },
                });
            }
        }
    }
    results.into_iter().flatten().collect()
}

/// A batch with every input probed first: frame counts for the progress display, and
/// failures early.
struct Batch<'a> {
    jobs: &'a [Job],
    opts: &'a Options<'a>,
    manifest: Manifest,
    /// Each job's facts and identity, or why it could not be probed.
    probed: Vec<Result<(MediaFacts, String), String>>,
    /// Each job's frames (0 when not known).
    frames: Vec<i64>,
}

impl<'a> Batch<'a> {
    fn probe(jobs: &'a [Job], opts: &'a Options<'a>) -> Batch<'a> {
        let probed: Vec<Result<(MediaFacts, String), String>> = {
            use rayon::prelude::*;
            jobs.par_iter()
                .map(|j| {
                    crate::gather::probe(&j.input, opts.budget.threads, opts.facts_cache.as_ref())
                })
                .collect()
        };
        let frames = probed
            .iter()
            .map(|p| p.as_ref().map_or(0, |(f, _)| frames_of(f)))
            .collect();
        Batch {
            jobs,
            opts,
            manifest: Manifest::open(&opts.out_dir),
            probed,
            frames,
        }
    }

    /// Job `i` on `worker`: transcoded, skipped or failed, with its progress events; `None`
    /// when the user interrupted it.
    fn file(
        &self,
        i: usize,
        worker: usize,
        budget: Budget,
        progress: &dyn BatchProgress,
        cancel: &Cancel,
    ) -> Option<Entry> {
        let job = &self.jobs[i];
        let frames = self.frames[i];
        progress.event(&BatchEvent::FileStarted {
            file: i,
            worker,
            input: job.input.display().to_string(),
            frames,
        });
        let outcome = match &self.probed[i] {
            Err(reason) => Outcome::Failed {
                reason: reason.clone(),
            },
            Ok((facts, identity)) => {
                let key = freshness_key(identity, self.opts.profile);
                if !self.opts.force && self.manifest.fresh(&job.relative, &key, &job.output) {
                    Outcome::Skipped {
                        output: job.output.display().to_string(),
                    }
                } else {
                    let fp = FileProgress {
                        file: i,
                        worker,
                        frames,
                        sink: progress,
                        done: Mutex::new((0, BTreeMap::new())),
                    };
                    let o = file::one(
                        job,
                        facts,
                        identity,
                        self.opts,
                        budget,
                        &fp,
                        &cancel.child(),
                    );
                    if matches!(o, Outcome::Converted { .. }) {
                        self.manifest.record(&job.relative, &key);
                    }
                    o
                }
            }
        };
        if matches!(&outcome, Outcome::Failed { reason } if reason == "interrupted") {
            return None;
        }
        progress.event(&BatchEvent::FileFinished {
            file: i,
            worker,
            input: job.input.display().to_string(),
            outcome: match &outcome {
                Outcome::Converted { .. } => "converted".into(),
                Outcome::Skipped { .. } => "skipped".into(),
                Outcome::PassedOver { reason } => format!("passed over: {reason}"),
                Outcome::Failed { reason } => format!("failed: {reason}"),
            },
            frames,
        });
        Some(Entry {
            input: job.input.display().to_string(),
            colour: self.probed[i]
                .as_ref()
                .ok()
                .filter(|(f, _)| f.video().is_some())
                .map(|(f, _)| {
                    crate::render::report::source_report(
                        "src",
                        &job.input,
                        crate::edl::ColourClass::Auto,
                        f,
                    )
                }),
            outcome,
        })
    }
}

/// The frames a probed file will have at its output rate (0 when not known).
fn frames_of(f: &MediaFacts) -> i64 {
    let (Some(d), Some(r)) = (f.usable_duration(), file::source_rate(f)) else {
        return 0;
    };
    round_half_up(d * r.as_ratio())
}
