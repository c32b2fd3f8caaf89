//! The segment cache, reports and shards, measured through the CLI: what re-renders after an
//! edit, what a changed source invalidates, concurrent use, damage, and shards joined into the
//! same bytes as one process makes.

use std::path::{Path, PathBuf};

use roughcut::media::synth::SynthAudio;
use serde_json::Value;

use crate::common::{render_fresh, roughcut, roughcut_process, synth, video, workdir};

/// A 30 s 160x120 source with a tone: cheap to cut into many events.
pub(crate) fn long_clip() -> PathBuf {
    synth(
        "long_160.mp4",
        30,
        Some(video(
            "testsrc2=size=160x120:rate=25".into(),
            160,
            120,
            (25, 1),
            (1, 1),
        )),
        Some(SynthAudio {
            source: "sine=frequency=330:sample_rate=48000".into(),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 64_000,
        }),
    )
}

/// An EDL of `n` one-second events from `sources` (cycled), the `k`th starting at `ins[k]` s.
pub(crate) fn cut_edl(dir: &Path, name: &str, sources: &[&Path], ins: &[u32]) -> PathBuf {
    let srcs: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(i, p)| format!(r#""s{i}": {{ "path": "{}" }}"#, p.display()))
        .collect();
    let events: Vec<String> = ins
        .iter()
        .enumerate()
        .map(|(k, t)| {
            format!(
                r#"{{ "source": "s{}", "in": {t}, "duration": 1 }}"#,
                k % sources.len()
            )
        })
        .collect();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(
        &path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "{name}.mp4", "width": 160, "height": 120 }},
            "sources": {{ {} }}, "timeline": [ {} ] }}"#,
            srcs.join(", "),
            events.join(", ")
        ),
    )
    .unwrap();
    path
}

/// Render with `args`; the report as JSON and stderr.
pub(crate) fn render_report(edl: &Path, cache: &Path, args: &[&str]) -> (Value, String) {
    let report = edl.with_extension("report.json");
    let out = roughcut()
        .arg("render")
        .arg(edl)
        .arg("--cache-dir")
        .arg(cache)
        .arg("--report")
        .arg(&report)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (v, stderr)
}

/// Segment ids of the report with `status`.
pub(crate) fn with_status(report: &Value, status: &str) -> Vec<u64> {
    report["plan"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == status)
        .map(|s| s["id"].as_u64().unwrap())
        .collect()
}

pub(crate) fn checksum(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).unwrap())
        .to_hex()
        .to_string()
}

#[test]
fn editing_one_event_of_twenty_rerenders_only_its_segment() {
    let dir = workdir("cache-edit");
    let cache = dir.join("cache");
    let src = long_clip();
    let mut ins: Vec<u32> = (0..20).collect();
    let edl = cut_edl(&dir, "twenty", &[&src], &ins);
    let (cold, stderr) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&cold, "rendered").len(), 20);
    // A non-TTY render without --progress prints only the summary line.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("rendered "), "{stderr}");
    let first = checksum(&dir.join("twenty.mp4"));
    assert_eq!(cold["output"]["blake3"], first);

    // Unchanged: everything comes from the cache, the same bytes.
    let (warm, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&warm, "cached").len(), 20);
    assert_eq!(checksum(&dir.join("twenty.mp4")), first);

    // Event 7 now starts elsewhere in the source: only its segment is rendered.
    ins[7] = 25;
    let edl = cut_edl(&dir, "twenty", &[&src], &ins);
    let (edited, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&edited, "rendered"), [7]);
    assert_eq!(with_status(&edited, "cached").len(), 19);
    let after = checksum(&dir.join("twenty.mp4"));
    assert_ne!(after, first);
    // What the cache assembled is what a render from scratch gives.
    let fresh = dir.join("fresh.mp4");
    render_fresh(&edl, &fresh);
    assert_eq!(checksum(&fresh), after);
}

