//! The parts of a [`RawEdl`] as importers make them: every field named, so the compiler checks
//! what an importer writes (a field renamed in `edl::raw` fails here, not silently in an
//! import), and [`to_json`], the EDL as `roughcut import` writes it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::edl::raw::{
    RateValue, RawAudioTrack, RawClip, RawEdl, RawEvent, RawGapEvent, RawMarker, RawOutput,
    RawSource, RawTitle, RawTitleEvent, RawTransition, TimeValue, TransitionKind,
};
use crate::time::Rate;

/// `n` frames, as `"Nf"`.
pub fn frames(n: i64) -> TimeValue {
    TimeValue(format!("{n}f").into())
}

/// The frame count of a `"Nf"` time an importer wrote (0 for any other time).
pub(crate) fn frames_in(t: &TimeValue) -> i64 {
    t.0.as_str()
        .and_then(|d| d.strip_suffix('f'))
        .and_then(|d| d.parse::<i64>().ok())
        .unwrap_or(0)
}

/// A rate as `"N/D"`.
pub(crate) fn rate(r: Rate) -> RateValue {
    RateValue(format!("{}/{}", r.num(), r.den()).into())
}

/// A clip of `source` from `in_`, `length` frames long.
pub(crate) fn clip(source: String, in_: TimeValue, length: i64) -> RawClip {
    RawClip {
        source,
        in_,
        out: None,
        duration: Some(frames(length)),
        name: None,
        look: None,
        speed: None,
        move_: None,
        audio: None,
        transition: None,
        metadata: None,
    }
}

/// `length` frames of black.
pub(crate) fn gap(length: i64, name: Option<String>) -> RawGapEvent {
    RawGapEvent {
        gap: frames(length),
        name,
        transition: None,
    }
}

/// A title card of `length` frames.
pub(crate) fn title(text: String, length: i64, name: Option<String>) -> RawTitleEvent {
    RawTitleEvent {
        title: RawTitle {
            text,
            duration: frames(length),
            size: None,
            colour: None,
            font: None,
            background: None,
            position: None,
        },
        name,
        transition: None,
    }
}

/// A dissolve of `length` frames into an event.
pub(crate) fn dissolve(length: i64) -> RawTransition {
    RawTransition {
        kind: TransitionKind::Dissolve,
        duration: frames(length),
    }
}

/// An event's way in.
pub(crate) fn set_transition(ev: &mut RawEvent, t: RawTransition) {
    match ev {
        RawEvent::Clip(c) => c.transition = Some(t),
        RawEvent::Title(t2) => t2.transition = Some(t),
        RawEvent::Gap(g) => g.transition = Some(t),
    }
}

/// An event (whose length an importer wrote in frames) made `by` frames longer.
pub(crate) fn lengthen(ev: &mut RawEvent, by: i64) {
    let length = match ev {
        RawEvent::Gap(g) => &mut g.gap,
        RawEvent::Title(t) => &mut t.title.duration,
        RawEvent::Clip(c) => c.duration.get_or_insert_with(|| frames(0)),
    };
    *length = frames(frames_in(length) + by);
}

/// A source: its path, nothing else said.
pub(crate) fn source(path: String) -> RawSource {
    RawSource {
        path,
        colour: None,
        fps: None,
        rotate: None,
        flip: None,
        display_matrix: None,
        crop: None,
    }
}

/// A marker at program frame `at`.
pub(crate) fn marker(at: i64, name: String) -> RawMarker {
    RawMarker {
        at: frames(at),
        name,
        note: None,
        colour: None,
        duration: None,
    }
}

/// A clip on a sound track: `source` from `in_`, at program frame `at`, `length` frames.
pub(crate) fn sound_clip(source: String, at: i64, in_: TimeValue, length: i64) -> RawAudioTrack {
    RawAudioTrack {
        source: Some(source),
        name: None,
        clips: None,
        mute: None,
        at: Some(frames(at)),
        in_: Some(in_),
        out: None,
        duration: Some(frames(length)),
        gain_db: None,
        fade_in: None,
        fade_out: None,
        stream: None,
        duck: None,
    }
}

/// A sound track of `clips`.
pub(crate) fn sound_track(name: String, clips: Vec<RawAudioTrack>) -> RawAudioTrack {
    RawAudioTrack {
        source: None,
        name: Some(name),
        clips: Some(clips),
        mute: None,
        at: None,
        in_: None,
        out: None,
        duration: None,
        gain_db: None,
        fade_in: None,
        fade_out: None,
        stream: None,
        duck: None,
    }
}

/// An EDL (version 1) of `timeline` over `sources`, with `output`.
pub(crate) fn edl(
    output: RawOutput,
    sources: BTreeMap<String, RawSource>,
    timeline: Vec<RawEvent>,
) -> RawEdl {
    RawEdl {
        version: 1,
        title: None,
        output: Some(output),
        sources,
        timeline,
        audio_tracks: Vec::new(),
        subtitles: Vec::new(),
        overlays: None,
        markers: Vec::new(),
        cutaways: Vec::new(),
    }
}

/// The EDL as `roughcut import` writes it: what is not said is left out (absent options and
/// empty lists, as an EDL writer leaves them out), whole numbers written as integers (`-23`,
/// not `-23.0`), notes under `metadata` kept as they are.
pub fn to_json(edl: &RawEdl) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(edl)?;
    if let Value::Object(m) = &mut v {
        // The lists an EDL may leave out (`#[serde(default)]` in `RawEdl`); `timeline` stays.
        m.retain(|k, x| k == "timeline" || !matches!(x, Value::Array(a) if a.is_empty()));
    }
    leave_out_nulls(&mut v);
    Ok(v)
}

fn leave_out_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for (k, x) in m.iter_mut() {
                if k != "metadata" {
                    leave_out_nulls(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(leave_out_nulls),
        Value::Number(n) => {
            // A typed number (`f64`) read from `-23` serialises as `-23.0`.
            let whole = n
                .as_f64()
                .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15);
            if let Some(f) = whole {
                *v = Value::from(f as i64);
            }
        }
        _ => {}
    }
}
