//! The built CLI: samples, probe, validate, schema, usage errors.

use std::path::Path;

use serde_json::Value;

use crate::common::{roughcut, samples_dir};

fn probe_json(files: &[&Path]) -> Vec<Value> {
    let out = roughcut()
        .arg("probe")
        .args(files)
        .arg("--json")
        .output()
        .expect("run probe");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("probe prints JSON");
    v.as_array().cloned().expect("an array")
}

fn first_video(facts: &Value) -> &Value {
    facts["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["kind"] == "video"))
        .map(|s| &s["video"])
        .expect("a video stream")
}

#[test]
fn probe_reports_what_each_sample_was_made_with() {
    let dir = samples_dir();
    for s in roughcut::samples::SAMPLES {
        let facts = probe_json(&[&dir.join(s.file)]);
        let f = &facts[0];
        let v = first_video(f);
        assert_eq!(v["width"], s.width, "{}", s.file);
        assert_eq!(v["height"], s.height, "{}", s.file);
        assert_eq!(v["pix_fmt"], s.pix_fmt, "{}", s.file);
        let rate = if s.rate.1 == 1 {
            s.rate.0.to_string()
        } else {
            format!("{}/{}", s.rate.0, s.rate.1)
        };
        assert_eq!(v["frame_rate"], rate.as_str(), "{}", s.file);
        assert_eq!(v["variable_frame_rate"], false, "{}", s.file);
        let sar = if s.sar == (1, 1) {
            "1".to_string()
        } else {
            format!("{}/{}", s.sar.0, s.sar.1)
        };
        assert_eq!(v["sar"], sar.as_str(), "{}", s.file);
        match s.top_field_first {
            Some(tff) => {
                assert_eq!(
                    v["field_order"],
                    if tff { "tt" } else { "bb" },
                    "{}",
                    s.file
                );
                assert_eq!(v["frames_interlaced"], true, "{}", s.file);
                assert_eq!(v["top_field_first"], tff, "{}", s.file);
            }
            None => {
                assert_eq!(v["field_order"], "progressive", "{}", s.file);
                assert_eq!(v["frames_interlaced"], false, "{}", s.file);
            }
        }
        assert_eq!(f["duration"], s.seconds.to_string().as_str(), "{}", s.file);
        let audio: Vec<&Value> = f["streams"]
            .as_array()
            .map(|a| a.iter().filter(|s| s["kind"] == "audio").collect())
            .unwrap_or_default();
        match s.audio {
            Some((rate, channels)) => {
                assert_eq!(audio.len(), 1, "{}", s.file);
                assert_eq!(audio[0]["audio"]["sample_rate"], rate, "{}", s.file);
                assert_eq!(audio[0]["audio"]["channels"], channels, "{}", s.file);
            }
            None => assert!(audio.is_empty(), "{}", s.file),
        }
    }
    // The gray archival clip is full range; the HD clip is tagged BT.709.
    let gray = &probe_json(&[&dir.join("builders_1932_gray.mp4")])[0];
    assert_eq!(first_video(gray)["color_range"], "pc");
    let hd = &probe_json(&[&dir.join("knam_hd.mp4")])[0];
    assert_eq!(first_video(hd)["color_matrix"], "bt709");
    assert_eq!(hd["streams"][1]["audio"]["layout"], "5.1");
}

#[test]
fn samples_command_writes_the_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = roughcut()
        .arg("samples")
        .arg(dir.path())
        .output()
        .expect("run samples");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut total = 0;
    for s in roughcut::samples::SAMPLES {
        let len = std::fs::metadata(dir.path().join(s.file))
            .expect(s.file)
            .len();
        assert!(len > 10_000, "{} is only {len} bytes", s.file);
        total += len;
    }
    assert!(
        total < 8_000_000,
        "the sample set should stay small: {total} bytes"
    );
    for (name, written) in roughcut::samples::SUBTITLES {
        let path = dir.path().join(name);
        let text = std::fs::read_to_string(&path).expect(name);
        assert_eq!(&text, written, "{name}");
        let parsed = roughcut::subs::load(&path, None).expect(name);
        assert_eq!(parsed.cues.len(), text.matches(" --> ").count(), "{name}");
        assert!(parsed.warnings.is_empty(), "{name}");
    }
    // The sound-only music bed: 20 s of stereo.
    let music = crate::common::probe(&dir.path().join(roughcut::samples::MUSIC_BED))
        .expect("probe the music bed");
    assert!(music.video().is_none());
    assert_eq!(music.audio_streams().next().map(|a| a.channels), Some(2));
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn validate_example_edl_passes() {
    let dir = samples_dir();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .expect("example EDL")
    .replace("media/", "");
    let edl = dir.join("komsomolsk.json");
    std::fs::write(&edl, text).expect("write EDL");
    let out = roughcut()
        .arg("validate")
        .arg(&edl)
        .output()
        .expect("run validate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("valid — 11 events, 7 sources"), "{stderr}");
    assert!(stderr.contains("712 frames at 25 fps"), "{stderr}");
    assert!(out.stdout.is_empty(), "text mode writes nothing to stdout");
}

#[test]
fn validate_broken_edl_reports_all_problems_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edl = dir.path().join("broken.json");
    std::fs::write(
        &edl,
        r#"{ "version": 1, "output": { "width": 3 }, "sources": { "a": { "path": "missing.mkv" } },
            "timeline": [ { "source": "b", "in": 0, "out": 1, "nmae": "x" } ] }"#,
    )
    .expect("write EDL");
    let out = roughcut()
        .args(["validate", "--format", "json"])
        .arg(&edl)
        .output()
        .expect("run validate");
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let pointers: Vec<&str> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|d| d["pointer"].as_str().expect("pointer"))
        .collect();
    assert_eq!(
        pointers,
        [
            "/output/width",
            "/sources/a/path",
            "/timeline/0/nmae",
            "/timeline/0/source"
        ]
    );
    assert!(v[2]["message"]
        .as_str()
        .is_some_and(|m| m.contains("did you mean `name`?")));
    assert_eq!(v[0]["severity"], "error");

    // Text mode: the same problems on stderr, one line each, with the file and pointer.
    let out = roughcut()
        .arg("validate")
        .arg(&edl)
        .output()
        .expect("run validate");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error at /timeline/0/source: unknown source `b`"),
        "{stderr}"
    );
    assert!(stderr.contains("invalid — 4 error(s)"), "{stderr}");
}

