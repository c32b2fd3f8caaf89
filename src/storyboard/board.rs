//! What a storyboard shows, as data: one card per event (record place and timecode, name,
//! source and source timecode, the look the plan gives it, the transition into it, what a diff
//! says changed), the markers, the chapters, the warnings. Pure: built from a checked EDL and
//! its plan; the sheet and the page only draw it.

use serde::Serialize;

use crate::edl::{Edl, Tone};
use crate::interchange::cut::{Cut, Picture as Shown};
use crate::plan::{Picture, Plan};
use crate::review::diff::{Change, Diff};
use crate::time::{frames_to_timecode, round_half_up, Rational};

/// How an event's picture is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Look {
    Colour,
    /// Neutral black-and-white.
    BlackAndWhite,
    /// Black-and-white with a tone (sepia, a tint).
    Toned,
    Title,
    /// A gap: black.
    Black,
}

impl Look {
    /// The badge's word.
    pub(crate) fn badge(self) -> &'static str {
        match self {
            Look::Colour => "COLOUR",
            Look::BlackAndWhite => "B&W",
            Look::Toned => "TONED",
            Look::Title => "TITLE",
            Look::Black => "GAP",
        }
    }
}

/// What a diff says about an event of the new cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Changed {
    /// `added`, `moved`, `trimmed` or `re-sourced`.
    pub kind: String,
    /// In words (`head −5, tail +0 frames`).
    pub detail: String,
}

/// One event.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Card {
    /// 1-based position in the timeline.
    pub event: usize,
    pub name: String,
    /// First program frame, its record timecode and time in seconds (for the player).
    pub record: i64,
    pub timecode: String,
    pub seconds: f64,
    /// Program frames shown (a dissolve into the next event overlaps the tail).
    pub frames: i64,
    /// The source file's name and the timecode of the first frame shown, in its own clock.
    pub source: Option<String>,
    pub source_timecode: Option<String>,
    pub look: Look,
    /// The transition into the event (`dissolve 12f`, `dip 12f`).
    pub transition: Option<String>,
    /// The program frame the thumbnail shows (the event's middle frame).
    pub thumbnail: i64,
    pub changed: Option<Changed>,
}

/// A marker on the program.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Mark {
    pub name: String,
    pub note: Option<String>,
    pub colour: String,
    pub frame: i64,
    pub timecode: String,
    pub seconds: f64,
}

/// A chapter of the render (when the EDL writes chapters), or one per event.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Chapter {
    pub title: String,
    pub seconds: f64,
    pub timecode: String,
}

/// The whole board.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Board {
    pub title: String,
    /// Output rate as `num/den` and in frames per second.
    pub fps: String,
    pub frames: i64,
    pub seconds: f64,
    pub duration: String,
    /// Thumbnail width and height in pixels (set when the thumbnails are made).
    pub thumbnail_size: [u32; 2],
    pub cards: Vec<Card>,
    pub markers: Vec<Mark>,
    pub chapters: Vec<Chapter>,
    pub warnings: Vec<String>,
    /// Events of the old cut that the new one no longer has (from a diff).
    pub removed: Vec<String>,
}

/// Seconds of program frame `f` (for the page's player only; every time is exact until here).
fn seconds(plan: &Plan, f: i64) -> f64 {
    crate::time::to_f64(Rational::from_integer(f) / plan.output.fps.as_ratio())
}

