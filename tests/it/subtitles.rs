//! Subtitles on rendered files: soft tracks with their tags and cue times, burn-in present
//! exactly while a cue is active, Cyrillic glyphs, sidecars, and the corpus files.

use std::path::Path;

use roughcut::media::measure::subtitle_streams;
use roughcut::time::Rational;

use crate::common::{corpus_dir, pictures, plan_for, render, roughcut, synth, video, workdir};

/// A dark 320x240 25 fps clip without sound.
fn dark_clip() -> std::path::PathBuf {
    synth(
        "dark_320.mp4",
        6,
        Some(video(
            "color=c=0x202020:s=320x240:r=25".into(),
            320,
            240,
            (25, 1),
            (1, 1),
        )),
        None,
    )
}

/// Write `dir/<name>.json`: the dark clip as source `d`, output `<name>.<ext>` at 320x240,
/// and the given timeline events and subtitle entries (JSON, without brackets).
fn cut(dir: &Path, name: &str, ext: &str, timeline: &str, subtitles: &str) -> std::path::PathBuf {
    let edl = dir.join(format!("{name}.json"));
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "{name}.{ext}", "width": 320, "height": 240 }},
            "sources": {{ "d": {{ "path": "{}" }} }}, "timeline": [ {timeline} ], "subtitles": [ {subtitles} ] }}"#,
            dark_clip().display()
        ),
    )
    .unwrap();
    edl
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Bright pixels (luma > 180) in the bottom quarter of a picture: burned-in text.
fn text_pixels(p: &roughcut::media::measure::Picture) -> usize {
    let top = p.height * 3 / 4;
    p.y[top * p.width..].iter().filter(|v| **v > 180).count()
}

#[test]
fn two_soft_tracks_tagged_with_their_cues() {
    let dir = workdir("subs-soft");
    // Russian against the source (the clip shows source 1–5 s from record 0), English at
    // record times.
    write(
        &dir,
        "src_ru.srt",
        "1\n00:00:00,500 --> 00:00:01,500\nДо начала\n\n2\n00:00:02,000 --> 00:00:03,000\nПервая реплика\n\n3\n00:00:04,500 --> 00:00:06,000\nВторая реплика\n",
    );
    write(
        &dir,
        "rec_en.srt",
        "1\n00:00:00,200 --> 00:00:01,000\nOne\n\n2\n00:00:02,000 --> 00:00:02,600\n<i>Two</i>\n",
    );
    let edl = cut(
        &dir,
        "soft",
        "mp4",
        r#"{ "source": "d", "in": 1, "out": 5 }"#,
        r#"{ "path": "src_ru.srt", "language": "rus", "timing": { "source": "d" } },
           { "path": "rec_en.srt", "language": "eng", "forced": true, "title": "English (forced)" }"#,
    );
    render(&edl, &[]);
    let streams = subtitle_streams(&dir.join("soft.mp4")).unwrap();
    assert_eq!(streams.len(), 2);
    let (ru, en) = (&streams[0], &streams[1]);
    assert_eq!(ru.codec, "mov_text");
    assert_eq!(ru.language.as_deref(), Some("rus"));
    assert!(ru.default && !ru.forced);
    assert_eq!(en.language.as_deref(), Some("eng"));
    assert!(!en.default && en.forced);
    assert_eq!(en.title.as_deref(), Some("English (forced)"));
    let frame = Rational::new(1, 25);
    let near = |got: Rational, want: Rational| got - want <= frame && want - got <= frame;
    // Source 0.5–1.5 → record 0–0.5; 2–3 → 1–2; 4.5–6 → 3.5–4 (cut at the clip's out).
    let want_ru = [
        (0, 500, "До начала"),
        (1000, 2000, "Первая реплика"),
        (3500, 4000, "Вторая реплика"),
    ];
    assert_eq!(ru.cues.len(), want_ru.len(), "{:?}", ru.cues);
    for ((s, e, text), (ws, we, wt)) in ru.cues.iter().zip(want_ru) {
        assert!(
            near(*s, Rational::new(ws, 1000)) && near(*e, Rational::new(we, 1000)),
            "{s} {e} vs {ws} {we}"
        );
        assert_eq!(text, wt);
    }
    assert_eq!(en.cues.len(), 2);
    assert!(near(en.cues[1].0, Rational::new(2, 1)) && near(en.cues[1].1, Rational::new(13, 5)));
    assert!(en.cues[1].2.contains("Two"));

    // The sidecars say the same, as UTF-8 SubRip; the report counts cues, not the empty
    // samples between them.
    let side = dir.join("side");
    let report = dir.join("report.json");
    let out = roughcut()
        .args(["render", "--progress", "none", "--subtitles-out"])
        .arg(&side)
        .arg("--report")
        .arg(&report)
        .arg(&edl)
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let counted: Vec<u64> = r["output"]["subtitles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["cues"].as_u64().unwrap())
        .collect();
    assert_eq!(counted, [3, 2], "{}", r["output"]["subtitles"]);
    let ru_srt = std::fs::read_to_string(side.join("soft.rus.srt")).unwrap();
    assert!(
        ru_srt.starts_with("1\n00:00:00,000 --> 00:00:00,500\nДо начала\n"),
        "{ru_srt}"
    );
    assert!(ru_srt.contains("3\n00:00:03,500 --> 00:00:04,000\nВторая реплика\n"));
    let en_srt = std::fs::read_to_string(side.join("soft.eng.srt")).unwrap();
    assert!(
        en_srt.contains("00:00:02,000 --> 00:00:02,600\n<i>Two</i>"),
        "{en_srt}"
    );

    // `roughcut subtitles --json` prints the same cues without rendering.
    let out = roughcut()
        .args(["subtitles", "--json"])
        .arg(&edl)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["cues"].as_array().unwrap().len(), 3);
    assert_eq!(v[0]["cues"][2]["start"].as_f64(), Some(3.5));
}

