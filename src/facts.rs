//! Facts about media files, as plain data: what `roughcut probe` prints, what validation checks
//! an EDL against and what planning uses. The media layer fills them
//! (`media::probe::probe_file`); nothing here does I/O.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::time::Rational;

/// An exact rational written as `"num/den"` in JSON and human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio(pub Rational);

impl Serialize for Ratio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ratio, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("`{text}` is not a ratio"));
        let (n, den) = text.split_once('/').unwrap_or((&text, "1"));
        let (n, den): (i64, i64) = (
            n.trim().parse().map_err(|_| bad())?,
            den.trim().parse().map_err(|_| bad())?,
        );
        if den == 0 {
            return Err(bad());
        }
        Ok(Ratio(Rational::new(n, den)))
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<(String, String)>,
    /// Chapters, in file order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub chapters: Vec<ChapterFacts>,
}

/// A chapter of a file: where it starts and ends (seconds, exact) and its title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterFacts {
    pub start: Ratio,
    pub end: Ratio,
    pub title: String,
}

/// The colour class of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourVerdict {
    /// Black-and-white material (whatever cast, toning or chroma noise its transfer has).
    Bw,
    /// Colour material.
    Colour,
    /// The measures do not settle it: rendered as colour (nothing is destroyed), with a
    /// warning saying how to declare it.
    Uncertain,
}

/// How a colour class was found. Serialised as `"pixel format"` or `"measured"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColourMethod {
    /// A gray pixel format: nothing to measure.
    #[serde(rename = "pixel format")]
    PixelFormat,
    /// Chroma measured on frames from across the file.
    #[serde(rename = "measured")]
    Measured,
}

impl ColourMethod {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            ColourMethod::PixelFormat => "pixel format",
            ColourMethod::Measured => "measured",
        }
    }
}

