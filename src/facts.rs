//! Facts about media files, as plain data: what `roughcut probe` prints, what validation checks
//! an EDL against and what planning uses. The media layer fills them
//! (`media::probe::probe_file`); nothing here does I/O.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

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
pub fn classify(frames: &[ChromaFrame]) -> ColourAnalysis {
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

/// Chroma statistics of one decoded frame (8-bit 4:2:0 chroma planes, 128 = neutral).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChromaFrame {
    /// Source time of the frame, seconds.
    pub time: Rational,
    /// Mean U and V (the frame's cast is `mean − 128`).
    pub mean_u: f64,
    pub mean_v: f64,
    /// RMS distance of chroma samples from the frame's mean chroma.
    pub pixel_rms: f64,
    /// 90th percentile, over blocks, of the distance of a block's mean chroma from the frame's
    /// mean chroma.
    pub block_p90: f64,
    /// Chroma samples per block (the noise in a block mean shrinks with its square root).
    pub block_samples: usize,
}

/// What the caller found out about one media file an EDL names, for validation.
#[derive(Debug, Clone)]
pub enum FileFacts {
    /// Probed: its media facts and its identity (size, time, content hash) for cache keys.
    Probed {
        media: Box<MediaFacts>,
        identity: String,
    },
    /// Only checked to be there and readable (`validate --no-probe`).
    Present,
    /// Cannot be used: why (not found, not media, …), in words for the user.
    Unusable(String),
}

/// Something EDL validation needs to know about a file, which the caller finds out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// A media file: probe it (or check it is there).
    Media(PathBuf),
    /// A file to read whole (a subtitle file, a font).
    Bytes(PathBuf),
    /// The resolved path of a file, if it exists (to tell two paths for one file).
    Canonical(PathBuf),
}

/// The facts gathered for the files an EDL draft names, by path. Validation reads them and does
/// no I/O of its own.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    probed: bool,
    media: BTreeMap<PathBuf, FileFacts>,
    bytes: BTreeMap<PathBuf, Result<Arc<[u8]>, String>>,
    canonical: BTreeMap<PathBuf, Option<PathBuf>>,
}

impl Facts {
    /// Empty facts; `probed`: media files will be probed (not only checked to be there).
    pub fn new(probed: bool) -> Facts {
        Facts {
            probed,
            ..Facts::default()
        }
    }
    /// Whether media files are probed.
    pub fn probed(&self) -> bool {
        self.probed
    }
    /// Record what was found about a media file.
    pub fn insert_media(&mut self, path: PathBuf, facts: FileFacts) {
        self.media.insert(path, facts);
    }
    /// Record a file's bytes, or why it cannot be read.
    pub fn insert_bytes(&mut self, path: PathBuf, bytes: Result<Arc<[u8]>, String>) {
        self.bytes.insert(path, bytes);
    }
    /// Record a path's resolved form (`None`: it does not exist).
    pub fn insert_canonical(&mut self, path: PathBuf, canonical: Option<PathBuf>) {
        self.canonical.insert(path, canonical);
    }
    /// What was found about a media file (`None`: nobody looked).
    pub fn media(&self, path: &Path) -> Option<&FileFacts> {
        self.media.get(path)
    }
    /// A file's bytes or why it cannot be read (`None`: nobody looked).
    pub fn bytes(&self, path: &Path) -> Option<&Result<Arc<[u8]>, String>> {
        self.bytes.get(path)
    }
    /// A path's resolved form, if it exists (`None`: nobody looked).
    pub fn canonical(&self, path: &Path) -> Option<Option<&PathBuf>> {
        self.canonical.get(path).map(Option::as_ref)
    }
}
