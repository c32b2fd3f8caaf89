//! Checking a rendered file against the plan its EDL makes today: the container, codecs, size,
//! rate, frame and sample counts; each event's first, middle and last frame against the same
//! frame rendered anew by the same conform pipeline (a one-second piece of the cut, alone);
//! black in gaps; neutral chroma where the plan says black-and-white; and the sound's offset,
//! found by cross-correlating the file's sound with the piece's. No second implementation of
//! anything: the reference frames come from `render` itself.

mod references;
mod sound;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::cancel::Cancel;
use crate::edl::Edl;
use crate::media::measure::{self, Picture as Pixels};
use crate::plan::{Picture, Plan};
use crate::render::{self, Budget};

use references::References;
use sound::Window;

/// How different two pictures may be and still be the same frame: the mean absolute luma
/// difference of their 16×9 block means (0–255). Two encodes of one frame at the output's
/// quality differ by about 1; a neighbouring frame of moving footage by 5 or more.
pub(crate) const FRAME_TOLERANCE: f64 = 3.0;

/// Frames of each reference piece: enough sound around a frame to find an offset of a frame
/// and a half either way.
const PIECE_FRAMES: i64 = 8;

/// A chroma sample further than this from neutral (128) is colour, in a black-and-white event.
pub(crate) const BW_TOLERANCE: u8 = 3;

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
    /// Checks that were planned and could not be made, in words: the file is not said to
    /// match while one is left.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<String>,
    /// What was not measured and why, where that is no fault (an event too short for a sound
    /// window, a silent stretch).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The verdict.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verification {
    pub file: String,
    /// Every planned check was made and passed.
    pub matches: bool,
    /// Every planned check was made (`false`: some event's `unchecked` says which could not
    /// be, and `matches` is `false` too).
    pub complete: bool,
    pub checks: Vec<Check>,
    pub events: Vec<EventCheck>,
    /// References the segment cache held but could not give (each rendered anew instead).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_misses: Vec<String>,
}

/// Why verification could not run.
pub(crate) type VerifyError = render::pieces::PiecesError;

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

/// What verifying a file needs besides the file: the EDL and the plan it makes today (made with
/// `salt`), and how to make references — workers, a folder for pieces, the segment cache to
/// take them from, the token that stops the work.
pub struct Verify<'a> {
    pub edl: &'a Edl,
    pub plan: &'a Plan,
    pub salt: &'a str,
    pub budget: Budget,
    /// A folder for the reference pieces.
    pub work: &'a Path,
    pub cache: Option<&'a crate::cache::Cache>,
    pub cancel: &'a Cancel,
}

/// The sound's numbers: samples per frame, the window compared (two frames) and how far either
/// way a lag is looked for (a frame and a half).
struct Geometry {
    sample_rate: u32,
    channels: usize,
    spf: i64,
    len: i64,
    max: i64,
}

impl Geometry {
    fn of(plan: &Plan) -> Geometry {
        let out = &plan.output;
        let spf = i64::from(out.audio.sample_rate) * out.fps.den() / out.fps.num();
        Geometry {
            sample_rate: out.audio.sample_rate,
            channels: (out.audio.channels as usize).max(1),
            spf,
            len: spf * 2,
            max: spf * 3 / 2,
        }
    }
}

