//! OpenTimelineIO JSON (`.otio`), written and read as plain JSON: Timeline, Stack, Track, Clip
//! (`Clip.2` with `media_references`; `Clip.1` with `media_reference` is read too), Gap,
//! Transition, ExternalReference, MissingReference, GeneratorReference (titles), LinearTimeWarp,
//! FreezeFrame, Marker (`Marker.2` and `Marker.3`). Written files keep roughcut's exact times
//! and each event's own JSON under `metadata.roughcut`, so a cut comes back exactly; a clip
//! changed in another system since (its range no longer the one written) is read from its
//! ranges instead. No I/O here.

use serde_json::{json, Map, Value};

use super::cmx3600::Problem;
use super::cut::{Cut, Media, Picture, Shot};
use super::to_edl::Link;
use crate::time::{Rate, Rational};

/// A written document and what it could not carry.
#[derive(Debug, Clone)]
pub struct Written {
    pub value: Value,
    pub warnings: Vec<String>,
}

fn rt(value: f64, rate: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "RationalTime.1", "rate": rate_f64(rate), "value": value })
}

fn rate_f64(r: Rate) -> f64 {
    r.num() as f64 / r.den() as f64
}

fn range(start: f64, duration: f64, rate: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate) })
}

fn ratio_f64(r: Rational) -> f64 {
    *r.numer() as f64 / *r.denom() as f64
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
    let start = ratio_f64(m.media_in * fps.as_ratio());
    let effects = if m.still {
        // A still is one picture held: no time effect.
        Vec::new()
    } else if *m.speed.numer() == 0 {
        vec![
            json!({ "OTIO_SCHEMA": "FreezeFrame.1", "name": "", "effect_name": "FreezeFrame", "metadata": {}, "time_scalar": 0.0 }),
        ]
    } else if m.speed != Rational::from_integer(1) {
        vec![
            json!({ "OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp", "metadata": { "roughcut": { "speed": ratio_text(m.speed) } }, "time_scalar": ratio_f64(m.speed) }),
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
    fn of(item: &Value) -> Wanted {
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
) -> Result<(Value, Vec<Problem>), String> {
    let schema = doc.get("OTIO_SCHEMA").and_then(Value::as_str).unwrap_or("");
    if !schema.starts_with("Timeline.") {
        return Err(format!(
            "the document is a `{schema}`, not an OpenTimelineIO Timeline"
        ));
    }
    let stack = doc.get("tracks").ok_or("the timeline has no `tracks`")?;
    let tracks: Vec<&Value> = children(stack).iter().collect();
    let fps = match fps.or_else(|| rate_of(doc)) {
        Some(f) => f,
        None => return Err("the timeline says no frame rate; give --fps".into()),
    };
    let meta = doc.get("metadata").and_then(|m| m.get("roughcut"));
    let mut r = Reader {
        fps,
        link,
        problems: Vec::new(),
        sources: Map::new(),
        clip_markers: Vec::new(),
        known_sources: meta
            .and_then(|m| m.get("sources")?.as_object().cloned())
            .unwrap_or_default(),
        program: 0,
        fade_in: 0,
        fade_out: 0,
    };
    let video: Vec<&Value> = tracks
        .iter()
        .copied()
        .filter(|t| kind(t) == "Video")
        .collect();
    let audio: Vec<&Value> = tracks
        .iter()
        .copied()
        .filter(|t| kind(t) == "Audio")
        .collect();
    let mut timeline = Vec::new();
    if let Some(v1) = video.first() {
        timeline = r.picture_track(v1);
    }
    let mut cutaways = Vec::new();
    if let Some(v2) = video.get(1) {
        cutaways = r.cutaway_track(v2);
    }
    if video.len() > 2 {
        r.warn(format!("{} video tracks: roughcut has two picture layers (the timeline and cutaways); tracks 3 and up are left out", video.len()));
    }
    let mut audio_tracks = Vec::new();
    for (n, t) in audio.iter().enumerate() {
        if let Some(tr) = r.sound_track(t, n) {
            audio_tracks.push(tr);
        }
    }
    let mut markers = Vec::new();
    for m in stack
        .get("markers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(m) = r.marker(m, 0, 0.0) {
            markers.push(m);
        }
    }
    let program = r.program;
    if timeline.is_empty() || program <= 0 {
        let end = audio_tracks
            .iter()
            .flat_map(|t| t["clips"].as_array().cloned().unwrap_or_default())
            .map(|c| frames_of(&c["at"]) + frames_of(&c["duration"]))
            .max()
            .unwrap_or(0);
        if end > 0 {
            timeline = vec![json!({ "gap": format!("{end}f"), "name": "no picture" })];
        }
    }
    markers.append(&mut r.clip_markers);
    markers.retain(|m| frames_of(&m["at"]) < program.max(1));
    markers.sort_by_key(|m| frames_of(&m["at"]));
    let mut output = meta
        .and_then(|m| m.get("output").cloned())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(o) = output.as_object_mut() {
        // Where the render goes is the new EDL's business.
        o.remove("path");
    }
    output["fps"] = json!(format!("{}/{}", fps.num(), fps.den()));
    for (key, frames) in [("fade_in", r.fade_in), ("fade_out", r.fade_out)] {
        if frames > 0 {
            output[key] = json!(format!("{frames}f"));
        }
    }
    let start = meta
        .and_then(|m| m.get("start_timecode")?.as_str().map(str::to_string))
        .or_else(|| {
            let g = doc.get("global_start_time")?;
            let frames = (time_value(g)? * fps_f64(fps)).round() as i64;
            // Drop-frame labels where the rate has them, as OpenTimelineIO infers, unless
            // the document says (FCPXML's tcFormat).
            let drop = doc
                .get("metadata")
                .and_then(|m| m.get("fcpxml")?.get("tcFormat")?.as_str())
                .is_none_or(|f| f == "DF");
            (frames > 0).then(|| crate::time::frames_to_timecode(frames, fps, drop))
        });
    if let Some(s) = start {
        output["start_timecode"] = json!(s);
    }
    let mut edl = json!({
        "version": 1,
        "output": output,
        "sources": Value::Object(r.sources),
        "timeline": timeline,
    });
    if let Some(name) = doc
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        edl["title"] = json!(name);
    }
    if !cutaways.is_empty() {
        edl["cutaways"] = json!(cutaways);
    }
    for key in ["overlays"] {
        if let Some(v) = meta.and_then(|m| m.get(key)).filter(|v| !v.is_null()) {
            edl[key] = v.clone();
        }
    }
    if !audio_tracks.is_empty() {
        edl["audio_tracks"] = json!(audio_tracks);
    }
    if !markers.is_empty() {
        edl["markers"] = json!(markers);
    }
    Ok((edl, r.problems))
}

fn fps_f64(r: Rate) -> f64 {
    r.num() as f64 / r.den() as f64
}

fn children(v: &Value) -> &[Value] {
    v.get("children")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn kind(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or("Video")
}

fn schema(v: &Value) -> &str {
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
fn time_value(t: &Value) -> Option<f64> {
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
pub fn rate_from_f64(r: f64) -> Option<Rate> {
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
fn source_range(v: &Value) -> Option<(f64, f64)> {
    let r = v.get("source_range")?;
    Some((
        time_value(r.get("start_time")?)?,
        time_value(r.get("duration")?)?,
    ))
}

fn frames_of(v: &Value) -> i64 {
    v.as_str()
        .and_then(|d| d.strip_suffix('f'))
        .and_then(|d| d.parse::<i64>().ok())
        .unwrap_or(0)
}

/// A piece of a flattened track: a clip (with the part of its media shown) or a gap.
struct Piece<'a> {
    item: &'a Value,
    /// Frames it lasts in the track.
    frames: i64,
    /// Media seconds of its first frame (clips).
    start: f64,
    /// Nothing shows (a nested stack or track shorter than its range): black.
    black: bool,
    /// `start` is the item's own (not moved by trimming a nested range).
    exact: bool,
}

struct Reader<'a> {
    fps: Rate,
    link: &'a dyn Fn(&Wanted) -> Option<Link>,
    problems: Vec<Problem>,
    sources: Map<String, Value>,
    /// Markers found on clips of the first video track, at program frames.
    clip_markers: Vec<Value>,
    /// The sources as the writing roughcut had them (their settings), by id.
    known_sources: Map<String, Value>,
    /// Frames the first video track lasts.
    program: i64,
    /// Program fades from transitions before the first item and after the last.
    fade_in: i64,
    fade_out: i64,
}

impl Reader<'_> {
    fn warn(&mut self, message: String) {
        self.problems.push(Problem {
            line: 0,
            error: false,
            message,
        });
    }

    fn frames(&mut self, seconds: f64, what: &str) -> i64 {
        let exact = seconds * fps_f64(self.fps);
        let n = exact.round();
        if (exact - n).abs() > 1e-3 {
            self.warn(format!(
                "{what}: {seconds:.6} s is not on a frame at {} fps; rounded",
                self.fps
            ));
        }
        n as i64
    }

    /// A track's items laid end to end, nested stacks and tracks flattened (the topmost
    /// layer of a nested stack), transitions kept in place.
    fn flatten<'v>(&mut self, items: &'v [Value], out: &mut Vec<Piece<'v>>) {
        for it in items {
            match schema(it) {
                "Transition" => out.push(Piece {
                    item: it,
                    frames: 0,
                    start: 0.0,
                    black: false,
                    exact: false,
                }),
                "Stack" | "Track" | "Sequence" => {
                    let (s, d) = source_range(it).unwrap_or((0.0, f64::INFINITY));
                    let mut inner = Vec::new();
                    let name = it
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if schema(it) == "Stack" {
                        // The topmost layer shows.
                        if let Some(top) = children(it)
                            .iter()
                            .rev()
                            .find(|c| c.get("enabled").and_then(Value::as_bool) != Some(false))
                        {
                            let one = std::slice::from_ref(top);
                            self.flatten(one, &mut inner);
                        }
                        if children(it).len() > 1 {
                            self.warn(format!("nested stack `{name}`: only its top layer is kept"));
                        }
                    } else {
                        self.flatten(children(it), &mut inner);
                    }
                    // Keep [s, s + d) of the nested content.
                    let (from, to) = (
                        self.frames(s, &name),
                        if d.is_finite() {
                            self.frames(s + d, &name)
                        } else {
                            i64::MAX
                        },
                    );
                    let mut at = 0i64;
                    for p in inner {
                        let (a, b) = (at, at + p.frames);
                        at = b;
                        let (lo, hi) = (a.max(from), b.min(to));
                        if hi <= lo && p.frames > 0 {
                            continue;
                        }
                        out.push(Piece {
                            item: p.item,
                            frames: (hi - lo).max(0),
                            start: p.start + (lo - a) as f64 / fps_f64(self.fps),
                            black: p.black,
                            exact: p.exact && lo == a,
                        });
                    }
                    // A range longer than the content: black after it, as OTIO plays it.
                    let shown = at.max(from);
                    if to != i64::MAX && shown < to {
                        out.push(Piece {
                            item: it,
                            frames: to - shown,
                            start: 0.0,
                            black: true,
                            exact: false,
                        });
                    }
                }
                _ => {
                    let name = it
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    // Without a source range a clip plays its media's whole available range.
                    let range = source_range(it).or_else(|| {
                        let r = Self::reference(it)?.get("available_range")?;
                        Some((
                            time_value(r.get("start_time")?)?,
                            time_value(r.get("duration")?)?,
                        ))
                    });
                    let Some((start, dur)) = range else {
                        self.warn(format!("`{name}` has no source range and its media no available range: left out"));
                        continue;
                    };
                    let frames = self.frames(dur, &name);
                    if frames <= 0 {
                        self.warn(format!("`{name}` is shorter than a frame: left out"));
                        continue;
                    }
                    out.push(Piece {
                        item: it,
                        frames,
                        start,
                        black: false,
                        exact: true,
                    });
                }
            }
        }
    }

    /// The media reference a clip uses (Clip.2's active one, or Clip.1's).
    fn reference(it: &Value) -> Option<&Value> {
        if let Some(refs) = it.get("media_references").and_then(Value::as_object) {
            let key = it
                .get("active_media_reference_key")
                .and_then(Value::as_str)
                .unwrap_or("DEFAULT_MEDIA");
            return refs.get(key).or_else(|| refs.values().next());
        }
        it.get("media_reference").filter(|r| !r.is_null())
    }

    /// A clip's event JSON (source, in, duration, name, speed), or a gap when it is offline
    /// or generated.
    fn clip_event(&mut self, p: &Piece, frames: i64) -> Value {
        self.clip_event_from(p, frames, &mut 0)
    }

    /// As [`Self::clip_event`], starting `head` frames before the piece (a transition's
    /// in-offset); `head` shrinks to what the media has before the piece's start.
    fn clip_event_from(&mut self, p: &Piece, frames: i64, head: &mut i64) -> Value {
        let it = p.item;
        let name = it
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let reference = Self::reference(it);
        let rschema = reference.map(schema).unwrap_or("");
        if rschema == "GeneratorReference" {
            let kind = reference
                .and_then(|r| r.get("generator_kind")?.as_str())
                .unwrap_or("");
            if kind == "roughcut.title" {
                let text = reference
                    .and_then(|r| r.get("parameters")?.get("text")?.as_str())
                    .unwrap_or(&name);
                return json!({ "title": { "text": text, "duration": format!("{frames}f") }, "name": name });
            }
            self.warn(format!(
                "clip `{name}`: a generated clip ({kind}) is black here"
            ));
            return json!({ "gap": format!("{frames}f"), "name": name });
        }
        let wanted = Wanted::of(it);
        let Some(l) = (self.link)(&wanted) else {
            self.problems.push(Problem {
                line: 0,
                error: true,
                message: format!(
                    "clip `{name}` ({}) is not linked to a media file",
                    wanted
                        .url
                        .as_deref()
                        .or(wanted.reference.as_deref())
                        .unwrap_or("no media reference")
                ),
            });
            return json!({ "gap": format!("{frames}f"), "name": format!("offline: {name}") });
        };
        self.sources
            .entry(l.id.clone())
            .or_insert_with(|| json!({ "path": l.path }));
        // The media time of the first frame, exact where the document says it exactly
        // (FCPXML's rational seconds), else from OTIO's float.
        let fps = self.fps.as_ratio();
        let exact = it
            .get("metadata")
            .and_then(|m| m.get("fcpxml")?.get("start")?.as_str())
            .and_then(|t| {
                let (n, d) = t.split_once('/')?;
                let (n, d) = (n.parse::<i64>().ok()?, d.parse::<i64>().ok()?);
                // As FCPXML's own times: a denominator up to a million, a time up to a
                // million seconds.
                ((1..=1_000_000).contains(&d) && n.checked_abs()? / d <= 1_000_000)
                    .then(|| Rational::new(n, d))
            })
            .filter(|_| p.exact)
            .unwrap_or_else(|| {
                let frames = p.start * fps_f64(self.fps);
                // A float a hair off a whole frame is that frame.
                if (frames - frames.round()).abs() < 1e-6 {
                    Rational::from_integer(frames.round() as i64) / fps
                } else {
                    // Off the frames: to the microsecond (denominators stay small, sums
                    // cannot overflow).
                    Rational::new((p.start * 1e6).round() as i64, 1_000_000)
                }
            });
        let mut start = exact - Rational::from_integer(l.start) / fps;
        let available = (start * fps).floor().to_integer();
        if available < *head {
            self.warn(format!("`{name}`: the transition into it needs {head} frame(s) of media before its start, the media has {}; it starts there", available.max(0)));
            *head = available.max(0);
        }
        start -= Rational::from_integer(*head) / fps;
        let frames = frames + *head;
        let in_value = if l.rate == Some(self.fps) && (start * fps).is_integer() {
            json!(format!("{}f", (start * fps).to_integer()))
        } else {
            json!(super::to_edl::seconds_text(
                start.max(Rational::from_integer(0))
            ))
        };
        let mut ev = json!({ "source": l.id, "in": in_value, "duration": format!("{frames}f") });
        if !name.is_empty() {
            ev["name"] = json!(name);
        }
        for e in it
            .get("effects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match schema(e) {
                "FreezeFrame" => ev["speed"] = json!(0),
                "LinearTimeWarp" => {
                    let exact = e.get("metadata").and_then(|m| {
                        m.get("roughcut")?
                            .get("speed")?
                            .as_str()
                            .map(str::to_string)
                    });
                    let scalar = e.get("time_scalar").and_then(Value::as_f64).unwrap_or(1.0);
                    ev["speed"] = match exact {
                        Some(s) => json!(s),
                        None if scalar == 0.0 => json!(0),
                        None if scalar < 0.0 => {
                            self.warn(format!("clip `{name}`: backwards time warp plays forwards"));
                            json!(speed_text(-scalar))
                        }
                        None => json!(speed_text(scalar)),
                    };
                }
                other => self.warn(format!("clip `{name}`: effect `{other}` is left out")),
            }
        }
        ev
    }

    fn picture_track(&mut self, t: &Value) -> Vec<Value> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut out: Vec<Value> = Vec::new();
        let mut pending: Option<(i64, i64)> = None;
        let mut record = 0i64;
        let mut restored = false;
        for (k, p) in pieces.iter().enumerate() {
            if matches!(schema(p.item), "Clip" | "Gap") {
                for m in p
                    .item
                    .get("markers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(m) = self.marker(m, record, p.start) {
                        self.clip_markers.push(m);
                    }
                }
            }
            record += p.frames;
            if schema(p.item) == "Transition" {
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
                if out.is_empty() {
                    // From nothing: the first clip starts `in_offset` earlier, the program
                    // fades in over the transition.
                    self.fade_in = i + o;
                    pending = Some((i, 0));
                    continue;
                }
                if k + 1 == pieces.len() {
                    // Into nothing: the last clip plays on, the program fades out.
                    self.fade_out = i + o;
                    record += o;
                }
                // The outgoing clip plays on `out_offset` frames; the incoming starts
                // `in_offset` earlier (roughcut's own events already say so).
                if let Some(prev) = out.last_mut().filter(|_| !restored) {
                    let key = if prev.get("gap").is_some() {
                        "gap"
                    } else if prev.get("title").is_some() {
                        "title"
                    } else {
                        "duration"
                    };
                    let target = if key == "title" {
                        &mut prev["title"]["duration"]
                    } else {
                        &mut prev[key]
                    };
                    *target = json!(format!("{}f", frames_of(target) + o));
                }
                if k + 1 < pieces.len() && i + o > 0 {
                    pending = Some((i, i + o));
                }
                continue;
            }
            // Written by roughcut (its range noted) and not changed since.
            let restored_here = roughcut_note(p.item, "range")
                .and_then(|r| r.get(1)?.as_i64())
                .is_some_and(|f| f == p.frames);
            let mut ev =
                match roughcut_note(p.item, "event").filter(|e| e.is_object() && restored_here) {
                    // Written by roughcut and not changed since: its own JSON, exactly.
                    Some(e) => {
                        self.keep_source(p);
                        e.clone()
                    }
                    None => {
                        let mut head = pending.map_or(0, |(i, _)| i);
                        let ev = if schema(p.item) == "Gap" || p.black {
                            json!({ "gap": format!("{}f", p.frames + head) })
                        } else {
                            self.clip_event_from(p, p.frames, &mut head)
                        };
                        if let Some((i, d)) = pending.as_mut() {
                            *d -= *i - head;
                            *i = head;
                        }
                        ev
                    }
                };
            restored = restored_here;
            if let Some((_, d)) = pending.take().filter(|_| !restored) {
                if d > 0 {
                    ev["transition"] = json!({ "type": "dissolve", "duration": format!("{d}f") });
                }
            }
            out.push(ev);
        }
        self.program = record;
        out
    }

    /// The source of an event kept whole, linked again by its id (the reference's name).
    fn keep_source(&mut self, p: &Piece) {
        if schema(p.item) != "Clip" {
            return;
        }
        let wanted = Wanted::of(p.item);
        if let (Some(l), Some(id)) = ((self.link)(&wanted), wanted.reference.clone()) {
            let mut source = self
                .known_sources
                .get(&id)
                .cloned()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({}));
            source["path"] = json!(l.path);
            self.sources.entry(id).or_insert(source);
        }
    }

    fn cutaway_track(&mut self, t: &Value) -> Vec<Value> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut out = Vec::new();
        let mut at = 0i64;
        for p in &pieces {
            if schema(p.item) == "Clip" {
                let ev = match roughcut_note(p.item, "event").filter(|e| e.is_object()) {
                    Some(e) => {
                        self.keep_source(p);
                        e.clone()
                    }
                    None => {
                        let mut ev = self.clip_event(p, p.frames);
                        if ev.get("source").is_some() {
                            ev["at"] = json!(format!("{at}f"));
                            if let Some(m) = ev.as_object_mut() {
                                m.remove("speed");
                            }
                        }
                        ev
                    }
                };
                if ev.get("source").is_some() {
                    out.push(ev);
                }
            } else if schema(p.item) == "Transition" {
                self.warn("a transition on the second video track is a cut here".into());
            }
            at += p.frames;
        }
        out
    }

    fn sound_track(&mut self, t: &Value, n: usize) -> Option<Value> {
        let mut pieces = Vec::new();
        self.flatten(children(t), &mut pieces);
        let mut clips = Vec::new();
        let mut at = 0i64;
        for p in &pieces {
            if schema(p.item) == "Clip" {
                match roughcut_note(p.item, "clip").filter(|e| e.is_object()) {
                    Some(c) => {
                        self.keep_source(p);
                        let mut c = c.clone();
                        if let Some(m) = c.as_object_mut() {
                            // A bed's own fields; its track's name and mute are the track's.
                            m.remove("name");
                            m.remove("mute");
                        }
                        clips.push(c);
                    }
                    None => {
                        let ev = self.clip_event(p, p.frames);
                        if ev.get("source").is_some() {
                            let mut c = json!({ "source": ev["source"], "at": format!("{at}f"), "in": ev["in"], "duration": ev["duration"] });
                            if let Some(name) = ev.get("name") {
                                c["name"] = name.clone();
                            }
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
        let mut tr = json!({ "name": name, "clips": clips });
        if t.get("enabled").and_then(Value::as_bool) == Some(false) {
            tr["mute"] = json!(true);
        }
        Some(tr)
    }

    fn marker(&mut self, m: &Value, offset: i64, media_start: f64) -> Option<Value> {
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
        let mut v = json!({ "at": format!("{at}f"), "name": name });
        let frames = self.frames(dur, "marker");
        if frames > 0 {
            v["duration"] = json!(format!("{frames}f"));
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
        const KNOWN: &[&str] = &[
            "red", "pink", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta",
            "black", "white",
        ];
        if let Some(c) = colour.filter(|c| KNOWN.contains(&c.as_str())) {
            v["colour"] = json!(c);
        }
        if let Some(c) = m
            .get("comment")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
        {
            v["note"] = json!(c);
        }
        Some(v)
    }
}

/// A time scalar as an exact speed: the nearest fraction with a denominator up to 1000.
fn speed_text(s: f64) -> String {
    let mut best = (s.round() as i64, 1i64);
    let mut err = (s - best.0 as f64).abs();
    for d in 2..=1000i64 {
        let n = (s * d as f64).round() as i64;
        let e = (s - n as f64 / d as f64).abs();
        if e + 1e-12 < err {
            best = (n, d);
            err = e;
        }
        if err < 1e-9 {
            break;
        }
    }
    let r = Rational::new(best.0, best.1);
    format!("{}/{}", r.numer(), r.denom())
}
