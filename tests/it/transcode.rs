//! `roughcut transcode` on a folder of generated mixed sources plus a corrupt file: sizes, rates,
//! codecs and full durations of the outputs, neutral black-and-white, upright rotation, the
//! failure reported, up-to-date outputs skipped, `--force`, sound-only WAV, and the corpus.

use std::path::{Path, PathBuf};
use std::process::Command;

use roughcut::media::synth::SynthAudio;
use roughcut::time::Rational;
use serde_json::Value;

use crate::common::{corpus_dir, pictures, roughcut, samples_dir, synth, video, workdir};

fn run(args: &[&str], inputs: &[&Path], out: &Path, report: &Path) -> (Option<i32>, Value, String) {
    let o = roughcut()
        .arg("transcode")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .arg("--report")
        .arg(report)
        .args(args)
        .timeout(std::time::Duration::from_secs(600))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap_or_default())
        .unwrap_or(Value::Null);
    (o.status.code(), v, stderr)
}

fn outcome<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["input"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("{name} not in the report: {report}"))
}

/// The mixed folder: a colour clip with stereo sound, the PAL interlaced sample in a subfolder,
/// the gray archival sample, a rotated phone clip, a corrupt file and a text file.
fn mixed_folder(dir: &Path) -> PathBuf {
    let root = dir.join("mixed");
    std::fs::create_dir_all(root.join("tape1")).unwrap();
    let colour = synth(
        "colour_2s.mp4",
        2,
        Some(video(
            "testsrc2=size=320x240:rate=25".into(),
            320,
            240,
            (25, 1),
            (1, 1),
        )),
        Some(SynthAudio {
            source: "sine=frequency=440:sample_rate=44100".into(),
            encoder: "aac".into(),
            sample_rate: 44100,
            layout: "stereo",
            bit_rate: 96_000,
        }),
    );
    let mut rot = video(
        "color=c=black:s=360x640:r=30,drawbox=x=0:y=0:w=360:h=320:color=white:t=fill".into(),
        360,
        640,
        (30, 1),
        (1, 1),
    );
    rot.display_matrix = Some(roughcut::facts::Orientation::clockwise(90));
    let rotated = synth("phone_rotated.mp4", 1, Some(rot), None);
    std::fs::copy(colour, root.join("colour.mp4")).unwrap();
    std::fs::copy(
        samples_dir().join("amur_2004_pal.mkv"),
        root.join("tape1/amur.mkv"),
    )
    .unwrap();
    std::fs::copy(
        samples_dir().join("builders_1932_gray.mp4"),
        root.join("builders.mp4"),
    )
    .unwrap();
    std::fs::copy(rotated, root.join("phone.mp4")).unwrap();
    std::fs::write(
        root.join("broken.mp4"),
        b"\x00\x00\x00\x18ftypmp42 this is not a movie",
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "shot list").unwrap();
    root
}

