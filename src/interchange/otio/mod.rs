//! OpenTimelineIO JSON (`.otio`), written and read as plain JSON: Timeline, Stack, Track, Clip
//! (`Clip.2` with `media_references`; `Clip.1` with `media_reference` is read too), Gap,
//! Transition, ExternalReference, MissingReference, GeneratorReference (titles), LinearTimeWarp,
//! FreezeFrame, Marker (`Marker.2` and `Marker.3`). Written files keep roughcut's exact times
//! and each event's own JSON under `metadata.roughcut`, so a cut comes back exactly; a clip
//! changed in another system since (its range no longer the one written) is read from its
//! ranges instead. No I/O here.

//! `write` writes a cut; `read` reads a document into an EDL (`flatten` lays a track's items end
//! to end, `clip` reads one clip item).

mod clip;
mod flatten;
mod read;
mod write;

pub use read::{to_edl, OtioError, Wanted};
pub use write::{write, Written};

use serde_json::Value;

use crate::time::Rate;

/// A path as a `file://` URL (absolute paths; relative ones are written as they are).
pub(crate) fn file_url(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    let mut out = String::from("file://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `target_url` as a path: `file://` URLs percent-decoded, others as written.
pub fn local_path(url: &str) -> String {
    let Some(rest) = url.strip_prefix("file://") else {
        return url.to_string();
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let b = rest.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn children(v: &Value) -> &[Value] {
    v.get("children")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn kind(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or("Video")
}

pub(super) fn schema(v: &Value) -> &str {
    v.get("OTIO_SCHEMA")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split('.')
        .next()
        .unwrap_or("")
}

/// Longest time read, in seconds (a million: eleven days); beyond it a time is not read, so
/// exact arithmetic on it cannot overflow.
const MAX_SECONDS: f64 = 1e6;

/// A RationalTime in seconds (`None`: missing, or not a usable time).
pub(super) fn time_value(t: &Value) -> Option<f64> {
    let value = t.get("value")?.as_f64()?;
    let rate = t.get("rate")?.as_f64()?;
    let seconds = value / rate;
    (rate > 0.0 && seconds.is_finite() && seconds.abs() <= MAX_SECONDS).then_some(seconds)
}

/// The rate the timeline's times are written at (roughcut's own note of it, else the first
/// clip or gap's duration's).
pub fn rate_of(doc: &Value) -> Option<Rate> {
    fn find(v: &Value) -> Option<f64> {
        if let Some(r) = v
            .get("source_range")
            .and_then(|r| r.get("duration")?.get("rate")?.as_f64())
        {
            return Some(r);
        }
        match v {
            Value::Object(m) => m.values().find_map(find),
            Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    let r = doc
        .get("metadata")
        .and_then(|m| m.get("roughcut")?.get("fps")?.as_str().map(str::to_string));
    if let Some(r) = r.and_then(|r| Rate::parse(&r).ok()) {
        return Some(r);
    }
    rate_from_f64(find(doc.get("tracks")?)?)
}

/// A frame rate written as a float (`23.976023976023978` is 24000/1001).
pub(crate) fn rate_from_f64(r: f64) -> Option<Rate> {
    for base in [24i64, 30, 48, 60, 120] {
        if (r - base as f64 * 1000.0 / 1001.0).abs() < 1e-6 {
            return Rate::new(base * 1000, 1001).ok();
        }
    }
    if (r - r.round()).abs() < 1e-9 {
        return Rate::new(r.round() as i64, 1).ok();
    }
    Rate::new((r * 1000.0).round() as i64, 1000).ok()
}

/// A `source_range`: start (seconds) and duration (seconds).
pub(super) fn source_range(v: &Value) -> Option<(f64, f64)> {
    let r = v.get("source_range")?;
    Some((
        time_value(r.get("start_time")?)?,
        time_value(r.get("duration")?)?,
    ))
}
