//! A CMX 3600 list as a roughcut EDL (JSON, version 1): the picture events in record order, gaps
//! where the record times jump, black (`BL`) as gaps, dissolves, `M2` motion as speed or freeze,
//! `* LOC:` markers; picture events without sound channels muted, sound-only events as clips on
//! sound tracks (one per first channel, audio dissolves as crossfades); the list's first record
//! timecode as the program's start timecode; each clip's event number and unused comments (ASC
//! CDL, effects) kept under `metadata.cmx3600`. Every approximation is a warning with the list's line. Which file a reel
//! is, and where its timecode starts, is the caller's to say ([`Link`]); no I/O here.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::cmx3600::{CmxEvent, List, Problem, Tc, Transition};
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
pub fn source_time(frames: i64, fps: Rate, link: &Link) -> Value {
    if link.rate == Some(fps) {
        return json!(format!("{frames}f"));
    }
    json!(seconds_text(
        crate::time::Rational::from_integer(frames) / fps.as_ratio()
    ))
}

/// Seconds as a decimal (`"1.4s"`), exact when it ends within six places, else rounded up.
pub fn seconds_text(r: crate::time::Rational) -> String {
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
) -> (Value, Vec<Problem>) {
    let mut problems = Vec::new();
    let frames = |tc: &Tc| -> Option<i64> {
        TimeSpec::Timecode {
            hours: i64::from(tc.hours),
            minutes: i64::from(tc.minutes),
            seconds: i64::from(tc.seconds),
            frames: i64::from(tc.frames),
            drop: tc.drop,
        }
        .to_frame_floor(fps)
        .ok()
    };
    let pictures: Vec<&CmxEvent> = list.events.iter().filter(|e| e.channels.video).collect();
    // Program frame 0 is the list's first record timecode, picture or sound.
    let first = list
        .events
        .iter()
        .filter_map(|e| Some((frames(&e.record_in)?, e.record_in)))
        .min_by_key(|(f, _)| *f);
    let start = first.map_or(0, |(f, _)| f);
    let mut sources = Map::new();
    let mut timeline: Vec<Value> = Vec::new();
    // Where the timeline has reached, in program frames; the last event pushed was a clip that
    // a dissolve may lengthen.
    let mut cursor = 0i64;
    for e in &pictures {
        let Some((mut rec_in, rec_out, src_in)) = placed(e, &frames, start, &mut problems) else {
            continue;
        };
        if rec_out <= rec_in {
            // The outgoing side of a transition (written with no length) or an empty event.
            continue;
        }
        let mut skip = 0;
        if rec_in > cursor
            && !matches!(
                e.transition,
                Transition::Dissolve(_) | Transition::Wipe { .. }
            )
        {
            timeline.push(json!({ "gap": format!("{}f", rec_in - cursor), "name": "gap" }));
        } else if rec_in < cursor {
            let over = cursor - rec_in;
            let transitional = matches!(
                e.transition,
                Transition::Dissolve(_) | Transition::Wipe { .. }
            );
            if !transitional {
                problems.push(warn(e.line, &format!("event {} starts {over} frame(s) before the one before it ends; its first {over} frame(s) are left out", e.number)));
                skip = over;
                rec_in = cursor;
            }
        }
        let length = rec_out - rec_in;
        if length <= 0 {
            continue;
        }
        let transition = match e.transition {
            Transition::Cut => None,
            Transition::Dissolve(n) => Some(i64::from(n)),
            Transition::Wipe { frames: n, .. } => {
                problems.push(warn(
                    e.line,
                    &format!(
                        "wipe of event {} rendered as a dissolve of the same length",
                        e.number
                    ),
                ));
                Some(i64::from(n))
            }
            Transition::Key => {
                problems.push(warn(e.line, &format!("key event {}: keys are not composited; the background is kept and this event is left out", e.number)));
                continue;
            }
        };
        // A dissolve of n frames starts at this event's record in: the clip before it plays on
        // n frames more, under it.
        if let Some(n) = transition.filter(|&n| n > 0) {
            match timeline.last_mut() {
                Some(prev) if prev.get("source").is_some() => {
                    let d = frames_of(&prev["duration"]);
                    prev["duration"] = json!(format!("{}f", d + n));
                }
                _ => problems.push(warn(
                    e.line,
                    &format!(
                        "the dissolve into event {} follows no clip; it is a cut",
                        e.number
                    ),
                )),
            }
        }
        let mut clip = Map::new();
        if e.reel == "BL" {
            clip.insert("gap".into(), json!(format!("{length}f")));
        } else {
            let Some(l) = link(e) else {
                problems.push(unlinked(e, "event"));
                timeline.push(
                    json!({ "gap": format!("{length}f"), "name": format!("offline: {}", e.reel) }),
                );
                cursor = rec_out;
                continue;
            };
            sources
                .entry(l.id.clone())
                .or_insert_with(|| json!({ "path": l.path }));
            if e.channels.audio.is_empty() {
                // The list puts no sound with this picture (its sound, if any, is a sound
                // event of its own).
                clip.insert("audio".into(), json!({ "mute": true }));
            }
            clip.insert("source".into(), json!(l.id));
            clip.insert("in".into(), source_time(src_in - l.start + skip, fps, &l));
            clip.insert("duration".into(), json!(format!("{length}f")));
            if let Some(m) = &e.motion {
                match crate::time::decimal(m.speed.trim_start_matches('-')) {
                    Some(rate) => {
                        if m.speed.starts_with('-') {
                            problems.push(warn(m.line, &format!("backwards motion ({} frames per second) has no place yet; event {} plays forwards", m.speed, e.number)));
                        }
                        // M2 gives source frames per second; roughcut's speed is relative.
                        let speed = rate / fps.as_ratio();
                        clip.insert(
                            "speed".into(),
                            json!(format!("{}/{}", speed.numer(), speed.denom())),
                        );
                    }
                    None => problems.push(warn(
                        m.line,
                        &format!(
                            "motion speed `{}` is not a number; event {} plays at its own speed",
                            m.speed, e.number
                        ),
                    )),
                }
            }
        }
        if let Some(name) = &e.clip_name {
            clip.insert("name".into(), json!(name));
        }
        if let Some(n) = transition.filter(|&n| n > 0) {
            clip.insert(
                "transition".into(),
                json!({ "type": "dissolve", "duration": format!("{n}f") }),
            );
        }
        if clip.contains_key("source") {
            clip.insert("metadata".into(), event_notes(e));
        }
        timeline.push(Value::Object(clip));
        cursor = rec_out;
    }
    let (audio_tracks, sound_end) =
        sound_tracks(list, fps, &frames, start, link, &mut sources, &mut problems);
    if sound_end > cursor {
        // Sound runs on past the last picture (or the list has none): black under it.
        let name = if cursor == 0 { "no picture" } else { "gap" };
        timeline.push(json!({ "gap": format!("{}f", sound_end - cursor), "name": name }));
        cursor = sound_end;
    }
    let markers: Vec<Value> = list
        .locators
        .iter()
        .filter_map(|m| {
            let at = frames(&m.at)? - start;
            let mut v = json!({ "at": format!("{at}f"), "name": if m.name.is_empty() { "marker".to_string() } else { m.name.clone() } });
            if let Some(c) = &m.colour {
                v["colour"] = json!(c.to_ascii_lowercase());
            }
            (at >= 0 && at < cursor).then_some(v)
        })
        .collect();
    let mut edl = json!({
        "version": 1,
        "output": { "fps": format!("{}/{}", fps.num(), fps.den()) },
        "sources": Value::Object(sources),
        "timeline": timeline,
    });
    if let Some(t) = &list.title {
        edl["title"] = json!(t);
    }
    if let Some((_, tc)) = first.filter(|(f, _)| *f > 0) {
        edl["output"]["start_timecode"] = json!(format!(
            "{:02}:{:02}:{:02}{}{:02}",
            tc.hours,
            tc.minutes,
            tc.seconds,
            if tc.drop && fps.drop_frames_per_minute().is_some() {
                ';'
            } else {
                ':'
            },
            tc.frames
        ));
    }
    if !audio_tracks.is_empty() {
        edl["audio_tracks"] = json!(audio_tracks);
    }
    if !markers.is_empty() {
        edl["markers"] = json!(markers);
    }
    (edl, problems)
}

