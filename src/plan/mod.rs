//! The plan: a checked EDL (with its probed media facts) turned into exact work — the program's
//! frame and sample counts, each event's record range, and the segments (units of parallel work)
//! with their source times, conform filter descriptions and cache keys.
//!
//! Pure data and arithmetic: no FFmpeg, no I/O. Every time is an exact rational or an integer
//! count of frames or samples.

#[cfg(test)]
mod tests;

mod envelope;
mod events;
mod fades;
mod filters;
mod fit;
mod keys;
mod picture;
mod segments;
pub(crate) mod subtitles;

use std::path::PathBuf;

use serde::Serialize;

pub use envelope::{Curve, Envelope};
pub use events::is_bw;
use events::{plan_beds, Ctx};
use fades::program_fades;
pub use fades::{Fade, FadeKind};
pub use filters::{audio_filter, output_layout, video_filter};
pub use fit::{fit_picture, FitBox};
use keys::{program_key, segment_key};
pub use picture::{
    title_layout, BedPiece, DecodeHints, DissolvePicture, InsertPicture, OverlaySpec, Picture,
    Sound, SourcePicture, StillPicture, TitleLine, TitlePicture,
};
use segments::Cutter;
pub(crate) mod draft_quality;

use crate::edl::{
    AudioSettings, ColourClass, Container, Edl, EventKind, Fit, Look, Tone, Transition,
    VideoSettings,
};
use crate::facts::{MediaFacts, VideoFacts};
use crate::time::{round_half_up, Rate, Rational};

/// Everything the render stage needs, as data.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// roughcut's version and source stamp, and the caller's salt (the media libraries'
    /// versions): part of every cache key.
    pub version: String,
    pub output: OutputSpec,
    /// Program length in output frames.
    pub frames: i64,
    /// Program length in audio samples: `round(frames × sample_rate / fps)`.
    pub samples: i64,
    pub events: Vec<PlannedEvent>,
    pub segments: Vec<Segment>,
    /// Every subtitle entry with its cues at program times (carried as tracks; the burned-in
    /// one is also drawn by the segments).
    pub subtitles: Vec<subtitles::Track>,
    /// The EDL's markers in time order, each with the event it falls in. Review only: they are
    /// in no key (nothing rendered depends on them).
    pub markers: Vec<PlanMarker>,
    /// The whole program's key: every segment's key and place, and what assembly adds (beds
    /// and the identity of their files, loudness, subtitle tracks, tags). Equal keys make
    /// equal output files, wherever they are written.
    pub key: String,
}

/// What is written.
#[derive(Debug, Clone, Serialize)]
pub struct OutputSpec {
    pub path: PathBuf,
    pub container: Container,
    pub width: u32,
    pub height: u32,
    pub fps: Rate,
    pub video: VideoSettings,
    pub audio: AudioSettings,
    pub title: Option<String>,
    /// Further container tags to write (`creation_time`, `timecode` … carried over by transcode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<(String, String)>,
    /// Language tag of the sound (ISO 639-2), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_language: Option<String>,
    /// A draft preview (smaller, faster; see [`draft_quality`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Chapters to write, in program frames (in the key: they are bytes of the file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chapters: Vec<Chapter>,
}

/// A chapter of the output: program frames `[start, end)` and its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chapter {
    pub start: i64,
    pub end: i64,
    pub title: String,
}

/// An event placed in the program.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedEvent {
    /// Index in the EDL's timeline.
    pub index: usize,
    pub name: String,
    /// First record frame (program frame) of the event.
    pub record_start: i64,
    /// Frames of the event visible in the program (a following dissolve overlaps its tail).
    pub frames: i64,
    /// The transition leading into this event, as planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
}

/// A marker on the program, placed.
#[derive(Debug, Clone, Serialize)]
pub struct PlanMarker {
    #[serde(flatten)]
    pub marker: crate::edl::Marker,
    /// Record timecode of its frame (from 00:00:00:00).
    pub timecode: String,
    /// Index in the EDL's timeline of the event showing that frame (the incoming one inside
    /// a dissolve).
    pub event: usize,
}