/// Verify `file` against the plan: every check planned is made and passes (`matches`), or the
/// verdict says which failed and which could not be made.
pub fn verify(v: &Verify, file: &Path) -> Result<Verification, VerifyError> {
    let plan = v.plan;
    let geometry = Geometry::of(plan);
    let mut checks = container_checks(plan, file, v.budget)?;
    let wanted = wanted_frames(plan);
    let pictures = file_pictures(file, &wanted)?;
    checks.extend(loudness_check(plan, file)?);
    checks.extend(subtitle_checks(plan, file)?);
    std::fs::create_dir_all(v.work).map_err(|e| VerifyError::Io {
        path: v.work.to_path_buf(),
        source: e,
    })?;
    let refs = References::gather(v, &wanted, &geometry)?;
    let mut events = Vec::new();
    let mut windows = Vec::new();
    for ev in plan.events.iter().filter(|e| e.frames > 0) {
        let frames = sample_frames(ev.record_start, ev.frames);
        let mut check = EventCheck {
            event: ev.index + 1,
            name: ev.name.clone(),
            record: ev.record_start,
            frames: Vec::new(),
            sound_lag: None,
            problems: Vec::new(),
            unchecked: Vec::new(),
            notes: Vec::new(),
        };
        check_frames(plan, &frames, &pictures, &refs, &mut check);
        match sound_window(plan, &frames, &refs, &geometry, events.len()) {
            Some(w) => windows.push(w),
            None => check.notes.push(format!(
                "sound not compared: no window fits (two frames from the middle of a segment, or of a {PIECE_FRAMES}-frame piece, with a frame and a half either side inside the program)"
            )),
        }
        events.push(check);
    }
    let count = sound::read_windows(file, plan, &mut windows)?;
    checks.push(Check {
        what: "samples".into(),
        expected: plan.samples.to_string(),
        found: count.to_string(),
        // AAC adds priming and padding: within a frame of samples.
        ok: (count - plan.samples).abs() <= geometry.spf,
    });
    sound::judge(&windows, &mut events, geometry.spf);
    let complete = events.iter().all(|e| e.unchecked.is_empty());
    let matches =
        complete && checks.iter().all(|c| c.ok) && events.iter().all(|e| e.problems.is_empty());
    Ok(Verification {
        file: file.display().to_string(),
        matches,
        complete,
        checks,
        events,
        cache_misses: refs.cache_misses,
    })
}

