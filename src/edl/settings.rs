//! The checked output settings — container, codecs and their closed sets (`VideoCodec`,
//! `Preset`, `AudioCodec`), the program's start timecode — and how pictures are finished:
//! chroma tones for black-and-white, looks, title colours.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{raw, Fit, Loudness};
use crate::time::Rate;

/// Output container, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Mp4,
    Mov,
    Mkv,
}

impl Container {
    /// The file extension it is written with.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Container::Mkv => "mkv",
            Container::Mov => "mov",
            Container::Mp4 => "mp4",
        }
    }
    /// The container an output path asks for by its extension (`.mp4`/`.m4v`, `.mov`, `.mkv`).
    pub fn from_path(path: &Path) -> Option<Container> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match ext.as_str() {
            "mp4" | "m4v" => Some(Container::Mp4),
            "mov" => Some(Container::Mov),
            "mkv" => Some(Container::Mkv),
            _ => None,
        }
    }
}

impl Container {
    /// Why this container cannot carry `audio` (MP4 carries AAC; PCM and FLAC need MOV or
    /// Matroska).
    pub(crate) fn audio_conflict(self, audio: AudioCodec) -> Option<String> {
        (self == Container::Mp4 && audio != AudioCodec::Aac).then(|| {
            format!(
                "`{}` sound cannot go in an MP4 file; use `aac`, or make the output .mov or .mkv",
                audio.name()
            )
        })
    }

    /// Why this container cannot carry `video` (ProRes needs MOV or Matroska).
    pub(crate) fn video_conflict(self, video: VideoCodec) -> Option<String> {
        (self == Container::Mp4 && video.is_prores()).then(|| {
            format!(
                "`{}` cannot go in an MP4 file; make the output .mov (or .mkv)",
                video.name()
            )
        })
    }
}

/// The output's video codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoCodec {
    H264,
    Hevc,
    /// ProRes 422 Proxy (10-bit 4:2:2).
    ProresProxy,
    /// ProRes 422 LT (10-bit 4:2:2).
    ProresLt,
}

impl VideoCodec {
    pub(crate) const ALL: [VideoCodec; 4] = [
        VideoCodec::H264,
        VideoCodec::Hevc,
        VideoCodec::ProresProxy,
        VideoCodec::ProresLt,
    ];

    /// The name in an EDL.
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "h264",
            VideoCodec::Hevc => "hevc",
            VideoCodec::ProresProxy => "prores_proxy",
            VideoCodec::ProresLt => "prores_lt",
        }
    }

    /// The codec an EDL names, if any.
    pub(crate) fn from_name(name: &str) -> Option<VideoCodec> {
        VideoCodec::ALL.into_iter().find(|c| c.name() == name)
    }

    /// FFmpeg's encoder for it.
    pub(crate) fn encoder(self) -> &'static str {
        match self {
            VideoCodec::H264 => "libx264",
            VideoCodec::Hevc => "libx265",
            VideoCodec::ProresProxy | VideoCodec::ProresLt => "prores_ks",
        }
    }

    /// ProRes (10-bit 4:2:2, no `crf` or `preset`).
    pub(crate) fn is_prores(self) -> bool {
        matches!(self, VideoCodec::ProresProxy | VideoCodec::ProresLt)
    }
}

/// An x264/x265 speed preset, fastest first. Serialised by its name (`"veryfast"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
}

impl Preset {
    pub(crate) const ALL: [Preset; 9] = [
        Preset::Ultrafast,
        Preset::Superfast,
        Preset::Veryfast,
        Preset::Faster,
        Preset::Fast,
        Preset::Medium,
        Preset::Slow,
        Preset::Slower,
        Preset::Veryslow,
    ];

    /// The name in an EDL (also the encoder's option value).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ultrafast => "ultrafast",
            Preset::Superfast => "superfast",
            Preset::Veryfast => "veryfast",
            Preset::Faster => "faster",
            Preset::Fast => "fast",
            Preset::Medium => "medium",
            Preset::Slow => "slow",
            Preset::Slower => "slower",
            Preset::Veryslow => "veryslow",
        }
    }

    /// The preset an EDL names, if any.
    pub(crate) fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The output's audio codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioCodec {
    Aac,
    PcmS16le,
    PcmS24le,
    Flac,
}

impl AudioCodec {
    pub(crate) const ALL: [AudioCodec; 4] = [
        AudioCodec::Aac,
        AudioCodec::PcmS16le,
        AudioCodec::PcmS24le,
        AudioCodec::Flac,
    ];

