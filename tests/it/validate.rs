//! One test per validation rule: the pointer is asserted and the whole report is snapshotted.

use std::path::Path;

use roughcut::edl::{self, Diagnostic, LoadError};

use crate::common::samples_dir;

/// Sources over the generated samples, spliced into each test's EDL.
const SOURCES: &str = r#""amur": { "path": "amur_2004_pal.mkv" },
    "builders": { "path": "builders_1932_gray.mp4", "colour": "bw" },
    "knam": { "path": "knam_hd.mp4" }"#;

fn edl_with(timeline: &str) -> String {
    format!(r#"{{ "version": 1, "sources": {{ {SOURCES} }}, "timeline": [ {timeline} ] }}"#)
}

/// Validate `text` as an EDL living in the samples folder; return its diagnostics.
fn check(text: &str) -> Vec<Diagnostic> {
    let dir = samples_dir();
    match crate::common::load_str(text, &dir.join("cut.json")) {
        Ok(loaded) => loaded.warnings,
        Err(LoadError::Invalid { diagnostics, .. }) => diagnostics,
        Err(e) => panic!("unexpected: {e}"),
    }
}

/// Diagnostics as text for snapshots, with the temporary folder replaced.
fn report(diags: &[Diagnostic]) -> String {
    let dir = samples_dir().display().to_string();
    diags
        .iter()
        .map(|d| d.render("cut.json").replace(&dir, "<samples>"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors_at(diags: &[Diagnostic]) -> Vec<&str> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.pointer.as_str())
        .collect()
}

#[test]
fn example_edl_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json");
    let text = std::fs::read_to_string(&path).expect("example EDL");
    // Validate it against the generated samples (its media/ folder may not exist here).
    let text = text.replace("media/", "");
    let loaded = crate::common::load_str(&text, &samples_dir().join("example.json"))
        .unwrap_or_else(|e| match e {
            LoadError::Invalid { diagnostics, .. } => panic!("{}", report(&diagnostics)),
            other => panic!("{other}"),
        });
    // The one warning says what `auto` decided: the telecine transfer (a faint cast) is
    // black-and-white, with the fix if it were not.
    assert_eq!(loaded.warnings.len(), 1, "{}", report(&loaded.warnings));
    let w = &loaded.warnings[0];
    assert_eq!(w.pointer, "/sources/telecine/colour");
    assert!(
        w.message.starts_with("telecine: black-and-white (")
            && w.message.contains("\"colour\": \"colour\""),
        "{}",
        w.message
    );
    let e = loaded.edl;
    assert_eq!(e.timeline.len(), 11);
    // 2 s of 18 fps timecode at half speed (100 frames), held 1.5 s (37.5 → 38), 4 s, 3 s,
    // 12f, the 4 s still, 3 s, the 4 s interview, 2.5 s (62.5 → 63), a 1 s caption and 1 s +
    // 24 frames; minus the 1 s dissolve.
    let frames: Vec<i64> = e.timeline.iter().map(|ev| ev.frames).collect();
    assert_eq!(frames, vec![100, 38, 100, 75, 12, 100, 75, 100, 63, 25, 49]);
    assert_eq!(e.program_frames(), 737 - 25);
    let clip = |k: usize| match &e.timeline[k].kind {
        edl::EventKind::Clip(c) => c,
        _ => panic!("event {k} is a clip"),
    };
    assert_eq!(clip(0).speed, roughcut::time::Rational::new(1, 2));
    assert!(clip(1).frozen());
    assert!(clip(5).motion.is_some(), "the photograph moves");
    // The interview leads its picture by 12 frames and runs on 1 s after it; a cutaway of
    // 1.6 s lies over it from 20:10; three markers.
    let vera = clip(7);
    assert_eq!((vera.audio.lead, vera.audio.tail), (23040, 48000));
    assert_eq!(e.cutaways.len(), 1);
    assert_eq!((e.cutaways[0].start, e.cutaways[0].frames), (510, 40));
    assert_eq!(e.markers.len(), 3);
    assert_eq!((e.output.width, e.output.height), (1280, 720));
    assert_eq!(e.output.audio.bitrate, 160_000);
}

#[test]
fn syntax_error_has_line_and_column() {
    let d = check(
        "{\n  \"version\": 1,\n  \"sources\": { \"a\": { \"path\": \"x\" } \n  \"timeline\": []\n}",
    );
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), (Some(4), Some(3)));
    insta::assert_snapshot!(report(&d));
}