#[test]
fn syntax_error_names_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edl = dir.path().join("syntax.json");
    std::fs::write(&edl, "{\n  \"version\": 1,\n  \"timeline\": [,]\n}").expect("write");
    let out = roughcut().arg("validate").arg(&edl).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("syntax.json:3:16: error: JSON syntax error"),
        "{stderr}"
    );
}

#[test]
fn urls_protocols_and_playlists_are_refused_without_network() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Probing a URL or protocol path fails at once, naming the problem; nothing is fetched
    // (port 9 on loopback is the discard port: a connection attempt would hang or be refused
    // with a different message).
    for url in [
        "http://127.0.0.1:9/a.mp4",
        "concat:a.mp4|b.mp4",
        "subfile,,start,0,end,1,,:x.mp4",
    ] {
        let out = roughcut().args(["probe", url]).output().expect("run");
        assert_eq!(out.status.code(), Some(3), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not found") || stderr.contains("only local files"),
            "{url}: {stderr}"
        );
    }
    // Playlists and concat lists that would open other files are refused.
    let target = samples_dir().join("knam_hd.mp4");
    let m3u8 = dir.path().join("list.m3u8");
    std::fs::write(
        &m3u8,
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{}\n#EXT-X-ENDLIST\n",
            target.display()
        ),
    )
    .expect("write playlist");
    let ffconcat = dir.path().join("list.ffconcat");
    std::fs::write(
        &ffconcat,
        format!("ffconcat version 1.0\nfile '{}'\n", target.display()),
    )
    .expect("write concat list");
    for list in [&m3u8, &ffconcat] {
        let out = roughcut().arg("probe").arg(list).output().expect("run");
        assert_eq!(out.status.code(), Some(3), "{}", list.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&list.display().to_string()), "{stderr}");
    }
    // In an EDL, the same paths are validation errors naming the source id.
    let edl = dir.path().join("remote.json");
    std::fs::write(
        &edl,
        r#"{ "version": 1, "sources": { "web": { "path": "https://example.com/a.mp4" } },
            "timeline": [ { "source": "web", "in": 0, "out": 1 } ] }"#,
    )
    .expect("write EDL");
    let out = roughcut().arg("validate").arg(&edl).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/sources/web/path"), "{stderr}");
    assert!(stderr.contains("only reads local files"), "{stderr}");
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    let out = roughcut().arg("validate").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = roughcut().arg("frobnicate").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    for cmd in ["validate", "probe", "samples", "schema"] {
        let out = roughcut().args([cmd, "--help"]).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{cmd}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Examples:"), "{cmd} --help has no examples");
    }
}