#[test]
fn trimming_under_a_bed_with_loudness_and_fades_rerenders_only_the_trimmed_event() {
    // A bed under the whole program (ducked under the clips' sound), a loudness target and
    // program fades are all program-wide: a trim moves the bed under every later segment and
    // may move the gain, yet only the trimmed event's segment is rendered again.
    let dir = workdir("cache-bed-trim");
    let cache = dir.join("cache");
    let src = long_clip();
    let write = |seventh: &str| {
        let events: Vec<String> = (0..20)
            .map(|k| {
                let d = if k == 7 { seventh } else { "1s" };
                format!(r#"{{ "source": "clip", "in": {k}, "duration": "{d}" }}"#)
            })
            .collect();
        let path = dir.join("bed.json");
        std::fs::write(
            &path,
            format!(
                r#"{{ "version": 1,
                  "output": {{ "path": "bed.mp4", "width": 160, "height": 120,
                               "fade_in": "0.5s", "fade_out": "1s",
                               "audio": {{ "loudness": -23 }} }},
                  "sources": {{ "clip": {{ "path": "{}" }} }},
                  "audio_tracks": [ {{ "source": "clip", "in": 3, "gain_db": -6,
                                       "duck": {{ "db": 10, "ramp": "0.2s" }} }} ],
                  "timeline": [ {} ] }}"#,
                src.display(),
                events.join(", ")
            ),
        )
        .unwrap();
        path
    };
    let edl = write("1s");
    let (cold, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&cold, "rendered").len(), 20);
    assert!(cold["loudness"].is_object(), "{}", cold["loudness"]);
    // 5 frames off the middle event.
    let edl = write("0.8s");
    let (trimmed, stderr) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&trimmed, "rendered"), [7], "{stderr}");
    assert_eq!(with_status(&trimmed, "cached").len(), 19);
    assert_eq!(trimmed["plan"]["frames"], 495);
    // What the cache assembled is what a render from scratch gives.
    let fresh = dir.join("fresh.mp4");
    render_fresh(&edl, &fresh);
    assert_eq!(checksum(&fresh), checksum(&dir.join("bed.mp4")));
}

