//! Reading the cuts editing systems write: every CMX 3600 list of the shared corpus (real lists
//! from Avid, Premiere, Resolve, Nucoda and sound editorial, and the reference adapter's tests).

use std::path::PathBuf;

use roughcut::interchange::cmx3600::{self, Transition};
use roughcut::interchange::to_edl;

use crate::common::corpus_dir;

/// A corpus list, decoded (lossily where it is not UTF-8).
fn list(name: &str) -> (PathBuf, cmx3600::List) {
    let path = corpus_dir().join("edl").join(name);
    let bytes = std::fs::read(&path).expect("corpus list");
    (path, cmx3600::read(&String::from_utf8_lossy(&bytes)))
}

/// How many lines of `name` start with an event number.
fn event_lines(name: &str) -> usize {
    let bytes = std::fs::read(corpus_dir().join("edl").join(name)).unwrap();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| {
            let n: String = l.chars().take_while(|c| c.is_ascii_digit()).collect();
            (3..=6).contains(&n.len()) && l[n.len()..].starts_with(' ')
        })
        .count()
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn every_corpus_list_reads_and_the_broken_one_fails_on_its_line() {
    let names = corpus_lists();
    assert!(names.len() >= 27, "{names:?}");
    for name in &names {
        let (path, l) = list(name);
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(
            cmx3600::looks_like(&text),
            "{name} is recognised by its content"
        );
        let errors: Vec<_> = l.problems.iter().filter(|p| p.error).collect();
        if name.ends_with("dissolve_test_fail.edl") {
            // `002 … D 010` follows the lines of event 001.
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            assert_eq!(errors[0].line, 6, "{name}: {errors:?}");
            assert!(errors[0].message.contains("event 002"), "{:?}", errors[0]);
            continue;
        }
        assert!(
            errors.is_empty(),
            "{name}: {} errors, the first {:?}",
            errors.len(),
            &errors[..errors.len().min(3)]
        );
        // Every event line becomes an event.
        assert_eq!(l.events.len(), event_lines(name), "{name}");
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corpus_lists_keep_names_markers_motion_channels_and_transitions() {
    // Nine cuts with clip names and three coloured markers.
    let (_, l) = list("otio-cmx3600/screening_example.edl");
    assert_eq!(l.events.len(), 9);
    assert!(
        l.events.iter().all(|e| e.clip_name.is_some()),
        "{:?}",
        l.events
    );
    assert_eq!(l.locators.len(), 3);
    assert_eq!(l.locators[0].colour.as_deref(), Some("RED"));
    assert_eq!(l.locators[0].name, "ANIM FIX NEEDED");
    assert_eq!((l.locators[0].at.seconds, l.locators[0].at.frames), (1, 14));
    // The same list without the space after `*` reads the same.
    let (_, same) = list("otio-cmx3600/no_spaces_test.edl");
    let names = |l: &cmx3600::List| -> Vec<Option<String>> {
        l.events.iter().map(|e| e.clip_name.clone()).collect()
    };
    assert_eq!(names(&same), names(&l));
    // Motion: 17 M2 lines on 548 events, freezes marked `000.0`.
    let (_, l) = list("otio-cmx3600/speed_effects.edl");
    assert_eq!(l.events.iter().filter(|e| e.motion.is_some()).count(), 17);
    let (_, small) = list("otio-cmx3600/speed_effects_small.edl");
    let frozen = &small.events[1];
    assert_eq!(
        frozen.motion.as_ref().map(|m| m.speed.as_str()),
        Some("000.0")
    );
    assert!(frozen.freeze_comment);
    // A wipe to black and backwards motion (Premiere).
    let (_, l) = list("pycmx/test_24psf.edl");
    let wipe = l.events.iter().find(|e| e.reel == "BL").unwrap();
    assert_eq!(
        wipe.transition,
        Transition::Wipe {
            pattern: 1,
            frames: 25
        }
    );
    assert!(l
        .events
        .iter()
        .any(|e| e.motion.as_ref().is_some_and(|m| m.speed == "-25.0")));
    // An Avid list's source table names its long reels.
    let (_, avid) = list("pycmx/INS4_R1_010417.edl");
    assert!(avid
        .sources
        .iter()
        .any(|s| s.words.first().map(String::as_str) == Some("FKI_LEADER_HEAD_1920X1080.MOV")));
    // Channels: `AA` and `AUD 3 4`.
    let clip3 = l
        .events
        .iter()
        .find(|e| e.clip_name.as_deref() == Some("clip -3"))
        .unwrap();
    assert!(clip3.channels.video);
    assert_eq!(clip3.channels.audio, [3, 4]);
    // Under a dissolve, `FROM CLIP NAME` is the outgoing clip and `TO CLIP NAME` the incoming.
    let (_, l) = list("otio-cmx3600/dissolve_test.edl");
    let names: Vec<(Transition, Option<&str>)> = l
        .events
        .iter()
        .map(|e| (e.transition, e.clip_name.as_deref()))
        .collect();
    assert!(
        names.contains(&(Transition::Dissolve(10), Some("clip_B"))),
        "{names:?}"
    );
    assert!(names.iter().all(|(_, n)| n.is_some()), "{names:?}");
    // Nucoda writes the file, not a clip name.
    let (_, l) = list("otio-cmx3600/nucoda_example.edl");
    assert!(
        l.events.iter().all(|e| e.source_file.is_some()),
        "{:?}",
        l.events
    );
    // Dissolves: the number is the duration; chained ones read.
    let (_, l) = list("otio-cmx3600/transition_duration.edl");
    assert!(l
        .events
        .iter()
        .any(|e| e.transition == Transition::Dissolve(26)));
    // Drop-frame counting from `FCM:` and `;`.
    let (_, l) = list("otio-cmx3600/dissolve_test_3.edl");
    assert!(l.events.iter().all(|e| !e.record_in.drop));
}

#[test]
fn a_list_is_read_line_by_line_with_its_problems_located() {
    let text = "TITLE: test\r\nFCM: DROP FRAME\r\n001  AX  V  C  01:00:00;00 01:00:01;00 00:59:58;00 00:59:59;00\r\n* FROM CLIP NAME: a\r\nM2   AX   050.0   01:00:00;00\r\nthis is not a line\r\n002  AX  AA/V  D 012  01:00:01:00 01:00:02:00 00:59:59:00 01:00:00:00\r\n";
    let l = cmx3600::read(text);
    assert_eq!(l.title.as_deref(), Some("test"));
    assert_eq!(l.events.len(), 2);
    let (a, b) = (&l.events[0], &l.events[1]);
    assert!(
        a.source_in.drop && a.record_out.drop,
        "FCM: DROP FRAME and `;`"
    );
    assert_eq!(a.clip_name.as_deref(), Some("a"));
    assert_eq!(a.motion.as_ref().map(|m| m.speed.as_str()), Some("050.0"));
    assert_eq!(b.transition, Transition::Dissolve(12));
    assert!(b.channels.video && b.channels.audio == [1, 2]);
    let problems: Vec<(usize, bool)> = l.problems.iter().map(|p| (p.line, p.error)).collect();
    // Line 6 is not a line; line 7 dissolves into event 002 after event 001's line.
    assert_eq!(problems, [(6, true), (7, true)], "{:?}", l.problems);
}

/// An imported EDL as `roughcut import` writes it.
fn as_json(edl: &roughcut::edl::raw::RawEdl) -> serde_json::Value {
    roughcut::interchange::build::to_json(edl).unwrap()
}

/// Every reel linked to `file` in the samples folder, its timecode starting at `start` frames.
fn linker(file: &'static str, start: i64) -> impl Fn(&cmx3600::CmxEvent) -> Option<to_edl::Link> {
    move |e: &cmx3600::CmxEvent| {
        Some(to_edl::Link {
            id: e.reel.to_lowercase(),
            path: file.to_string(),
            start,
            rate: roughcut::time::Rate::new(24, 1).ok(),
        })
    }
}

/// The durations (frames) of a timeline, `gap` or clip, with the dissolve frames of each.
fn shape(edl: &serde_json::Value) -> Vec<(String, i64, i64)> {
    let f = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| s.strip_suffix('f'))
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(-1)
    };
    edl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = if e.get("gap").is_some() {
                "gap"
            } else {
                "clip"
            };
            let len = f(e.get("gap").unwrap_or(&e["duration"]));
            (
                kind.to_string(),
                len,
                f(&e["transition"]["duration"]).max(0),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn a_cmx_list_becomes_an_edl_with_its_record_times_gaps_dissolves_motion_and_markers() {
    let fps24 = roughcut::time::Rate::new(24, 1).unwrap();
    // A dissolve: the clip before plays on under it (9 + 10 frames), the incoming event holds
    // the dissolve, then a one-frame cut: 20 frames, the list's record length.
    let (_, l) = list("otio-cmx3600/dissolve_test.edl");
    let (edl, problems) = to_edl::cmx_to_edl(&l, fps24, &linker("amur_2004_pal.mkv", 86400 + 96));
    let edl = as_json(&edl);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        shape(&edl),
        [
            ("clip".into(), 19, 0),
            ("clip".into(), 10, 10),
            ("clip".into(), 1, 0)
        ]
    );
    // It is a valid EDL over real media, 20 frames long.
    let text = serde_json::to_string(&edl).unwrap();
    let loaded = crate::common::load_str(&text, &crate::common::samples_dir().join("cmx.json"))
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(loaded.edl.program_frames(), 20);
    // Gaps where the record times jump (24 fps: 1 s, then 16 frames of nothing, …).
    let (_, l) = list("otio-cmx3600/gap_test.edl");
    let (edl, _) = to_edl::cmx_to_edl(&l, fps24, &linker("amur_2004_pal.mkv", 0));
    let edl = as_json(&edl);
    assert_eq!(
        shape(&edl),
        [
            ("clip".into(), 24, 0),
            ("gap".into(), 16, 0),
            ("clip".into(), 24, 0),
            ("gap".into(), 38, 0),
            ("clip".into(), 24, 0)
        ]
    );
    // Motion: a freeze is speed 0; 47.6 source frames per second at 24 fps is 119/60.
    let (_, l) = list("otio-cmx3600/speed_effects_small.edl");
    let (edl, _) = to_edl::cmx_to_edl(&l, fps24, &linker("amur_2004_pal.mkv", 0));
    let edl = as_json(&edl);
    let speeds: Vec<&str> = edl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["speed"].as_str())
        .collect();
    assert!(
        speeds.contains(&"0/1") && speeds.contains(&"119/60"),
        "{speeds:?}"
    );
    // Markers, at record times from the list's start, with their colours.
    let (_, l) = list("otio-cmx3600/screening_example.edl");
    let (edl, _) = to_edl::cmx_to_edl(&l, fps24, &linker("amur_2004_pal.mkv", 0));
    let edl = as_json(&edl);
    let colours: Vec<&str> = edl["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["colour"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(colours, ["red", "pink", "green"]);
    // An unlinked reel is an error on its line, kept as a gap.
    let (_, l) = list("otio-cmx3600/gap_test.edl");
    let (edl, problems) = to_edl::cmx_to_edl(&l, fps24, &|_| None);
    let edl = as_json(&edl);
    assert_eq!(
        problems.iter().filter(|p| p.error).count(),
        3,
        "{problems:?}"
    );
    assert_eq!(problems[0].line, 3);
    assert!(shape(&edl).iter().all(|(k, _, _)| k == "gap"));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn import_links_a_list_to_stand_in_media_by_reel_and_start_timecode() {
    let dir = crate::common::workdir("import");
    let media = dir.join("media");
    std::fs::create_dir_all(&media).unwrap();
    // gap_test.edl takes one second of each of three reels, at 00:10:00:00, 23:00:00:00 and
    // 10:00:00:00 of their timecode: stand-ins named after the reels, starting there.
    for (reel, tc) in [
        ("SHOT1", "00:09:59:00"),
        ("SHOT2", "23:00:00:00"),
        ("SHOT3", "10:00:00:00"),
    ] {
        crate::common::write_clip(&roughcut::media::synth::SynthClip {
            path: media.join(format!("{reel}.mkv")),
            duration: roughcut::time::Rational::from_integer(3),
            video: Some(crate::common::video(
                "testsrc2=size=160x120:rate=24".into(),
                160,
                120,
                (24, 1),
                (1, 1),
            )),
            audio: vec![],
            metadata: vec![("timecode".into(), tc.into())],
        })
        .unwrap();
    }
    let list = corpus_dir().join("edl/otio-cmx3600/gap_test.edl");
    let out = dir.join("cut.json");
    let run = |media_args: &[&std::path::Path]| {
        let mut cmd = crate::common::roughcut();
        cmd.arg("import")
            .arg(&list)
            .arg("-o")
            .arg(&out)
            .args(["--fps", "24"]);
        for m in media_args {
            cmd.arg("--media").arg(m);
        }
        cmd.output().unwrap()
    };
    // Without media: every event is reported on its line, nothing is written.
    let missing = run(&[]);
    assert_eq!(missing.status.code(), Some(3));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("gap_test.edl:3: error: reel `SHOT1` (clip `shot1`)"),
        "{err}"
    );
    assert!(!out.exists());
    // With them: an EDL that validates, the stand-ins linked relative to it.
    let found = run(&[&media]);
    let err = String::from_utf8_lossy(&found.stderr);
    assert_eq!(found.status.code(), Some(0), "{err}");
    let edl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(edl["sources"]["shot1"]["path"], "media/SHOT1.mkv");
    // SHOT1 starts at 00:09:59:00: the list's 00:10:00:00 is one second (24 frames) in.
    assert_eq!(edl["timeline"][0]["in"], "24f");
    assert_eq!(edl["timeline"][2]["in"], "0f");
    let plan = crate::common::plan_for(&out);
    // 24 + 16 + 24 + 38 + 24 frames, as the list's record times say.
    assert_eq!(plan.frames, 126);
}

/// `import` and `transcode` walk folders the same way (`roughcut::walk`): a media folder holding
/// links back to its parents (which `import` used to follow: two such links never end) is
/// walked once, each file listed once, and the reel linked to the file itself.
#[test]
#[cfg(unix)]
fn import_walks_a_media_folder_with_links_to_its_parents_once() {
    let dir = crate::common::workdir("import-links");
    let media = dir.join("media");
    std::fs::create_dir_all(media.join("day1")).unwrap();
    std::fs::write(media.join("day1").join("A001.mov"), b"").unwrap();
    std::os::unix::fs::symlink(&dir, media.join("up")).unwrap();
    std::os::unix::fs::symlink(&media, media.join("day1").join("again")).unwrap();
    let walked = roughcut::walk::files(&media, None);
    assert_eq!(walked.files, [media.join("day1").join("A001.mov")]);
    assert!(walked.unreadable.is_empty());
    let list = dir.join("cut.edl");
    std::fs::write(
        &list,
        "TITLE: links\nFCM: NON-DROP FRAME\n\n001  A001     V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
    )
    .unwrap();
    let out = dir.join("cut.json");
    let run = crate::common::roughcut()
        .arg("import")
        .arg(&list)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "25", "--media"])
        .arg(&media)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    let edl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(edl["sources"]["a001"]["path"], "media/day1/A001.mov");
}

