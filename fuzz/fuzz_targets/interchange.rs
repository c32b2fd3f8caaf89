//! The CMX 3600, OpenTimelineIO and FCPXML readers: `roughcut::fuzzing::interchange`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = roughcut::fuzzing::interchange(data) {
        panic!("{e}");
    }
});