#[test]
fn an_unchanged_program_comes_whole_from_the_cache() {
    let dir = workdir("cache-output");
    let cache = dir.join("cache");
    let edl = cut_edl(&dir, "whole", &[&long_clip()], &[2, 4, 6, 8]);
    let (_, cold) = render_report(&edl, &cache, &[]);
    assert!(cold.contains("4 segment(s) rendered"), "{cold}");
    let first = checksum(&dir.join("whole.mp4"));
    // Nothing changed: the file comes from the cache whole — even with every segment gone,
    // so nothing was decoded, rendered or assembled.
    std::fs::remove_dir_all(cache.join("segments")).unwrap();
    let (warm, stderr) = render_report(&edl, &cache, &[]);
    assert!(
        stderr.contains("nothing changed: the output came from the cache"),
        "{stderr}"
    );
    assert_eq!(with_status(&warm, "cached").len(), 4);
    assert_eq!(checksum(&dir.join("whole.mp4")), first);
    assert_eq!(warm["output"]["blake3"], first);
    // A stored output whose bytes changed (its time moved, so it is hashed) is not used: the
    // program is rendered again, and the same bytes come out.
    let stored: Vec<PathBuf> = walk(&cache.join("outputs"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "output"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    std::fs::remove_file(dir.join("whole.mp4")).unwrap();
    let mut bytes = std::fs::read(&stored[0]).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&stored[0], bytes).unwrap();
    let (again, stderr) = render_report(&edl, &cache, &[]);
    assert!(stderr.contains("4 segment(s) rendered"), "{stderr}");
    assert_eq!(with_status(&again, "rendered").len(), 4);
    assert_eq!(checksum(&dir.join("whole.mp4")), first);
    // A different output path of the same program is the same program.
    let other = dir.join("elsewhere.mp4");
    let out = roughcut()
        .arg("render")
        .arg(&edl)
        .arg("--cache-dir")
        .arg(&cache)
        .arg("-o")
        .arg(&other)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing changed"), "{stderr}");
    assert_eq!(checksum(&other), first);
}

#[test]
fn the_cache_keeps_itself_under_its_limit() {
    let dir = workdir("cache-limit");
    let cache = dir.join("cache");
    let src = long_clip();
    let a = cut_edl(&dir, "a", &[&src], &[1, 2, 3]);
    let b = cut_edl(&dir, "b", &[&src], &[11, 12]);
    let (_, first) = render_report(&a, &cache, &["--cache-limit", "1"]);
    // A render never removes its own entries, however small the limit.
    assert!(!first.contains("cache: removed"), "{first}");
    assert_eq!(
        walk(&cache.join("segments")).len(),
        3 * 3,
        "3 entries of 3 files"
    );
    let (_, second) = render_report(&b, &cache, &["--cache-limit", "1"]);
    // a's three segments, its output and its chunk of encoded sound are the least recently
    // used: removed, b's kept.
    assert!(
        second.contains("cache: removed 5 least recently used entries ("),
        "{second}"
    );
    assert!(second.contains("to stay under 0.0 GB"), "{second}");
    assert_eq!(walk(&cache.join("segments")).len(), 2 * 3);
    let (again, _) = render_report(&a, &cache, &["--cache-limit", "none"]);
    assert_eq!(with_status(&again, "rendered").len(), 3);
    // Under the default limit (20G) nothing is removed and nothing is said.
    let (_, quiet) = render_report(&b, &cache, &[]);
    assert!(!quiet.contains("cache:"), "{quiet}");
    // A limit that is not a size is a usage error naming the forms.
    let out = roughcut()
        .args(["render", "x.json", "--cache-limit", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`lots` is not a size; write e.g. 20G"),
        "{err}"
    );
}

#[test]
fn a_trim_late_in_a_long_program_reencodes_only_the_sound_after_it() {
    // 100 s with a loudness target: three chunks of sound (43.7 s each). Trimming the last
    // event leaves the loudness gain (in 0.1 dB steps) and the first two chunks as they were:
    // they come from the cache, and the file is byte for byte what a fresh render makes.
    let dir = workdir("cache-sound-chunks");
    let cache = dir.join("cache");
    let src = long_clip();
    let write = |last: &str| {
        let events: Vec<String> = (0..10)
            .map(|k| {
                let d = if k == 9 { last } else { "10s" };
                format!(
                    r#"{{ "source": "clip", "in": {}, "duration": "{d}" }}"#,
                    k % 3 * 5
                )
            })
            .collect();
        let path = dir.join("long.json");
        std::fs::write(
            &path,
            format!(
                r#"{{ "version": 1,
                  "output": {{ "path": "long.mp4", "width": 160, "height": 120,
                               "audio": {{ "loudness": -23 }} }},
                  "sources": {{ "clip": {{ "path": "{}" }} }},
                  "timeline": [ {} ] }}"#,
                src.display(),
                events.join(", ")
            ),
        )
        .unwrap();
        path
    };
    let edl = write("10s");
    let (cold, _) = render_report(&edl, &cache, &[]);
    let stages = &cold["timings"]["assembly"];
    assert_eq!(stages["sound_chunks"], 3, "{stages}");
    assert_eq!(stages["sound_chunks_reused"], 0);
    let edl = write("9.8s");
    let (trimmed, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&trimmed, "rendered"), [9]);
    assert_eq!(
        trimmed["loudness"]["applied"]["gain_db"],
        cold["loudness"]["applied"]["gain_db"]
    );
    let stages = &trimmed["timings"]["assembly"];
    assert_eq!(stages["sound_chunks_reused"], 2, "{stages}");
    let fresh = dir.join("fresh.mp4");
    render_fresh(&edl, &fresh);
    assert_eq!(checksum(&fresh), checksum(&dir.join("long.mp4")));
}

#[test]
fn changing_a_source_file_invalidates_its_segments() {
    let dir = workdir("cache-source");
    let cache = dir.join("cache");
    let a = dir.join("a.mp4");
    let b = dir.join("b.mp4");
    std::fs::copy(long_clip(), &a).unwrap();
    std::fs::copy(long_clip(), &b).unwrap();
    let edl = cut_edl(&dir, "two", &[&a, &b], &[0, 1, 2, 3]);
    let (cold, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&cold, "rendered").len(), 4);
    // b's content changes (another clip of the same format).
    let other = synth(
        "long_160_other.mp4",
        30,
        Some(video(
            "testsrc=size=160x120:rate=25".into(),
            160,
            120,
            (25, 1),
            (1, 1),
        )),
        None,
    );
    std::fs::copy(other, &b).unwrap();
    let (after, _) = render_report(&edl, &cache, &[]);
    // Events 1 and 3 use b.
    assert_eq!(with_status(&after, "rendered"), [1, 3]);
    assert_eq!(with_status(&after, "cached"), [0, 2]);
}

