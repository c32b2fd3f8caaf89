//! The program's sound, measured on rendered files: layouts and rates conformed, clean joins,
//! per-event control, beds with ducking, loudness normalisation, exact sample counts.

use std::path::{Path, PathBuf};

use roughcut::media::loudness::measure_file;
use roughcut::media::measure::{decode_sound, Sound};
use roughcut::media::synth::SynthAudio;

use crate::common::{corpus_dir, plan_for, render, roughcut, synth, video, workdir};

/// A small picture with sound from `aevalsrc`/`sine` `source` in `layout`, PCM in Matroska.
fn sound_clip(name: &str, seconds: i64, source: &str, rate: u32, layout: &'static str) -> PathBuf {
    synth(
        name,
        seconds,
        Some(video(
            "color=c=0x303030:s=160x120:r=25".into(),
            160,
            120,
            (25, 1),
            (1, 1),
        )),
        Some(SynthAudio {
            source: source.into(),
            encoder: "pcm_s16le".into(),
            sample_rate: rate,
            layout,
            bit_rate: 0,
        }),
    )
}

/// A sine of `freq` Hz at amplitude 0.5 on every channel of a mono clip.
fn tone(name: &str, freq: u32, seconds: i64) -> PathBuf {
    sound_clip(
        name,
        seconds,
        &format!("aevalsrc=exprs='0.5*sin(2*PI*{freq}*t)':sample_rate=48000:channel_layout=mono"),
        48000,
        "mono",
    )
}

