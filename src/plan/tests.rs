use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;

use super::*;
use crate::edl::{Clip, Edl, Event, EventKind, Output, Overlays, Source, Tone, Transition};
use crate::facts::{AudioFacts, Ratio, StreamFacts};

fn rate(n: i64, d: i64) -> Rate {
    Rate::new(n, d).unwrap()
}

fn facts(w: u32, h: u32, sar: Rational, fps: Rational, audio: bool) -> MediaFacts {
    let mut streams = vec![StreamFacts {
        index: 0,
        kind: "video".into(),
        codec: "h264".into(),
        time_base: Ratio(Rational::new(1, 90000)),
        duration: Some(Ratio(Rational::from_integer(3600))),
        language: None,
        video: Some(VideoFacts {
            width: w,
            height: h,
            sar: Ratio(sar),
            dar: Ratio(sar * Rational::new(w as i64, h as i64)),
            frame_rate: Some(Ratio(fps)),
            avg_frame_rate: Some(Ratio(fps)),
            variable_frame_rate: false,
            frames: None,
            field_order: "progressive".into(),
            frames_interlaced: false,
            top_field_first: None,
            pix_fmt: "yuv420p".into(),
            bit_depth: 8,
            color_range: "tv".into(),
            color_matrix: "unknown".into(),
            color_primaries: "unknown".into(),
            color_transfer: "unknown".into(),
            rotation: 0,
            mirrored: false,
            orientation: Default::default(),
        }),
        audio: None,
    }];
    if audio {
        streams.push(StreamFacts {
            index: 1,
            kind: "audio".into(),
            codec: "aac".into(),
            time_base: Ratio(Rational::new(1, 48000)),
            duration: None,
            language: None,
            video: None,
            audio: Some(AudioFacts {
                sample_rate: 48000,
                channels: 2,
                layout: "stereo".into(),
                sample_fmt: "fltp".into(),
            }),
        });
    }
    MediaFacts {
        path: "src.mp4".into(),
        container: "mp4".into(),
        duration: Some(Ratio(Rational::from_integer(3600))),
        duration_text: None,
        size_bytes: 1,
        streams,
        colour: None,
        tags: vec![],
        chapters: vec![],
    }
}

/// An EDL over one long source; `events` are (kind, frames, dissolve frames into it).
fn edl(fps: Rate, sample_rate: u32, events: &[(u8, i64, i64)]) -> Edl {
    let mut sources = BTreeMap::new();
    sources.insert(
        "s".to_string(),
        Source {
            id: "s".into(),
            path: PathBuf::from("src.mp4"),
            colour: ColourClass::Auto,
            fps_override: None,
            identity: "src.mp4 test identity".into(),
            shape: Default::default(),
            facts: facts(
                1920,
                1080,
                Rational::from_integer(1),
                Rational::from_integer(25),
                true,
            ),
        },
    );
    let timeline = events
        .iter()
        .enumerate()
        .map(|(i, &(kind, frames, dissolve))| Event {
            index: i,
            name: None,
            kind: if kind == 0 {
                EventKind::Gap
            } else {
                let source_in = Rational::new(i as i64 * 7, 3);
                EventKind::Clip(Clip {
                    source: "s".into(),
                    source_in,
                    source_out: source_in + Rational::from_integer(frames) / fps.as_ratio(),
                    look: Look::Natural,
                    audio: Default::default(),
                    speed: Rational::from_integer(1),
                    motion: None,
                })
            },
            transition: (dissolve > 0 && i > 0)
                .then_some(Transition::Dissolve { frames: dissolve }),
            frames,
        })
        .collect();
    Edl {
        markers: Vec::new(),
        cutaways: Vec::new(),
        file: PathBuf::from("cut.json"),
        base_dir: PathBuf::from("."),
        title: None,
        output: Output {
            draft: false,
            start_timecode: None,
            chapters: Default::default(),
            path: PathBuf::from("out.mp4"),
            container: Container::Mp4,
            width: 1280,
            height: 720,
            fps,
            fit: Fit::Pad,
            video: VideoSettings {
                codec: crate::edl::VideoCodec::H264,
                crf: 23,
                preset: crate::edl::Preset::Veryfast,
            },
            audio: AudioSettings {
                codec: crate::edl::AudioCodec::Aac,
                sample_rate,
                channels: 2,
                bitrate: 160_000,
                join_fade: 240,
                loudness: None,
            },
            bw: Tone::NEUTRAL,
            fade_in: 0,
            fade_out: 0,
        },
        sources,
        timeline,
        beds: vec![],
        subtitles: vec![],
        overlays: Overlays::default(),
    }
}

