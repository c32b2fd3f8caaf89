//! The EDL: raw JSON model, exact times, validation into a checked [`Edl`].
//!
//! `raw` is what the file says; [`Edl`] is what roughcut uses — exact times, resolved paths,
//! references checked, defaults filled in. Nothing downstream of this module sees raw input.

pub mod diag;
mod draft;
pub(crate) mod paths;
pub mod raw;
mod settings;
pub mod structure;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::time::{Rate, Rational};
pub use diag::{Diagnostic, Severity};
pub use draft::{parse, Draft};
pub use raw::{ColourClass, Fit, MarkerColour, TransitionKind};
pub use settings::{
    AudioCodec, AudioSettings, Container, Look, Output, Preset, Rgb, StartTimecode, Tone,
    VideoCodec, VideoSettings,
};
pub use validate::check;

use crate::facts::MediaFacts;

/// Options of [`check`].
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The output file given on the command line (`-o`), instead of `output.path`; relative
    /// to the working folder.
    pub output: Option<PathBuf>,
}

/// What [`check`] found: the checked EDL when there are no errors and every source was
/// probed, and every problem (errors and warnings).
#[derive(Debug, Clone)]
pub struct Checked {
    pub edl: Option<Edl>,
    /// Counts for a summary, when the timeline could be resolved (also without probing).
    pub outline: Option<Outline>,
    pub diagnostics: Vec<Diagnostic>,
    /// The colour judgement of every probed source with a picture, in source order (also when
    /// the EDL has errors): what `validate --format json` reports for each.
    pub verdicts: Vec<SourceVerdict>,
}

/// One source's colour judgement, as `validate` reports it.
#[derive(Debug, Clone)]
pub struct SourceVerdict {
    /// The source id.
    pub id: String,
    /// What the EDL declares (`auto`, `colour`, `bw`).
    pub declared: ColourClass,
    /// The measured verdict and the numbers behind it.
    pub analysis: crate::facts::ColourAnalysis,
}

/// The shape of a valid program, for a summary line.
#[derive(Debug, Clone, Copy)]
pub struct Outline {
    pub events: usize,
    pub sources: usize,
    pub frames: i64,
    pub fps: Rate,
}

impl Checked {
    /// The checked EDL and its warnings, or every problem found.
    pub fn into_loaded(self, path: &Path) -> Result<Loaded, LoadError> {
        match self.edl {
            Some(edl) if !self.diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
                edl,
                warnings: self.diagnostics,
            }),
            _ => Err(LoadError::Invalid {
                path: path.to_path_buf(),
                diagnostics: self.diagnostics,
            }),
        }
    }
}

/// Why an EDL could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The EDL file itself cannot be read.
    #[error("cannot read the EDL {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The EDL has problems; every one is listed (errors and warnings).
    #[error("{}: {} problem(s) found", path.display(), diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid {
        path: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
}

/// A checked EDL and the warnings found while checking it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub edl: Edl,
    pub warnings: Vec<Diagnostic>,
}

/// A checked edit decision list.
#[derive(Debug, Clone, Serialize)]
pub struct Edl {
    /// The EDL file.
    pub file: PathBuf,
    /// Its folder: relative paths resolve against it.
    pub base_dir: PathBuf,
    pub title: Option<String>,
    pub output: Output,
    /// Sources by id.
    pub sources: BTreeMap<String, Source>,
    pub timeline: Vec<Event>,
    /// Sound beds under the picture.
    pub beds: Vec<Bed>,
    pub subtitles: Vec<Subtitle>,
    pub overlays: Overlays,
    /// Markers on the program, in time order (EDL order among equal times).
    pub markers: Vec<Marker>,
    /// Cutaways over the timeline, in program order, not overlapping.
    pub cutaways: Vec<Cutaway>,
}

/// A checked cutaway: a clip's picture over program frames `[start, start + frames)`.
#[derive(Debug, Clone, Serialize)]
pub struct Cutaway {
    /// Index in the EDL's `cutaways`.
    pub index: usize,
    pub name: Option<String>,
    /// The picture shown (its `audio` is unused).
    pub clip: Clip,
    pub start: i64,
    pub frames: i64,
}

