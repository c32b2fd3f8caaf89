//! The EDL's `subtitles` and `overlays` as written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A subtitle file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSubtitle {
    /// Path of an `.srt`, `.ass`, `.ssa` or `.vtt` file, relative to the EDL's folder.
    pub path: String,
    /// ISO 639-2 language code (`rus`, `eng`).
    pub language: Option<String>,
    /// Render this entry into the picture (at most one entry). A burned-in entry is not also
    /// carried as a soft track unless `track` says so.
    pub burn_in: Option<bool>,
    /// Carry the entry as a soft subtitle track (default: true, except for the burned-in entry,
    /// which would otherwise show twice to a viewer who picks its language).
    pub track: Option<bool>,
    /// `record` (default: the cues are program times) or `{"source": ID}` (the cues are times
    /// in that source: every clip of it carries the cues inside its in/out, retimed).
    pub timing: Option<RawTiming>,
    /// Text encoding of a file without a byte-order mark (default `utf-8`; e.g.
    /// `windows-1251`, `koi8-r`, `utf-16le`).
    pub encoding: Option<String>,
    /// Mark the track as the default one (default: true for the first entry only).
    pub default: Option<bool>,
    /// Mark the track as forced (shown even when subtitles are off).
    pub forced: Option<bool>,
    /// Track title shown by players (default: the language's name).
    pub title: Option<String>,
    /// How the burned-in track looks.
    pub style: Option<RawSubStyle>,
}

/// How subtitle cue times are counted.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawTiming {
    /// `record`: program times.
    Named(TimingName),
    /// Times in a source: `{"source": "interview"}`.
    Source(RawTimingSource),
}

/// Named cue timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimingName {
    /// The cues are program (record) times.
    Record,
}

/// Cues timed against a source clip.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTimingSource {
    /// Id of a source in `sources`.
    pub source: String,
}

/// The look of burned-in subtitles.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSubStyle {
    /// Font file (default DejaVu Sans); checked to draw every character of the cues.
    pub font: Option<String>,
    /// Text height in pixels (default: output height / 18).
    pub size: Option<u32>,
    /// Outline width in pixels (default 2; 0 to 10).
    pub outline: Option<f64>,
    /// Distance from the frame's edge in pixels (default: output height / 20).
    pub margin: Option<u32>,
    /// `bottom` (default) or `top`.
    pub position: Option<SubPosition>,
}

/// Where burned-in subtitles sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubPosition {
    Bottom,
    Top,
}

/// Burn-in overlays for review copies.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOverlays {
    /// Record timecode of the program (`HH:MM:SS:FF`), bottom left.
    pub timecode: Option<bool>,
    /// Name of the event on screen and its source time, bottom right.
    pub clip_name: Option<bool>,
    /// A watermark text, top left.
    pub watermark: Option<String>,
    /// Text height in pixels (default: 1/24 of the output height, at least 14).
    pub size: Option<u32>,
    /// `bottom` (default: timecode and clip name along the bottom, watermark top left) or
    /// `top` (the other way round).
    pub position: Option<OverlayPosition>,
}

/// Where the burn-in overlays go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverlayPosition {
    Bottom,
    Top,
}