/// Facts of a stand-in for every reel at `fps` (picture and sound), as if each were 100 hours
/// long: a real file of that rate probed, its length stretched. Lists name sources hours
/// apart; the plan needs only their facts.
fn stand_in_facts(fps: roughcut::time::Rate) -> roughcut::facts::MediaFacts {
    use roughcut::time::Rational;
    let name = format!("standin-{}-{}.mkv", fps.num(), fps.den());
    let path = crate::common::synth(
        &name,
        1,
        Some(crate::common::video(
            format!("testsrc2=size=64x36:rate={}/{}", fps.num(), fps.den()),
            64,
            36,
            (fps.num() as i32, fps.den() as i32),
            (1, 1),
        )),
        Some(roughcut::media::synth::SynthAudio {
            source: "sine=frequency=440".into(),
            encoder: "pcm_s16le".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 0,
        }),
    );
    let mut facts = crate::common::probe(&path).unwrap();
    let long = roughcut::facts::Ratio(Rational::from_integer(360_000));
    facts.duration = Some(long);
    for s in &mut facts.streams {
        s.duration = Some(long);
        if let Some(v) = &mut s.video {
            v.frames = None;
        }
    }
    facts
}

/// Validate an EDL as `render --dry-run` does, every source a stand-in with `facts`: the
/// checked EDL, or the errors.
fn check_with_stand_ins(
    edl: &serde_json::Value,
    facts: &roughcut::facts::MediaFacts,
) -> Result<roughcut::edl::Edl, Vec<String>> {
    use roughcut::facts::{FileFacts, Need};
    let draft =
        roughcut::edl::Draft::from_value(edl.clone(), std::path::Path::new("/standins/cut.json"));
    let opts = roughcut::edl::CheckOptions::default();
    let mut known = roughcut::facts::Facts::new(true);
    for _ in 0..4 {
        for need in draft.needs(&known, &opts) {
            match need {
                Need::Media(p) => {
                    let mut m = facts.clone();
                    m.path = p.display().to_string();
                    let identity = format!("stand-in {}", p.display());
                    known.insert_media(
                        p,
                        FileFacts::Probed {
                            media: Box::new(m),
                            identity,
                        },
                    );
                }
                Need::Bytes(p) => known.insert_bytes(p, Err("not here".into())),
                Need::Canonical(p) => known.insert_canonical(p.clone(), Some(p)),
                Need::Filter(n) => known.insert_filter(n, true),
            }
        }
    }
    let checked = roughcut::edl::check(&draft, &known, &opts);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == roughcut::edl::Severity::Error)
        .map(|d| format!("{}: {}", d.pointer, d.message))
        .collect();
    match checked.edl {
        Some(edl) if errors.is_empty() => Ok(edl),
        _ => Err(errors),
    }
}

