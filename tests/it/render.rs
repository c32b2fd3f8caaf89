//! Rendering real generated media and measuring the output: frame and sample counts, sync at
//! every join, aspect, rotation, silence, neutral black-and-white, clean failure and interruption.

use std::path::{Path, PathBuf};
use std::time::Duration;

use roughcut::edl;
use roughcut::media::measure::{decode_sound, Picture};
use roughcut::media::synth::SynthAudio;
use roughcut::plan;
use roughcut::time::Rational;

use crate::common::{
    pictures, plan_for, render, render_edl, render_failure, roughcut, samples_dir, synth, video,
    workdir,
};

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".roughcut-") || n.contains("partial"))
        .collect()
}

#[test]
fn example_cut_has_the_planned_frames_and_samples() {
    let dir = workdir("example");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .expect("example EDL")
    .replace("media/", "../")
    .replace("out/komsomolsk-rough-cut.mp4", "cut.mp4");
    let edl_path = dir.join("cut.json");
    std::fs::write(&edl_path, text).expect("write EDL");
    let plan = plan_for(&edl_path);
    render(&edl_path, &[]);
    let out = dir.join("cut.mp4");

    let pics = pictures(&out);
    assert_eq!(pics.len() as i64, plan.frames, "frame count = plan");
    // Timestamps are exactly frame k / 25, starting at 0.
    for (k, p) in pics.iter().enumerate() {
        assert_eq!(p.time, Rational::new(k as i64, 25), "frame {k}");
    }
    let sound = decode_sound(&out).expect("decode").expect("sound");
    assert_eq!(sound.sample_rate, 48000);
    assert_eq!(sound.channels, 2);
    assert_eq!(sound.start, Rational::from_integer(0), "sound starts at 0");
    let n = sound.len() as i64;
    assert!(
        (n - plan.samples).abs() <= 1024,
        "{n} samples decoded, plan {}",
        plan.samples
    );
    // Russian (source-timed) as a soft track; English (record-timed) burned in only, not
    // carried twice.
    let subs = roughcut::media::measure::subtitle_streams(&out).expect("subtitle tracks");
    let langs: Vec<_> = subs.iter().map(|s| s.language.as_deref()).collect();
    assert_eq!(langs, [Some("rus")]);
    assert_eq!(subs[0].cues.len(), plan.subtitles[0].cues.len());
    assert!(subs[0].default, "the first track is the default one");
    // Normalised to −23 LUFS (EBU R128) under a −1 dBTP ceiling, music bed and all.
    let loud = roughcut::media::loudness::measure_file(&out, 0).expect("measure loudness");
    assert!(
        (loud.integrated + 23.0).abs() <= 1.0 && loud.true_peak < -1.0,
        "example loudness {:.2} LUFS, true peak {:.2} dBTP",
        loud.integrated,
        loud.true_peak
    );
    eprintln!(
        "example: {} frames (plan {}), {n} samples decoded (plan {})",
        pics.len(),
        plan.frames,
        plan.samples
    );

    // Every event starts with a keyframe.
    for ev in &plan.events {
        assert!(
            pics[ev.record_start as usize].key,
            "event {} starts at a keyframe",
            ev.index
        );
    }
    // Black-and-white events (declared bw; monochrome look) are neutral from their first frame.
    for ev in plan
        .events
        .iter()
        .filter(|e| [0, 1, 5, 8].contains(&e.index))
    {
        for k in ev.record_start..ev.record_start + ev.frames {
            let p = &pics[k as usize];
            let dev = p.max_chroma_deviation(0, 0, p.width, p.height);
            assert!(
                dev <= 1,
                "event {} frame {k}: chroma {dev} off neutral",
                ev.index
            );
        }
    }
    // The freeze holds the slowed shot's last frame.
    let whole = |k: usize| pics[k].mean_y(160, 0, 960, 720);
    for k in 100..113 {
        assert!(
            (whole(k) - whole(99)).abs() < 0.5,
            "frame {k} of the freeze: luma {:.2} against {:.2}",
            whole(k),
            whole(99)
        );
    }
    // The colour event after the B&W ones has colour.
    let amur = &plan.events[2];
    let p = &pics[(amur.record_start + 30) as usize];
    assert!(p.max_chroma_deviation(160, 0, 960, 720) > 20);
    // The cutaway over the interview: frames 510..550 show the Amur clip from 3 s, whose white
    // flash (the first 40 ms of each second) lands on frame 510 exactly; the interview is
    // around it.
    let centre = |k: usize| pics[k].mean_y(400, 200, 480, 320);
    assert!(
        centre(510) > 200.0 && centre(509) < 180.0 && centre(511) < 180.0,
        "the flash at source 3 s is frame 510: luma {:.0} / {:.0} / {:.0}",
        centre(509),
        centre(510),
        centre(511)
    );
    assert!(
        pics[510].key && pics[550].key,
        "the cutaway's segments start on keyframes"
    );
    // Nothing but the output is left in the folder.
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

/// A 29.97 fps source with a white flash (the two frames starting within a frame of each whole
/// second) and a 1 kHz beep starting exactly at each whole second.
fn flash_beep_source() -> PathBuf {
    let flash = "lt(mod(t+1001/30000,1),2002/30000)";
    let beep = "if(lt(mod(t,1),0.04),0.5*sin(2*PI*1000*t),0)";
    synth(
        "flash_beep_2997.mp4",
        12,
        Some(video(
            format!("color=c=0x404040:s=320x240:r=30000/1001,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{flash}'"),
            320,
            240,
            (30000, 1001),
            (1, 1),
        )),
        Some(SynthAudio {
            source: format!("aevalsrc=exprs='{beep}|{beep}':sample_rate=48000:channel_layout=stereo"),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "stereo",
            bit_rate: 192_000,
        }),
    )
}

/// Onsets of beeps: first sample above a quarter of full scale after 100 ms of quiet.
fn onsets(samples: &[f32], rate: u32) -> Vec<i64> {
    let quiet = rate as usize / 10;
    let mut found = Vec::new();
    let mut since_loud = quiet;
    for (i, s) in samples.iter().enumerate() {
        if s.abs() > 0.25 {
            if since_loud >= quiet {
                found.push(i as i64);
            }
            since_loud = 0;
        } else {
            since_loud += 1;
        }
    }
    found
}

#[test]
fn sound_and_picture_stay_in_sync_across_twelve_cuts() {
    let src = flash_beep_source();
    let dir = workdir("sync");
    // Twelve events at odd in-points, each holding exactly one whole-second mark.
    let events: Vec<String> = (0..12)
        .map(|e| {
            let sec = 1 + (e % 10);
            let in_ms = sec * 1000 - 700 + e * 13;
            format!(
                r#"{{ "source": "s", "in": {}.{:03}, "duration": "30f" }}"#,
                in_ms / 1000,
                in_ms % 1000
            )
        })
        .collect();
    let edl_path = dir.join("sync.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "sync.mp4", "width": 320, "height": 240 }},
                "sources": {{ "s": {{ "path": "{}" }} }}, "timeline": [ {} ] }}"#,
            src.display(),
            events.join(", ")
        ),
    )
    .expect("write EDL");
    let plan = plan_for(&edl_path);
    render(&edl_path, &[]);
    let out = dir.join("sync.mp4");

    // Where each beep must land: the event's first sample + (whole second − in) × 48000.
    let loaded = crate::common::load(&edl_path).expect("EDL");
    let mut expected = Vec::new();
    for (ev, placed) in loaded.edl.timeline.iter().zip(&plan.events) {
        let edl::EventKind::Clip(c) = &ev.kind else {
            unreachable!()
        };
        let sec = c.source_in.ceil();
        let first = plan::sample_at(placed.record_start, 48000, loaded.edl.output.fps);
        expected.push(first + ((sec - c.source_in) * 48000).round().to_integer());
    }
    let sound = decode_sound(&out).expect("decode").expect("sound");
    let left = sound.channel(0);
    let found = onsets(&left, 48000);
    assert_eq!(
        found.len(),
        expected.len(),
        "beeps found at {found:?}, expected {expected:?}"
    );
    for (f, e) in found.iter().zip(&expected) {
        assert!(
            (f - e).abs() <= 48,
            "beep at sample {f}, planned {e} (more than 1 ms apart)"
        );
    }
    let worst = found
        .iter()
        .zip(&expected)
        .map(|(f, e)| (f - e).abs())
        .max()
        .unwrap_or(0);
    eprintln!(
        "sync: {} beeps, worst offset from plan {worst} samples at 48 kHz",
        found.len()
    );
    // Each flash within one frame (40 ms) of its beep.
    let pics = pictures(&out);
    assert_eq!(pics.len() as i64, plan.frames);
    let mut flashes = Vec::new();
    let mut prev = false;
    for (k, p) in pics.iter().enumerate() {
        let bright = p.mean_y(0, 0, p.width, p.height) > 180.0;
        if bright && !prev {
            flashes.push(k as i64);
        }
        prev = bright;
    }
    assert_eq!(flashes.len(), found.len(), "flash frames {flashes:?}");
    for (fl, beep) in flashes.iter().zip(&found) {
        let flash_s = Rational::new(*fl, 25);
        let beep_s = Rational::new(*beep, 48000);
        let diff = if flash_s > beep_s {
            flash_s - beep_s
        } else {
            beep_s - flash_s
        };
        assert!(
            diff <= Rational::new(1, 25),
            "flash at frame {fl} vs beep at sample {beep}"
        );
        eprintln!(
            "sync: flash frame {fl}, beep sample {beep}: {:.1} ms apart",
            *diff.numer() as f64 * 1000.0 / *diff.denom() as f64
        );
    }
}