/// A unit of parallel work: a contiguous range of program frames within one event.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    /// Position in the program (segments are in record order).
    pub id: usize,
    /// Index of the event in the EDL's timeline.
    pub event: usize,
    /// Which piece of the event this is (0-based) and how many pieces it has.
    pub part: usize,
    pub parts: usize,
    /// First program frame and number of frames.
    pub record_start: i64,
    pub frames: i64,
    /// First program sample and number of samples (boundaries at `round(frame × sr / fps)`).
    pub sample_start: i64,
    pub samples: i64,
    pub picture: Picture,
    pub sound: Sound,
    /// Fades to or from black that reach into this segment (picture and sound).
    pub fades: Vec<Fade>,
    /// Sound beds playing under this segment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub beds: Vec<BedPiece>,
    /// Subtitle cues burned into the segment's frames, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_in: Option<subtitles::BurnIn>,
    /// Burn-in overlays drawn on every frame of the segment, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<OverlaySpec>,
    /// Estimated work (frames × pixels decoded and encoded), to schedule the costliest first.
    pub cost: i64,
    /// Hash of everything that determines this segment's output (hex).
    pub key: String,
}

impl Plan {
    /// The segment holding program frame `f` (segments tile the program in record order), or
    /// `None` outside the program.
    pub(crate) fn segment_at(&self, f: i64) -> Option<&Segment> {
        let k = self
            .segments
            .partition_point(|s| s.record_start + s.frames <= f);
        self.segments
            .get(k)
            .filter(|s| s.record_start <= f && f < s.record_start + s.frames)
    }

    /// Every media file the segments read (pictures, sound, beds), once each.
    pub(crate) fn source_files(&self) -> std::collections::BTreeSet<PathBuf> {
        fn picture(p: &Picture, out: &mut std::collections::BTreeSet<PathBuf>) {
            match p {
                Picture::Source(s) => {
                    out.insert(s.path.clone());
                }
                Picture::Insert(i) => {
                    out.insert(i.picture.path.clone());
                }
                Picture::Still(s) => {
                    out.insert(s.path.clone());
                }
                Picture::Dissolve(d) => {
                    picture(&d.from, out);
                    picture(&d.to, out);
                }
                Picture::Black | Picture::Title(_) => {}
            }
        }
        fn sound(s: &Sound, out: &mut std::collections::BTreeSet<PathBuf>) {
            match s {
                Sound::Source { path, .. } => {
                    out.insert(path.clone());
                }
                Sound::Crossfade { from, to } => {
                    sound(from, out);
                    sound(to, out);
                }
                Sound::Silence => {}
            }
        }
        let mut out = std::collections::BTreeSet::new();
        for seg in &self.segments {
            picture(&seg.picture, &mut out);
            sound(&seg.sound, &mut out);
            out.extend(seg.beds.iter().map(|b| b.path.clone()));
        }
        out
    }
}

/// Why a plan could not be made from a checked EDL.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// An event names a source the EDL does not have (validation rules this out).
    #[error("source `{0}` is not one of the EDL's sources")]
    UnknownSource(String),
    #[error("source `{0}` has no video stream")]
    NoVideo(String),
}

/// Planning knobs.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Target segment length in seconds. The plan never depends on the number of workers or
    /// the machine, so a cut always has the same segments, keys and bytes.
    pub segment_seconds: u32,
    /// Mixed into every segment key: what else decides the bytes (the media libraries'
    /// versions, given by the caller; the plan itself touches no library).
    pub salt: String,
    /// Plan a draft preview (as `output.draft` does): see [`draft_quality`].
    pub draft: bool,
    /// Segments of at most this many frames instead (`verify`'s short reference pieces).
    pub segment_frames: Option<i64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            segment_seconds: 10,
            salt: String::new(),
            draft: false,
            segment_frames: None,
        }
    }
}

pub use crate::time::sample_at;

/// Target segment length in frames: `seconds` of output, at least one frame. Long enough that
/// the seek and GOP lead-in of each segment stay a small part of its work, short enough that
/// workers stay busy and an edit re-renders little.
fn target_segment_frames(fps: Rate, seconds: u32) -> i64 {
    round_half_up(fps.as_ratio() * i64::from(seconds.max(1))).max(1)
}

/// Split `frames` into near-equal pieces of about `target` frames (one piece when it is less
/// than one and a half targets).
pub(crate) fn split_lengths(frames: i64, target: i64) -> Vec<i64> {
    if frames <= target + target / 2 || target <= 0 {
        return vec![frames];
    }
    let n = (frames + target - 1) / target;
    let base = frames / n;
    let extra = frames % n;
    (0..n).map(|i| base + i64::from(i < extra)).collect()
}

