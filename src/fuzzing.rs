//! The invariants the fuzz targets check (`fuzz/`, nightly) and the crash reproducers in
//! `tests/fixtures/fuzz/` run again on stable: one copy of each, here. Each returns what broke.

use crate::interchange::{cmx3600, fcpxml, otio, to_edl};
use crate::time::{frames_to_timecode, Rate, TimeSpec};

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
