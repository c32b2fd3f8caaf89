//! The EDL as written: serde types with unknown fields rejected. The JSON Schema published in
//! `docs/edl.schema.json` is generated from these types, and structural validation walks that
//! schema, so the two can never disagree. Nothing downstream of `edl` sees these types.

mod output;
mod subtitles;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use output::{
    BitrateValue, ChapterSource, Fit, RawAudio, RawLoudness, RawLoudnessValue, RawOutput, RawVideo,
};
pub use subtitles::{
    OverlayPosition, RawOverlays, RawSubStyle, RawSubtitle, RawTiming, RawTimingSource,
    SubPosition, TimingName,
};

/// A time: a JSON number is seconds; strings may be `"HH:MM:SS:FF"` (non-drop timecode),
/// `"HH:MM:SS;FF"` (drop-frame, 29.97/59.94 only), `"HH:MM:SS.sss"`, `"12.5s"` or `"300f"`
/// (frames). Frames and timecode count at the source's rate for `in`/`out`, at the output rate
/// everywhere else.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct TimeValue(pub serde_json::Value);

impl JsonSchema for TimeValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Time".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Seconds as a number, or a string: \"HH:MM:SS:FF\", \"HH:MM:SS;FF\" (drop-frame), \"HH:MM:SS.sss\", \"12.5s\", \"300f\".",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string" }
            ]
        })
    }
}

/// A frame rate: a number (`25`, `29.97`) or a string (`"25"`, `"30000/1001"`, `"23.976"`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct RateValue(pub serde_json::Value);

impl JsonSchema for RateValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FrameRate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Frames per second: a number (25, 29.97) or a string (\"25\", \"30000/1001\", \"23.976\"). 23.976, 29.97, 59.94 mean the exact NTSC rates N×1000/1001.",
            "anyOf": [
                { "type": "number", "exclusiveMinimum": 0 },
                { "type": "string" }
            ]
        })
    }
}

/// An edit decision list, version 1.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "roughcut EDL v1")]
pub struct RawEdl {
    /// Format version; must be 1.
    pub version: u32,
    /// Title of the cut (shown in reports, written as the output's title tag).
    #[serde(default)]
    pub title: Option<String>,
    /// What to render and how (all fields have defaults).
    #[serde(default)]
    pub output: Option<RawOutput>,
    /// Media files by id. Paths are relative to the EDL file's folder.
    pub sources: BTreeMap<String, RawSource>,
    /// The events of the program, in order.
    pub timeline: Vec<RawEvent>,
    /// Sound beds (music, narration) laid under the picture's sound.
    #[serde(default)]
    pub audio_tracks: Vec<RawAudioTrack>,
    /// Subtitle files to carry as tracks or burn in.
    #[serde(default)]
    pub subtitles: Vec<RawSubtitle>,
    /// Burn-in overlays for review copies.
    #[serde(default)]
    pub overlays: Option<RawOverlays>,
    /// Named points (or ranges) on the program for review: carried into the plan, `--dry-run`
    /// and the render report. They change nothing in the picture or the sound.
    #[serde(default)]
    pub markers: Vec<RawMarker>,
    /// Pictures laid over the timeline at program times (a second picture layer), while the
    /// sound underneath carries on.
    #[serde(default)]
    pub cutaways: Vec<RawCutaway>,
}

/// A cutaway: a source's picture (no sound) shown over the timeline from program time `at`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCutaway {
    /// Program time where the cutaway starts (from the program's start).
    pub at: TimeValue,
    /// Id of a source in `sources`.
    pub source: String,
    /// First source time shown (inclusive).
    #[serde(rename = "in")]
    pub in_: TimeValue,
    /// Source time where it ends (exclusive). Give `out` or `duration`, not both.
    pub out: Option<TimeValue>,
    /// Program length. Give `out` or `duration`, not both.
    pub duration: Option<TimeValue>,
    /// Name shown in the plan, progress and the clip-name overlay.
    pub name: Option<String>,
    /// `natural` (default), `monochrome`, `sepia`, or `{"tint": "#rrggbb"}`.
    pub look: Option<RawLook>,
}

impl RawCutaway {
    /// The cutaway as a clip of the timeline (its picture; it has no sound of its own).
    pub(crate) fn as_clip(&self) -> RawClip {
        RawClip {
            source: self.source.clone(),
            in_: self.in_.clone(),
            out: self.out.clone(),
            duration: self.duration.clone(),
            name: self.name.clone(),
            look: self.look.clone(),
            speed: None,
            move_: None,
            audio: None,
            transition: None,
            metadata: None,
        }
    }
}

