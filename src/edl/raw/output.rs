//! The EDL's `output` as written: video, audio, loudness, chapters, fit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// Output settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Output file, relative to the EDL's folder (default: `<edl name>.mp4` beside the EDL).
    /// The extension chooses the container: `.mp4`, `.mov` or `.mkv`.
    pub path: Option<String>,
    /// Picture width in pixels, even (default 1280).
    pub width: Option<u32>,
    /// Picture height in pixels, even (default 720).
    pub height: Option<u32>,
    /// Output frame rate (default 25).
    pub fps: Option<RateValue>,
    /// How pictures of another shape fit the frame (default `pad`).
    pub fit: Option<Fit>,
    /// Video encoder settings.
    pub video: Option<RawVideo>,
    /// Audio encoder settings.
    pub audio: Option<RawAudio>,
    /// How all black-and-white material (black-and-white sources, `monochrome` looks) is
    /// finished: `neutral` (default), `sepia`, or `{"tint": "#rrggbb"}`.
    pub bw: Option<RawFinish>,
    /// Fade the program in from black over this long at its start (program time).
    pub fade_in: Option<TimeValue>,
    /// Fade the program out to black over this long at its end (program time).
    pub fade_out: Option<TimeValue>,
    /// A draft preview: at most 640x360, sources decoded at reduced resolution where the codec
    /// can, cheaper scaling and x264 `ultrafast`; frames, sync, sound, black-and-white and
    /// subtitles exact as in a full render (default false; `render --draft` sets it).
    pub draft: Option<bool>,
    /// Record timecode of the program's first frame (`01:00:00:00`; `;` before the frames for
    /// drop-frame at 30000/1001 or 60000/1001). Written to the output's timecode track, counted
    /// on by the timecode overlay and kept by `export` (default: none, i.e. `00:00:00:00`).
    pub start_timecode: Option<String>,
    /// Chapters written into the file (MP4/MOV chapter track, Matroska chapters): `events`
    /// (one per event, named after it), `markers` (one per marker, from it to the next) or
    /// `none` (default).
    pub chapters: Option<ChapterSource>,
}

/// What the output's chapters are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChapterSource {
    Events,
    Markers,
    #[default]
    None,
}

/// How a picture of another aspect ratio fits the output frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Scale to fit inside, letterbox/pillarbox in black.
    Pad,
    /// Scale to fill, crop the overflow.
    Crop,
    /// Scale to the frame, ignoring aspect ratio.
    Stretch,
}

/// Video encoder settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVideo {
    /// Codec: `h264` (default), `hevc`, or `prores_proxy` / `prores_lt` (ProRes 422 Proxy or
    /// LT, 10-bit 4:2:2, for editing systems; .mov or .mkv only).
    pub codec: Option<String>,
    /// Constant rate factor, 0–51 (default 23).
    pub crf: Option<u32>,
    /// Encoder speed preset (default `veryfast`).
    pub preset: Option<String>,
}

/// Audio encoder settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudio {
    /// Codec: `aac` (default); `pcm_s16le`, `pcm_s24le` or `flac` in .mov or .mkv outputs.
    pub codec: Option<String>,
    /// Sample rate in Hz (default 48000).
    pub sample_rate: Option<u32>,
    /// Channels: 1, 2 (default) or 6.
    pub channels: Option<u32>,
    /// Bit rate for lossy codecs: `"160k"` (default), `"1M"` or bits per second.
    pub bitrate: Option<BitrateValue>,
    /// Length of the fade out and in at every hard cut, so no join clicks (default 0.005 =
    /// 5 ms; 0 disables).
    pub join_fade: Option<TimeValue>,
    /// Bring the whole program to a loudness target (measured, then applied).
    pub loudness: Option<RawLoudnessValue>,
}

/// A loudness target: the integrated loudness alone (`-23`), or with its true-peak ceiling.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawLoudnessValue {
    /// Integrated loudness in LUFS (the true-peak ceiling stays −1 dBTP).
    Target(f64),
    Full(RawLoudness),
}

/// A loudness target for the whole program.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLoudness {
    /// Integrated loudness in LUFS: −23 for EBU R128 broadcast, −16 for web (−70 to −5).
    pub target: f64,
    /// True-peak ceiling in dBTP (default −1; −9 to 0). Peaks above it are limited.
    pub true_peak: Option<f64>,
}

/// A bit rate: bits per second as a number, or a string with `k`/`M` suffix.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct BitrateValue(pub serde_json::Value);

impl JsonSchema for BitrateValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bitrate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Bits per second: a number, or a string such as \"160k\" or \"1.5M\".",
            "anyOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string" }
            ]
        })
    }
}