/// Write `body` (the EDL's members after `version`) as `dir/name.json` with its output at
/// `name.<ext>`, render it, and decode the output's sound.
fn render_sound(dir: &Path, name: &str, body: &str, ext: &str) -> (PathBuf, Sound) {
    let edl = dir.join(format!("{name}.json"));
    std::fs::write(&edl, format!(r#"{{ "version": 1, {body} }}"#)).unwrap();
    render(&edl, &[]);
    let out = dir.join(format!("{name}.{ext}"));
    let sound = decode_sound(&out).expect("decode").expect("sound");
    let plan = plan_for(&edl);
    assert_eq!(
        sound.len() as i64,
        plan.samples,
        "{name}: the output has exactly the planned number of samples"
    );
    (edl, sound)
}

/// Output settings for exact measurement: small picture, PCM sound in Matroska.
fn pcm_output(name: &str, extra: &str) -> String {
    format!(
        r#""output": {{ "path": "{name}.mkv", "width": 160, "height": 120, "audio": {{ "codec": "pcm_s16le" {extra} }} }}"#
    )
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// Amplitude of the `freq` Hz component of `x` (a single DFT bin; the window should hold whole
/// periods of every tone present).
fn amplitude_at(x: &[f32], freq: f64, rate: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / rate;
        re += *v as f64 * ph.cos();
        im += *v as f64 * ph.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

fn window(x: &[f32], rate: u32, from: f64, to: f64) -> &[f32] {
    &x[(from * rate as f64) as usize..(to * rate as f64) as usize]
}

#[test]
fn surround_sources_downmix_with_proper_coefficients() {
    let dir = workdir("sound-layouts");
    // 5.1 with a tone only in the centre; 7.1 with a tone only in side left.
    let centre = sound_clip(
        "centre_only_51.mkv",
        2,
        "aevalsrc=exprs='0|0|0.5*sin(2*PI*1000*t)|0|0|0':sample_rate=48000:channel_layout=5.1",
        48000,
        "5.1",
    );
    let side = sound_clip(
        "side_left_71.mkv",
        2,
        "aevalsrc=exprs='0|0|0|0|0|0|0.5*sin(2*PI*1000*t)|0':sample_rate=48000:channel_layout=7.1",
        48000,
        "7.1",
    );
    let body = format!(
        r#"{}, "sources": {{ "c": {{ "path": "{}" }}, "s": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "c", "in": 0, "out": 2 }}, {{ "source": "s", "in": 0, "out": 2 }} ]"#,
        pcm_output("layouts", ""),
        centre.display(),
        side.display()
    );
    let (_, sound) = render_sound(&dir, "layouts", &body, "mkv");
    assert_eq!(sound.channels, 2);
    let (l, r) = (sound.channel(0), sound.channel(1));
    // Centre at −3 dB on both sides: a 0.5 sine → RMS 0.5 × 0.7071 / √2 = 0.25.
    for (name, ch) in [("left", &l), ("right", &r)] {
        let level = rms(window(ch, 48000, 0.5, 1.5));
        assert!(
            (db(level) - db(0.25)).abs() < 0.2,
            "centre tone on the {name} channel: RMS {level:.4}, expected 0.25"
        );
    }
    // Side left (a surround) goes to the left at −3 dB, nothing to the right.
    let left = rms(window(&l, 48000, 2.5, 3.5));
    let right = rms(window(&r, 48000, 2.5, 3.5));
    assert!(
        (db(left) - db(0.25)).abs() < 0.2,
        "side-left tone on the left: RMS {left:.4}, expected 0.25"
    );
    assert!(right < 1e-4, "side-left tone leaked right: RMS {right:.6}");
}

#[test]
fn mono_44k_plays_on_both_channels_at_48k() {
    let dir = workdir("sound-mono");
    let mono = sound_clip(
        "mono_441.mkv",
        2,
        "aevalsrc=exprs='0.5*sin(2*PI*441*t)':sample_rate=44100:channel_layout=mono",
        44100,
        "mono",
    );
    let body = format!(
        r#"{}, "sources": {{ "m": {{ "path": "{}" }} }}, "timeline": [ {{ "source": "m", "in": 0.2, "out": 1.8 }} ]"#,
        pcm_output("mono", ""),
        mono.display()
    );
    let (_, sound) = render_sound(&dir, "mono", &body, "mkv");
    assert_eq!(sound.sample_rate, 48000);
    let (l, r) = (sound.channel(0), sound.channel(1));
    // Dual mono: the source's own level (RMS 0.3536) on each side, the same samples.
    let (ll, rl) = (
        rms(window(&l, 48000, 0.3, 1.3)),
        rms(window(&r, 48000, 0.3, 1.3)),
    );
    assert!(
        (db(ll) - db(0.5 / 2f64.sqrt())).abs() < 0.2,
        "left RMS {ll:.4}"
    );
    assert!((ll - rl).abs() < 1e-4, "left {ll:.5} vs right {rl:.5}");
    // Still a 441 Hz tone after resampling: the bin holds (nearly) all of it.
    let a = amplitude_at(window(&l, 48000, 0.3, 1.3), 441.0, 48000.0);
    assert!((a - 0.5).abs() < 0.01, "441 Hz amplitude {a:.4}");
    eprintln!("mono 44.1 kHz → 48 kHz stereo: L {ll:.4} R {rl:.4} RMS, 441 Hz at {a:.4}");
}

#[test]
fn phone_and_studio_rates_conform() {
    let dir = workdir("sound-rates");
    // 12 kHz mono (phone slow motion) and 192 kHz stereo, each 1 s of a 500 Hz tone.
    let low = sound_clip(
        "tone_12k.mkv",
        2,
        "aevalsrc=exprs='0.5*sin(2*PI*500*t)':sample_rate=12000:channel_layout=mono",
        12000,
        "mono",
    );
    let high = sound_clip(
        "tone_192k.mkv",
        2,
        "aevalsrc=exprs='0.5*sin(2*PI*500*t)|0.5*sin(2*PI*500*t)':sample_rate=192000:channel_layout=stereo",
        192000,
        "stereo",
    );
    let body = format!(
        r#"{}, "sources": {{ "low": {{ "path": "{}" }}, "high": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "low", "in": 0.5, "out": 1.5 }}, {{ "source": "high", "in": 0.5, "out": 1.5 }} ]"#,
        pcm_output("rates", ""),
        low.display(),
        high.display()
    );
    let (_, sound) = render_sound(&dir, "rates", &body, "mkv");
    let l = sound.channel(0);
    for (name, from) in [("12 kHz", 0.25), ("192 kHz", 1.25)] {
        let a = amplitude_at(window(&l, 48000, from, from + 0.5), 500.0, 48000.0);
        assert!((a - 0.5).abs() < 0.01, "{name}: 500 Hz amplitude {a:.4}");
    }
}

#[test]
fn joins_between_tones_do_not_click() {
    let dir = workdir("sound-joins");
    let a = tone("tone_437.mkv", 437, 3);
    let b = tone("tone_1031.mkv", 1031, 3);
    // The cut leaves 437 Hz near a crest (t = 1.14 s) and enters 1031 Hz at a zero.
    let edl = |name: &str, join: &str| {
        format!(
            r#"{}, "sources": {{ "a": {{ "path": "{}" }}, "b": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "a", "in": 0.1, "duration": "26f" }}, {{ "source": "b", "in": 0, "duration": "26f" }} ]"#,
            pcm_output(name, join),
            a.display(),
            b.display()
        )
    };
    let max_step = |x: &[f32]| {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0f32, f32::max)
    };
    let join = 26 * 48000 / 25; // first sample of the second event
    let around = |x: &[f32]| -> f32 { max_step(&x[join - 480..join + 480]) };

    let (_, clean) = render_sound(&dir, "clean", &edl("clean", ""), "mkv");
    let (_, raw) = render_sound(&dir, "raw", &edl("raw", r#", "join_fade": 0"#), "mkv");
    let l = clean.channel(0);
    // The signal's own largest step: the 1031 Hz tone (0.5 × 2π × 1031 / 48000 ≈ 0.0675).
    let own = max_step(window(&l, 48000, 1.3, 1.9));
    let at_join = around(&l);
    let at_raw_join = around(&raw.channel(0));
    eprintln!(
        "joins: largest step at the join {at_join:.4} with 5 ms fades, {at_raw_join:.4} without; the tone's own {own:.4}"
    );
    assert!(
        at_join <= own * 1.01,
        "a 5 ms join fade: largest step at the join {at_join:.4} vs the tone's own {own:.4}"
    );
    assert!(
        at_raw_join > own * 3.0,
        "without a join fade the cut clicks (step {at_raw_join:.4} vs {own:.4}); the measurement sees it"
    );
    // The fade is short: 20 ms after the join the tone is at full level again.
    let after = rms(&l[join + 960..join + 960 + 4800]);
    assert!(
        (after - 0.5 / 2f64.sqrt()).abs() < 0.01,
        "level after the join {after:.4}"
    );
}

#[test]
fn bed_is_ducked_while_the_picture_has_sound() {
    let dir = workdir("sound-bed");
    let dialogue = tone("dialogue_1000.mkv", 1000, 3);
    music_bed(&dir);
    // 1 s without sound, 2 s of dialogue, 2 s without; the bed under all of it, ducked 12 dB.
    let body = format!(
        r#"{}, "sources": {{ "d": {{ "path": "{}" }}, "m": {{ "path": "music_300.wav" }} }},
        "timeline": [ {{ "gap": 1 }}, {{ "source": "d", "in": 0, "out": 2 }}, {{ "gap": 2 }} ],
        "audio_tracks": [ {{ "source": "m", "at": 0, "duck": {{ "db": 12, "ramp": 0.1 }} }} ]"#,
        pcm_output("bed", ""),
        dialogue.display()
    );
    let (_, sound) = render_sound(&dir, "bed", &body, "mkv");
    let l = sound.channel(0);
    let before = amplitude_at(window(&l, 48000, 0.2, 0.8), 300.0, 48000.0);
    let under = amplitude_at(window(&l, 48000, 1.5, 2.5), 300.0, 48000.0);
    let after = amplitude_at(window(&l, 48000, 3.2, 3.8), 300.0, 48000.0);
    assert!((before - 0.4).abs() < 0.005, "bed alone: {before:.4}");
    assert!(
        (after - 0.4).abs() < 0.005,
        "bed after the dialogue: {after:.4}"
    );
    let ducked = db(under / before);
    eprintln!(
        "bed: alone {before:.4}, under dialogue {under:.4} ({ducked:.2} dB), after {after:.4}"
    );
    assert!(
        (ducked + 12.0).abs() < 0.2,
        "bed under dialogue is {ducked:.2} dB relative to alone (wanted −12)"
    );
    // The dialogue itself is untouched by the bed.
    let speech = amplitude_at(window(&l, 48000, 1.5, 2.5), 1000.0, 48000.0);
    assert!(
        (speech - 0.5).abs() < 0.005,
        "dialogue amplitude {speech:.4}"
    );
    // The program is 5 s: the bed (6 s long) is cut there with a 1 s fade, ending in silence.
    let fading = amplitude_at(window(&l, 48000, 4.25, 4.75), 300.0, 48000.0);
    assert!(
        (fading - 0.2).abs() < 0.01,
        "half way through the end fade: {fading:.4}"
    );
    let tail = rms(&l[l.len() - 48..]);
    assert!(
        tail < 0.01,
        "bed faded at the program's end: tail RMS {tail:.4}"
    );
}

#[test]
fn muted_event_is_digital_silence() {
    let dir = workdir("sound-mute");
    let a = tone("tone_437.mkv", 437, 3);
    let body = format!(
        r#"{}, "sources": {{ "a": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "a", "in": 0, "out": 1 }}, {{ "source": "a", "in": 1, "out": 2, "audio": {{ "mute": true }} }} ]"#,
        pcm_output("mute", ""),
        a.display()
    );
    let (_, sound) = render_sound(&dir, "mute", &body, "mkv");
    let l = sound.channel(0);
    assert!(rms(&l[4800..43200]) > 0.3, "the first event sounds");
    assert!(
        l[48000..].iter().all(|s| *s == 0.0),
        "every sample of the muted event is exactly zero"
    );
}

#[test]
fn loudness_is_normalised_to_the_target_under_the_ceiling() {
    let dir = workdir("sound-loudness");
    // Short loud beeps over quiet: bringing it up to −14 LUFS pushes the beeps past the
    // ceiling, so the limiter must act.
    let beeps = sound_clip(
        "beeps.mkv",
        4,
        "aevalsrc=exprs='0.05*sin(2*PI*440*t)+if(lt(mod(t,1),0.05),0.6*sin(2*PI*1000*t),0)':sample_rate=48000:channel_layout=stereo",
        48000,
        "stereo",
    );
    let edl = dir.join("loud.json");
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "loud.mp4", "width": 160, "height": 120,
            "audio": {{ "loudness": {{ "target": -14, "true_peak": -1.5 }} }} }},
            "sources": {{ "b": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "b", "in": 0, "out": 4 }} ] }}"#,
            beeps.display()
        ),
    )
    .unwrap();
    let before = measure_file(&beeps, 0).unwrap();
    let out = roughcut()
        .args(["render", "--progress", "plain"])
        .arg(&edl)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("with peak limiting"),
        "the beeps need limiting: {stderr}"
    );
    let after = measure_file(&dir.join("loud.mp4"), 0).unwrap();
    eprintln!(
        "loudness: source {:.2} LUFS / {:.2} dBTP → written {:.2} LUFS / {:.2} dBTP (target −14, ceiling −1.5)",
        before.integrated, before.true_peak, after.integrated, after.true_peak
    );
    assert!(
        (after.integrated + 14.0).abs() <= 1.0,
        "integrated {:.2} LUFS (source {:.2}), target −14 ± 1",
        after.integrated,
        before.integrated
    );
    assert!(
        after.true_peak < -1.5,
        "true peak {:.2} dBTP over the −1.5 ceiling",
        after.true_peak
    );
    // AAC decodes in whole 1024-sample packets; the container's duration is the exact count.
    let planned = plan_for(&edl).samples;
    let sound = decode_sound(&dir.join("loud.mp4")).unwrap().unwrap();
    let extra = sound.len() as i64 - planned;
    assert!((0..1024).contains(&extra), "{extra} samples past the plan");
    let facts = crate::common::probe(&dir.join("loud.mp4")).unwrap();
    let duration = facts
        .streams
        .iter()
        .find(|s| s.audio.is_some())
        .and_then(|s| s.duration)
        .unwrap();
    assert_eq!(
        duration.0,
        roughcut::time::Rational::new(planned, 48000),
        "the sound stream lasts exactly the planned samples"
    );
}