const RATES: &[(i64, i64)] = &[
    (25, 1),
    (24, 1),
    (30000, 1001),
    (24000, 1001),
    (50, 1),
    (60000, 1001),
];

fn timelines() -> impl Strategy<Value = Vec<(u8, i64, i64)>> {
    prop::collection::vec((0u8..3, 1i64..2000, 0i64..40), 1..40).prop_map(|mut v| {
        // A dissolve may not be longer than either neighbour.
        for i in 0..v.len() {
            let prev = if i == 0 { 0 } else { v[i - 1].1 };
            v[i].2 = v[i].2.min(prev).min(v[i].1 - 1).max(0);
            if i > 0 {
                // The previous event's visible part must stay at least one frame.
                v[i].2 = v[i].2.min(v[i - 1].1 - 1);
                // An event holds its dissolve in and its dissolve out.
                v[i].2 = v[i].2.min(v[i - 1].1 - v[i - 1].2).max(0);
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn segments_and_samples_tile_the_program(
        events in timelines(),
        r in 0usize..RATES.len(),
        sr in prop::sample::select(vec![44100u32, 48000]),
        seconds in 1u32..31,
    ) {
        let fps = rate(RATES[r].0, RATES[r].1);
        let e = edl(fps, sr, &events);
        let plan = build(&e, PlanOptions { segment_seconds: seconds, ..PlanOptions::default() }).unwrap();
        // Program length: sum of event frames minus dissolves.
        let expected: i64 = events.iter().map(|x| x.1).sum::<i64>()
            - events.iter().skip(1).map(|x| x.2).sum::<i64>();
        prop_assert_eq!(plan.frames, expected);
        prop_assert_eq!(plan.frames, e.program_frames());
        // Segments tile the frames with no gap or overlap.
        let mut next = 0;
        let mut next_sample = 0;
        for s in &plan.segments {
            prop_assert_eq!(s.record_start, next);
            prop_assert!(s.frames >= 1);
            prop_assert_eq!(s.sample_start, next_sample);
            prop_assert!(s.samples >= 0);
            next += s.frames;
            next_sample += s.samples;
        }
        prop_assert_eq!(next, plan.frames);
        prop_assert_eq!(next_sample, plan.samples);
        // Total samples = round(frames × sr / fps), exactly.
        let exact = Rational::from_integer(plan.frames) * Rational::from_integer(sr as i64) / fps.as_ratio();
        prop_assert_eq!(plan.samples, round_half_up(exact));
        // Every event starts a new segment (so each event starts with a keyframe).
        for ev in &plan.events {
            prop_assert!(plan.segments.iter().any(|s| s.record_start == ev.record_start && s.event == ev.index && s.part == 0));
        }
    }

    #[test]
    fn split_pieces_sum_and_balance(frames in 1i64..100_000, target in 1i64..5000) {
        let pieces = split_lengths(frames, target);
        prop_assert_eq!(pieces.iter().sum::<i64>(), frames);
        let (lo, hi) = (pieces.iter().min().unwrap(), pieces.iter().max().unwrap());
        prop_assert!(hi - lo <= 1);
    }
}

#[test]
fn output_frames_sample_the_source_by_the_brief_rule() {
    // 100 frames at 30000/1001 into a split event: each piece starts at in + k / fps_out.
    let fps = rate(30000, 1001);
    let e = edl(fps, 48000, &[(1, 1000, 0)]);
    let plan = build(&e, PlanOptions::default()).unwrap();
    assert!(plan.segments.len() > 1);
    let EventKind::Clip(c) = &e.timeline[0].kind else {
        unreachable!()
    };
    for s in &plan.segments {
        let Picture::Source(p) = &s.picture else {
            panic!("a clip has a source picture")
        };
        assert_eq!(p.step, Rational::new(1001, 30000));
        assert_eq!(
            p.first,
            c.source_in + Rational::from_integer(s.record_start) * Rational::new(1001, 30000)
        );
    }
}

#[test]
fn dissolve_shortens_the_outgoing_event() {
    let fps = rate(25, 1);
    let e = edl(fps, 48000, &[(1, 100, 0), (1, 50, 25)]);
    let plan = build(&e, PlanOptions::default()).unwrap();
    assert_eq!(plan.frames, 125);
    assert_eq!(
        (plan.events[0].record_start, plan.events[0].frames),
        (0, 75)
    );
    assert_eq!(
        (plan.events[1].record_start, plan.events[1].frames),
        (75, 50)
    );
}

#[test]
fn sample_boundaries() {
    // 25 fps, 48 kHz: 1920 samples a frame. 29.97 at 48 kHz: 1601.6 a frame, rounded at each boundary.
    assert_eq!(sample_at(1, 48000, rate(25, 1)), 1920);
    assert_eq!(sample_at(1, 48000, rate(30000, 1001)), 1602);
    assert_eq!(sample_at(5, 48000, rate(30000, 1001)), 8008);
    assert_eq!(sample_at(1, 44100, rate(24000, 1001)), 1839);
}

#[test]
fn fit_shapes() {
    let one = Rational::from_integer(1);
    // PAL 4:3 (SAR 16:15) into 16:9: pillarboxed 960x720.
    let b = fit_picture(720, 576, Rational::new(16, 15), 1280, 720, Fit::Pad);
    assert_eq!((b.scaled_w, b.scaled_h, b.x, b.y), (960, 720, 160, 0));
    // Anamorphic 800x640 with SAR 64:45 is 16:9: fills the frame.
    let b = fit_picture(800, 640, Rational::new(64, 45), 1280, 720, Fit::Pad);
    assert_eq!((b.scaled_w, b.scaled_h), (1280, 720));
    // NTSC DV 720x480 SAR 8:9 is 4:3.
    let b = fit_picture(720, 480, Rational::new(8, 9), 1280, 720, Fit::Pad);
    assert_eq!((b.scaled_w, b.scaled_h), (960, 720));
    // A 2.39:1 picture letterboxed.
    let b = fit_picture(1920, 804, one, 1280, 720, Fit::Pad);
    assert_eq!((b.scaled_w, b.scaled_h, b.x, b.y), (1280, 536, 0, 92));
    // Crop fills and cuts the overflow; stretch ignores the shape.
    let b = fit_picture(720, 576, Rational::new(16, 15), 1280, 720, Fit::Crop);
    assert_eq!((b.scaled_w, b.scaled_h, b.x, b.y), (1280, 960, 0, 120));
    let b = fit_picture(720, 576, Rational::new(16, 15), 1280, 720, Fit::Stretch);
    assert_eq!((b.scaled_w, b.scaled_h), (1280, 720));
}

#[test]
fn filters_deinterlace_rotate_and_neutralise() {
    let mut f = facts(
        1080,
        1920,
        Rational::from_integer(1),
        Rational::from_integer(30),
        false,
    );
    let v = f.streams[0].video.as_mut().unwrap();
    // A portrait phone clip: FFmpeg reports 90° counter-clockwise.
    v.rotation = 90;
    v.orientation = crate::facts::Orientation::clockwise(270);
    v.field_order = "bb".into();
    let g = crate::edl::Shape::default().geometry(v);
    let chain = video_filter(v, &g, 1280, 720, Fit::Pad, Some(Tone::NEUTRAL), false);
    assert!(
        chain.starts_with("bwdif=mode=send_frame:parity=bff"),
        "{chain}"
    );
    assert!(chain.contains("transpose=cclock"), "{chain}");
    assert!(chain.contains("scale=w=1280:h=720"), "{chain}");
    assert!(
        chain.ends_with("format=yuv420p,lutyuv=u=128:v=128,setsar=1"),
        "{chain}"
    );
}

#[test]
fn tones_from_colours() {
    // Neutral greys have neutral chroma; a sepia brown is warm (U below, V above neutral).
    assert_eq!(Tone::from_rgb(128, 128, 128), Tone::NEUTRAL);
    let brown = Tone::parse_hex("#704214").unwrap();
    assert!(brown.u < 120 && brown.v > 136, "{brown:?}");
    let blue = Tone::parse_hex("3a5f8a").unwrap();
    assert!(blue.u > 136 && blue.v < 124, "{blue:?}");
    assert_eq!(Tone::parse_hex("#12345"), None);
    assert_eq!(Tone::parse_hex("#gg0000"), None);
}

#[test]
fn dips_and_program_fades() {
    let fps = rate(25, 1);
    let mut e = edl(fps, 48000, &[(1, 100, 0), (1, 50, 0)]);
    e.timeline[1].transition = Some(Transition::FadeBlack { frames: 25 });
    e.output.fade_in = 10;
    e.output.fade_out = 5;
    let plan = build(&e, PlanOptions::default()).unwrap();
    assert_eq!(plan.frames, 150, "a dip does not overlap");
    let all: Vec<Fade> = plan.segments.iter().flat_map(|s| s.fades.clone()).collect();
    let level = |r: i64| {
        all.iter()
            .fold(Rational::from_integer(1), |l, f| l * f.level(r))
    };
    // Program fade-in: black first frame, rising.
    assert_eq!(level(0), Rational::from_integer(0));
    assert_eq!(level(5), Rational::new(1, 2));
    assert_eq!(level(10), Rational::from_integer(1));
    // The dip: 12 frames out (the last one black), then 13 frames in (the first one black).
    assert_eq!(level(87), Rational::from_integer(1));
    assert_eq!(level(88), Rational::new(11, 12));
    assert_eq!(level(99), Rational::from_integer(0));
    assert_eq!(level(100), Rational::from_integer(0));
    assert_eq!(level(113), Rational::from_integer(1));
    // Program fade-out: the last frame is black.
    assert_eq!(level(149), Rational::from_integer(0));
    // Sound follows, sample-exact: silent at the boundary, full a fade away.
    let gain = |s: i64| {
        all.iter()
            .fold(Rational::from_integer(1), |g, f| g * f.gain(s, 48000, fps))
    };
    assert_eq!(gain(sample_at(100, 48000, fps)), Rational::from_integer(0));
    assert_eq!(gain(sample_at(113, 48000, fps)), Rational::from_integer(1));
}

#[test]
fn curves_fade_symmetrically_between_whole_samples() {
    let fade_in = Curve::fade_in(10, 4);
    let gains: Vec<f64> = (9..=14).map(|s| fade_in.gain(s)).collect();
    assert_eq!(gains, [0.0, 0.125, 0.375, 0.625, 0.875, 1.0]);
    let fade_out = Curve::fade_out(14, 4);
    let gains: Vec<f64> = (9..=14).map(|s| fade_out.gain(s)).collect();
    assert_eq!(gains, [1.0, 0.875, 0.625, 0.375, 0.125, 0.0]);
}

/// The gain the plan puts on the picture's sound at program sample `s`.
fn sound_gain(plan: &Plan, s: i64) -> f64 {
    let seg = plan
        .segments
        .iter()
        .find(|g| g.sample_start <= s && s < g.sample_start + g.samples)
        .unwrap();
    match &seg.sound {
        Sound::Source { envelope, .. } => envelope.gain(s - seg.sample_start),
        _ => 0.0,
    }
}

#[test]
fn hard_cuts_fade_out_and_in_over_the_join() {
    let e = edl(rate(25, 1), 48000, &[(1, 50, 0), (1, 50, 0)]);
    let plan = build(&e, PlanOptions::default()).unwrap();
    let join = 96_000;
    // 240 samples (5 ms) each side of the join, and at the program's start and end.
    assert!(sound_gain(&plan, join - 1) < 0.01);
    assert!(sound_gain(&plan, join) < 0.01);
    assert_eq!(sound_gain(&plan, join - 241), 1.0);
    assert_eq!(sound_gain(&plan, join + 240), 1.0);
    assert!(sound_gain(&plan, 0) < 0.01);
    assert!(sound_gain(&plan, plan.samples - 1) < 0.01);
    // Disabled: no envelope at all.
    let mut e = e;
    e.output.audio.join_fade = 0;
    let plan = build(&e, PlanOptions::default()).unwrap();
    assert_eq!(sound_gain(&plan, join), 1.0);
    assert_eq!(sound_gain(&plan, 0), 1.0);
}

#[test]
fn beds_tile_their_range_and_duck_under_the_picture_sound() {
    // Gap, clip with sound, gap: 2 s each at 25 fps.
    let mut e = edl(rate(25, 1), 48000, &[(0, 50, 0), (1, 50, 0), (0, 50, 0)]);
    e.beds.push(crate::edl::Bed {
        index: 0,
        name: "music".into(),
        source: "s".into(),
        stream: 0,
        source_in: Rational::from_integer(5),
        start: 0,
        samples: None,
        gain_db: 0.0,
        fade_in: 0,
        fade_out: 0,
        duck: Some(crate::edl::Duck {
            db: 12.0,
            ramp: 4800,
        }),
        dialogue: false,
    });
    let plan = build(&e, PlanOptions::default()).unwrap();
    // The pieces cover every program sample once, in order, with continuous source times.
    let mut next = 0;
    let mut gains = Vec::new();
    for seg in &plan.segments {
        for b in &seg.beds {
            assert_eq!(seg.sample_start + b.offset, next);
            assert_eq!(
                b.start,
                Rational::from_integer(5) + Rational::new(next, 48000)
            );
            for i in 0..b.samples {
                gains.push(b.envelope.gain(b.offset + i));
            }
            next += b.samples;
        }
    }
    assert_eq!(next, plan.samples);
    let low = 10f64.powf(-12.0 / 20.0);
    assert_eq!(gains[48_000], 1.0, "alone in the first gap");
    assert!(
        (gains[144_000] - low).abs() < 1e-12,
        "ducked under the clip"
    );
    assert!(
        (gains[96_000 - 2400] - (1.0 + low) / 2.0).abs() < 1e-3,
        "half way down"
    );
    assert_eq!(gains[192_000 + 4800], 1.0, "back up after the ramp");
    // Cut by the program's end (the source runs on): a one-second fade to silence.
    assert!(gains[plan.samples as usize - 1] < 1e-4);
    assert!((gains[plan.samples as usize - 24_000] - 0.5).abs() < 1e-3);
}

fn cue(start: i64, end: i64, text: &str, line: usize) -> crate::subs::Cue {
    crate::subs::Cue {
        start,
        end,
        text: text.into(),
        line,
    }
}

fn subtitle(
    timing_source: Option<&str>,
    cues: Vec<crate::subs::Cue>,
    burn_in: bool,
) -> crate::edl::Subtitle {
    crate::edl::Subtitle {
        index: 0,
        path: PathBuf::from("x.srt"),
        language: Some("rus".into()),
        burn_in,
        track: !burn_in,
        timing_source: timing_source.map(String::from),
        default: true,
        forced: false,
        title: None,
        style: crate::edl::SubStyle {
            font: PathBuf::from(crate::edl::DEFAULT_FONT),
            size: 40,
            outline: 2.0,
            margin: 36,
            top: false,
        },
        cues,
    }
}

/// Clip `k` of `e` shows source seconds `[from, to)` of source `s`.
fn set_clip(e: &mut Edl, k: usize, from: i64, to: i64) {
    let fps = e.output.fps;
    if let EventKind::Clip(c) = &mut e.timeline[k].kind {
        c.source_in = Rational::from_integer(from);
        c.source_out = Rational::from_integer(to);
    }
    e.timeline[k].frames = (Rational::from_integer(to - from) * fps.as_ratio()).to_integer();
}

fn secs(t: &subtitles::PlannedCue) -> (f64, f64) {
    let f = |r: Rational| *r.numer() as f64 / *r.denom() as f64;
    (f(t.start), f(t.end))
}

#[test]
fn source_timed_cues_follow_every_clip_of_their_source() {
    // Clips of source `s`: 10–14 s, a gap, 2–6 s, then 13–14 s again (reuse).
    let mut e = edl(
        rate(25, 1),
        48000,
        &[(1, 100, 0), (0, 25, 0), (1, 100, 0), (1, 25, 0)],
    );
    set_clip(&mut e, 0, 10, 14);
    set_clip(&mut e, 2, 2, 6);
    set_clip(&mut e, 3, 13, 14);
    e.subtitles.push(subtitle(
        Some("s"),
        vec![
            cue(3_000, 4_000, "inside the second clip", 1),
            cue(9_500, 11_000, "cut at the first clip's in-point", 5),
            cue(12_500, 12_600, "too short", 9),
            cue(13_500, 15_000, "cut at the first clip's out-point", 13),
            cue(20_000, 21_000, "never shown", 17),
            cue(5_900, 6_100, "0.1 s left after the cut", 21),
        ],
        false,
    ));
    let plan = build(&e, PlanOptions::default()).unwrap();
    let t = &plan.subtitles[0];
    let got: Vec<(f64, f64, &str)> = t
        .cues
        .iter()
        .map(|c| (secs(c).0, secs(c).1, c.text.as_str()))
        .collect();
    // Clip 0 plays at 0–4 s, the gap 4–5 s, clip 2 at 5–9 s, clip 3 at 9–10 s.
    assert_eq!(
        got,
        [
            (0.0, 1.0, "cut at the first clip's in-point"),
            (3.5, 4.0, "cut at the first clip's out-point"),
            (6.0, 7.0, "inside the second clip"),
            (9.5, 10.0, "cut at the first clip's out-point"),
        ]
    );
    assert_eq!(t.cues[0].event, Some(0));
    assert_eq!(
        t.cues[3].event,
        Some(3),
        "a source used twice shows its cues twice"
    );
    let dropped: Vec<(usize, &str)> = t
        .dropped
        .iter()
        .map(|d| (d.line, d.reason.as_str()))
        .collect();
    assert_eq!(dropped.len(), 3, "{dropped:?}");
    assert!(dropped[0].0 == 9 && dropped[0].1.contains("shorter than 200 ms"));
    assert!(dropped[1].0 == 17 && dropped[1].1.contains("outside every clip"));
    assert!(dropped[2].0 == 21 && dropped[2].1.contains("shorter than 200 ms"));
}

#[test]
fn record_cues_are_cut_at_the_programs_end_and_burned_frame_exact() {
    let mut e = edl(rate(25, 1), 48000, &[(1, 100, 0)]);
    e.subtitles.push(subtitle(
        None,
        vec![
            cue(500, 1_010, "a", 1),
            cue(3_700, 9_000, "b", 5),
            cue(3_900, 4_500, "c", 9),
            cue(5_000, 6_000, "d", 13),
        ],
        true,
    ));
    let plan = build(&e, PlanOptions::default()).unwrap();
    let t = &plan.subtitles[0];
    assert_eq!(t.cues.len(), 2);
    assert_eq!(
        secs(&t.cues[1]),
        (3.7, 4.0),
        "cut at the program's end (4 s)"
    );
    assert_eq!(
        t.dropped.len(),
        2,
        "one too short after the cut, one after the end"
    );
    // Burned in: frame k shows a cue when start ≤ k/25 < end.
    let b = plan.segments[0].burn_in.as_ref().unwrap();
    let ranges: Vec<(i64, i64)> = b.cues.iter().map(|c| (c.first, c.end)).collect();
    assert_eq!(ranges, [(13, 26), (93, 100)]);
}

#[test]
fn orientations_compose_and_name_their_filters() {
    use crate::facts::Orientation as O;
    let cw = O::clockwise;
    assert_eq!(cw(90).then(cw(90)), cw(180));
    assert_eq!(cw(90).then(cw(90)).then(cw(90)).then(cw(90)), O::UPRIGHT);
    assert_eq!(cw(-90), cw(270));
    assert_eq!(O::FLIP_H.then(O::FLIP_H), O::UPRIGHT);
    assert_eq!(O::FLIP_H.then(O::FLIP_V), cw(180));
    // A transpose is a quarter turn and a mirror: [0 1; 1 0].
    let transpose = O {
        a: 0,
        b: 1,
        c: 1,
        d: 0,
    };
    assert_eq!(cw(90).then(O::FLIP_H), transpose);
    assert_eq!(transpose.filter(), Some("transpose=cclock_flip"));
    // FFmpeg's matrix for a clockwise quarter turn (av_display_rotation_set(90)), in 16.16.
    let one = 1 << 16;
    assert_eq!(
        O::from_matrix(&[0, one, 0, -one, 0, 0, 0, 0, 1 << 30]),
        cw(90)
    );
    assert_eq!(
        O::from_matrix(&[0, one, 0, one, 0, 0, 0, 0, 1 << 30]),
        transpose
    );
    assert_eq!(O::from_matrix(&[0; 9]), O::UPRIGHT);
    // All eight are distinct, each has its filter (upright none), half swap the axes.
    let all: Vec<O> = [0, 90, 180, 270]
        .iter()
        .flat_map(|&r| [cw(r), cw(r).then(O::FLIP_H)])
        .collect();
    for (i, o) in all.iter().enumerate() {
        assert!(all[..i].iter().all(|p| p != o), "{o:?} twice");
        assert_eq!(o.filter().is_none(), *o == O::UPRIGHT, "{o:?}");
    }
    assert_eq!(all.iter().filter(|o| o.swaps_axes()).count(), 4);
}

#[test]
fn a_source_shape_turns_then_crops_in_even_pixels() {
    let mut f = facts(
        720,
        576,
        Rational::new(16, 15),
        Rational::from_integer(25),
        false,
    );
    let v = f.streams[0].video.as_mut().unwrap();
    let shape = crate::edl::Shape {
        turn: crate::facts::Orientation::clockwise(90),
        ignore_display_matrix: false,
        crop: [
            crate::edl::CropEdge::Pixels(7),
            crate::edl::CropEdge::None,
            crate::edl::CropEdge::Share(Rational::new(1, 10)),
            crate::edl::CropEdge::None,
        ],
    };
    let g = shape.geometry(v);
    // Turned: 576 wide, 720 high, the sample aspect inverted; 7 px → 8, 10 % of 720 = 72.
    assert_eq!(
        (g.width, g.height, g.sar),
        (576, 720, Rational::new(15, 16))
    );
    assert_eq!(g.crop, [8, 0, 72, 0]);
    assert_eq!(g.cropped(), (568, 648));
    let chain = video_filter(v, &g, 1280, 720, Fit::Pad, None, false);
    assert!(
        chain.starts_with("transpose=clock,crop=w=568:h=648:x=8:y=72,scale="),
        "{chain}"
    );
}

#[test]
fn a_stretch_chains_atempo_stages_within_their_range() {
    use super::events::stretch;
    let stretch_a = |s| stretch(s, Default::default());
    assert_eq!(
        stretch(Rational::new(1, 10), crate::edl::raw::Stretch::Rubberband).as_deref(),
        Some("rubberband=tempo=0.1")
    );
    assert_eq!(stretch_a(Rational::from_integer(1)), None);
    assert_eq!(stretch_a(Rational::from_integer(0)), None);
    assert_eq!(
        stretch_a(Rational::from_integer(2)).as_deref(),
        Some("atempo=2")
    );
    assert_eq!(
        stretch_a(Rational::new(1, 2)).as_deref(),
        Some("atempo=0.5")
    );
    // 0.1 = 0.5 × 0.5 × 0.5 × 0.8 (no stage under 0.5).
    assert_eq!(
        stretch_a(Rational::new(1, 10)).as_deref(),
        Some("atempo=0.5,atempo=0.5,atempo=0.5,atempo=0.8")
    );
    assert_eq!(
        stretch_a(Rational::from_integer(10)).as_deref(),
        Some("atempo=10")
    );
}

#[test]
fn a_fade_curve_acts_only_over_its_own_samples() {
    // As a split edit's sound takes a dip to black: down over 100..200, whole again after.
    let out = Curve {
        points: vec![(100, 1.0), (200, 0.0), (200, 1.0)],
    };
    assert_eq!(out.gain(50), 1.0);
    assert!((out.gain(149) - 0.505).abs() < 1e-9);
    assert_eq!(out.gain(250), 1.0);
    let back_in = Curve {
        points: vec![(300, 1.0), (300, 0.0), (400, 1.0)],
    };
    assert_eq!(back_in.gain(250), 1.0);
    assert!((back_in.gain(349) - 0.495).abs() < 1e-9);
    assert_eq!(back_in.gain(450), 1.0);
}

/// A source picture finished with `tone` (`None`: colour), for the tone questions below.
fn source_picture(tone: Option<Tone>) -> Picture {
    Picture::Source(SourcePicture {
        source: "s".into(),
        path: PathBuf::from("s.mov"),
        stream: 0,
        first: Rational::from_integer(0),
        step: Rational::new(1, 25),
        filter: String::new(),
        tone,
        decode: DecodeHints::default(),
    })
}

#[test]
fn a_dissolve_from_colour_into_black_and_white_is_not_neutral_but_its_shot_is() {
    // Frame j of a dissolve mixes both sides, so while the colour side weighs anything its
    // frames carry colour: verify may not expect neutral chroma there. The storyboard badge
    // asks what the shot is: the incoming side, black-and-white.
    let dissolve = |from: Option<Tone>, to: Option<Tone>| {
        Picture::Dissolve(DissolvePicture {
            from: Box::new(source_picture(from)),
            to: Box::new(source_picture(to)),
        })
    };
    let into_bw = dissolve(None, Some(Tone::NEUTRAL));
    assert_eq!(into_bw.tone(), None);
    assert!(!into_bw.is_neutral());
    assert_eq!(into_bw.shot().tone(), Some(Tone::NEUTRAL));
    // Out of black-and-white into colour: the same frames, the other shot.
    let into_colour = dissolve(Some(Tone::NEUTRAL), None);
    assert!(!into_colour.is_neutral());
    assert_eq!(into_colour.shot().tone(), None);
    // Between two neutral sides every mixed frame is neutral (128 mixed with 128).
    let both = dissolve(Some(Tone::NEUTRAL), Some(Tone::NEUTRAL));
    assert!(both.is_neutral());
    // Sepia into neutral: toned, but not one tone.
    assert_eq!(
        dissolve(Some(Tone::SEPIA), Some(Tone::NEUTRAL)).tone(),
        None
    );
    assert!(source_picture(Some(Tone::NEUTRAL)).is_neutral());
    assert!(!Picture::Black.is_neutral());
}

#[test]
fn segment_at_finds_the_segment_holding_a_frame() {
    let fps = rate(25, 1);
    let e = edl(fps, 48000, &[(1, 300, 0), (1, 100, 20)]);
    let plan = build(&e, PlanOptions::default()).unwrap();
    for f in [0, 1, 249, 250, 279, 280, plan.frames - 1] {
        let s = plan.segment_at(f).unwrap();
        assert!(s.record_start <= f && f < s.record_start + s.frames, "{f}");
    }
    assert!(plan.segment_at(-1).is_none());
    assert!(plan.segment_at(plan.frames).is_none());
}
