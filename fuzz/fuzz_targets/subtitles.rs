//! `roughcut::fuzzing::subtitles` on arbitrary bytes (see its documentation for the invariant).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = roughcut::fuzzing::subtitles(data) {
        panic!("{e}");
    }
});