/// A checked marker: a point or range on the program, in output frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    /// Index in the EDL's `markers`.
    pub index: usize,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub colour: MarkerColour,
    /// Program frame it marks.
    pub frame: i64,
    /// Frames the marked range lasts (0: a point).
    pub frames: i64,
}

impl Edl {
    /// Program length in output frames: the sum of event frames minus dissolve overlaps.
    pub fn program_frames(&self) -> i64 {
        program_frames(&self.timeline)
    }
}

/// The program frame where each event's frame 0 plays: a dissolve into an event starts it that
/// many frames before the previous one ends.
pub(crate) fn record_starts(events: &[Event]) -> Vec<i64> {
    let mut starts = Vec::with_capacity(events.len());
    let mut at = 0i64;
    for (k, e) in events.iter().enumerate() {
        if k > 0 {
            at += events[k - 1].frames - e.overlap();
        }
        starts.push(at);
    }
    starts
}

/// The length in output frames of a program of `events`.
fn program_frames(events: &[Event]) -> i64 {
    events.iter().map(|e| e.frames - e.overlap()).sum()
}

/// A checked source.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: String,
    /// Resolved path.
    pub path: PathBuf,
    pub colour: ColourClass,
    /// The frame rate the EDL declared for this source, if any.
    pub fps_override: Option<Rate>,
    /// Probed facts.
    #[serde(skip)]
    pub facts: MediaFacts,
    /// Size, time and content hash of the file, for cache keys.
    #[serde(skip)]
    pub identity: String,
    /// How the EDL turns and crops the picture.
    pub shape: Shape,
}

/// A source's corrections: a turn and mirror after (or instead of) the file's display matrix,
/// and edges cropped from the upright picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Shape {
    /// `rotate`, then `flip`.
    pub turn: crate::facts::Orientation,
    /// The file's display matrix is not applied.
    pub ignore_display_matrix: bool,
    /// Left, right, top, bottom.
    pub crop: [CropEdge; 4],
}

/// One cropped edge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub enum CropEdge {
    #[default]
    None,
    Pixels(u32),
    /// A share of the width (left, right) or height (top, bottom).
    Share(#[serde(serialize_with = "ser_rational")] Rational),
}

/// A source picture as it is shown before fitting: turned upright, then cropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// The file's display matrix (unless ignored), then the EDL's turn.
    pub orientation: crate::facts::Orientation,
    /// Size of the upright picture, and its sample aspect ratio.
    pub width: i64,
    pub height: i64,
    pub sar: Rational,
    /// Pixels cut from the upright picture's left, right, top and bottom (even numbers).
    pub crop: [i64; 4],
}

impl Geometry {
    /// Size after the crop.
    pub(crate) fn cropped(&self) -> (i64, i64) {
        (
            self.width - self.crop[0] - self.crop[1],
            self.height - self.crop[2] - self.crop[3],
        )
    }
}

impl Shape {
    /// The geometry of picture `v` under this shape.
    pub(crate) fn geometry(&self, v: &crate::facts::VideoFacts) -> Geometry {
        let file = if self.ignore_display_matrix {
            crate::facts::Orientation::UPRIGHT
        } else {
            v.orientation
        };
        let orientation = file.then(self.turn);
        let (mut w, mut h, mut sar) = (v.width as i64, v.height as i64, v.sar.0);
        if orientation.swaps_axes() {
            std::mem::swap(&mut w, &mut h);
            if *sar.numer() > 0 {
                sar = sar.recip();
            }
        }
        let edge = |e: CropEdge, of: i64| -> i64 {
            let px = match e {
                CropEdge::None => Rational::from_integer(0),
                CropEdge::Pixels(p) => Rational::from_integer(i64::from(p)),
                CropEdge::Share(s) => s * of,
            };
            // Even, so 4:2:0 chroma is cut on whole samples.
            crate::time::round_half_up(px / 2) * 2
        };
        Geometry {
            orientation,
            width: w,
            height: h,
            sar,
            crop: [
                edge(self.crop[0], w),
                edge(self.crop[1], w),
                edge(self.crop[2], h),
                edge(self.crop[3], h),
            ],
        }
    }
}

