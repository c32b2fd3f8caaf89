//! Subtitles through the edit: each entry's cues as program (record) times, and the cues a
//! burned-in track draws on each segment, as frame ranges. Pure arithmetic on exact times.

use std::path::PathBuf;

use serde::Serialize;

use crate::edl::{Edl, EventKind, SubStyle, Subtitle};
use crate::time::{Rate, Rational};

/// Cues shorter than this after retiming and clipping are dropped (too short to read).
pub(crate) const MIN_CUE_MS: i64 = 200;

/// One subtitle entry, retimed to the program.
#[derive(Debug, Clone, Serialize)]
pub struct Track {
    /// Position in the EDL's `subtitles` array.
    pub index: usize,
    pub path: PathBuf,
    pub language: Option<String>,
    pub title: Option<String>,
    pub default: bool,
    pub forced: bool,
    pub burn_in: bool,
    /// Muxed as a soft subtitle stream.
    pub track: bool,
    pub cues: Vec<PlannedCue>,
    /// Cues left out, and why (shown with `--verbose`).
    pub dropped: Vec<DroppedCue>,
}

/// A cue at program times (seconds, exact; end exclusive).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedCue {
    #[serde(serialize_with = "ser_seconds")]
    pub start: Rational,
    #[serde(serialize_with = "ser_seconds")]
    pub end: Rational,
    pub text: String,
    /// Line of the subtitle file the cue comes from.
    pub line: usize,
    /// The timeline event that carries it (source-timed cues).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<usize>,
}

impl PlannedCue {
    /// Start and end in whole milliseconds (rounded), as subtitle formats count.
    pub fn millis(&self) -> (i64, i64) {
        let ms = |t: Rational| crate::time::round_half_up(t * 1000);
        (ms(self.start), ms(self.end))
    }
}

/// A cue that does not appear, and why.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedCue {
    pub line: usize,
    pub reason: String,
}

fn ser_seconds<S: serde::Serializer>(r: &Rational, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(crate::time::to_f64(*r))
}

/// Retime every subtitle entry. `starts[k]` is the record frame where event `k`'s frame 0
/// plays; `total` the program's length in frames.
pub(crate) fn retime(edl: &Edl, starts: &[i64], total: i64) -> Vec<Track> {
    let fps = edl.output.fps;
    let program_end = Rational::from_integer(total) / fps.as_ratio();
    edl.subtitles
        .iter()
        .map(|sub| {
            let (mut cues, mut dropped) = match &sub.timing_source {
                None => record_cues(sub, program_end),
                Some(src) => source_cues(edl, sub, src, starts),
            };
            cues.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
            dropped.sort_by_key(|d| d.line);
            Track {
                index: sub.index,
                path: sub.path.clone(),
                language: sub.language.clone(),
                title: sub.title.clone(),
                default: sub.default,
                forced: sub.forced,
                burn_in: sub.burn_in,
                track: sub.track,
                cues,
                dropped,
            }
        })
        .collect()
}

fn ms(t: i64) -> Rational {
    Rational::new(t, 1000)
}

fn too_short(start: Rational, end: Rational) -> bool {
    end - start < ms(MIN_CUE_MS)
}

/// Cues already at program times: clipped at the program's end.
fn record_cues(sub: &Subtitle, program_end: Rational) -> (Vec<PlannedCue>, Vec<DroppedCue>) {
    let mut cues = Vec::new();
    let mut dropped = Vec::new();
    for c in &sub.cues {
        let (start, end) = (ms(c.start), ms(c.end).min(program_end));
        if start >= program_end {
            dropped.push(DroppedCue {
                line: c.line,
                reason: format!(
                    "starts at {}, after the program's end",
                    crate::subs::ms_text(c.start)
                ),
            });
        } else if too_short(start, end) {
            dropped.push(DroppedCue {
                line: c.line,
                reason: format!("shorter than {MIN_CUE_MS} ms once cut at the program's end"),
            });
        } else {
            cues.push(PlannedCue {
                start,
                end,
                text: c.text.clone(),
                line: c.line,
                event: None,
            });
        }
    }
    (cues, dropped)
}

