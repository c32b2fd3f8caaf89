//! The sound check: a window of the file's sound around each event's reference, read in one
//! pass over the file, and the lag that correlates best.

use std::path::Path;

use crate::media::measure;
use crate::plan::Plan;

use super::{EventCheck, Geometry, VerifyError};

/// A stretch of the file's sound to compare with an event's reference.
pub(super) struct Window {
    /// Index of the event's check.
    pub event: usize,
    /// The reference's mono samples.
    pub reference: Vec<f32>,
    /// Program sample where the file's stretch starts (`max` before the reference's).
    pub from: i64,
    pub max: usize,
    /// The file's mono samples there, as they are read.
    pub seen: Vec<f32>,
}

impl Window {
    /// The window over `reference` (mono, `geometry.len` samples) starting at program sample
    /// `at`.
    pub(super) fn new(event: usize, reference: Vec<f32>, at: i64, geometry: &Geometry) -> Window {
        Window {
            event,
            reference,
            from: at - geometry.max,
            max: geometry.max as usize,
            seen: Vec::new(),
        }
    }
}

/// Read the file's sound once: fill every window and count the samples. `None` when the file
/// has no sound.
pub(super) fn read_windows(
    file: &Path,
    plan: &Plan,
    windows: &mut [Window],
) -> Result<i64, VerifyError> {
    let sr = i64::from(plan.output.audio.sample_rate);
    let ch = plan.output.audio.channels.max(1) as usize;
    let mut count = 0i64;
    let mut start_sample = None;
    let format = measure::for_each_sound(file, |first, block| {
        let start = *start_sample.get_or_insert_with(|| crate::time::round_half_up(first * sr));
        let n = (block.len() / ch) as i64;
        for w in windows.iter_mut() {
            // Program sample p is the file's sample p − start.
            let (lo, hi) = (
                w.from - start,
                w.from - start + (w.reference.len() + 2 * w.max) as i64,
            );
            let (a, b) = (lo.max(count), hi.min(count + n));
            for i in a..b {
                let k = ((i - count) as usize) * ch;
                w.seen
                    .push(block[k..k + ch].iter().sum::<f32>() / ch as f32);
            }
        }
        count += n;
    })?;
    Ok(if format.is_none() { 0 } else { count })
}

/// Judge each window: the lag found goes into its event, a lag beyond a quarter of a frame is
/// a problem, and a window that could not be compared says why — never silently.
pub(super) fn judge(windows: &[Window], events: &mut [EventCheck], spf: i64) {
    for w in windows {
        let Some(e) = events.get_mut(w.event) else {
            continue;
        };
        match best_lag(&w.reference, &w.seen, w.max) {
            Lag::Found(l, score) if score > 0.5 => {
                e.sound_lag = Some(l);
                if l.abs() > spf / 4 {
                    e.problems.push(format!(
                        "the sound is {l} samples ({:.2} frames) {} the picture",
                        l as f64 / spf as f64,
                        if l > 0 { "behind" } else { "ahead of" }
                    ));
                }
            }
            Lag::Found(l, score) => e.problems.push(format!(
                "the sound does not match the plan's there (best correlation {score:.2} at {l} samples; in sync it is near 1)"
            )),
            Lag::SilentReference => e
                .notes
                .push("the sound is silent there in the plan: no offset to measure".into()),
            Lag::SilentFile => e
                .problems
                .push("the file is silent where the plan has sound".into()),
            Lag::FileTooShort => e.problems.push(format!(
                "the file's sound ends before the event's sound does ({} of {} samples there)",
                w.seen.len(),
                w.reference.len() + 2 * w.max
            )),
        }
    }
}

/// What correlating a reference with the file's window found.
#[derive(Debug, PartialEq)]
enum Lag {
    /// The best lag (samples, positive: the file's is late) and its normalised score.
    Found(i64, f64),
    /// The reference is silent: nothing to correlate.
    SilentReference,
    /// The file is silent at every lag.
    SilentFile,
    /// The file holds fewer samples there than the window needs.
    FileTooShort,
}