#[test]
fn probe_reports_loudness_as_ebur128_measures_it() {
    // A 1 kHz sine at amplitude 0.1 on both channels of stereo: −20 LUFS, true peak −20 dBTP.
    let s = sound_clip(
        "minus20.mkv",
        3,
        "aevalsrc=exprs='0.1*sin(2*PI*1000*t)|0.1*sin(2*PI*1000*t)':sample_rate=48000:channel_layout=stereo",
        48000,
        "stereo",
    );
    let out = roughcut()
        .args(["probe", "--loudness", "--json"])
        .arg(&s)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let l = &v[0]["loudness"];
    let i = l["integrated"].as_f64().unwrap();
    let tp = l["true_peak"].as_f64().unwrap();
    assert!((i + 20.0).abs() < 0.2, "integrated {i}");
    assert!((tp + 20.0).abs() < 0.2, "true peak {tp}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn dv_second_audio_stream_is_selectable() {
    let corpus = corpus_dir();
    let dv = corpus.join("media/sony_good_quality.dv");
    // The corpus is here (the cfg says so): a file of it missing is a failure, not a skip.
    assert!(
        dv.is_file(),
        "{} is missing from the shared corpus",
        dv.display()
    );
    let dir = workdir("sound-dv");
    // DV 32 kHz (five frames long): stream 0 carries the sound, stream 1 (the second stereo
    // pair) is silent. Each event: 4 source frames at 29.97 → 3 frames at 25 (5760 samples).
    let body = format!(
        r#"{}, "sources": {{ "dv": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "dv", "in": 0, "out": "4f" }}, {{ "source": "dv", "in": 0, "out": "4f", "audio": {{ "stream": 1 }} }} ]"#,
        pcm_output("dv", ""),
        dv.display()
    );
    let (_, sound) = render_sound(&dir, "dv", &body, "mkv");
    assert_eq!(sound.sample_rate, 48000);
    let l = sound.channel(0);
    assert_eq!(l.len(), 2 * 5760);
    let first = rms(&l[480..5280]);
    let second = rms(&l[6240..11040]);
    assert!(db(first) > -30.0, "stream 0 sounds: {:.1} dB", db(first));
    assert!(
        db(second) < -80.0,
        "stream 1 is the silent pair: {:.1} dB",
        db(second)
    );
}

#[test]
fn chunked_sound_encoding_joins_are_inaudible() {
    // The program's AAC is encoded in chunks of 2^21 samples, side by side, each encoder fed
    // real sound before and after its chunk. A 92 s tone with two clicks: one far from any
    // join (10.3 s), one straddling the first join (sample 2097152 = 43.6907 s, where the
    // encoder switches to short windows); the second join (sample 4194304) is plain tone.
    // Around each join the AAC must be as close to the PCM render as the same sound elsewhere.
    let dir = workdir("sound-chunks");
    let src = sound_clip(
        "tone_clicks_94s.mov",
        94,
        "aevalsrc=exprs='0.3*sin(2*PI*440*t)+0.8*between(t\\,10.3000\\,10.3003)+0.8*between(t\\,43.6905\\,43.6908)':sample_rate=48000:channel_layout=mono",
        48000,
        "mono",
    );
    let body = |output: String| {
        format!(
            r#"{output}, "sources": {{ "s": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "s", "in": 0, "duration": 92 }} ]"#,
            src.display()
        )
    };
    let (_, pcm) = render_sound(&dir, "pcm", &body(pcm_output("pcm", "")), "mkv");
    // (An AAC file decodes to whole 1024-sample frames: FFmpeg does not trim the last one.)
    let edl = dir.join("aac.json");
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1, {} }}"#,
            body(r#""output": { "path": "aac.mp4", "width": 160, "height": 120 }"#.into())
        ),
    )
    .unwrap();
    render(&edl, &[]);
    let aac = decode_sound(&dir.join("aac.mp4")).unwrap().unwrap();
    let (p, a) = (pcm.channel(0), aac.channel(0));
    assert_eq!(a.len() - p.len(), 1024 - p.len() % 1024);
    // Coding error (AAC − PCM) in 4096 samples around `at`, and over the 2 s after it.
    let err = |at: usize, len: usize| -> f64 {
        let e: Vec<f32> = (at - 2048..at + len).map(|i| a[i] - p[i]).collect();
        rms(&e)
    };
    let signal = rms(&p[480_000..484_096]);
    let plain = err(30 * 48000, 2048);
    let plain_after = err(30 * 48000, 96_000);
    let far_click = err((10.3 * 48000.0) as usize, 2048);
    let join_click = err(1 << 21, 2048);
    let plain_join = err(1 << 22, 2048);
    let after_join = err(1 << 22, 96_000);
    eprintln!(
        "chunk joins: coding error {:.1} dB under the tone in plain tone ({:.1} dB over 2 s), \
         {:.1} dB at the second join ({:.1} dB over the 2 s after it); around a click {:.1} dB \
         far from joins, {:.1} dB on the first join",
        db(signal / plain),
        db(signal / plain_after),
        db(signal / plain_join),
        db(signal / after_join),
        db(signal / far_click),
        db(signal / join_click)
    );
    // The decoded AAC lines up with the PCM sample for sample (else every error is large).
    assert!(db(signal / plain) > 25.0, "plain tone error {plain}");
    // Joins: the coding error stays far under the tone. Measured here: 63.8 dB in steady
    // tone; 55.8 dB at a join and 51.0 dB over the 2 s after it with 256 frames of pre-roll;
    // without pre-roll 17.3 dB (a click) and 30.0 dB; with 16 frames 40 dB (the encoder's
    // rate control still settling).
    assert!(
        db(signal / plain_join) > 45.0,
        "a join clicks: error {:.1} dB under the tone",
        db(signal / plain_join)
    );
    assert!(
        db(signal / after_join) > 45.0,
        "the encoder after a join has not settled: error {:.1} dB under the tone",
        db(signal / after_join)
    );
    assert!(
        join_click <= far_click * 1.5 + 1e-4,
        "a transient on a join is coded worse than one elsewhere: {join_click} vs {far_click}"
    );

    // The PCM render, chunked the same way (1024-sample frames, the same grid and pre-roll),
    // is the source sample for sample — nothing doubled, dropped or moved at the joins.
    // (Past the program's own 5 ms fade-in at the start and fade-out at the end.)
    let source = decode_sound(&src).unwrap().unwrap().channel(0);
    let differs = (480..p.len() - 480).find(|&i| p[i] != source[i]);
    assert_eq!(
        differs,
        None,
        "the PCM render leaves the source at that sample: {:?} vs {:?}",
        differs.map(|i| &p[i..i + 4]),
        differs.map(|i| &source[i..i + 4])
    );
}