#[test]
fn loudness_may_be_a_bare_target() {
    let dir = samples_dir();
    let text = |l: &str| {
        format!(
            r#"{{ "version": 1, "output": {{ "audio": {{ "loudness": {l} }} }}, "sources": {{}}, "timeline": [ {{ "gap": 1 }} ] }}"#
        )
    };
    let loaded = crate::common::load_str(&text("-23"), &dir.join("cut.json")).expect("valid");
    let l = loaded.edl.output.audio.loudness.expect("a target");
    assert_eq!((l.target, l.true_peak), (-23.0, -1.0));
    let full = crate::common::load_str(
        &text(r#"{ "target": -16, "true_peak": -2 }"#),
        &dir.join("cut.json"),
    )
    .expect("valid");
    let l = full.edl.output.audio.loudness.expect("a target");
    assert_eq!((l.target, l.true_peak), (-16.0, -2.0));
    let d = check(&text("-100"));
    assert_eq!(errors_at(&d), ["/output/audio/loudness"], "{d:?}");
}

#[test]
fn a_misspelt_source_is_one_error() {
    // `Amur` for `amur`, with frame-counted times: the unknown source is the one root cause.
    let d = check(
        r#"{ "version": 1, "sources": { "amur": { "path": "amur_2004_pal.mkv" } },
             "timeline": [ { "source": "Amur", "in": "10f", "out": "20f" } ] }"#,
    );
    assert_eq!(errors_at(&d), ["/timeline/0/source"], "{d:?}");
    assert!(
        d[0].message.contains("did you mean `amur`"),
        "{}",
        d[0].message
    );
}

#[test]
fn comments_are_named_as_comments() {
    for text in [
        "{\n  \"version\": 1,\n  // the first cut\n  \"sources\": {}, \"timeline\": []\n}",
        "{ \"version\": 1, /* v1 */ \"sources\": {}, \"timeline\": [] }",
    ] {
        let d = check(text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.starts_with("comments are not allowed in JSON"),
            "{}",
            d[0].message
        );
        assert!(d[0].line.is_some() && d[0].column.is_some());
    }
}

