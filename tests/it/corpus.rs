//! `probe` over the shared real-world corpus: every file probes truthfully or fails with a clear
//! error naming it — no panic, no hang.

use std::time::Duration;

use serde_json::Value;

use crate::common::{corpus_dir, roughcut};

fn probe(path: &std::path::Path) -> (Option<i32>, Value, String) {
    let out = roughcut()
        .arg("probe")
        .arg(path)
        .arg("--json")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run probe");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn streams<'a>(facts: &'a Value, kind: &str) -> Vec<&'a Value> {
    facts[0]["streams"]
        .as_array()
        .map(|a| a.iter().filter(|s| s["kind"] == kind).collect())
        .unwrap_or_default()
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn every_corpus_file_probes_or_fails_clearly() {
    let dir = corpus_dir();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("media"))
        .expect("corpus media")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("LICENSE"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for f in &files {
        let (code, json, stderr) = probe(f);
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match code {
            Some(0) => assert!(json[0]["streams"].is_array(), "{name}: {json}"),
            Some(3) => {
                assert!(
                    stderr.contains(&name),
                    "{name}: error does not name the file: {stderr}"
                );
                assert!(json[0]["error"].is_string(), "{name}: {json}");
            }
            other => panic!("{name}: exit {other:?}: {stderr}"),
        }
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corpus_facts_are_true() {
    let dir = corpus_dir();
    let media = dir.join("media");

    // NTSC DV: interlaced bottom field first by its frames, SAR 8:9, 4:1:1, two 32 kHz pairs.
    let (code, dv, _) = probe(&media.join("sony_good_quality.dv"));
    assert_eq!(code, Some(0));
    let v = &streams(&dv, "video")[0]["video"];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(720), Some(480))
    );
    assert_eq!(v["sar"], "8/9");
    assert_eq!(v["pix_fmt"], "yuv411p");
    assert_eq!(v["frame_rate"], "30000/1001");
    assert_eq!(v["frames_interlaced"], true);
    assert_eq!(v["top_field_first"], false);
    let audio = streams(&dv, "audio");
    assert_eq!(audio.len(), 2);
    for a in audio {
        assert_eq!(a["audio"]["sample_rate"], 32000);
        assert_eq!(a["audio"]["channels"], 2);
    }

    // Anamorphic: SAR 64:45 gives a 16:9 picture.
    let (_, bbb, _) = probe(&media.join("bbb_800x640_768kbps_30fps_avc_non_reference_3b.mp4"));
    let v = &streams(&bbb, "video")[0]["video"];
    assert_eq!(v["sar"], "64/45");
    assert_eq!(v["dar"], "16/9");
    assert!(streams(&bbb, "audio").is_empty());

    // Rotation and mirror from the display matrix.
    let (_, rot, _) = probe(&media.join("sample_rotate_and_reflect.mp4"));
    let v = &streams(&rot, "video")[0]["video"];
    assert_ne!(v["rotation"], 0);
    assert_eq!(v["mirrored"], true);

    // Full-range phone video.
    let (_, short, _) = probe(&media.join("sample_shorter_audio.mp4"));
    let v = &streams(&short, "video")[0]["video"];
    assert_eq!(v["color_range"], "pc");

    // Audio only, 5.1 Opus.
    let (_, opus, _) = probe(&media.join("opus-5.1.mka"));
    assert!(streams(&opus, "video").is_empty());
    assert_eq!(streams(&opus, "audio")[0]["audio"]["channels"], 6);

    // Truncated without a moov box: cannot be opened, and the error says which file.
    let (code, _, stderr) = probe(&media.join("portrait_4k60_truncated_no_moov.mp4"));
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("portrait_4k60_truncated_no_moov.mp4"),
        "{stderr}"
    );
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn a_transposed_display_matrix_is_shown_as_a_transpose() {
    // sample_rotate_and_reflect.mp4 carries the display matrix [0 1; 1 0]: a quarter turn and a
    // mirror, shown by FFmpeg with transpose=cclock_flip (not hflip,transpose=clock: that is the
    // same picture turned 180°).
    let path = corpus_dir().join("media/sample_rotate_and_reflect.mp4");
    let (code, facts, stderr) = probe(&path);
    assert_eq!(code, Some(0), "{stderr}");
    let v = &streams(&facts, "video")[0]["video"];
    assert_eq!(
        v["orientation"],
        serde_json::json!({ "a": 0, "b": 1, "c": 1, "d": 0 }),
        "{v}"
    );
    let dir = crate::common::workdir("corpus-transpose");
    let edl = dir.join("t.json");
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "t.mp4" }}, "sources": {{ "s": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "s", "in": 0, "duration": "2f" }} ] }}"#,
            path.display()
        ),
    )
    .unwrap();
    let out = roughcut()
        .args(["render", "--dry-run", "--json"])
        .arg(&edl)
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan");
    let filter = plan["segments"][0]["picture"]["filter"]
        .as_str()
        .unwrap_or("");
    assert!(filter.contains("transpose=cclock_flip"), "{filter}");
    assert!(!filter.contains("hflip"), "{filter}");
}
