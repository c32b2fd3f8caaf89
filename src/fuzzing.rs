//! The invariants the fuzz targets check (`fuzz/`, nightly) and the crash reproducers in
//! `tests/fixtures/fuzz/` run again on stable: one copy of each, here. Each returns what broke.

use std::path::{Path, PathBuf};

use crate::edl::CheckOptions;
use crate::facts::{
    AudioFacts, Facts, FileFacts, MediaFacts, Need, Ratio, StreamFacts, VideoFacts,
};
use crate::interchange::{cmx3600, fcpxml, otio, to_edl};
use crate::plan::{sample_at, Plan, PlanOptions};
use crate::time::{frames_to_timecode, Rate, Rational, TimeSpec};

/// Time text: parsing never panics, and a time that counts to a frame at a rate, written as a
/// label (drop-frame or not) and read back, is the same frame.
pub fn timecode(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let Ok(spec) = TimeSpec::parse(text) else {
        return Ok(());
    };
    for (n, d) in [(24, 1), (25, 1), (30000, 1001), (60000, 1001), (30, 1)] {
        let Ok(rate) = Rate::new(n, d) else { continue };
        let Ok(frame) = spec.to_frame_floor(rate) else {
            continue;
        };
        let _ = spec.to_seconds(rate);
        if frame < 0 {
            continue;
        }
        for drop in [false, true] {
            let label = frames_to_timecode(frame, rate, drop);
            let again = TimeSpec::parse(&label)
                .map_err(|e| format!("{text:?} → {label} at {n}/{d} does not parse: {e}"))?;
            let back = again
                .to_frame_floor(rate)
                .map_err(|e| format!("{text:?} → {label} at {n}/{d} does not count: {e}"))?;
            if back != frame {
                return Err(format!(
                    "{text:?} → {label} at {n}/{d} reads back as {back}, not {frame}"
                ));
            }
        }
    }
    Ok(())
}

/// Every interchange reader on arbitrary bytes: no panic, and a CMX list's problems point at
/// lines the text has.
pub fn interchange(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count();
    let list = cmx3600::read(&text);
    if let Some(p) = list.problems.iter().find(|p| p.line < 1 || p.line > lines) {
        return Err(format!("a problem on line {} of {lines}", p.line));
    }
    let fps = list
        .guess_rate()
        .map(|(r, _)| r)
        .or_else(|| Rate::new(24, 1).ok());
    if let Some(fps) = fps {
        let link = |e: &cmx3600::CmxEvent| {
            Some(to_edl::Link {
                id: e.reel.to_lowercase(),
                path: format!("{}.mov", e.reel),
                start: 0,
                rate: Some(fps),
            })
        };
        let _ = to_edl::cmx_to_edl(&list, fps, &link);
    }
    let wanted = |w: &otio::Wanted| {
        Some(to_edl::Link {
            id: w.name.clone(),
            path: w.url.clone().unwrap_or_default(),
            start: 0,
            rate: None,
        })
    };
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
        let _ = otio::to_edl(&doc, None, &wanted);
    }
    if let Ok(doc) = fcpxml::to_otio(&text) {
        let _ = otio::to_edl(&doc, None, &wanted);
    }
    Ok(())
}

/// Facts of a stand-in for every media file an EDL names: an hour of 1920×1080 25 fps picture
/// with stereo 48 kHz sound (a `.jpg`/`.png` is a one-frame still).
pub fn stand_in(path: &Path) -> MediaFacts {
    let still = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| ["jpg", "jpeg", "png", "tif", "tiff"].contains(&e.as_str()));
    let hour = Ratio(Rational::from_integer(3600));
    let fps = Ratio(Rational::from_integer(25));
    let mut streams = vec![StreamFacts {
        index: 0,
        kind: "video".into(),
        codec: if still { "mjpeg" } else { "h264" }.into(),
        time_base: Ratio(Rational::new(1, 90000)),
        duration: (!still).then_some(hour),
        language: None,
        video: Some(VideoFacts {
            width: 1920,
            height: 1080,
            sar: Ratio(Rational::from_integer(1)),
            dar: Ratio(Rational::new(16, 9)),
            frame_rate: Some(fps),
            avg_frame_rate: Some(fps),
            variable_frame_rate: false,
            frames: still.then_some(1),
            field_order: "progressive".into(),
            frames_interlaced: false,
            top_field_first: None,
            pix_fmt: "yuv420p".into(),
            bit_depth: 8,
            color_range: "tv".into(),
            color_matrix: "bt709".into(),
            color_primaries: "bt709".into(),
            color_transfer: "bt709".into(),
            rotation: 0,
            mirrored: false,
            orientation: Default::default(),
        }),
        audio: None,
    }];
    if !still {
        streams.push(StreamFacts {
            index: 1,
            kind: "audio".into(),
            codec: "aac".into(),
            time_base: Ratio(Rational::new(1, 48000)),
            duration: Some(hour),
            language: None,
            video: None,
            audio: Some(AudioFacts {
                sample_rate: 48000,
                channels: 2,
                layout: "stereo".into(),
                sample_fmt: "fltp".into(),
            }),
        });
    }
    MediaFacts {
        path: path.display().to_string(),
        container: if still {
            "image2"
        } else {
            "mov,mp4,m4a,3gp,3g2,mj2"
        }
        .into(),
        duration: (!still).then_some(hour),
        duration_text: None,
        size_bytes: 1 << 20,
        streams,
        colour: None,
        tags: Vec::new(),
        chapters: Vec::new(),
    }
}