impl Source {
    /// The rate at which this source's frame counts and timecodes count: the EDL's override,
    /// else the probed video frame rate.
    pub(crate) fn rate(&self) -> Option<Rate> {
        self.fps_override.or_else(|| {
            let r = self.facts.video()?.frame_rate?.0;
            Rate::new(*r.numer(), *r.denom()).ok()
        })
    }
}

/// One event of the program.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Position in the EDL's `timeline` array.
    pub index: usize,
    pub name: Option<String>,
    pub kind: EventKind,
    pub transition: Option<Transition>,
    /// Length in output frames (before any dissolve overlap is subtracted).
    pub frames: i64,
}

/// What an event shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum EventKind {
    Clip(Clip),
    Title(Title),
    Gap,
}

/// A piece of a source.
#[derive(Debug, Clone, Serialize)]
pub struct Clip {
    pub source: String,
    /// Source time of the first frame shown (seconds, exact).
    #[serde(serialize_with = "ser_rational")]
    pub source_in: Rational,
    /// Source time where the event ends (exclusive; seconds, exact).
    #[serde(serialize_with = "ser_rational")]
    pub source_out: Rational,
    pub look: Look,
    pub audio: ClipAudio,
    /// Playback speed: 1 normal, 0 a freeze on the `in` frame.
    #[serde(serialize_with = "ser_rational")]
    pub speed: Rational,
    /// A still's move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion: Option<Move>,
}

/// A move across a still: framings (x, y, w, h as shares of the upright picture) at the first
/// and the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Move {
    pub from: [f64; 4],
    pub to: [f64; 4],
    pub ease: raw::Ease,
}

impl Clip {
    /// Whether the picture holds one frame.
    pub fn frozen(&self) -> bool {
        *self.speed.numer() == 0
    }
    /// Whether the clip plays faster or slower than normal (not frozen).
    pub(crate) fn retimed(&self) -> bool {
        !self.frozen() && self.speed != Rational::from_integer(1)
    }
}

/// Sound settings of a clip.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClipAudio {
    pub gain_db: f64,
    pub mute: bool,
    /// Fade in from the event's start, in output samples (0 = none).
    pub fade_in: i64,
    /// Fade out before the event's end, in output samples (0 = none).
    pub fade_out: i64,
    /// Which audio stream of the source (0 = the first).
    pub stream: usize,
    /// A J-cut: output samples the sound starts before the picture (0 = none).
    pub lead: i64,
    /// An L-cut: output samples the sound runs on after the picture (0 = none).
    pub tail: i64,
    /// Under a lead or tail the neighbours' sound plays on, mixed (else it is cut).
    pub mix: bool,
    /// Under a freeze the sound carries on at its own speed (else silence).
    pub carry: bool,
    /// The time-stretcher for a changed speed.
    pub stretch: raw::Stretch,
}

/// A sound bed under the picture.
#[derive(Debug, Clone, Serialize)]
pub struct Bed {
    /// Position in the EDL's `audio_tracks` array.
    pub index: usize,
    pub name: String,
    pub source: String,
    /// Which audio stream of the source (0 = the first).
    pub stream: usize,
    /// Source time of the bed's first sample (seconds, exact).
    #[serde(serialize_with = "ser_rational")]
    pub source_in: Rational,
    /// First program sample of the bed.
    pub start: i64,
    /// Length in output samples; `None`: until the source's sound (or the program) ends.
    pub samples: Option<i64>,
    pub gain_db: f64,
    /// Fades, in output samples.
    pub fade_in: i64,
    pub fade_out: i64,
    pub duck: Option<Duck>,
    /// A sound clip of a track with `clips` that does not duck itself: it counts as the
    /// picture's sound does, lowering the beds that duck.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dialogue: bool,
}

/// How a bed is lowered while the picture has sound.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Duck {
    /// Decibels to lower the bed by (positive).
    pub db: f64,
    /// Ramp down/up length in output samples.
    pub ramp: i64,
}

/// A loudness target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Loudness {
    /// Integrated loudness, LUFS.
    pub target: f64,
    /// True-peak ceiling, dBTP.
    pub true_peak: f64,
}