#[test]
fn a_matroska_source_stays_sample_exact_across_segment_joins() {
    // Matroska stamps its packets in whole milliseconds: a segment starting inside a clip
    // used to place its sound by that rounded stamp — 16 samples off at 9.2 s, a click at the
    // join. Frames on their stream's grid are placed exactly now.
    let dir = workdir("sound-mkv-exact");
    let src = tone("tone_440_25s.mkv", 440, 25);
    let (_, pcm) = render_sound(
        &dir,
        "mkv",
        &format!(
            r#"{}, "sources": {{ "s": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "s", "in": 0, "duration": 18.4 }} ]"#,
            pcm_output("mkv", ""),
            src.display()
        ),
        "mkv",
    );
    let plan = plan_for(&dir.join("mkv.json"));
    assert!(plan.segments.len() >= 2, "the clip is split into segments");
    let out = pcm.channel(0);
    let source = decode_sound(&src).unwrap().unwrap().channel(0);
    let differs = (480..out.len() - 480).find(|&i| out[i] != source[i]);
    assert_eq!(
        differs,
        None,
        "the render leaves the source at that sample (segments start at {:?})",
        plan.segments
            .iter()
            .map(|s| s.sample_start)
            .collect::<Vec<_>>()
    );
}

/// A 160x120 picture of flat `grey` with sound from `aevalsrc` expression `expr` (mono PCM,
/// 48 kHz) in Matroska.
fn picture_and_sound(name: &str, grey: &str, expr: &str) -> PathBuf {
    picture_and_sound_from(name, &format!("color=c={grey}:s=160x120:r=25"), expr)
}