#[test]
fn published_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/edl.schema.json");
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/edl.schema.json"))
            .expect("valid JSON");
    assert!(
        checked_in == roughcut::edl::raw::schema(),
        "docs/edl.schema.json is stale: run `cargo run -- schema > docs/edl.schema.json`"
    );
    // And the CLI prints the same schema.
    let out = roughcut().arg("schema").output().expect("run");
    let printed: Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    assert!(
        printed == checked_in,
        "`roughcut schema` differs from docs/edl.schema.json"
    );
}

#[test]
fn file_names_with_commas_are_local_files() {
    // `take1,final.mkv` is a file name, not an FFmpeg protocol with options.
    let dir = tempfile::tempdir().expect("tempdir");
    let name = dir.path().join("take1,final.mkv");
    std::fs::copy(samples_dir().join("amur_2004_pal.mkv"), &name).expect("copy");
    let facts = probe_json(&[&name]);
    assert_eq!(first_video(&facts[0])["width"], 720);
}

#[test]
fn the_docs_list_exactly_the_progress_events_a_render_emits() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md"),
    )
    .unwrap();
    // The rows of the `--progress json` table: lines starting with "| `name` | ".
    let start = doc
        .find("| `type` | when | other fields |")
        .expect("the events table");
    let listed: Vec<String> = doc[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1).map(String::from))
        .collect();
    assert_eq!(listed, roughcut::render::ProgressEvent::TYPES);
}

#[test]
fn plain_progress_speaks_plainly() {
    let dir = crate::common::workdir("plain-progress");
    let edl = dir.join("g.json");
    std::fs::write(
        &edl,
        r#"{ "version": 1, "output": { "path": "g.mp4", "width": 160, "height": 120 },
             "sources": {}, "timeline": [ { "gap": 1 } ] }"#,
    )
    .unwrap();
    let out = roughcut()
        .args(["render", "--no-cache", "--progress", "plain", "--jobs", "1"])
        .arg(&edl)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("rendering 25 frames in 1 segment on 1 worker\n"),
        "{text}"
    );
    assert!(text.contains("joining segments"), "{text}");
}

#[test]
fn import_reads_a_russian_list_written_in_windows_1251() {
    let dir = crate::common::workdir("import-1251");
    let media = dir.join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::copy(
        samples_dir().join("amur_2004_pal.mkv"),
        media.join("AMUR.mkv"),
    )
    .unwrap();
    let list = "TITLE: Комсомольск\r\nFCM: NON-DROP FRAME\r\n001  AMUR     V     C        00:00:01:00 00:00:03:00 01:00:00:00 01:00:02:00\r\n* FROM CLIP NAME:  Набережная Комсомольска\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(list);
    let path = dir.join("cut.edl");
    std::fs::write(&path, &bytes).unwrap();
    let out = dir.join("cut.json");
    let run = roughcut()
        .arg("import")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "25", "--media"])
        .arg(&media)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("read as windows-1251 (a guess"), "{err}");
    let edl: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(edl["title"], "Комсомольск");
    assert_eq!(edl["timeline"][0]["name"], "Набережная Комсомольска");
    assert_eq!(edl["timeline"][0]["in"], "25f");
    // Said outright, no guess; a name that is no encoding is a usage error.
    let said = roughcut()
        .arg("import")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "25", "--encoding", "windows-1251", "--media"])
        .arg(&media)
        .output()
        .unwrap();
    assert_eq!(said.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&said.stderr).contains("a guess"));
    let bad = roughcut()
        .arg("import")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "25", "--encoding", "klingon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
