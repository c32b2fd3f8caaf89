//! A CMX 3600 list as a roughcut EDL (a typed [`RawEdl`], version 1): the picture events in record order, gaps
//! where the record times jump, black (`BL`) as gaps, dissolves, `M2` motion as speed or freeze,
//! `* LOC:` markers; picture events without sound channels muted, sound-only events as clips on
//! sound tracks (one per first channel, audio dissolves as crossfades); the list's first record
//! timecode as the program's start timecode; each clip's event number and unused comments (ASC
//! CDL, effects) kept under `metadata.cmx3600`. Every approximation is a warning with the list's
//! line. Which file a reel is, and where its timecode starts, is the caller's to say ([`Link`]);
//! no I/O here. `cmx_to_edl` lays the picture (`Mapping::picture_event` into a
//! `PictureTrack`), then the sound (`Mapping::sound_tracks`, `SoundClip`s), then the markers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::build;
use super::cmx3600::{CmxEvent, List, Problem, Tc, Transition};
use crate::edl::raw::{
    MarkerColour, RateValue, RawAudioTrack, RawClip, RawEdl, RawEvent, RawEventAudio, RawMarker,
    RawOutput, RawSource, TimeValue,
};
use crate::time::{Rate, TimeSpec};

/// The media file an event's reel stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The source id in the EDL.
    pub id: String,
    /// Its path, as the EDL writes it.
    pub path: String,
    /// The file's start timecode, in frames of the list's rate (0 without one).
    pub start: i64,
    /// The file's picture rate (`None`: no picture, or not known). Source times are written
    /// in frames when it is the list's, else in seconds.
    pub rate: Option<Rate>,
}

/// A source time given in frames of the list's rate, as the EDL writes it: frames when the
/// source runs at that rate (exact, and what an editor reads), else seconds (exact when the
/// decimal ends; else rounded up to the microsecond, which keeps the same source frame).
pub(crate) fn source_time(frames: i64, fps: Rate, link: &Link) -> TimeValue {
    if link.rate == Some(fps) {
        return build::frames(frames);
    }
    TimeValue(seconds_text(crate::time::Rational::from_integer(frames) / fps.as_ratio()).into())
}

/// Seconds as a decimal (`"1.4s"`), exact when it ends within six places, else rounded up.
pub(crate) fn seconds_text(r: crate::time::Rational) -> String {
    let micro = r * 1_000_000;
    let n = if micro.is_integer() {
        micro.to_integer()
    } else {
        micro.ceil().to_integer()
    };
    let (whole, frac) = (n.div_euclid(1_000_000), n.rem_euclid(1_000_000));
    let frac = format!("{frac:06}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}s")
    } else {
        format!("{whole}.{frac}s")
    }
}

/// The EDL for `list` counted at `fps`, and what was approximated or could not be done.
pub fn cmx_to_edl(
    list: &List,
    fps: Rate,
    link: &dyn Fn(&CmxEvent) -> Option<Link>,
) -> (RawEdl, Vec<Problem>) {
    let mut m = Mapping::new(list, fps, link);
    let mut picture = PictureTrack::default();
    for e in list.events.iter().filter(|e| e.channels.video) {
        m.picture_event(e, &mut picture);
    }
    let (audio_tracks, sound_end) = m.sound_tracks();
    if sound_end > picture.cursor {
        // Sound runs on past the last picture (or the list has none): black under it.
        let name = if picture.cursor == 0 {
            "no picture"
        } else {
            "gap"
        };
        picture.push_gap(sound_end - picture.cursor, name.into());
        picture.cursor = sound_end;
    }
    let markers = m.markers(picture.cursor);
    let mut output = RawOutput {
        fps: Some(build::rate(fps)),
        ..RawOutput::default()
    };
    output.start_timecode = m.start_timecode();
    let mut edl = build::edl(output, m.sources, picture.events);
    edl.title = list.title.clone();
    edl.audio_tracks = audio_tracks;
    edl.markers = markers;
    (edl, m.problems)
}

/// A list being mapped: its rate, where program frame 0 is, the sources linked so far and
/// the problems met.
struct Mapping<'a> {
    list: &'a List,
    fps: Rate,
    link: &'a dyn Fn(&CmxEvent) -> Option<Link>,
    /// The list's first record timecode, picture or sound (program frame 0), and its frame.
    first: Option<(i64, Tc)>,
    sources: BTreeMap<String, RawSource>,
    problems: Vec<Problem>,
}

