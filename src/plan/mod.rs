//! The plan: a checked EDL (with its probed media facts) turned into exact work — the program's
//! frame and sample counts, each event's record range, and the segments (units of parallel work)
//! with their source times, conform filter descriptions and cache keys.
//!
//! Pure data and arithmetic: no FFmpeg, no I/O. Every time is an exact rational or an integer
//! count of frames or samples.

mod fit;
pub mod subtitles;

use std::path::PathBuf;

use serde::Serialize;

pub use fit::{fit_picture, FitBox};

use crate::edl::{
    AudioSettings, ColourClass, Container, Edl, EventKind, Fit, Look, Tone, TransitionKind,
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
    pub transition: Option<PlannedTransition>,
}

/// A transition as the plan renders it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PlannedTransition {
    pub kind: TransitionKind,
    pub frames: i64,
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

/// Where a segment's picture comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Picture {
    /// Frames of a source.
    Source(SourcePicture),
    /// Black (gaps).
    Black,
    /// A title card: lines of text on black.
    Title(TitlePicture),
    /// A cross-dissolve: frame j shows `from` and `to` mixed, `to` weighing (j + 1) / (n + 1).
    Dissolve(DissolvePicture),
}

/// Both sides of a dissolve, each sampled from its own start.
#[derive(Debug, Clone, Serialize)]
pub struct DissolvePicture {
    pub from: Box<Picture>,
    pub to: Box<Picture>,
}

/// Burn-in text for review copies, as drawn on one segment.
#[derive(Debug, Clone, Serialize)]
pub struct OverlaySpec {
    /// Record timecode of the segment's first frame (`HH:MM:SS:FF`), counting at `rate`.
    pub timecode: Option<String>,
    /// Output frame rate, `num/den`.
    pub rate: String,
    /// Event name, and the source time of the segment's first frame in seconds (`12.345`): the
    /// overlay counts on from it at the output rate.
    pub clip: Option<(String, Option<String>)>,
    pub watermark: Option<String>,
    /// Text height in pixels.
    pub size: u32,
    pub font: PathBuf,
    /// Timecode and clip name along the top instead of the bottom.
    pub top: bool,
}

/// A fade to or from black over a range of program frames (sound fades over the same range
/// of samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fade {
    pub kind: FadeKind,
    /// First program frame of the fade.
    pub start: i64,
    /// Length in frames.
    pub frames: i64,
}

/// Which way a fade goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FadeKind {
    /// From black: the first frame is black.
    In,
    /// To black: the last frame is black.
    Out,
}

impl Fade {
    /// Picture level (0 = black, 1 = untouched) at program frame `frame`.
    pub fn level(&self, frame: i64) -> Rational {
        if frame < self.start || frame >= self.start + self.frames || self.frames <= 0 {
            return Rational::from_integer(1);
        }
        let i = frame - self.start;
        match self.kind {
            FadeKind::In => Rational::new(i, self.frames),
            FadeKind::Out => Rational::new(self.frames - 1 - i, self.frames),
        }
    }

    /// Sound gain at program sample `sample`: the same ramp over the fade's samples.
    pub fn gain(&self, sample: i64, sample_rate: u32, fps: Rate) -> Rational {
        let s0 = sample_at(self.start, sample_rate, fps);
        let s1 = sample_at(self.start + self.frames, sample_rate, fps);
        if sample < s0 || sample >= s1 || s1 <= s0 {
            return Rational::from_integer(1);
        }
        let n = s1 - s0;
        match self.kind {
            FadeKind::In => Rational::new(sample - s0, n),
            FadeKind::Out => Rational::new(s1 - 1 - sample, n),
        }
    }
}

/// The program's fades: from black at the start, to black at the end, and both halves of every
/// dip to black (the previous event fades out over its last half, the next fades in over its
/// first).
fn program_fades(edl: &Edl, events: &[PlannedEvent], total: i64) -> Vec<Fade> {
    let mut fades = Vec::new();
    let out = &edl.output;
    if out.fade_in > 0 {
        fades.push(Fade {
            kind: FadeKind::In,
            start: 0,
            frames: out.fade_in.min(total),
        });
    }
    if out.fade_out > 0 {
        let n = out.fade_out.min(total);
        fades.push(Fade {
            kind: FadeKind::Out,
            start: total - n,
            frames: n,
        });
    }
    for (k, ev) in events.iter().enumerate().skip(1) {
        let Some(t) = ev
            .transition
            .filter(|t| t.kind == TransitionKind::FadeBlack)
        else {
            continue;
        };
        let prev = &events[k - 1];
        let out_frames = (t.frames / 2).min(prev.frames);
        let in_frames = (t.frames - t.frames / 2).min(ev.frames);
        if out_frames > 0 {
            fades.push(Fade {
                kind: FadeKind::Out,
                start: prev.record_start + prev.frames - out_frames,
                frames: out_frames,
            });
        }
        if in_frames > 0 {
            fades.push(Fade {
                kind: FadeKind::In,
                start: ev.record_start,
                frames: in_frames,
            });
        }
    }
    fades
}

