//! An OTIO document read into a roughcut EDL: the tracks, their transitions, markers and
//! roughcut's own notes (events written by roughcut and not changed since come back as they
//! were, read into the EDL's own types).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{children, kind, rate_of, schema, time_value};
use crate::edl::raw::{
    MarkerColour, RawAudioTrack, RawCutaway, RawEdl, RawEvent, RawMarker, RawOutput, RawOverlays,
    RawSource,
};
use crate::interchange::build;
use crate::interchange::cmx3600::Problem;
use crate::interchange::to_edl::Link;
use crate::time::Rate;

/// Why an OTIO document cannot be read as a cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtioError {
    #[error("the document is a `{schema}`, not an OpenTimelineIO Timeline")]
    NotATimeline { schema: String },
    #[error("the timeline has no `tracks`")]
    NoTracks,
    #[error("the timeline says no frame rate; give --fps")]
    NoRate,
}

/// What an OTIO clip names as its media, for the caller to link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The clip's name.
    pub name: String,
    /// The media reference's `target_url` (ExternalReference), if any.
    pub url: Option<String>,
    /// The media reference's name (a MissingReference's, often the reel or file name).
    pub reference: Option<String>,
}

impl Wanted {
    /// What a clip item names: its name, its media reference's URL and name.
    pub(super) fn of(item: &Value) -> Wanted {
        let reference = Reader::reference(item);
        Wanted {
            name: item
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            url: reference.and_then(|r| r.get("target_url")?.as_str().map(str::to_string)),
            reference: reference
                .and_then(|r| r.get("name")?.as_str().map(str::to_string))
                .filter(|n| !n.is_empty()),
        }
    }
}

/// roughcut's own note `key` on an item it wrote (`metadata.roughcut.KEY`), when there is one.
fn roughcut_note<'v>(item: &'v Value, key: &str) -> Option<&'v Value> {
    item.get("metadata")?.get("roughcut")?.get(key)
}

/// The OTIO document `doc` as a roughcut EDL at `fps` (the timeline's own rate when `None`),
/// and what was approximated.
pub fn to_edl(
    doc: &Value,
    fps: Option<Rate>,
    link: &dyn Fn(&Wanted) -> Option<Link>,
) -> Result<(RawEdl, Vec<Problem>), OtioError> {
    let schema = doc.get("OTIO_SCHEMA").and_then(Value::as_str).unwrap_or("");
    if !schema.starts_with("Timeline.") {
        return Err(OtioError::NotATimeline {
            schema: schema.to_string(),
        });
    }
    let stack = doc.get("tracks").ok_or(OtioError::NoTracks)?;
    let fps = fps.or_else(|| rate_of(doc)).ok_or(OtioError::NoRate)?;
    let notes = doc.get("metadata").and_then(|m| m.get("roughcut"));
    let mut r = Reader::new(fps, link, notes);
    let tracks = Tracks::read(&mut r, stack);
    let output = r.output(doc, notes);
    let mut edl = build::edl(output, std::mem::take(&mut r.sources), tracks.timeline);
    edl.title = doc
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    edl.cutaways = tracks.cutaways;
    edl.overlays = notes
        .and_then(|m| m.get("overlays"))
        .filter(|v| !v.is_null())
        .and_then(|v| r.restore::<RawOverlays>(v, "the overlays"));
    edl.audio_tracks = tracks.sound;
    edl.markers = tracks.markers;
    Ok((edl, r.problems))
}

/// The document's tracks read: the first video track as the timeline, the second as
/// cutaways, the audio tracks as sound tracks, the markers of the stack and of V1's clips.
struct Tracks {
    timeline: Vec<RawEvent>,
    cutaways: Vec<RawCutaway>,
    sound: Vec<RawAudioTrack>,
    markers: Vec<RawMarker>,
}