/// A marker on the program.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMarker {
    /// Program time of the marker, from the program's start (`"12.5"`, `"310f"`,
    /// `"00:00:12:13"`).
    pub at: TimeValue,
    /// A short name (shown in the plan and reports).
    pub name: String,
    /// A longer note.
    pub note: Option<String>,
    /// Its colour, as editing systems mark them (default `red`).
    pub colour: Option<MarkerColour>,
    /// How long the marked range lasts (program time; default: a point).
    pub duration: Option<TimeValue>,
}

/// A marker's colour (the colours editing systems and OpenTimelineIO give markers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MarkerColour {
    #[default]
    Red,
    Pink,
    Orange,
    Yellow,
    Green,
    Cyan,
    Blue,
    Purple,
    Magenta,
    Black,
    White,
}

impl MarkerColour {
    /// The colour's name as the EDL writes it.
    pub fn name(self) -> &'static str {
        match self {
            MarkerColour::Red => "red",
            MarkerColour::Pink => "pink",
            MarkerColour::Orange => "orange",
            MarkerColour::Yellow => "yellow",
            MarkerColour::Green => "green",
            MarkerColour::Cyan => "cyan",
            MarkerColour::Blue => "blue",
            MarkerColour::Purple => "purple",
            MarkerColour::Magenta => "magenta",
            MarkerColour::Black => "black",
            MarkerColour::White => "white",
        }
    }
}

/// Whether a source is black-and-white.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColourClass {
    /// Detect by measuring the source's chroma.
    Auto,
    /// Colour material.
    Colour,
    /// Black-and-white material: rendered with perfectly neutral chroma.
    Bw,
}

/// A media file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Path of a local file, relative to the EDL's folder. URLs and FFmpeg protocols are refused.
    pub path: String,
    /// `auto` (default), `colour` or `bw`.
    pub colour: Option<ColourClass>,
    /// Overrides the probed frame rate for this source's frame counts and timecodes.
    pub fps: Option<RateValue>,
    /// Turn the picture clockwise by 0, 90, 180 or 270 degrees, after the file's own display
    /// matrix (a phone clip that arrives sideways).
    pub rotate: Option<i32>,
    /// Mirror the picture after `rotate`: `horizontal` or `vertical`.
    pub flip: Option<Flip>,
    /// `apply` (default) the file's display matrix, or `ignore` it: `rotate` and `flip` alone
    /// then turn the picture as decoded.
    pub display_matrix: Option<DisplayMatrix>,
    /// Cut the upright picture's edges away before it is fitted (a scan's black border): each
    /// edge in pixels, or as a share of the picture's width or height (`"4%"`).
    pub crop: Option<RawCrop>,
}

/// A mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Flip {
    /// Left and right change places.
    Horizontal,
    /// Top and bottom change places.
    Vertical,
}

/// Whether the file's display matrix turns the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DisplayMatrix {
    Apply,
    Ignore,
}

/// Edges to cut away from the upright picture.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCrop {
    pub left: Option<CropValue>,
    pub right: Option<CropValue>,
    pub top: Option<CropValue>,
    pub bottom: Option<CropValue>,
}

/// An edge to crop: pixels, or a share of the picture's width or height (`"4%"`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CropValue {
    Pixels(u32),
    Share(String),
}

/// One event of the timeline: a clip, a title card or a gap.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawEvent {
    /// A piece of a source.
    Clip(RawClip),
    /// A title card.
    Title(RawTitleEvent),
    /// Black picture and silence.
    Gap(RawGapEvent),
}

/// A piece of a source.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClip {
    /// Id of a source in `sources`.
    pub source: String,
    /// First source time shown (inclusive).
    #[serde(rename = "in")]
    pub in_: TimeValue,
    /// Source time where the event ends (exclusive). Give `out` or `duration`, not both.
    pub out: Option<TimeValue>,
    /// Program length of the event (output frame rate). Give `out` or `duration`, not both.
    pub duration: Option<TimeValue>,
    /// Name shown in the plan, progress and the clip-name overlay.
    pub name: Option<String>,
    /// `natural` (default), `monochrome`, `sepia`, or `{"tint": "#rrggbb"}`.
    pub look: Option<RawLook>,
    /// Playback speed (default 1): `0.5` slow motion, `2` twice as fast (0.1 to 10; a number or
    /// `"n/d"`), `0` a freeze on the `in` frame for `duration`.
    pub speed: Option<RateValue>,
    /// For a still: the camera's move across it, from one framing to another.
    #[serde(rename = "move")]
    pub move_: Option<Box<RawMove>>,
    /// Sound settings of the event.
    pub audio: Option<Box<RawEventAudio>>,
    /// Transition leading into this event.
    pub transition: Option<RawTransition>,
    /// Notes kept with the clip and not rendered (in no key): what an imported list said that
    /// roughcut does not act on (ASC CDL values, effects, the list's event number), which
    /// `export` writes back.
    #[schemars(with = "Option<std::collections::BTreeMap<String, serde_json::Value>>")]
    pub metadata: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// A move across a still: the framing at the first frame and at the last, as shares of the