/// A title card as drawn: each line centred horizontally, the block centred vertically.
#[derive(Debug, Clone, Serialize)]
pub struct TitlePicture {
    pub lines: Vec<TitleLine>,
    /// Text height in pixels.
    pub size: u32,
    /// `0xRRGGBB`.
    pub colour: String,
    pub font: PathBuf,
    /// Card colour, `0xRRGGBB`; `None` for a transparent card.
    pub background: Option<String>,
    /// For a transparent card: the picture the lines are drawn over (the previous event
    /// carrying on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underneath: Option<Box<Picture>>,
}

/// One line of a title card.
#[derive(Debug, Clone, Serialize)]
pub struct TitleLine {
    pub text: String,
    /// Top of the line, pixels from the top of the frame.
    pub y: i64,
}

/// Lay out `text` (lines separated by `\n`) at `size` px in a frame `height` px high.
pub fn title_layout(
    text: &str,
    size: u32,
    height: u32,
    position: crate::edl::raw::TitlePosition,
) -> Vec<TitleLine> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let step = (size as i64 * 27 + 19) / 20; // 1.35 line spacing, rounded up
    let block = step * (lines.len() as i64 - 1) + size as i64;
    let h = height as i64;
    let top = match position {
        crate::edl::raw::TitlePosition::Centre => (h - block) / 2,
        crate::edl::raw::TitlePosition::Top => h / 10,
        crate::edl::raw::TitlePosition::LowerThird => h * 5 / 6 - block / 2,
    }
    .clamp(0, (h - block).max(0));
    lines
        .iter()
        .enumerate()
        .map(|(k, l)| TitleLine {
            text: (*l).to_string(),
            y: top + step * k as i64,
        })
        .collect()
}

/// Frames of a source, sampled by the brief's rule.
#[derive(Debug, Clone, Serialize)]
pub struct SourcePicture {
    /// Source id in the EDL.
    pub source: String,
    pub path: PathBuf,
    /// Index of the video stream in the file.
    pub stream: usize,
    /// Source time of the segment's first output frame (seconds from the stream's start).
    #[serde(serialize_with = "ser_rational")]
    pub first: Rational,
    /// Source time between consecutive output frames (`speed / fps_out`).
    #[serde(serialize_with = "ser_rational")]
    pub step: Rational,
    /// FFmpeg filter chain that conforms the decoded frames to the output picture.
    pub filter: String,
}

/// Where a segment's sound comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Sound {
    /// A source's audio stream, from `start` for the segment's sample count.
    Source {
        path: PathBuf,
        stream: usize,
        /// Index of the source's first video stream: its start time is the origin of source
        /// times for picture and sound alike, so they stay in sync.
        video_stream: usize,
        #[serde(serialize_with = "ser_rational")]
        start: Rational,
        /// FFmpeg filter chain that conforms the decoded sound (rate, layout, gain).
        filter: String,
        /// Gain over the segment's samples (join fades, the event's fades).
        #[serde(skip_serializing_if = "Envelope::is_empty")]
        envelope: Envelope,
    },
    /// Digital silence.
    Silence,
    /// Both sides of a dissolve, mixed with the picture's weights sample by sample.
    Crossfade { from: Box<Sound>, to: Box<Sound> },
}

fn ser_rational<S: serde::Serializer>(r: &Rational, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}/{}", r.numer(), r.denom()))
}

/// A piece of a sound bed under one segment.
#[derive(Debug, Clone, Serialize)]
pub struct BedPiece {
    pub name: String,
    pub path: PathBuf,
    /// Audio stream index in the file.
    pub stream: usize,
    /// The stream whose start is source time 0 (the first video stream, else this one).
    pub origin_stream: usize,
    /// Source time of the piece's first sample.
    #[serde(serialize_with = "ser_rational")]
    pub start: Rational,
    /// First sample of the segment where the piece plays, and how many samples it covers.
    pub offset: i64,
    pub samples: i64,
    /// Conform chain (rate, layout, gain).
    pub filter: String,
    /// Fades and ducking over the segment's samples.
    #[serde(skip_serializing_if = "Envelope::is_empty")]
    pub envelope: Envelope,
}

/// A gain over a run of samples: the product of its curves (empty: unity).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Envelope {
    pub curves: Vec<Curve>,
}

