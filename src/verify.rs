//! Checking a rendered file against the plan its EDL makes today: the container, codecs, size,
//! rate, frame and sample counts; each event's first, middle and last frame against the same
//! frame rendered anew by the same conform pipeline (a one-second piece of the cut, alone);
//! black in gaps; neutral chroma where the plan says black-and-white; and the sound's offset,
//! found by cross-correlating the file's sound with the piece's. No second implementation of
//! anything: the reference frames come from `render` itself.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::cancel::Cancel;
use crate::edl::Edl;
use crate::media::measure::{self, Picture as Pixels};
use crate::plan::{self, Picture, Plan, PlanOptions};
use crate::render::{self, Budget};

/// How different two pictures may be and still be the same frame: the mean absolute luma
/// difference of their 16×9 block means (0–255). Two encodes of one frame at the output's
/// quality differ by about 1; a neighbouring frame of moving footage by 5 or more.
pub const FRAME_TOLERANCE: f64 = 3.0;

/// Frames of each reference piece: enough sound around a frame to find an offset of a frame
/// and a half either way.
const PIECE_FRAMES: i64 = 8;

/// A chroma sample further than this from neutral (128) is colour, in a black-and-white event.
pub const BW_TOLERANCE: u8 = 3;

/// One check of the file as a whole.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Check {
    pub what: String,
    pub expected: String,
    pub found: String,
    pub ok: bool,
}

/// A frame compared.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FrameCheck {
    /// Program frame.
    pub frame: i64,
    /// Mean absolute difference of 16×9 luma block means against the reference (0–255).
    pub difference: f64,
    pub ok: bool,
}

/// What was found for one event.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventCheck {
    /// 1-based position in the EDL's timeline.
    pub event: usize,
    pub name: String,
    pub record: i64,
    pub frames: Vec<FrameCheck>,
    /// The file's sound against the reference, in samples (positive: the file's is late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound_lag: Option<i64>,
    /// What is wrong, in words.
    pub problems: Vec<String>,
}

/// The verdict.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verification {
    pub file: String,
    pub matches: bool,
    pub checks: Vec<Check>,
    pub events: Vec<EventCheck>,
}

/// Why verification could not run.
pub type VerifyError = render::pieces::PiecesError;

/// A check that passes when the two agree exactly.
fn same(checks: &mut Vec<Check>, what: &str, expected: String, found: String) {
    let ok = expected == found;
    checks.push(Check {
        what: what.into(),
        expected,
        found,
        ok,
    });
}

/// 16×9 luma block means.
fn fingerprint(p: &Pixels) -> Vec<f64> {
    let mut out = Vec::with_capacity(144);
    for by in 0..9 {
        for bx in 0..16 {
            let (x0, x1) = (p.width * bx / 16, p.width * (bx + 1) / 16);
            let (y0, y1) = (p.height * by / 9, p.height * (by + 1) / 9);
            out.push(p.mean_y(x0, y0, (x1 - x0).max(1), (y1 - y0).max(1)));
        }
    }
    out
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len().max(1) as f64
}

/// Scores this close to the best count as equally good: a periodic sound (a line-up tone, a
/// test signal) correlates as well one period away as in place.
const LAG_TIE: f64 = 0.01;