/// Validate and plan an imported EDL as `render --dry-run` does, every source a stand-in.
fn plan_with_stand_ins(
    edl: &serde_json::Value,
    facts: &roughcut::facts::MediaFacts,
) -> Result<roughcut::plan::Plan, Vec<String>> {
    let edl = check_with_stand_ins(edl, facts)?;
    roughcut::plan::build(&edl, Default::default()).map_err(|e| vec![e.to_string()])
}

/// The corpus lists (CMX 3600), by folder/name.
fn corpus_lists() -> Vec<String> {
    let mut names = Vec::new();
    for dir in ["otio-cmx3600", "pycmx"] {
        for e in std::fs::read_dir(corpus_dir().join("edl").join(dir))
            .unwrap()
            .flatten()
        {
            let n = e.file_name().to_string_lossy().into_owned();
            if !n.starts_with("LICENSE") {
                names.push(format!("{dir}/{n}"));
            }
        }
    }
    names.sort();
    names
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn every_corpus_list_imports_validates_and_plans_to_its_record_length() {
    let mut report = Vec::new();
    for name in corpus_lists() {
        if name.ends_with("dissolve_test_fail.edl") {
            continue;
        }
        let (_, l) = list(&name);
        let (fps, _) = l.guess_rate().unwrap();
        let link = |e: &cmx3600::CmxEvent| {
            Some(to_edl::Link {
                id: e.reel.to_lowercase(),
                path: format!("media/{}.mkv", e.reel),
                start: 0,
                rate: Some(fps),
            })
        };
        let (edl, problems) = to_edl::cmx_to_edl(&l, fps, &link);
        let edl = as_json(&edl);
        let errors: Vec<_> = problems.iter().filter(|p| p.error).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let facts = stand_in_facts(fps);
        let plan = plan_with_stand_ins(&edl, &facts).unwrap_or_else(|e| {
            panic!(
                "{name} at {fps}: {} errors, first {:?}",
                e.len(),
                &e[..e.len().min(5)]
            )
        });
        // The program runs from the list's first record timecode to its last.
        let tc = |t: &cmx3600::Tc| {
            roughcut::time::TimeSpec::Timecode {
                hours: t.hours.into(),
                minutes: t.minutes.into(),
                seconds: t.seconds.into(),
                frames: t.frames.into(),
                drop: t.drop,
            }
            .to_frame_floor(fps)
            .unwrap()
        };
        let first = l.events.iter().map(|e| tc(&e.record_in)).min().unwrap();
        let last = l.events.iter().map(|e| tc(&e.record_out)).max().unwrap();
        report.push(format!(
            "{name}: {fps} fps, {} frames, {} events, {} segments",
            plan.frames,
            plan.events.len(),
            plan.segments.len()
        ));
        assert_eq!(plan.frames, last - first, "{name}");
    }
    eprintln!("{}", report.join("\n"));
    assert_eq!(report.len(), 26);
}

#[test]
fn a_start_timecode_counts_the_overlay_and_is_checked_at_the_output_rate() {
    let amur = crate::common::samples_dir().join("amur_2004_pal.mkv");
    crate::common::setup();
    let edl = |start: &str, fps: &str| {
        format!(
            r#"{{"version": 1, "output": {{"fps": "{fps}", "start_timecode": "{start}", "width": 320, "height": 180}},
                "overlays": {{"timecode": true}},
                "sources": {{"a": {{"path": "{}"}}}},
                "timeline": [{{"gap": "10f"}}, {{"source": "a", "in": 0, "duration": "20f"}}]}}"#,
            amur.display()
        )
    };
    let path = crate::common::samples_dir().join("start-tc.json");
    let loaded = crate::common::load_str(&edl("01:00:00:00", "25"), &path).unwrap();
    let plan = roughcut::plan::build(&loaded.edl, Default::default()).unwrap();
    // The second event's first frame is 01:00:00:10; the file's timecode is the first frame's.
    let second = plan.segments.iter().find(|s| s.record_start == 10).unwrap();
    assert_eq!(
        second.overlay.as_ref().and_then(|o| o.timecode.as_deref()),
        Some("01:00:00:10")
    );
    assert_eq!(
        plan.output.metadata,
        [("timecode".to_string(), "01:00:00:00".to_string())]
    );
    // Drop-frame at 29.97 counts with `;`: ten frames after 00:00:59;28 is 00:01:00;10 (the
    // labels ;00 and ;01 do not exist at minute 1).
    let loaded = crate::common::load_str(&edl("00:00:59;28", "30000/1001"), &path).unwrap();
    let plan = roughcut::plan::build(&loaded.edl, Default::default()).unwrap();
    let second = plan.segments.iter().find(|s| s.record_start == 10).unwrap();
    assert_eq!(
        second.overlay.as_ref().and_then(|o| o.timecode.as_deref()),
        Some("00:01:00;10")
    );
    for (start, fps, says) in [
        (
            "01:00:00;00",
            "25",
            "drop-frame, which exists only at 30000/1001",
        ),
        ("1 hour", "25", "is not a timecode"),
        ("01:00:00:25", "25", "01:00:00:25"),
    ] {
        let Err(roughcut::edl::LoadError::Invalid { diagnostics, .. }) =
            crate::common::load_str(&edl(start, fps), &path)
        else {
            panic!("{start} at {fps} is refused");
        };
        let err = format!("{diagnostics:?}");
        assert!(
            err.contains("/output/start_timecode") && err.contains(says),
            "{start}: {err}"
        );
    }
}