/// A piecewise-linear gain through `(sample, gain)` points, constant before the first and after
/// the last. Sample `s` takes the value at `s + ½`, so a fade of `n` samples is symmetric and
/// never quite reaches 0 or 1 inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    pub points: Vec<(i64, f64)>,
}

impl Curve {
    /// A fade from silence: 0 at `start`, 1 from `start + len` on.
    pub fn fade_in(start: i64, len: i64) -> Curve {
        Curve {
            points: vec![(start, 0.0), (start + len, 1.0)],
        }
    }
    /// A fade to silence ending at `end`.
    pub fn fade_out(end: i64, len: i64) -> Curve {
        Curve {
            points: vec![(end - len, 1.0), (end, 0.0)],
        }
    }
    /// Gain at sample `s`.
    pub fn gain(&self, s: i64) -> f64 {
        let x = s as f64 + 0.5;
        let Some(&(first, g0)) = self.points.first() else {
            return 1.0;
        };
        if x <= first as f64 {
            return g0;
        }
        for w in self.points.windows(2) {
            let ((a, ga), (b, gb)) = (w[0], w[1]);
            if x < b as f64 {
                if b <= a {
                    return gb;
                }
                return ga + (gb - ga) * (x - a as f64) / (b - a) as f64;
            }
        }
        self.points.last().map_or(1.0, |p| p.1)
    }
    /// Whether the curve is 1 over every sample of `[start, end)`.
    fn unity_over(&self, start: i64, end: i64) -> bool {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return true;
        };
        self.points.iter().all(|p| p.1 == 1.0)
            || (end <= first.0 && first.1 == 1.0)
            || (start >= last.0 && last.1 == 1.0)
    }
}

impl Envelope {
    pub fn is_empty(&self) -> bool {
        self.curves.is_empty()
    }
    /// Gain at sample `s`.
    pub fn gain(&self, s: i64) -> f64 {
        self.curves.iter().map(|c| c.gain(s)).product()
    }
    /// The curves that act on program samples `[start, start + len)`, moved so that `start`
    /// is sample 0.
    fn window(curves: &[Curve], start: i64, len: i64) -> Envelope {
        Envelope {
            curves: curves
                .iter()
                .filter(|c| !c.unity_over(start, start + len))
                .map(|c| Curve {
                    points: c.points.iter().map(|&(p, g)| (p - start, g)).collect(),
                })
                .collect(),
        }
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
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            segment_seconds: 10,
            salt: String::new(),
        }
    }
}

/// First sample of program frame `frame`: `round(frame × sr / fps)`, halves up.
pub fn sample_at(frame: i64, sample_rate: u32, fps: Rate) -> i64 {
    round_half_up(
        Rational::from_integer(frame) * Rational::from_integer(sample_rate as i64) / fps.as_ratio(),
    )
}

/// Target segment length in frames: `seconds` of output, at least one frame. Long enough that
/// the seek and GOP lead-in of each segment stay a small part of its work, short enough that
/// workers stay busy and an edit re-renders little.
fn target_segment_frames(fps: Rate, seconds: u32) -> i64 {
    round_half_up(fps.as_ratio() * i64::from(seconds.max(1))).max(1)
}