/// Build the plan for a checked, probed EDL.
pub fn build(edl: &Edl, opts: PlanOptions) -> Result<Plan, PlanError> {
    let drafted;
    let edl = if opts.draft || edl.output.draft {
        drafted = draft_quality::apply(edl);
        &drafted
    } else {
        edl
    };
    let (events, total) = place_events(edl);
    let target = opts
        .segment_frames
        .filter(|f| *f > 0)
        .unwrap_or_else(|| target_segment_frames(edl.output.fps, opts.segment_seconds));
    let (segments, tracks, total_samples) = {
        let mut cutter = Cutter::new(edl, &events, total)?;
        for (k, (ev, placed)) in edl.timeline.iter().zip(&events).enumerate() {
            cutter.event(k, ev, placed, target)?;
        }
        (cutter.segments, cutter.tracks, cutter.total_samples)
    };
    let mut plan = Plan {
        version: format!(
            "{}+{} {}",
            env!("CARGO_PKG_VERSION"),
            env!("ROUGHCUT_SOURCE_HASH"),
            opts.salt
        ),
        output: output_spec(edl),
        frames: total,
        samples: total_samples,
        events,
        segments,
        subtitles: tracks,
        markers: Vec::new(),
        key: String::new(),
    };
    plan.output.chapters = chapters(edl, &plan.events, total);
    plan.markers = place_markers(edl, &plan);
    assign_keys(edl, &mut plan);
    Ok(plan)
}

/// What is written, before chapters (they need the placed events).
fn output_spec(edl: &Edl) -> OutputSpec {
    let out = &edl.output;
    let fps = out.fps;
    OutputSpec {
        path: out.path.clone(),
        container: out.container,
        width: out.width,
        height: out.height,
        fps,
        video: out.video.clone(),
        audio: out.audio.clone(),
        title: edl.title.clone(),
        // A start timecode becomes the file's timecode (a `tmcd` track in MP4/MOV, a tag in
        // Matroska).
        metadata: out
            .start_timecode
            .map(|s| {
                vec![(
                    "timecode".to_string(),
                    crate::edl::StartTimecode::label(Some(s), 0, fps),
                )]
            })
            .unwrap_or_default(),
        audio_language: None,
        draft: out.draft,
        chapters: Vec::new(),
    }
}

/// The events placed in the program, and its length in frames. A dissolve into event i+1
/// overlaps the tail of event i: the incoming event starts at the overlap, so each event's
/// visible frames leave out the dissolve out of it and the program keeps its exact length.
fn place_events(edl: &Edl) -> (Vec<PlannedEvent>, i64) {
    let mut events = Vec::new();
    let mut record = 0i64;
    for (k, ev) in edl.timeline.iter().enumerate() {
        let overlap_next = edl
            .timeline
            .get(k + 1)
            .map_or(0, crate::edl::Event::overlap);
        let visible = ev.frames - overlap_next;
        events.push(PlannedEvent {
            index: ev.index,
            name: ev.name.clone().unwrap_or_else(|| match &ev.kind {
                EventKind::Clip(c) => c.source.clone(),
                EventKind::Title(_) => "title".into(),
                EventKind::Gap => "gap".into(),
            }),
            record_start: record,
            frames: visible,
            transition: ev.transition,
        });
        record += visible;
    }
    (events, record)
}

/// The EDL's markers placed: each with its record timecode and the event showing its frame.
fn place_markers(edl: &Edl, plan: &Plan) -> Vec<PlanMarker> {
    edl.markers
        .iter()
        .map(|m| PlanMarker {
            marker: m.clone(),
            timecode: crate::edl::StartTimecode::label(
                edl.output.start_timecode,
                m.frame,
                plan.output.fps,
            ),
            event: plan
                .events
                .iter()
                .rev()
                .find(|e| e.record_start <= m.frame)
                .map_or(0, |e| e.index),
        })
        .collect()
}

/// Every segment's key, then the program's: they hash the finished plan (and the identity of
/// every source file), so they are the last step.
fn assign_keys(edl: &Edl, plan: &mut Plan) {
    let identities: std::collections::BTreeMap<&std::path::Path, &str> = edl
        .sources
        .values()
        .map(|s| (s.path.as_path(), s.identity.as_str()))
        .collect();
    for i in 0..plan.segments.len() {
        plan.segments[i].key = segment_key(plan, &plan.segments[i], &identities);
    }
    plan.key = program_key(plan, &identities);
}