/// Scores this close to the best count as equally good: a periodic sound (a line-up tone, a
/// test signal) correlates as well one period away as in place.
const LAG_TIE: f64 = 0.01;

/// The lag (samples) of `file` against `reference` that correlates best, within ±`max`, and
/// its score — but zero when the correlation peaks there within [`LAG_TIE`] of the best (a
/// periodic sound in place correlates as well whole periods away, and is not said to be
/// shifted).
fn best_lag(reference: &[f32], file: &[f32], max: usize) -> Lag {
    // `file` holds the reference's span with `max` samples of margin on each side.
    let n = reference.len();
    if file.len() < n + 2 * max {
        return Lag::FileTooShort;
    }
    let energy = |s: &[f32]| s.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>();
    let er = energy(reference);
    if n == 0 || er < 1e-6 {
        return Lag::SilentReference;
    }
    let mut scores = Vec::with_capacity(2 * max + 1);
    for shift in 0..=2 * max {
        let window = &file[shift..shift + n];
        let ef = energy(window);
        if ef < 1e-9 {
            continue;
        }
        let dot: f64 = reference
            .iter()
            .zip(window)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        scores.push((shift as i64 - max as i64, dot / (er * ef).sqrt()));
    }
    let Some(best) = scores.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return Lag::SilentFile;
    };
    // In place as good as the best (within the tie): no evidence of a shift. A periodic sound
    // shifted off its period's grid still shows its best peak away from zero.
    let zero = scores.iter().position(|s| s.0 == 0);
    let peak = |k: usize| {
        let s = scores[k].1;
        (k == 0 || scores[k - 1].1 <= s) && scores.get(k + 1).is_none_or(|n| n.1 <= s)
    };
    match zero {
        Some(k) if peak(k) && scores[k].1 >= best.1 - LAG_TIE => {
            Lag::Found(scores[k].0, scores[k].1)
        }
        _ => Lag::Found(best.0, best.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sound that repeats nowhere: a sum of tones with a drifting pitch.
    fn speechlike(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / 48000.0;
                ((2.0 * std::f64::consts::PI * (180.0 + 90.0 * (3.1 * t).sin()) * t).sin()
                    + 0.5 * (2.0 * std::f64::consts::PI * 733.0 * t * (1.0 + t)).sin())
                    as f32
            })
            .collect()
    }

    #[test]
    fn a_shift_is_found_in_samples() {
        let sound = speechlike(48000);
        let (max, len, at) = (2880usize, 3840usize, 20000usize);
        let reference = &sound[at..at + len];
        for shift in [-1920i64, -7, 0, 1, 1920, 2400] {
            let from = (at as i64 - max as i64 - shift) as usize;
            let file = &sound[from..from + len + 2 * max];
            let Lag::Found(lag, score) = best_lag(reference, file, max) else {
                panic!("no lag found for shift {shift}");
            };
            assert_eq!(lag, shift, "score {score}");
        }
    }

    #[test]
    fn a_pure_tone_in_place_is_not_called_shifted() {
        // 440 Hz at 48 kHz repeats every 109.09 samples: 22 periods are 2400 samples, where
        // the correlation is as good as in place. In place, the nearest of the ties is 0.
        let tone: Vec<f32> = (0..48000)
            .map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 48000.0).sin() as f32)
            .collect();
        let (max, len, at) = (2880usize, 3840usize, 20000usize);
        let file = &tone[at - max..at + len + max];
        let Lag::Found(lag, _) = best_lag(&tone[at..at + len], file, max) else {
            panic!("no lag found");
        };
        assert_eq!(lag, 0);
    }

    #[test]
    fn silence_and_a_short_file_are_said_not_measured() {
        let sound = speechlike(12000);
        let (max, len) = (100usize, 1000usize);
        let silence = vec![0f32; len + 2 * max];
        assert_eq!(best_lag(&sound[..len], &silence, max), Lag::SilentFile);
        assert_eq!(
            best_lag(&silence[..len], &sound[..len + 2 * max], max),
            Lag::SilentReference
        );
        assert_eq!(
            best_lag(&sound[..len], &sound[..len + max], max),
            Lag::FileTooShort
        );
    }
}