impl std::fmt::Display for ColourMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The hue of a toning, named from its cast. Serialised by its name (`"warm (sepia)"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Toning {
    /// Towards red-yellow: sepia and its kin.
    #[serde(rename = "warm (sepia)")]
    Warm,
    #[serde(rename = "magenta")]
    Magenta,
    #[serde(rename = "blue")]
    Blue,
    #[serde(rename = "green")]
    Green,
}

impl Toning {
    /// The toning of a cast (U − 128, V − 128), by its angle.
    pub(crate) fn of_cast(u: f64, v: f64) -> Toning {
        let deg = v.atan2(u).to_degrees();
        match deg {
            d if (90.0..=180.0).contains(&d) => Toning::Warm,
            d if (0.0..90.0).contains(&d) => Toning::Magenta,
            d if (-90.0..0.0).contains(&d) => Toning::Blue,
            _ => Toning::Green,
        }
    }

    /// Its name in reports and messages.
    pub fn name(self) -> &'static str {
        match self {
            Toning::Warm => "warm (sepia)",
            Toning::Magenta => "magenta",
            Toning::Blue => "blue",
            Toning::Green => "green",
        }
    }
}

impl std::fmt::Display for Toning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a source was classified, with the numbers behind it (chroma in 8-bit code values).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColourAnalysis {
    pub class: ColourVerdict,
    /// How the class was found.
    pub method: ColourMethod,
    /// Frames measured, spread over the whole file.
    pub frames: usize,
    /// Median chroma cast: mean U − 128 and mean V − 128.
    pub cast_u: f64,
    pub cast_v: f64,
    /// Median per-pixel chroma spread around the frame's mean (noise and colour alike).
    pub chroma_spread: f64,
    /// 90th percentile of block chroma around the frame's mean (upper quartile over frames).
    pub coherent_chroma: f64,
    /// What pixel noise alone leaves in a block mean (median over the frames).
    pub noise_in_blocks: f64,
    /// The strong regions' chroma off the tone line (upper quartile over the frames): the
    /// number the verdict rests on.
    pub strong_chroma: f64,
    /// Share of the coloured regions whose chroma follows the signed luma gradient (fringing).
    pub fringe_share: f64,
    /// Share of coloured regions whose hue is over 40° from the main one.
    pub hue_spread: f64,
    /// Share of the coloured regions' chroma that misregistered colour planes explain (median
    /// over the frames; see docs/colour.md), and the displacements of the blue and red planes
    /// (luma pixels across, down) in the frame that fits best.
    #[serde(default)]
    pub plane_shift: f64,
    #[serde(default)]
    pub plane_shift_px: [i8; 4],
    /// Chroma fitted as a straight line in luma (median over the frames), read at video black
    /// and at mid-grey (U − 128, V − 128): a toning rises from neutral black in one hue.
    #[serde(default)]
    pub luma_black_u: f64,
    #[serde(default)]
    pub luma_black_v: f64,
    #[serde(default)]
    pub luma_grey_u: f64,
    #[serde(default)]
    pub luma_grey_v: f64,
    /// The toning, when the picture has a cast: `warm (sepia)`, `blue`, `magenta`, `green`.
    pub tone: Option<Toning>,
    /// The decision in words.
    pub reason: String,
}

/// Frames measured per source for colour detection.
pub(crate) const COLOUR_FRAMES: usize = 12;

impl MediaFacts {
    /// Whether the file is one still picture (a photograph, a scan): a single-picture demuxer
    /// (`jpeg_pipe`, `png_pipe`, `tiff_pipe` …) with a picture.
    pub fn is_still(&self) -> bool {
        self.container.ends_with("_pipe") && self.video().is_some()
    }

    /// The first video stream (the one roughcut uses).
    pub fn video(&self) -> Option<&VideoFacts> {
        self.streams.iter().find_map(|s| s.video.as_ref())
    }
    /// Audio streams in file order.
    pub fn audio_streams(&self) -> impl Iterator<Item = &AudioFacts> {
        self.streams.iter().filter_map(|s| s.audio.as_ref())
    }
    /// The `n`th audio stream (0 = first): its index in the file and its facts.
    pub(crate) fn audio_stream(&self, n: usize) -> Option<(usize, &AudioFacts)> {
        self.streams
            .iter()
            .filter_map(|s| s.audio.as_ref().map(|a| (s.index, a)))
            .nth(n)
    }
    /// How long the `n`th audio stream plays: its own duration, else the container's.
    pub(crate) fn audio_duration(&self, n: usize) -> Option<Rational> {
        let (index, _) = self.audio_stream(n)?;
        self.streams
            .iter()
            .find(|s| s.index == index)
            .and_then(|s| s.duration.map(|d| d.0))
            .or(self.duration.map(|d| d.0))
    }
    /// The duration roughcut trusts: the first video stream's, else the container's.
    pub(crate) fn usable_duration(&self) -> Option<Rational> {
        self.streams
            .iter()
            .find(|s| s.video.is_some())
            .and_then(|s| s.duration.map(|d| d.0))
            .or(self.duration.map(|d| d.0))
    }
}

/// Facts common to every stream, plus the per-kind details.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// How the display matrix turns the picture, as one of the eight upright orientations.
    #[serde(default)]
    pub orientation: Orientation,
}

/// One of the eight ways to turn a picture upright (quarter turns and mirrors): the 2×2 part of
/// a display matrix reduced to signs. A source pixel at (p, q) — x to the right, y down — is
/// shown at (a·p + c·q, b·p + d·q), moved back into the frame: FFmpeg's display matrix
/// convention (`libavutil/display.h`), in which a clockwise quarter turn is a = 0, b = 1,
/// c = −1, d = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orientation {
    pub a: i8,
    pub b: i8,
    pub c: i8,
    pub d: i8,
}

impl Default for Orientation {
    fn default() -> Self {
        Orientation::UPRIGHT
    }
}

impl Orientation {
    /// As decoded.
    pub(crate) const UPRIGHT: Orientation = Orientation {
        a: 1,
        b: 0,
        c: 0,
        d: 1,
    };
    /// Mirrored left to right.
    pub const FLIP_H: Orientation = Orientation {
        a: -1,
        b: 0,
        c: 0,
        d: 1,
    };
    /// Mirrored top to bottom.
    pub(crate) const FLIP_V: Orientation = Orientation {
        a: 1,
        b: 0,
        c: 0,
        d: -1,
    };

    /// A turn clockwise by `degrees` (a multiple of 90; others count as the nearest).
    pub fn clockwise(degrees: i32) -> Orientation {
        match (degrees.rem_euclid(360) + 45) / 90 % 4 {
            1 => Orientation {
                a: 0,
                b: 1,
                c: -1,
                d: 0,
            },
            2 => Orientation {
                a: -1,
                b: 0,
                c: 0,
                d: -1,
            },
            3 => Orientation {
                a: 0,
                b: -1,
                c: 1,
                d: 0,
            },
            _ => Orientation::UPRIGHT,
        }
    }

    /// The orientation nearest a display matrix's 2×2 part (`m` as FFmpeg stores it: a, b, u,
    /// c, d, v, x, y, w); upright when it is degenerate.
    pub(crate) fn from_matrix(m: &[i32; 9]) -> Orientation {
        let sign = |v: i32| v.signum() as i8;
        let (a, b, c, d) = (m[0] as i64, m[1] as i64, m[3] as i64, m[4] as i64);
        if a.abs() + d.abs() >= b.abs() + c.abs() {
            if a == 0 || d == 0 {
                return Orientation::UPRIGHT;
            }
            Orientation {
                a: sign(m[0]),
                b: 0,
                c: 0,
                d: sign(m[4]),
            }
        } else {
            if b == 0 || c == 0 {
                return Orientation::UPRIGHT;
            }
            Orientation {
                a: 0,
                b: sign(m[1]),
                c: sign(m[3]),
                d: 0,
            }
        }
    }

    /// This orientation, then `next`.
    pub fn then(self, next: Orientation) -> Orientation {
        let (a, b, c, d) = (self.a, self.b, self.c, self.d);
        let (an, bn, cn, dn) = (next.a, next.b, next.c, next.d);
        Orientation {
            a: an * a + cn * b,
            b: bn * a + dn * b,
            c: an * c + cn * d,
            d: bn * c + dn * d,
        }
    }

    /// How the picture is shown, in words (`None`: upright).
    pub fn describe(self) -> Option<&'static str> {
        match (self.a, self.b, self.c, self.d) {
            (-1, 0, 0, 1) => Some("mirrored left to right"),
            (1, 0, 0, -1) => Some("mirrored top to bottom"),
            (-1, 0, 0, -1) => Some("turned 180°"),
            (0, 1, -1, 0) => Some("turned 90° clockwise"),
            (0, -1, 1, 0) => Some("turned 90° counter-clockwise"),
            (0, 1, 1, 0) => Some("transposed (turned 90° clockwise, then mirrored left to right)"),
            (0, -1, -1, 0) => Some("turned 90° counter-clockwise, then mirrored left to right"),
            _ => None,
        }
    }

    /// The display matrix that stands for this orientation (a, b, u, c, d, v, x, y, w, in
    /// FFmpeg's 16.16 and 2.30 fixed point).
    pub(crate) fn matrix(self) -> [i32; 9] {
        let one = |v: i8| i32::from(v) << 16;
        [
            one(self.a),
            one(self.b),
            0,
            one(self.c),
            one(self.d),
            0,
            0,
            0,
            1 << 30,
        ]
    }

    /// Whether width and height trade places.
    pub fn swaps_axes(self) -> bool {
        self.a == 0
    }

    /// The FFmpeg filters that show a decoded picture this way (`None`: upright).
    pub(crate) fn filter(self) -> Option<&'static str> {
        match (self.a, self.b, self.c, self.d) {
            (-1, 0, 0, 1) => Some("hflip"),
            (1, 0, 0, -1) => Some("vflip"),
            (-1, 0, 0, -1) => Some("hflip,vflip"),
            (0, 1, -1, 0) => Some("transpose=clock"),
            (0, -1, 1, 0) => Some("transpose=cclock"),
            (0, 1, 1, 0) => Some("transpose=cclock_flip"),
            (0, -1, -1, 0) => Some("transpose=clock_flip"),
            _ => None,
        }
    }
}

impl VideoFacts {
    /// True when the stream or its frames say the picture is interlaced.
    pub fn interlaced(&self) -> bool {
        self.frames_interlaced || matches!(self.field_order.as_str(), "tt" | "bb" | "tb" | "bt")
    }
}

/// Sound facts of an audio stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
pub(crate) struct ChromaFrame {
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
    /// The strong regions' chroma off the picture's tone line (97th percentile over blocks
    /// that are not luma edges): what real colour leaves and a toning or a cast does not.
    pub strong: f64,
    /// What pixel chroma noise alone leaves in a block mean.
    pub noise: f64,
    /// Share of the clearly coloured blocks whose chroma follows the luma gradient (fringing).
    pub fringe: f64,
    /// Share of the clearly coloured blocks whose hue is over 40° from the main hue.
    pub hue_spread: f64,
    /// The median block's chroma − 128: the picture's cast.
    pub cast_u: f64,
    pub cast_v: f64,
    /// Share of the coloured regions' chroma energy that luma differences at one displacement
    /// per channel explain (misregistered colour planes), and the displacements (luma pixels:
    /// U's — the blue plane — and V's — the red).
    pub shift_fit: f64,
    pub shift_u: (i8, i8),
    pub shift_v: (i8, i8),
    /// Chroma − 128 as a straight line in block luma (unclipped blocks), read at video black
    /// (luma 16) and at mid-grey (luma 126): a toning rises from neutral black in one hue.
    pub luma_black_u: f64,
    pub luma_black_v: f64,
    pub luma_grey_u: f64,
    pub luma_grey_v: f64,
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

/// Why a path's metadata is not a regular file roughcut can read as media or text (`None` for
/// a regular file): a FIFO or a device would block or never end, a folder is not a file.
pub(crate) fn not_a_regular_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder, not a file")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe), not a regular file; roughcut reads regular files only")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device, not a regular file; roughcut reads regular files only")
    } else if t.is_socket() {
        Some("a socket, not a regular file; roughcut reads regular files only")
    } else {
        Some("not a regular file; roughcut reads regular files only")
    }
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
    /// Whether this FFmpeg build has a filter (optional ones such as `rubberband`).
    Filter(String),
}

/// The facts gathered for the files an EDL draft names, by path. Validation reads them and does
/// no I/O of its own.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    probed: bool,
    media: BTreeMap<PathBuf, FileFacts>,
    bytes: BTreeMap<PathBuf, Result<Arc<[u8]>, String>>,
    canonical: BTreeMap<PathBuf, Option<PathBuf>>,
    filters: BTreeMap<String, bool>,
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
    pub(crate) fn probed(&self) -> bool {
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
    /// Record whether FFmpeg has the filter `name`.
    pub fn insert_filter(&mut self, name: String, present: bool) {
        self.filters.insert(name, present);
    }
    /// Whether FFmpeg has the filter `name` (`None`: nobody looked).
    pub(crate) fn filter(&self, name: &str) -> Option<bool> {
        self.filters.get(name).copied()
    }
    /// What was found about a media file (`None`: nobody looked).
    pub(crate) fn media(&self, path: &Path) -> Option<&FileFacts> {
        self.media.get(path)
    }
    /// A file's bytes or why it cannot be read (`None`: nobody looked).
    pub(crate) fn bytes(&self, path: &Path) -> Option<&Result<Arc<[u8]>, String>> {
        self.bytes.get(path)
    }
    /// A path's resolved form, if it exists (`None`: nobody looked).
    pub(crate) fn canonical(&self, path: &Path) -> Option<Option<&PathBuf>> {
        self.canonical.get(path).map(Option::as_ref)
    }
}