#[test]
fn matroska_carries_subrip_tracks() {
    let dir = workdir("subs-mkv");
    write(
        &dir,
        "a.srt",
        "1\n00:00:00,500 --> 00:00:01,500\nA\n\n2\n00:00:01,000 --> 00:00:02,000\nB overlaps A\n",
    );
    let edl = cut(
        &dir,
        "m",
        "mkv",
        r#"{ "source": "d", "in": 0, "out": 3 }"#,
        r#"{ "path": "a.srt", "language": "eng" }"#,
    );
    render(&edl, &[]);
    let s = &subtitle_streams(&dir.join("m.mkv")).unwrap()[0];
    assert_eq!(s.codec, "subrip");
    assert_eq!(s.language.as_deref(), Some("eng"));
    // Overlapping cues stay as they are in Matroska. Matroska has no edit lists: the muxer
    // starts every stream later by the AAC priming, pictures included, so times count from the
    // first picture.
    let t0 = pictures(&dir.join("m.mkv"))[0].time;
    assert_eq!(s.cues.len(), 2);
    assert_eq!(
        (s.cues[1].0 - t0, s.cues[1].1 - t0),
        (Rational::from_integer(1), Rational::from_integer(2))
    );
}

#[test]
fn burn_in_shows_exactly_while_a_cue_is_active() {
    let dir = workdir("subs-burn");
    write(
        &dir,
        "b.srt",
        "1\n00:00:00,500 --> 00:00:01,000\nSUBTITLE ONE\n\n2\n00:00:02,030 --> 00:00:03,310\nSUBTITLE TWO\n",
    );
    let edl = cut(
        &dir,
        "b",
        "mp4",
        r#"{ "source": "d", "in": 0, "out": 2 }, { "source": "d", "in": 3, "out": 5 }"#,
        r#"{ "path": "b.srt", "language": "eng", "burn_in": true, "style": { "size": 24 } }"#,
    );
    render(&edl, &["--jobs", "2"]);
    let plan = plan_for(&edl);
    assert!(plan.segments.len() >= 2, "the cues cross a segment join");
    let pics = pictures(&dir.join("b.mp4"));
    assert_eq!(pics.len(), 100);
    // Frame k shows a cue when start ≤ k/25 < end: 0.5–1.0 s → 13..25, 2.03–3.31 → 51..83.
    let active = |k: usize| (13..25).contains(&k) || (51..83).contains(&k);
    for (k, p) in pics.iter().enumerate() {
        let lit = text_pixels(p);
        if active(k) {
            assert!(lit > 150, "frame {k}: cue active, {lit} text pixels");
        } else {
            assert!(lit < 5, "frame {k}: no cue, yet {lit} text pixels");
        }
    }
    // A burned-in entry is not also a soft track: a viewer picking English would see it twice.
    assert!(subtitle_streams(&dir.join("b.mp4")).unwrap().is_empty());
    // Unless the entry asks for one.
    let edl = cut(
        &dir,
        "bt",
        "mp4",
        r#"{ "source": "d", "in": 0, "out": 2 }"#,
        r#"{ "path": "b.srt", "language": "eng", "burn_in": true, "track": true }"#,
    );
    render(&edl, &[]);
    let s = &subtitle_streams(&dir.join("bt.mp4")).unwrap()[0];
    assert_eq!((s.cues.len(), s.language.as_deref()), (1, Some("eng")));
    assert!(s.default, "the only track is the default one");
}

