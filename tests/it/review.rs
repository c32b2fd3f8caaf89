//! Reviewing cuts: `roughcut diff` between two EDLs and against a git revision.

use std::path::Path;

use crate::common::{roughcut, workdir};

/// The example cut with its media paths pointing at the test's samples.
fn example() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .unwrap()
    .replace("media/", "../");
    serde_json::from_str(&text).unwrap()
}

/// `roughcut ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    roughcut().args(args).current_dir(dir).output().unwrap()
}

fn write(path: &Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[test]
fn diff_names_exactly_a_trim_a_move_and_a_new_event() {
    let dir = workdir("diff");
    let old = example();
    let mut new = old.clone();
    let tl = new["timeline"].as_array_mut().unwrap();
    // One trim (12 source frames off the telecine's head), one move (the photograph to the
    // end), one new event.
    let telecine = tl
        .iter_mut()
        .find(|e| e["name"] == "telecine, 1948")
        .unwrap();
    assert_eq!(telecine["in"], "48f");
    telecine["in"] = "60f".into();
    let at = tl
        .iter()
        .position(|e| e["name"] == "harbour, 1957")
        .unwrap();
    let harbour = tl.remove(at);
    tl.push(harbour);
    tl.push(serde_json::json!({ "source": "amur", "in": "7s", "duration": "1s", "name": "river, last light" }));
    write(&dir.join("old.json"), &old);
    write(&dir.join("new.json"), &new);

    let out = run_in(&dir, &["diff", "old.json", "new.json", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = v["diff"]["changes"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            let e = c.get("new").unwrap_or(&c["old"]);
            (c["change"].as_str().unwrap(), e["name"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("trimmed", "telecine, 1948"),
            ("moved", "harbour, 1957"),
            ("added", "river, last light")
        ]
    );
    // The telecine (23.976 fps) lost 12 of its frames — half a second, 12.5 output frames,
    // rounded up — at the head; its length is the same, so the tail gained as many.
    let trim = &changes[0];
    assert_eq!(trim["head_frames"], 13);
    assert_eq!(trim["tail_frames"], -13);
    assert_eq!(trim["new"]["timecode"], "00:00:12:00");
    assert_eq!(changes[1]["old"]["event"], 6);
    assert_eq!(changes[1]["new"]["event"], 11);
    assert_eq!(
        v["diff"]["new_frames"].as_i64().unwrap() - v["diff"]["old_frames"].as_i64().unwrap(),
        25
    );

    // The same cut: no changes, exit 0.
    let same = run_in(&dir, &["diff", "old.json", "old.json"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stderr).contains("0 change(s)"));

    // A trim alone shifts later events' record times: nothing else is reported.
    let mut trimmed = old.clone();
    trimmed["timeline"][2]["out"] = "5s".into();
    write(&dir.join("trimmed.json"), &trimmed);
    let out = run_in(&dir, &["diff", "old.json", "trimmed.json"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("1 change(s)") && text.contains("trimmed   event 3 \"Amur embankment\""),
        "{text}"
    );
    // 87.5 frames of source became 88: 12 frames off the tail, as the program lost.
    assert!(
        text.contains("head unchanged, tail -12 frames (100 → 88 frames)"),
        "{text}"
    );
}

#[test]
fn diff_against_a_git_revision_reads_the_file_from_git() {
    let dir = workdir("diff-git");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let mut cut = example();
    write(&dir.join("cut.json"), &cut);
    git(&["add", "cut.json"]);
    git(&["commit", "-q", "-m", "first"]);
    cut["timeline"].as_array_mut().unwrap().remove(4);
    write(&dir.join("cut.json"), &cut);
    let out = run_in(&dir, &["diff", "cut.json", "--rev", "HEAD"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.starts_with("cut.json@HEAD → cut.json: 1 change(s)"),
        "{text}"
    );
    assert!(text.contains("removed   event 5 \"breath\""), "{text}");
    // A revision that does not have the file: invalid input, said plainly.
    let out = run_in(&dir, &["diff", "cut.json", "--rev", "HEAD~5"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at revision HEAD~5"));
}

/// Copy `from` to `to` with its sound `shift` samples later (timestamps only: the picture is
/// untouched, and each stream's timestamps stay perfect).
fn shift_sound(from: &Path, to: &Path, shift: i64) {
    use ffmpeg_next as ff;
    ff::init().unwrap();
    let mut ictx = ff::format::input(&from).unwrap();
    let mut octx = ff::format::output(&to).unwrap();
    let mut map = Vec::new();
    for st in ictx.streams() {
        let mut o = octx
            .add_stream(ff::encoder::find(ff::codec::Id::None))
            .unwrap();
        // MP4 to MP4: the codec tags carry over as they are.
        o.set_parameters(st.parameters());
        map.push((st.index(), st.time_base(), st.parameters().medium()));
    }
    octx.write_header().unwrap();
    for (st, mut packet) in ictx.packets() {
        let (_, tb, medium) = map[st.index()];
        let otb = octx.stream(st.index()).unwrap().time_base();
        if medium == ff::media::Type::Audio {
            // `shift` samples at the stream's time base (1/sample rate for AAC in MP4).
            let add = shift * i64::from(tb.denominator()) / 48000 / i64::from(tb.numerator());
            packet.set_pts(packet.pts().map(|t| t + add));
            packet.set_dts(packet.dts().map(|t| t + add));
        }
        packet.rescale_ts(tb, otb);
        packet.set_position(-1);
        packet.set_stream(st.index());
        packet.write_interleaved(&mut octx).unwrap();
    }
    octx.write_trailer().unwrap();
}

/// The presentation time (in its stream's ticks) of the second sound packet: where the sound
/// really starts once the encoder's priming packet is set aside.
fn second_sound_pts(path: &Path) -> i64 {
    use ffmpeg_next as ff;
    ff::init().unwrap();
    let mut ictx = ff::format::input(&path).unwrap();
    let audio = ictx.streams().best(ff::media::Type::Audio).unwrap().index();
    ictx.packets()
        .filter(|(st, _)| st.index() == audio)
        .nth(1)
        .and_then(|(_, p)| p.pts())
        .unwrap()
}

#[test]
fn verify_passes_a_fresh_render_and_catches_a_stale_one_and_shifted_sound() {
    let dir = workdir("verify");
    let mut cut = example();
    cut["output"]["width"] = 320.into();
    cut["output"]["height"] = 180.into();
    cut["output"]["path"] = "cut.mp4".into();
    write(&dir.join("cut.json"), &cut);
    crate::common::render(&dir.join("cut.json"), &[]);

    let verify = |edl: &str, file: &str| {
        let out = run_in(&dir, &["verify", edl, file, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    };
    // A fresh render matches: every check, 33 frames of 11 events, the sound in place.
    let (code, v) = verify("cut.json", "cut.mp4");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["matches"], true);
    // The example's −23 LUFS target and its subtitle track with its cues were checked too.
    let checked: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    for what in [
        "frames",
        "samples",
        "loudness",
        "subtitle tracks",
        "cues of subtitle track 1",
    ] {
        assert!(checked.contains(&what), "{what} not checked: {checked:?}");
    }
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 11);
    let frames: usize = events
        .iter()
        .map(|e| e["frames"].as_array().unwrap().len())
        .sum();
    assert_eq!(frames, 33);
    let lags: Vec<i64> = events
        .iter()
        .filter_map(|e| e["sound_lag"].as_i64())
        .collect();
    assert!(lags.len() >= 5 && lags.iter().all(|&l| l == 0), "{lags:?}");

    // A stale render: the EDL has since trimmed the Amur embankment. The events before it
    // still match; it and everything after differ, and it is named.
    let mut trimmed = cut.clone();
    trimmed["timeline"][2]["out"] = "5s".into();
    write(&dir.join("trimmed.json"), &trimmed);
    let (code, v) = verify("trimmed.json", "cut.mp4");
    assert_eq!(code, Some(4));
    assert_eq!(v["matches"], false);
    let events = v["events"].as_array().unwrap();
    assert!(events[0]["problems"].as_array().unwrap().is_empty());
    assert!(events[1]["problems"].as_array().unwrap().is_empty());
    assert_eq!(events[2]["name"], "Amur embankment");
    assert!(
        !events[2]["problems"].as_array().unwrap().is_empty(),
        "{:#}",
        events[2]
    );
    let frames_check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "frames")
        .unwrap();
    assert_eq!(
        (
            frames_check["expected"].as_str(),
            frames_check["found"].as_str()
        ),
        (Some("700"), Some("712"))
    );
    let text = run_in(&dir, &["verify", "trimmed.json", "cut.mp4"]);
    let text = String::from_utf8_lossy(&text.stderr);
    assert!(
        text.contains("event 3 \"Amur embankment\": frame"),
        "{text}"
    );

    // The same file with its sound one frame (1920 samples) late: perfect timestamps, shifted
    // sound — found by correlation, in samples. (Remuxing moves the priming packet: the shift
    // the file really has is read from its packets — 1888 here.)
    shift_sound(&dir.join("cut.mp4"), &dir.join("late.mp4"), 1920);
    let shift = second_sound_pts(&dir.join("late.mp4")) - second_sound_pts(&dir.join("cut.mp4"));
    assert!((1800..=1920).contains(&shift), "{shift}");
    let (code, v) = verify("cut.json", "late.mp4");
    assert_eq!(code, Some(4), "{v:#}");
    let lags: Vec<i64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["sound_lag"].as_i64())
        .collect();
    assert!(
        lags.len() >= 5 && lags.iter().all(|&l| l == shift),
        "{lags:?} vs {shift}"
    );
    let text = run_in(&dir, &["verify", "cut.json", "late.mp4"]);
    let text = String::from_utf8_lossy(&text.stderr);
    assert!(
        text.contains(&format!("the sound is {shift} samples"))
            && text.contains("behind the picture"),
        "{text}"
    );
}