impl Tracks {
    fn read(r: &mut Reader, stack: &Value) -> Tracks {
        let tracks = children(stack);
        let video: Vec<&Value> = tracks.iter().filter(|t| kind(t) == "Video").collect();
        let audio: Vec<&Value> = tracks.iter().filter(|t| kind(t) == "Audio").collect();
        let mut timeline = video
            .first()
            .map(|v1| r.picture_track(v1))
            .unwrap_or_default();
        let cutaways = video
            .get(1)
            .map(|v2| r.cutaway_track(v2))
            .unwrap_or_default();
        if video.len() > 2 {
            r.warn(format!("{} video tracks: roughcut has two picture layers (the timeline and cutaways); tracks 3 and up are left out", video.len()));
        }
        let sound: Vec<RawAudioTrack> = audio
            .iter()
            .enumerate()
            .filter_map(|(n, t)| r.sound_track(t, n))
            .collect();
        let mut markers: Vec<(i64, RawMarker)> = stack
            .get("markers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| r.marker(m, 0, 0.0))
            .collect();
        let program = r.program;
        if timeline.is_empty() || program <= 0 {
            let end = sound
                .iter()
                .flat_map(|t| t.clips.iter().flatten())
                .map(|c| {
                    c.at.as_ref().map_or(0, build::frames_in)
                        + c.duration.as_ref().map_or(0, build::frames_in)
                })
                .max()
                .unwrap_or(0);
            if end > 0 {
                timeline = vec![RawEvent::Gap(build::gap(end, Some("no picture".into())))];
            }
        }
        markers.append(&mut r.clip_markers);
        markers.retain(|(at, _)| *at < program.max(1));
        markers.sort_by_key(|(at, _)| *at);
        Tracks {
            timeline,
            cutaways,
            sound,
            markers: markers.into_iter().map(|(_, m)| m).collect(),
        }
    }
}

/// A piece of a flattened track: a clip (with the part of its media shown) or a gap.
pub(super) struct Piece<'a> {
    pub(super) item: &'a Value,
    /// Frames it lasts in the track.
    pub(super) frames: i64,
    /// Media seconds of its first frame (clips).
    pub(super) start: f64,
    /// Nothing shows (a nested stack or track shorter than its range): black.
    pub(super) black: bool,
    /// `start` is the item's own (not moved by trimming a nested range).
    pub(super) exact: bool,
}

pub(super) struct Reader<'a> {
    pub(super) fps: Rate,
    pub(super) link: &'a dyn Fn(&Wanted) -> Option<Link>,
    pub(super) problems: Vec<Problem>,
    pub(super) sources: BTreeMap<String, RawSource>,
    /// Markers found on clips of the first video track, at program frames.
    clip_markers: Vec<(i64, RawMarker)>,
    /// The sources as the writing roughcut had them (their settings), by id.
    known_sources: serde_json::Map<String, Value>,
    /// Frames the first video track lasts.
    program: i64,
    /// Program fades from transitions before the first item and after the last.
    fade_in: i64,
    fade_out: i64,
}

impl<'a> Reader<'a> {
    fn new(
        fps: Rate,
        link: &'a dyn Fn(&Wanted) -> Option<Link>,
        notes: Option<&Value>,
    ) -> Reader<'a> {
        Reader {
            fps,
            link,
            problems: Vec::new(),
            sources: BTreeMap::new(),
            clip_markers: Vec::new(),
            known_sources: notes
                .and_then(|m| m.get("sources")?.as_object().cloned())
                .unwrap_or_default(),
            program: 0,
            fade_in: 0,
            fade_out: 0,
        }
    }
}