#[test]
fn sound_events_become_track_clips_and_picture_without_sound_is_muted() {
    // Picture with sound, picture alone, and two sound-only events with an audio dissolve
    // between them (the first plays on 6 frames under the second).
    let text = "TITLE: sound\nFCM: NON-DROP FRAME\n\
001  AMUR     B     C        00:00:01:00 00:00:02:00 01:00:00:00 01:00:01:00\n\
002  KNAM     V     C        00:00:00:00 00:00:02:00 01:00:01:00 01:00:03:00\n\
003  AMUR     A2    C        00:00:03:00 00:00:04:00 01:00:01:00 01:00:02:00\n\
004  AMUR     A2    C        00:00:04:00 00:00:04:00 01:00:02:00 01:00:02:00\n\
004  KNAM     A2    D    006 00:00:01:00 00:00:02:00 01:00:02:00 01:00:03:00\n\
005  BL       NONE  C        00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00\n";
    let l = cmx3600::read(text);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let fps = roughcut::time::Rate::new(25, 1).unwrap();
    let link = |e: &cmx3600::CmxEvent| {
        Some(to_edl::Link {
            id: e.reel.to_lowercase(),
            path: format!("{}.mkv", e.reel.to_lowercase()),
            start: 0,
            rate: Some(fps),
        })
    };
    let (edl, problems) = to_edl::cmx_to_edl(&l, fps, &link);
    let edl = as_json(&edl);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(edl["output"]["start_timecode"], "01:00:00:00");
    let timeline = edl["timeline"].as_array().unwrap();
    assert!(timeline[0].get("audio").is_none(), "B carries its sound");
    assert_eq!(timeline[1]["audio"]["mute"], true, "V alone is silent");
    // The black of event 005 still takes record time: a trailing gap of 25 frames.
    assert_eq!(timeline[2]["gap"], "25f");
    let tracks = edl["audio_tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0]["name"], "A2");
    let clips = tracks[0]["clips"].as_array().unwrap();
    assert_eq!(
        (
            &clips[0]["at"],
            &clips[0]["in"],
            &clips[0]["duration"],
            &clips[0]["fade_out"]
        ),
        (&"25f".into(), &"75f".into(), &"31f".into(), &"6f".into())
    );
    assert_eq!(
        (
            &clips[1]["at"],
            &clips[1]["in"],
            &clips[1]["duration"],
            &clips[1]["fade_in"]
        ),
        (&"50f".into(), &"25f".into(), &"25f".into(), &"6f".into())
    );
}

/// What a program shows, frame for frame: each event's length, file, first source frame (at
/// the source's rate; stand-ins run at the program's), speed and transition; the cutaways;
/// the sound clips' places and source times in samples; the markers.
fn program_shape(edl: &roughcut::edl::Edl, with_mute: bool) -> Vec<String> {
    program_shape_of(edl, with_mute, true)
}

/// [`program_shape`], the markers' colours left out when `with_colour` is false.
fn program_shape_of(edl: &roughcut::edl::Edl, with_mute: bool, with_colour: bool) -> Vec<String> {
    use roughcut::edl::EventKind;
    let fps = edl.output.fps.as_ratio();
    let file = |id: &str| {
        edl.sources[id]
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut out: Vec<String> = edl
        .timeline
        .iter()
        .map(|e| {
            let what = match &e.kind {
                EventKind::Clip(c) => format!(
                    "{} from frame {} speed {} mute {}",
                    file(&c.source),
                    (c.source_in * fps).floor(),
                    c.speed,
                    c.audio.mute && with_mute
                ),
                EventKind::Title(t) => format!("title {:?}", t.text),
                EventKind::Gap => "black".into(),
            };
            format!(
                "{} frames: {what}{}",
                e.frames,
                e.transition.map(|t| format!(", {t:?}")).unwrap_or_default()
            )
        })
        .collect();
    out.extend(edl.cutaways.iter().map(|c| {
        format!(
            "cutaway at {} for {}: {} from frame {}",
            c.start,
            c.frames,
            file(&c.clip.source),
            (c.clip.source_in * fps).floor()
        )
    }));
    let sr = i64::from(edl.output.audio.sample_rate);
    out.extend(edl.beds.iter().map(|b| {
        format!(
            "sound at sample {} for {:?}: {} from sample {}",
            b.start,
            b.samples,
            file(&b.source),
            (b.source_in * sr).round()
        )
    }));
    out.extend(edl.markers.iter().map(|m| {
        format!(
            "marker {} {} at {} for {}",
            m.name,
            if with_colour {
                format!("{:?}", m.colour)
            } else {
                String::new()
            },
            m.frame,
            m.frames
        )
    }));
    out
}

/// A generated cut at `fps`: clips of three stand-ins (cuts, dissolves between clips at
/// normal speed, speeds a CMX `M2` line says exactly at the rate, freezes), gaps, a sound
/// track, markers; the stand-ins start at timecode `start`.
fn generated_cut(
    fps: &str,
    start: &str,
    events: &[(u8, i64, i64, u8)],
    sound: &[(i64, i64, i64)],
    marks: &[i64],
) -> serde_json::Value {
    let ntsc = fps.contains("1001");
    let mut timeline = Vec::new();
    let mut program = 0i64;
    let mut prev_plain = false;
    for (k, &(kind, a, b, c)) in events.iter().enumerate() {
        let frames = 12 + b % 60;
        if kind % 4 == 0 {
            timeline.push(serde_json::json!({ "gap": format!("{frames}f") }));
            program += frames;
            prev_plain = false;
            continue;
        }
        let source = ["a", "b", "c"][usize::from(kind % 3)];
        let mut e = serde_json::json!({
            "source": source, "in": format!("{}f", a % 5000), "duration": format!("{frames}f"),
            "name": format!("shot {k}"),
        });
        let speed = match c % 5 {
            1 => Some("0"),
            2 if !ntsc => Some("1/2"),
            3 if !ntsc => Some("2"),
            _ => None,
        };
        if let Some(s) = speed {
            e["speed"] = serde_json::json!(s);
        }
        if c % 7 == 6 {
            e["audio"] = serde_json::json!({ "mute": true });
        }
        let plain = speed.is_none();
        if plain && prev_plain && c % 3 == 0 {
            let d = 2 + (a % 8);
            e["transition"] =
                serde_json::json!({ "type": "dissolve", "duration": format!("{d}f") });
            program -= d;
        }
        program += frames;
        prev_plain = plain;
        timeline.push(e);
    }
    let clips: Vec<serde_json::Value> = sound
        .iter()
        .scan(0i64, |at, &(gap, len, from)| {
            let start_at = *at + gap % 40;
            let len = 5 + len % 40;
            *at = start_at + len;
            Some(serde_json::json!({
                "source": "a", "at": format!("{start_at}f"), "in": format!("{}f", from % 3000),
                "duration": format!("{len}f"),
            }))
        })
        .filter(|c| {
            let f = |v: &serde_json::Value| {
                v.as_str()
                    .unwrap()
                    .trim_end_matches('f')
                    .parse::<i64>()
                    .unwrap()
            };
            f(&c["at"]) + f(&c["duration"]) <= program
        })
        .collect();
    let colours = ["red", "green", "blue", "yellow"];
    let markers: Vec<serde_json::Value> = marks
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({ "at": format!("{}f", m % program.max(1)), "name": format!("note {i}"), "colour": colours[i % 4] }))
        .collect();
    let mut edl = serde_json::json!({
        "version": 1,
        "title": "generated",
        "output": { "fps": fps, "start_timecode": start, "width": 320, "height": 180 },
        "sources": { "a": { "path": "/standins/a.mkv" }, "b": { "path": "/standins/b.mkv" }, "c": { "path": "/standins/c.mkv" } },
        "timeline": timeline,
        "markers": markers,
    });
    if !clips.is_empty() {
        edl["audio_tracks"] = serde_json::json!([{ "name": "A2", "clips": clips }]);
    }
    edl
}

/// Export a checked EDL and read it back, as the CLI does but with stand-ins: CMX 3600
/// (linked by the files the list names) or OTIO (with or without roughcut's metadata).
fn round_trip(
    edl: &roughcut::edl::Edl,
    raw: &serde_json::Value,
    format: &str,
    facts: &roughcut::facts::MediaFacts,
) -> Result<roughcut::edl::Edl, Vec<String>> {
    use roughcut::interchange::{cmx3600_write, cut::Cut, fcpxml, otio};
    let fps = edl.output.fps;
    let start = roughcut::time::TimeSpec::parse(&facts.tags[0].1)
        .unwrap()
        .to_frame_floor(fps)
        .unwrap();
    let link_path = |path: &str| {
        let p = roughcut::interchange::otio::local_path(path);
        Some(to_edl::Link {
            id: std::path::Path::new(&p)
                .file_stem()?
                .to_string_lossy()
                .into_owned(),
            path: p,
            start,
            rate: Some(fps),
        })
    };
    let cut = Cut::of(edl, Some(raw));
    let (again, problems) = match format {
        "cmx3600" => {
            let w = cmx3600_write::write(&cut, cmx3600_write::Track::Main);
            let list = cmx3600::read(&w.text);
            assert!(list.problems.is_empty(), "{:?}\n{}", list.problems, w.text);
            to_edl::cmx_to_edl(&list, fps, &|e| link_path(e.source_file.as_deref()?))
        }
        "fcpxml" => {
            let w = fcpxml::write(&cut);
            let doc = fcpxml::to_otio(&w.text).map_err(|e| vec![e])?;
            otio::to_edl(&doc, None, &|w| link_path(w.url.as_deref()?))
                .map_err(|e| vec![e.to_string()])?
        }
        _ => {
            let mut doc = otio::write(&cut).value;
            if format == "otio-plain" {
                strip_metadata(&mut doc);
            }
            otio::to_edl(&doc, None, &|w| link_path(w.url.as_deref()?))
                .map_err(|e| vec![e.to_string()])?
        }
    };
    let again = as_json(&again);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.error)
        .map(|p| p.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    check_with_stand_ins(&again, facts)
}

fn strip_metadata(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("metadata");
            m.values_mut().for_each(strip_metadata);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_metadata),
        _ => {}
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, failure_persistence: None, ..Default::default() })]

    #[test]
    fn json_to_cmx_and_otio_and_back_shows_the_same_program(
        rate in 0usize..5,
        events in proptest::collection::vec((0u8..12, 0i64..100_000, 0i64..1000, 0u8..35), 1..10),
        sound in proptest::collection::vec((0i64..100, 0i64..100, 0i64..10_000), 0..3),
        marks in proptest::collection::vec(0i64..10_000, 0..3),
    ) {
        let (fps, start) = [
            ("24", "01:00:00:00"),
            ("25", "10:00:00:00"),
            ("30", "00:59:58:00"),
            ("30000/1001", "01:00:00:00"),
            ("30000/1001", "00:59:59;28"),
        ][rate];
        let raw = generated_cut(fps, start, &events, &sound, &marks);
        let rate = roughcut::time::Rate::parse(fps).unwrap();
        let mut facts = stand_in_facts(rate);
        facts.tags = vec![("timecode".into(), start.into())];
        let edl = check_with_stand_ins(&raw, &facts).unwrap_or_else(|e| panic!("{e:?}\n{raw:#}"));
        // FCPXML is written without speeds, cutaways and sound tracks: checked on cuts that
        // have none.
        let plain = edl.timeline.iter().all(|e| match &e.kind {
            roughcut::edl::EventKind::Clip(c) => c.speed == 1.into(),
            _ => true,
        }) && edl.beds.is_empty();
        let formats: &[&str] = if plain { &["cmx3600", "otio", "otio-plain", "fcpxml"] } else { &["cmx3600", "otio", "otio-plain"] };
        for &format in formats {
            let again = round_trip(&edl, &raw, format, &facts)
                .unwrap_or_else(|e| panic!("{format}: {e:?}\n{raw:#}"));
            // Without roughcut's metadata an OTIO file does not say that a clip's own sound
            // is off (nor does FCPXML as written): everything else must survive.
            let mute = format == "cmx3600" || format == "otio";
            // FCPXML markers have no colour.
            let colour = format != "fcpxml";
            proptest::prop_assert_eq!(&program_shape_of(&again, mute, colour), &program_shape_of(&edl, mute, colour), "{} at {}", format, fps);
            // OTIO keeps the start as a time; whether labels drop frames is inferred from the
            // rate (as OpenTimelineIO does) unless roughcut's metadata says.
            let start = |e: &roughcut::edl::Edl| e.output.start_timecode.map(|s| (s.frame, s.drop || format == "otio-plain"));
            proptest::prop_assert_eq!(start(&again), start(&edl), "{}", format);
        }
    }
}