/// upright picture.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMove {
    pub from: RawRect,
    pub to: RawRect,
    /// `linear` (default) or `ease_in_out` (starting and stopping gently).
    pub ease: Option<Ease>,
}

/// A framing rectangle: left, top, width and height as shares (0 to 1) of the upright
/// picture's width and height.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// How a move runs in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ease {
    #[default]
    Linear,
    /// Smoothstep: 3t² − 2t³.
    EaseInOut,
}

/// A picture look: a named one or a tint.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawLook {
    /// `natural`, `monochrome` or `sepia`.
    Named(LookName),
    /// Neutral luma toned with a colour's hue.
    Tint(RawTint),
}

/// A toned look: the picture's luma, with the chroma of the given colour.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTint {
    /// The tone as `#rrggbb` (e.g. `#704214` for a sepia, `#3a5f8a` for a cyanotype blue).
    pub tint: String,
}

/// How black-and-white material is finished: `neutral`, `sepia`, or `{"tint": "#rrggbb"}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawFinish {
    /// `neutral` (default) or `sepia`.
    Named(FinishName),
    /// Neutral luma toned with a colour's hue.
    Tint(RawTint),
}

/// Named finishes for black-and-white material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishName {
    /// Every chroma sample exactly neutral.
    Neutral,
    /// roughcut's warm sepia tone.
    Sepia,
}

/// A named picture look applied to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookName {
    /// As the source is (black-and-white sources get the output's `bw` finish).
    Natural,
    /// Black-and-white with the output's `bw` finish (neutral by default).
    Monochrome,
    /// A warm tone on neutral luma.
    Sepia,
}

/// Sound settings of a clip event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEventAudio {
    /// Gain in decibels (−60 to +24; default 0).
    pub gain_db: Option<f64>,
    /// Silence the event's sound (default false).
    pub mute: Option<bool>,
    /// Fade the event's sound in over this long from its start (program time).
    pub fade_in: Option<TimeValue>,
    /// Fade the event's sound out over this long before its end (program time).
    pub fade_out: Option<TimeValue>,
    /// Which of the source's audio streams to play: 0 (default) is the first, 1 the second …
    /// (as FFmpeg's `0:a:N`).
    pub stream: Option<u32>,
    /// A J-cut: the clip's sound starts this long before its picture (program time), over the
    /// end of what comes before.
    pub lead: Option<TimeValue>,
    /// An L-cut: the clip's sound runs on this long after its picture ends (program time),
    /// under the start of what comes after.
    pub tail: Option<TimeValue>,
    /// What the neighbours' own sound does under a `lead` or `tail`: `cut` (default: it stops
    /// at the sound edit, with the join fade) or `mix` (both play).
    pub overlap: Option<Overlap>,
    /// Under a freeze (`speed: 0`): the clip's sound carries on from `in` at its own speed while
    /// the picture holds (default false: silence).
    pub carry: Option<bool>,
    /// How a changed speed stretches the sound keeping its pitch: `atempo` (default, FFmpeg's
    /// own) or `rubberband` (higher quality; needs an FFmpeg built with librubberband).
    pub stretch: Option<Stretch>,
}

/// A time-stretcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stretch {
    #[default]
    Atempo,
    Rubberband,
}

/// What the neighbours' sound does under a split edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    /// The neighbour's sound stops (or starts) at the sound edit, with the join fade.
    #[default]
    Cut,
    /// Both sounds play, mixed.
    Mix,
}

/// A sound track under the picture: either one sound clip given by its own fields (a bed:
/// music or narration), or named `clips` (an interview's sound under B-roll, a wild track).
/// The clips' fields are a bed's; `clips` and `mute` belong to the track only.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudioTrack {
    /// Id of a source in `sources` (sound-only files are fine here). Not with `clips`.
    pub source: Option<String>,
    /// Name shown in the plan and messages.
    pub name: Option<String>,
    /// The track's sound clips, each with the fields of a bed (`source`, `at`, `in`, `out` or
    /// `duration`, `gain_db`, fades, `stream`, `duck`). Not with `source`.
    pub clips: Option<Vec<RawAudioTrack>>,
    /// Silence the whole track (default false).
    pub mute: Option<bool>,
    /// Program time where the bed starts (default 0).
    pub at: Option<TimeValue>,
    /// Source time where the bed's sound starts (default 0).
    #[serde(rename = "in")]
    pub in_: Option<TimeValue>,
    /// Source time where the bed ends (exclusive). Give `out` or `duration`, not both; with
    /// neither, the bed plays to the end of its sound (or of the program).
    pub out: Option<TimeValue>,
    /// How long the bed plays (program time).
    pub duration: Option<TimeValue>,
    /// Gain in decibels (−60 to +24; default 0).
    pub gain_db: Option<f64>,
    /// Fade in over this long from the bed's start.
    pub fade_in: Option<TimeValue>,
    /// Fade out over this long before the bed's end; also the fade used when the program ends
    /// before the bed does (default 1 s there).
    pub fade_out: Option<TimeValue>,
    /// Which of the source's audio streams (0 = first, default).
    pub stream: Option<u32>,
    /// Lower the bed while the picture has sound.
    pub duck: Option<RawDuck>,
}