/// Split `frames` into near-equal pieces of about `target` frames (one piece when it is less
/// than one and a half targets).
pub fn split_lengths(frames: i64, target: i64) -> Vec<i64> {
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
    let out = &edl.output;
    let fps = out.fps;
    let sr = out.audio.sample_rate;
    let spec = OutputSpec {
        path: out.path.clone(),
        container: out.container,
        width: out.width,
        height: out.height,
        fps,
        video: out.video.clone(),
        audio: out.audio.clone(),
        title: edl.title.clone(),
        metadata: Vec::new(),
        audio_language: None,
    };

    // Visible frames: a dissolve into event i+1 overlaps the tail of event i. Until transitions
    // are drawn, the incoming event starts at the overlap (a cut at the dissolve's start), so the
    // program keeps its exact length.
    let mut events = Vec::new();
    let mut record = 0i64;
    for (k, ev) in edl.timeline.iter().enumerate() {
        let overlap_next = edl
            .timeline
            .get(k + 1)
            .and_then(|n| n.transition)
            .filter(|t| t.kind == TransitionKind::Dissolve)
            .map_or(0, |t| t.frames);
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
            transition: ev.transition.map(|t| PlannedTransition {
                kind: t.kind,
                frames: t.frames,
            }),
        });
        record += visible;
    }
    let total = record;
    let target = target_segment_frames(fps, opts.segment_seconds);
    let fades = program_fades(edl, &events, total);
    let total_samples = sample_at(total, sr, fps);
    let ctx = Ctx::new(edl, &events)?;
    let beds = plan_beds(edl, &ctx, total, total_samples);
    let tracks = subtitles::retime(edl, &ctx.starts, total);
    let burned = tracks.iter().find(|t| t.burn_in).and_then(|t| {
        edl.subtitles
            .iter()
            .find(|s| s.index == t.index)
            .map(|s| (t, &s.style))
    });

    let mut segments: Vec<Segment> = Vec::new();
    let mut push = |event: usize,
                    part: usize,
                    parts: usize,
                    record_start: i64,
                    len: i64,
                    picture: Picture,
                    sound: Sound| {
        let sample_start = sample_at(record_start, sr, fps);
        let samples = sample_at(record_start + len, sr, fps) - sample_start;
        let cost = len * (picture_cost(edl, &picture) + out.width as i64 * out.height as i64);
        let seg_beds = beds
            .iter()
            .filter_map(|b| b.piece(sample_start, samples))
            .collect();
        let burn_in =
            burned.and_then(|(t, style)| subtitles::burn_in_for(t, style, fps, record_start, len));
        let overlay = overlay_spec(
            edl,
            &events[event_pos(&events, event)],
            record_start,
            &picture,
        );
        segments.push(Segment {
            id: segments.len(),
            event,
            part,
            parts,
            record_start,
            frames: len,
            sample_start,
            samples,
            fades: fades
                .iter()
                .filter(|f| f.start < record_start + len && f.start + f.frames > record_start)
                .copied()
                .collect(),
            overlay,
            picture,
            sound,
            beds: seg_beds,
            burn_in,
            cost,
            key: String::new(),
        });
    };
    for (k, (ev, placed)) in edl.timeline.iter().zip(&events).enumerate() {
        // A dissolve into this event is one segment holding both sides: the previous event's
        // hidden tail blended with this event's first frames.
        let dissolve = match (ev.transition, k.checked_sub(1)) {
            (Some(t), Some(p)) if t.kind == TransitionKind::Dissolve && t.frames > 0 => {
                let prev = &edl.timeline[p];
                let (from_pic, from_sound) =
                    ctx.event_media(p, prev.frames - t.frames, t.frames)?;
                let (to_pic, to_sound) = ctx.event_media(k, 0, t.frames)?;
                Some((t.frames, from_pic, from_sound, to_pic, to_sound))
            }
            _ => None,
        };
        let head = dissolve.as_ref().map_or(0, |d| d.0);
        let rest = (placed.frames - head).max(0);
        let pieces = if rest > 0 {
            split_lengths(rest, target)
        } else {
            Vec::new()
        };
        let parts = pieces.len() + usize::from(dissolve.is_some());
        if let Some((d, from_pic, from_sound, to_pic, to_sound)) = dissolve {
            push(
                ev.index,
                0,
                parts,
                placed.record_start,
                d,
                Picture::Dissolve(DissolvePicture {
                    from: Box::new(from_pic),
                    to: Box::new(to_pic),
                }),
                Sound::Crossfade {
                    from: Box::new(from_sound),
                    to: Box::new(to_sound),
                },
            );
        }
        let mut offset = head;
        for (i, len) in pieces.into_iter().enumerate() {
            let (picture, sound) = ctx.event_media(k, offset, len)?;
            push(
                ev.index,
                i + usize::from(head > 0),
                parts,
                placed.record_start + offset,
                len,
                picture,
                sound,
            );
            offset += len;
        }
    }
    let mut plan = Plan {
        version: format!(
            "{}+{} {}",
            env!("CARGO_PKG_VERSION"),
            env!("ROUGHCUT_SOURCE_HASH"),
            opts.salt
        ),
        output: spec,
        frames: total,
        samples: total_samples,
        events,
        segments,
        subtitles: tracks,
    };
    let identities: std::collections::BTreeMap<&std::path::Path, &str> = edl
        .sources
        .values()
        .map(|s| (s.path.as_path(), s.identity.as_str()))
        .collect();
    for i in 0..plan.segments.len() {
        plan.segments[i].key = segment_key(&plan, &plan.segments[i], &identities);
    }
    Ok(plan)
}