/// Active picture width: columns of the middle row brighter than the black pad.
fn active_width(p: &Picture) -> usize {
    let row = p.height / 2;
    (0..p.width)
        .filter(|&c| p.y[row * p.width + c] > 60)
        .count()
}

#[test]
fn anamorphic_sources_keep_their_aspect() {
    let wide = synth(
        "sar_64_45.mp4",
        1,
        Some(video(
            "color=c=white:s=720x576:r=25".into(),
            720,
            576,
            (25, 1),
            (64, 45),
        )),
        None,
    );
    let ntsc = synth(
        "sar_8_9.mp4",
        1,
        Some(video(
            "color=c=white:s=720x480:r=30000/1001".into(),
            720,
            480,
            (30000, 1001),
            (8, 9),
        )),
        None,
    );
    let dir = workdir("aspect");
    let edl_path = dir.join("aspect.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "aspect.mp4" }},
                "sources": {{ "wide": {{ "path": "{}" }}, "ntsc": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "wide", "in": 0, "duration": "5f" }}, {{ "source": "ntsc", "in": 0, "duration": "5f" }} ] }}"#,
            wide.display(),
            ntsc.display()
        ),
    )
    .expect("write EDL");
    render(&edl_path, &[]);
    let pics = pictures(&dir.join("aspect.mp4"));
    assert_eq!(pics.len(), 10);
    // 16:9 fills 1280; 4:3 is 960 wide, pillarboxed.
    let w = active_width(&pics[2]);
    assert!((1276..=1280).contains(&w), "SAR 64:45 picture is {w} wide");
    let w = active_width(&pics[7]);
    assert!((956..=964).contains(&w), "SAR 8:9 picture is {w} wide");
}

#[test]
fn rotated_source_comes_out_upright() {
    // Stored 360x640 with the top half white; shown turned 90° clockwise, the right half is white.
    let mut v = video(
        "color=c=black:s=360x640:r=25,drawbox=x=0:y=0:w=360:h=320:color=white:t=fill".into(),
        360,
        640,
        (25, 1),
        (1, 1),
    );
    v.display_matrix = Some(roughcut::facts::Orientation::clockwise(90));
    let src = synth("rotated.mp4", 1, Some(v), None);
    let facts = crate::common::probe(&src).expect("probe");
    assert_eq!(facts.video().map(|v| v.rotation), Some(270));
    let dir = workdir("rotate");
    let edl_path = dir.join("rot.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "rot.mp4", "width": 640, "height": 360 }},
                "sources": {{ "r": {{ "path": "{}" }} }}, "timeline": [ {{ "source": "r", "in": 0, "duration": "3f" }} ] }}"#,
            src.display()
        ),
    )
    .expect("write EDL");
    render(&edl_path, &[]);
    let pics = pictures(&dir.join("rot.mp4"));
    let p = &pics[1];
    assert_eq!((p.width, p.height), (640, 360));
    let left = p.mean_y(0, 0, 300, 360);
    let right = p.mean_y(340, 0, 300, 360);
    assert!(
        left < 40.0 && right > 200.0,
        "left {left:.0}, right {right:.0}: not upright"
    );
}

