//! Faults of the machine, through the CLI: a disk that fills (the output's, and the cache's), a
//! render killed with SIGKILL, two renders sharing a cache with one killed, `cache clean`
//! while a render uses the cache, a source changed mid-render. Each must end in a clear error
//! or the exact output, nothing at the output path on failure, and a cache later renders trust.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::cache::{checksum, cut_edl, long_clip, render_report, with_status};
use crate::common::{roughcut_process, workdir};

/// `roughcut render EDL ARGS` in bash with the file size limit `kib` (writes past it fail with
/// EFBIG, as on a full disk; SIGXFSZ ignored so the write returns the error).
fn render_limited(edl: &Path, kib: u64, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {kib}; exec \"$0\" render \"$1\" --progress none \"${{@:2}}\""
        ))
        .arg(env!("CARGO_BIN_EXE_roughcut"))
        .arg(edl)
        .args(args);
    cmd.env(
        "ROUGHCUT_CACHE_DIR",
        crate::common::samples_dir().join("cache"),
    );
    cmd.output().unwrap()
}

/// Files roughcut leaves only while it runs: temporary outputs and partial files.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(".roughcut") || n.contains(".partial")
        })
        .collect()
}

/// A clean render of `edl` (no cache) into `out`: the bytes every other render must match.
fn reference(edl: &Path, out: &Path) -> String {
    let o = roughcut_process()
        .arg("render")
        .arg(edl)
        .args(["--no-cache", "--progress", "none", "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    checksum(out)
}

#[test]
fn a_full_disk_fails_cleanly_and_the_cache_stays_sound() {
    let dir = workdir("faults-disk");
    // PCM sound in MOV: the output (1.5 MB) is several times a segment's largest file (its
    // sound, 375 KiB of float samples), so a limit between the two fills the output's disk.
    let edl = cut_edl(&dir, "disk", &[&long_clip()], &[1, 3, 5, 7, 9, 11, 13, 15]);
    let text = std::fs::read_to_string(&edl).unwrap().replace(
        r#""path": "disk.mp4","#,
        r#""path": "disk.mov", "audio": { "codec": "pcm_s16le" },"#,
    );
    std::fs::write(&edl, text).unwrap();
    let want = reference(&edl, &dir.join("reference.mov"));
    let size = std::fs::metadata(dir.join("reference.mov")).unwrap().len();
    assert!(size > 1_200_000, "{size}");
    let output = dir.join("disk.mov");

    // The output's disk fills: the segments fit, the output does not. A clear error, nothing
    // at the output path, no temporary file left.
    let cache = dir.join("cache");
    let kib = 800;
    let o = render_limited(&edl, kib, &["--cache-dir", cache.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "limit {kib} KiB: {err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(!output.exists());
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
    // The segments it rendered are in the cache, whole: the next render takes every one and
    // writes the same bytes as a clean render.
    let (report, stderr) = render_report(&edl, &cache, &["--progress", "none"]);
    assert_eq!(
        with_status(&report, "rendered"),
        Vec::<u64>::new(),
        "{stderr}"
    );
    assert!(!stderr.contains("damaged"), "{stderr}");
    assert_eq!(checksum(&output), want);

    // The cache's disk fills: not even one segment fits. A clear error again, and the cache
    // holds nothing half-written: a render after it verifies what is there and succeeds.
    let cache = dir.join("cache-full");
    std::fs::remove_file(&output).unwrap();
    let o = render_limited(&edl, 4, &["--cache-dir", cache.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(!output.exists());
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
    let staging: Vec<_> = std::fs::read_dir(cache.join("tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(staging.is_empty(), "{staging:?}");
    let (_, stderr) = render_report(&edl, &cache, &["--progress", "none"]);
    assert!(!stderr.contains("damaged"), "{stderr}");
    assert_eq!(checksum(&output), want);
}

/// Start `roughcut render EDL` with NDJSON progress on stdout, into `cache`, writing `out`.
fn spawn_render(edl: &Path, cache: &Path, out: &Path) -> Child {
    roughcut_process()
        .arg("render")
        .arg(edl)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--progress", "json", "--jobs", "1", "-o"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Read `child`'s progress events until `n` events of kind `kind` have come.
fn wait_for(child: &mut Child, kind: &str, n: usize) -> BufReader<std::process::ChildStdout> {
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut seen = 0;
    let mut line = String::new();
    while seen < n {
        line.clear();
        assert!(
            lines.read_line(&mut line).unwrap() > 0,
            "the render ended early"
        );
        if line.contains(&format!("\"type\":\"{kind}\"")) {
            seen += 1;
        }
    }
    lines
}

#[test]
fn a_killed_render_leaves_a_cache_the_next_one_trusts() {
    let dir = workdir("faults-kill");
    let cache = dir.join("cache");
    let ins: Vec<u32> = (0..12).map(|k| k * 2 + 1).collect();
    let edl = cut_edl(&dir, "kill", &[&long_clip()], &ins);
    let want = reference(&edl, &dir.join("reference.mp4"));

    // SIGKILL after four of the twelve segments are done: no chance to clean up.
    let mut child = spawn_render(&edl, &cache, &dir.join("kill.mp4"));
    let _out = wait_for(&mut child, "segment_finished", 4);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.join("kill.mp4").exists());

    // The next render into the same cache verifies and reuses what the killed one finished,
    // renders the rest, and writes the bytes of a clean render.
    let (report, stderr) = render_report(&edl, &cache, &["--progress", "none"]);
    let cached = with_status(&report, "cached").len();
    assert!((4..12).contains(&cached), "{cached} cached: {stderr}");
    assert!(!stderr.contains("damaged"), "{stderr}");
    assert_eq!(checksum(&dir.join("kill.mp4")), want);
    // The killed render's temporary folder beside the output went with the next render (its
    // process is gone).
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
}

#[test]
fn two_renders_share_a_cache_and_one_is_killed() {
    let dir = workdir("faults-two");
    let cache = dir.join("cache");
    // Two cuts sharing half their events.
    let a = cut_edl(&dir, "a", &[&long_clip()], &[1, 3, 5, 7, 9, 11, 13, 15]);
    let b = cut_edl(&dir, "b", &[&long_clip()], &[1, 3, 5, 7, 20, 22, 24, 26]);
    let want = reference(&b, &dir.join("reference.mp4"));
    let mut killed = spawn_render(&a, &cache, &dir.join("a.mp4"));
    let other = spawn_render(&b, &cache, &dir.join("b.mp4"));
    let _out = wait_for(&mut killed, "segment_finished", 2);
    killed.kill().unwrap();
    killed.wait().unwrap();
    let out = other.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(checksum(&dir.join("b.mp4")), want);
    assert!(!dir.join("a.mp4").exists());
}

#[test]
fn cache_clean_while_a_render_uses_the_cache_does_not_break_it() {
    let dir = workdir("faults-clean");
    let cache = dir.join("cache");
    let ins = [1, 3, 5, 7, 9, 11];
    let edl = cut_edl(&dir, "clean", &[&long_clip()], &ins);
    // Every segment of this cut in the cache…
    render_report(&edl, &cache, &["--progress", "none"]);
    // …then the same cut and one long new event: the render looks the six up, starts on the
    // new one, and meanwhile `cache clean` removes everything.
    let text = std::fs::read_to_string(&edl).unwrap().replace(
        "\"timeline\": [ ",
        "\"timeline\": [ { \"source\": \"s0\", \"in\": 0, \"duration\": 29 }, ",
    );
    let longer = dir.join("longer.json");
    std::fs::write(&longer, text).unwrap();
    let want = reference(&longer, &dir.join("reference.mp4"));
    let mut child = spawn_render(&longer, &cache, &dir.join("longer.mp4"));
    let progress = wait_for(&mut child, "segment_started", 1);
    let clean = roughcut_process()
        .args(["cache", "clean", "--max-size", "0", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    // Everything went: the six segments the render had looked up among them.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );
    let removed: u64 = said
        .split("removed ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(removed >= 6, "{said}");
    // The render was still at work when the entries it had looked up went.
    assert!(
        child.try_wait().unwrap().is_none(),
        "the render finished before the clean"
    );
    drop(progress);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(checksum(&dir.join("longer.mp4")), want);
}

#[test]
fn a_source_changed_mid_render_fails_it_and_nothing_is_written() {
    let dir = workdir("faults-source");
    let cache = dir.join("cache");
    let source = dir.join("source.mp4");
    std::fs::copy(long_clip(), &source).unwrap();
    let ins: Vec<u32> = (0..10).map(|k| k * 2 + 1).collect();
    let edl = cut_edl(&dir, "changing", &[&source], &ins);
    let mut child = spawn_render(&edl, &cache, &dir.join("changing.mp4"));
    let progress = wait_for(&mut child, "segment_finished", 1);
    // Another version of the file lands at the same path (a re-export, a sync).
    let other = crate::common::synth(
        "long_160_other.mp4",
        30,
        Some(crate::common::video(
            "testsrc=size=160x120:rate=25".into(),
            160,
            120,
            (25, 1),
            (1, 1),
        )),
        Some(roughcut::media::synth::SynthAudio {
            source: "sine=frequency=550:sample_rate=48000".into(),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 64_000,
        }),
    );
    let staged = dir.join("source.mp4.new");
    std::fs::copy(other, &staged).unwrap();
    std::fs::rename(&staged, &source).unwrap();
    drop(progress);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        // The render finished before the change landed: then its output is all the old file.
        panic!("the render ended before the source changed; make the cut longer: {err}");
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Found at the end (its size or time moved), or earlier by a segment that opened the new
    // file and found it unlike the plan: either way the file is named and nothing is written.
    assert!(
        err.contains("source.mp4")
            && (err.contains("changed while rendering") || err.contains("segment")),
        "{err}"
    );
    assert!(!dir.join("changing.mp4").exists());
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
    // Rendered again, the cut is all the new file: nothing of the old one came from the cache
    // under the new file's keys, and nothing of the new under the old's.
    let want = reference(&edl, &dir.join("reference.mp4"));
    let (_, stderr) = render_report(&edl, &cache, &["--progress", "none"]);
    assert!(!stderr.contains("damaged"), "{stderr}");
    assert_eq!(checksum(&dir.join("changing.mp4")), want);
}