#[test]
fn touched_sources_keep_their_segments() {
    let dir = workdir("cache-touch");
    let cache = dir.join("cache");
    let a = dir.join("a.mp4");
    let b = dir.join("b.mp4");
    std::fs::copy(long_clip(), &a).unwrap();
    std::fs::copy(long_clip(), &b).unwrap();
    let edl = cut_edl(&dir, "touch", &[&a, &b], &[0, 1, 2, 3]);
    let (cold, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&cold, "rendered").len(), 4);
    let first = checksum(&dir.join("touch.mp4"));
    // A fresh checkout, a restored cache or `cp` without `-p`: every source gets a new
    // modification time and the same bytes.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    for p in [&a, &b] {
        let f = std::fs::File::options().write(true).open(p).unwrap();
        f.set_modified(later).unwrap();
    }
    let (touched, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&touched, "cached").len(), 4, "{touched}");
    assert_eq!(checksum(&dir.join("touch.mp4")), first);
    // The same bytes under a new time are hashed once, then known by their time again.
    let hashes = walk(&cache.join("hashes"));
    assert_eq!(
        hashes.len(),
        4,
        "two times for each of two files: {hashes:?}"
    );
}

#[test]
fn segment_keys_name_the_encoder_library_build() {
    // The video encoder's own build (not only FFmpeg's libraries) is part of every key, so an
    // upgraded libx264 never mixes its segments with an older one's.
    let salt = roughcut::media::library_versions();
    let x264 = salt
        .split(' ')
        .find(|w| w.starts_with("libx264.so."))
        .unwrap_or_else(|| panic!("no libx264 build in {salt:?}"));
    let (name, size) = x264.split_once(':').unwrap();
    assert!(name["libx264.so.".len()..].parse::<u32>().is_ok(), "{x264}");
    assert!(size.parse::<u64>().unwrap() > 100_000, "{x264}");
    // The command's plan carries it into the version every segment key hashes.
    let dir = workdir("cache-salt");
    let edl = cut_edl(&dir, "salt", &[&long_clip()], &[0]);
    let out = roughcut()
        .args(["render", "--dry-run", "--json"])
        .arg(&edl)
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = plan["version"].as_str().unwrap();
    assert!(version.contains(x264), "{version}");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn concurrent_renders_into_one_cache_agree() {
    let dir = workdir("cache-concurrent");
    let cache = dir.join("cache");
    let edl = cut_edl(&dir, "conc", &[&long_clip()], &[3, 5, 7, 9, 11, 13]);
    let spawn = |out: &str| {
        roughcut_process()
            .arg("render")
            .arg(&edl)
            .arg("--cache-dir")
            .arg(&cache)
            .args(["--progress", "none", "--jobs", "1", "-o"])
            .arg(dir.join(out))
            .spawn()
            .unwrap()
    };
    let (mut p1, mut p2) = (spawn("one.mp4"), spawn("two.mp4"));
    assert!(p1.wait().unwrap().success());
    assert!(p2.wait().unwrap().success());
    assert_eq!(
        checksum(&dir.join("one.mp4")),
        checksum(&dir.join("two.mp4"))
    );
    // Nothing half-written is left in the cache's staging area.
    let staging: Vec<_> = std::fs::read_dir(cache.join("tmp"))
        .unwrap()
        .flatten()
        .collect();
    assert!(staging.is_empty(), "{staging:?}");
}

#[test]
fn a_damaged_cache_entry_is_detected_and_rendered_again() {
    let dir = workdir("cache-damage");
    let cache = dir.join("cache");
    let edl = cut_edl(&dir, "dmg", &[&long_clip()], &[2, 4, 6]);
    let (cold, _) = render_report(&edl, &cache, &[]);
    let first = checksum(&dir.join("dmg.mp4"));
    // Truncate segment 1's video on disk.
    let key = cold["plan"]["segments"][1]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let entry = cache.join("segments").join(&key[..2]).join(&key);
    let video = entry.join("video.vpk");
    let len = std::fs::metadata(&video).unwrap().len();
    std::fs::write(
        &video,
        &std::fs::read(&video).unwrap()[..(len / 2) as usize],
    )
    .unwrap();
    // Without the finished output kept whole, the render looks its segments up.
    std::fs::remove_dir_all(cache.join("outputs")).unwrap();
    let (again, stderr) = render_report(&edl, &cache, &["--progress", "none"]);
    assert!(
        stderr.contains("damaged") && stderr.contains(&key),
        "{stderr}"
    );
    assert_eq!(with_status(&again, "rendered"), [1]);
    assert_eq!(with_status(&again, "cached"), [0, 2]);
    assert!(again["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("damaged")));
    assert_eq!(checksum(&dir.join("dmg.mp4")), first);
}

#[test]
fn shards_in_parallel_then_assembly_match_one_process() {
    let dir = workdir("cache-shards");
    let cache = dir.join("cache");
    let edl = cut_edl(&dir, "sh", &[&long_clip()], &[1, 3, 5, 7, 9, 11, 13, 15]);
    // Nothing cached yet: assembly alone fails, naming what is missing.
    let out = roughcut()
        .arg("render")
        .arg(&edl)
        .arg("--cache-dir")
        .arg(&cache)
        .arg("--assemble-only")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("8 segment(s) are not in the cache")
            && err.contains("segment 0 (event 0, key "),
        "{err}"
    );

    let shards: Vec<_> = (1..=3)
        .map(|k| {
            roughcut_process()
                .arg("render")
                .arg(&edl)
                .arg("--cache-dir")
                .arg(&cache)
                .args(["--jobs", "1", "--shard", &format!("{k}/3"), "--report"])
                .arg(dir.join(format!("shard{k}.json")))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut p in shards {
        assert!(p.wait().unwrap().success());
    }
    // Every segment was rendered by exactly one shard; the frame counts are balanced.
    let mut owners = vec![0; 8];
    let mut frames = Vec::new();
    for k in 1..=3 {
        let r: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("shard{k}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(r["shard"], format!("{k}/3"));
        assert!(r["output"].is_null());
        let mine = with_status(&r, "rendered");
        frames.push(mine.len() * 25);
        for id in mine {
            owners[id as usize] += 1;
        }
    }
    assert_eq!(owners, [1; 8]);
    assert!(frames.iter().max().unwrap() - frames.iter().min().unwrap() <= 25);
    assert!(!dir.join("sh.mp4").exists(), "a shard writes no output");

    let (joined, _) = render_report(&edl, &cache, &["--assemble-only"]);
    assert_eq!(with_status(&joined, "cached").len(), 8);
    let single = dir.join("single.mp4");
    render_fresh(&edl, &single);
    assert_eq!(checksum(&dir.join("sh.mp4")), checksum(&single));
}

#[test]
fn the_report_has_its_documented_shape() {
    let dir = workdir("cache-report");
    let edl = cut_edl(&dir, "rep", &[&long_clip()], &[1, 2]);
    let (report, _) = render_report(&edl, &dir.join("cache"), &[]);
    let schema = roughcut::render::report::schema();
    let problems = roughcut::edl::structure::check(&report, &schema);
    assert!(problems.is_empty(), "{problems:?}");
    // The checked-in schema is the one the code generates.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let published: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        published == schema,
        "docs/report.schema.json is stale: run `cargo run -- schema report > docs/report.schema.json`"
    );
    // Measured facts of the written file.
    let out = &report["output"];
    assert_eq!(out["video"]["frames"], 50);
    assert_eq!(out["video"]["width"], 160);
    assert_eq!(out["audio"]["sample_rate"], 48000);
    let diff = out["audio_video_difference_seconds"].as_f64().unwrap();
    assert!(diff.abs() < 0.001, "audio and video end together: {diff}");
    // Every source's colour: declared, judged, rendered, with the measures.
    let src = &report["sources"][0];
    assert_eq!(src["colour"], "auto", "{src}");
    assert_eq!(src["judged"], "colour", "{src}");
    assert_eq!(src["rendered"], "colour", "{src}");
    assert!(
        src["measures"]["strong_chroma"].as_f64().unwrap() > 6.0,
        "{src}"
    );
    // A broken report is caught by the same check.
    let mut broken = report.clone();
    broken["plan"]["segments"][0]["status"] = Value::from("lost");
    assert!(!roughcut::edl::structure::check(&broken, &schema).is_empty());
}

#[test]
fn cache_stats_and_clean() {
    let dir = workdir("cache-clean");
    let cache = dir.join("cache");
    let edl = cut_edl(&dir, "cl", &[&long_clip()], &[1, 2, 3]);
    render_report(&edl, &cache, &[]);
    let stats = |extra: &[&str]| -> Value {
        let out = roughcut()
            .args(["cache", "stats", "--json", "--cache-dir"])
            .arg(&cache)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let before = stats(&[]);
    // Three segments, the finished output and its one chunk of encoded sound.
    assert_eq!(before["entries"], 5);
    // And the source's facts and content hash, counted apart.
    assert_eq!(before["facts_files"], 2, "{before}");
    assert!(before["facts_bytes"].as_u64().unwrap() > 100);
    assert!(before["bytes"].as_u64().unwrap() > 1000);
    let out = roughcut()
        .args(["cache", "clean", "--max-size", "1", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stats(&[])["entries"], 0);
    // A size limit leaves the facts (a few KB); an age removes those not used since.
    assert_eq!(stats(&[])["facts_files"], 2);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = roughcut()
        .args(["cache", "clean", "--older-than", "0s", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stats(&[])["facts_files"], 0);
    let out = roughcut().args(["cache", "clean"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "clean needs a criterion");
}

#[test]
fn markers_are_placed_reported_and_change_nothing_rendered() {
    let dir = workdir("markers");
    let cache = dir.join("cache");
    let src = long_clip();
    // Three one-second events: a 75-frame program; event 1 covers frames 25..50.
    let edl = cut_edl(&dir, "m", &[&src], &[0, 5, 10]);
    let (plain, _) = render_report(&edl, &cache, &[]);
    assert_eq!(plain["plan"]["markers"], serde_json::json!([]));
    let text = std::fs::read_to_string(&edl).unwrap();
    let marked = text.trim_end().trim_end_matches('}').to_string()
        + r#", "markers": [
            { "at": "00:00:02:10", "name": "Late", "colour": "blue", "duration": "10f" },
            { "at": 1.02, "name": "Check the sync", "note": "the second take" } ] }"#;
    std::fs::write(&edl, marked).unwrap();
    // Markers are in no key: the unchanged program comes whole from the cache.
    let (v, stderr) = render_report(&edl, &cache, &[]);
    assert!(
        stderr.contains("nothing changed: the output came from the cache"),
        "{stderr}"
    );
    let markers = v["plan"]["markers"].as_array().unwrap();
    assert_eq!(markers.len(), 2, "{markers:?}");
    // Time order; 1.02 s is frame 25.5, rounded half up to 26.
    assert_eq!(markers[0]["index"], 1);
    assert_eq!(markers[0]["name"], "Check the sync");
    assert_eq!(markers[0]["note"], "the second take");
    assert_eq!(markers[0]["colour"], "red");
    assert_eq!(markers[0]["frame"], 26);
    assert_eq!(markers[0]["timecode"], "00:00:01:01");
    assert_eq!(markers[0]["frames"], 0);
    assert_eq!(markers[0]["event"], 1);
    assert_eq!(markers[1]["index"], 0);
    assert_eq!(markers[1]["frame"], 60);
    assert_eq!(markers[1]["frames"], 10);
    assert_eq!(markers[1]["colour"], "blue");
    assert_eq!(markers[1]["event"], 2);
    // The dry run lists them too, in text and JSON.
    let out = roughcut()
        .args(["render", "--dry-run"])
        .arg(&edl)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("  marker 00:00:01:01 red (event 1): Check the sync — the second take"),
        "{text}"
    );
    assert!(
        text.contains("  marker 00:00:02:10 +10 frames blue (event 2): Late"),
        "{text}"
    );
    let out = roughcut()
        .args(["render", "--dry-run", "--json"])
        .arg(&edl)
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["markers"][1]["timecode"], "00:00:02:10");
}

#[test]
fn a_split_edit_re_renders_only_the_clip_and_the_neighbour_it_cuts() {
    let dir = workdir("split-keys");
    let cache = dir.join("cache");
    let src = long_clip();
    // Four one-second events; then event 1 gets a 10-frame tail, which cuts event 2's sound.
    let edl = cut_edl(&dir, "s", &[&src], &[0, 5, 10, 15]);
    let (cold, _) = render_report(&edl, &cache, &[]);
    assert_eq!(with_status(&cold, "rendered"), [0, 1, 2, 3]);
    let text = std::fs::read_to_string(&edl).unwrap();
    let split = text.replacen(
        r#""in": 5, "duration": 1 }"#,
        r#""in": 5, "duration": 1, "audio": { "tail": "10f" } }"#,
        1,
    );
    assert_ne!(split, text);
    std::fs::write(&edl, split).unwrap();
    let (warm, _) = render_report(&edl, &cache, &[]);
    // Event 1's sound no longer fades out at its picture's end, event 2's starts 10 frames in;
    // events 0 and 3 are untouched.
    assert_eq!(with_status(&warm, "rendered"), [1, 2]);
    assert_eq!(with_status(&warm, "cached"), [0, 3]);
}