fn event_pos(events: &[PlannedEvent], index: usize) -> usize {
    events.iter().position(|e| e.index == index).unwrap_or(0)
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
        Picture::Dissolve(d) => match d.to.as_ref() {
            Picture::Source(p) => Some(p.first),
            _ => None,
        },
        _ => None,
    };
    Some(OverlaySpec {
        timecode: o
            .timecode
            .then(|| crate::time::frames_to_timecode(record_start, fps, false)),
        rate: format!("{}/{}", fps.num(), fps.den()),
        clip: o.clip_name.then(|| {
            // Titles and gaps have no source time to show: just their name.
            let time = source_time.map(|t| {
                let ms = round_half_up(t * 1000);
                format!("{}.{:03}", ms / 1000, ms % 1000)
            });
            (ev.name.clone(), time)
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
        Picture::Dissolve(d) => picture_cost(edl, &d.from) + picture_cost(edl, &d.to),
        Picture::Title(t) => t.underneath.as_ref().map_or(0, |u| picture_cost(edl, u)),
        Picture::Black => 0,
    }
}

impl Ctx<'_> {
    /// What an event shows and sounds like from `offset` frames into it.
    fn event_media(
        &self,
        k: usize,
        offset: i64,
        frames: i64,
    ) -> Result<(Picture, Sound), PlanError> {
        let edl = self.edl;
        let ev = &edl.timeline[k];
        let out = &edl.output;
        let fps = out.fps;
        Ok(match &ev.kind {
            EventKind::Clip(c) => {
                let src = edl
                    .sources
                    .get(&c.source)
                    .ok_or_else(|| PlanError::UnknownSource(c.source.clone()))?;
                let facts = &src.facts;
                let (vindex, video) =
                    first_video(facts).ok_or_else(|| PlanError::NoVideo(c.source.clone()))?;
                let step = fps.frame_duration();
                let first = c.source_in + step * offset;
                // Black-and-white material gets the output's finish unless a look tones it.
                let tone = match c.look {
                    Look::Natural if is_bw(src.colour, facts) => Some(out.bw),
                    Look::Natural => None,
                    Look::Monochrome => Some(out.bw),
                    Look::Toned(t) => Some(t),
                };
                let picture = Picture::Source(SourcePicture {
                    source: c.source.clone(),
                    path: src.path.clone(),
                    stream: vindex,
                    first,
                    step,
                    filter: video_filter(video, out.width, out.height, out.fit, tone),
                });
                let sound = match facts.audio_stream(c.audio.stream) {
                    Some((aindex, a)) if !c.audio.mute => {
                        let s0 = sample_at(self.starts[k] + offset, out.audio.sample_rate, fps);
                        let s1 =
                            sample_at(self.starts[k] + offset + frames, out.audio.sample_rate, fps);
                        Sound::Source {
                            path: src.path.clone(),
                            stream: aindex,
                            video_stream: vindex,
                            start: first,
                            filter: audio_filter(&out.audio, a.channels, c.audio.gain_db),
                            envelope: Envelope::window(&self.curves[k], s0, s1 - s0),
                        }
                    }
                    _ => Sound::Silence,
                };
                (picture, sound)
            }
            EventKind::Title(t) => {
                // A transparent card is drawn over the previous event carrying on, sound included.
                let (underneath, sound) = match (&t.background, k.checked_sub(1)) {
                    (None, Some(p)) => {
                        let (pic, sound) =
                            self.event_media(p, edl.timeline[p].frames + offset, frames)?;
                        (Some(Box::new(pic)), sound)
                    }
                    _ => (None, Sound::Silence),
                };
                (
                    Picture::Title(TitlePicture {
                        lines: title_layout(&t.text, t.size, out.height, t.position),
                        size: t.size,
                        colour: t.colour.clone(),
                        font: t.font.clone(),
                        background: t.background.clone(),
                        underneath,
                    }),
                    sound,
                )
            }
            EventKind::Gap => (Picture::Black, Sound::Silence),
        })
    }
}

/// Whether a source is treated as black-and-white: as declared, or as measured for `auto`.
pub fn is_bw(declared: ColourClass, facts: &MediaFacts) -> bool {
    match declared {
        ColourClass::Bw => true,
        ColourClass::Colour => false,
        ColourClass::Auto => facts
            .colour
            .as_ref()
            .is_some_and(|c| c.class == crate::facts::ColourVerdict::Bw),
    }
}

fn first_video(f: &MediaFacts) -> Option<(usize, &VideoFacts)> {
    f.streams
        .iter()
        .find_map(|s| s.video.as_ref().map(|v| (s.index, v)))
}

/// What the plan knows about the events' sound while it cuts segments.
struct Ctx<'a> {
    edl: &'a Edl,
    /// Record frame where each timeline event's frame 0 plays.
    starts: Vec<i64>,
    /// Each event's sound curves in program samples (join fades and its own fades).
    curves: Vec<Vec<Curve>>,
    /// Program samples where the picture has sound (for ducking), in order, not overlapping.
    dialogue: Vec<(i64, i64)>,
}

