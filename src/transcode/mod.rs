//! Batch transcoding: files and folders of mixed media into uniform proxies or deliveries.
//!
//! Each input becomes a one-event EDL — the whole file, with the profile's output settings — and
//! goes through the same validation, plan, segment renderer and assembler as `render`, so fit,
//! black-and-white treatment, deinterlacing, rotation and sound conform are render's own. The
//! `audio` profile writes WAV through render's sound conform chain.

pub mod profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

pub use profile::{builtin, find_profile, load_profiles, Profile, ProfileKind, BUILTIN};

use crate::cancel::Cancel;

use crate::edl::raw::{RateValue, RawEdl};
use crate::facts::MediaFacts;
use crate::render::report::OutputFacts;
use crate::render::{Budget, Progress, ProgressEvent, RenderOptions};
use crate::time::{round_half_up, Rate, Rational};

/// File extensions that name media: a file in a folder that does not probe as media is reported
/// when it has one of these (it is damaged), and passed over quietly otherwise (a text file).
const MEDIA_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "dv", "mts", "m2ts", "ts", "mpg", "mpeg", "mxf",
    "wmv", "flv", "3gp", "ogv", "wav", "aif", "aiff", "mp3", "m4a", "aac", "flac", "ogg", "opus",
    "mka", "wma", "vob", "y4m", "h264", "hevc", "m2v",
];

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

fn is_media_name(p: &Path) -> bool {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| MEDIA_EXTENSIONS.contains(&e.as_str()))
}

/// Walk `inputs` (files and folders, recursively, in name order) into jobs whose outputs mirror
/// the input tree under `out_dir`: a folder's files land under a folder of its name; a file given
/// directly lands at the top. Files inside folders that do not probe as media and do not look
/// like media are passed over; the rest are kept (failing ones are reported when transcoded).
/// Two inputs that would write the same output are an error before any work starts.
pub fn collect(inputs: &[PathBuf], out_dir: &Path, profile: &Profile) -> Result<Collected, String> {
    let mut jobs = Vec::new();
    let mut not_media = 0;
    // The output folder, resolved: never walked into when it lies inside an input folder
    // (its files are this batch's outputs, not its inputs).
    let out_real = std::fs::canonicalize(out_dir).ok();
    for input in inputs {
        let meta =
            std::fs::metadata(input).map_err(|e| format!("{}: {}", input.display(), e.kind()))?;
        if !meta.is_dir() {
            if let Some(why) = crate::facts::not_a_regular_file(&meta) {
                return Err(format!("{}: {why}", input.display()));
            }
        }
        if meta.is_dir() {
            let base = input
                .canonicalize()
                .map_err(|e| format!("{}: {e}", input.display()))?;
            let name = base
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into());
            let mut files = Vec::new();
            walk(&base, out_real.as_deref(), &mut files);
            files.sort();
            for f in files {
                let rel = f.strip_prefix(&base).unwrap_or(&f).to_path_buf();
                let looks_media =
                    is_media_name(&f) || crate::media::probe::probe_file(&f, 1).is_ok();
                if !looks_media {
                    not_media += 1;
                    continue;
                }
                let out_rel = Path::new(&name)
                    .join(rel)
                    .with_extension(profile.extension());
                jobs.push(job(&f, out_dir, &out_rel));
            }
        } else {
            let stem = input
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".into());
            let out_rel = PathBuf::from(format!("{stem}.{}", profile.extension()));
            // Absolute, so the file is found whatever folder its one-event EDL is read from.
            let input = input
                .canonicalize()
                .map_err(|e| format!("{}: {e}", input.display()))?;
            jobs.push(job(&input, out_dir, &out_rel));
        }
    }
    // Never write over an input: an output path that is one of the inputs (`-o` the input
    // folder itself, with outputs of the inputs' own extension).
    let inputs_real: std::collections::BTreeSet<PathBuf> = jobs
        .iter()
        .filter_map(|j| std::fs::canonicalize(&j.input).ok())
        .collect();
    if let Some(j) = jobs
        .iter()
        .find(|j| std::fs::canonicalize(&j.output).is_ok_and(|o| inputs_real.contains(&o)))
    {
        return Err(format!(
            "{} would be written over the input {}; give -o a folder of its own",
            j.output.display(),
            j.input.display()
        ));
    }
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut clashes = Vec::new();
    for j in &jobs {
        if let Some(first) = seen.insert(&j.relative, &j.input) {
            clashes.push(format!(
                "{} and {} would both write {}",
                first.display(),
                j.input.display(),
                j.output.display()
            ));
        }
    }
    if !clashes.is_empty() {
        return Err(format!(
            "{}; rename one of them or transcode them into different folders",
            clashes.join("; ")
        ));
    }
    Ok(Collected { jobs, not_media })
}