/// Cues at times of source `src`: every clip of it carries the cues that overlap its in/out,
/// moved to where the clip plays and cut at its ends.
fn source_cues(
    edl: &Edl,
    sub: &Subtitle,
    src: &str,
    starts: &[i64],
) -> (Vec<PlannedCue>, Vec<DroppedCue>) {
    let fps = edl.output.fps;
    let mut cues = Vec::new();
    let mut dropped = Vec::new();
    let mut shown = vec![false; sub.cues.len()];
    for (k, ev) in edl.timeline.iter().enumerate() {
        let EventKind::Clip(clip) = &ev.kind else {
            continue;
        };
        if clip.source != src {
            continue;
        }
        // The clip's sound, and so its transcript, runs from its lead before the picture to its
        // tail after it (split edits).
        let sr = i64::from(edl.output.audio.sample_rate);
        let (lead, tail) = (
            Rational::new(clip.audio.lead, sr),
            Rational::new(clip.audio.tail, sr),
        );
        let rec0 = Rational::from_integer(starts[k]) / fps.as_ratio();
        let rec_end = Rational::from_integer(starts[k] + ev.frames) / fps.as_ratio() + tail;
        // The transcript follows the sound: at the clip's speed, or at its own under a freeze
        // that carries its sound (a silent freeze has none).
        let speed = if clip.frozen() {
            if !clip.audio.carry {
                continue;
            }
            Rational::from_integer(1)
        } else {
            clip.speed
        };
        let src_to = if clip.frozen() {
            clip.source_in + (rec_end - rec0)
        } else {
            clip.source_out + tail
        };
        let src_from = clip.source_in - lead;
        for (i, c) in sub.cues.iter().enumerate() {
            let (s, e) = (ms(c.start), ms(c.end));
            if e <= src_from || s >= src_to {
                continue;
            }
            let start = rec0 + (s.max(src_from) - clip.source_in) / speed;
            let end = (rec0 + (e.min(src_to) - clip.source_in) / speed).min(rec_end);
            if too_short(start, end) {
                shown[i] = true;
                dropped.push(DroppedCue {
                    line: c.line,
                    reason: format!(
                        "shorter than {MIN_CUE_MS} ms once cut at the ends of event {}",
                        ev.index
                    ),
                });
                continue;
            }
            shown[i] = true;
            cues.push(PlannedCue {
                start,
                end,
                text: c.text.clone(),
                line: c.line,
                event: Some(ev.index),
            });
        }
    }
    for (c, seen) in sub.cues.iter().zip(shown) {
        if !seen {
            dropped.push(DroppedCue {
                line: c.line,
                reason: format!("outside every clip of source `{src}`"),
            });
        }
    }
    (cues, dropped)
}

/// A burned-in track as one segment draws it.
#[derive(Debug, Clone, Serialize)]
pub struct BurnIn {
    pub style: SubStyle,
    /// Cues that show on the segment: frame ranges relative to its first frame.
    pub cues: Vec<FrameCue>,
}

/// A cue shown on frames `first..end` (relative to the segment), with its text in ASS markup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameCue {
    pub first: i64,
    pub end: i64,
    pub text: String,
}

/// First program frame at or after `t` seconds: frame `k` shows a cue when start ≤ k/fps < end.
fn frame_at(t: Rational, fps: Rate) -> i64 {
    (t * fps.as_ratio()).ceil().to_integer()
}

/// The cues of the burned-in track on the segment of frames `[start, start + len)`.
pub(crate) fn burn_in_for(
    track: &Track,
    style: &SubStyle,
    fps: Rate,
    start: i64,
    len: i64,
) -> Option<BurnIn> {
    let cues: Vec<FrameCue> = track
        .cues
        .iter()
        .filter_map(|c| {
            let (a, b) = (frame_at(c.start, fps), frame_at(c.end, fps));
            let (a, b) = (a.max(start), b.min(start + len));
            (b > a).then(|| FrameCue {
                first: a - start,
                end: b - start,
                text: crate::subs::to_ass(&c.text),
            })
        })
        .collect();
    (!cues.is_empty()).then(|| BurnIn {
        style: style.clone(),
        cues,
    })
}