#[test]
fn a_mixed_folder_becomes_uniform_proxies() {
    let dir = workdir("transcode");
    let root = mixed_folder(&dir);
    let out = dir.join("proxies");
    let report = dir.join("batch.json");
    let (code, r, stderr) = run(&[], &[&root], &out, &report);
    assert_eq!(code, Some(1), "one input is corrupt: {stderr}");
    assert!(
        stderr.contains("failed: ") && stderr.contains("broken.mp4"),
        "{stderr}"
    );
    assert_eq!(
        (r["converted"].as_u64(), r["failed"].as_u64()),
        (Some(4), Some(1)),
        "{r}"
    );
    assert!(outcome(&r, "broken.mp4")["reason"]
        .as_str()
        .unwrap()
        .contains("broken.mp4"));
    assert!(
        !stderr.contains("notes.txt"),
        "a text file is not media: {stderr}"
    );
    // What `auto` decided: the gray archive is black-and-white, said on stderr and in the report.
    assert!(
        stderr.contains("builders.mp4: black-and-white (`gray` pictures have no chroma)"),
        "{stderr}"
    );
    let builders = outcome(&r, "builders.mp4");
    assert_eq!(builders["colour"]["judged"], "bw", "{builders}");
    assert_eq!(builders["colour"]["rendered"], "bw", "{builders}");
    assert_eq!(outcome(&r, "colour.mp4")["colour"]["rendered"], "colour");

    // Each output: the source's shape with its short side at 360 (never upscaled; PAL's 16:15
    // pixels made square; the phone clip upright), its source's rate, H.264 + AAC, the source's
    // full length.
    let expect = [
        (
            "colour.mp4",
            "colour.mp4",
            25,
            Rational::from_integer(2),
            (320, 240),
        ),
        (
            "tape1/amur.mp4",
            "tape1/amur.mkv",
            25,
            Rational::from_integer(8),
            (480, 360),
        ),
        (
            "builders.mp4",
            "builders.mp4",
            18,
            Rational::from_integer(6),
            (480, 360),
        ),
        (
            "phone.mp4",
            "phone.mp4",
            30,
            Rational::from_integer(1),
            (640, 360),
        ),
    ];
    for (rel, input, fps, seconds, size) in expect {
        let path = out.join("mixed").join(rel);
        let facts = crate::common::probe(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let v = facts.video().unwrap();
        assert_eq!((v.width, v.height), size, "{rel}");
        assert_eq!(v.sar.0, Rational::from_integer(1), "{rel}: square pixels");
        assert_eq!(
            v.frame_rate.map(|r| r.0),
            Some(Rational::from_integer(fps)),
            "{rel}"
        );
        let codecs: Vec<&str> = facts.streams.iter().map(|s| s.codec.as_str()).collect();
        assert_eq!(codecs, ["h264", "aac"], "{rel}");
        let frames = pictures(&path).len() as i64;
        let want = (seconds * fps).to_integer();
        assert!(
            (frames - want).abs() <= 1,
            "{rel}: {frames} frames, source {want}"
        );
        let entry = outcome(&r, input);
        assert_eq!(entry["outcome"], "converted", "{rel}");
        assert_eq!(
            entry["facts"]["video"]["frames"].as_i64(),
            Some(frames),
            "{rel}"
        );
    }
    // Black-and-white stays neutral; the rotated clip comes out upright.
    for p in pictures(&out.join("mixed/builders.mp4")) {
        assert!(p.max_chroma_deviation(0, 0, p.width, p.height) <= 1);
    }
    let pics = pictures(&out.join("mixed/phone.mp4"));
    let p = &pics[10];
    let (left, right) = (p.mean_y(0, 0, 300, 360), p.mean_y(340, 0, 300, 360));
    assert!(
        left < 40.0 && right > 200.0,
        "not upright: {left:.0} / {right:.0}"
    );

    // Again: everything is up to date; --force redoes it.
    let (_, again, _) = run(&[], &[&root], &out, &report);
    assert_eq!(
        (again["converted"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(4)),
        "{again}"
    );
    let (_, forced, _) = run(&["--force"], &[&root], &out, &report);
    assert_eq!(forced["converted"].as_u64(), Some(4), "{forced}");
}

#[test]
fn sound_only_profile_writes_exact_wav() {
    let dir = workdir("transcode-audio");
    let src = samples_dir().join("telecine_1948_cast.mp4");
    let out = dir.join("wav");
    let (code, r, stderr) = run(&["--profile", "audio"], &[&src], &out, &dir.join("r.json"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(r["converted"], 1);
    let wav = out.join("telecine_1948_cast.wav");
    let sound = roughcut::media::measure::decode_sound(&wav)
        .unwrap()
        .unwrap();
    assert_eq!((sound.sample_rate, sound.channels), (48000, 2));
    // 6 s of mono 44.1 kHz becomes exactly 6 s at 48 kHz: 288000 samples.
    assert_eq!(sound.len(), 288_000);
    // Dual mono: both channels carry the tone.
    let l = sound.channel(0);
    let r2 = sound.channel(1);
    let rms =
        |x: &[f32]| (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    assert!(
        rms(&l[48000..96000]) > 0.05
            && (rms(&l[48000..96000]) - rms(&r2[48000..96000])).abs() < 1e-4
    );
}

#[test]
fn clashing_outputs_and_unknown_profiles_stop_before_any_work() {
    let dir = workdir("transcode-clash");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    let one = dir.join("a/clip.mp4");
    let two = dir.join("clip.mkv");
    std::fs::copy(samples_dir().join("knam_hd.mp4"), &one).unwrap();
    std::fs::copy(samples_dir().join("amur_2004_pal.mkv"), &two).unwrap();
    let o = roughcut()
        .arg("transcode")
        .args([&one, &two])
        .arg("-o")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("would both write") && err.contains("clip.mp4"),
        "{err}"
    );
    let o = roughcut()
        .args(["transcode", "x", "-o", "y", "--profile", "proxxy"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("proxy, preview, edit, audio"));
    // A profiles file is checked by the EDL's own output rules.
    let profiles = dir.join("p.json");
    std::fs::write(&profiles, r#"{ "profiles": { "tiny": { "container": "mp4", "width": 321, "video": { "crf": 99 } } } }"#).unwrap();
    let o = roughcut()
        .arg("transcode")
        .arg(&one)
        .arg("-o")
        .arg(dir.join("out"))
        .arg("--profiles")
        .arg(&profiles)
        .args(["--profile", "tiny"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/profiles/tiny/width") && err.contains("/profiles/tiny/video/crf"),
        "{err}"
    );
}

#[test]
fn edit_profile_writes_prores_with_pcm() {
    let dir = workdir("transcode-edit");
    let src = samples_dir().join("telecine_1948_cast.mp4");
    let out = dir.join("edit");
    let (code, _, stderr) = run(&["--profile", "edit"], &[&src], &out, &dir.join("r.json"));
    assert_eq!(code, Some(0), "{stderr}");
    let facts = crate::common::probe(&out.join("telecine_1948_cast.mov")).unwrap();
    let v = facts.video().unwrap();
    assert_eq!(
        (v.width, v.height, v.pix_fmt.as_str()),
        (640, 480, "yuv422p10le")
    );
    let codecs: Vec<&str> = facts.streams.iter().map(|s| s.codec.as_str()).collect();
    assert_eq!(codecs, ["prores", "pcm_s16le"]);
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corpus_media_transcode_or_are_reported() {
    let corpus = corpus_dir();
    let dir = workdir("transcode-corpus");
    let media = corpus.join("media");
    let (code, r, stderr) = run(
        &["--jobs", "2"],
        &[&media],
        &dir.join("out"),
        &dir.join("r.json"),
    );
    let entries = r["inputs"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {stderr}"));
    // Every media file is there, with an outcome; failures carry a reason naming the file.
    assert!(entries.len() >= 12, "{r}");
    for e in entries {
        match e["outcome"].as_str().unwrap() {
            "converted" => {
                let out = e["facts"]["video"]["frames"].as_u64().unwrap_or(0);
                assert!(out > 0, "{e}");
            }
            "failed" => assert!(!e["reason"].as_str().unwrap().is_empty(), "{e}"),
            "passed_over" => assert!(
                e["reason"].as_str().unwrap().starts_with("sound only"),
                "{e}"
            ),
            other => panic!("{other}: {e}"),
        }
        eprintln!(
            "corpus transcode {}: {}{}",
            e["input"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap_or(""),
            e["outcome"].as_str().unwrap(),
            e["reason"]
                .as_str()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default()
        );
    }
    let failed = entries.iter().filter(|e| e["outcome"] == "failed").count();
    assert_eq!(code, Some(if failed > 0 { 1 } else { 0 }));
    // A damaged file's failure is said in the user's terms: what failed where, FFmpeg's words.
    let broken = outcome(&r, "invalid-bitstream.webm");
    let reason = broken["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("decode video failed at ")
            && reason.contains("(FFmpeg: ")
            && !reason.contains("event 0"),
        "{reason}"
    );
    // Sound-only files are passed over with the reason, not failures.
    for name in ["sample_audio_only.mp4", "opus-5.1.mka"] {
        assert_eq!(outcome(&r, name)["outcome"], "passed_over", "{r}");
    }
    assert!(stderr.contains("passed over: "), "{stderr}");
    // The night street keeps its colour (it once came out grey): its lights stay coloured.
    let night = outcome(&r, "sowt-with-video.mov");
    assert_ne!(night["colour"]["rendered"], "bw", "{night}");
    let most = pictures(&dir.join("out/media/sowt-with-video.mp4"))
        .iter()
        .map(|p| p.max_chroma_deviation(0, 0, p.width, p.height))
        .max()
        .unwrap_or(0);
    assert!(most > 10, "the proxy's lights have colour: {most}");
    // Chaplin stays black-and-white, exactly neutral.
    assert_eq!(outcome(&r, "chaplin.mp4")["colour"]["rendered"], "bw");
}

#[test]
fn a_rushes_folder_with_sound_files_is_not_a_failure() {
    // A picture clip, a sound-only file (the music bed) and non-media sidecars: the sound file
    // is passed over with its reason, the sidecars skipped quietly, and the run succeeds.
    let dir = workdir("transcode-rushes");
    let root = dir.join("rushes");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(samples_dir().join("knam_hd.mp4"), root.join("A001.mp4")).unwrap();
    std::fs::copy(
        samples_dir().join("music_bed.m4a"),
        root.join("A001_sound.m4a"),
    )
    .unwrap();
    // A photograph from the same card.
    std::fs::copy(
        samples_dir().join("harbour_1957.jpg"),
        root.join("IMG_0001.jpg"),
    )
    .unwrap();
    std::fs::write(root.join(".DS_Store"), b"\x00\x00\x00\x01Bud1").unwrap();
    std::fs::write(root.join("A001.xml"), "<sidecar/>").unwrap();
    let (code, r, stderr) = run(&[], &[&root], &dir.join("out"), &dir.join("r.json"));
    assert_eq!(code, Some(0), "nothing failed: {stderr}");
    assert_eq!(r["failed"].as_u64(), Some(0), "{r}");
    assert_eq!(outcome(&r, "A001.mp4")["outcome"], "converted", "{r}");
    let sound = outcome(&r, "A001_sound.m4a");
    assert_eq!(sound["outcome"], "passed_over", "{r}");
    assert!(
        sound["reason"].as_str().unwrap().starts_with("sound only"),
        "{sound}"
    );
    assert!(stderr.contains("passed over: "), "{stderr}");
    let photo = outcome(&r, "IMG_0001.jpg");
    assert_eq!(photo["outcome"], "passed_over", "{r}");
    assert!(
        photo["reason"]
            .as_str()
            .unwrap()
            .starts_with("a still picture"),
        "{photo}"
    );
    assert!(
        !stderr.contains(".DS_Store") && !stderr.contains("A001.xml"),
        "sidecars are skipped quietly: {stderr}"
    );
    // … and counted: the XML sidecar (hidden files such as `.DS_Store` are not even looked at).
    assert_eq!(r["not_media"].as_u64(), Some(1), "{r}");
    assert!(stderr.contains("; 1 other file is not media"), "{stderr}");
}

/// Every file under `dir` (following no links).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let t = e.file_type().unwrap();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue; // transcode's manifest
        }
        if t.is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn transcode_writes_only_under_its_output_folder_and_reads_only_regular_files() {
    let dir = workdir("transcode-paths");
    let clip = synth(
        "paths_clip.mp4",
        1,
        Some(video(
            "testsrc2=size=160x120:rate=25".into(),
            160,
            120,
            (25, 1),
            (1, 1),
        )),
        None,
    );
    // An input tree with a link to its own parent (a loop), a link to a file outside it, a
    // FIFO, and the output folder inside it.
    let tree = dir.join("rushes");
    std::fs::create_dir_all(tree.join("day1")).unwrap();
    std::fs::copy(&clip, tree.join("day1/a.mp4")).unwrap();
    std::os::unix::fs::symlink(&tree, tree.join("day1/loop")).unwrap();
    std::os::unix::fs::symlink(&clip, tree.join("day1/linked.mp4")).unwrap();
    let fifo = tree.join("day1/pipe.mp4");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = tree.join("proxies");
    let (code, report, err) = run(
        &["--progress", "none"],
        &[&tree],
        &out,
        &dir.join("r1.json"),
    );
    assert_eq!(code, Some(0), "{err}");
    // The two real files (one through its link) and nothing else: no loop, no FIFO.
    let mut made: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    made.sort();
    assert_eq!(
        made,
        ["rushes/day1/a.mp4", "rushes/day1/linked.mp4"],
        "{report}"
    );
    // Run again: the output folder inside the input is not walked into (its proxies are not
    // transcoded into proxies of proxies); both are up to date.
    let (code, report, err) = run(
        &["--progress", "none"],
        &[&tree],
        &out,
        &dir.join("r2.json"),
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(report["inputs"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(files_under(&out).len(), 2);

    // A FIFO or a device given directly: refused by name, nothing blocks or is written.
    for special in [fifo.as_path(), Path::new("/dev/zero")] {
        let o = roughcut()
            .arg("transcode")
            .arg(special)
            .arg("-o")
            .arg(dir.join("special"))
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&special.display().to_string()) && err.contains("regular file"),
            "{err}"
        );
        assert!(!dir.join("special").exists() || files_under(&dir.join("special")).is_empty());
    }
    // An output that would be one of the inputs: refused before any work.
    let flat = dir.join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    std::fs::copy(&clip, flat.join("b.mp4")).unwrap();
    let before = std::fs::read(flat.join("b.mp4")).unwrap();
    let o = roughcut()
        .arg("transcode")
        .arg(flat.join("b.mp4"))
        .arg("-o")
        .arg(&flat)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("would be written over the input"), "{err}");
    assert_eq!(std::fs::read(flat.join("b.mp4")).unwrap(), before);
}

#[test]
fn a_fifo_as_an_edl_source_or_subtitle_is_refused_not_waited_on() {
    let dir = workdir("fifo-source");
    let fifo = dir.join("live.mp4");
    let subs = dir.join("live.srt");
    for f in [&fifo, &subs] {
        assert!(Command::new("mkfifo").arg(f).status().unwrap().success());
    }
    let edl = dir.join("cut.json");
    std::fs::write(
        &edl,
        r#"{ "version": 1, "output": { "path": "out.mp4" }, "sources": { "live": { "path": "live.mp4" } },
           "timeline": [ { "source": "live", "in": 0, "duration": 1 } ],
           "subtitles": [ { "path": "live.srt", "language": "eng" } ] }"#,
    )
    .unwrap();
    let o = roughcut()
        .arg("validate")
        .arg(&edl)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("/sources/live") && err.contains("FIFO"),
        "{err}"
    );
    assert!(
        err.contains("/subtitles/0") && err.contains("FIFO"),
        "{err}"
    );
}