/// The inputs found by [`collect`].
#[derive(Debug)]
pub struct Collected {
    /// One job per media file, in name order.
    pub jobs: Vec<Job>,
    /// Files inside the folders that are not media (notes, sidecars, `.DS_Store`): passed over
    /// quietly, only counted.
    pub not_media: usize,
}

fn job(input: &Path, out_dir: &Path, out_rel: &Path) -> Job {
    Job {
        input: input.to_path_buf(),
        output: out_dir.join(out_rel),
        relative: out_rel.to_string_lossy().replace('\\', "/"),
    }
}

/// The regular files under `dir`, but for hidden ones and the folder `skip` (the output).
/// Folders reached through symbolic links are not followed (a link to a parent would never
/// end, and the tree is the folder's own); linked files are read where they point. FIFOs,
/// devices and sockets are passed over.
fn walk(dir: &Path, skip: Option<&Path>, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // hidden files, and roughcut's own temporaries
        }
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if skip.is_some_and(|s| std::fs::canonicalize(&p).is_ok_and(|c| c == s)) {
                continue;
            }
            walk(&p, skip, out);
        } else if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            out.push(p);
        }
    }
}

/// The common frame rates: a variable-rate source becomes the nearest of these.
const STANDARD_RATES: &[(i64, i64)] = &[
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
];

/// The output rate for a source without a profile rate: its own constant rate, or for a
/// variable-rate source the standard rate nearest its average.
fn source_rate(f: &MediaFacts) -> Option<Rate> {
    let v = f.video()?;
    let r = if v.variable_frame_rate {
        let avg = v.avg_frame_rate.or(v.frame_rate)?.0;
        let (n, d) = STANDARD_RATES
            .iter()
            .min_by_key(|(n, d)| {
                let diff = Rational::new(*n, *d) - avg;
                let diff = if diff < Rational::from_integer(0) {
                    -diff
                } else {
                    diff
                };
                (diff * 1_000_000).to_integer()
            })
            .copied()?;
        Rational::new(n, d)
    } else {
        v.frame_rate.or(v.avg_frame_rate)?.0
    };
    Rate::new(*r.numer(), *r.denom()).ok()
}

/// The picture's display size (sample aspect and rotation applied), even.
fn display_size(f: &MediaFacts) -> Option<(u32, u32)> {
    let v = f.video()?;
    let w = round_half_up(Rational::from_integer(v.width as i64) * v.sar.0).max(2);
    let h = v.height as i64;
    let (w, h) = if v.orientation.swaps_axes() {
        (h, w)
    } else {
        (w, h)
    };
    let even = |x: i64| ((x + 1) / 2 * 2).clamp(2, 8192) as u32;
    Some((even(w), even(h)))
}

/// The size whose short side is `side` (never more than the picture's own), keeping the
/// display shape `w`×`h`; even sizes.
fn keep_shape(w: u32, h: u32, side: u32) -> (u32, u32) {
    let short = w.min(h).max(1);
    let side = side.min(short);
    let scale = |x: u32| {
        let v = round_half_up(Rational::new(x as i64 * side as i64, short as i64));
        ((v + 1) / 2 * 2).clamp(2, 8192) as u32
    };
    (scale(w), scale(h))
}

/// The key that says an output is up to date: the source's identity, the profile, roughcut's
/// build.
fn freshness_key(identity: &str, profile: &Profile) -> String {
    let text = format!(
        "{}+{} {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("ROUGHCUT_SOURCE_HASH"),
        identity,
        serde_json::to_string(&(&profile.output, profile.short_side)).unwrap_or_default()
    );
    blake3::hash(text.as_bytes()).to_hex()[..32].to_string()
}