/// A 4 s 160x120 25 fps picture from the lavfi graph `picture` with sound from `aevalsrc`
/// expression `expr` (mono PCM, 48 kHz) in Matroska.
fn picture_and_sound_from(name: &str, picture: &str, expr: &str) -> PathBuf {
    synth(
        name,
        4,
        Some(video(picture.to_string(), 160, 120, (25, 1), (1, 1))),
        Some(SynthAudio {
            source: format!("aevalsrc=exprs='{expr}':sample_rate=48000:channel_layout=mono"),
            encoder: "pcm_s16le".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 0,
        }),
    )
}

/// Beeps of 1 kHz starting at full level (a cosine) every 0.2 s, 50 ms long, on a dark
/// picture; and a steady 400 Hz hum on a light one.
fn beeps_and_hum() -> (PathBuf, PathBuf) {
    (
        picture_and_sound(
            "beeps_dark.mkv",
            "0x303030",
            "0.5*cos(2*PI*1000*t)*lt(mod(t+0.00001,0.2),0.05)",
        ),
        picture_and_sound("hum_light.mkv", "0xc0c0c0", "0.5*sin(2*PI*400*t)"),
    )
}

/// Assert that a beep (a cosine at 0.5, so at full level on its first sample) starts on each
/// of `onsets`, after silence.
fn beeps_start_at(x: &[f32], onsets: impl IntoIterator<Item = usize>) {
    for onset in onsets {
        assert!(
            (x[onset] - 0.5).abs() < 0.002 && x[onset - 1].abs() < 0.002,
            "a beep starts at sample {onset}: {:.4} after {:.4}",
            x[onset],
            x[onset - 1]
        );
    }
}

/// Mean luma of output frame `k`'s centre.
fn frame_luma(out: &Path, k: usize) -> f64 {
    let pics = crate::common::pictures(out);
    pics[k].mean_y(40, 30, 80, 60)
}

#[test]
fn an_l_cut_runs_the_sound_on_exactly_under_the_next_picture() {
    let dir = workdir("sound-lcut");
    let (beeps, hum) = beeps_and_hum();
    // The beeps' clip ends its picture at frame 50 (sample 96000); its sound runs on 9 frames
    // (17280 samples) under the hum's picture, whose own sound is cut until then.
    let body = format!(
        r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "h": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "b", "in": 0, "out": 2, "audio": {{ "tail": "9f" }} }},
                      {{ "source": "h", "in": 0, "out": 2 }} ]"#,
        pcm_output("lcut", ""),
        beeps.display(),
        hum.display()
    );
    let (_, sound) = render_sound(&dir, "lcut", &body, "mkv");
    let x = sound.channel(0);
    // The picture cuts on its frame.
    let out = dir.join("lcut.mkv");
    let (last_a, first_b) = (frame_luma(&out, 49), frame_luma(&out, 50));
    assert!(
        last_a < 80.0 && first_b > 150.0,
        "frame 49 shows the dark clip ({last_a:.0}), frame 50 the light one ({first_b:.0})"
    );
    // Every beep of the tail starts on its sample: source time 2.0 s and 2.2 s play at program
    // samples 96000 and 105600, each at full level after silence.
    beeps_start_at(&x, [86400usize, 96000, 105600]);
    // The tail ends at 113280 (a 5 ms join fade before it): the beep due at 115200 is not heard.
    let late = amplitude_at(&x[115200..117600], 1000.0, 48000.0);
    assert!(late < 0.002, "no beep after the tail: {late:.4}");
    // The hum is cut under the tail and plays from its end on.
    let under = amplitude_at(&x[96000..112800], 400.0, 48000.0);
    let after = amplitude_at(&x[114000..144000], 400.0, 48000.0);
    assert!(
        under < 0.002,
        "the next clip's sound under the tail: {under:.4}"
    );
    assert!(
        (after - 0.5).abs() < 0.005,
        "the next clip's sound after it: {after:.4}"
    );
    // Exactly where: the hum is silent up to sample 113280 and rising right after it.
    assert!(
        x[113270..113280].iter().all(|v| v.abs() < 0.002),
        "silent before 113280"
    );
    let rising = x[113300..113520].iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(
        rising > 0.05,
        "the hum fades in from 113280: peak {rising:.3}"
    );
}

#[test]
fn a_j_cut_starts_the_sound_early_and_cuts_the_sound_before_it() {
    let dir = workdir("sound-jcut");
    let (beeps, hum) = beeps_and_hum();
    // The beeps' clip (from 1.0 s in its source) shows from frame 50 but is heard 9 frames
    // (17280 samples) earlier: from program sample 78720, source time 0.64 s.
    let body = format!(
        r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "h": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "h", "in": 0, "out": 2 }},
                      {{ "source": "b", "in": 1, "out": 3, "audio": {{ "lead": "9f" }} }} ]"#,
        pcm_output("jcut", ""),
        beeps.display(),
        hum.display()
    );
    let (_, sound) = render_sound(&dir, "jcut", &body, "mkv");
    let x = sound.channel(0);
    let out = dir.join("jcut.mkv");
    let (last_a, first_b) = (frame_luma(&out, 49), frame_luma(&out, 50));
    assert!(
        last_a > 150.0 && first_b < 80.0,
        "frame 49 shows the light clip ({last_a:.0}), frame 50 the dark one ({first_b:.0})"
    );
    // Source 0.8 s and 1.0 s start at program samples 86400 and 96000.
    beeps_start_at(&x, [86400usize, 96000, 105600]);
    // The hum plays up to the sound edit at 78720 and is cut from there.
    let before = amplitude_at(&x[48000..76800], 400.0, 48000.0);
    let under = amplitude_at(&x[79200..96000], 400.0, 48000.0);
    assert!(
        (before - 0.5).abs() < 0.005,
        "the hum before the lead: {before:.4}"
    );
    assert!(under < 0.002, "the hum under the lead: {under:.4}");
    // Nothing of the beeps before the lead: source 0.6 s would be at 76800.
    let early = amplitude_at(&x[76800..78000], 1000.0, 48000.0);
    assert!(early < 0.002, "no beep before the lead: {early:.4}");
}

