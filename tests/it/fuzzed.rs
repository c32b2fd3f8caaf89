//! Every crash the fuzzers found (minimised, in `tests/fixtures/fuzz/TARGET/`), run again
//! through the same invariant on stable.

#[test]
fn fuzz_reproducers_hold_their_invariants() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut run = 0;
    for (target, check) in [
        (
            "timecode",
            roughcut::fuzzing::timecode as fn(&[u8]) -> Result<(), String>,
        ),
        ("interchange", roughcut::fuzzing::interchange),
        ("edl", roughcut::fuzzing::edl),
        ("subtitles", roughcut::fuzzing::subtitles),
        ("profiles", roughcut::fuzzing::profiles),
    ] {
        for e in std::fs::read_dir(root.join(target)).unwrap().flatten() {
            let data = std::fs::read(e.path()).unwrap();
            if let Err(why) = check(&data) {
                panic!("{target}/{}: {why}", e.file_name().to_string_lossy());
            }
            run += 1;
        }
    }
    assert!(run >= 5, "{run} reproducers");
}