impl<'a> Ctx<'a> {
    fn new(edl: &'a Edl, events: &[PlannedEvent]) -> Result<Ctx<'a>, PlanError> {
        let out = &edl.output;
        let (sr, fps) = (out.audio.sample_rate, out.fps);
        let starts: Vec<i64> = events.iter().map(|e| e.record_start).collect();
        let transparent = |k: usize| matches!(edl.timeline.get(k).map(|e| &e.kind), Some(EventKind::Title(t)) if t.background.is_none());
        let dissolves_in = |k: usize| {
            edl.timeline
                .get(k)
                .and_then(|e| e.transition)
                .is_some_and(|t| t.kind == TransitionKind::Dissolve)
        };
        let mut curves = vec![Vec::new(); edl.timeline.len()];
        let mut dialogue: Vec<(i64, i64)> = Vec::new();
        for (k, ev) in edl.timeline.iter().enumerate() {
            let EventKind::Clip(c) = &ev.kind else {
                continue;
            };
            let facts = edl
                .sources
                .get(&c.source)
                .map(|s| &s.facts)
                .ok_or_else(|| PlanError::UnknownSource(c.source.clone()))?;
            if c.audio.mute || facts.audio_stream(c.audio.stream).is_none() {
                continue;
            }
            // The sound runs on under transparent titles that follow.
            let mut end_frame = starts[k] + ev.frames;
            let mut next = k + 1;
            while transparent(next) {
                end_frame += edl.timeline[next].frames;
                next += 1;
            }
            let (s0, s1) = (sample_at(starts[k], sr, fps), sample_at(end_frame, sr, fps));
            let len = s1 - s0;
            let join = out.audio.join_fade.min(len / 2);
            let list = &mut curves[k];
            if join > 0 && !dissolves_in(k) {
                list.push(Curve::fade_in(s0, join));
            }
            if join > 0 && !dissolves_in(next) {
                list.push(Curve::fade_out(s1, join));
            }
            if c.audio.fade_in > 0 {
                list.push(Curve::fade_in(s0, c.audio.fade_in.min(len)));
            }
            if c.audio.fade_out > 0 {
                list.push(Curve::fade_out(s1, c.audio.fade_out.min(len)));
            }
            match dialogue.last_mut() {
                Some(last) if s0 <= last.1 => last.1 = last.1.max(s1),
                _ => dialogue.push((s0, s1)),
            }
        }
        Ok(Ctx {
            edl,
            starts,
            curves,
            dialogue,
        })
    }
}

/// A bed as placed in the program.
struct PlacedBed {
    name: String,
    path: PathBuf,
    stream: usize,
    origin_stream: usize,
    source_in: Rational,
    /// Program samples `[start, end)`.
    start: i64,
    end: i64,
    sample_rate: u32,
    filter: String,
    curves: Vec<Curve>,
}

impl PlacedBed {
    /// The part of the bed under the segment whose samples are `[start, start + len)`.
    fn piece(&self, start: i64, len: i64) -> Option<BedPiece> {
        let a = self.start.max(start);
        let b = self.end.min(start + len);
        (b > a).then(|| BedPiece {
            name: self.name.clone(),
            path: self.path.clone(),
            stream: self.stream,
            origin_stream: self.origin_stream,
            start: self.source_in + Rational::new(a - self.start, self.sample_rate as i64),
            offset: a - start,
            samples: b - a,
            filter: self.filter.clone(),
            envelope: Envelope::window(&self.curves, start, len),
        })
    }
}

/// Place the beds: their program range (cut at the program's end with a fade), gain, fades,
/// the program's fades, and ducking under the picture's sound.
fn plan_beds(edl: &Edl, ctx: &Ctx, total: i64, total_samples: i64) -> Vec<PlacedBed> {
    let out = &edl.output;
    let (sr, fps) = (out.audio.sample_rate, out.fps);
    let mut placed = Vec::new();
    for bed in &edl.beds {
        let Some(src) = edl.sources.get(&bed.source) else {
            continue;
        };
        let facts = &src.facts;
        let Some((stream, a)) = facts.audio_stream(bed.stream) else {
            continue;
        };
        let origin_stream = first_video(facts).map_or(stream, |(i, _)| i);
        // Unless told, the bed plays to the end of its sound.
        let natural = facts
            .audio_duration(bed.stream)
            .map(|d| round_half_up((d - bed.source_in) * sr as i64).max(0));
        let wanted_end = bed
            .samples
            .or(natural)
            .map_or(total_samples, |n| bed.start + n);
        let end = wanted_end.min(total_samples);
        if end <= bed.start {
            continue;
        }
        let len = end - bed.start;
        let mut curves = Vec::new();
        if bed.fade_in > 0 {
            curves.push(Curve::fade_in(bed.start, bed.fade_in.min(len)));
        }
        // Cut by the program's end: fade out there (1 s unless the bed has its own fade).
        let fade_out = if wanted_end > total_samples && bed.fade_out == 0 {
            sr as i64
        } else {
            bed.fade_out
        };
        if fade_out > 0 {
            curves.push(Curve::fade_out(end, fade_out.min(len)));
        }
        if out.fade_in > 0 {
            curves.push(Curve::fade_in(
                0,
                sample_at(out.fade_in.min(total), sr, fps),
            ));
        }
        if out.fade_out > 0 {
            let from = sample_at(total - out.fade_out.min(total), sr, fps);
            curves.push(Curve::fade_out(total_samples, total_samples - from));
        }
        if let Some(duck) = bed.duck.filter(|d| d.db > 0.0) {
            let low = 10f64.powf(-duck.db / 20.0);
            let r = duck.ramp.max(0);
            // Runs of sound closer than the two ramps stay ducked between them.
            let mut runs: Vec<(i64, i64)> = Vec::new();
            for &(a, b) in &ctx.dialogue {
                match runs.last_mut() {
                    Some(last) if a - last.1 <= 2 * r => last.1 = b,
                    _ => runs.push((a, b)),
                }
            }
            for (a, b) in runs {
                curves.push(Curve {
                    points: vec![(a - r, 1.0), (a, low), (b, low), (b + r, 1.0)],
                });
            }
        }
        placed.push(PlacedBed {
            name: bed.name.clone(),
            path: src.path.clone(),
            stream,
            origin_stream,
            source_in: bed.source_in,
            start: bed.start,
            end,
            sample_rate: sr,
            filter: audio_filter(&out.audio, a.channels, bed.gain_db),
            curves,
        });
    }
    placed
}

/// The media files a picture or sound reads.
fn picture_files<'a>(p: &'a Picture, out: &mut Vec<&'a std::path::Path>) {
    match p {
        Picture::Source(s) => out.push(&s.path),
        Picture::Dissolve(d) => {
            picture_files(&d.from, out);
            picture_files(&d.to, out);
        }
        Picture::Title(t) => {
            if let Some(u) = &t.underneath {
                picture_files(u, out);
            }
        }
        Picture::Black => {}
    }
}

