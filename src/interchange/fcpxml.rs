//! Final Cut Pro XML (FCPXML 1.8 and later), read and written. Reading turns the first
//! project's sequence into an OpenTimelineIO-shaped document (its primary storyline a video
//! track; connected clips on lanes above it a second video track, below it sound tracks;
//! compound clips flattened; transitions with the offsets either side of the edit; markers)
//! which [`super::otio::to_edl`] maps, so both formats share one set of rules. Writing gives
//! a project of `asset-clip`s, `gap`s and cross dissolves on one spine, markers on the clips
//! they fall in. Times are FCPXML's rational seconds (`1001/30000s`), exact. No I/O here.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use super::cut::{Cut, Media, Picture, Shot};
use crate::edl::Transition;
use crate::time::{Rate, Rational};

/// An XML element: name, attributes, children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
}

impl Element {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(String::as_str)
    }
    fn find<'a>(&'a self, name: &str) -> Option<&'a Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.all(name, out);
        }
    }
}

/// Parse XML into elements (text content is not needed).
fn parse(text: &str) -> Result<Element, String> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let element = |e: &BytesStart| -> Result<Element, String> {
        let mut el = Element {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            ..Element::default()
        };
        for a in e.attributes() {
            let a = a.map_err(|err| format!("a bad attribute: {err}"))?;
            let v = a
                .unescape_value()
                .map_err(|err| format!("a bad attribute value: {err}"))?;
            el.attrs.insert(
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                v.into_owned(),
            );
        }
        Ok(el)
    };
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => stack.push(element(&e)?),
            Ok(Event::Empty(e)) => {
                let el = element(&e)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(el);
                }
            }
            Ok(Event::End(_)) => {
                let done = stack.pop().ok_or("an end tag without a start")?;
                match stack.last_mut() {
                    Some(top) => top.children.push(done),
                    None => return Err("an end tag without a start".into()),
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML at byte {at}: {e}")),
        }
    }
    if stack.len() != 1 {
        return Err("the document ends inside an element".into());
    }
    stack.pop().ok_or_else(|| "an empty document".to_string())
}

/// FCPXML time: `"1001/30000s"`, `"10s"`, `"0s"`. Denominators up to a million and times up
/// to a million seconds (eleven days): beyond them a time is not read; exact on the common
/// grid below, so the sums of offsets, starts and durations cannot overflow.
fn time(t: Option<&str>) -> Option<Rational> {
    const LIMIT: i64 = 1_000_000;
    let t = t?.strip_suffix('s')?;
    let r = match t.split_once('/') {
        Some((n, d)) => {
            let (n, d) = (n.parse::<i64>().ok()?, d.parse::<i64>().ok()?);
            if d <= 0 || d > LIMIT {
                return None;
            }
            Rational::new(n, d)
        }
        None => crate::time::decimal(t)?,
    };
    if *r.denom() > LIMIT || r.numer().checked_abs()? / *r.denom() > LIMIT {
        return None;
    }
    // On one grid fine enough for every frame and sample rate in use (1/35,280,000 s: 24000,
    // 30000, 60000, 48000 and 44100 divide it), so sums of any of them keep small
    // denominators and cannot overflow; times off it are rounded to it.
    const GRID: i128 = 35_280_000;
    let ticks = (i128::from(*r.numer()) * GRID * 2 + i128::from(*r.denom()))
        .div_euclid(2 * i128::from(*r.denom()));
    Some(Rational::new(i64::try_from(ticks).ok()?, GRID as i64))
}

/// An OTIO RationalTime at `fps` for `seconds`.
fn rt(seconds: Rational, fps: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "RationalTime.1", "rate": fps.to_f64(), "value": crate::time::to_f64(seconds * fps.as_ratio()) })
}

fn range(start: Rational, duration: Rational, fps: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, fps), "duration": rt(duration, fps) })
}