/// The picture events so far, and where the timeline has reached (program frames).
#[derive(Default)]
struct PictureTrack {
    events: Vec<RawEvent>,
    /// Program frames the events fill.
    cursor: i64,
    /// The last event is a clip a dissolve may lengthen.
    last_is_clip: bool,
}

impl PictureTrack {
    fn push_gap(&mut self, length: i64, name: String) {
        self.events
            .push(RawEvent::Gap(build::gap(length, Some(name))));
        self.last_is_clip = false;
    }

    fn push(&mut self, ev: RawEvent) {
        self.last_is_clip = matches!(ev, RawEvent::Clip(_));
        self.events.push(ev);
    }

    /// The clip before plays on `n` frames more, under a dissolve; false when there is none.
    fn lengthen_last_clip(&mut self, n: i64) -> bool {
        match self.events.last_mut().filter(|_| self.last_is_clip) {
            Some(prev) => {
                build::lengthen(prev, n);
                true
            }
            None => false,
        }
    }
}

/// What the list said about an event that roughcut keeps without acting on it
/// (`metadata.cmx3600`).
#[derive(Serialize)]
struct EventNotes<'a> {
    event: &'a str,
    reel: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_file: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    comments: &'a [String],
}

impl<'a> Mapping<'a> {
    fn new(list: &'a List, fps: Rate, link: &'a dyn Fn(&CmxEvent) -> Option<Link>) -> Mapping<'a> {
        let mut m = Mapping {
            list,
            fps,
            link,
            first: None,
            sources: BTreeMap::new(),
            problems: Vec::new(),
        };
        m.first = list
            .events
            .iter()
            .filter_map(|e| Some((m.frames(&e.record_in)?, e.record_in)))
            .min_by_key(|(f, _)| *f);
        m
    }

    /// A label counted at the list's rate (`None`: the rate has no such label).
    fn frames(&self, tc: &Tc) -> Option<i64> {
        TimeSpec::Timecode {
            hours: i64::from(tc.hours),
            minutes: i64::from(tc.minutes),
            seconds: i64::from(tc.seconds),
            frames: i64::from(tc.frames),
            drop: tc.drop,
        }
        .to_frame_floor(self.fps)
        .ok()
    }

    /// Program frame 0, in frames of the list's rate.
    fn start(&self) -> i64 {
        self.first.map_or(0, |(f, _)| f)
    }

    /// An event's record in and out (program frames) and source in (frames of the list's
    /// rate), or a warning when a label does not exist at that rate.
    fn placed(&mut self, e: &CmxEvent) -> Option<(i64, i64, i64)> {
        let start = self.start();
        match (
            self.frames(&e.record_in),
            self.frames(&e.record_out),
            self.frames(&e.source_in),
        ) {
            (Some(i), Some(o), Some(s)) => Some((i - start, o - start, s)),
            _ => {
                self.problems.push(warn(
                    e.line,
                    "a timecode of this event does not exist at the list's rate; the event is left out",
                ));
                None
            }
        }
    }

    /// The source a link names, added once.
    fn add_source(&mut self, l: &Link) {
        self.sources
            .entry(l.id.clone())
            .or_insert_with(|| build::source(l.path.clone()));
    }

    /// The dissolve into a picture event (its frames), `None` for a cut; a key is left out
    /// (`Err`).
    fn picture_transition(&mut self, e: &CmxEvent) -> Result<Option<i64>, ()> {
        match e.transition {
            Transition::Cut => Ok(None),
            Transition::Dissolve(n) => Ok(Some(i64::from(n))),
            Transition::Wipe { frames: n, .. } => {
                self.problems.push(warn(
                    e.line,
                    &format!(
                        "wipe of event {} rendered as a dissolve of the same length",
                        e.number
                    ),
                ));
                Ok(Some(i64::from(n)))
            }
            Transition::Key => {
                self.problems.push(warn(e.line, &format!("key event {}: keys are not composited; the background is kept and this event is left out", e.number)));
                Err(())
            }
        }
    }

    /// One picture event onto the timeline: a gap where the record times jump, the event
    /// (a clip, black, or an offline gap), the clip before lengthened under a dissolve.
    fn picture_event(&mut self, e: &CmxEvent, track: &mut PictureTrack) {
        let Some((mut rec_in, rec_out, src_in)) = self.placed(e) else {
            return;
        };
        if rec_out <= rec_in {
            // The outgoing side of a transition (written with no length) or an empty event.
            return;
        }
        let transitional = matches!(
            e.transition,
            Transition::Dissolve(_) | Transition::Wipe { .. }
        );
        let mut skip = 0;
        if rec_in > track.cursor && !transitional {
            track.push_gap(rec_in - track.cursor, "gap".into());
        } else if rec_in < track.cursor && !transitional {
            let over = track.cursor - rec_in;
            self.problems.push(warn(e.line, &format!("event {} starts {over} frame(s) before the one before it ends; its first {over} frame(s) are left out", e.number)));
            skip = over;
            rec_in = track.cursor;
        }
        let length = rec_out - rec_in;
        if length <= 0 {
            return;
        }
        let Ok(transition) = self.picture_transition(e) else {
            return;
        };
        let dissolve = transition.filter(|&n| n > 0);
        // A dissolve of n frames starts at this event's record in: the clip before it plays
        // on n frames more, under it.
        if let Some(n) = dissolve {
            if !track.lengthen_last_clip(n) {
                self.problems.push(warn(
                    e.line,
                    &format!(
                        "the dissolve into event {} follows no clip; it is a cut",
                        e.number
                    ),
                ));
            }
        }
        let mut ev = if e.reel == "BL" {
            RawEvent::Gap(build::gap(length, e.clip_name.clone()))
        } else {
            let Some(l) = (self.link)(e) else {
                self.problems.push(unlinked(e, "event"));
                track.push_gap(length, format!("offline: {}", e.reel));
                track.cursor = rec_out;
                return;
            };
            RawEvent::Clip(self.picture_clip(e, &l, src_in - l.start + skip, length))
        };
        if let Some(n) = dissolve {
            build::set_transition(&mut ev, build::dissolve(n));
        }
        track.push(ev);
        track.cursor = rec_out;
    }

    /// A linked picture event as a clip from source frame `src` (the link's start taken
    /// off), `length` frames: its speed from `M2`, muted when the list puts no sound with it,
    /// its notes kept.
    fn picture_clip(&mut self, e: &CmxEvent, l: &Link, src: i64, length: i64) -> RawClip {
        self.add_source(l);
        let mut clip = build::clip(l.id.clone(), source_time(src, self.fps, l), length);
        if e.channels.audio.is_empty() {
            // The list puts no sound with this picture (its sound, if any, is a sound event
            // of its own).
            clip.audio = Some(Box::new(RawEventAudio {
                mute: Some(true),
                ..RawEventAudio::default()
            }));
        }
        if let Some(m) = &e.motion {
            match crate::time::decimal(m.speed.trim_start_matches('-')) {
                Some(rate) => {
                    if m.speed.starts_with('-') {
                        self.problems.push(warn(m.line, &format!("backwards motion ({} frames per second) has no place yet; event {} plays forwards", m.speed, e.number)));
                    }
                    // M2 gives source frames per second; roughcut's speed is relative.
                    let speed = rate / self.fps.as_ratio();
                    clip.speed = Some(RateValue(
                        format!("{}/{}", speed.numer(), speed.denom()).into(),
                    ));
                }
                None => self.problems.push(warn(
                    m.line,
                    &format!(
                        "motion speed `{}` is not a number; event {} plays at its own speed",
                        m.speed, e.number
                    ),
                )),
            }
        }
        clip.name = e.clip_name.clone();
        let notes = EventNotes {
            event: &e.number,
            reel: &e.reel,
            source_file: e.source_file.as_deref(),
            comments: &e.comments,
        };
        if let Ok(notes) = serde_json::to_value(notes) {
            let mut metadata = serde_json::Map::new();
            metadata.insert("cmx3600".into(), notes);
            clip.metadata = Some(Box::new(metadata));
        }
        clip
    }

    /// Sound-only events as clips on sound tracks, one track per first channel (`A2` and
    /// `AA` differ: `AA` goes on A1's), and the program frame where the last one ends. An
    /// audio dissolve (or wipe) of n frames is a crossfade: the clip before plays on n frames,
    /// fading out, while this one fades in.
    fn sound_tracks(&mut self) -> (Vec<RawAudioTrack>, i64) {
        let mut tracks: BTreeMap<u8, Vec<SoundClip>> = BTreeMap::new();
        let mut end = 0i64;
        let list = self.list;
        for e in list.events.iter().filter(|e| !e.channels.video) {
            let Some((rec_in, rec_out, src_in)) = self.placed(e) else {
                continue;
            };
            // Black and silence (`BL`, channel `NONE`) still take record time.
            end = end.max(rec_out);
            let Some(&channel) = e.channels.audio.iter().min() else {
                continue;
            };
            let track = tracks.entry(channel).or_default();
            let fade = match e.transition {
                Transition::Dissolve(n) | Transition::Wipe { frames: n, .. } => i64::from(n),
                Transition::Key => {
                    self.problems.push(warn(
                        e.line,
                        &format!("key event {} on a sound channel is left out", e.number),
                    ));
                    continue;
                }
                Transition::Cut => 0,
            };
            if fade > 0 {
                // The clip before on this track plays on under the crossfade.
                if let Some(prev) = track.last_mut() {
                    prev.length += fade;
                    prev.fade_out = fade;
                    end = end.max(prev.at + prev.length);
                }
            }
            if rec_out <= rec_in || e.reel == "BL" {
                // The outgoing side of a transition, or silence.
                continue;
            }
            let Some(l) = (self.link)(e) else {
                self.problems.push(unlinked(e, "sound event"));
                continue;
            };
            if e.motion.is_some() {
                self.problems.push(warn(
                    e.line,
                    &format!(
                        "motion on sound event {} is not imported: its sound plays at its own speed",
                        e.number
                    ),
                ));
            }
            self.add_source(&l);
            track.push(SoundClip {
                source: l.id.clone(),
                name: e.clip_name.clone(),
                at: rec_in,
                in_: source_time(src_in - l.start, self.fps, &l),
                length: rec_out - rec_in,
                fade_in: if fade > 0 && !track.is_empty() {
                    fade
                } else {
                    0
                },
                fade_out: 0,
            });
            end = end.max(rec_out);
        }
        let tracks = tracks
            .into_iter()
            .filter(|(_, clips)| !clips.is_empty())
            .map(|(channel, clips)| {
                build::sound_track(
                    format!("A{channel}"),
                    clips.into_iter().map(SoundClip::into_raw).collect(),
                )
            })
            .collect();
        (tracks, end)
    }

    /// The list's markers at program frames from its start, within the program's `frames`.
    fn markers(&self, frames: i64) -> Vec<RawMarker> {
        self.list
            .locators
            .iter()
            .filter_map(|m| {
                let at = self.frames(&m.at)? - self.start();
                let name = if m.name.is_empty() {
                    "marker".to_string()
                } else {
                    m.name.clone()
                };
                let mut marker = build::marker(at, name);
                marker.colour = m.colour.as_deref().and_then(marker_colour);
                (at >= 0 && at < frames).then_some(marker)
            })
            .collect()
    }

    /// The program's start timecode: the list's first record timecode, when past zero.
    fn start_timecode(&self) -> Option<String> {
        let (_, tc) = self.first.filter(|(f, _)| *f > 0)?;
        let drop = tc.drop && self.fps.drop_frames_per_minute().is_some();
        Some(format!(
            "{:02}:{:02}:{:02}{}{:02}",
            tc.hours,
            tc.minutes,
            tc.seconds,
            if drop { ';' } else { ':' },
            tc.frames
        ))
    }
}