#[test]
fn wrong_type() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "width": "wide" }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ] }}"#
    ));
    assert_eq!(errors_at(&d), ["/output/width"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unknown_field_suggests_the_close_one() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 1, "durtion": "2s" }"#,
    ));
    assert!(errors_at(&d).contains(&"/timeline/0/durtion"));
    assert!(report(&d).contains("did you mean `duration`?"));
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unknown_field_lists_known_fields() {
    let d = check(&edl_with(r#"{ "gap": "1s", "colour": "red" }"#));
    assert_eq!(errors_at(&d), ["/timeline/0/colour"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unknown_enum_value() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "out": 1, "look": "sepiia" }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/look"]);
    assert!(report(&d).contains("did you mean `sepia`?"));
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unknown_source_lists_known_ones() {
    let d = check(&edl_with(r#"{ "source": "amr", "in": 0, "out": 1 }"#));
    assert_eq!(errors_at(&d), ["/timeline/0/source"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn out_not_after_in() {
    let d = check(&edl_with(r#"{ "source": "amur", "in": 3, "out": "3s" }"#));
    assert_eq!(errors_at(&d), ["/timeline/0/out"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn negative_time() {
    let d = check(&edl_with(r#"{ "source": "amur", "in": -1, "out": 2 }"#));
    assert_eq!(errors_at(&d), ["/timeline/0/in"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn both_out_and_duration() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "out": 2, "duration": "2s" }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn neither_out_nor_duration() {
    let d = check(&edl_with(r#"{ "source": "amur", "in": 0 }"#));
    assert_eq!(errors_at(&d), ["/timeline/0"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn beyond_the_source() {
    // amur is 8 s long; knam is 4 s.
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 7, "out": "00:00:09:00" }, { "source": "knam", "in": "4s", "duration": "1s" }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/out", "/timeline/1/in"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn missing_file() {
    let d = check(
        r#"{ "version": 1, "sources": { "lost": { "path": "media/lost.mov" } }, "timeline": [ { "source": "lost", "in": 0, "out": 1 }, { "source": "lost", "in": "00:00:01:00", "out": "00:00:02:00" } ] }"#,
    );
    // One root cause, one error: the timecodes of the second clip are not also reported as
    // counting frames of an unknown rate.
    assert_eq!(errors_at(&d), ["/sources/lost/path"]);
    assert!(report(&d).contains("file not found"));
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unreadable_media() {
    // A subtitle file is not media FFmpeg can cut.
    let d = check(
        r#"{ "version": 1, "sources": { "text": { "path": "ru.srt" } }, "timeline": [ { "source": "text", "in": 0, "out": 1 } ] }"#,
    );
    assert_eq!(errors_at(&d), ["/sources/text/path"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn source_without_video() {
    crate::common::shared_clip("tone_only.wav", |path| roughcut::media::synth::SynthClip {
        path,
        duration: edl::Rational::from_integer(1),
        video: None,
        audio: vec![roughcut::media::synth::SynthAudio {
            source: "sine=frequency=440:sample_rate=48000".into(),
            encoder: "pcm_s16le".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 0,
        }],
        metadata: vec![],
    });
    let d = check(
        r#"{ "version": 1, "sources": { "tone": { "path": "tone_only.wav" } }, "timeline": [ { "source": "tone", "in": 0, "out": 1 } ] }"#,
    );
    assert_eq!(errors_at(&d), ["/timeline/0/source"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn odd_and_zero_dimensions() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "width": 1279, "height": 0 }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ] }}"#
    ));
    assert_eq!(errors_at(&d), ["/output/height", "/output/width"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn unknown_codecs() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "video": {{ "codec": "h265" }}, "audio": {{ "codec": "mp3" }} }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ] }}"#
    ));
    assert_eq!(
        errors_at(&d),
        ["/output/audio/codec", "/output/video/codec"]
    );
    insta::assert_snapshot!(report(&d));
}

#[test]
fn drop_frame_on_a_non_drop_rate() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": "00:00:01;00", "out": 3 }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/in"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn drop_frame_at_29_97_output() {
    // Program times count at the output rate: 00:01:00;02 at 30000/1001 is frame 1800.
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "fps": "29.97" }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "00:01:00;02" }}, {{ "gap": "00:01:00;00" }} ] }}"#
    ));
    assert_eq!(errors_at(&d), ["/timeline/1/gap"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn timecode_fields_out_of_range() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": "00:00:61:00", "out": 3 }, { "source": "amur", "in": "00:00:01:25", "out": 3 }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/in", "/timeline/1/in"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn transition_on_first_event() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "out": 2, "transition": { "type": "dissolve", "duration": "0.5s" } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/transition"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn transition_longer_than_a_neighbour() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "out": 1 }, { "source": "knam", "in": 0, "out": 3, "transition": { "type": "dissolve", "duration": "2s" } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/1/transition/duration"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn output_path_is_a_source() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "path": "./knam_hd.mp4" }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ] }}"#
    ));
    assert_eq!(errors_at(&d), ["/output/path"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn output_path_is_a_subtitle() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "path": "en.srt" }}, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ], "subtitles": [ {{ "path": "en.srt" }} ] }}"#
    ));
    // `.srt` is not an output container either: both problems are reported.
    assert_eq!(errors_at(&d), ["/output/path", "/output/path"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn urls_and_protocols_are_refused() {
    let d = check(
        r#"{ "version": 1, "sources": {
            "web": { "path": "http://127.0.0.1:9/a.mp4" },
            "cat": { "path": "concat:a.mp4|b.mp4" },
            "sub": { "path": "subfile,,start,0,end,10,,:a.mp4" },
            "data": { "path": "data:video/mp4;base64,AAAA" }
        }, "timeline": [ { "source": "web", "in": 0, "out": 1 } ] }"#,
    );
    assert_eq!(
        errors_at(&d),
        [
            "/sources/cat/path",
            "/sources/data/path",
            "/sources/sub/path",
            "/sources/web/path"
        ]
    );
    insta::assert_snapshot!(report(&d));
}

#[test]
fn bad_version_and_subtitles() {
    let d = check(&format!(
        r#"{{ "version": 2, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": "1s" }} ],
           "subtitles": [ {{ "path": "ru.srt", "language": "ru" }}, {{ "path": "en.txt" }}, {{ "path": "en.srt", "burn_in": true }}, {{ "path": "ru.srt", "burn_in": true }} ] }}"#
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/subtitles/0/language",
            "/subtitles/1/path",
            "/subtitles/3/burn_in",
            "/version"
        ]
    );
    insta::assert_snapshot!(report(&d));
}