/// Where the display matrix `o` shows source point (`p`, `q`) of a `w`×`h` picture: the
/// matrix's own mapping (p', q') = (a·p + c·q, b·p + d·q), moved back into the frame.
fn displayed(o: roughcut::facts::Orientation, w: f64, h: f64, p: f64, q: f64) -> (f64, f64) {
    let map = |p: f64, q: f64| {
        (
            f64::from(o.a) * p + f64::from(o.c) * q,
            f64::from(o.b) * p + f64::from(o.d) * q,
        )
    };
    let corners = [map(0.0, 0.0), map(w, 0.0), map(0.0, h), map(w, h)];
    let min_x = corners.iter().map(|c| c.0).fold(f64::MAX, f64::min);
    let min_y = corners.iter().map(|c| c.1).fold(f64::MAX, f64::min);
    let (x, y) = map(p, q);
    (x - min_x, y - min_y)
}

#[test]
fn all_eight_display_orientations_come_out_as_their_matrix_maps_them() {
    use roughcut::facts::Orientation as O;
    // 160x120: a white mark in the top-left corner and a grey one in the top-right.
    let source = "color=c=black:s=160x120:r=25,drawbox=x=0:y=0:w=32:h=24:color=white:t=fill,drawbox=x=128:y=0:w=32:h=24:color=0x808080:t=fill";
    let dir = workdir("orientations");
    let all: Vec<(String, O)> = [0, 90, 180, 270]
        .iter()
        .flat_map(|&r| {
            [
                (format!("turn{r}"), O::clockwise(r)),
                (format!("turn{r}_mirror"), O::clockwise(r).then(O::FLIP_H)),
            ]
        })
        .collect();
    for (name, o) in &all {
        let mut v = video(source.into(), 160, 120, (25, 1), (1, 1));
        v.display_matrix = Some(*o);
        let src = synth(&format!("orient_{name}.mp4"), 1, Some(v), None);
        let facts = crate::common::probe(&src).expect("probe");
        assert_eq!(
            facts.video().map(|v| v.orientation),
            Some(*o),
            "{name}: probed"
        );
        let (w, h) = if o.swaps_axes() {
            (120, 160)
        } else {
            (160, 120)
        };
        let pics = render_edl(
            &dir,
            name,
            &format!(
                r#"{{ "version": 1, "output": {{ "path": "{name}.mp4", "width": {w}, "height": {h} }},
                    "sources": {{ "s": {{ "path": "{}" }} }}, "timeline": [ {{ "source": "s", "in": 0, "duration": "2f" }} ] }}"#,
                src.display()
            ),
        );
        let pic = &pics[0];
        assert_eq!((pic.width, pic.height), (w as usize, h as usize), "{name}");
        // The marks' centres and the two bottom corners, where the matrix puts them.
        let at = |p: f64, q: f64| {
            let (x, y) = displayed(*o, 160.0, 120.0, p, q);
            pic.mean_y(x as usize - 4, y as usize - 4, 8, 8)
        };
        let (white, grey) = (at(16.0, 12.0), at(144.0, 12.0));
        let (bl, br) = (at(16.0, 108.0), at(144.0, 108.0));
        assert!(
            white > 200.0 && (100.0..160.0).contains(&grey) && bl < 40.0 && br < 40.0,
            "{name} ({o:?}): white mark {white:.0}, grey mark {grey:.0}, bottom corners {bl:.0} {br:.0}"
        );
    }
}

#[test]
fn a_source_is_turned_mirrored_and_cropped_as_the_edl_says() {
    use roughcut::facts::Orientation as O;
    // The marked 160x120 picture, stored with a display matrix that turns it 90° clockwise.
    let source = "color=c=black:s=160x120:r=25,drawbox=x=0:y=0:w=32:h=24:color=white:t=fill,drawbox=x=128:y=0:w=32:h=24:color=0x808080:t=fill";
    let mut v = video(source.into(), 160, 120, (25, 1), (1, 1));
    v.display_matrix = Some(O::clockwise(90));
    let src = synth("orient_turned_for_edl.mp4", 1, Some(v), None);
    let dir = workdir("source-shape");
    let render_one = |name: &str, shape: &str, w: u32, h: u32| {
        render_edl(
            &dir,
            name,
            &format!(
                r#"{{ "version": 1, "output": {{ "path": "{name}.mp4", "width": {w}, "height": {h}, "fit": "stretch" }},
                    "sources": {{ "s": {{ "path": "{}" {shape} }} }}, "timeline": [ {{ "source": "s", "in": 0, "duration": "2f" }} ] }}"#,
                src.display()
            ),
        )
        .remove(0)
    };
    let corner = |p: &Picture, right: bool, bottom: bool| {
        let x = if right { p.width - 12 } else { 4 };
        let y = if bottom { p.height - 12 } else { 4 };
        p.mean_y(x, y, 8, 8)
    };
    // The file's quarter turn and `rotate: 90` make half a turn: the white mark bottom right,
    // the grey one bottom left.
    let p = render_one("turned", r#", "rotate": 90"#, 160, 120);
    assert!(
        corner(&p, true, true) > 200.0 && (100.0..160.0).contains(&corner(&p, false, true)),
        "half a turn: bottom right {:.0}, bottom left {:.0}",
        corner(&p, true, true),
        corner(&p, false, true)
    );
    // The file's matrix ignored and the picture mirrored: white top right, grey top left.
    let p = render_one(
        "mirrored",
        r#", "display_matrix": "ignore", "flip": "horizontal""#,
        160,
        120,
    );
    assert!(
        corner(&p, true, false) > 200.0 && (100.0..160.0).contains(&corner(&p, false, false)),
        "mirrored as stored: top right {:.0}, top left {:.0}",
        corner(&p, true, false),
        corner(&p, false, false)
    );
    // Upright (120x160, turned by the file), 20 % of the height cut from the bottom: the marks,
    // now down the right side, and the black between them, fill 120x128.
    let p = render_one("cropped", r#", "crop": { "bottom": "20%" }"#, 120, 128);
    let (top_right, bottom_right) = (corner(&p, true, false), corner(&p, true, true));
    assert!(
        top_right > 200.0 && bottom_right < 40.0,
        "the grey mark (the last 32 rows upright) is cropped away: top right {top_right:.0}, bottom right {bottom_right:.0}"
    );
}

#[test]
fn soundless_source_gives_digital_silence_and_exact_length() {
    let dir = workdir("silence");
    let edl_path = dir.join("s.json");
    // builders (no sound) between two events with sound.
    std::fs::write(
        &edl_path,
        r#"{ "version": 1, "output": { "path": "s.mp4", "width": 320, "height": 240 },
            "sources": { "tele": { "path": "../telecine_1948_cast.mp4" }, "gray": { "path": "../builders_1932_gray.mp4" } },
            "timeline": [ { "source": "tele", "in": 0, "duration": "1s" },
                          { "source": "gray", "in": 1, "duration": "2s" },
                          { "source": "tele", "in": 2, "duration": "1s" } ] }"#,
    )
    .expect("write EDL");
    let plan = plan_for(&edl_path);
    render(&edl_path, &[]);
    let sound = decode_sound(&dir.join("s.mp4"))
        .expect("decode")
        .expect("sound");
    let seg = &plan.segments[1];
    // Away from the joins (AAC blocks overlap by 1024 samples), the silent event is silent.
    let from = (seg.sample_start + 2048) as usize;
    let to = (seg.sample_start + seg.samples - 2048) as usize;
    let loudest = (from..to)
        .flat_map(|i| [sound.samples[i * 2], sound.samples[i * 2 + 1]])
        .fold(0f32, |m, s| m.max(s.abs()));
    assert!(loudest < 1e-4, "the soundless event has level {loudest}");
    // The telecine's mono tone plays on both channels.
    let tone = &sound.samples[2000 * 2..20000 * 2];
    let (l, r): (Vec<f32>, Vec<f32>) = tone.chunks(2).map(|c| (c[0], c[1])).unzip();
    let rms = |v: &[f32]| (v.iter().map(|s| s * s).sum::<f32>() / v.len() as f32).sqrt();
    assert!(
        rms(&l) > 0.08 && rms(&r) > 0.08,
        "mono source on both channels: {} {}",
        rms(&l),
        rms(&r)
    );
}

