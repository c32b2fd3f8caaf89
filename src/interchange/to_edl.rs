//! A CMX 3600 list as a roughcut EDL (JSON, version 1): the picture events in record order, gaps
//! where the record times jump, black (`BL`) as gaps, dissolves, `M2` motion as speed or freeze,
//! `* LOC:` markers. Every approximation is a warning with the list's line. Which file a reel
//! is, and where its timecode starts, is the caller's to say ([`Link`]); no I/O here.

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
    let start = pictures
        .iter()
        .filter_map(|e| frames(&e.record_in))
        .min()
        .unwrap_or(0);
    let mut sources = Map::new();
    let mut timeline: Vec<Value> = Vec::new();
    // Where the timeline has reached, in program frames; the last event pushed was a clip that
    // a dissolve may lengthen.
    let mut cursor = 0i64;
    for e in &pictures {
        let (Some(rec_in), Some(rec_out), Some(src_in)) = (
            frames(&e.record_in),
            frames(&e.record_out),
            frames(&e.source_in),
        ) else {
            problems.push(warn(
                e.line,
                "a timecode of this event does not exist at the list's rate; the event is left out",
            ));
            continue;
        };
        let (mut rec_in, rec_out) = (rec_in - start, rec_out - start);
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
                    let d = prev["duration"]
                        .as_str()
                        .and_then(|d| d.strip_suffix('f'))
                        .and_then(|d| d.parse::<i64>().ok())
                        .unwrap_or(0);
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
                problems.push(Problem {
                    line: e.line,
                    error: true,
                    message: format!(
                        "reel `{}`{} of event {} is not linked to a media file",
                        e.reel,
                        e.clip_name
                            .as_ref()
                            .map(|n| format!(" (clip `{n}`)"))
                            .unwrap_or_default(),
                        e.number
                    ),
                });
                timeline.push(
                    json!({ "gap": format!("{length}f"), "name": format!("offline: {}", e.reel) }),
                );
                cursor = rec_out;
                continue;
            };
            sources
                .entry(l.id.clone())
                .or_insert_with(|| json!({ "path": l.path }));
            clip.insert("source".into(), json!(l.id));
            clip.insert("in".into(), json!(format!("{}f", src_in - l.start + skip)));
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
        timeline.push(Value::Object(clip));
        cursor = rec_out;
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
    if !markers.is_empty() {
        edl["markers"] = json!(markers);
    }
    (edl, problems)
}

fn warn(line: usize, message: &str) -> Problem {
    Problem {
        line,
        error: false,
        message: message.to_string(),
    }
}
