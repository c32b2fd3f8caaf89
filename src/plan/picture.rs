//! What a segment shows and sounds like: its `Picture` (a source, black, a title card, a
//! dissolve of two pictures, a cutaway, a still's move) and `Sound`, the bed pieces under it and
//! its burn-in overlays — every number the media layer needs, and the questions asked of a
//! picture's finish (`Picture::tone`, `is_neutral`, `shot`).

use std::path::PathBuf;

use serde::Serialize;

use super::Envelope;
use crate::edl::Tone;
use crate::time::Rational;

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
    /// A cutaway laid over the timeline: frames of a source without its sound (the segment's
    /// sound is what plays underneath).
    Insert(InsertPicture),
    /// A move across a still: its picture framed anew on every frame, with sub-pixel
    /// precision.
    Still(StillPicture),
}

impl Picture {
    /// The chroma the plan sets on every pixel of every frame of this picture, if it sets one:
    /// a source finished black-and-white or toned (its filter sets the tone). A dissolve has
    /// one only when both sides have the same: its frames mix the two, so a dissolve from
    /// colour into black-and-white has colour in every frame. `None` for colour sources and
    /// for generated pictures (black, titles), whose chroma the plan does not set this way.
    pub(crate) fn tone(&self) -> Option<Tone> {
        match self {
            Picture::Source(s) | Picture::Insert(InsertPicture { picture: s, .. }) => s.tone,
            Picture::Still(s) => s.tone,
            Picture::Dissolve(d) => match (d.from.tone(), d.to.tone()) {
                (Some(a), Some(b)) if a == b => Some(a),
                _ => None,
            },
            Picture::Black | Picture::Title(_) => None,
        }
    }

    /// Whether every frame of this picture is planned exactly neutral (black-and-white with
    /// the neutral finish): what a check of chroma against neutral may expect. False for a
    /// dissolve unless both sides are neutral.
    pub(crate) fn is_neutral(&self) -> bool {
        self.tone() == Some(Tone::NEUTRAL)
    }

    /// The picture of the shot these frames belong to in the editor's terms: a dissolve's
    /// frames belong to the incoming event (its `to` side), as markers and overlays count
    /// them; any other picture is its own shot. Its [`Picture::tone`] is the shot's tone
    /// (a storyboard card's badge), not the tone of the mixed frames.
    pub(crate) fn shot(&self) -> &Picture {
        match self {
            Picture::Dissolve(d) => d.to.shot(),
            Picture::Source(_)
            | Picture::Insert(_)
            | Picture::Still(_)
            | Picture::Black
            | Picture::Title(_) => self,
        }
    }
}

/// A still's move as one segment draws it.
#[derive(Debug, Clone, Serialize)]
pub struct StillPicture {
    pub source: String,
    pub path: PathBuf,
    pub stream: usize,
    /// The chain that makes the picture the framings are taken from (upright, cropped, scaled
    /// to `width`×`height`, 4:4:4, BT.709, the look).
    pub filter: String,
    pub width: i64,
    pub height: i64,
    /// Its sample aspect ratio.
    #[serde(serialize_with = "ser_rational")]
    pub sar: Rational,
    /// Framings (x, y, w, h: shares of the picture) at the clip's first and last frame.
    pub from: [f64; 4],
    pub to: [f64; 4],
    pub ease: crate::edl::raw::Ease,
    /// The clip's frame shown by the segment's first frame, and the clip's length in frames.
    pub first: i64,
    pub frames: i64,
    /// How each framing fits the output frame.
    pub fit: crate::edl::Fit,
    /// The chroma every pixel is set to, if any (the filter carries it; kept apart for
    /// checks and storyboards, in no key).
    #[serde(skip)]
    pub tone: Option<crate::edl::Tone>,
}

/// A cutaway's picture.
#[derive(Debug, Clone, Serialize)]
pub struct InsertPicture {
    /// The cutaway's name (its source id when it has none).
    pub name: String,
    #[serde(flatten)]
    pub picture: SourcePicture,
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
    /// The chroma every pixel is set to (black-and-white material, toned looks), if any. The
    /// filter carries it; kept apart for checks (`verify`), in no key.
    #[serde(skip)]
    pub tone: Option<crate::edl::Tone>,
    /// How to decode (a draft's reduced resolution; full by default, and then not shown).
    #[serde(skip_serializing_if = "DecodeHints::is_full")]
    pub decode: DecodeHints,
}

/// How a source is decoded: full, or for a draft at reduced resolution (`lowres`: ½ or ¼ size,
/// for DCT codecs) or without the loop filter (H.264, HEVC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecodeHints {
    pub lowres: u8,
    pub skip_loop_filter: bool,
}

impl DecodeHints {
    pub(crate) fn is_full(&self) -> bool {
        *self == DecodeHints::default()
    }
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
        /// Playback speed: the chain stretches the sound by it, keeping its pitch (1: not).
        #[serde(serialize_with = "ser_rational", skip_serializing_if = "is_one")]
        speed: Rational,
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

fn is_one(r: &Rational) -> bool {
    *r == Rational::from_integer(1)
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