#[test]
fn truncated_source_is_measured_and_the_event_past_its_end_refused() {
    let dir = workdir("truncated");
    // The first 40% of the DV-style clip: the container still claims 8 s, the file holds about
    // 3. Its length is measured, not trusted: the event beyond what is there is refused before
    // anything renders, by its pointer, with the length the file really has.
    let whole = std::fs::read(samples_dir().join("amur_2004_pal.mkv")).expect("read sample");
    let cut = dir.join("amur_cut.mkv");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 5]).expect("write truncated copy");
    let edl_path = dir.join("t.json");
    std::fs::write(
        &edl_path,
        r#"{ "version": 1, "output": { "path": "t.mp4", "width": 320, "height": 240 },
            "sources": { "amur": { "path": "amur_cut.mkv" } },
            "timeline": [ { "source": "amur", "in": 0, "out": 1 }, { "source": "amur", "in": 5, "out": 7, "name": "late part" } ] }"#,
    )
    .expect("write EDL");
    let (code, stderr) = render_failure(&edl_path);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("/timeline/1/"), "names the event: {stderr}");
    assert!(
        stderr.contains("past the end of source `amur` (2.68s long)"),
        "names the source and its measured length (not the 8 s its header claims): {stderr}"
    );
    assert!(
        !stderr.contains("/timeline/0/"),
        "the first second is there: {stderr}"
    );
    assert!(!dir.join("t.mp4").exists(), "no output after a failure");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    // The part that is there renders.
    let text = std::fs::read_to_string(&edl_path).unwrap().replace(
        r#", { "source": "amur", "in": 5, "out": 7, "name": "late part" }"#,
        "",
    );
    std::fs::write(&edl_path, text).unwrap();
    crate::common::render(&edl_path, &[]);
    assert_eq!(crate::common::pictures(&dir.join("t.mp4")).len(), 25);
}

#[test]
fn interrupt_removes_temporaries_and_exits_130() {
    let dir = workdir("interrupt");
    let edl_path = dir.join("i.json");
    // A longer cut of the HD clip, slow enough to interrupt mid-way.
    let events: Vec<String> = (0..12)
        .map(|_| r#"{ "source": "hd", "in": 0, "out": 4 }"#.to_string())
        .collect();
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "i.mp4", "width": 1920, "height": 1080, "video": {{ "preset": "medium" }} }},
                "sources": {{ "hd": {{ "path": "../knam_hd.mp4" }} }}, "timeline": [ {} ] }}"#,
            events.join(", ")
        ),
    )
    .expect("write EDL");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roughcut"))
        .args(["render", "--progress", "json"])
        .arg(&edl_path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start render");
    // Wait until a segment has made progress, then interrupt.
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if line.contains("\"segment_progress\"") {
                let _ = tx.send(());
            }
        }
    });
    let saw_progress = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    assert!(saw_progress, "the render reported progress");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(status.success());
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the render did not stop within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(130));
    // Stopping is prompt: well under the time the rest of the cut would take.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?} to stop",
        started.elapsed()
    );
    assert!(!dir.join("i.mp4").exists(), "no output after an interrupt");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn dry_run_prints_the_plan_as_json_and_renders_nothing() {
    let dir = workdir("dry");
    let edl_path = dir.join("d.json");
    std::fs::write(
        &edl_path,
        r#"{ "version": 1, "output": { "path": "d.mp4" },
            "sources": { "amur": { "path": "../amur_2004_pal.mkv" } },
            "timeline": [ { "source": "amur", "in": "00:00:01:00", "out": "00:00:07:00" }, { "gap": "1s" } ] }"#,
    )
    .expect("write EDL");
    let out = roughcut()
        .args(["render", "--dry-run", "--json", "--jobs", "2"])
        .arg(&edl_path)
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(v["frames"], 175);
    assert_eq!(v["samples"], 336_000);
    let segs = v["segments"].as_array().expect("segments");
    // The 6 s event is under the 10 s segment target, so one segment whatever --jobs says;
    // the gap is its own segment.
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0]["frames"], 150);
    assert_eq!(
        segs.last().map(|s| &s["picture"]["type"]),
        Some(&serde_json::json!("black"))
    );
    assert!(!dir.join("d.mp4").exists());
}