/// The project (or first sequence) of an FCPXML document as an OTIO document.
pub fn to_otio(text: &str) -> Result<Value, String> {
    let root = parse(text)?;
    let fcpxml = root
        .find("fcpxml")
        .ok_or("no <fcpxml> element: not an FCPXML document")?;
    let version = fcpxml.attr("version").unwrap_or("");
    let mut assets = BTreeMap::new();
    let mut formats = BTreeMap::new();
    let mut media = BTreeMap::new();
    let mut found = Vec::new();
    fcpxml.all("asset", &mut found);
    for a in found.drain(..) {
        if let Some(id) = a.attr("id") {
            assets.insert(id.to_string(), a);
        }
    }
    fcpxml.all("format", &mut found);
    for f in found.drain(..) {
        if let Some(id) = f.attr("id") {
            formats.insert(id.to_string(), f);
        }
    }
    fcpxml.all("media", &mut found);
    for m in found.drain(..) {
        if let Some(id) = m.attr("id") {
            media.insert(id.to_string(), m);
        }
    }
    let project = fcpxml.find("project");
    let sequence = project
        .and_then(|p| p.find("sequence"))
        .or_else(|| {
            fcpxml
                .children
                .iter()
                .find(|c| c.name == "library")
                .and_then(|l| l.find("sequence"))
        })
        .ok_or(format!(
            "FCPXML {version} document with no project or sequence (clips only?): nothing to import; export a project (a timeline) from Final Cut"
        ))?;
    let frame = sequence
        .attr("format")
        .and_then(|f| formats.get(f))
        .and_then(|f| time(f.attr("frameDuration")))
        .ok_or("the sequence's format gives no frameDuration")?;
    let fps = Rate::new(*frame.denom(), *frame.numer())
        .map_err(|e| format!("frame duration {frame}: {e}"))?;
    let spine = sequence.find("spine").ok_or("the sequence has no spine")?;
    let ctx = Ctx { assets, media, fps };
    let mut lanes: BTreeMap<i64, Vec<(Rational, Value, Rational)>> = BTreeMap::new();
    let main = ctx.spine(spine, Rational::from_integer(0), &mut lanes, 0);
    let mut tracks = vec![
        json!({ "OTIO_SCHEMA": "Track.1", "name": "primary storyline", "kind": "Video", "children": main }),
    ];
    for (lane, items) in lanes {
        let kind = if lane > 0 { "Video" } else { "Audio" };
        tracks.push(json!({ "OTIO_SCHEMA": "Track.1", "name": format!("lane {lane}"), "kind": kind, "children": ctx.laid_out(items) }));
    }
    let start = time(sequence.attr("tcStart")).unwrap_or_else(|| Rational::from_integer(0));
    Ok(json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": project.and_then(|p| p.attr("name")).unwrap_or(""),
        "global_start_time": rt(start, fps),
        "metadata": { "fcpxml": { "tcFormat": sequence.attr("tcFormat").unwrap_or("NDF") } },
        "tracks": { "OTIO_SCHEMA": "Stack.1", "name": "", "children": tracks, "markers": [] },
    }))
}

struct Ctx<'a> {
    assets: BTreeMap<String, &'a Element>,
    media: BTreeMap<String, &'a Element>,
    fps: Rate,
}

