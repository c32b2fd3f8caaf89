//! Memory stays flat as the program grows: a long program with loudness normalisation on (the
//! whole program's sound measured and encoded at assembly) peaks no higher than a short one.

use std::path::Path;

use roughcut::media::synth::{SynthAudio, SynthClip};
use roughcut::time::Rational;

use crate::common::{roughcut_process, workdir};

/// A stereo sound bed of `seconds` (a tone with a slow swell, so loudness has work to do).
fn bed(dir: &Path, seconds: i64) {
    let path = dir.join("bed.wav");
    crate::common::write_clip(&SynthClip {
        path,
        duration: Rational::from_integer(seconds),
        video: None,
        audio: vec![SynthAudio {
            source: "aevalsrc=exprs='(0.2+0.1*sin(2*PI*t/7))*sin(2*PI*330*t)':sample_rate=48000:channel_layout=stereo".into(),
            encoder: "pcm_s16le".into(),
            sample_rate: 48000,
            layout: "stereo",
            bit_rate: 0,
        }],
        metadata: vec![],
    })
    .expect("write the bed");
}

/// Render a program of `seconds` (black picture, the bed under it, loudness on) and return the
/// render process's peak resident memory in KiB, as the kernel counted it.
fn peak_kib(name: &str, seconds: i64) -> i64 {
    let dir = workdir(name);
    bed(&dir, seconds);
    let edl = dir.join("cut.json");
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1,
  "output": {{ "path": "cut.mp4", "width": 160, "height": 120, "fps": "25",
              "video": {{ "preset": "ultrafast" }},
              "audio": {{ "loudness": {{ "target": -23, "true_peak": -2 }} }} }},
  "sources": {{ "bed": {{ "path": "bed.wav" }} }},
  "timeline": [ {{ "gap": "{seconds}s" }} ],
  "audio_tracks": [ {{ "source": "bed", "at": 0 }} ] }}"#
        ),
    )
    .expect("write EDL");
    let mut child = roughcut_process()
        .args(["render", "--no-cache", "--progress", "none", "--jobs", "2"])
        .arg(&edl)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start render");
    // The kernel's high-water mark of the render's own memory (VmHWM; getrusage would count
    // the test process too, whose memory the child starts from), read until the child exits.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the render") {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(status.success(), "render of {seconds} s failed: {status}");
    assert!(dir.join("cut.mp4").is_file());
    assert!(peak > 0, "no memory reading of the render");
    peak
}
#[test]
fn peak_memory_stays_flat_as_the_program_grows() {
    let short = peak_kib("memory-short", 15);
    let long = peak_kib("memory-long", 150);
    eprintln!(
        "memory: peak {:.1} MB for 15 s, {:.1} MB for 150 s (loudness on)",
        short as f64 / 1024.0,
        long as f64 / 1024.0
    );
    // The program's sound alone is 55 MB per 150 s (48 kHz stereo f32); a leak of it, or of any
    // per-frame buffer, shows as a difference several times this margin.
    assert!(
        long - short < 16 * 1024,
        "peak memory grew from {short} KiB to {long} KiB when the program grew tenfold"
    );
}