#[test]
fn a_split_edit_that_mixes_keeps_the_neighbours_sound() {
    let dir = workdir("sound-lcut-mix");
    let (beeps, hum) = beeps_and_hum();
    let body = format!(
        r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "h": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "b", "in": 0, "out": 2, "audio": {{ "tail": "9f", "overlap": "mix" }} }},
                      {{ "source": "h", "in": 0, "out": 2 }} ]"#,
        pcm_output("lmix", ""),
        beeps.display(),
        hum.display()
    );
    let (_, sound) = render_sound(&dir, "lmix", &body, "mkv");
    let x = sound.channel(0);
    let hum_under = amplitude_at(&x[96480..112800], 400.0, 48000.0);
    assert!(
        (hum_under - 0.5).abs() < 0.005,
        "the hum plays under the tail: {hum_under:.4}"
    );
    // The beep at source 2.2 s is there too, over the hum.
    let beep = amplitude_at(&x[105600..108000], 1000.0, 48000.0);
    assert!((beep - 0.5).abs() < 0.01, "the tail's beep: {beep:.4}");
}

/// A 6 s stereo 300 Hz music bed at 0.4, written once as WAV in `dir`.
fn music_bed(dir: &Path) -> PathBuf {
    let music = dir.join("music_300.wav");
    if !music.exists() {
        crate::common::write_clip(&roughcut::media::synth::SynthClip {
            path: music.clone(),
            duration: roughcut::time::Rational::from_integer(6),
            video: None,
            audio: vec![SynthAudio {
                source:
                    "aevalsrc=exprs='0.4*sin(2*PI*300*t)':sample_rate=48000:channel_layout=stereo"
                        .into(),
                encoder: "pcm_s16le".into(),
                sample_rate: 48000,
                layout: "stereo",
                bit_rate: 0,
            }],
            metadata: vec![],
        })
        .unwrap();
    }
    music
}

#[test]
fn a_sound_clip_on_a_track_lands_on_its_samples_and_ducks_the_bed() {
    let dir = workdir("sound-track-clip");
    let (beeps, _) = beeps_and_hum();
    music_bed(&dir);
    // 4 s of black; a music bed under it all that ducks 12 dB; on a second track one sound
    // clip from 1.0 s of the beeps, at program 1.5 s for 1 s, the track 6 dB down.
    let body = |mute: bool| {
        format!(
            r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "m": {{ "path": "music_300.wav" }} }},
            "timeline": [ {{ "gap": 4 }} ],
            "audio_tracks": [
                {{ "source": "m", "duck": {{ "db": 12, "ramp": 0.1 }} }},
                {{ "name": "interview", "gain_db": -6, "mute": {mute},
                   "clips": [ {{ "source": "b", "in": 1, "at": 1.5, "duration": 1 }} ] }} ]"#,
            pcm_output(if mute { "trackmute" } else { "track" }, ""),
            beeps.display()
        )
    };
    let (edl, sound) = render_sound(&dir, "track", &body(false), "mkv");
    let x = sound.channel(0);
    let g = 10f64.powf(-6.0 / 20.0);
    // The clip's first beep (source 1.0 s) starts on program sample 72000, 6 dB down.
    let beep = amplitude_at(&x[72000..74400], 1000.0, 48000.0);
    let before = amplitude_at(&x[69600..72000], 1000.0, 48000.0);
    assert!((beep - 0.5 * g).abs() < 0.003, "the first beep: {beep:.4}");
    assert!(
        before < 0.002,
        "nothing of the clip before its place: {before:.4}"
    );
    // The bed beneath is 300 Hz, which is 0 on sample 72000 exactly: the sample is the beep's.
    assert!(
        (x[72000] as f64 - 0.5 * g).abs() < 0.004,
        "sample 72000 starts the beep: {:.4}",
        x[72000]
    );
    // Its last beep (source 1.8 s) at 2.3 s; nothing after the clip's end at 2.5 s.
    let last = amplitude_at(&x[110400..112800], 1000.0, 48000.0);
    let after = amplitude_at(&x[120000..122400], 1000.0, 48000.0);
    assert!((last - 0.5 * g).abs() < 0.003, "the last beep: {last:.4}");
    assert!(after < 0.002, "the clip ends at 2.5 s: {after:.4}");
    // The bed ducks under the clip as it does under the picture's sound.
    let alone = amplitude_at(window(&x, 48000, 0.2, 1.2), 300.0, 48000.0);
    let under = amplitude_at(window(&x, 48000, 1.6, 2.4), 300.0, 48000.0);
    let later = amplitude_at(window(&x, 48000, 2.6, 2.9), 300.0, 48000.0);
    let ducked = db(under / alone);
    assert!((alone - 0.4).abs() < 0.005, "bed alone: {alone:.4}");
    assert!(
        (later - 0.4).abs() < 0.005,
        "bed after the clip: {later:.4}"
    );
    assert!(
        (ducked + 12.0).abs() < 0.2,
        "bed under the clip: {ducked:.2} dB"
    );
    let plan = plan_for(&edl);
    let names: Vec<&str> = plan.segments[0]
        .beds
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, ["m", "interview: b"]);
    // A muted track plays nothing and ducks nothing.
    let (_, sound) = render_sound(&dir, "trackmute", &body(true), "mkv");
    let x = sound.channel(0);
    let beep = amplitude_at(&x[72000..74400], 1000.0, 48000.0);
    let under = amplitude_at(window(&x, 48000, 1.6, 2.4), 300.0, 48000.0);
    assert!(beep < 0.002, "a muted track is silent: {beep:.4}");
    assert!((under - 0.4).abs() < 0.005, "and ducks nothing: {under:.4}");
}