#[test]
fn mkv_and_mov_by_extension_tagged_bt709() {
    let dir = workdir("containers");
    let edl_path = dir.join("c.json");
    std::fs::write(
        &edl_path,
        r#"{ "version": 1, "output": { "path": "c.mp4", "width": 640, "height": 360, "audio": { "codec": "aac" } },
            "sources": { "hd": { "path": "../knam_hd.mp4" } },
            "timeline": [ { "source": "hd", "in": 0, "duration": "12f" }, { "gap": "3f" } ] }"#,
    )
    .expect("write EDL");
    for name in ["c.mkv", "c.mov"] {
        let out = dir.join(name);
        render(&edl_path, &["-o", out.to_str().expect("utf-8 path")]);
        let facts = crate::common::probe(&out).expect("probe output");
        let expected = if name.ends_with("mkv") {
            "matroska,webm"
        } else {
            "mov,mp4,m4a,3gp,3g2,mj2"
        };
        assert_eq!(facts.container, expected);
        let v = facts.video().expect("video");
        assert_eq!((v.width, v.height), (640, 360));
        assert_eq!(v.color_matrix, "bt709");
        assert_eq!(v.color_primaries, "bt709");
        assert_eq!(v.color_transfer, "bt709");
        assert_eq!(v.color_range, "tv");
        assert_eq!(pictures(&out).len(), 15, "{name}");
    }
    // An output path with another extension is a usage error.
    let bad = roughcut()
        .arg("render")
        .arg(&edl_path)
        .args(["-o", "x.avi"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corrupt_corpus_source_fails_cleanly() {
    let corpus = crate::common::corpus_dir();
    let dir = workdir("corrupt");
    let edl_path = dir.join("bad.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "bad.mp4", "width": 320, "height": 240 }},
                "sources": {{ "ok": {{ "path": "../knam_hd.mp4" }}, "vp9": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "ok", "in": 0, "duration": "2s" }}, {{ "source": "vp9", "in": 0, "duration": "10f", "name": "broken clip" }} ] }}"#,
            corpus.join("media/invalid-bitstream.webm").display()
        ),
    )
    .expect("write EDL");
    let (code, stderr) = render_failure(&edl_path);
    assert!(matches!(code, Some(1) | Some(3)), "{stderr}");
    assert!(
        stderr.contains("invalid-bitstream.webm"),
        "names the source: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.join("bad.mp4").exists());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn dips_to_black_and_program_fades() {
    let dir = workdir("dip");
    let edl_path = dir.join("dip.json");
    std::fs::write(
        &edl_path,
        r#"{ "version": 1, "output": { "path": "dip.mp4", "width": 640, "height": 360, "fade_in": "0.4s", "fade_out": "0.4s" },
            "sources": { "hd": { "path": "../knam_hd.mp4" }, "tele": { "path": "../telecine_1948_cast.mp4" } },
            "timeline": [ { "source": "hd", "in": 0, "duration": "2s" },
                          { "source": "tele", "in": 1, "duration": "2s", "transition": { "type": "fade_black", "duration": "1s" } } ] }"#,
    )
    .expect("write EDL");
    let plan = plan_for(&edl_path);
    assert_eq!(plan.frames, 100, "a dip does not shorten the program");
    render(&edl_path, &[]);
    let out = dir.join("dip.mp4");
    let pics = pictures(&out);
    assert_eq!(pics.len(), 100);
    let luma = |k: usize| pics[k].mean_y(0, 0, 640, 360);
    // The dip: the last frame before the boundary and the first after it are black.
    assert!(
        luma(49) <= 17.0 && luma(50) <= 17.0,
        "boundary luma {} / {}",
        luma(49),
        luma(50)
    );
    // Half-way down and up, and full picture outside the dip.
    assert!(
        luma(44) > 17.0 && luma(44) < luma(30),
        "fading out: {} then {}",
        luma(30),
        luma(44)
    );
    assert!(luma(30) > 40.0 && luma(70) > 40.0);
    // Program fades: first and last frames black.
    assert!(
        luma(0) <= 17.0 && luma(99) <= 17.0,
        "ends {} / {}",
        luma(0),
        luma(99)
    );
    eprintln!(
        "dip: luma {:.1} {:.1} {:.1} | {:.1} {:.1} {:.1}",
        luma(38),
        luma(44),
        luma(49),
        luma(50),
        luma(55),
        luma(62)
    );
    // Sound dips too: quiet at the boundary, full away from it.
    let sound = decode_sound(&out).expect("decode").expect("sound");
    let rms = |from: usize, to: usize| {
        let s = &sound.samples[from * 2..to * 2];
        (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
    };
    let at_cut = rms(96_000 - 200, 96_000 + 200);
    let before = rms(60_000, 70_000);
    eprintln!("dip: sound RMS {before:.4} before, {at_cut:.5} at the boundary");
    assert!(
        at_cut < before / 20.0,
        "the sound dips: {at_cut} vs {before}"
    );
}

fn tone_card(name: &str, colour: &str, freq: u32) -> PathBuf {
    synth(
        name,
        3,
        Some(video(
            format!("color=c={colour}:s=320x240:r=25"),
            320,
            240,
            (25, 1),
            (1, 1),
        )),
        Some(SynthAudio {
            source: format!("sine=frequency={freq}:sample_rate=48000"),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 96_000,
        }),
    )
}

fn dissolve_edl(dir: &Path) -> PathBuf {
    let black = tone_card("black_440.mp4", "black", 440);
    let white = tone_card("white_660.mp4", "white", 660);
    let edl_path = dir.join("x.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "x.mp4", "width": 320, "height": 240 }},
                "sources": {{ "b": {{ "path": "{}" }}, "w": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "b", "in": 0, "duration": "2s" }},
                              {{ "source": "w", "in": 0, "duration": "2s", "transition": {{ "type": "dissolve", "duration": "1s" }} }} ] }}"#,
            black.display(),
            white.display()
        ),
    )
    .expect("write EDL");
    edl_path
}

