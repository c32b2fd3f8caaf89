//! Media facts per file: what `roughcut probe` prints and what validation and planning use.
//!
//! The facts are plain data; [`probe_file`] fills them through the media layer.

use std::path::Path;

use serde::Serialize;

use crate::edl::time::{format_seconds, Rational};
use crate::media::{self, MediaError};

/// An exact rational written as `"num/den"` in JSON and human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio(pub Rational);

impl Serialize for Ratio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self.0.denom() == 1 {
            write!(f, "{}", self.0.numer())
        } else {
            write!(f, "{}/{}", self.0.numer(), self.0.denom())
        }
    }
}

/// Facts about one media file.
#[derive(Debug, Clone, Serialize)]
pub struct MediaFacts {
    /// The path as given.
    pub path: String,
    /// FFmpeg's demuxer name (e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`).
    pub container: String,
    /// Container duration in seconds (exact rational of the container's microsecond value).
    pub duration: Option<Ratio>,
    /// The same, formatted for people.
    pub duration_text: Option<String>,
    /// File size in bytes.
    pub size_bytes: u64,
    /// All streams, in file order.
    pub streams: Vec<StreamFacts>,
}

impl MediaFacts {
    /// The first video stream (the one roughcut uses).
    pub fn video(&self) -> Option<&VideoFacts> {
        self.streams.iter().find_map(|s| s.video.as_ref())
    }
    /// Audio streams in file order.
    pub fn audio_streams(&self) -> impl Iterator<Item = &AudioFacts> {
        self.streams.iter().filter_map(|s| s.audio.as_ref())
    }
    /// The duration roughcut trusts: the first video stream's, else the container's.
    pub fn usable_duration(&self) -> Option<Rational> {
        self.streams
            .iter()
            .find(|s| s.video.is_some())
            .and_then(|s| s.duration.map(|d| d.0))
            .or(self.duration.map(|d| d.0))
    }
}

/// Facts common to every stream, plus the per-kind details.
#[derive(Debug, Clone, Serialize)]
pub struct StreamFacts {
    /// Stream index in the file.
    pub index: usize,
    /// `video`, `audio`, `subtitle`, `data` or `attachment`.
    pub kind: String,
    /// Codec name (FFmpeg's short name).
    pub codec: String,
    /// Stream time base.
    pub time_base: Ratio,
    /// Stream duration in seconds, when the container states it.
    pub duration: Option<Ratio>,
    /// The `language` tag, when present.
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioFacts>,
}

/// Picture facts of a video stream.
#[derive(Debug, Clone, Serialize)]
pub struct VideoFacts {
    pub width: u32,
    pub height: u32,
    /// Sample (pixel) aspect ratio; `1` when the file does not say.
    pub sar: Ratio,
    /// Display aspect ratio: width × SAR / height, reduced.
    pub dar: Ratio,
    /// The stream's base frame rate (FFmpeg's `r_frame_rate`).
    pub frame_rate: Option<Ratio>,
    /// The average frame rate over the stream.
    pub avg_frame_rate: Option<Ratio>,
    /// True when the timestamps of the first packets (up to 120) advance unevenly.
    pub variable_frame_rate: bool,
    /// Number of frames, when the container states it.
    pub frames: Option<i64>,
    /// `progressive`, `tt`, `bb`, `tb`, `bt` or `unknown`, as the stream header says.
    pub field_order: String,
    /// Whether decoded frames carry the interlaced flag (checked on the first frames).
    pub frames_interlaced: bool,
    /// For interlaced frames: whether the top field comes first.
    pub top_field_first: Option<bool>,
    /// Pixel format name (e.g. `yuv420p`, `gray`).
    pub pix_fmt: String,
    /// Bits per component of the pixel format.
    pub bit_depth: u32,
    /// `tv` (limited), `pc` (full) or `unknown`.
    pub color_range: String,
    pub color_matrix: String,
    pub color_primaries: String,
    pub color_transfer: String,
    /// Display rotation in degrees, counter-clockwise, as FFmpeg reports it (0 when none).
    pub rotation: i32,
    /// Whether the display matrix mirrors the picture.
    pub mirrored: bool,
}

impl VideoFacts {
    /// True when the stream or its frames say the picture is interlaced.
    pub fn interlaced(&self) -> bool {
        self.frames_interlaced || matches!(self.field_order.as_str(), "tt" | "bb" | "tb" | "bt")
    }
}

/// Sound facts of an audio stream.
#[derive(Debug, Clone, Serialize)]
pub struct AudioFacts {
    pub sample_rate: u32,
    pub channels: u32,
    /// Channel layout as FFmpeg describes it (`stereo`, `5.1(side)`, `4 channels` …).
    pub layout: String,
    /// Sample format name (`fltp`, `s16` …).
    pub sample_fmt: String,
}

/// Probe one file.
pub fn probe_file(path: &Path) -> Result<MediaFacts, MediaError> {
    media::probe::probe(path)
}

/// Human-readable description of one file's facts (what `roughcut probe` prints).
pub fn describe(f: &MediaFacts) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}", f.path);
    let _ = writeln!(
        out,
        "  container  {}  duration {}  size {} bytes",
        f.container,
        f.duration_text.as_deref().unwrap_or("unknown"),
        f.size_bytes
    );
    for s in &f.streams {
        if let Some(v) = &s.video {
            let rate = v
                .frame_rate
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".into());
            let avg = v
                .avg_frame_rate
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".into());
            let scan = if v.interlaced() {
                let order = match (v.field_order.as_str(), v.top_field_first) {
                    ("tt" | "tb", _) | (_, Some(true)) => "top field first",
                    ("bb" | "bt", _) | (_, Some(false)) => "bottom field first",
                    _ => "field order unknown",
                };
                format!("interlaced ({order})")
            } else {
                "progressive".to_string()
            };
            let _ = writeln!(
                out,
                "  #{} video  {} {}x{} SAR {} DAR {}  {} fps (avg {}){}  {}  {} {}-bit  range {} matrix {} primaries {} transfer {}{}",
                s.index,
                s.codec,
                v.width,
                v.height,
                v.sar,
                v.dar,
                rate,
                avg,
                if v.variable_frame_rate { " variable" } else { "" },
                scan,
                v.pix_fmt,
                v.bit_depth,
                v.color_range,
                v.color_matrix,
                v.color_primaries,
                v.color_transfer,
                match (v.rotation, v.mirrored) {
                    (0, false) => String::new(),
                    (r, m) => format!("  rotation {r}°{}", if m { " mirrored" } else { "" }),
                }
            );
        } else if let Some(a) = &s.audio {
            let _ = writeln!(
                out,
                "  #{} audio  {} {} Hz {} ch ({}) {}{}",
                s.index,
                s.codec,
                a.sample_rate,
                a.channels,
                a.layout,
                a.sample_fmt,
                s.language
                    .as_deref()
                    .map(|l| format!("  language {l}"))
                    .unwrap_or_default()
            );
        } else {
            let _ = writeln!(out, "  #{} {}  {}", s.index, s.kind, s.codec);
        }
    }
    out
}

/// Seconds for people, `None`-safe.
pub fn seconds_text(r: Rational) -> String {
    format_seconds(r)
}