/// The output's chapters as the EDL asks: one per event (named after it) or one per marker
/// (from it to the next marker, after a first chapter named after the title when the first
/// marker is not at the start), each ending where the next starts, the last at the program's
/// end.
fn chapters(edl: &Edl, events: &[PlannedEvent], total: i64) -> Vec<Chapter> {
    let starts: Vec<(i64, String)> = match edl.output.chapters {
        crate::edl::raw::ChapterSource::None => return Vec::new(),
        crate::edl::raw::ChapterSource::Events => events
            .iter()
            .filter(|e| e.frames > 0)
            .map(|e| (e.record_start, e.name.clone()))
            .collect(),
        crate::edl::raw::ChapterSource::Markers => edl
            .markers
            .iter()
            .map(|m| (m.frame, m.name.clone()))
            .collect(),
    };
    let mut starts = starts;
    if starts.first().is_some_and(|(s, _)| *s > 0) {
        // Chapters cover the program from its start (an MP4 chapter track begins at 0).
        let title = edl.title.clone().unwrap_or_else(|| "Start".to_string());
        starts.insert(0, (0, title));
    }
    let mut out: Vec<Chapter> = Vec::new();
    for (i, (start, title)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(total, |n| n.0);
        if end > *start {
            out.push(Chapter {
                start: *start,
                end,
                title: title.clone(),
            });
        }
    }
    out
}

/// The picture of the cutaway covering program frames `[start, start + len)` whole, if any.
fn cutaway_over(edl: &Edl, ctx: &Ctx, start: i64, len: i64) -> Result<Option<Picture>, PlanError> {
    let Some(c) = edl
        .cutaways
        .iter()
        .find(|c| c.start <= start && start + len <= c.start + c.frames)
    else {
        return Ok(None);
    };
    Ok(Some(Picture::Insert(InsertPicture {
        name: c.name.clone().unwrap_or_else(|| c.clip.source.clone()),
        picture: ctx.clip_picture(&c.clip, start - c.start)?,
    })))
}

/// The overlays of a segment, when the EDL asks for any.
fn overlay_spec(
    edl: &Edl,
    ev: &PlannedEvent,
    record_start: i64,
    picture: &Picture,
) -> Option<OverlaySpec> {
    let o = &edl.overlays;
    if !o.timecode && !o.clip_name && o.watermark.is_none() {
        return None;
    }
    let fps = edl.output.fps;
    let source_time = match picture {
        Picture::Source(p) => Some(p.first),
        Picture::Insert(i) => Some(i.picture.first),
        Picture::Dissolve(d) => match d.to.as_ref() {
            Picture::Source(p) => Some(p.first),
            _ => None,
        },
        _ => None,
    };
    Some(OverlaySpec {
        timecode: o.timecode.then(|| {
            crate::edl::StartTimecode::label(edl.output.start_timecode, record_start, fps)
        }),
        rate: format!("{}/{}", fps.num(), fps.den()),
        clip: o.clip_name.then(|| {
            // Titles and gaps have no source time to show: just their name.
            let time = source_time.map(|t| {
                let ms = round_half_up(t * 1000);
                format!("{}.{:03}", ms / 1000, ms % 1000)
            });
            let name = match picture {
                Picture::Insert(i) => i.name.clone(),
                _ => ev.name.clone(),
            };
            (name, time)
        }),
        watermark: o.watermark.clone(),
        size: if o.size > 0 {
            o.size
        } else {
            (edl.output.height / 24).max(14)
        },
        font: PathBuf::from(crate::edl::DEFAULT_FONT),
        top: o.top,
    })
}

/// Source pixels decoded per frame (0 for generated pictures), for scheduling.
fn picture_cost(edl: &Edl, picture: &Picture) -> i64 {
    match picture {
        Picture::Source(p) => edl
            .sources
            .get(&p.source)
            .and_then(|s| s.facts.video())
            .map_or(0, |v| v.width as i64 * v.height as i64),
        Picture::Insert(i) => picture_cost(edl, &Picture::Source(i.picture.clone())),
        Picture::Still(s) => s.width * s.height,
        Picture::Dissolve(d) => picture_cost(edl, &d.from) + picture_cost(edl, &d.to),
        Picture::Title(t) => t.underneath.as_ref().map_or(0, |u| picture_cost(edl, u)),
        Picture::Black => 0,
    }
}
