//! Time and timecode parsing: `roughcut::fuzzing::timecode` (no panic; label round trips).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = roughcut::fuzzing::timecode(data) {
        panic!("{e}");
    }
});