/// The lag (samples) of `file` against `reference` that correlates best, within ±`max`, and
/// its score — but zero when the correlation peaks there within [`LAG_TIE`] of the best (a
/// periodic sound in place correlates as well whole periods away, and is not said to be
/// shifted).
fn best_lag(reference: &[f32], file: &[f32], max: usize) -> Option<(i64, f64)> {
    // `file` holds the reference's span with `max` samples of margin on each side.
    let n = reference.len();
    if n == 0 || file.len() < n + 2 * max {
        return None;
    }
    let energy = |s: &[f32]| s.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>();
    let er = energy(reference);
    if er < 1e-6 {
        return None;
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
    let best = scores.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    // In place as good as the best (within the tie): no evidence of a shift. A periodic sound
    // shifted off its period's grid still shows its best peak away from zero.
    let zero = scores.iter().position(|s| s.0 == 0);
    let peak = |k: usize| {
        let s = scores[k].1;
        (k == 0 || scores[k - 1].1 <= s) && scores.get(k + 1).is_none_or(|n| n.1 <= s)
    };
    match zero {
        Some(k) if peak(k) && scores[k].1 >= best.1 - LAG_TIE => Some(scores[k]),
        _ => Some(best),
    }
}

#[allow(clippy::too_many_arguments)]
/// Verify `file` against `plan` (made from `edl` with `salt`). `work` is a folder for the
/// reference pieces.
pub fn verify(
    edl: &Edl,
    plan: &Plan,
    file: &Path,
    salt: &str,
    budget: Budget,
    work: &Path,
    cache: Option<&crate::cache::Cache>,
    cancel: &Cancel,
) -> Result<Verification, VerifyError> {
    let out = &plan.output;
    let mut checks = Vec::new();
    let facts = crate::media::probe::probe_file(file, budget.threads.max(1))?;
    let container = match out.container {
        crate::edl::Container::Mkv => "matroska,webm",
        _ => "mov,mp4,m4a,3gp,3g2,mj2",
    };
    same(
        &mut checks,
        "container",
        container.into(),
        facts.container.clone(),
    );
    let video = facts.streams.iter().find(|s| s.video.is_some());
    let audio = facts.streams.iter().find(|s| s.audio.is_some());
    same(
        &mut checks,
        "video codec",
        match out.video.codec {
            crate::edl::VideoCodec::H264 => "h264",
            crate::edl::VideoCodec::Hevc => "hevc",
            _ => "prores",
        }
        .to_string(),
        video.map_or("none".into(), |s| s.codec.clone()),
    );
    let v = video.and_then(|s| s.video.as_ref());
    same(
        &mut checks,
        "picture size",
        format!("{}x{}", out.width, out.height),
        v.map_or("none".into(), |v| format!("{}x{}", v.width, v.height)),
    );
    same(
        &mut checks,
        "frame rate",
        format!("{}", out.fps),
        v.and_then(|v| v.frame_rate).map_or("none".into(), |r| {
            crate::time::Rate::new(*r.0.numer(), *r.0.denom()).map_or("?".into(), |r| r.to_string())
        }),
    );
    same(
        &mut checks,
        "sample rate",
        out.audio.sample_rate.to_string(),
        audio
            .and_then(|s| s.audio.as_ref())
            .map_or("none".into(), |a| a.sample_rate.to_string()),
    );
    let counts = measure::packet_counts(file)?;
    let frames = video
        .and_then(|s| counts.iter().find(|c| c.0 == s.index))
        .map_or(0, |c| c.1 as i64);
    same(
        &mut checks,
        "frames",
        plan.frames.to_string(),
        frames.to_string(),
    );

    // The file's pictures (the wanted frames' prints only: memory stays flat) and sound.
    let mut pictures: std::collections::BTreeMap<i64, Seen> = Default::default();
    let wanted = wanted_frames(plan);
    let mut seen = wanted.iter().copied();
    measure::for_each_picture_where(
        file,
        |k| wanted.contains(&(k as i64)),
        |p| {
            if let Some(k) = seen.next() {
                pictures.insert(k, Seen::of(&p));
            }
        },
    )?;
    let sr = i64::from(out.audio.sample_rate);
    let spf = sr * out.fps.den() / out.fps.num();

    // Loudness against the target, as render measured the written file (±0.5 LU).
    if let Some(l) = &out.audio.loudness {
        let found = crate::media::loudness::measure_file(file, 0)?;
        checks.push(Check {
            what: "loudness".into(),
            expected: format!("{:.1} LUFS", l.target),
            found: format!("{:.1} LUFS", found.integrated),
            ok: (found.integrated - l.target).abs() <= 0.5,
        });
    }
    // Subtitle tracks (a chapter track is not one) and their cues.
    let tracks: Vec<_> = plan.subtitles.iter().filter(|t| t.track).collect();
    let streams = measure::subtitle_streams(file)?;
    same(
        &mut checks,
        "subtitle tracks",
        tracks.len().to_string(),
        streams.len().to_string(),
    );
    for (t, st) in tracks.iter().zip(&streams) {
        same(
            &mut checks,
            &format!("cues of subtitle track {}", t.index + 1),
            t.cues.len().to_string(),
            st.cues.len().to_string(),
        );
    }
    std::fs::create_dir_all(work).map_err(|e| VerifyError::Io {
        path: work.to_path_buf(),
        source: e,
    })?;
    let max = spf * 3 / 2;
    let len = spf * 2;
    let channels = (out.audio.channels as usize).max(1);
    let mono = |samples: &[f32], ch: usize| -> Vec<f32> {
        let ch = ch.max(1);
        samples
            .chunks(ch)
            .map(|c| c.iter().sum::<f32>() / ch as f32)
            .collect()
    };

    // The references, first from the cache: the render's own segments under the keys the plan
    // makes today (verified by their hashes, pinned while read). Renders are byte-identical,
    // so a cached segment is exactly what rendering its piece again would make — decoding it
    // costs a fraction. Its sound is the segment's samples with the beds mixed as assembly
    // mixes them.
    let mut ref_prints: std::collections::BTreeMap<i64, Seen> = Default::default();
    let mut cached_sound: std::collections::BTreeMap<usize, Vec<f32>> = Default::default();
    let pins = cache.map(crate::cache::Cache::pins);
    if let (Some(c), Some(pins)) = (cache, &pins) {
        let ids: std::collections::BTreeSet<usize> = wanted
            .iter()
            .filter_map(|&f| render::pieces::piece_of(plan, f).map(|s| s.id))
            .collect();
        for id in ids {
            let Some(seg) = plan.segments.get(id) else {
                continue;
            };
            let crate::cache::Lookup::Hit(e) = c.lookup(&seg.key) else {
                continue;
            };
            if e.frames != seg.frames || e.samples != seg.samples {
                continue;
            }
            let e = pins.pin(e);
            let start = seg.record_start;
            measure::for_each_segment_picture(
                &e.video,
                out.video.codec,
                &e.extradata,
                |n| wanted.contains(&(start + n)),
                |n, p| {
                    ref_prints.insert(start + n, Seen::of(&p));
                },
            )?;
            if seg.samples >= len {
                if let Ok(mut pcm) = crate::media::segment::read_pcm(&e.sound) {
                    if crate::media::segment::mix_beds(out, cancel, &seg.beds, &mut pcm).is_ok() {
                        cached_sound.insert(id, mono(&pcm, channels));
                    }
                }
            }
        }
    }
    // The rest: each wanted frame's short piece, rendered alone by `render`.
    let rest: std::collections::BTreeSet<i64> = wanted
        .iter()
        .copied()
        .filter(|f| !ref_prints.contains_key(f))
        .collect();
    // (The fine plan is made only then: with every reference in the cache, nothing is planned
    // twice.)
    let refs = if rest.is_empty() {
        None
    } else {
        let fine = plan::build(
            edl,
            PlanOptions {
                salt: salt.to_string(),
                draft: out.draft,
                segment_frames: Some(PIECE_FRAMES),
                ..PlanOptions::default()
            },
        )?;
        Some(references(fine, &rest, work, budget, cancel)?)
    };
    if let Some(r) = &refs {
        for &f in &rest {
            let Some(seg) = render::pieces::piece_of(&r.fine, f) else {
                continue;
            };
            let Some(&(at, _)) = r.pieces.placed.get(&seg.id) else {
                continue;
            };
            if let Some(print) = r.prints.get(&(at + f - seg.record_start)) {
                ref_prints.insert(f, print.clone());
            }
        }
    }
    let ref_mono = refs
        .as_ref()
        .and_then(|r| r.sound.as_ref())
        .map(|s| mono(&s.samples, s.channels))
        .unwrap_or_default();
    let ref_start = refs
        .as_ref()
        .and_then(|r| r.sound.as_ref())
        .map_or(0, |s| crate::time::round_half_up(s.start * sr));

    let mut events = Vec::new();
    let mut windows: Vec<Window> = Vec::new();
    for ev in &plan.events {
        if ev.frames <= 0 {
            continue;
        }
        let mut problems = Vec::new();
        let mut frame_checks = Vec::new();
        let mut window: Option<Window> = None;
        let frames = sample_frames(ev.record_start, ev.frames);
        for &f in &frames {
            let Some(seg) = render::pieces::piece_of(plan, f) else {
                continue;
            };
            let Some(reference) = ref_prints.get(&f) else {
                continue;
            };
            match pictures.get(&f) {
                Some(p) => {
                    let print = &p.print;
                    let d = difference(print, &reference.print);
                    let ok = d <= FRAME_TOLERANCE;
                    if !ok {
                        problems.push(format!(
                            "frame {f} differs from what the plan shows there (difference {d:.1} > {FRAME_TOLERANCE})"
                        ));
                    }
                    // A gap is black but for burned-in text (the timecode, a watermark): its
                    // median block.
                    if matches!(seg.picture, Picture::Black) && median(print) > 20.0 {
                        problems.push(format!("frame {f} should be black (a gap)"));
                    }
                    if bw(&seg.picture) {
                        let dev = p.chroma;
                        if dev > BW_TOLERANCE {
                            problems.push(format!(
                                "frame {f} of a black-and-white event has chroma {dev} from neutral (> {BW_TOLERANCE})"
                            ));
                        }
                    }
                    frame_checks.push(FrameCheck {
                        frame: f,
                        difference: (d * 10.0).round() / 10.0,
                        ok,
                    });
                }
                None => problems.push(format!("frame {f} is missing from the file")),
            }
        }
        // The sound: two frames of it from the middle of a segment of the event, against the
        // file's around them (read below, in one pass over the file) — from the cached
        // segment holding the event's middle frame, else from a rendered piece.
        let middle = frames
            .get(frames.len() / 2)
            .copied()
            .unwrap_or(ev.record_start);
        if let Some(seg) = render::pieces::piece_of(plan, middle) {
            if let Some(m) = cached_sound.get(&seg.id) {
                let a = (seg.samples - len) / 2;
                if a >= 0 && ((a + len) as usize) <= m.len() {
                    window = Some(Window {
                        event: events.len(),
                        reference: m[a as usize..(a + len) as usize].to_vec(),
                        from: seg.sample_start + a - max,
                        max: max as usize,
                        seen: Vec::new(),
                    });
                }
            }
        }
        if let Some(r) = refs
            .as_ref()
            .filter(|_| window.is_none() && !ref_mono.is_empty())
        {
            for &f in &frames {
                let Some(seg) = render::pieces::piece_of(&r.fine, f) else {
                    continue;
                };
                let Some(&(_, sample_at)) = r.pieces.placed.get(&seg.id) else {
                    continue;
                };
                if seg.frames < PIECE_FRAMES {
                    continue;
                }
                let a = (seg.samples - len) / 2;
                // The reference's first decoded sample may sit before its start (AAC's
                // priming): its program sample n is at index n − ref_start.
                let (ia, ib) = (sample_at + a - ref_start, sample_at + a + len - ref_start);
                if ia >= 0 && ib as usize <= ref_mono.len() {
                    window = Some(Window {
                        event: events.len(),
                        reference: ref_mono[ia as usize..ib as usize].to_vec(),
                        from: seg.sample_start + a - max,
                        max: max as usize,
                        seen: Vec::new(),
                    });
                    break;
                }
            }
        }
        windows.extend(window);
        events.push(EventCheck {
            event: ev.index + 1,
            name: ev.name.clone(),
            record: ev.record_start,
            frames: frame_checks,
            sound_lag: None,
            problems,
        });
    }
    drop(pins);
    // The file's sound, once through: its length, and the windows the events asked for.
    let mut count = 0i64;
    let mut start_sample = None;
    let format = measure::for_each_sound(file, |first, block| {
        let ch = out.audio.channels.max(1) as usize;
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
    if format.is_none() {
        count = 0;
    }
    checks.push(Check {
        what: "samples".into(),
        expected: plan.samples.to_string(),
        found: count.to_string(),
        // AAC adds priming and padding: within a frame of samples.
        ok: (count - plan.samples).abs() <= spf,
    });
    for w in &windows {
        let Some((l, score)) = best_lag(&w.reference, &w.seen, w.max) else {
            continue;
        };
        if score <= 0.5 {
            continue;
        }
        let e = &mut events[w.event];
        e.sound_lag = Some(l);
        if l.abs() > spf / 4 {
            e.problems.push(format!(
                "the sound is {l} samples ({:.2} frames) {} the picture",
                l as f64 / spf as f64,
                if l > 0 { "behind" } else { "ahead of" }
            ));
        }
    }
    let matches = checks.iter().all(|c| c.ok) && events.iter().all(|e| e.problems.is_empty());
    Ok(Verification {
        file: file.display().to_string(),
        matches,
        checks,
        events,
    })
}

/// Whether the plan finishes a segment's picture as neutral black-and-white.
fn bw(p: &Picture) -> bool {
    p.is_neutral()
}

/// An event's first, middle and last frame.
fn sample_frames(start: i64, frames: i64) -> Vec<i64> {
    let mut v = vec![start, start + frames / 2, start + frames - 1];
    v.dedup();
    v
}

fn wanted_frames(plan: &Plan) -> std::collections::BTreeSet<i64> {
    plan.events
        .iter()
        .filter(|e| e.frames > 0)
        .flat_map(|e| sample_frames(e.record_start, e.frames))
        .collect()
}

/// A stretch of the file's sound to compare with an event's reference piece.
struct Window {
    /// Index of the event's check.
    event: usize,
    /// The reference's mono samples.
    reference: Vec<f32>,
    /// Program sample where the file's stretch starts (`max` before the reference's).
    from: i64,
    max: usize,
    /// The file's mono samples there, as they are read.
    seen: Vec<f32>,
}

/// What is kept of a decoded picture: its print and how far its chroma strays from neutral.
#[derive(Clone)]
struct Seen {
    print: Vec<f64>,
    chroma: u8,
}

impl Seen {
    fn of(p: &Pixels) -> Seen {
        Seen {
            print: fingerprint(p),
            chroma: p.max_chroma_deviation(0, 0, p.width, p.height),
        }
    }
}

/// The reference pieces, rendered as one short program of their own, decoded.
struct References {
    /// The fine plan the pieces were taken from.
    fine: Plan,
    pieces: render::pieces::Pieces,
    /// Every frame's print, by frame of the pieces' program.
    prints: std::collections::BTreeMap<i64, Seen>,
    sound: Option<measure::Sound>,
}

/// Render the fine plan's pieces holding `frames` by `render` itself, in the file's
/// container, and decode them.
fn references(
    fine: Plan,
    frames: &std::collections::BTreeSet<i64>,
    work: &Path,
    budget: Budget,
    cancel: &Cancel,
) -> Result<References, VerifyError> {
    let path = work.join(format!("pieces.{}", fine.output.container.extension()));
    let pieces = render::pieces::render_pieces(&fine, frames, &path, budget, cancel)?;
    let mut prints = std::collections::BTreeMap::new();
    let mut k = 0i64;
    measure::for_each_picture(&path, |p| {
        prints.insert(k, Seen::of(&p));
        k += 1;
    })?;
    let sound = measure::decode_sound(&path)?;
    Ok(References {
        fine,
        pieces,
        prints,
        sound,
    })
}

/// The JSON Schema of `roughcut verify --json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Verification)).unwrap_or(serde_json::Value::Null)
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
            let (lag, score) = best_lag(reference, file, max).unwrap();
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
        let (lag, _) = best_lag(&tone[at..at + len], file, max).unwrap();
        assert_eq!(lag, 0);
    }
}