/// What the list said about an event that roughcut keeps without acting on it.
fn event_notes(e: &CmxEvent) -> Value {
    let mut m = json!({ "event": e.number, "reel": e.reel });
    if let Some(f) = &e.source_file {
        m["source_file"] = json!(f);
    }
    if !e.comments.is_empty() {
        m["comments"] = json!(e.comments);
    }
    json!({ "cmx3600": m })
}

/// Sound-only events as clips on sound tracks, one track per first channel (`A2` and `AA`
/// differ: `AA` goes on A1's), and the program frame where the last one ends. An audio
/// dissolve (or wipe) of n frames is a crossfade: the clip before plays on n frames, fading
/// out, while this one fades in.
fn sound_tracks(
    list: &List,
    fps: Rate,
    frames: &dyn Fn(&Tc) -> Option<i64>,
    start: i64,
    link: &dyn Fn(&CmxEvent) -> Option<Link>,
    sources: &mut Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> (Vec<Value>, i64) {
    let mut tracks: BTreeMap<u8, Vec<Value>> = BTreeMap::new();
    let mut end = 0i64;
    for e in list.events.iter().filter(|e| !e.channels.video) {
        let Some((rec_in, rec_out, src_in)) = placed(e, frames, start, problems) else {
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
                problems.push(warn(
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
                let d = frames_of(&prev["duration"]);
                prev["duration"] = json!(format!("{}f", d + fade));
                prev["fade_out"] = json!(format!("{fade}f"));
                end = end.max(frames_of(&prev["at"]) + d + fade);
            }
        }
        if rec_out <= rec_in || e.reel == "BL" {
            // The outgoing side of a transition, or silence.
            continue;
        }
        let Some(l) = link(e) else {
            problems.push(unlinked(e, "sound event"));
            continue;
        };
        if e.motion.is_some() {
            problems.push(warn(
                e.line,
                &format!(
                    "motion on sound event {} is not imported: its sound plays at its own speed",
                    e.number
                ),
            ));
        }
        sources
            .entry(l.id.clone())
            .or_insert_with(|| json!({ "path": l.path }));
        let mut clip = json!({
            "source": l.id,
            "at": format!("{rec_in}f"),
            "in": source_time(src_in - l.start, fps, &l),
            "duration": format!("{}f", rec_out - rec_in),
        });
        if let Some(n) = &e.clip_name {
            clip["name"] = json!(n);
        }
        if fade > 0 && !track.is_empty() {
            clip["fade_in"] = json!(format!("{fade}f"));
        }
        end = end.max(rec_out);
        track.push(clip);
    }
    let tracks = tracks
        .into_iter()
        .filter(|(_, clips)| !clips.is_empty())
        .map(|(channel, clips)| json!({ "name": format!("A{channel}"), "clips": clips }))
        .collect();
    (tracks, end)
}

/// An event's record in and out (program frames) and source in (frames of the list's rate),
/// or a warning when a label does not exist at that rate.
fn placed(
    e: &CmxEvent,
    frames: &dyn Fn(&Tc) -> Option<i64>,
    start: i64,
    problems: &mut Vec<Problem>,
) -> Option<(i64, i64, i64)> {
    match (
        frames(&e.record_in),
        frames(&e.record_out),
        frames(&e.source_in),
    ) {
        (Some(i), Some(o), Some(s)) => Some((i - start, o - start, s)),
        _ => {
            problems.push(warn(
                e.line,
                "a timecode of this event does not exist at the list's rate; the event is left out",
            ));
            None
        }
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

/// The frame count of a `"Nf"` value this module wrote.
fn frames_of(v: &Value) -> i64 {
    v.as_str()
        .and_then(|d| d.strip_suffix('f'))
        .and_then(|d| d.parse::<i64>().ok())
        .unwrap_or(0)
}

fn warn(line: usize, message: &str) -> Problem {
    Problem {
        line,
        error: false,
        message: message.to_string(),
    }
}