#[test]
fn dissolve_mixes_picture_and_sound_inside_one_segment() {
    let dir = workdir("dissolve");
    let edl_path = dissolve_edl(&dir);
    let plan = plan_for(&edl_path);
    assert_eq!(plan.frames, 75, "2 s + 2 s − the 1 s dissolve");
    let dissolve = plan
        .segments
        .iter()
        .find(|s| matches!(s.picture, plan::Picture::Dissolve(_)))
        .expect("a dissolve segment");
    assert_eq!((dissolve.record_start, dissolve.frames), (25, 25));
    render(&edl_path, &["--jobs", "2"]);
    let out = dir.join("x.mp4");
    let pics = pictures(&out);
    assert_eq!(pics.len(), 75);
    let luma = |k: usize| pics[k].mean_y(0, 0, 320, 240);
    // Black is 16, white 235: the middle frame of the dissolve is half-way (±10 %).
    let mid = luma(37);
    eprintln!(
        "dissolve: luma {:.1} → {:.1} → {:.1} → {:.1} → {:.1}",
        luma(24),
        luma(25),
        luma(37),
        luma(49),
        luma(50)
    );
    assert!((mid - 125.5).abs() <= 22.0, "middle frame luma {mid:.1}");
    assert!(luma(24) < 20.0 && luma(50) > 230.0);
    assert!(
        luma(26) < luma(37) && luma(37) < luma(48),
        "rising through the dissolve"
    );
    // Sound crossfades without a gap: RMS over every 10 ms stays well above silence.
    let sound = decode_sound(&out).expect("decode").expect("sound");
    let left = sound.channel(0);
    let (from, to) = (48_000usize, 96_000usize);
    let quietest = (from..to)
        .step_by(480)
        .map(|i| (left[i..i + 480].iter().map(|x| x * x).sum::<f32>() / 480.0).sqrt())
        .fold(f32::MAX, f32::min);
    eprintln!("dissolve: quietest 10 ms RMS under the dissolve {quietest:.3}");
    assert!(
        quietest > 0.03,
        "the sound dips to {quietest} under the dissolve"
    );

    // One worker gives the same frames and the same picture at the transition.
    let one = dir.join("x1.mp4");
    render(
        &edl_path,
        &["--jobs", "1", "-o", one.to_str().expect("utf-8")],
    );
    let pics1 = pictures(&one);
    assert_eq!(pics1.len(), 75);
    for (k, p1) in pics1.iter().enumerate().take(50).skip(25) {
        let (a, b) = (luma(k), p1.mean_y(0, 0, 320, 240));
        assert!(
            (a - b).abs() < 2.0,
            "frame {k}: {a:.1} with 2 jobs, {b:.1} with 1"
        );
    }
}

#[test]
fn renders_are_byte_identical_across_runs_and_jobs() {
    // Every render from scratch (no cache: a cached second render would only copy the first),
    // with one worker and with two, twice: the bytes must not depend on the run or on --jobs.
    let dir = workdir("determinism");
    let edl_path = dissolve_edl(&dir);
    let runs = [("a.mp4", "1"), ("b.mp4", "2"), ("c.mp4", "2")];
    for (out, jobs) in runs {
        render(
            &edl_path,
            &[
                "--no-cache",
                "--jobs",
                jobs,
                "-o",
                dir.join(out).to_str().expect("utf-8"),
            ],
        );
    }
    let hash = |p: &str| {
        blake3::hash(&std::fs::read(dir.join(p)).expect("read output"))
            .to_hex()
            .to_string()
    };
    assert_eq!(hash("a.mp4"), hash("b.mp4"), "--jobs 1 and --jobs 2 differ");
    assert_eq!(
        hash("b.mp4"),
        hash("c.mp4"),
        "two renders with --jobs 2 differ"
    );
}

#[test]
fn a_draft_is_small_and_fast_but_every_frame_sample_and_grey_is_exact() {
    let dir = workdir("draft");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .expect("example EDL")
    .replace("media/", "../")
    .replace("out/komsomolsk-rough-cut.mp4", "full.mp4");
    let edl_path = dir.join("cut.json");
    std::fs::write(&edl_path, text).expect("write EDL");
    let cache = dir.join("cache");
    let run = |extra: &[&str]| -> serde_json::Value {
        let report = dir.join("report.json");
        let mut args: Vec<&str> = vec!["--cache-dir", cache.to_str().unwrap()];
        args.extend(["--report", report.to_str().unwrap()]);
        args.extend(extra);
        render(&edl_path, &args);
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap()
    };
    let full = run(&[]);
    let draft_path = dir.join("draft.mp4");
    let draft = run(&["--draft", "-o", draft_path.to_str().unwrap()]);
    // Cached apart: the full render's segments serve no draft.
    let statuses: Vec<&str> = draft["plan"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == "rendered"), "{statuses:?}");

    // The plan decodes the interlaced PAL MPEG-2 at half size and the H.264 sources without
    // their loop filter.
    let out = roughcut()
        .args(["render", "--draft", "--dry-run", "--json"])
        .arg(&edl_path)
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["output"]["width"], 640);
    assert_eq!(plan["output"]["height"], 360);
    assert_eq!(plan["output"]["video"]["preset"], "ultrafast");
    for s in plan["segments"].as_array().unwrap() {
        let p = &s["picture"];
        if p["type"] == "source" {
            let lowres = p["decode"]["lowres"].as_u64().unwrap();
            let skip = p["decode"]["skip_loop_filter"].as_bool().unwrap();
            match p["source"].as_str().unwrap() {
                "amur" => assert_eq!((lowres, skip), (1, false)),
                _ => assert_eq!((lowres, skip), (0, true), "{p}"),
            }
            assert!(p["filter"]
                .as_str()
                .unwrap()
                .contains("flags=fast_bilinear"));
        }
    }

    // Every frame where the plan says, at 640x360; the sound sample for sample as long.
    let frames = full["plan"]["frames"].as_i64().unwrap();
    let pics = pictures(&draft_path);
    assert_eq!(pics.len() as i64, frames);
    for (k, p) in pics.iter().enumerate() {
        assert_eq!((p.width, p.height), (640, 360), "frame {k}");
        assert_eq!(p.time, Rational::new(k as i64, 25), "frame {k}");
    }
    let full_sound = decode_sound(&dir.join("full.mp4")).unwrap().unwrap();
    let draft_sound = decode_sound(&draft_path).unwrap().unwrap();
    assert_eq!(draft_sound.len(), full_sound.len());
    assert_eq!(draft_sound.start, full_sound.start);
    // Black-and-white stays exactly neutral; colour stays colour.
    let segments = draft["plan"]["segments"].as_array().unwrap();
    let frames_of = |source: &str| -> Vec<usize> {
        plan["segments"]
            .as_array()
            .unwrap()
            .iter()
            .zip(segments)
            .filter(|(s, _)| s["picture"]["source"] == source)
            .flat_map(|(_, r)| {
                let a = r["record_start"].as_u64().unwrap() as usize;
                a..a + r["frames"].as_u64().unwrap() as usize
            })
            .collect()
    };
    let bw = frames_of("builders");
    assert!(bw.len() > 20);
    for k in bw {
        assert!(
            pics[k].max_chroma_deviation(0, 0, 640, 360) <= 1,
            "frame {k} of the black-and-white source is not neutral"
        );
    }
    // (`knam` is rendered monochrome by its look: neutral too.)
    for k in frames_of("knam") {
        assert!(
            pics[k].max_chroma_deviation(0, 0, 640, 360) <= 1,
            "frame {k}"
        );
    }
    let colour = frames_of("amur");
    assert!(!colour.is_empty());
    assert!(colour
        .iter()
        .any(|&k| pics[k].max_chroma_deviation(0, 0, 640, 360) > 20));
}