/// The reference reader (OpenTimelineIO with its CMX 3600 adapter, in a venv under target/)
/// on `file`: its JSON account of the tracks. `scripts/test` installs it (`scripts/otio-setup`),
/// never the suite itself: without it the test fails saying so.
fn reference_read(file: &std::path::Path, rate: Option<&str>) -> serde_json::Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/otio-venv/bin/python");
    assert!(
        python.is_file(),
        "the reference reader is not installed ({} is missing); run scripts/otio-setup \
         (scripts/test runs it)",
        python.display()
    );
    let mut cmd = std::process::Command::new(root.join("target/otio-venv/bin/python"));
    cmd.arg(root.join("scripts/otio-ranges.py")).arg(file);
    if let Some(r) = rate {
        cmd.args(["--rate", r]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "the reference reader refused {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `[[value, rate], [value, rate]]` as (start, duration) in frames.
fn ref_range(v: &serde_json::Value) -> (f64, f64) {
    (v[0][0].as_f64().unwrap(), v[1][0].as_f64().unwrap())
}

/// (record start, frames, first source frame and speed of a clip) of each planned event.
type Planned = (i64, i64, Option<(roughcut::time::Rational, f64)>);

/// A track as the reference reader gives it holds the planned events in order: each at its
/// record frame for its frames, clips from `source_start(first frame)` at their speed.
fn check_track(
    track: &serde_json::Value,
    planned: &[Planned],
    source_start: impl Fn(roughcut::time::Rational) -> f64,
) {
    let items: Vec<&serde_json::Value> = track["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] != "Transition")
        .collect();
    assert_eq!(items.len(), planned.len());
    for (item, (record, frames, clip)) in items.iter().zip(planned) {
        let (at, len) = ref_range(&item["range_in_parent"]);
        assert_eq!((at, len), (*record as f64, *frames as f64), "{item}");
        if let Some((first, speed)) = clip {
            let (start, _) = ref_range(&item["source_range"]);
            let want = source_start(*first);
            assert!((start - want).abs() < 1e-9, "{item}: {start} vs {want}");
            let scalar = item["effects"][0]["time_scalar"].as_f64().unwrap_or(1.0);
            assert_eq!(scalar, *speed, "{item}");
        }
    }
}

#[test]
fn the_reference_implementation_reads_the_exports_with_roughcut_ranges() {
    let dir = crate::common::workdir("export-reference");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .unwrap()
    .replace("media/", "../")
    .replace(
        "\"fps\": \"25\",",
        "\"fps\": \"25\", \"start_timecode\": \"10:00:00:00\",",
    );
    assert!(text.contains("start_timecode"), "the example sets fps 25");
    let edl_path = dir.join("cut.json");
    std::fs::write(&edl_path, text).unwrap();
    let plan = crate::common::plan_for(&edl_path);
    let loaded = crate::common::load(&edl_path).unwrap();
    let edl = &loaded.edl;
    for (format, file) in [
        ("otio", "cut.otio"),
        ("cmx3600", "cut.edl"),
        ("fcpxml", "cut.fcpxml"),
    ] {
        let out = crate::common::roughcut()
            .args(["export"])
            .arg(&edl_path)
            .args(["--format", format, "-o"])
            .arg(dir.join(file))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // What roughcut plans: each event's record start, visible frames, first source frame
    // (25 fps), speed.
    let fps = edl.output.fps.as_ratio();
    let planned: Vec<Planned> = plan
        .events
        .iter()
        .map(|p| {
            let clip = match &edl.timeline[p.index].kind {
                // A still is held whatever its speed says; lists run its source with the record.
                roughcut::edl::EventKind::Clip(c) if edl.sources[&c.source].facts.is_still() => {
                    Some((c.source_in * fps, 1.0))
                }
                roughcut::edl::EventKind::Clip(c) => Some((
                    c.source_in * fps,
                    *c.speed.numer() as f64 / *c.speed.denom() as f64,
                )),
                _ => None,
            };
            (p.record_start, p.frames, clip)
        })
        .collect();
    let ten_hours = 10 * 3600 * 25;

    // OpenTimelineIO: every V1 item where the plan puts it, clips from the exact source time.
    let otio = reference_read(&dir.join("cut.otio"), None);
    assert_eq!(otio["global_start"][0].as_f64(), Some(ten_hours as f64));
    // OTIO keeps the exact source time.
    check_track(&otio["tracks"][0], &planned, |first| {
        *first.numer() as f64 / *first.denom() as f64
    });
    let dissolves: Vec<f64> = otio["tracks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "Transition")
        .map(|t| t["out_offset"][0].as_f64().unwrap() + t["in_offset"][0].as_f64().unwrap())
        .collect();
    assert_eq!(dissolves, [25.0]);
    // The cutaway on V2, the score on its track, the markers on the stack.
    let cutaway = &edl.cutaways[0];
    let v2 = otio["tracks"][1]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "Clip")
        .unwrap();
    assert_eq!(
        ref_range(&v2["range_in_parent"]),
        (cutaway.start as f64, cutaway.frames as f64)
    );
    let bed = &edl.beds[0];
    let sr = f64::from(edl.output.audio.sample_rate);
    let score = otio["tracks"][2]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "Clip")
        .unwrap();
    assert_eq!(
        ref_range(&score["range_in_parent"]).0,
        (bed.start as f64 * 25.0 / sr).round()
    );
    let markers: Vec<f64> = otio["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| ref_range(&m["marked_range"]).0)
        .collect();
    let want: Vec<f64> = edl.markers.iter().map(|m| m.frame as f64).collect();
    assert_eq!(markers, want);

    // CMX 3600 through the reference adapter: the same picture events and dissolve, clips from
    // the source frame roughcut shows (the latest at or before the exact time).
    let cmx = reference_read(&dir.join("cut.edl"), Some("25"));
    let video = cmx["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "Video")
        .unwrap();
    // CMX keeps the frame shown: the latest at or before the exact time.
    check_track(video, &planned, |first| first.floor().to_integer() as f64);
    let transition = video["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "Transition")
        .unwrap();
    assert_eq!(
        ref_range(&transition["transition_range_in_parent"]),
        (planned[2].0 as f64, 25.0)
    );

    // FCPXML through the reference adapter: the clips of the primary storyline, each from its
    // edit to the next (a dissolve's edit ⌊d/2⌋ frames in), from the source time it shows
    // there (the adapter counts whole frames).
    let fcp = reference_read(&dir.join("cut.fcpxml"), None);
    let clips: Vec<&serde_json::Value> = fcp["tracks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "Clip")
        .collect();
    let mut want = Vec::new();
    for (k, (record, frames, clip)) in planned.iter().enumerate() {
        let Some((first, _)) = clip else { continue };
        let dissolve = |i: usize| {
            plan.events
                .get(i)
                .and_then(|e| e.transition.as_ref())
                .map_or(0, |t| t.overlap())
        };
        let (head, next) = (dissolve(k) / 2, dissolve(k + 1));
        // The plan's frames already leave out the next dissolve's overlap.
        let (from, to) = (record + head, record + frames + next / 2);
        let start = (*first + roughcut::time::Rational::from_integer(head))
            .floor()
            .to_integer();
        want.push((from as f64, (to - from) as f64, start as f64));
    }
    let got: Vec<(f64, f64, f64)> = clips
        .iter()
        .map(|c| {
            let (at, len) = ref_range(&c["range_in_parent"]);
            (at, len, ref_range(&c["source_range"]).0.floor())
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn every_corpus_list_imports_exports_and_imports_again_to_the_same_program() {
    use roughcut::interchange::{cmx3600_write, cut::Cut};
    let mut checked = 0;
    for name in corpus_lists() {
        if name.ends_with("dissolve_test_fail.edl") {
            continue;
        }
        let (_, l) = list(&name);
        let (fps, _) = l.guess_rate().unwrap();
        let stand_in = |reel: &str| to_edl::Link {
            id: reel.to_lowercase(),
            path: format!("/standins/{reel}.mkv"),
            start: 0,
            rate: Some(fps),
        };
        let (first, _) = to_edl::cmx_to_edl(&l, fps, &|e| Some(stand_in(&e.reel)));
        let first = as_json(&first);
        let facts = stand_in_facts(fps);
        let edl = check_with_stand_ins(&first, &facts).unwrap();
        let written =
            cmx3600_write::write(&Cut::of(&edl, Some(&first)), cmx3600_write::Track::Main);
        let again = cmx3600::read(&written.text);
        assert!(
            again.problems.is_empty(),
            "{name}: {:?}",
            &again.problems[..1]
        );
        let (second, problems) = to_edl::cmx_to_edl(&again, fps, &|e| {
            let file = e.source_file.as_deref()?;
            let reel = file.strip_prefix("/standins/")?.strip_suffix(".mkv")?;
            Some(stand_in(reel))
        });
        let second = as_json(&second);
        assert!(problems.iter().all(|p| !p.error), "{name}: {problems:?}");
        let edl2 = check_with_stand_ins(&second, &facts).unwrap();
        assert_eq!(
            program_shape(&edl2, true),
            program_shape(&edl, true),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 26);
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn every_corpus_otio_timeline_imports_and_plans() {
    use roughcut::interchange::otio;
    let dir = corpus_dir().join("edl/otio");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".otio"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 10);
    let mut frames = std::collections::BTreeMap::new();
    for name in &names {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        let fps = otio::rate_of(&doc).unwrap();
        // Every clip a stand-in named after its media reference or clip name.
        let (edl, problems) = otio::to_edl(&doc, None, &|w| {
            let id: String = w
                .reference
                .clone()
                .unwrap_or_else(|| w.name.clone())
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            Some(to_edl::Link {
                path: format!("/standins/{id}.mkv"),
                id: if id.is_empty() { "clip".into() } else { id },
                start: 0,
                rate: Some(fps),
            })
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let edl = as_json(&edl);
        assert!(problems.iter().all(|p| !p.error), "{name}: {problems:?}");
        let plan = plan_with_stand_ins(&edl, &stand_in_facts(fps))
            .unwrap_or_else(|e| panic!("{name}: {e:?}\n{edl:#}"));
        frames.insert(name.clone(), (plan.frames, edl));
    }
    // Program lengths as OpenTimelineIO 0.18.1 gives them (`Track.duration()` of the first
    // video track); the multitrack timeline and its flattened form agree; nested stacks
    // longer than their content show black. The transitions before the first and after the
    // last clip of transition_test.otio reach 10 frames beyond its media, which the
    // stand-ins do not have before their start: 160 of OTIO's 170.
    for (name, want) in [
        ("clip_example.otio", 19),
        ("generator_reference_test.otio", 50),
        ("multiple_track.otio", 19),
        ("multitrack.otio", 3282),
        ("nested_example.otio", 636),
        ("preflattened.otio", 3282),
        ("screening_example.otio", 1049),
        ("simple_cut.otio", 19),
        ("transition_test.otio", 160),
    ] {
        assert_eq!(frames[name].0, want, "{name}");
    }
    // Markers (Marker.3 with colour objects) come through.
    let premiere = &frames["premiere_example.otio"].1;
    assert!(
        premiere["markers"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{premiere:#}"
    );
    for (name, (n, _)) in &frames {
        eprintln!("{name}: {n} frames");
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn short_corpus_lists_import_and_render_against_stand_in_media() {
    let root = crate::common::workdir("corpus-render");
    let mut rendered = Vec::new();
    for name in corpus_lists() {
        if name.ends_with("dissolve_test_fail.edl") {
            continue;
        }
        let (path, l) = list(&name);
        let (fps, _) = l.guess_rate().unwrap();
        let tc = |t: &cmx3600::Tc| {
            roughcut::time::TimeSpec::Timecode {
                hours: t.hours.into(),
                minutes: t.minutes.into(),
                seconds: t.seconds.into(),
                frames: t.frames.into(),
                drop: t.drop,
            }
            .to_frame_floor(fps)
            .ok()
        };
        // The file each event will be found as, and the source frames it needs (with room for
        // dissolves, motion and handles).
        let mut spans: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        // (Events with labels the rate does not have are left out by the importer.)
        let exists = |e: &&cmx3600::CmxEvent| {
            [e.source_in, e.source_out, e.record_in, e.record_out]
                .iter()
                .all(|t| tc(t).is_some())
        };
        let tc = |t: &cmx3600::Tc| tc(t).unwrap_or(0);
        for e in l.events.iter().filter(|e| e.reel != "BL").filter(exists) {
            let file = e
                .source_file
                .as_deref()
                .and_then(|f| f.rsplit(['/', '\\']).next())
                .and_then(|f| f.rsplit_once('.').map(|(s, _)| s.to_string()))
                .or_else(|| (e.reel == "AX").then(|| e.clip_name.clone()).flatten())
                .unwrap_or_else(|| e.reel.clone());
            let (a, b) = (tc(&e.source_in), tc(&e.source_out));
            let record = tc(&e.record_out) - tc(&e.record_in);
            let handle = 3 * fps.timecode_base();
            let span = spans.entry(file).or_insert((i64::MAX, 0));
            span.0 = span.0.min((a - handle).max(0));
            // Motion reads the source faster or slower than the record runs.
            let speed = e
                .motion
                .as_ref()
                .and_then(|m| m.speed.trim_start_matches('-').parse::<f64>().ok())
                .map_or(1.0, |fps_m| fps_m / (fps.num() as f64 / fps.den() as f64));
            let needed = (record as f64 * speed.max(1.0)).ceil() as i64;
            span.1 = span.1.max(b.max(a + needed) + handle);
        }
        let record_length = l.events.iter().map(|e| tc(&e.record_out)).max().unwrap()
            - l.events.iter().map(|e| tc(&e.record_in)).min().unwrap();
        let seconds = |f: i64| f / fps.timecode_base();
        if seconds(record_length) > 180 || spans.values().any(|(a, b)| seconds(b - a) > 45) {
            continue;
        }
        let dir = root.join(name.replace(['/', '.'], "_"));
        let media = dir.join("media");
        std::fs::create_dir_all(&media).unwrap();
        for (file, (a, b)) in &spans {
            if file.contains(['/', '\\']) {
                continue;
            }
            crate::common::write_clip(&roughcut::media::synth::SynthClip {
                path: media.join(format!("{file}.mkv")),
                duration: roughcut::time::Rational::from_integer(b - a) / fps.as_ratio(),
                video: Some(crate::common::video(
                    format!("testsrc2=size=64x36:rate={}/{}", fps.num(), fps.den()),
                    64,
                    36,
                    (fps.num() as i32, fps.den() as i32),
                    (1, 1),
                )),
                audio: vec![roughcut::media::synth::SynthAudio {
                    source: "sine=frequency=330".into(),
                    encoder: "pcm_s16le".into(),
                    sample_rate: 48000,
                    layout: "mono",
                    bit_rate: 0,
                }],
                metadata: vec![(
                    "timecode".into(),
                    roughcut::time::frames_to_timecode(*a, fps, false),
                )],
            })
            .unwrap();
        }
        let edl_path = dir.join("cut.json");
        let out = crate::common::roughcut()
            .arg("import")
            .arg(&path)
            .arg("-o")
            .arg(&edl_path)
            .args(["--fps", &format!("{}/{}", fps.num(), fps.den()), "--media"])
            .arg(&media)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {err}");
        // Small pictures: the test is about frames, not pixels.
        let mut edl: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&edl_path).unwrap()).unwrap();
        edl["output"]["width"] = 64.into();
        edl["output"]["height"] = 36.into();
        edl["output"]["path"] = "cut.mkv".into();
        std::fs::write(&edl_path, serde_json::to_string(&edl).unwrap()).unwrap();
        let plan = crate::common::plan_for(&edl_path);
        assert_eq!(plan.frames, record_length, "{name}");
        crate::common::render(&edl_path, &[]);
        let facts = crate::common::probe(&dir.join("cut.mkv")).unwrap();
        let seconds = facts.duration.unwrap().0;
        let frames = seconds * fps.as_ratio();
        // The container's length is the last frame's end (the sound may end a few samples
        // either side): within one frame of the list.
        let off = frames - roughcut::time::Rational::from_integer(record_length);
        assert!(
            off < 1.into() && off > (-1).into(),
            "{name}: {frames} frames rendered, {record_length} listed"
        );
        assert_eq!(
            facts
                .tags
                .iter()
                .find(|(k, _)| k == "timecode")
                .map(|(_, v)| v.clone()),
            l.events
                .iter()
                .map(|e| e.record_in)
                .min_by_key(|t| tc(t))
                .map(|t| { roughcut::time::frames_to_timecode(tc(&t), fps, false) })
                .filter(|t| t != "00:00:00:00"),
            "{name}: the start timecode"
        );
        rendered.push(format!("{name}: {record_length} frames"));
    }
    eprintln!("{}", rendered.join("\n"));
    assert!(rendered.len() >= 17, "{rendered:?}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn final_cut_projects_import_and_plan_to_their_length() {
    use roughcut::interchange::{fcpxml, otio};
    let dir = corpus_dir().join("edl/fcpxml");
    for name in [
        "fcpx_project.fcpxml",
        "fcpx_event.fcpxml",
        "fcpx_example.fcpxml",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let doc = fcpxml::to_otio(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fps = otio::rate_of(&doc).unwrap();
        assert_eq!(fps, roughcut::time::Rate::new(30, 1).unwrap(), "{name}");
        let (edl, problems) = otio::to_edl(&doc, None, &|w| {
            let file = w.url.as_deref()?.rsplit('/').next()?.to_string();
            Some(to_edl::Link {
                id: file.replace('.', "_"),
                path: format!("/standins/{file}"),
                start: 0,
                rate: Some(fps),
            })
        })
        .unwrap();
        let edl = as_json(&edl);
        assert!(problems.iter().all(|p| !p.error), "{name}: {problems:?}");
        let plan = plan_with_stand_ins(&edl, &stand_in_facts(fps))
            .unwrap_or_else(|e| panic!("{name}: {e:?}\n{edl:#}"));
        // 150 s, as OpenTimelineIO's FCPXML adapter reads the primary storyline; a compound
        // clip flattened, connected clips on lanes as cutaways and sound.
        assert_eq!(plan.frames, 150 * 30, "{name}");
        assert!(
            edl["cutaways"].as_array().is_some_and(|c| !c.is_empty()),
            "{name}"
        );
        assert!(
            edl["markers"].as_array().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    // Clips only: a clear refusal.
    let clips = std::fs::read_to_string(dir.join("fcpx_clips.fcpxml")).unwrap();
    let err = fcpxml::to_otio(&clips).unwrap_err();
    assert!(err.contains("no project or sequence"), "{err}");
}