    /// The name in an EDL (also FFmpeg's encoder name).
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Aac => "aac",
            AudioCodec::PcmS16le => "pcm_s16le",
            AudioCodec::PcmS24le => "pcm_s24le",
            AudioCodec::Flac => "flac",
        }
    }

    /// The codec an EDL names, if any.
    pub(crate) fn from_name(name: &str) -> Option<AudioCodec> {
        AudioCodec::ALL.into_iter().find(|c| c.name() == name)
    }

    /// FFmpeg's encoder for it.
    pub(crate) fn encoder(self) -> &'static str {
        self.name()
    }

    /// Lossy (and so with an encoder ripple on peaks, and a bit rate).
    pub(crate) fn is_lossy(self) -> bool {
        self == AudioCodec::Aac
    }
}

/// A chroma tone for black-and-white pictures: every U and V sample set to these values
/// (8-bit, BT.709). Neutral is (128, 128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Tone {
    pub u: u8,
    pub v: u8,
}

impl Tone {
    /// Exactly neutral chroma.
    pub(crate) const NEUTRAL: Tone = Tone { u: 128, v: 128 };
    /// roughcut's sepia.
    pub(crate) const SEPIA: Tone = Tone { u: 114, v: 140 };

    /// The chroma of an 8-bit RGB colour in BT.709, limited range.
    pub(crate) fn from_rgb(r: u8, g: u8, b: u8) -> Tone {
        let (r, g, b) = (r as f64 / 255.0, g as f64 / 255.0, b as f64 / 255.0);
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let u = 128.0 + 224.0 * (b - y) / 1.8556;
        let v = 128.0 + 224.0 * (r - y) / 1.5748;
        Tone {
            u: u.round().clamp(16.0, 240.0) as u8,
            v: v.round().clamp(16.0, 240.0) as u8,
        }
    }

    /// Parse `#rrggbb` (the `#` is optional).
    pub fn parse_hex(text: &str) -> Option<Tone> {
        let Rgb { r, g, b } = Rgb::parse_hex(text)?;
        Some(Tone::from_rgb(r, g, b))
    }
}

/// An 8-bit RGB colour (title text and cards). Written `#rrggbb` in an EDL; shown and
/// serialised as FFmpeg writes colours, `0xRRGGBB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub(crate) const WHITE: Rgb = Rgb {
        r: 255,
        g: 255,
        b: 255,
    };
    pub(crate) const BLACK: Rgb = Rgb { r: 0, g: 0, b: 0 };

    /// Parse `#rrggbb` (the `#` is optional).
    pub fn parse_hex(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        Some(Rgb {
            r: byte(0)?,
            g: byte(2)?,
            b: byte(4)?,
        })
    }
}

impl std::fmt::Display for Rgb {
    /// `0xRRGGBB`, as FFmpeg's colour options take it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }
}

impl Serialize for Rgb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A picture look of a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Look {
    /// As the source is; black-and-white sources get the output's finish.
    Natural,
    /// Black-and-white, with the output's finish.
    Monochrome,
    /// Black-and-white toned with this chroma (`sepia` and tints).
    Toned(Tone),
}

/// Checked output settings.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub path: PathBuf,
    pub container: Container,
    pub width: u32,
    pub height: u32,
    pub fps: Rate,
    pub fit: Fit,
    pub video: VideoSettings,
    pub audio: AudioSettings,
    /// How black-and-white material is finished (neutral by default).
    pub bw: Tone,
    /// Program fade from black at the start, in output frames (0 = none).
    pub fade_in: i64,
    /// Program fade to black at the end, in output frames (0 = none).
    pub fade_out: i64,
    /// A draft preview (see `plan::draft_quality`): smaller, faster, cached apart.
    pub draft: bool,
    /// The record timecode of the program's first frame, when the EDL gives one.
    pub start_timecode: Option<StartTimecode>,
    /// What the file's chapters are made from.
    pub chapters: raw::ChapterSource,
}

/// Where the program's record timecode starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StartTimecode {
    /// The first frame's label, as a frame count at the output rate.
    pub frame: i64,
    /// Labels are drop-frame (written with `;`).
    pub drop: bool,
}

impl StartTimecode {
    /// The label of program frame `frame`.
    #[must_use]
    pub(crate) fn label(start: Option<StartTimecode>, frame: i64, fps: Rate) -> String {
        let (offset, drop) = start.map_or((0, false), |s| (s.frame, s.drop));
        crate::time::frames_to_timecode(offset + frame, fps, drop)
    }
}

/// Video encoder settings.
#[derive(Debug, Clone, Serialize)]
pub struct VideoSettings {
    pub codec: VideoCodec,
    pub crf: u32,
    pub preset: Preset,
}

/// Audio encoder settings.
#[derive(Debug, Clone, Serialize)]
pub struct AudioSettings {
    pub codec: AudioCodec,
    pub sample_rate: u32,
    pub channels: u32,
    /// Bits per second.
    pub bitrate: u64,
    /// Fade at every hard cut, in samples (0 = none).
    pub join_fade: i64,
    pub loudness: Option<Loudness>,
}
