//! A checked EDL seen as editing systems see a cut: picture shots in record order on one
//! track (V1), cutaways on a second (V2), sound clips on tracks, markers; every time an exact
//! frame count at the program rate, every source time exact seconds of the media's own clock
//! (its start timecode included). The writers (`cmx3600_write`, `otio`) read only this.

use serde_json::Value;

use crate::edl::{Edl, EventKind, StartTimecode, Transition};
use crate::time::{Rate, Rational, TimeSpec};

/// A cut as interchange formats carry it.
#[derive(Debug, Clone)]
pub struct Cut {
    pub title: Option<String>,
    pub fps: Rate,
    pub start: Option<StartTimecode>,
    /// Program length in frames.
    pub frames: i64,
    /// V1 in record order.
    pub picture: Vec<Shot>,
    /// V2: cutaways over V1, in record order.
    pub cutaways: Vec<Shot>,
    /// Sound tracks under the picture (the picture's own sound is its shots').
    pub sound: Vec<SoundTrack>,
    pub markers: Vec<crate::edl::Marker>,
    /// The EDL's own JSON, when the caller has it (formats that can keep it do).
    pub raw: Option<Value>,
}

/// A shot on a picture track.
#[derive(Debug, Clone)]
pub struct Shot {
    /// Index in the EDL's `timeline` (or `cutaways`).
    pub index: usize,
    /// First program frame.
    pub record: i64,
    /// Program frames, including those a dissolve into the next shot overlaps.
    pub frames: i64,
    /// The transition into this shot (`None`: a cut).
    pub transition: Option<Transition>,
    pub name: Option<String>,
    pub what: Picture,
    /// The EDL's own JSON of the event, kept by formats that can (OTIO's metadata).
    pub original: Option<Value>,
}

impl Shot {
    /// Frames of this shot's start that overlap the previous shot (the dissolve into it).
    pub fn overlap(&self) -> i64 {
        self.transition.map_or(0, Transition::overlap)
    }
}

/// What a shot shows.
#[derive(Debug, Clone)]
pub enum Picture {
    Clip(Media),
    Title(String),
    Black,
}

/// A piece of a media file.
#[derive(Debug, Clone)]
pub struct Media {
    /// The EDL's source id.
    pub source: String,
    /// The file, as the EDL resolved it.
    pub path: String,
    /// The first frame shown, in the media's own time (start timecode included), seconds.
    pub media_in: Rational,
    /// The media's start timecode, seconds (0 without one).
    pub media_start: Rational,
    /// The media's frame rate (the program's for sound-only files).
    pub rate: Rate,
    /// A still picture (held, moved, never timed).
    pub still: bool,
    /// How long the media is, when known (seconds).
    pub length: Option<Rational>,
    /// 1 normal, 0 a freeze.
    pub speed: Rational,
    /// The shot's sound is off.
    pub muted: bool,
}

/// A track of sound clips.
#[derive(Debug, Clone)]
pub struct SoundTrack {
    pub name: String,
    pub muted: bool,
    pub clips: Vec<SoundClip>,
}

/// A sound clip: `frames` from program frame `record` (rounded to frames from the EDL's exact
/// samples).
#[derive(Debug, Clone)]
pub struct SoundClip {
    pub record: i64,
    pub frames: i64,
    pub name: String,
    pub media: Media,
    pub original: Option<Value>,
}