/// A small subtitle file for every subtitle path an EDL names (fonts and other files: not
/// there).
fn stand_in_bytes(path: &Path) -> Result<std::sync::Arc<[u8]>, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "srt" => Ok(
            b"1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n"
                .as_slice()
                .into(),
        ),
        "vtt" => Ok(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n"
            .as_slice()
            .into()),
        _ => Err("not there (fuzzing)".into()),
    }
}

/// The EDL path on arbitrary bytes: JSON → structure → validation against stand-in facts
/// (every file an hour of 1080p25 with stereo sound) → plan. No panic; a valid EDL plans, and
/// its plan tiles the program exactly.
pub fn edl(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let draft = crate::edl::parse(text, Path::new("/fuzz/cut.json"));
    let opts = CheckOptions::default();
    let mut facts = Facts::new(true);
    for _ in 0..4 {
        let needs = draft.needs(&facts, &opts);
        if needs.is_empty() {
            break;
        }
        for need in needs {
            match need {
                Need::Media(p) => {
                    let media = Box::new(stand_in(&p));
                    let identity = format!("stand-in {}", p.display());
                    facts.insert_media(p, FileFacts::Probed { media, identity });
                }
                Need::Bytes(p) => {
                    let bytes = stand_in_bytes(&p);
                    facts.insert_bytes(p, bytes);
                }
                Need::Canonical(p) => {
                    let c: PathBuf = p.clone();
                    facts.insert_canonical(p, Some(c));
                }
                Need::Filter(name) => facts.insert_filter(name, true),
            }
        }
    }
    let checked = crate::edl::check(&draft, &facts, &opts);
    let Some(edl) = checked.edl else {
        return Ok(());
    };
    // A program too long to plan in a fuzzer's time is validation's to refuse; past a day of
    // frames the fuzzer only checks that it said so.
    let plan = crate::plan::build(&edl, PlanOptions::default())
        .map_err(|e| format!("a valid EDL does not plan: {e}"))?;
    tiles(&plan)
}

/// The plan's segments cover the program exactly: in order from frame 0, each its own frames
/// and exactly the samples of its frames, no gap, no overlap; the events inside the program.
pub fn tiles(plan: &Plan) -> Result<(), String> {
    let (fps, sr) = (plan.output.fps, plan.output.audio.sample_rate);
    let mut at = 0i64;
    for s in &plan.segments {
        if s.record_start != at || s.frames <= 0 {
            return Err(format!(
                "segment {} covers {}+{} where frame {at} is next",
                s.id, s.record_start, s.frames
            ));
        }
        let (a, b) = (sample_at(at, sr, fps), sample_at(at + s.frames, sr, fps));
        if s.sample_start != a || s.samples != b - a {
            return Err(format!(
                "segment {} has samples {}+{}, its frames {a}..{b}",
                s.id, s.sample_start, s.samples
            ));
        }
        at += s.frames;
    }
    if at != plan.frames || plan.samples != sample_at(plan.frames, sr, fps) {
        return Err(format!(
            "segments end at {at}, the program at {} frames / {} samples",
            plan.frames, plan.samples
        ));
    }
    if let Some(e) = plan
        .events
        .iter()
        .find(|e| e.record_start < 0 || e.frames < 0 || e.record_start + e.frames > plan.frames)
    {
        return Err(format!(
            "event {} at {}+{} outside the program of {} frames",
            e.index, e.record_start, e.frames, plan.frames
        ));
    }
    Ok(())
}

/// Subtitle files on arbitrary bytes, in every format and a few encodings: no panic; every
/// cue ends after it starts, on a line the text has; converting a cue's text never panics.
pub fn subtitles(data: &[u8]) -> Result<(), String> {
    for name in ["a.srt", "a.ass", "a.vtt"] {
        for encoding in [None, Some("windows-1251"), Some("gbk"), Some("utf-16le")] {
            let Ok(parsed) = crate::subs::read(data, Path::new(name), encoding) else {
                continue;
            };
            let lines = data.split(|b| *b == b'\n').count().max(1);
            for c in &parsed.cues {
                if c.end <= c.start {
                    return Err(format!(
                        "{name} ({encoding:?}): a cue at line {} ends at {} ms, not after its start {} ms",
                        c.line, c.end, c.start
                    ));
                }
                if encoding.is_none() && (c.line < 1 || c.line > lines) {
                    return Err(format!("{name}: a cue on line {} of {lines}", c.line));
                }
                let _ = (crate::subs::to_ass(&c.text), crate::subs::to_plain(&c.text));
            }
        }
    }
    Ok(())
}

/// Profiles files on arbitrary bytes: no panic; what is accepted has an extension.
pub fn profiles(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    if let Ok(map) = crate::transcode::profile::profiles_from_text(&text, "fuzz.json") {
        for (name, p) in &map {
            if p.extension().is_empty() {
                return Err(format!("profile {name} has no extension"));
            }
        }
    }
    Ok(())
}
