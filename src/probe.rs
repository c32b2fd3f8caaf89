//! Media facts per file: what `roughcut probe` prints and what validation and planning use.
//!
//! The facts are plain data; [`probe_file`] fills them through the media layer.

use std::path::Path;

use serde::Serialize;

use crate::media::{self, MediaError};
use crate::time::Rational;

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
    /// Whether the first video stream is black-and-white, and the measurements behind it.
    pub colour: Option<ColourAnalysis>,
    /// Container tags worth keeping (`creation_time`, `timecode`, `date`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
}

/// The colour class of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourVerdict {
    /// Black-and-white material (whatever cast or chroma noise its transfer has).
    Bw,
    /// Colour material.
    Colour,
}

/// How a source was classified, with the numbers behind it (chroma in 8-bit code values).
#[derive(Debug, Clone, Serialize)]
pub struct ColourAnalysis {
    pub class: ColourVerdict,
    /// `pixel format` (gray formats need no measuring) or `measured`.
    pub method: &'static str,
    /// Frames measured, spread over the whole file.
    pub frames: usize,
    /// Median chroma cast: mean U − 128 and mean V − 128.
    pub cast_u: f64,
    pub cast_v: f64,
    /// Median per-pixel chroma spread around the frame's mean (noise and colour alike).
    pub chroma_spread: f64,
    /// Chroma that survives averaging over 16×16 blocks (second-highest frame's 90th
    /// percentile): real colour is spatially coherent, grain is not.
    pub coherent_chroma: f64,
    /// What pixel noise alone would leave in a block average (median spread / 16).
    pub noise_in_blocks: f64,
    /// The decision in words.
    pub reason: String,
}

/// Coherent chroma below this many code values is never colour.
pub const COHERENT_MIN: f64 = 2.0;
/// A uniform cast stronger than this (distance from neutral, code values) is a colour picture,
/// not a black-and-white transfer's tint.
pub const CAST_MAX: f64 = 8.0;
/// Coherent chroma must exceed the block noise by this factor to count as colour.
pub const COHERENT_OVER_NOISE: f64 = 3.0;

/// Classify measured frames as black-and-white or colour (pure; see [`ColourAnalysis`]).
pub fn classify(frames: &[crate::media::colour::ChromaFrame]) -> ColourAnalysis {
    let median = |mut v: Vec<f64>| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cast_u = median(frames.iter().map(|f| f.mean_u - 128.0).collect());
    let cast_v = median(frames.iter().map(|f| f.mean_v - 128.0).collect());
    let spread = median(frames.iter().map(|f| f.pixel_rms).collect());
    let noise = median(
        frames
            .iter()
            .map(|f| f.pixel_rms / (f.block_samples.max(1) as f64).sqrt())
            .collect(),
    );
    let mut coherent: Vec<f64> = frames.iter().map(|f| f.block_p90).collect();
    coherent.sort_by(|a, b| b.total_cmp(a));
    // The second most colourful frame: one odd frame (a flash, a colour leader) does not decide.
    let coherent = coherent.get(1).or(coherent.first()).copied().unwrap_or(0.0);
    let cast = (cast_u * cast_u + cast_v * cast_v).sqrt();
    let coherent_colour = coherent > COHERENT_MIN && coherent > COHERENT_OVER_NOISE * noise;
    let colour = coherent_colour || cast > CAST_MAX;
    let reason = if !coherent_colour && colour {
        format!("the whole picture is one strong colour (U {cast_u:+.1}, V {cast_v:+.1}), beyond a telecine cast")
    } else if colour {
        format!("coherent chroma {coherent:.1} exceeds {COHERENT_MIN} and {COHERENT_OVER_NOISE}× the block noise {noise:.2}")
    } else if spread > COHERENT_MIN && coherent <= COHERENT_OVER_NOISE * noise {
        format!("chroma spread {spread:.1} is incoherent noise (coherent {coherent:.1} vs block noise {noise:.2})")
    } else if cast_u.abs().max(cast_v.abs()) >= 1.0 {
        format!("a uniform cast (U {cast_u:+.1}, V {cast_v:+.1}) with no coherent colour ({coherent:.1})")
    } else {
        format!("no coherent colour ({coherent:.1} ≤ {COHERENT_MIN})")
    };
    ColourAnalysis {
        class: if colour {
            ColourVerdict::Colour
        } else {
            ColourVerdict::Bw
        },
        method: "measured",
        frames: frames.len(),
        cast_u,
        cast_v,
        chroma_spread: spread,
        coherent_chroma: coherent,
        noise_in_blocks: noise,
        reason,
    }
}

/// Frames measured per source for colour detection.
pub const COLOUR_FRAMES: usize = 12;

impl MediaFacts {
    /// The first video stream (the one roughcut uses).
    pub fn video(&self) -> Option<&VideoFacts> {
        self.streams.iter().find_map(|s| s.video.as_ref())
    }
    /// Audio streams in file order.
    pub fn audio_streams(&self) -> impl Iterator<Item = &AudioFacts> {
        self.streams.iter().filter_map(|s| s.audio.as_ref())
    }
    /// The `n`th audio stream (0 = first): its index in the file and its facts.
    pub fn audio_stream(&self, n: usize) -> Option<(usize, &AudioFacts)> {
        self.streams
            .iter()
            .filter_map(|s| s.audio.as_ref().map(|a| (s.index, a)))
            .nth(n)
    }
    /// How long the `n`th audio stream plays: its own duration, else the container's.
    pub fn audio_duration(&self, n: usize) -> Option<Rational> {
        let (index, _) = self.audio_stream(n)?;
        self.streams
            .iter()
            .find(|s| s.index == index)
            .and_then(|s| s.duration.map(|d| d.0))
            .or(self.duration.map(|d| d.0))
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

/// Probe one file: container and stream facts, then the colour class of its first video stream
/// (gray pixel formats are black-and-white without measuring).
pub fn probe_file(path: &Path) -> Result<MediaFacts, MediaError> {
    let mut facts = media::probe::probe(path)?;
    let first_video = facts
        .streams
        .iter()
        .find_map(|s| s.video.as_ref().map(|v| (s.index, v.pix_fmt.clone())));
    if let Some((index, pix_fmt)) = first_video {
        facts.colour = if pix_fmt.starts_with("gray") || pix_fmt.starts_with("ya") {
            Some(ColourAnalysis {
                class: ColourVerdict::Bw,
                method: "pixel format",
                frames: 0,
                cast_u: 0.0,
                cast_v: 0.0,
                chroma_spread: 0.0,
                coherent_chroma: 0.0,
                noise_in_blocks: 0.0,
                reason: format!("`{pix_fmt}` pictures have no chroma"),
            })
        } else {
            let duration = facts.usable_duration().unwrap_or(Rational::from_integer(0));
            let frames = media::colour::measure_chroma(path, index, duration, COLOUR_FRAMES)?;
            (!frames.is_empty()).then(|| classify(&frames))
        };
    }
    Ok(facts)
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
    if let Some(c) = &f.colour {
        let class = match c.class {
            ColourVerdict::Bw => "black-and-white",
            ColourVerdict::Colour => "colour",
        };
        let _ = writeln!(
            out,
            "  colour     {class} ({}{}): {}",
            c.method,
            if c.frames > 0 {
                format!(" on {} frames", c.frames)
            } else {
                String::new()
            },
            c.reason
        );
    }
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
