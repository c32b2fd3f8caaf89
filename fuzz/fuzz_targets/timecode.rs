//! Time and timecode parsing: no panic on any text, and a timecode label that parses, counted
//! at a rate and written back, reads back as the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roughcut::time::{frames_to_timecode, Rate, TimeSpec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = TimeSpec::parse(text) else {
        return;
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
            let again = TimeSpec::parse(&label).expect("a written label parses");
            assert_eq!(
                again.to_frame_floor(rate).expect("a written label exists at its rate"),
                frame,
                "{text} → {label} at {n}/{d}"
            );
        }
    }
});