impl Cut {
    /// The cut of a checked EDL; `raw` is its JSON (for the events' own text).
    pub fn of(edl: &Edl, raw: Option<&Value>) -> Cut {
        let fps = edl.output.fps;
        let frame_of = |samples: i64| {
            crate::time::round_half_up(
                Rational::new(samples, i64::from(edl.output.audio.sample_rate)) * fps.as_ratio(),
            )
        };
        let mut picture = Vec::new();
        let mut record = 0i64;
        for (k, ev) in edl.timeline.iter().enumerate() {
            if k > 0 {
                record -= ev.overlap();
            }
            let what = match &ev.kind {
                EventKind::Clip(c) => media(edl, &c.source, c.source_in, c.speed, c.audio.mute)
                    .map_or(Picture::Black, Picture::Clip),
                EventKind::Title(t) => Picture::Title(t.text.clone()),
                EventKind::Gap => Picture::Black,
            };
            picture.push(Shot {
                index: ev.index,
                record,
                frames: ev.frames,
                transition: ev.transition,
                name: ev.name.clone(),
                what,
                original: raw.and_then(|r| r.get("timeline")?.get(ev.index).cloned()),
            });
            record += ev.frames;
        }
        let cutaways = edl
            .cutaways
            .iter()
            .map(|c| Shot {
                index: c.index,
                record: c.start,
                frames: c.frames,
                transition: None,
                name: c.name.clone(),
                what: media(edl, &c.clip.source, c.clip.source_in, c.clip.speed, true)
                    .map_or(Picture::Black, Picture::Clip),
                original: raw.and_then(|r| r.get("cutaways")?.get(c.index).cloned()),
            })
            .collect();
        let mut sound: Vec<SoundTrack> = Vec::new();
        let mut track_of: Vec<(usize, usize)> = Vec::new();
        let program_samples =
            crate::time::sample_at(edl.program_frames(), edl.output.audio.sample_rate, fps);
        for (n, b) in edl.beds.iter().enumerate() {
            let Some(m) = media(
                edl,
                &b.source,
                b.source_in,
                Rational::from_integer(1),
                false,
            ) else {
                continue;
            };
            let slot = match track_of.iter().find(|(i, _)| *i == b.index) {
                Some(&(_, s)) => s,
                None => {
                    let raw_track = raw.and_then(|r| r.get("audio_tracks")?.get(b.index));
                    let name = raw_track
                        .and_then(|t| t.get("name")?.as_str().map(str::to_string))
                        .unwrap_or_else(|| b.name.clone());
                    let muted = raw_track
                        .and_then(|t| t.get("mute")?.as_bool())
                        .unwrap_or(false);
                    sound.push(SoundTrack {
                        name,
                        muted,
                        clips: Vec::new(),
                    });
                    track_of.push((b.index, sound.len() - 1));
                    sound.len() - 1
                }
            };
            let end = b
                .samples
                .map_or(program_samples, |s| (b.start + s).min(program_samples));
            let start = frame_of(b.start);
            let original = raw.and_then(|r| {
                let t = r.get("audio_tracks")?.get(b.index)?;
                match t.get("clips").and_then(Value::as_array) {
                    // Which clip of the track: the beds of one track come in its clips' order.
                    Some(clips) => {
                        let before = edl.beds[..n].iter().filter(|o| o.index == b.index).count();
                        clips.get(before).cloned()
                    }
                    None => Some(t.clone()),
                }
            });
            sound[slot].clips.push(SoundClip {
                record: start,
                frames: (frame_of(end) - start).max(0),
                name: b.name.clone(),
                media: m,
                original,
            });
        }
        Cut {
            title: edl.title.clone(),
            fps,
            start: edl.output.start_timecode,
            frames: edl.program_frames(),
            picture,
            cutaways,
            sound,
            markers: edl.markers.clone(),
            raw: raw.cloned(),
        }
    }

    /// The record timecode label of program frame `frame`.
    pub(crate) fn record_label(&self, frame: i64) -> String {
        StartTimecode::label(self.start, frame, self.fps)
    }
}

/// A source's piece, in the media's own clock.
fn media(edl: &Edl, id: &str, source_in: Rational, speed: Rational, muted: bool) -> Option<Media> {
    let s = edl.sources.get(id)?;
    let rate = s.rate().unwrap_or(edl.output.fps);
    let media_start = s
        .facts
        .tags
        .iter()
        .find(|(k, _)| k == "timecode")
        .and_then(|(_, tc)| TimeSpec::parse(tc).ok())
        .and_then(|t| t.to_seconds(rate).ok())
        .unwrap_or_else(|| Rational::from_integer(0));
    Some(Media {
        source: id.to_string(),
        path: lexical(&s.path).display().to_string(),
        media_in: media_start + source_in,
        media_start,
        rate,
        still: s.facts.is_still(),
        length: s.facts.duration.map(|d| d.0),
        speed,
        muted,
    })
}

/// A path with its `.` and `..` parts folded away (as written, no file system asked).
fn lexical(p: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