/// A title card.
#[derive(Debug, Clone, Serialize)]
pub struct Title {
    pub text: String,
    /// Text height in pixels.
    pub size: u32,
    /// Text colour.
    pub colour: Rgb,
    /// Font file (checked to draw every character of the text).
    pub font: PathBuf,
    /// Card colour; `None`: transparent, drawn over the previous event carrying on.
    pub background: Option<Rgb>,
    pub position: raw::TitlePosition,
}

/// The font title cards use unless they name one (installed by `scripts/setup`).
pub(crate) const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// A transition into an event, with its length in output frames. Every decision on a
/// transition matches it whole, so a new kind is a compile error wherever it must be handled.
///
/// Serialised as `{"kind": "dissolve", "frames": 12}` (the plan's JSON and keys rely on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transition {
    /// Cross-dissolve: the previous event's last `frames` overlap this event's first.
    Dissolve { frames: i64 },
    /// Dip to black: the previous event fades out over its last half, this one fades in over
    /// its first half; no overlap.
    FadeBlack { frames: i64 },
}

impl Transition {
    /// The checked transition of a raw kind lasting `frames`.
    pub fn new(kind: TransitionKind, frames: i64) -> Transition {
        match kind {
            TransitionKind::Dissolve => Transition::Dissolve { frames },
            TransitionKind::FadeBlack => Transition::FadeBlack { frames },
        }
    }

    /// Its length in output frames.
    pub fn frames(self) -> i64 {
        match self {
            Transition::Dissolve { frames } | Transition::FadeBlack { frames } => frames,
        }
    }

    /// Output frames the program is shorter by: where the incoming event starts before the
    /// outgoing one ends (a dissolve's length; 0 for a dip). The one place that knows it.
    pub fn overlap(self) -> i64 {
        match self {
            Transition::Dissolve { frames } => frames,
            Transition::FadeBlack { .. } => 0,
        }
    }

    /// Whether the incoming event starts before the outgoing one ends (a dissolve, whatever
    /// its length).
    pub(crate) fn overlaps(self) -> bool {
        match self {
            Transition::Dissolve { .. } => true,
            Transition::FadeBlack { .. } => false,
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Transition::Dissolve { .. } => "dissolve",
            Transition::FadeBlack { .. } => "dip to black",
        }
    }
}

impl Event {
    /// Output frames of this event's start that overlap the previous event's end (the
    /// dissolve into it; 0 without one).
    pub fn overlap(&self) -> i64 {
        self.transition.map_or(0, Transition::overlap)
    }

    /// Whether a dissolve leads into this event.
    pub(crate) fn dissolves_in(&self) -> bool {
        self.transition.is_some_and(Transition::overlaps)
    }
}

/// A subtitle file, read.
#[derive(Debug, Clone, Serialize)]
pub struct Subtitle {
    /// Position in the EDL's `subtitles` array.
    pub index: usize,
    pub path: PathBuf,
    pub language: Option<String>,
    pub burn_in: bool,
    /// Carried as a soft track.
    pub track: bool,
    /// The source whose times the cues are, or `None` for program times.
    pub timing_source: Option<String>,
    pub default: bool,
    pub forced: bool,
    pub title: Option<String>,
    pub style: SubStyle,
    /// The file's cues, in start order.
    pub cues: Vec<crate::subs::Cue>,
}

/// How burned-in subtitles look.
#[derive(Debug, Clone, Serialize)]
pub struct SubStyle {
    pub font: PathBuf,
    /// Text height in pixels.
    pub size: u32,
    pub outline: f64,
    pub margin: u32,
    pub top: bool,
}

/// Burn-in overlays.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overlays {
    pub timecode: bool,
    pub clip_name: bool,
    pub watermark: Option<String>,
    /// Text height in pixels (0 until the output height is known: the plan picks the default).
    pub size: u32,
    /// Timecode and clip name along the top (watermark bottom left) instead of the bottom.
    pub top: bool,
}

impl Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

fn ser_rational<S: serde::Serializer>(r: &Rational, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}/{}", r.numer(), r.denom()))
}