/// A CMX marker colour word (`RED` …) as the EDL's.
fn marker_colour(word: &str) -> Option<MarkerColour> {
    serde_json::from_value(serde_json::Value::String(word.to_ascii_lowercase())).ok()
}

/// A clip on a sound track while the track is being laid (its lengths still open to a
/// crossfade).
struct SoundClip {
    source: String,
    name: Option<String>,
    /// First program frame.
    at: i64,
    in_: TimeValue,
    length: i64,
    /// Fades in and out, in frames (0: none).
    fade_in: i64,
    fade_out: i64,
}

impl SoundClip {
    fn into_raw(self) -> RawAudioTrack {
        let mut c = build::sound_clip(self.source, self.at, self.in_, self.length);
        c.name = self.name;
        c.fade_in = (self.fade_in > 0).then(|| build::frames(self.fade_in));
        c.fade_out = (self.fade_out > 0).then(|| build::frames(self.fade_out));
        c
    }
}

/// The error for an event whose reel links to no file.
fn unlinked(e: &CmxEvent, what: &str) -> Problem {
    Problem {
        line: e.line,
        error: true,
        message: format!(
            "reel `{}`{} of {what} {} is not linked to a media file",
            e.reel,
            e.clip_name
                .as_ref()
                .map(|n| format!(" (clip `{n}`)"))
                .unwrap_or_default(),
            e.number
        ),
    }
}

fn warn(line: usize, message: &str) -> Problem {
    Problem {
        line,
        error: false,
        message: message.to_string(),
    }
}