fn sound_files<'a>(s: &'a Sound, out: &mut Vec<&'a std::path::Path>) {
    match s {
        Sound::Source { path, .. } => out.push(path),
        Sound::Crossfade { from, to } => {
            sound_files(from, out);
            sound_files(to, out);
        }
        Sound::Silence => {}
    }
}

/// A stable hash of everything that determines a segment's bytes (except its position in the
/// program): roughcut's version, the output settings, the picture and sound descriptions, and
/// the identity (size, time, content hash) of every media file it reads.
fn segment_key(
    plan: &Plan,
    seg: &Segment,
    identities: &std::collections::BTreeMap<&std::path::Path, &str>,
) -> String {
    #[derive(Serialize)]
    struct KeyInput<'a> {
        version: &'a str,
        width: u32,
        height: u32,
        fps: Rate,
        video: &'a VideoSettings,
        sample_rate: u32,
        channels: u32,
        frames: i64,
        samples: i64,
        sample_phase: i64,
        picture: &'a Picture,
        sound: &'a Sound,
        beds: &'a [BedPiece],
        burn_in: &'a Option<subtitles::BurnIn>,
        /// Fades as they fall in this segment (relative to its first frame).
        fades: Vec<(FadeKind, i64, i64)>,
        overlay: &'a Option<OverlaySpec>,
        /// (file, identity) of every source read.
        files: Vec<(&'a std::path::Path, Option<&'a str>)>,
    }
    let mut files = Vec::new();
    picture_files(&seg.picture, &mut files);
    sound_files(&seg.sound, &mut files);
    files.extend(seg.beds.iter().map(|b| b.path.as_path()));
    files.sort();
    files.dedup();
    let o = &plan.output;
    let input = KeyInput {
        version: &plan.version,
        width: o.width,
        height: o.height,
        fps: o.fps,
        video: &o.video,
        sample_rate: o.audio.sample_rate,
        channels: o.audio.channels,
        frames: seg.frames,
        samples: seg.samples,
        // Where the segment's samples start relative to its frames matters for the sound.
        sample_phase: seg.sample_start - sample_at(seg.record_start, o.audio.sample_rate, o.fps),
        picture: &seg.picture,
        sound: &seg.sound,
        beds: &seg.beds,
        burn_in: &seg.burn_in,
        fades: seg
            .fades
            .iter()
            .map(|f| (f.kind, f.start - seg.record_start, f.frames))
            .collect(),
        overlay: &seg.overlay,
        files: files
            .into_iter()
            .map(|f| (f, identities.get(f).copied()))
            .collect(),
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    blake3::hash(&bytes).to_hex()[..32].to_string()
}

