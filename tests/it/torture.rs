//! The fast subset of `scripts/torture`: damaged variants (truncated at half, the index zeroed,
//! a duration that lies a thousandfold) of an MP4, a Matroska file and a sound-only M4A,
//! through probe, a one-event render and transcode, each with a time limit. Every outcome is
//! exact output or a clear error naming the file — no panic, no hang, nothing at the output
//! path after a failure, no temporary file left (the script's own judgement, its table read
//! here).

use std::path::Path;

use crate::common::{samples_dir, workdir};

#[test]
fn damaged_media_end_in_exact_output_or_a_clear_error() {
    let dir = workdir("torture");
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    for name in ["knam_hd.mp4", "amur_2004_pal.mkv", "music_bed.m4a"] {
        std::fs::copy(samples_dir().join(name), sources.join(name)).unwrap();
    }
    let table = dir.join("torture.md");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(repo.join("scripts/torture"))
        .args(["--quick", "--out"])
        .arg(&table)
        .env("ROUGHCUT_BIN", env!("CARGO_BIN_EXE_roughcut"))
        .env("TORTURE_SAMPLES", &sources)
        .env("TORTURE_WORK", dir.join("work"))
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&table).unwrap_or_default();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nine variants (three files, three kinds of damage), 27 runs, judged.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with("` |"))
        .collect();
    assert_eq!(rows.len(), 9, "{text}");
    let letters: String = rows.iter().filter_map(|r| r.rsplit('`').nth(1)).collect();
    assert_eq!(letters.len(), 27, "{text}");
    assert!(letters.chars().all(|c| c == 'o' || c == 'e'), "{text}");
    // Both outcomes occur: damage some commands survive exactly, some they refuse.
    assert!(letters.contains('o') && letters.contains('e'), "{text}");

    // A Matroska file cut at half keeps its header's duration (8 s) but holds 3.64 s: the
    // transcode is as long as what is there — every picture the file holds, none made up.
    let work = dir.join("work");
    let variant = work.join("variants/amur_2004_pal.truncated-50.mkv");
    let out =
        work.join("runs/amur_2004_pal.truncated-50.mkv/transcode/amur_2004_pal.truncated-50.mp4");
    let video = |p: &Path| {
        let counts = roughcut::media::measure::packet_counts(p).unwrap();
        let facts = crate::common::probe(p).unwrap();
        let v = facts
            .streams
            .iter()
            .find(|s| s.video.is_some())
            .unwrap()
            .index;
        counts.iter().find(|c| c.0 == v).unwrap().1
    };
    let (held, made) = (video(&variant), video(&out));
    assert!(held > 50 && held < 150, "{held}");
    assert_eq!(made, held);
}
