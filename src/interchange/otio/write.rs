//! A cut written as an OTIO document.

use serde_json::{json, Value};

use super::file_url;
use crate::interchange::cut::{Cut, Media, Picture, Shot};
use crate::time::{Rate, Rational};

/// A written document and what it could not carry.
#[derive(Debug, Clone)]
pub struct Written {
    pub value: Value,
    pub warnings: Vec<String>,
}

fn rt(value: f64, rate: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "RationalTime.1", "rate": rate.to_f64(), "value": value })
}

fn range(start: f64, duration: f64, rate: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate) })
}

fn ratio_text(r: Rational) -> String {
    format!("{}/{}", r.numer(), r.denom())
}

/// The cut as an OTIO document.
pub fn write(cut: &Cut) -> Written {
    let fps = cut.fps;
    let mut warnings = Vec::new();
    let mut v1 = Vec::new();
    for (k, s) in cut.picture.iter().enumerate() {
        let next = cut.picture.get(k + 1).map_or(0, Shot::overlap);
        let (dissolve, dip) = match s.transition {
            Some(crate::edl::Transition::Dissolve { frames }) => (frames, 0),
            Some(crate::edl::Transition::FadeBlack { frames }) => (0, frames),
            None => (0, 0),
        };
        if dissolve > 0 && k > 0 {
            // roughcut's dissolve starts where the incoming shot does: the cut is there, the
            // outgoing shot's media runs on under it (out_offset).
            v1.push(json!({
                "OTIO_SCHEMA": "Transition.1", "name": "", "metadata": {},
                "transition_type": "SMPTE_Dissolve",
                "in_offset": rt(0.0, fps), "out_offset": rt(dissolve as f64, fps),
            }));
        }
        if dip > 0 {
            warnings.push(format!(
                "event {}: a dip to black has no OpenTimelineIO form; kept in its metadata, a cut elsewhere",
                s.index + 1
            ));
        }
        v1.push(item(s, s.frames - next, fps));
    }
    let mut tracks = vec![track("V1", "Video", v1)];
    if !cut.cutaways.is_empty() {
        let mut v2 = Vec::new();
        let mut at = 0;
        for c in &cut.cutaways {
            if c.record > at {
                v2.push(gap(c.record - at, fps));
            }
            v2.push(item(c, c.frames, fps));
            at = c.record + c.frames;
        }
        tracks.push(track("V2", "Video", v2));
    }
    for t in &cut.sound {
        // Clips of one track that overlap (a crossfade) go on a track of their own.
        let mut lanes: Vec<(i64, Vec<Value>)> = Vec::new();
        for c in &t.clips {
            let lane = match lanes.iter().position(|(end, _)| *end <= c.record) {
                Some(l) => l,
                None => {
                    lanes.push((0, Vec::new()));
                    lanes.len() - 1
                }
            };
            let (end, items) = &mut lanes[lane];
            if c.record > *end {
                items.push(gap(c.record - *end, fps));
            }
            let mut clip = clip(&c.name, &c.media, c.frames, fps);
            clip["metadata"] =
                json!({ "roughcut": { "clip": c.original, "range": [c.record, c.frames] } });
            items.push(clip);
            *end = c.record + c.frames;
        }
        for (l, (_, items)) in lanes.into_iter().enumerate() {
            let name = if l == 0 {
                t.name.clone()
            } else {
                format!("{} ({})", t.name, l + 1)
            };
            let mut tr = track(&name, "Audio", items);
            tr["enabled"] = json!(!t.muted);
            tracks.push(tr);
        }
    }
    let markers: Vec<Value> = cut
        .markers
        .iter()
        .map(|m| {
            json!({
                "OTIO_SCHEMA": "Marker.2",
                "name": m.name,
                "color": serde_json::to_value(m.colour).ok().and_then(|c| c.as_str().map(str::to_ascii_uppercase)),
                "marked_range": range(m.frame as f64, m.frames as f64, fps),
                "comment": m.note.clone().unwrap_or_default(),
                "metadata": {},
            })
        })
        .collect();
    let start = cut.start.map_or(0, |s| s.frame);
    let value = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": cut.title.clone().unwrap_or_default(),
        "global_start_time": rt(start as f64, fps),
        "metadata": { "roughcut": {
            "fps": format!("{}/{}", fps.num(), fps.den()),
            "start_timecode": cut.start.map(|_| cut.record_label(0)),
            "frames": cut.frames,
            "output": cut.raw.as_ref().and_then(|r| r.get("output")),
            "sources": cut.raw.as_ref().and_then(|r| r.get("sources")),
            "overlays": cut.raw.as_ref().and_then(|r| r.get("overlays")),
        }},
        "tracks": {
            "OTIO_SCHEMA": "Stack.1", "name": "tracks", "metadata": {}, "source_range": null,
            "effects": [], "markers": markers, "enabled": true, "children": tracks,
        },
    });
    Written { value, warnings }
}