impl Ctx<'_> {
    /// A spine's items as OTIO items laid end to end (FCPXML offsets are the parent's
    /// times: a jump is a gap); connected clips (with a `lane`) go to `lanes`, at parent time
    /// `base` plus their offset.
    fn spine(
        &self,
        spine: &Element,
        base: Rational,
        lanes: &mut BTreeMap<i64, Vec<(Rational, Value, Rational)>>,
        depth: usize,
    ) -> Vec<Value> {
        let zero = Rational::from_integer(0);
        let mut out = Vec::new();
        let mut at = time(spine.attr("offset")).unwrap_or(zero);
        let spine_start = at;
        for item in &spine.children {
            let offset = time(item.attr("offset")).unwrap_or(at);
            let duration = time(item.attr("duration")).unwrap_or(zero);
            if item.name == "transition" {
                // Centred on the edit at the next item's offset: the parts either side.
                let next = spine
                    .children
                    .iter()
                    .skip_while(|c| !std::ptr::eq(*c, item))
                    .skip(1)
                    .find(|c| c.name != "transition")
                    .and_then(|c| time(c.attr("offset")))
                    .unwrap_or(offset + duration);
                let cut = next.max(offset).min(offset + duration);
                out.push(json!({
                    "OTIO_SCHEMA": "Transition.1", "name": item.attr("name").unwrap_or(""),
                    "transition_type": "SMPTE_Dissolve",
                    "in_offset": rt(cut - offset, self.fps), "out_offset": rt(offset + duration - cut, self.fps),
                }));
                continue;
            }
            if !matches!(
                item.name.as_str(),
                "asset-clip"
                    | "clip"
                    | "gap"
                    | "ref-clip"
                    | "title"
                    | "video"
                    | "audio"
                    | "sync-clip"
                    | "mc-clip"
            ) {
                continue;
            }
            if offset > at {
                out.push(gap(offset - at, self.fps));
            }
            let start = time(item.attr("start")).unwrap_or(zero);
            out.push(self.item(item, duration, depth));
            // Connected clips: their offsets are in this item's own time (from its start).
            for c in &item.children {
                let lane = c.attr("lane").and_then(|l| l.parse::<i64>().ok());
                if let Some(lane) = lane {
                    let c_off = time(c.attr("offset")).unwrap_or(zero);
                    let parent = base + (offset - spine_start) + (c_off - start);
                    let c_dur = time(c.attr("duration")).unwrap_or(zero);
                    if c.name == "spine" {
                        let inner = self.spine(c, parent, lanes, depth + 1);
                        // Its length: its children's, end to end.
                        let length = c
                            .children
                            .iter()
                            .filter(|x| x.name != "transition")
                            .filter_map(|x| time(x.attr("duration")))
                            .fold(zero, |a, d| a + d);
                        lanes.entry(lane).or_default().push((
                            parent,
                            json!({ "OTIO_SCHEMA": "Track.1", "kind": "Video", "children": inner }),
                            length,
                        ));
                    } else {
                        lanes.entry(lane).or_default().push((
                            parent,
                            self.item(c, c_dur, depth),
                            c_dur,
                        ));
                    }
                }
            }
            at = offset + duration;
        }
        out
    }

    /// Lane items placed at their parent times, with gaps between.
    fn laid_out(&self, mut items: Vec<(Rational, Value, Rational)>) -> Vec<Value> {
        items.sort_by_key(|a| a.0);
        let mut out = Vec::new();
        let mut at = Rational::from_integer(0);
        for (start, item, length) in items {
            if start > at {
                out.push(gap(start - at, self.fps));
            }
            out.push(item);
            at = start.max(at) + length;
        }
        out
    }

    /// One story element as an OTIO item `duration` long.
    fn item(&self, el: &Element, duration: Rational, depth: usize) -> Value {
        let zero = Rational::from_integer(0);
        let name = el.attr("name").unwrap_or("");
        let start = time(el.attr("start"));
        let markers: Vec<Value> = el
            .children
            .iter()
            .filter(|m| matches!(m.name.as_str(), "marker" | "chapter-marker"))
            .filter_map(|m| {
                let at = time(m.attr("start"))?;
                // Final Cut's point markers last one frame.
                let length = time(m.attr("duration"))
                    .filter(|d| *d * self.fps.as_ratio() > Rational::from_integer(1))
                    .unwrap_or(zero);
                Some(json!({
                    "OTIO_SCHEMA": "Marker.2", "name": m.attr("value").unwrap_or("marker"), "color": "RED",
                    "marked_range": range(at, length, self.fps),
                    "comment": m.attr("note").unwrap_or(""),
                }))
            })
            .collect();
        match el.name.as_str() {
            "gap" | "title" => {
                // A gap's markers count from its own start (3600 s by FCP's habit).
                let mut g = gap(duration, self.fps);
                g["name"] = json!(name);
                let from = start.unwrap_or(zero);
                g["markers"] = json!(markers
                    .into_iter()
                    .map(|mut m| {
                        let at = time_value_of(&m["marked_range"]["start_time"], self.fps) - from;
                        m["marked_range"]["start_time"] = rt(at, self.fps);
                        m
                    })
                    .collect::<Vec<_>>());
                g
            }
            "ref-clip" if depth < 8 => {
                // A compound clip: its media's sequence, from `start` for `duration`.
                let inner = el
                    .attr("ref")
                    .and_then(|r| self.media.get(r))
                    .and_then(|m| m.find("spine"));
                match inner {
                    Some(sp) => {
                        let mut lanes = BTreeMap::new();
                        let children = self.spine(sp, zero, &mut lanes, depth + 1);
                        json!({
                            "OTIO_SCHEMA": "Stack.1", "name": name,
                            "source_range": range(start.unwrap_or(zero), duration, self.fps),
                            "children": [{ "OTIO_SCHEMA": "Track.1", "kind": "Video", "children": children }],
                            "markers": markers,
                        })
                    }
                    None => gap(duration, self.fps),
                }
            }
            _ => {
                // `asset-clip` names its asset; a `clip` holds a `video` (or `audio`) that
                // does, at an offset in the clip's own time.
                let (asset, media_start) = match el.name.as_str() {
                    "asset-clip" => {
                        let a = el.attr("ref").and_then(|r| self.assets.get(r));
                        let a_start = a.and_then(|a| time(a.attr("start"))).unwrap_or(zero);
                        (a, start.unwrap_or(a_start))
                    }
                    _ => {
                        let v = el.children.iter().find(|c| {
                            matches!(c.name.as_str(), "video" | "audio") && c.attr("lane").is_none()
                        });
                        let a = v
                            .and_then(|v| v.attr("ref"))
                            .and_then(|r| self.assets.get(r));
                        let v_start = v
                            .and_then(|v| time(v.attr("start")))
                            .or_else(|| a.and_then(|a| time(a.attr("start"))))
                            .unwrap_or(zero);
                        let v_off = v.and_then(|v| time(v.attr("offset"))).unwrap_or(zero);
                        (a, v_start + start.unwrap_or(v_off) - v_off)
                    }
                };
                let Some(a) = asset else {
                    let mut g = gap(duration, self.fps);
                    g["name"] = json!(name);
                    return g;
                };
                json!({
                    "OTIO_SCHEMA": "Clip.1", "name": name,
                    "metadata": { "fcpxml": { "start": format!("{}/{}", media_start.numer(), media_start.denom()) } },
                    "source_range": range(media_start, duration, self.fps),
                    "media_reference": {
                        "OTIO_SCHEMA": "ExternalReference.1", "name": a.attr("name").unwrap_or(""),
                        "target_url": a.attr("src").unwrap_or(""),
                    },
                    "markers": markers,
                })
            }
        }
    }
}