/// A one-picture file written in-process: `picture` (a lavfi graph, 320x240) encoded by
/// `encoder` in `pix_fmt` to `name` (its extension chooses the writer).
fn still_file(name: &str, picture: &str, encoder: &str, pix_fmt: &str) -> PathBuf {
    let mut v = video(picture.into(), 320, 240, (25, 1), (1, 1));
    v.encoder = encoder.into();
    v.pix_fmt = pix_fmt.into();
    v.range = "pc";
    v.options = vec![];
    crate::common::shared_clip(name, |path| roughcut::media::synth::SynthClip {
        path,
        duration: Rational::new(1, 25),
        video: Some(v),
        audio: vec![],
        metadata: vec![],
    })
}

/// `jpeg` with an EXIF block saying Orientation = `value` inserted after its start marker.
fn with_exif_orientation(jpeg: &[u8], value: u16) -> Vec<u8> {
    // TIFF header (little-endian), IFD0 with one entry: tag 0x0112 SHORT ×1 = value.
    let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&value.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn stills_show_for_their_duration_and_exif_turns_a_photograph_upright() {
    // A white mark in the top-left corner of a grey picture.
    let picture = "color=c=0x606060:s=320x240:r=25,drawbox=x=0:y=0:w=64:h=48:color=white:t=fill";
    let png = still_file("still_mark.png", picture, "png", "rgb24");
    let jpeg = still_file("still_mark.mjpeg", picture, "mjpeg", "yuvj420p");
    let dir = workdir("stills");
    // The same picture stored as it was shot with the camera turned: EXIF 6, shown turned a
    // quarter clockwise.
    let turned = dir.join("turned.jpg");
    std::fs::write(
        &turned,
        with_exif_orientation(&std::fs::read(&jpeg).expect("jpeg"), 6),
    )
    .unwrap();
    let facts = crate::common::probe(&turned).expect("probe the photograph");
    assert!(facts.is_still(), "{}", facts.container);
    assert_eq!(
        facts.video().map(|v| v.orientation),
        Some(roughcut::facts::Orientation::clockwise(90))
    );
    let pics = render_edl(
        &dir,
        "s",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "s.mp4", "width": 240, "height": 320, "fit": "stretch" }},
                "sources": {{ "png": {{ "path": "{}" }}, "photo": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "png", "in": 0, "duration": "10f" }},
                              {{ "source": "photo", "in": 0, "duration": "10f" }} ] }}"#,
            png.display(),
            turned.display()
        ),
    );
    assert_eq!(pics.len(), 20, "each still shows for its 10 frames");
    let corner = |p: &Picture, right: bool| p.mean_y(if right { 200 } else { 8 }, 8, 32, 32);
    for (k, p) in pics.iter().enumerate() {
        let (left, right) = (corner(p, false), corner(p, true));
        // The PNG (stretched, as stored) has its mark top left; the photograph, turned upright,
        // top right.
        let ok = if k < 10 {
            left > 200.0 && right < 120.0
        } else {
            right > 200.0 && left < 120.0
        };
        assert!(ok, "frame {k}: top left {left:.0}, top right {right:.0}");
    }
}

/// Luma-weighted mean column of the bright pixels of rows `y0..y1` (above `floor`).
fn bright_centroid_x(p: &Picture, y0: usize, y1: usize, floor: f64) -> f64 {
    let (mut m, mut e) = (0.0, 0.0);
    for y in y0..y1 {
        for x in 0..p.width {
            let v = p.mean_y(x, y, 1, 1) - floor;
            if v > 0.0 {
                m += v * x as f64;
                e += v;
            }
        }
    }
    m / e.max(1e-9)
}

#[test]
fn a_move_across_a_still_glides_by_a_constant_sub_pixel_step() {
    // A 320x240 still with a soft white bar at x = 150..170.
    let png = still_file(
        "still_bar.jpg",
        "color=c=black:s=320x240:r=25,drawbox=x=150:y=0:w=20:h=240:color=white:t=fill,gblur=sigma=2",
        "mjpeg",
        "yuvj444p",
    );
    let dir = workdir("still-move");
    // Framing the middle half (160x120 of picture onto 320x240 of output), panning right by
    // 1 % of the picture's width (3.2 px, 6.4 px of output) over 41 frames: the bar moves
    // 0.16 px a frame left.
    let pics = render_edl(
        &dir,
        "m",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "m.mp4", "width": 320, "height": 240, "video": {{ "crf": 0 }} }},
                "sources": {{ "s": {{ "path": "{}" }} }},
                "timeline": [ {{ "source": "s", "in": 0, "duration": "41f",
                                 "move": {{ "from": {{ "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5 }},
                                            "to": {{ "x": 0.26, "y": 0.25, "w": 0.5, "h": 0.5 }} }} }} ] }}"#,
            png.display()
        ),
    );
    assert_eq!(pics.len(), 41);
    let xs: Vec<f64> = pics
        .iter()
        .map(|p| bright_centroid_x(p, 40, 200, 40.0))
        .collect();
    // The bar (picture x 160) starts at (160 − 80) × 2 = 160 of the output.
    assert!(
        (xs[0] - 159.5).abs() < 0.5,
        "first frame: bar at {:.2}",
        xs[0]
    );
    let steps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("still move: steps {:?}", &steps[..8]);
    for (k, d) in steps.iter().enumerate() {
        assert!(
            (d + 0.16).abs() < 0.03,
            "frame {k} → {}: the bar moved {d:.3} px (wanted −0.16 every frame): {steps:?}",
            k + 1
        );
    }
    // Whole-pixel framing would step by 0 or 2 output pixels; every step here is the same
    // fraction, within bilinear sampling's dependence on the sub-pixel phase (±0.03 px,
    // measured without coding loss: crf 0).
    let mean = steps.iter().sum::<f64>() / steps.len() as f64;
    assert!((mean + 0.16).abs() < 0.005, "mean step {mean:.4}");
    let total = xs[40] - xs[0];
    assert!((total + 6.4).abs() < 0.2, "over the move: {total:.2} px");
}