#[test]
fn a_cutaway_shows_its_picture_over_its_range_while_the_sound_stays_on_schedule() {
    let dir = workdir("cutaway");
    let (beeps, hum) = beeps_and_hum();
    let cache = dir.join("cache");
    // Two events of the beeps' clip (dark picture), 2 s each; then the same with a cutaway to
    // the hum's light picture over frames 25..40 of the first.
    let body = |cutaway: bool| {
        format!(
            r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "h": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "b", "in": 0, "out": 2 }}, {{ "source": "b", "in": 2, "out": 4 }} ]
            {}"#,
            pcm_output("cut", ""),
            beeps.display(),
            hum.display(),
            if cutaway {
                r#", "cutaways": [ { "source": "h", "in": 0.5, "at": "25f", "duration": "15f", "name": "city" } ]"#
            } else {
                ""
            }
        )
    };
    let edl = dir.join("cut.json");
    let report = dir.join("report.json");
    let mut statuses = Vec::new();
    for cutaway in [false, true] {
        std::fs::write(&edl, format!(r#"{{ "version": 1, {} }}"#, body(cutaway))).unwrap();
        render(
            &edl,
            &[
                "--cache-dir",
                cache.to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
            ],
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        statuses.push(
            v["plan"]["segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["record_start"].as_i64().unwrap(),
                        s["frames"].as_i64().unwrap(),
                        s["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>(),
        );
    }
    // The cutaway cuts the first event's segment in three; the second event's comes from the
    // cache.
    assert_eq!(
        statuses[1],
        [
            (0, 25, "rendered".to_string()),
            (25, 15, "rendered".to_string()),
            (40, 10, "rendered".to_string()),
            (50, 50, "cached".to_string())
        ]
    );
    let out = dir.join("cut.mkv");
    let pics = crate::common::pictures(&out);
    assert_eq!(pics.len(), 100);
    for (k, p) in pics.iter().enumerate() {
        let y = p.mean_y(40, 30, 80, 60);
        let light = (25..40).contains(&k);
        assert!(
            if light { y > 150.0 } else { y < 80.0 },
            "frame {k}: luma {y:.0} ({})",
            if light {
                "the cutaway"
            } else {
                "the main clip"
            }
        );
    }
    // The beeps keep their schedule through the cutaway: one every 9600 samples, each starting
    // on its sample (the one at 96000 is the cut between the events, under the join fade); the
    // cutaway's own sound (the hum) is nowhere.
    let sound = decode_sound(&out).unwrap().unwrap();
    let x = sound.channel(0);
    beeps_start_at(&x, (9600..182400).step_by(9600).filter(|&s| s != 96000));
    let hum = amplitude_at(&x[48000..76800], 400.0, 48000.0);
    assert!(hum < 0.002, "no sound from the cutaway: {hum:.4}");
}

#[test]
fn a_cutaway_over_a_whole_dissolve_keeps_its_crossfaded_sound() {
    let dir = workdir("cutaway-dissolve");
    let (beeps, hum) = beeps_and_hum();
    let grey = picture_and_sound("mid_grey_silent.mkv", "0x808080", "0");
    // The hum's light clip dissolves over 10 frames (frames 40..50, samples 76800..96000) into
    // the beeps' dark one; with and without a grey cutaway over frames 35..55.
    let body = |cutaway: bool, name: &str| {
        format!(
            r#"{}, "sources": {{ "b": {{ "path": "{}" }}, "h": {{ "path": "{}" }}, "g": {{ "path": "{}" }} }},
            "timeline": [ {{ "source": "h", "in": 0, "out": 2 }},
                          {{ "source": "b", "in": 0, "out": 2, "transition": {{ "type": "dissolve", "duration": "10f" }} }} ]
            {}"#,
            pcm_output(name, ""),
            beeps.display(),
            hum.display(),
            grey.display(),
            if cutaway {
                r#", "cutaways": [ { "source": "g", "in": 0, "at": "35f", "duration": "20f" } ]"#
            } else {
                ""
            }
        )
    };
    let (_, plain) = render_sound(&dir, "plain", &body(false, "plain"), "mkv");
    let (_, over) = render_sound(&dir, "over", &body(true, "over"), "mkv");
    let pics = crate::common::pictures(&dir.join("over.mkv"));
    for (k, p) in pics.iter().enumerate().take(60).skip(30) {
        let y = p.mean_y(40, 30, 80, 60);
        let want = match k {
            35..=54 => 110.0..150.0,
            0..=34 => 150.0..255.0,
            _ => 0.0..80.0,
        };
        assert!(want.contains(&y), "frame {k}: luma {y:.0}, wanted {want:?}");
    }
    // The sound under the cutaway is the dissolve's crossfade, sample for sample.
    let (a, b) = (plain.channel(0), over.channel(0));
    let worst = a[67200..105600]
        .iter()
        .zip(&b[67200..105600])
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(
        worst < 1e-4,
        "largest difference under the cutaway: {worst}"
    );
    // And it is a crossfade: the hum falls from 0.44 to 0.06 over the dissolve's quarters.
    let first = amplitude_at(&b[76800..81600], 400.0, 48000.0);
    let last = amplitude_at(&b[91200..96000], 400.0, 48000.0);
    assert!((first - 0.4375).abs() < 0.01, "first quarter: {first:.4}");
    assert!((last - 0.0625).abs() < 0.01, "last quarter: {last:.4}");
}

/// A 4 s 160x120 25 fps clip whose frame N has luma 16 + 2N (its number, readable after
/// coding), with a steady 1 kHz tone at 0.5.
fn counted_frames_with_tone() -> PathBuf {
    picture_and_sound_from(
        "counted_tone.mkv",
        "color=c=black:s=160x120:r=25,geq=lum='16+2*N':cb=128:cr=128",
        "0.5*sin(2*PI*1000*t)",
    )
}

/// The number drawn into a frame of [`counted_frames_with_tone`].
fn frame_number(p: &roughcut::media::measure::Picture) -> i64 {
    ((p.mean_y(20, 20, 120, 80) - 16.0) / 2.0).round() as i64
}

#[test]
fn speed_and_freeze_pick_the_briefs_frames_and_keep_the_pitch() {
    let dir = workdir("speed");
    let src = counted_frames_with_tone();
    // Twice as fast (2 s of source in 25 frames), half speed (0.4 s in 20 frames), a freeze on
    // source frame 75 for 10 frames.
    let body = format!(
        r#"{}, "sources": {{ "c": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "c", "in": 0, "out": 2, "speed": 2 }},
                      {{ "source": "c", "in": 1, "out": 1.4, "speed": 0.5 }},
                      {{ "source": "c", "in": 3, "duration": "10f", "speed": 0 }} ]"#,
        pcm_output("speed", ""),
        src.display()
    );
    let (edl, sound) = render_sound(&dir, "speed", &body, "mkv");
    let plan = plan_for(&edl);
    assert_eq!(plan.frames, 55);
    let pics = crate::common::pictures(&dir.join("speed.mkv"));
    let shown: Vec<i64> = pics.iter().map(frame_number).collect();
    // Output frame k shows the latest source frame at or before in + k × speed / 25.
    let mut want: Vec<i64> = (0..25).map(|k| 2 * k).collect();
    want.extend((0..20).map(|k| 25 + k / 2));
    want.extend(std::iter::repeat_n(75, 10));
    assert_eq!(shown, want);
    // The freeze is one picture: its frames do not differ.
    for k in 46..55 {
        let d = (pics[k].mean_y(0, 0, 160, 120) - pics[45].mean_y(0, 0, 160, 120)).abs();
        assert!(d < 0.5, "frozen frame {k} differs by {d:.2}");
    }
    // The sound has exactly the program's samples (checked by render_sound) and keeps its pitch:
    // 1 kHz at full level in both retimed clips, nothing at the doubled or halved pitch.
    let x = sound.channel(0);
    let fast = &x[4800..43200];
    let slow = &x[52800..72000];
    for (name, w) in [("speed 2", fast), ("speed 0.5", slow)] {
        let at = |f: f64| amplitude_at(w, f, 48000.0);
        assert!(
            (at(1000.0) - 0.5).abs() < 0.03 && at(2000.0) < 0.01 && at(500.0) < 0.01,
            "{name}: 1 kHz {:.3}, 2 kHz {:.3}, 500 Hz {:.3}",
            at(1000.0),
            at(2000.0),
            at(500.0)
        );
    }
    // The freeze is silent.
    let freeze = rms(&x[86400..105600]);
    assert!(freeze < 0.001, "the freeze's sound: RMS {freeze:.4}");
}

#[test]
fn a_retimed_clip_keeps_its_sound_in_sync_with_its_pictures() {
    let dir = workdir("speed-sync");
    let (beeps, _) = beeps_and_hum();
    // A 1 s black lead-in; the beeps (one every 0.2 s of source, 50 ms long) from 0.2 s at half
    // speed for 1.6 s, then from 0.2 s at twice the speed for 0.8 s.
    let body = format!(
        r#"{}, "sources": {{ "b": {{ "path": "{}" }} }},
        "timeline": [ {{ "gap": 1 }},
                      {{ "source": "b", "in": 0.2, "out": 1.0, "speed": 0.5 }},
                      {{ "source": "b", "in": 0.2, "out": 1.8, "speed": 2 }} ]"#,
        pcm_output("sync", ""),
        beeps.display()
    );
    let (_, sound) = render_sound(&dir, "sync", &body, "mkv");
    let x = sound.channel(0);
    // Where each beep's energy is centred, against where the picture puts it: source time s of
    // a clip starting at program sample p0 plays at p0 + (s − 0.2) / speed. The first beep of
    // each clip is left out (the clip's join fade is on it).
    let centroid = |a: usize, b: usize| {
        let (mut m, mut e) = (0.0, 0.0);
        for (i, v) in x[a..b].iter().enumerate() {
            let p = f64::from(*v).powi(2);
            m += p * (a + i) as f64;
            e += p;
        }
        m / e.max(1e-12)
    };
    for (p0, speed, count) in [(48000.0, 0.5, 4), (124800.0, 2.0, 8)] {
        let len = 2400.0 / speed; // 50 ms of source
        let errors: Vec<f64> = (1..count)
            .map(|j| {
                let start = p0 + 0.2 * j as f64 / speed * 48000.0;
                let centre = start + len / 2.0;
                let (a, b) = (
                    (centre - len - 1000.0) as usize,
                    (centre + len + 1000.0) as usize,
                );
                centroid(a, b) - centre
            })
            .collect();
        eprintln!("speed {speed}: beep centres off by {errors:?} samples");
        // Within 25 ms of the picture (well inside lip-sync tolerances), and no drift.
        assert!(
            errors.iter().all(|e| e.abs() <= 1200.0),
            "speed {speed}: {errors:?}"
        );
        let spread = errors.iter().cloned().fold(f64::MIN, f64::max)
            - errors.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            spread <= 480.0,
            "speed {speed}: the offset drifts by {spread:.0}: {errors:?}"
        );
    }
}

#[test]
fn rubberband_is_a_choice_of_stretcher_that_keeps_the_pitch() {
    let dir = workdir("rubberband");
    let src = counted_frames_with_tone();
    let body = format!(
        r#"{}, "sources": {{ "c": {{ "path": "{}" }} }},
        "timeline": [ {{ "source": "c", "in": 1, "out": 1.4, "speed": 0.5, "audio": {{ "stretch": "rubberband" }} }} ]"#,
        pcm_output("rb", ""),
        src.display()
    );
    let (edl, sound) = render_sound(&dir, "rb", &body, "mkv");
    let plan = plan_for(&edl);
    assert_eq!(plan.frames, 20);
    let filter = match &plan.segments[0].sound {
        roughcut::plan::Sound::Source { filter, .. } => filter.clone(),
        other => panic!("{other:?}"),
    };
    assert!(filter.starts_with("rubberband=tempo=0.5,"), "{filter}");
    let x = sound.channel(0);
    let w = &x[4800..33600];
    let at = |f: f64| amplitude_at(w, f, 48000.0);
    assert!(
        (at(1000.0) - 0.5).abs() < 0.05 && at(500.0) < 0.01 && at(2000.0) < 0.01,
        "1 kHz {:.3}, 500 Hz {:.3}, 2 kHz {:.3}",
        at(1000.0),
        at(500.0),
        at(2000.0)
    );
}