#[test]
fn every_problem_is_reported_at_once() {
    let d = check(&format!(
        r#"{{ "version": 1, "output": {{ "width": 641, "fps": "abc", "audio": {{ "chanels": 2 }} }},
           "sources": {{ {SOURCES}, "web": {{ "path": "https://example.com/x.mp4" }} }},
           "timeline": [
             {{ "source": "amur", "in": 2, "out": 1 }},
             {{ "source": "amr", "in": 0, "out": 1 }},
             "not an event",
             {{ "source": "knam", "in": "-2s", "out": 1 }},
             {{ "title": {{ "text": "", "duration": "2s" }} }}
           ] }}"#
    ));
    let at = errors_at(&d);
    for p in [
        "/output/audio/chanels",
        "/output/fps",
        "/output/width",
        "/sources/web/path",
        "/timeline/1/source",
        "/timeline/2",
        "/timeline/3/in",
        "/timeline/4/title/text",
    ] {
        assert!(at.contains(&p), "{p} missing from {at:?}");
    }
    // The checks the bad frame rate hides are named, not left to appear after the fix.
    assert!(report(&d).contains("until it is fixed, lengths and transitions on the timeline"));
    insta::assert_snapshot!(report(&d));
}

#[test]
fn no_probe_still_checks_files_exist() {
    let dir = samples_dir();
    let text = r#"{ "version": 1, "sources": { "a": { "path": "amur_2004_pal.mkv" }, "b": { "path": "nope.mkv" } }, "timeline": [ { "source": "a", "in": "10f", "out": "20f" } ] }"#;
    let setup = roughcut::gather::Setup {
        probing: roughcut::gather::Probing::PresenceOnly,
        threads: 1,
        facts_cache: None,
    };
    let err = roughcut::gather::check_str(text, &dir.join("cut.json"), &Default::default(), &setup)
        .into_loaded(&dir.join("cut.json"));
    let Err(LoadError::Invalid { diagnostics, .. }) = err else {
        panic!("expected the missing file to be reported")
    };
    assert_eq!(errors_at(&diagnostics), ["/sources/b/path"]);
}