/// The file as a whole: container, video codec, picture size, frame rate, sample rate and the
/// exact number of frames (packets).
fn container_checks(plan: &Plan, file: &Path, budget: Budget) -> Result<Vec<Check>, VerifyError> {
    let out = &plan.output;
    let mut checks = Vec::new();
    let facts = crate::media::probe::probe_file(file, budget.threads.max(1))?;
    let container = match out.container {
        crate::edl::Container::Mkv => "matroska,webm",
        crate::edl::Container::Mp4 | crate::edl::Container::Mov => "mov,mp4,m4a,3gp,3g2,mj2",
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
            crate::edl::VideoCodec::ProresProxy | crate::edl::VideoCodec::ProresLt => "prores",
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
    Ok(checks)
}

/// The file's wanted pictures (their prints only: memory stays flat).
fn file_pictures(file: &Path, wanted: &BTreeSet<i64>) -> Result<BTreeMap<i64, Seen>, VerifyError> {
    let mut pictures = BTreeMap::new();
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
    Ok(pictures)
}

/// Loudness against the target, as render measured the written file (±0.5 LU).
fn loudness_check(plan: &Plan, file: &Path) -> Result<Option<Check>, VerifyError> {
    let Some(l) = &plan.output.audio.loudness else {
        return Ok(None);
    };
    let found = crate::media::loudness::measure_file(file, 0)?;
    Ok(Some(Check {
        what: "loudness".into(),
        expected: format!("{:.1} LUFS", l.target),
        found: format!("{:.1} LUFS", found.integrated),
        ok: (found.integrated - l.target).abs() <= 0.5,
    }))
}

/// Subtitle tracks (a chapter track is not one) and each track's cues.
fn subtitle_checks(plan: &Plan, file: &Path) -> Result<Vec<Check>, VerifyError> {
    let mut checks = Vec::new();
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
    Ok(checks)
}

/// An event's sampled frames against their references: the same picture, black in a gap,
/// neutral chroma where the plan finishes the picture black-and-white. A frame without a
/// reference is said to be unchecked, never skipped.
fn check_frames(
    plan: &Plan,
    frames: &[i64],
    pictures: &BTreeMap<i64, Seen>,
    refs: &References,
    check: &mut EventCheck,
) {
    for &f in frames {
        let Some(seg) = plan.segment_at(f) else {
            check
                .unchecked
                .push(format!("frame {f}: no segment of the plan holds it"));
            continue;
        };
        let Some(reference) = refs.prints.get(&f) else {
            check
                .unchecked
                .push(format!("frame {f}: no reference picture could be made"));
            continue;
        };
        let Some(p) = pictures.get(&f) else {
            check
                .problems
                .push(format!("frame {f} is missing from the file"));
            continue;
        };
        let d = difference(&p.print, &reference.print);
        let ok = d <= FRAME_TOLERANCE;
        if !ok {
            check.problems.push(format!(
                "frame {f} differs from what the plan shows there (difference {d:.1} > {FRAME_TOLERANCE})"
            ));
        }
        // A gap is black but for burned-in text (the timecode, a watermark): its median block.
        if matches!(seg.picture, Picture::Black) && median(&p.print) > 20.0 {
            check
                .problems
                .push(format!("frame {f} should be black (a gap)"));
        }
        if seg.picture.is_neutral() && p.chroma > BW_TOLERANCE {
            check.problems.push(format!(
                "frame {f} of a black-and-white event has chroma {} from neutral (> {BW_TOLERANCE})",
                p.chroma
            ));
        }
        check.frames.push(FrameCheck {
            frame: f,
            difference: (d * 10.0).round() / 10.0,
            ok,
        });
    }
}

/// The event's sound window: two frames from the middle of a segment of the event — from the
/// cached segment holding its middle frame, else from a rendered piece — with room for the
/// search either side inside the program. `None` when no segment or piece of the event gives
/// one.
fn sound_window(
    plan: &Plan,
    frames: &[i64],
    refs: &References,
    geometry: &Geometry,
    event: usize,
) -> Option<Window> {
    let len = geometry.len;
    // The file's stretch reaches `max` either side of the reference: it must lie inside the
    // program, or the file would be blamed for ending where the program ends.
    let fits = |at: i64| at - geometry.max >= 0 && at + len + geometry.max <= plan.samples;
    let middle = frames.get(frames.len() / 2).copied()?;
    if let Some(seg) = plan.segment_at(middle) {
        if let Some(m) = refs.cached_sound.get(&seg.id) {
            let a = (seg.samples - len) / 2;
            if a >= 0 && ((a + len) as usize) <= m.len() && fits(seg.sample_start + a) {
                let reference = m[a as usize..(a + len) as usize].to_vec();
                return Some(Window::new(
                    event,
                    reference,
                    seg.sample_start + a,
                    geometry,
                ));
            }
        }
    }
    let r = refs.rendered.as_ref().filter(|r| !r.mono.is_empty())?;
    for &f in frames {
        let Some(seg) = r.fine.segment_at(f) else {
            continue;
        };
        let Some(&(_, sample_at)) = r.pieces.placed.get(&seg.id) else {
            continue;
        };
        if seg.frames < PIECE_FRAMES {
            continue;
        }
        let a = (seg.samples - len) / 2;
        // The reference's program sample n is at index n − first_sample.
        let (ia, ib) = (
            sample_at + a - r.first_sample,
            sample_at + a + len - r.first_sample,
        );
        if ia >= 0 && ib as usize <= r.mono.len() && fits(seg.sample_start + a) {
            let reference = r.mono[ia as usize..ib as usize].to_vec();
            return Some(Window::new(
                event,
                reference,
                seg.sample_start + a,
                geometry,
            ));
        }
    }
    None
}

/// An event's first, middle and last frame.
fn sample_frames(start: i64, frames: i64) -> Vec<i64> {
    let mut v = vec![start, start + frames / 2, start + frames - 1];
    v.dedup();
    v
}

fn wanted_frames(plan: &Plan) -> BTreeSet<i64> {
    plan.events
        .iter()
        .filter(|e| e.frames > 0)
        .flat_map(|e| sample_frames(e.record_start, e.frames))
        .collect()
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

/// The JSON Schema of `roughcut verify --json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Verification)).unwrap_or(serde_json::Value::Null)
}