/// Ducking: the bed is lowered while the picture's own sound plays.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDuck {
    /// How many decibels to lower the bed by (0 to 60, e.g. 12).
    pub db: f64,
    /// How long the bed takes to go down and come back up (default 0.25 s).
    pub ramp: Option<TimeValue>,
}

/// A transition into an event.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTransition {
    /// `dissolve` (overlaps the previous event) or `fade_black` (dip to black, no overlap).
    #[serde(rename = "type")]
    pub kind: TransitionKind,
    /// Length of the transition (program time).
    pub duration: TimeValue,
}

/// Kinds of transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Cross-dissolve: the program is shorter by the duration.
    Dissolve,
    /// Dip to black: fade out over the previous event's last half, in over this one's first.
    FadeBlack,
}

/// A title card event.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTitleEvent {
    /// The card.
    pub title: RawTitle,
    /// Name shown in the plan and progress.
    pub name: Option<String>,
    /// Transition leading into this event.
    pub transition: Option<RawTransition>,
}

/// A title card: centred lines of text on black.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTitle {
    /// Text; `\n` separates lines. Drawn literally (quotes, colons, `%`, backslashes included).
    pub text: String,
    /// How long the card is shown (program time).
    pub duration: TimeValue,
    /// Text height in pixels (default: 1/12 of the output height).
    pub size: Option<u32>,
    /// Text colour as `#rrggbb` (default white).
    pub colour: Option<String>,
    /// A TrueType/OpenType font file (default: DejaVu Sans, which covers Latin and Cyrillic).
    pub font: Option<String>,
    /// Card colour as `#rrggbb` (default black), or `transparent`: the lines are drawn over the
    /// previous event carrying on (picture and sound), as for a lower third.
    pub background: Option<String>,
    /// Where the lines sit: `centre` (default), `top` or `lower_third`.
    pub position: Option<TitlePosition>,
}

/// Where a title's lines sit on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitlePosition {
    /// Centred vertically.
    Centre,
    /// Near the top (a tenth of the height down).
    Top,
    /// Centred in the lower third.
    LowerThird,
}

impl RawTitle {
    /// The characters a font must draw (line breaks and other controls are not drawn).
    pub(crate) fn title_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.text.chars().filter(|c| !c.is_control())
    }
}

/// A gap: black picture and silence.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGapEvent {
    /// Length of the gap (program time).
    pub gap: TimeValue,
    /// Name shown in the plan and progress.
    pub name: Option<String>,
    /// Transition leading into this event.
    pub transition: Option<RawTransition>,
}

/// The JSON Schema of the EDL format, generated from these types.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RawEdl)).unwrap_or(serde_json::Value::Null)
}

impl RawEdl {
    /// An EDL of one clip: `frames` output frames of the file `source` from its start, named
    /// `name`, rendered with `output` (transcode's EDL for each input).
    pub(crate) fn one_clip(
        output: RawOutput,
        source: &str,
        frames: i64,
        name: Option<String>,
    ) -> RawEdl {
        let mut sources = BTreeMap::new();
        sources.insert(
            "src".to_string(),
            RawSource {
                path: source.to_string(),
                colour: None,
                fps: None,
                rotate: None,
                flip: None,
                display_matrix: None,
                crop: None,
            },
        );
        RawEdl {
            version: 1,
            title: None,
            output: Some(output),
            sources,
            timeline: vec![RawEvent::Clip(RawClip {
                source: "src".into(),
                in_: TimeValue(0.into()),
                out: None,
                duration: Some(TimeValue(format!("{frames}f").into())),
                name,
                look: None,
                speed: None,
                move_: None,
                audio: None,
                transition: None,
                metadata: None,
            })],
            audio_tracks: Vec::new(),
            subtitles: Vec::new(),
            overlays: None,
            markers: Vec::new(),
            cutaways: Vec::new(),
        }
    }
}