fn track(name: &str, kind: &str, children: Vec<Value>) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1", "name": name, "kind": kind, "metadata": {}, "source_range": null,
        "effects": [], "markers": [], "enabled": true, "children": children,
    })
}

fn gap(frames: i64, fps: Rate) -> Value {
    json!({
        "OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {}, "source_range": range(0.0, frames as f64, fps),
        "effects": [], "markers": [], "enabled": true,
    })
}

/// A picture shot as a Clip (or Gap), `frames` long in its track.
fn item(s: &Shot, frames: i64, fps: Rate) -> Value {
    let roughcut = json!({ "event": s.original, "range": [s.record, frames] });
    let name = s.name.clone().unwrap_or_default();
    let mut v = match &s.what {
        Picture::Clip(m) => clip(&name, m, frames, fps),
        Picture::Title(text) => json!({
            "OTIO_SCHEMA": "Clip.2", "name": name, "source_range": range(0.0, frames as f64, fps),
            "effects": [], "markers": [], "enabled": true, "metadata": {},
            "media_references": { "DEFAULT_MEDIA": {
                "OTIO_SCHEMA": "GeneratorReference.1", "name": "title", "generator_kind": "roughcut.title",
                "parameters": { "text": text }, "available_range": null, "available_image_bounds": null, "metadata": {},
            }},
            "active_media_reference_key": "DEFAULT_MEDIA",
        }),
        Picture::Black => gap(frames, fps),
    };
    v["metadata"] = json!({ "roughcut": roughcut });
    v
}

fn clip(name: &str, m: &Media, frames: i64, fps: Rate) -> Value {
    let start = crate::time::to_f64(m.media_in * fps.as_ratio());
    let effects = if m.still {
        // A still is one picture held: no time effect.
        Vec::new()
    } else if *m.speed.numer() == 0 {
        vec![
            json!({ "OTIO_SCHEMA": "FreezeFrame.1", "name": "", "effect_name": "FreezeFrame", "metadata": {}, "time_scalar": 0.0 }),
        ]
    } else if m.speed != Rational::from_integer(1) {
        vec![
            json!({ "OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp", "metadata": { "roughcut": { "speed": ratio_text(m.speed) } }, "time_scalar": crate::time::to_f64(m.speed) }),
        ]
    } else {
        Vec::new()
    };
    json!({
        "OTIO_SCHEMA": "Clip.2", "name": name, "source_range": range(start, frames as f64, fps),
        "effects": effects, "markers": [], "enabled": true, "metadata": {},
        "media_references": { "DEFAULT_MEDIA": {
            "OTIO_SCHEMA": "ExternalReference.1", "name": m.source, "target_url": file_url(&m.path),
            "available_range": null, "available_image_bounds": null, "metadata": {},
        }},
        "active_media_reference_key": "DEFAULT_MEDIA",
    })
}