#[test]
fn a_cmyk_jpeg_scan_renders_in_its_colours() {
    // A 64x48 CMYK JPEG (Adobe, as print scans are; made for this test with Pillow): 37 % grey
    // (K 160), a white mark top left, a red one (M and Y full) top right.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cmyk_marks.jpg");
    let facts = crate::common::probe(&path).expect("probe the CMYK scan");
    assert!(facts.is_still());
    let dir = workdir("cmyk");
    let pics = render_edl(
        &dir,
        "c",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "c.mp4", "width": 320, "height": 240 }},
                "sources": {{ "c": {{ "path": "{}", "colour": "colour" }} }},
                "timeline": [ {{ "source": "c", "in": 0, "duration": "2f" }} ] }}"#,
            path.display()
        ),
    );
    let p = &pics[0];
    let ci = |x: usize, y: usize| (y / 2) * p.width.div_ceil(2) + x / 2;
    let (white, red, grey) = (
        p.mean_y(12, 8, 24, 16),
        (p.mean_y(284, 8, 24, 16), p.v[ci(296, 16)]),
        p.mean_y(120, 120, 80, 80),
    );
    // BT.709 limited: white 235, pure red Y 63 with V far above neutral, 37 % grey ≈ 97.
    assert!(white > 225.0, "white mark: {white:.0}");
    assert!(
        (red.0 - 63.0).abs() < 8.0 && red.1 > 220,
        "red mark: Y {:.0}, V {}",
        red.0,
        red.1
    );
    assert!((grey - 97.0).abs() < 8.0, "grey: {grey:.0}");
}

#[test]
fn segments_of_one_and_two_frames_join_with_the_rest() {
    // A segment this short is encoded without B-frames (its decode times equal its
    // presentation times); the others decode two frames ahead. The joined file must still
    // have every frame, in order, black where the short gaps are.
    let dir = workdir("short-segments");
    let amur = crate::common::samples_dir().join("amur_2004_pal.mkv");
    let edl_path = dir.join("cut.json");
    std::fs::write(
        &edl_path,
        format!(
            r#"{{"version": 1, "output": {{"fps": 25, "width": 64, "height": 36, "path": "cut.mp4"}},
                "sources": {{"a": {{"path": "{}"}}}},
                "timeline": [
                  {{"gap": "2f"}},
                  {{"source": "a", "in": "75f", "duration": "20f"}},
                  {{"gap": "1f"}},
                  {{"source": "a", "in": 0, "duration": "2f"}},
                  {{"source": "a", "in": "75f", "duration": "20f"}}
                ]}}"#,
            amur.display()
        ),
    )
    .unwrap();
    render(&edl_path, &[]);
    let pics = pictures(&dir.join("cut.mp4"));
    assert_eq!(pics.len(), 45, "2 + 20 + 1 + 2 + 20 frames");
    for (k, p) in pics.iter().enumerate() {
        assert_eq!(p.time, Rational::new(k as i64, 25), "frame {k}");
    }
    let luma = |p: &Picture| p.y.iter().map(|&v| f64::from(v)).sum::<f64>() / p.y.len() as f64;
    for k in [0, 1, 22] {
        assert!(
            luma(&pics[k]) < 20.0,
            "frame {k} is black: {}",
            luma(&pics[k])
        );
    }
    assert!(luma(&pics[10]) > 30.0, "frame 10 shows the river");
}

#[test]
fn markers_and_events_become_chapters_in_mp4_and_matroska_within_half_a_frame() {
    let dir = workdir("chapters");
    let amur = crate::common::samples_dir().join("amur_2004_pal.mkv");
    let edl = |chapters: &str, path: &str| {
        format!(
            r#"{{"version": 1, "title": "reel", "output": {{"fps": "30000/1001", "width": 64, "height": 36, "path": "{path}", "chapters": "{chapters}"}},
                "sources": {{"a": {{"path": "{}"}}}},
                "timeline": [
                  {{"source": "a", "in": 0, "duration": "37f", "name": "river"}},
                  {{"gap": "11f", "name": "breath"}},
                  {{"source": "a", "in": "2s", "duration": "29f", "name": "evening"}}
                ],
                "markers": [{{"at": "13f", "name": "look here"}}, {{"at": "50f", "name": "and here"}}]}}"#,
            amur.display()
        )
    };
    let fps = Rational::new(30000, 1001);
    let half = Rational::new(1, 2) / fps;
    for (chapters, want) in [
        (
            "events",
            vec![(0, 37, "river"), (37, 48, "breath"), (48, 77, "evening")],
        ),
        (
            "markers",
            vec![(0, 13, "reel"), (13, 50, "look here"), (50, 77, "and here")],
        ),
    ] {
        for ext in ["mp4", "mkv"] {
            let path = dir.join(format!("{chapters}.json"));
            std::fs::write(&path, edl(chapters, &format!("{chapters}.{ext}"))).unwrap();
            render(&path, &[]);
            let facts = crate::common::probe(&dir.join(format!("{chapters}.{ext}"))).unwrap();
            assert_eq!(facts.chapters.len(), want.len(), "{chapters} in {ext}");
            for (c, (start, end, title)) in facts.chapters.iter().zip(&want) {
                let near = |t: Rational, f: i64| {
                    let d = t - Rational::from_integer(f) / fps;
                    d <= half && -d <= half
                };
                assert!(near(c.start.0, *start), "{chapters} {ext}: {c:?}");
                assert!(near(c.end.0, *end), "{chapters} {ext}: {c:?}");
                assert_eq!(c.title, *title);
            }
        }
    }
    // No chapters unless asked.
    let path = dir.join("none.json");
    std::fs::write(&path, edl("none", "none.mp4")).unwrap();
    render(&path, &[]);
    assert!(crate::common::probe(&dir.join("none.mp4"))
        .unwrap()
        .chapters
        .is_empty());
}