#[test]
fn cyrillic_burn_in_draws_glyphs_not_boxes() {
    let dir = workdir("subs-cyrillic");
    // Two different Cyrillic words: drawn as glyphs their shapes differ; as missing-glyph boxes
    // they would be the same row of rectangles.
    write(
        &dir,
        "c.srt",
        "1\n00:00:00,000 --> 00:00:01,000\nЖЖЖЖ\n\n2\n00:00:01,000 --> 00:00:02,000\nПППП\n",
    );
    let edl = cut(
        &dir,
        "c",
        "mp4",
        r#"{ "source": "d", "in": 0, "out": 2 }"#,
        r#"{ "path": "c.srt", "language": "rus", "burn_in": true, "style": { "size": 32 } }"#,
    );
    render(&edl, &[]);
    let pics = pictures(&dir.join("c.mp4"));
    let mask = |p: &roughcut::media::measure::Picture| -> Vec<bool> {
        let top = p.height * 3 / 4;
        p.y[top * p.width..].iter().map(|v| *v > 180).collect()
    };
    let (zhe, pe) = (mask(&pics[12]), mask(&pics[37]));
    let lit_zhe = zhe.iter().filter(|b| **b).count();
    let lit_pe = pe.iter().filter(|b| **b).count();
    let differ = zhe.iter().zip(&pe).filter(|(a, b)| a != b).count();
    assert!(
        lit_zhe > 200 && lit_pe > 200,
        "text drawn: {lit_zhe} / {lit_pe}"
    );
    assert!(
        differ * 3 > lit_zhe.min(lit_pe),
        "Ж and П must look different ({differ} pixels differ)"
    );
}

#[test]
fn burn_in_font_must_cover_the_cues() {
    let dir = workdir("subs-glyphs");
    write(&dir, "j.srt", "1\n00:00:00,000 --> 00:00:01,000\n東京\n");
    let edl = cut(
        &dir,
        "j",
        "mp4",
        r#"{ "source": "d", "in": 0, "out": 1 }"#,
        r#"{ "path": "j.srt", "burn_in": true }"#,
    );
    let out = roughcut().arg("validate").arg(&edl).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/subtitles/0/path") && err.contains("U+6771"),
        "{err}"
    );
}