#[test]
fn duplicate_keys_are_reported() {
    let d = check(
        r#"{ "version": 1, "sources": { "a": { "path": "amur_2004_pal.mkv" }, "a": { "path": "knam_hd.mp4" } },
            "timeline": [ { "source": "a", "in": 0, "out": 1, "out": 2 } ] }"#,
    );
    assert_eq!(errors_at(&d), ["/sources/a", "/timeline/0/out"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn event_of_no_known_shape() {
    let d = check(&edl_with(r#"{ "foo": 1 }, { "source": "amur", "out": 1 }"#));
    assert_eq!(errors_at(&d), ["/timeline/0", "/timeline/1"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn transparent_title_needs_source_to_carry_on() {
    let d = check(&edl_with(
        r#"{ "source": "knam", "in": 0, "out": 3.5 }, { "title": { "text": "x", "duration": "1s", "background": "transparent" } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/1/title/background"]);
    let d = check(&edl_with(
        r#"{ "title": { "text": "x", "duration": "1s", "background": "transparent" } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/title/background"]);
    insta::assert_snapshot!(report(&d));
}

#[test]
fn sound_settings_and_beds_are_checked() {
    let d = check(&format!(
        r#"{{ "version": 1,
        "output": {{ "audio": {{ "join_fade": 2, "loudness": {{ "target": -3, "true_peak": 1 }} }} }},
        "sources": {{ {SOURCES}, "music": {{ "path": "music_bed.m4a" }} }},
        "timeline": [
          {{ "source": "amur", "in": 0, "out": 2, "audio": {{ "gain_db": 30, "fade_in": 3, "stream": 1 }} }},
          {{ "source": "music", "in": 0, "out": 2 }}
        ],
        "audio_tracks": [
          {{ "source": "musik", "at": 0 }},
          {{ "source": "music", "in": "10f", "duck": {{ "db": -6 }} }},
          {{ "source": "music", "in": 30, "out": 40 }},
          {{ "source": "builders" }}
        ] }}"#
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/audio_tracks/0/source",
            "/audio_tracks/1/duck/db",
            "/audio_tracks/1/in",
            "/audio_tracks/2/in",
            "/audio_tracks/3/source",
            "/output/audio/join_fade",
            "/output/audio/loudness/target",
            "/output/audio/loudness/true_peak",
            "/timeline/0/audio/fade_in",
            "/timeline/0/audio/gain_db",
            "/timeline/0/audio/stream",
            "/timeline/1/source",
        ]
    );
    insta::assert_snapshot!(report(&d));
}

#[test]
fn a_valid_bed_passes() {
    let d = check(&format!(
        r#"{{ "version": 1, "sources": {{ {SOURCES}, "music": {{ "path": "music_bed.m4a" }} }},
        "timeline": [ {{ "source": "amur", "in": 0, "out": 2, "audio": {{ "mute": true }} }} ],
        "audio_tracks": [ {{ "source": "music", "at": "10f", "in": 1.5, "duration": "1s", "gain_db": -6,
          "fade_in": 0.5, "fade_out": 0.5, "duck": {{ "db": 9, "ramp": "0.2s" }} }} ] }}"#
    ));
    assert!(errors_at(&d).is_empty(), "{}", report(&d));
}

#[test]
fn a_bad_source_rate_hides_nothing_else() {
    // The case a user met: a bad source `fps` and, behind it, a transition on the first event
    // and a dissolve longer than its clip. All three in one pass.
    let d = check(
        r#"{ "version": 1,
           "sources": { "amur": { "path": "amur_2004_pal.mkv", "fps": "abc" }, "knam": { "path": "knam_hd.mp4" } },
           "timeline": [
             { "source": "knam", "in": 0, "out": 2, "transition": { "type": "dissolve", "duration": "5f" } },
             { "source": "amur", "in": "00:00:01:00", "out": "00:00:02:00" },
             { "source": "knam", "in": 0, "duration": "4f", "transition": { "type": "dissolve", "duration": "25f" } }
           ] }"#,
    );
    assert_eq!(
        errors_at(&d),
        [
            "/sources/amur/fps",
            "/timeline/0/transition",
            "/timeline/2/transition/duration"
        ]
    );
}

#[test]
fn markers_must_lie_inside_the_program_and_be_named() {
    // Two clips of 2 s at 25 fps: a 100-frame program.
    let clips = r#"{ "source": "amur", "in": 0, "duration": "2s" }, { "source": "knam", "in": 0, "duration": "2s" }"#;
    let with = |markers: &str| {
        format!(
            r#"{{ "version": 1, "sources": {{ {SOURCES} }}, "timeline": [ {clips} ], "markers": [ {markers} ] }}"#
        )
    };
    let d = check(&with(
        r#"{ "at": "4s", "name": "late" },
           { "at": 1, "name": "  " },
           { "at": "90f", "name": "long", "duration": "20f" },
           { "at": 0, "name": "x", "colour": "rde" },
           { "at": 0, "name": "y", "duration": 0 }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/markers/0/at",
            "/markers/1/name",
            "/markers/2/duration",
            "/markers/3/colour",
            "/markers/4/duration"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    assert!(
        text.contains("outside the program (00:00:00:00 to 00:00:04:00, 100 frames)"),
        "{text}"
    );
    assert!(text.contains("ends at 00:00:04:10 (frame 110)"), "{text}");
    assert!(
        text.contains("`rde` is not allowed here; use one of: red, pink,"),
        "{text}"
    );
    // The last frame is inside; the program's end is not.
    let ok = check(&with(r#"{ "at": "99f", "name": "last" }"#));
    assert!(errors_at(&ok).is_empty(), "{}", report(&ok));
    let end = check(&with(r#"{ "at": "100f", "name": "end" }"#));
    assert_eq!(errors_at(&end), ["/markers/0/at"]);
}

/// Every EDL written before tracks, split edits and cutaways keeps its meaning: the plan of the
/// example cut as it was then (`tests/fixtures/`) is pinned, keys and version aside (they name
/// roughcut's own build). Equal plans render equal bytes.
#[test]
fn a_version_1_edl_from_before_tracks_plans_as_it_did() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-example-before-tracks.json");
    let text = std::fs::read_to_string(&path)
        .expect("fixture")
        .replace("media/", "");
    let edl_path = samples_dir().join("v1-fixture.json");
    std::fs::write(&edl_path, text).expect("write EDL");
    let plan = crate::common::plan_for(&edl_path);
    let mut v = serde_json::to_value(&plan).expect("plan as JSON");
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("key");
                m.remove("version");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    let shown = serde_json::to_string_pretty(&v)
        .expect("JSON")
        .replace(&samples_dir().display().to_string(), "<samples>");
    insta::assert_snapshot!(shown);
}

#[test]
fn split_edits_stay_inside_the_program_the_source_and_away_from_dissolves() {
    // amur is 8 s long; the clips 2 s at 25 fps (0.5 s is 12.5 frames, rounded to 13).
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0.2, "duration": "2s", "audio": { "lead": "10f" } },
           { "source": "amur", "in": 1, "duration": "2s", "audio": { "tail": "1s", "mute": true } },
           { "source": "amur", "in": 7, "duration": "0.5s", "audio": { "tail": "1s" } }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/timeline/0/audio/lead",
            "/timeline/1/audio/tail",
            "/timeline/2/audio/tail"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "at -0.2s in source `amur`, before the source begins; shorten the lead to at most 0.2s",
        "a muted clip has no sound to run on; remove `tail` or `mute`",
        "the sound would run on to 8.52s in source `amur`, but its sound is only 8s long; shorten the tail to at most 0.48s",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // Against the program: checked once every event is sound.
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "duration": "2s" },
           { "source": "amur", "in": 5, "duration": "2s", "audio": { "lead": "3s" } },
           { "source": "amur", "in": 1, "duration": "2s", "audio": { "lead": "0.5s" }, "transition": { "type": "dissolve", "duration": "5f" } },
           { "source": "amur", "in": 1, "duration": "2s", "audio": { "tail": "3s" } }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/timeline/1/audio/lead",
            "/timeline/2/audio/lead",
            "/timeline/3/audio/tail"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "the sound would start 1s before the program does (the picture starts at 2s)",
        "a J-cut into a dissolve is not supported",
        "the sound would run on 3s past the program's end",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

#[test]
fn a_track_of_clips_keeps_the_clip_fields_on_its_clips() {
    let with = |tracks: &str| {
        format!(
            r#"{{ "version": 1, "sources": {{ {SOURCES} }}, "timeline": [ {{ "gap": 4 }} ], "audio_tracks": [ {tracks} ] }}"#
        )
    };
    let d = check(&with(
        r#"{ "name": "a", "at": 1, "clips": [ { "source": "amur", "at": 0, "duration": 1 } ] },
           { "clips": [] },
           { "gain_db": 20, "clips": [ { "source": "amur", "gain_db": 10, "duration": 1 }, { "at": 1 }, { "source": "amur", "mute": true } ] },
           { "name": "nothing" }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/audio_tracks/0/at",
            "/audio_tracks/1/clips",
            "/audio_tracks/2/clips/0/gain_db",
            "/audio_tracks/2/clips/1",
            "/audio_tracks/2/clips/2/mute",
            "/audio_tracks/3"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "a track with `clips` takes `at` on each clip, not on the track; move it into the clips",
        "the track has no clips",
        "the clip's gain with its track's is 30 dB, out of range",
        "missing `source`: name the source to play (or give the track `clips`)",
        "`mute` belongs to the track, not to one of its clips",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

#[test]
fn cutaways_lie_inside_the_program_apart_from_each_other_and_dissolves() {
    // Three 2 s events, 140 frames with the 10-frame dissolve into the third (from frame 90).
    let with = |cutaways: &str| {
        format!(
            r#"{{ "version": 1, "sources": {{ {SOURCES} }}, "timeline": [
                {{ "source": "amur", "in": 0, "duration": "2s" }},
                {{ "source": "amur", "in": 2, "duration": "2s" }},
                {{ "source": "amur", "in": 4, "duration": "2s", "transition": {{ "type": "dissolve", "duration": "10f" }} }} ],
              "cutaways": [ {cutaways} ] }}"#
        )
    };
    let d = check(&with(
        r#"{ "source": "knam", "in": 0, "at": "130f", "duration": "1s" },
           { "source": "knam", "in": 0, "at": "10f", "duration": "20f" },
           { "source": "knam", "in": 0, "at": "20f", "duration": "5f" },
           { "source": "knam", "in": 0, "at": "85f", "duration": "10f" },
           { "source": "knam", "in": 0, "at": "40f" },
           { "source": "nope", "in": 0, "at": 0, "duration": 1 }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/cutaways/0/at",
            "/cutaways/2/at",
            "/cutaways/3/at",
            "/cutaways/4",
            "/cutaways/5/source"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "the cutaway covers frames 130 to 155 (00:00:05:05 to 00:00:06:05), outside the program (140 frames, to 00:00:05:15)",
        "the cutaway starts at frame 20 while /cutaways/1 still shows (to frame 30); cutaways may not overlap",
        "the cutaway cuts into the dissolve into /timeline/2 (frames 90 to 100); a cutaway may cover a dissolve whole, not part of it",
        "missing `out` or `duration`",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

#[test]
fn source_turns_and_crops_are_checked() {
    let d = check(
        r#"{ "version": 1, "sources": {
            "a": { "path": "amur_2004_pal.mkv", "rotate": 45 },
            "b": { "path": "amur_2004_pal.mkv", "crop": { "left": "60%", "top": "x" } },
            "c": { "path": "knam_hd.mp4", "crop": { "left": 1000, "right": 910 } },
            "d": { "path": "knam_hd.mp4", "flip": "sideways" } },
          "timeline": [ { "gap": 1 } ] }"#,
    );
    assert_eq!(
        errors_at(&d),
        [
            "/sources/a/rotate",
            "/sources/b/crop/left",
            "/sources/b/crop/top",
            "/sources/c/crop",
            "/sources/d/flip"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "rotate 45 is not a quarter turn; use 0, 90, 180 or 270 (degrees clockwise)",
        "`60%` is not a crop; give pixels (a whole number) or a share of the picture under 50 %",
        "the crop cuts 1910 of the upright picture's 1920 pixels across and 0 of its 1080 down, leaving 10x1080; leave at least 16x16",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

#[test]
fn speeds_and_freezes_are_checked() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "out": 1, "speed": 20 },
           { "source": "amur", "in": 0, "out": 1, "speed": 0 },
           { "source": "amur", "in": 0, "duration": 1, "audio": { "carry": true } },
           { "source": "amur", "in": 1, "duration": 1, "speed": 0.5, "audio": { "tail": "5f" } },
           { "source": "amur", "in": 1, "duration": "4s", "speed": "2/1" }"#,
    ));
    assert_eq!(
        errors_at(&d),
        [
            "/timeline/0/speed",
            "/timeline/1/out",
            "/timeline/2/audio/carry",
            "/timeline/3/audio/tail",
            "/timeline/4/duration"
        ],
        "{}",
        report(&d)
    );
    let text = report(&d);
    for want in [
        "speed `20` is out of range; use 0.1 to 10",
        "a freeze (speed 0) holds the `in` frame: give how long with `duration`, not `out`",
        "`carry` is for a freeze (speed 0)",
        "a split edit on a clip whose speed is changed is not supported",
        // 4 s of program at twice the speed needs 8 s of source from 1 s.
        "the clip ends at 00:00:09:00 (9s) but source `amur` is only 8s long",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // A silent freeze has no sound to split.
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "duration": "1s" },
           { "source": "amur", "in": 3, "duration": "1s", "speed": 0, "audio": { "lead": "5f" } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/1/audio/lead"], "{}", report(&d));
    // Nor carry on under a transparent title.
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "duration": "1s", "speed": 2 },
           { "title": { "text": "Amur", "duration": "1s", "background": "transparent" } }"#,
    ));
    assert_eq!(
        errors_at(&d),
        ["/timeline/1/title/background"],
        "{}",
        report(&d)
    );
    // A retimed clip may not meet a dissolve; a cutaway may not cut into it.
    let d = check(&format!(
        r#"{{ "version": 1, "sources": {{ {SOURCES} }}, "timeline": [
            {{ "source": "amur", "in": 0, "duration": "2s", "speed": 2 }},
            {{ "source": "amur", "in": 0, "duration": "2s", "transition": {{ "type": "dissolve", "duration": "5f" }} }} ],
          "cutaways": [ {{ "source": "knam", "in": 0, "at": "10f", "duration": "5f" }} ] }}"#
    ));
    assert_eq!(
        errors_at(&d),
        ["/cutaways/0/at", "/timeline/0/speed"],
        "{}",
        report(&d)
    );
}

#[test]
fn moves_are_for_stills_and_stay_inside_the_picture() {
    let d = check(&edl_with(
        r#"{ "source": "amur", "in": 0, "duration": 1,
             "move": { "from": { "x": 0, "y": 0, "w": 1, "h": 1 }, "to": { "x": 0, "y": 0, "w": 0.5, "h": 0.5 } } }"#,
    ));
    assert_eq!(errors_at(&d), ["/timeline/0/move"], "{}", report(&d));
    assert!(report(&d).contains("a move is for stills"));
}

#[test]
fn rubberband_is_refused_where_ffmpeg_lacks_it_and_off_speed_changes() {
    let text = edl_with(
        r#"{ "source": "amur", "in": 0, "out": 1, "speed": 0.5, "audio": { "stretch": "rubberband" } },
           { "source": "amur", "in": 0, "out": 1, "audio": { "stretch": "rubberband" } }"#,
    );
    let path = samples_dir().join("rb.json");
    // As on an FFmpeg built without librubberband: the gathered facts say it has no filter.
    let draft = edl::parse(&text, &path);
    let mut known = roughcut::facts::Facts::new(true);
    known.insert_filter("rubberband".into(), false);
    let setup = roughcut::gather::Setup::full(1);
    let facts = roughcut::gather::gather(&draft, &edl::CheckOptions::default(), &setup, known);
    let d = edl::check(&draft, &facts, &edl::CheckOptions::default()).diagnostics;
    assert_eq!(
        errors_at(&d),
        ["/timeline/0/audio/stretch", "/timeline/1/audio/stretch"],
        "{}",
        report(&d)
    );
    let text = report(&d);
    assert!(
        text.contains("this FFmpeg has no `rubberband` filter"),
        "{text}"
    );
    assert!(text.contains("this clip plays at its own speed"), "{text}");
}