/// The look the plan gives program frame `f`.
fn look_at(plan: &Plan, f: i64) -> Look {
    let Some(seg) = plan.segment_at(f) else {
        return Look::Black;
    };
    let shot = seg.picture.shot();
    match shot {
        Picture::Black => Look::Black,
        Picture::Title(_) => Look::Title,
        Picture::Source(_) | Picture::Insert(_) | Picture::Still(_) | Picture::Dissolve(_) => {
            match shot.tone() {
                Some(Tone::NEUTRAL) => Look::BlackAndWhite,
                Some(_) => Look::Toned,
                None => Look::Colour,
            }
        }
    }
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// The board of `edl` as `plan` renders it; `warnings` as validation printed them; `diff` from
/// an older cut to this one marks what changed.
pub(crate) fn build(edl: &Edl, plan: &Plan, warnings: &[String], diff: Option<&Diff>) -> Board {
    let cut = Cut::of(edl, None);
    let fps = plan.output.fps;
    let (mut changed, removed) = changes(diff);
    let cards: Vec<Card> = plan
        .events
        .iter()
        .map(|ev| card(ev, &cut, plan, changed.remove(&(ev.index + 1))))
        .collect();
    let label = |f: i64| cut.record_label(f);
    let markers = plan
        .markers
        .iter()
        .map(|m| Mark {
            name: m.marker.name.clone(),
            note: m.marker.note.clone(),
            colour: format!("{:?}", m.marker.colour).to_lowercase(),
            frame: m.marker.frame,
            timecode: label(m.marker.frame),
            seconds: seconds(plan, m.marker.frame),
        })
        .collect();
    let chapters = if plan.output.chapters.is_empty() {
        cards
            .iter()
            .map(|c| Chapter {
                title: c.name.clone(),
                seconds: c.seconds,
                timecode: c.timecode.clone(),
            })
            .collect()
    } else {
        plan.output
            .chapters
            .iter()
            .map(|c| Chapter {
                title: c.title.clone(),
                seconds: seconds(plan, c.start),
                timecode: label(c.start),
            })
            .collect()
    };
    Board {
        title: edl
            .title
            .clone()
            .unwrap_or_else(|| file_name(&plan.output.path.display().to_string())),
        fps: fps.to_string(),
        frames: plan.frames,
        seconds: seconds(plan, plan.frames),
        duration: frames_to_timecode(plan.frames, fps, false),
        thumbnail_size: [0, 0],
        cards,
        markers,
        chapters,
        warnings: warnings.to_vec(),
        removed,
    }
}

/// What a diff says changed, by event number (1-based, in the new cut), and the removed
/// events in words.
fn changes(diff: Option<&Diff>) -> (std::collections::BTreeMap<usize, Changed>, Vec<String>) {
    let mut changed: std::collections::BTreeMap<usize, Changed> = Default::default();
    let mut removed = Vec::new();
    for c in diff.map(|d| d.changes.as_slice()).unwrap_or_default() {
        let (event, kind, detail) = match c {
            Change::Added { new } => (new.event, "added", format!("new at {}", new.timecode)),
            Change::Moved { old, new } => (
                new.event,
                "moved",
                format!("was event {} at {}", old.event, old.timecode),
            ),
            Change::Trimmed {
                new,
                head_frames,
                tail_frames,
                ..
            } => (
                new.event,
                "trimmed",
                format!("head {:+}, tail {:+} frames", -head_frames, -tail_frames),
            ),
            Change::Resourced { old, new } => (
                new.event,
                "re-sourced",
                format!("was {}", old.file.as_deref().unwrap_or(old.kind.as_str())),
            ),
            Change::Removed { old } => {
                removed.push(format!(
                    "event {} \"{}\" ({} frames at {})",
                    old.event, old.name, old.frames, old.timecode
                ));
                continue;
            }
        };
        changed.insert(
            event,
            Changed {
                kind: kind.into(),
                detail,
            },
        );
    }
    (changed, removed)
}

/// One event's card: where it sits, what it shows (source and source timecode), its look at
/// the thumbnail's frame, the transition into it, and what changed.
fn card(ev: &crate::plan::PlannedEvent, cut: &Cut, plan: &Plan, changed: Option<Changed>) -> Card {
    let shot = cut.picture.iter().find(|s| s.index == ev.index);
    let (source, source_timecode) = match shot.map(|s| &s.what) {
        Some(Shown::Clip(m)) => {
            let f = round_half_up(m.media_in * m.rate.as_ratio());
            (
                Some(file_name(&m.path)),
                (!m.still).then(|| frames_to_timecode(f, m.rate, false)),
            )
        }
        _ => (None, None),
    };
    let transition = shot.and_then(|s| match s.transition? {
        crate::edl::Transition::Dissolve { frames } if frames > 0 => {
            Some(format!("dissolve {frames}f"))
        }
        crate::edl::Transition::FadeBlack { frames } if frames > 0 => {
            Some(format!("dip {frames}f"))
        }
        crate::edl::Transition::Dissolve { .. } | crate::edl::Transition::FadeBlack { .. } => None,
    });
    let thumbnail = ev.record_start + (ev.frames.max(1) - 1) / 2;
    Card {
        event: ev.index + 1,
        name: ev.name.clone(),
        record: ev.record_start,
        timecode: cut.record_label(ev.record_start),
        seconds: seconds(plan, ev.record_start),
        frames: ev.frames,
        source,
        source_timecode,
        look: look_at(plan, thumbnail),
        transition,
        thumbnail,
        changed,
    }
}
