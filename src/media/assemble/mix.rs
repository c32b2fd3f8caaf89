//! The program's sound before it is encoded: the beds mixed under the segments' sound, and the
//! gain (and limiter) that bring it to the loudness target.

use std::path::Path;

use super::{fail, AssembleError, Piece};
use crate::cancel::Cancel;
use crate::edl::Loudness;
use crate::media::loudness::{LoudnessStats, Meter};
use crate::media::segment::{mix_beds, SegmentError};
use crate::plan::OutputSpec;

/// How far under the ceiling the sample-peak limiter aims, so that true peaks between samples
/// stay under it too — and, for a lossy codec, the encoder's ripple (AAC adds up to about 1 dB).
pub(super) fn true_peak_margin(out: &OutputSpec) -> f64 {
    if out.audio.codec.is_lossy() {
        2.0
    } else {
        0.5
    }
}

pub(super) fn read_pcm(path: &Path) -> Result<Vec<f32>, AssembleError> {
    crate::media::segment::read_pcm(path).map_err(fail("read segment sound"))
}

/// Measure the program's loudness from the segments' sound, after the filters of `chain`
/// (empty, or ending with a comma).
pub(super) fn measure(
    out: &OutputSpec,
    sound: &[std::path::PathBuf],
    cancel: &Cancel,
    chain: &str,
) -> Result<LoudnessStats, AssembleError> {
    let channels = out.audio.channels as usize;
    let mut meter = Meter::new(
        out.audio.sample_rate,
        crate::plan::output_layout(channels as u32),
        channels,
        chain,
    )
    .map_err(fail("measure loudness"))?;
    for p in sound {
        if cancel.is_cancelled() {
            return Err(AssembleError::Cancelled);
        }
        meter
            .push(&read_pcm(p)?)
            .map_err(fail("measure loudness"))?;
    }
    meter.finish().map_err(fail("measure loudness"))
}

/// The filters applying `gain_db`, and a limiter holding peaks under the ceiling.
pub(super) fn loudness_chain(gain_db: f64, limit: Option<f64>, margin: f64) -> String {
    let mut chain = format!("volume={gain_db:.3}dB,");
    if let Some(ceiling) = limit {
        let limit = 10f64.powf((ceiling - margin) / 20.0);
        chain.push_str(&format!(
            "alimiter=limit={limit:.6}:level=false:latency=true:attack=5:release=50,"
        ));
    }
    chain
}

/// Gain (and a limiter when peaks would pass the ceiling) bringing the program to `target`.
/// A plain gain is exact; when the limiter acts it takes loudness away, so the gain is
/// corrected from a measurement of the limited sound (a few passes over the PCM, no encoding).
pub(super) fn normalise(
    out: &OutputSpec,
    sound: &[std::path::PathBuf],
    cancel: &Cancel,
    m: &LoudnessStats,
    target: &Loudness,
) -> Result<(f64, bool), AssembleError> {
    if m.integrated <= -70.0 {
        // Silence: there is nothing to bring up.
        return Ok((0.0, false));
    }
    // In steps of 0.1 dB (the written loudness within 0.05 LU of the target, far inside the
    // ±1 LU tolerance): a trim that barely moves the program's loudness leaves the gain — and
    // so every encoded sound chunk it does not touch — as it was.
    let step = |g: f64| (g * 10.0).round() / 10.0;
    let mut gain = step(target.target - m.integrated);
    let margin = true_peak_margin(out);
    let limited = m.true_peak + gain > target.true_peak - margin;
    if limited {
        for _ in 0..4 {
            let chain = loudness_chain(gain, Some(target.true_peak), margin);
            let got = measure(out, sound, cancel, &chain)?;
            let miss = target.target - got.integrated;
            if miss.abs() < 0.2 {
                break;
            }
            gain = step(gain + miss);
        }
    }
    Ok((gain, limited))
}

/// The sound of each piece: its segment's PCM, or — under a bed — that PCM with the bed pieces
/// mixed in, written once beside `output` (the passes that follow read it, not the beds). The
/// pieces are mixed side by side on `workers` threads.
pub(super) fn with_beds(
    out: &OutputSpec,
    pieces: &[Piece],
    output: &Path,
    workers: usize,
    cancel: &Cancel,
) -> Result<Vec<std::path::PathBuf>, AssembleError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = output.parent().unwrap_or(Path::new("."));
    let mix = |i: usize, p: &Piece| -> Result<std::path::PathBuf, AssembleError> {
        if p.beds.is_empty() {
            return Ok(p.files.pcm.clone());
        }
        if cancel.is_cancelled() {
            return Err(AssembleError::Cancelled);
        }
        let mut pcm = read_pcm(&p.files.pcm)?;
        mix_beds(out, cancel, p.beds, &mut pcm).map_err(|e| match e {
            SegmentError::Cancelled => AssembleError::Cancelled,
            e => AssembleError::Failed {
                stage: "mix the sound beds",
                message: e.to_string(),
            },
        })?;
        let mixed = dir.join(format!("mixed-{i:05}.pcm"));
        let bytes: Vec<u8> = pcm.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(&mixed, bytes).map_err(fail("write mixed sound"))?;
        Ok(mixed)
    };
    let next = AtomicUsize::new(0);
    let done: Vec<(usize, Result<std::path::PathBuf, AssembleError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.clamp(1, pieces.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = pieces.get(i) else { break };
                        let r = mix(i, p);
                        let failed = r.is_err();
                        mine.push((i, r));
                        if failed {
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut paths: Vec<Option<std::path::PathBuf>> = vec![None; pieces.len()];
    for (i, r) in done {
        paths[i] = Some(r?);
    }
    paths
        .into_iter()
        .map(|p| {
            p.ok_or(AssembleError::Failed {
                stage: "mix the sound beds",
                message: "a mixing thread stopped".into(),
            })
        })
        .collect()
}