#[test]
fn subtitle_file_problems_are_reported_with_their_lines() {
    let dir = workdir("subs-bad");
    write(
        &dir,
        "bad.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\nno timing here\n",
    );
    std::fs::write(
        dir.join("cp1251.srt"),
        b"1\n00:00:01,000 --> 00:00:02,000\n\xcf\xf0\xe8\xe2\xe5\xf2\n",
    )
    .unwrap();
    let edl = |subs: &str| {
        let p = cut(
            &dir,
            "e",
            "mp4",
            r#"{ "source": "d", "in": 0, "out": 1 }"#,
            subs,
        );
        let out = roughcut().arg("validate").arg(&p).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = edl(r#"{ "path": "bad.srt" }"#);
    assert_eq!(code, Some(3));
    assert!(
        err.contains("bad.srt line 6: expected a timing line"),
        "{err}"
    );
    let (code, err) = edl(r#"{ "path": "cp1251.srt" }"#);
    assert_eq!(code, Some(3));
    assert!(
        err.contains("not valid UTF-8") && err.contains("windows-1251"),
        "{err}"
    );
    let (code, err) = edl(r#"{ "path": "cp1251.srt", "encoding": "windows-1251" }"#);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corpus_subtitle_files_load_or_fail_clearly() {
    let corpus = corpus_dir();
    let dir = corpus.join("subs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| roughcut::subs::Format::from_path(p).is_some())
        .collect();
    names.sort();
    assert!(names.len() >= 9);
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match roughcut::subs::load(&path, None) {
            Ok(p) => {
                assert!(!p.cues.is_empty(), "{name}: loaded but no cues");
                for c in &p.cues {
                    assert!(c.end > c.start && c.start >= 0, "{name}: {c:?}");
                }
                eprintln!(
                    "corpus {name}: {} cue(s), {} warning(s){}",
                    p.cues.len(),
                    p.warnings.len(),
                    p.warnings
                        .iter()
                        .map(|w| format!("; line {}: {}", w.line, w.message))
                        .collect::<String>()
                );
            }
            Err(roughcut::subs::SubError::Malformed(problems)) => {
                assert!(problems.iter().all(|p| !p.message.is_empty()));
                eprintln!(
                    "corpus {name}: refused{}",
                    problems
                        .iter()
                        .map(|p| format!("; line {}: {}", p.line, p.message))
                        .collect::<String>()
                );
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    // The files with known content give the known cues.
    let typical = roughcut::subs::load(&dir.join("typical.srt"), None).unwrap();
    let utf16 = roughcut::subs::load(&dir.join("typical_utf16le.srt"), None).unwrap();
    let bom = roughcut::subs::load(&dir.join("typical_with_byte_order_mark.srt"), None).unwrap();
    assert_eq!(typical.cues, utf16.cues);
    assert_eq!(typical.cues, bom.cues);
    assert_eq!(typical.cues[2].start, 2 * 3_600_000 + 4_567);
}

#[test]
fn a_source_timed_transcript_follows_the_sound_of_a_split_edit() {
    let dir = workdir("subs-split");
    // The Amur sample's transcript: "Лёд на Амуре уже тронулся." is at 1.8–3.6 s of the source.
    std::fs::copy(
        crate::common::samples_dir().join("amur_ru.srt"),
        dir.join("amur_ru.srt"),
    )
    .unwrap();
    let edl = dir.join("split.json");
    let write = |audio: &str| {
        std::fs::write(
            &edl,
            format!(
                r#"{{ "version": 1, "output": {{ "path": "s.mp4" }},
                "sources": {{ "amur": {{ "path": "../amur_2004_pal.mkv" }}, "knam": {{ "path": "../knam_hd.mp4" }} }},
                "timeline": [ {{ "source": "knam", "in": 0, "duration": 1 }},
                              {{ "source": "amur", "in": 2, "duration": 1, "audio": {{ {audio} }} }},
                              {{ "source": "knam", "in": 1, "duration": 2 }} ],
                "subtitles": [ {{ "path": "amur_ru.srt", "language": "rus", "timing": {{ "source": "amur" }} }} ] }}"#
            ),
        )
        .unwrap();
        let out = roughcut()
            .args(["subtitles", "--json"])
            .arg(&edl)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["cues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["start"].as_f64().unwrap(),
                    c["end"].as_f64().unwrap(),
                    c["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Without a split edit the cue shows while the picture does: 1–2 s of the program.
    assert_eq!(write(r#""gain_db": 0"#), [(1.0, 2.0, 6)]);
    // With 0.5 s of lead and 1 s of tail the clip is heard from 0.5 s to 3 s of the program
    // (source 1.5–4 s): the cue starts at 0.8 s and ends with its own end, source 3.6 s, at
    // 2.6 s — no longer cut where the picture ends.
    assert_eq!(write(r#""lead": 0.5, "tail": 1"#), [(0.8, 2.6, 6)]);
}
