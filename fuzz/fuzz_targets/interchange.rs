//! Every interchange reader on arbitrary text: CMX 3600 (read, then mapped to an EDL with
//! every reel linked), OpenTimelineIO JSON and FCPXML (mapped through OTIO). Invariants: no
//! panic, and a CMX list's problems point at lines the text has.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roughcut::interchange::{cmx3600, fcpxml, otio, to_edl};
use roughcut::time::Rate;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count();
    let list = cmx3600::read(&text);
    for p in &list.problems {
        assert!(p.line >= 1 && p.line <= lines, "problem on line {} of {lines}", p.line);
    }
    let fps = list
        .guess_rate()
        .map(|(r, _)| r)
        .or_else(|| Rate::new(24, 1).ok());
    let link = |e: &cmx3600::CmxEvent| {
        Some(to_edl::Link {
            id: e.reel.to_lowercase(),
            path: format!("{}.mov", e.reel),
            start: 0,
            rate: fps,
        })
    };
    if let Some(fps) = fps {
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
});