/// The colour matrix FFmpeg's scaler should assume for a source: its tag, else the convention
/// (SD → BT.601, HD → BT.709).
fn source_matrix(v: &VideoFacts) -> &'static str {
    match v.color_matrix.as_str() {
        "bt709" => "bt709",
        "smpte170m" | "bt470bg" => "bt601",
        "fcc" => "fcc",
        "smpte240m" => "smpte240m",
        "bt2020nc" | "bt2020c" => "bt2020",
        _ if v.height >= 720 => "bt709",
        _ => "bt601",
    }
}

/// Full or limited range of a source: its tag, else full for `yuvj*` and gray formats.
fn source_range(v: &VideoFacts) -> &'static str {
    match v.color_range.as_str() {
        "pc" => "full",
        "tv" => "limited",
        _ if v.pix_fmt.starts_with("yuvj") || v.pix_fmt.starts_with("gray") => "full",
        _ => "limited",
    }
}

/// The conform chain for a source's picture: deinterlace, upright, fit, output pixel format and
/// matrix, and the look.
pub fn video_filter(
    v: &VideoFacts,
    width: u32,
    height: u32,
    fit: Fit,
    tone: Option<Tone>,
) -> String {
    let mut chain: Vec<String> = Vec::new();
    if v.interlaced() {
        let parity = match (v.top_field_first, v.field_order.as_str()) {
            (Some(true), _) | (None, "tt" | "tb") => "tff",
            (Some(false), _) | (None, "bb" | "bt") => "bff",
            _ => "auto",
        };
        chain.push(format!("bwdif=mode=send_frame:parity={parity}:deint=all"));
    }
    if v.mirrored {
        chain.push("hflip".into());
    }
    // FFmpeg reports rotation counter-clockwise; turn the picture clockwise by that much.
    let clockwise = (360 - v.rotation.rem_euclid(360)) % 360;
    let (mut w, mut h, mut sar) = (v.width as i64, v.height as i64, v.sar.0);
    match clockwise {
        90 => chain.push("transpose=clock".into()),
        180 => chain.push("hflip,vflip".into()),
        270 => chain.push("transpose=cclock".into()),
        _ => {}
    }
    if clockwise == 90 || clockwise == 270 {
        std::mem::swap(&mut w, &mut h);
        sar = sar.recip();
    }
    let b = fit_picture(w, h, sar, width as i64, height as i64, fit);
    chain.push(format!(
        "scale=w={}:h={}:flags=bicubic+accurate_rnd:in_range={}:out_range=limited:in_color_matrix={}:out_color_matrix=bt709",
        b.scaled_w,
        b.scaled_h,
        source_range(v),
        source_matrix(v)
    ));
    // The look applies to the picture, before the frame is padded: bars stay black.
    chain.push("format=yuv420p".into());
    if let Some(t) = tone {
        // Every chroma sample set: exactly neutral, or one tone over the picture's luma.
        chain.push(format!("lutyuv=u={}:v={}", t.u, t.v));
    }
    match fit {
        Fit::Pad if (b.scaled_w, b.scaled_h) != (width as i64, height as i64) => chain.push(
            format!("pad=w={width}:h={height}:x={}:y={}:color=black", b.x, b.y),
        ),
        Fit::Crop if (b.scaled_w, b.scaled_h) != (width as i64, height as i64) => {
            chain.push(format!("crop=w={width}:h={height}:x={}:y={}", b.x, b.y))
        }
        _ => {}
    }
    chain.push("setsar=1".into());
    chain.join(",")
}

/// FFmpeg's name for the output's channel layout with `channels` channels (1, 2 or 6: what
/// validation allows).
pub fn output_layout(channels: u32) -> &'static str {
    match channels {
        1 => "mono",
        6 => "5.1",
        _ => "stereo",
    }
}

/// The conform chain for a source's sound: resample and remix to the output, apply gain.
pub fn audio_filter(a: &AudioSettings, source_channels: u32, gain_db: f64) -> String {
    let layout = output_layout(a.channels);
    // Mono plays on both channels at its own level (dual mono), not 3 dB down.
    let dual_mono = if source_channels == 1 && a.channels == 2 {
        "pan=stereo|c0=c0|c1=c0,"
    } else {
        ""
    };
    let mut chain = format!(
        "{dual_mono}aresample={sr},aformat=sample_fmts=flt:sample_rates={sr}:channel_layouts={layout}",
        sr = a.sample_rate
    );
    if gain_db != 0.0 {
        chain.push_str(&format!(",volume={gain_db}dB"));
    }
    chain
}

#[cfg(test)]
mod tests;
