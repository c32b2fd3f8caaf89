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
    assert!(String::from_utf8_lossy(&same.stdout).contains("0 change(s)"));

    // A trim alone shifts later events' record times: nothing else is reported.
    let mut trimmed = old.clone();
    trimmed["timeline"][2]["out"] = "5s".into();
    write(&dir.join("trimmed.json"), &trimmed);
    let out = run_in(&dir, &["diff", "old.json", "trimmed.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
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
    let text = String::from_utf8_lossy(&out.stdout);
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
