//! One probed file transcoded: a picture profile as a one-event EDL through render, the `audio`
//! profile through render's sound conform chain into WAV.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use super::{BatchEvent, BatchProgress, Job, Options, Outcome, Profile, ProfileKind};
use crate::cancel::Cancel;
use crate::edl::raw::{RateValue, RawEdl};
use crate::facts::MediaFacts;
use crate::render::{Budget, Progress, ProgressEvent, RenderOptions};
use crate::time::{round_half_up, Rate, Rational};

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
pub(super) fn source_rate(f: &MediaFacts) -> Option<Rate> {
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

/// Forwards one file's render progress as batch progress (frames done in that file).
pub(super) struct FileProgress<'a> {
    pub(super) file: usize,
    pub(super) worker: usize,
    pub(super) frames: i64,
    pub(super) sink: &'a dyn BatchProgress,
    pub(super) done: Mutex<(i64, BTreeMap<usize, i64>)>,
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

/// Transcode one probed file.
pub(super) fn one(
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