/// The record of what each output was made from: `<out>/.roughcut-transcode.json`.
struct Manifest {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, String>>,
}

impl Manifest {
    fn open(out_dir: &Path) -> Manifest {
        let path = out_dir.join(".roughcut-transcode.json");
        let entries = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Manifest {
            path,
            entries: Mutex::new(entries),
        }
    }
    fn fresh(&self, rel: &str, key: &str, output: &Path) -> bool {
        output.exists()
            && self
                .entries
                .lock()
                .is_ok_and(|e| e.get(rel).is_some_and(|k| k == key))
    }
    /// Record an output, writing the manifest atomically.
    fn record(&self, rel: &str, key: &str) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        e.insert(rel.to_string(), key.to_string());
        if let Ok(text) = serde_json::to_string_pretty(&*e) {
            let tmp = self.path.with_extension("json.partial");
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &self.path);
            }
        }
    }
}

/// Forwards one file's render progress as batch progress (frames done in that file).
struct FileProgress<'a> {
    file: usize,
    worker: usize,
    frames: i64,
    sink: &'a dyn BatchProgress,
    done: Mutex<(i64, BTreeMap<usize, i64>)>,
}

impl Progress for FileProgress<'_> {
    fn event(&self, e: &ProgressEvent) {
        let Ok(mut d) = self.done.lock() else { return };
        match e {
            ProgressEvent::SegmentProgress { segment, done, .. } => {
                d.1.insert(*segment, *done);
            }
            ProgressEvent::SegmentFinished {
                segment, frames, ..
            } => {
                d.1.remove(segment);
                d.0 += frames;
            }
            _ => return,
        }
        let done = d.0 + d.1.values().sum::<i64>();
        self.sink.event(&BatchEvent::FileProgress {
            file: self.file,
            worker: self.worker,
            done,
            frames: self.frames,
        });
    }
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
    let manifest = Manifest::open(&opts.out_dir);
    // Probe everything first: frame counts for the progress display, and failures early.
    let probed: Vec<Result<(MediaFacts, String), String>> = {
        use rayon::prelude::*;
        jobs.par_iter()
            .map(|j| crate::gather::probe(&j.input, opts.budget.threads, opts.facts_cache.as_ref()))
            .collect()
    };
    let frames_of = |f: &MediaFacts| -> i64 {
        let (Some(d), Some(r)) = (f.usable_duration(), source_rate(f)) else {
            return 0;
        };
        round_half_up(d * r.as_ratio())
    };
    let total: i64 = probed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .map(|(f, _)| frames_of(f))
        .sum();
    let workers = opts.budget.workers.min(jobs.len().max(1));
    let per_file = opts.budget.share(workers);
    progress.event(&BatchEvent::Started {
        files: jobs.len(),
        frames: total,
        workers,
    });
    let results: Mutex<Vec<Option<Entry>>> = Mutex::new(vec![None; jobs.len()]);
    let order: Vec<usize> = (0..jobs.len()).collect();
    let queued =
        crate::render::queue::run("roughcut-file", workers, &order, cancel, |worker, &i| {
            let job = &jobs[i];
            let frames = probed[i].as_ref().map_or(0, |(f, _)| frames_of(f));
            progress.event(&BatchEvent::FileStarted {
                file: i,
                worker,
                input: job.input.display().to_string(),
                frames,
            });
            let outcome = match &probed[i] {
                Err(reason) => Outcome::Failed {
                    reason: reason.clone(),
                },
                Ok((facts, identity)) => {
                    let key = freshness_key(identity, opts.profile);
                    if !opts.force && manifest.fresh(&job.relative, &key, &job.output) {
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
                        let o = one(job, facts, identity, opts, per_file, &fp, &cancel.child());
                        if matches!(o, Outcome::Converted { .. }) {
                            manifest.record(&job.relative, &key);
                        }
                        o
                    }
                }
            };
            if matches!(&outcome, Outcome::Failed { reason } if reason == "interrupted") {
                return;
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
            if let Ok(mut r) = results.lock() {
                r[i] = Some(Entry {
                    input: job.input.display().to_string(),
                    colour: probed[i]
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
                });
            }
        });
    if let (Err(e), Ok(mut r)) = (queued, results.lock()) {
        // No worker could start: every input not done is a failure, with the reason.
        for (slot, job) in r.iter_mut().zip(jobs) {
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
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Transcode one probed file.
fn one(
    job: &Job,
    facts: &MediaFacts,
    identity: &str,
    opts: &Options,
    budget: Budget,
    progress: &FileProgress,
    cancel: &Cancel,
) -> Outcome {
    let started = Instant::now();
    let fail = |reason: String| Outcome::Failed { reason };
    if facts.video().is_none() && facts.audio_streams().next().is_none() {
        return fail(
            "no picture and no sound streams: the file is damaged (its index may be missing) or is not media; copy or export it again from its source".into(),
        );
    }
    if facts.video().is_none() && matches!(opts.profile.kind, ProfileKind::Video(_)) {
        return Outcome::PassedOver {
            reason: format!(
                "sound only: the `{}` profile makes pictures (transcode sound with --profile audio)",
                opts.profile.name
            ),
        };
    }
    if facts.is_still() {
        return Outcome::PassedOver {
            reason: "a still picture (a photograph or scan): it has no length to transcode; use it in an EDL with a duration".into(),
        };
    }
    if let Some(parent) = job.output.parent() {
        if let Err(e) = std::fs::create_dir_all(parent) {
            return fail(format!("cannot create {}: {e}", parent.display()));
        }
    }
    let result = match opts.profile.kind {
        ProfileKind::Wav => sound_only(job, facts, opts.profile, progress, cancel),
        ProfileKind::Video(_) => {
            picture_and_sound(job, facts, identity, opts.profile, budget, progress, cancel)
        }
    };
    match result {
        Ok(()) => Outcome::Converted {
            output: job.output.display().to_string(),
            facts: opts
                .measure
                .then(|| crate::render::report::output_facts(&job.output).ok())
                .flatten()
                .map(Box::new),
            seconds: started.elapsed().as_secs_f64(),
        },
        Err(reason) => fail(reason),
    }
}

/// A picture profile: the whole file as a one-event EDL through render.
fn picture_and_sound(
    job: &Job,
    facts: &MediaFacts,
    identity: &str,
    profile: &Profile,
    budget: Budget,
    progress: &FileProgress,
    cancel: &Cancel,
) -> Result<(), String> {
    if facts.video().is_none() {
        return Err(format!(
            "sound only: the `{}` profile needs a picture (use --profile audio for sound)",
            profile.name
        ));
    }
    let duration = facts
        .usable_duration()
        .ok_or("the file's duration is unknown")?;
    let mut output = profile.output.clone();
    let fps = match &output.fps {
        Some(v) => Rate::from_json(&v.0).map_err(|e| format!("profile fps: {e}"))?,
        None => source_rate(facts).ok_or("the source's frame rate is unknown")?,
    };
    let (w, h) = display_size(facts).ok_or("the picture's size is unknown")?;
    let (w, h) = match (profile.short_side, output.width, output.height) {
        (Some(side), None, None) => keep_shape(w, h, side),
        _ => (w, h),
    };
    output.width = output.width.or(Some(w));
    output.height = output.height.or(Some(h));
    // The source's channel count, where the output can carry it (what relinking checks).
    if let Some(a) = facts.audio_stream(0).map(|(_, a)| a.channels) {
        let audio = output.audio.get_or_insert_with(Default::default);
        if audio.channels.is_none() && [1, 2, 6].contains(&a) {
            audio.channels = Some(a);
        }
    }
    output.fps = Some(RateValue(format!("{}/{}", fps.num(), fps.den()).into()));
    output.path = Some(job.output.display().to_string());
    let frames = round_half_up(duration * fps.as_ratio());
    if frames <= 0 {
        return Err("the file holds no whole frame".into());
    }
    let name = job
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let raw = RawEdl::one_clip(output, &job.input.display().to_string(), frames, name);
    let edl_path = job.output.with_extension("edl.json");
    let draft = crate::edl::Draft::from_raw(&raw, &edl_path);
    let mut known = crate::facts::Facts::new(true);
    known.insert_media(
        job.input.clone(),
        crate::facts::FileFacts::Probed {
            media: Box::new(facts.clone()),
            identity: identity.to_string(),
        },
    );
    let check = crate::edl::CheckOptions::default();
    let known = crate::gather::gather(&draft, &check, &crate::gather::Setup::full(1), known);
    let loaded = crate::edl::check(&draft, &known, &check)
        .into_loaded(&edl_path)
        .map_err(|e| match e {
            crate::edl::LoadError::Invalid { diagnostics, .. } => diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })?;
    let edl = loaded.edl;
    let mut plan = crate::plan::build(
        &edl,
        crate::plan::PlanOptions {
            salt: crate::media::library_versions(),
            ..crate::plan::PlanOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    plan.output.metadata = carried_tags(facts);
    plan.output.audio_language = facts
        .streams
        .iter()
        .find(|s| s.audio.is_some())
        .and_then(|s| s.language.clone())
        .filter(|l| l != "und");
    crate::render::render(
        &plan,
        RenderOptions {
            budget,
            ..RenderOptions::default()
        },
        progress,
        cancel,
    )
    .map(|_| ())
    .map_err(|e| match e {
        crate::render::RenderError::Cancelled { .. } if cancel.interrupted() => {
            "interrupted".to_string()
        }
        // In the user's terms: the file is the input itself (one event of the whole file).
        crate::render::RenderError::Segment { source, .. } => match *source {
            crate::media::segment::SegmentError::Source {
                stage,
                time,
                message,
                ..
            } => format!("{stage} failed at {time} (FFmpeg: {message})"),
            other => other.to_string(),
        },
        other => other.to_string(),
    })
}

/// Container tags worth keeping: when it was shot, and its timecode.
fn carried_tags(facts: &MediaFacts) -> Vec<(String, String)> {
    facts
        .tags
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "creation_time" | "timecode" | "date"))
        .cloned()
        .collect()
}

/// The `audio` profile: the first audio stream through render's sound conform chain into WAV.
fn sound_only(
    job: &Job,
    facts: &MediaFacts,
    profile: &Profile,
    progress: &FileProgress,
    cancel: &Cancel,
) -> Result<(), String> {
    let (stream, a) = facts.audio_stream(0).ok_or("the file has no sound")?;
    let settings = profile.audio_settings();
    // The sound keeps the file's length exactly: padded with silence or cut to it.
    let total = facts
        .audio_duration(0)
        .map(|d| round_half_up(d * i64::from(settings.sample_rate)))
        .ok_or("the sound's duration is unknown")?;
    let filter = format!(
        "{},apad=whole_len={total},atrim=end_sample={total}",
        crate::plan::audio_filter(&settings, a.channels, 0.0)
    );
    let tmp = job.output.with_file_name(format!(
        ".{}.partial.wav",
        job.output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let sr = settings.sample_rate as i64;
    let report = |samples: i64| {
        // Report in "frames" of 1/25 s so sound-only files show progress like the others.
        let done = samples * 25 / sr.max(1);
        progress.sink.event(&BatchEvent::FileProgress {
            file: progress.file,
            worker: progress.worker,
            done: done.min(progress.frames),
            frames: progress.frames,
        });
    };
    let result = crate::media::sound_only::transcode_wav(
        &job.input, stream, &filter, &tmp, &settings, cancel, &report,
    );
    match result {
        Ok(_) => std::fs::rename(&tmp, &job.output).map_err(|e| e.to_string()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(match e {
                crate::media::sound_only::SoundError::Cancelled => "interrupted".into(),
                other => other.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keep_shape;

    #[test]
    fn proxies_keep_the_source_shape() {
        assert_eq!(keep_shape(1920, 1080, 360), (640, 360));
        assert_eq!(
            keep_shape(1080, 1920, 360),
            (360, 640),
            "portrait stays portrait"
        );
        assert_eq!(
            keep_shape(768, 576, 360),
            (480, 360),
            "4:3 PAL, square pixels"
        );
        assert_eq!(
            keep_shape(1024, 576, 360),
            (640, 360),
            "anamorphic 16:9 PAL"
        );
        assert_eq!(keep_shape(320, 240, 360), (320, 240), "never upscaled");
        assert_eq!(keep_shape(1000, 999, 360), (360, 360), "even sizes");
    }
}