/// The seconds of a RationalTime this module wrote (exact at `fps`).
fn time_value_of(v: &Value, fps: Rate) -> Rational {
    // Written from grid times: to the thousandth of a frame is exact enough and keeps the
    // denominator small.
    let frames = v.get("value").and_then(Value::as_f64).unwrap_or(0.0);
    Rational::new((frames * 1000.0).round() as i64, 1000) / fps.as_ratio()
}

fn gap(duration: Rational, fps: Rate) -> Value {
    json!({ "OTIO_SCHEMA": "Gap.1", "name": "", "source_range": range(Rational::from_integer(0), duration, fps) })
}

/// FCPXML rational seconds of `frames` at `fps`.
fn t(frames: i64, fps: Rate) -> String {
    let r = Rational::from_integer(frames) / fps.as_ratio();
    if r.is_integer() {
        format!("{}s", r.numer())
    } else {
        format!("{}/{}s", r.numer(), r.denom())
    }
}

/// Rational seconds exactly.
fn ts(r: Rational) -> String {
    if r.is_integer() {
        format!("{}s", r.numer())
    } else {
        format!("{}/{}s", r.numer(), r.denom())
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A written document and what it could not carry.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub text: String,
    pub warnings: Vec<String>,
}

/// The cut as an FCPXML 1.8 project. A dissolve of d frames becomes a cross dissolve over the
/// same frames, its edit ⌊d/2⌋ frames in (the incoming clip starts that much later in its
/// media, the outgoing clip ends there).
pub fn write(cut: &Cut) -> Written {
    let mut warnings = Vec::new();
    let mut assets = Assets::default();
    let mut spine = String::new();
    for (k, s) in cut.picture.iter().enumerate() {
        let next = cut.picture.get(k + 1).map_or(0, Shot::overlap);
        spine_item(cut, s, next, &mut assets, &mut spine, &mut warnings);
    }
    if !cut.cutaways.is_empty() || !cut.sound.is_empty() {
        warnings.push(format!(
            "{} cutaway(s) and {} sound track(s) are not written to FCPXML (the primary storyline only)",
            cut.cutaways.len(),
            cut.sound.len()
        ));
    }
    Written {
        text: document(cut, &assets, &spine),
        warnings,
    }
}

/// A media file the project uses: its resource id, source id, path, start and length.
struct Asset {
    id: String,
    source: String,
    path: String,
    start: Rational,
    length: Option<Rational>,
}

/// The assets in the order first used (ids `r3`, `r4` …: `r1` is the format, `r2` the
/// dissolve).
#[derive(Default)]
struct Assets(Vec<Asset>);

impl Assets {
    /// The id of the asset of `media`, added when first used.
    fn id_for(&mut self, media: &Media) -> String {
        if let Some(a) = self.0.iter().find(|a| a.source == media.source) {
            return a.id.clone();
        }
        let id = format!("r{}", self.0.len() + 3);
        self.0.push(Asset {
            id: id.clone(),
            source: media.source.clone(),
            path: media.path.clone(),
            start: media.media_start,
            length: media.length,
        });
        id
    }
}

/// One shot's part of the spine (from its own edit to the next, `next` the dissolve into the
/// next shot): the transition into it, then the clip or gap with its markers.
fn spine_item(
    cut: &Cut,
    s: &Shot,
    next: i64,
    assets: &mut Assets,
    spine: &mut String,
    warnings: &mut Vec<String>,
) {
    let fps = cut.fps;
    let (dissolve, dip) = match s.transition {
        Some(Transition::Dissolve { frames }) => (frames, 0),
        Some(Transition::FadeBlack { frames }) => (0, frames),
        None => (0, 0),
    };
    let head = dissolve / 2;
    let (from, to) = (s.record + head, s.record + s.frames - next + next / 2);
    if dissolve > 0 {
        let _ = writeln!(
            spine,
            r#"          <transition name="Cross Dissolve" offset="{}" duration="{}"><filter-video ref="r2" name="Cross Dissolve"/></transition>"#,
            t(s.record, fps),
            t(dissolve, fps)
        );
    }
    if dip > 0 {
        warnings.push(format!(
            "event {}: a dip to black is a cut in FCPXML",
            s.index + 1
        ));
    }
    let name = esc(s.name.as_deref().unwrap_or(""));
    let markers = shot_markers(cut, s, from, to);
    match &s.what {
        Picture::Clip(c) => {
            if c.speed != Rational::from_integer(1) && !c.still {
                warnings.push(format!(
                    "event {}: speed {} is not written to FCPXML (a retime); the clip plays at its own speed there",
                    s.index + 1,
                    c.speed
                ));
            }
            let id = assets.id_for(c);
            let start = c.media_in + Rational::from_integer(head) / fps.as_ratio();
            let _ = writeln!(
                spine,
                r#"          <asset-clip name="{name}" ref="{id}" offset="{}" start="{}" duration="{}"{}>{markers}</asset-clip>"#,
                t(from, fps),
                ts(start),
                t(to - from, fps),
                if c.muted {
                    r#" audioRole="dialogue" srcEnable="video""#
                } else {
                    ""
                }
            );
        }
        Picture::Title(text) => {
            warnings.push(format!(
                "event {}: a title card is a gap named after its text in FCPXML",
                s.index + 1
            ));
            let _ = writeln!(
                spine,
                r#"          <gap name="{}" offset="{}" start="3600s" duration="{}">{markers}</gap>"#,
                esc(&text.replace('\n', " ")),
                t(from, fps),
                t(to - from, fps)
            );
        }
        Picture::Black => {
            let _ = writeln!(
                spine,
                r#"          <gap name="{}" offset="{}" start="3600s" duration="{}">{markers}</gap>"#,
                if name.is_empty() { "Gap".into() } else { name },
                t(from, fps),
                t(to - from, fps)
            );
        }
    }
}

/// The cut's markers within a shot's part of the spine (program frames `from`..`to`), at
/// times in the clip's own (media) time.
fn shot_markers(cut: &Cut, s: &Shot, from: i64, to: i64) -> String {
    let fps = cut.fps;
    cut.markers
        .iter()
        .filter(|m| m.frame >= from && m.frame < to)
        .map(|m| {
            let local = match &s.what {
                Picture::Clip(c) => {
                    c.media_in + Rational::from_integer(m.frame - s.record) / fps.as_ratio()
                }
                // A gap's from its start, 3600 s.
                Picture::Title(_) | Picture::Black => {
                    Rational::from_integer(3600)
                        + Rational::from_integer(m.frame - from) / fps.as_ratio()
                }
            };
            format!(
                r#"<marker start="{}" duration="{}" value="{}"/>"#,
                ts(local),
                t(m.frames.max(1), fps),
                esc(&m.name)
            )
        })
        .collect()
}

/// The whole document: resources (format, dissolve, assets), then the project with `spine`.
fn document(cut: &Cut, assets: &Assets, spine: &str) -> String {
    let fps = cut.fps;
    let mut text = String::new();
    let _ = writeln!(text, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(text, "<!DOCTYPE fcpxml>");
    let _ = writeln!(text, r#"<fcpxml version="1.8">"#);
    let _ = writeln!(text, "  <resources>");
    let _ = writeln!(
        text,
        r#"    <format id="r1" name="roughcut" frameDuration="{}"/>"#,
        t(1, fps)
    );
    let _ = writeln!(
        text,
        r#"    <effect id="r2" name="Cross Dissolve" uid="FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"/>"#
    );
    for a in &assets.0 {
        let _ = writeln!(
            text,
            r#"    <asset id="{}" name="{}" src="{}" start="{}" duration="{}" hasVideo="1" hasAudio="1" format="r1"/>"#,
            a.id,
            esc(&a.source),
            esc(&super::otio::file_url(&a.path)),
            ts(a.start),
            // Its whole length when known (else room for any cut of it).
            a.length
                .map_or_else(|| t(cut.frames.max(1) * 1000, fps), ts)
        );
    }
    let _ = writeln!(text, "  </resources>");
    let _ = writeln!(text, r#"  <library>"#);
    let _ = writeln!(text, r#"    <event name="roughcut">"#);
    let title = esc(cut.title.as_deref().unwrap_or("roughcut"));
    let _ = writeln!(text, r#"      <project name="{title}">"#);
    let drop = cut.start.is_some_and(|s| s.drop);
    let _ = writeln!(
        text,
        r#"        <sequence format="r1" duration="{}" tcStart="{}" tcFormat="{}">"#,
        t(cut.frames, fps),
        t(cut.start.map_or(0, |s| s.frame), fps),
        if drop { "DF" } else { "NDF" }
    );
    let _ = writeln!(text, "          <spine>");
    text.push_str(spine);
    let _ = writeln!(text, "          </spine>");
    let _ = writeln!(text, "        </sequence>");
    let _ = writeln!(text, "      </project>");
    let _ = writeln!(text, "    </event>");
    let _ = writeln!(text, "  </library>");
    let _ = writeln!(text, "</fcpxml>");
    text
}