impl Reader<'_> {
    pub(super) fn warn(&mut self, message: String) {
        self.problems.push(Problem {
            line: 0,
            error: false,
            message,
        });
    }

    pub(super) fn frames(&mut self, seconds: f64, what: &str) -> i64 {
        let exact = seconds * self.fps.to_f64();
        let n = exact.round();
        if (exact - n).abs() > 1e-3 {
            self.warn(format!(
                "{what}: {seconds:.6} s is not on a frame at {} fps; rounded",
                self.fps
            ));
        }
        n as i64
    }

    /// A part of the EDL roughcut noted when it wrote the document, read back into its type;
    /// a note this roughcut cannot read is said and left out (`what` names it).
    fn restore<T: DeserializeOwned>(&mut self, note: &Value, what: &str) -> Option<T> {
        match serde_json::from_value(note.clone()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.warn(format!(
                    "roughcut's note of {what} is not one this version reads ({e}); read from the document instead"
                ));
                None
            }
        }
    }

    /// The output: roughcut's own note of it (but for where it was rendered), the rate, the
    /// fades of transitions from and into nothing, the start timecode.
    fn output(&mut self, doc: &Value, notes: Option<&Value>) -> RawOutput {
        let noted = notes
            .and_then(|m| m.get("output"))
            .filter(|v| v.is_object())
            .cloned();
        let mut output = noted
            .and_then(|v| self.restore::<RawOutput>(&v, "the output"))
            .unwrap_or_default();
        // Where the render goes is the new EDL's business.
        output.path = None;
        output.fps = Some(build::rate(self.fps));
        if self.fade_in > 0 {
            output.fade_in = Some(build::frames(self.fade_in));
        }
        if self.fade_out > 0 {
            output.fade_out = Some(build::frames(self.fade_out));
        }
        let fps = self.fps;
        let start = notes
            .and_then(|m| m.get("start_timecode")?.as_str().map(str::to_string))
            .or_else(|| {
                let g = doc.get("global_start_time")?;
                let frames = (time_value(g)? * fps.to_f64()).round() as i64;
                // Drop-frame labels where the rate has them, as OpenTimelineIO infers, unless
                // the document says (FCPXML's tcFormat).
                let drop = doc
                    .get("metadata")
                    .and_then(|m| m.get("fcpxml")?.get("tcFormat")?.as_str())
                    .is_none_or(|f| f == "DF");
                (frames > 0).then(|| crate::time::frames_to_timecode(frames, fps, drop))
            });
        if start.is_some() {
            output.start_timecode = start;
        }
        output
    }
    /// The first video track as the timeline: its clips and gaps in order, transitions as
    /// dissolves (or the program's fades), its clips' markers noted.
    fn picture_track(&mut self, t: &Value) -> Vec<RawEvent> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut track = PictureTrack::default();
        for (k, p) in pieces.iter().enumerate() {
            if matches!(schema(p.item), "Clip" | "Gap") {
                for m in p
                    .item
                    .get("markers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(m) = self.marker(m, track.record, p.start) {
                        self.clip_markers.push(m);
                    }
                }
            }
            track.record += p.frames;
            if schema(p.item) == "Transition" {
                self.transition(p, k + 1 == pieces.len(), &mut track);
            } else {
                self.picture_item(p, &mut track);
            }
        }
        self.program = track.record;
        track.events
    }

    /// A transition on V1: from nothing (the program fades in), into nothing (it fades out),
    /// or between two items (the outgoing plays on `out_offset` frames, the incoming starts
    /// `in_offset` earlier).
    fn transition(&mut self, p: &Piece, last: bool, track: &mut PictureTrack) {
        let off = |f: &str| p.item.get(f).and_then(time_value).unwrap_or(0.0);
        let (i, o) = (
            self.frames(off("in_offset"), "transition"),
            self.frames(off("out_offset"), "transition"),
        );
        let kind = p
            .item
            .get("transition_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if kind != "SMPTE_Dissolve" {
            self.warn(format!("transition `{kind}` is a dissolve here"));
        }
        if track.events.is_empty() {
            // From nothing: the first clip starts `in_offset` earlier, the program fades in
            // over the transition.
            self.fade_in = i + o;
            track.pending = Some((i, 0));
            return;
        }
        if last {
            // Into nothing: the last clip plays on, the program fades out.
            self.fade_out = i + o;
            track.record += o;
        }
        // The outgoing clip plays on `out_offset` frames; the incoming starts `in_offset`
        // earlier (roughcut's own events already say so).
        if let Some(prev) = track.events.last_mut().filter(|_| !track.restored) {
            build::lengthen(prev, o);
        }
        if !last && i + o > 0 {
            track.pending = Some((i, i + o));
        }
    }

    /// A clip or gap on V1: roughcut's own event when it wrote it and it is unchanged, else
    /// read from its ranges (starting earlier under a pending transition).
    fn picture_item(&mut self, p: &Piece, track: &mut PictureTrack) {
        // Written by roughcut (its range noted) and not changed since.
        let restored_here = roughcut_note(p.item, "range")
            .and_then(|r| r.get(1)?.as_i64())
            .is_some_and(|f| f == p.frames);
        let kept = roughcut_note(p.item, "event")
            .filter(|e| e.is_object() && restored_here)
            .and_then(|e| self.restore::<RawEvent>(e, "an event"));
        let mut ev = match kept {
            // Written by roughcut and not changed since: its own event, exactly.
            Some(e) => {
                self.keep_source(p);
                e
            }
            None => {
                let mut head = track.pending.map_or(0, |(i, _)| i);
                let ev = if schema(p.item) == "Gap" || p.black {
                    RawEvent::Gap(build::gap(p.frames + head, None))
                } else {
                    self.clip_event_from(p, p.frames, &mut head)
                };
                if let Some((i, d)) = track.pending.as_mut() {
                    *d -= *i - head;
                    *i = head;
                }
                ev
            }
        };
        // Written by roughcut: its transitions are in its events already.
        track.restored = restored_here;
        if let Some((_, d)) = track.pending.take().filter(|_| !restored_here) {
            if d > 0 {
                build::set_transition(&mut ev, build::dissolve(d));
            }
        }
        track.events.push(ev);
    }

    /// The source of an event kept whole, linked again by its id (the reference's name),
    /// with the settings the writing roughcut had for it.
    fn keep_source(&mut self, p: &Piece) {
        if schema(p.item) != "Clip" {
            return;
        }
        let wanted = Wanted::of(p.item);
        let (Some(l), Some(id)) = ((self.link)(&wanted), wanted.reference.clone()) else {
            return;
        };
        if self.sources.contains_key(&id) {
            return;
        }
        let noted = self
            .known_sources
            .get(&id)
            .filter(|v| v.is_object())
            .cloned();
        let mut source = noted
            .map(|mut v| {
                v["path"] = Value::String(l.path.clone());
                v
            })
            .and_then(|v| self.restore::<RawSource>(&v, &format!("source `{id}`")))
            .unwrap_or_else(|| build::source(String::new()));
        source.path = l.path;
        self.sources.insert(id, source);
    }

    fn cutaway_track(&mut self, t: &Value) -> Vec<RawCutaway> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut out = Vec::new();
        let mut at = 0i64;
        for p in &pieces {
            if schema(p.item) == "Clip" {
                let kept = roughcut_note(p.item, "event")
                    .filter(|e| e.is_object())
                    .and_then(|e| self.restore::<RawCutaway>(e, "a cutaway"));
                let cutaway = match kept {
                    Some(c) => {
                        self.keep_source(p);
                        Some(c)
                    }
                    None => match self.clip_event(p, p.frames) {
                        RawEvent::Clip(c) => Some(RawCutaway {
                            at: build::frames(at),
                            source: c.source,
                            in_: c.in_,
                            out: c.out,
                            duration: c.duration,
                            name: c.name,
                            look: c.look,
                        }),
                        RawEvent::Title(_) | RawEvent::Gap(_) => None,
                    },
                };
                out.extend(cutaway);
            } else if schema(p.item) == "Transition" {
                self.warn("a transition on the second video track is a cut here".into());
            }
            at += p.frames;
        }
        out
    }

    fn sound_track(&mut self, t: &Value, n: usize) -> Option<RawAudioTrack> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut clips = Vec::new();
        let mut at = 0i64;
        for p in &pieces {
            if schema(p.item) == "Clip" {
                let kept = roughcut_note(p.item, "clip")
                    .filter(|e| e.is_object())
                    .and_then(|e| self.restore::<RawAudioTrack>(e, "a sound clip"));
                match kept {
                    Some(mut c) => {
                        self.keep_source(p);
                        // A bed's own fields; its track's name and mute are the track's.
                        c.name = None;
                        c.mute = None;
                        clips.push(c);
                    }
                    None => {
                        if let RawEvent::Clip(ev) = self.clip_event(p, p.frames) {
                            let length = ev.duration.as_ref().map_or(0, build::frames_in);
                            let mut c = build::sound_clip(ev.source, at, ev.in_, length);
                            c.duration = ev.duration;
                            c.name = ev.name;
                            clips.push(c);
                        }
                    }
                }
            }
            at += p.frames;
        }
        if clips.is_empty() {
            return None;
        }
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("A{}", n + 1), str::to_string);
        let mut tr = build::sound_track(name, clips);
        if t.get("enabled").and_then(Value::as_bool) == Some(false) {
            tr.mute = Some(true);
        }
        Some(tr)
    }

    /// A marker at its program frame (`offset`: where its item starts; `media_start`: the
    /// media time of the item's first frame).
    fn marker(&mut self, m: &Value, offset: i64, media_start: f64) -> Option<(i64, RawMarker)> {
        let r = m.get("marked_range")?;
        let start = time_value(r.get("start_time")?)? - media_start;
        let dur = r.get("duration").and_then(time_value).unwrap_or(0.0);
        let at = offset + self.frames(start, "marker");
        if at < 0 {
            return None;
        }
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("marker");
        let mut marker = build::marker(at, name.to_string());
        let frames = self.frames(dur, "marker");
        if frames > 0 {
            marker.duration = Some(build::frames(frames));
        }
        let colour = match m.get("color") {
            Some(Value::String(c)) => Some(c.to_ascii_lowercase()),
            // Marker.3 writes a Color object with a name.
            Some(Value::Object(c)) => c
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase),
            _ => None,
        };
        // The colours editing systems share with roughcut; others are left out.
        marker.colour =
            colour.and_then(|c| serde_json::from_value::<MarkerColour>(Value::String(c)).ok());
        marker.note = m
            .get("comment")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        Some((at, marker))
    }
}

/// V1 being read: its events, the program frame reached, the transition waiting for the next
/// item, and whether the last item was roughcut's own event kept whole.
#[derive(Default)]
struct PictureTrack {
    events: Vec<RawEvent>,
    record: i64,
    /// `(in_offset, dissolve frames)` of a transition before the next item.
    pending: Option<(i64, i64)>,
    restored: bool,
}
