//! What changed between two cuts, as an editor says it: events added, removed, moved (their
//! order changed — a trim shifts every later record time, which is not a move), trimmed (at the
//! head or the tail, by how many frames) and re-sourced (the same place and name, another
//! picture). Events are matched by what they show — the same file and source range, then the
//! same file with overlapping ranges, titles by their text, gaps in their order — never by
//! position, so a move is found wherever the event went.

use schemars::JsonSchema;
use serde::Serialize;

use crate::edl::{Edl, EventKind, StartTimecode};
use crate::time::{Rate, Rational};

/// An event as the diff shows it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Shown {
    /// 1-based position in its EDL's timeline.
    pub event: usize,
    pub name: String,
    /// `clip`, `title` or `gap`.
    pub kind: String,
    /// The source file (clips).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Source in and out, seconds (clips).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_in: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_out: Option<f64>,
    /// First record frame and record timecode.
    pub record: i64,
    pub timecode: String,
    /// Program frames.
    pub frames: i64,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum Change {
    Added {
        new: Shown,
    },
    Removed {
        old: Shown,
    },
    /// Its order among the events changed.
    Moved {
        old: Shown,
        new: Shown,
    },
    /// The same source, a different range: frames taken off (positive) or added (negative)
    /// at the head and the tail (in output frames; together they are the change in length).
    Trimmed {
        old: Shown,
        new: Shown,
        head_frames: i64,
        tail_frames: i64,
    },
    /// The same place and name, another picture.
    Resourced {
        old: Shown,
        new: Shown,
    },
}

/// The changes from `old` to `new`, in the new cut's order (removed events where they were).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diff {
    pub old_frames: i64,
    pub new_frames: i64,
    pub changes: Vec<Change>,
}

/// What one event shows, for matching.
#[derive(Debug, Clone)]
struct Item {
    shown: Shown,
    /// Clip: (file, in, out) exact; title: its text; gap: its ordinal among gaps.
    what: What,
}

#[derive(Debug, Clone, PartialEq)]
enum What {
    Clip {
        file: String,
        source_in: Rational,
        source_out: Rational,
    },
    Title(String),
    Gap(usize),
}

fn items(edl: &Edl) -> Vec<Item> {
    let starts = crate::edl::record_starts(&edl.timeline);
    let fps = edl.output.fps;
    let mut gaps = 0;
    edl.timeline
        .iter()
        .zip(starts)
        .map(|(e, record)| {
            let (kind, what, file) = match &e.kind {
                EventKind::Clip(c) => {
                    let file = edl
                        .sources
                        .get(&c.source)
                        .map(|s| s.path.display().to_string())
                        .unwrap_or_else(|| c.source.clone());
                    (
                        "clip",
                        What::Clip {
                            file: file.clone(),
                            source_in: c.source_in,
                            source_out: c.source_out,
                        },
                        Some(file),
                    )
                }
                EventKind::Title(t) => ("title", What::Title(t.text.clone()), None),
                EventKind::Gap => {
                    gaps += 1;
                    ("gap", What::Gap(gaps), None)
                }
            };
            let (source_in, source_out) = match &what {
                What::Clip {
                    source_in,
                    source_out,
                    ..
                } => (Some(seconds(*source_in)), Some(seconds(*source_out))),
                _ => (None, None),
            };
            Item {
                shown: Shown {
                    event: e.index + 1,
                    name: e
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("event {}", e.index + 1)),
                    kind: kind.into(),
                    file,
                    source_in,
                    source_out,
                    record,
                    timecode: StartTimecode::label(edl.output.start_timecode, record, fps),
                    frames: e.frames,
                },
                what,
            }
        })
        .collect()
}

fn seconds(r: Rational) -> f64 {
    crate::time::to_f64(r)
}

/// Frames of `fps` in a source-time difference, rounded.
fn frames(d: Rational, fps: Rate) -> i64 {
    crate::time::round_half_up(d * fps.as_ratio())
}

/// The changes from `old` to `new`.
pub fn diff(old: &Edl, new: &Edl) -> Diff {
    let (a, b) = (items(old), items(new));
    let (pairs, taken) = pair(&a, &b);
    let mut changes = matched_changes(&a, &b, &pairs, new.output.fps);
    // A gap whose length alone changed is matched by its order; a title or gap that matched
    // exactly is unchanged. Added and removed:
    for (j, y) in b.iter().enumerate().filter(|(j, _)| !taken[*j]) {
        changes.push((
            j,
            Change::Added {
                new: y.shown.clone(),
            },
        ));
    }
    for (i, x) in a.iter().enumerate().filter(|(i, _)| pairs[*i].is_none()) {
        // Where it was: before the new event that follows its old neighbour.
        let at = pairs[..i]
            .iter()
            .rev()
            .find_map(|p| *p)
            .map_or(0, |j| j + 1);
        changes.push((
            at,
            Change::Removed {
                old: x.shown.clone(),
            },
        ));
    }
    changes.sort_by_key(|(at, c)| (*at, !matches!(c, Change::Removed { .. })));
    Diff {
        old_frames: old.program_frames(),
        new_frames: new.program_frames(),
        changes: changes.into_iter().map(|(_, c)| c).collect(),
    }
}

/// Which new event each old one is (`pairs[i] = Some(j)`), and which new events are taken:
/// first the same thing shown, then the same file with overlapping ranges (a trim, the largest
/// overlap first), then the same name and kind showing another picture (re-sourced).
fn pair(a: &[Item], b: &[Item]) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut pairs: Vec<Option<usize>> = vec![None; a.len()];
    let mut taken = vec![false; b.len()];
    for (i, x) in a.iter().enumerate() {
        if let Some(j) = (0..b.len()).find(|&j| !taken[j] && b[j].what == x.what) {
            pairs[i] = Some(j);
            taken[j] = true;
        }
    }
    let mut overlaps = Vec::new();
    for (i, x) in a.iter().enumerate().filter(|(i, _)| pairs[*i].is_none()) {
        for (j, y) in b.iter().enumerate().filter(|(j, _)| !taken[*j]) {
            if let Some(o) = overlap(&x.what, &y.what) {
                overlaps.push((o, i, j));
            }
        }
    }
    overlaps.sort_by(|p, q| q.0.cmp(&p.0).then(p.1.cmp(&q.1)));
    for (_, i, j) in overlaps {
        if pairs[i].is_none() && !taken[j] {
            pairs[i] = Some(j);
            taken[j] = true;
        }
    }
    for (i, x) in a.iter().enumerate() {
        if pairs[i].is_some() {
            continue;
        }
        if let Some(j) = (0..b.len()).find(|&j| {
            !taken[j] && b[j].shown.name == x.shown.name && b[j].shown.kind == x.shown.kind
        }) {
            pairs[i] = Some(j);
            taken[j] = true;
        }
    }
    (pairs, taken)
}

/// What happened to each matched event, at its new position: moved (outside the longest run
/// kept in order), trimmed or re-sourced.
fn matched_changes(
    a: &[Item],
    b: &[Item],
    pairs: &[Option<usize>],
    fps: Rate,
) -> Vec<(usize, Change)> {
    let matched: Vec<(usize, usize)> = pairs
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|j| (i, j)))
        .collect();
    let kept = longest_increasing(&matched.iter().map(|p| p.1).collect::<Vec<_>>());
    let mut in_order = vec![false; matched.len()];
    for k in kept {
        in_order[k] = true;
    }
    let mut changes: Vec<(usize, Change)> = Vec::new();
    for (k, &(i, j)) in matched.iter().enumerate() {
        let (x, y) = (&a[i], &b[j]);
        if !in_order[k] {
            changes.push((
                j,
                Change::Moved {
                    old: x.shown.clone(),
                    new: y.shown.clone(),
                },
            ));
        }
        if let Some(c) = change_of(x, y, fps) {
            changes.push((j, c));
        }
    }
    changes
}

/// How a matched event changed in what it shows, if it did.
fn change_of(x: &Item, y: &Item, fps: Rate) -> Option<Change> {
    let (old_s, new_s) = (x.shown.clone(), y.shown.clone());
    match (&x.what, &y.what) {
        (w1, w2) if w1 == w2 => None,
        (What::Clip { source_in: i1, .. }, What::Clip { source_in: i2, .. })
            if overlap(&x.what, &y.what).is_some() =>
        {
            // The head in output frames; the tail is the rest of the length's change, so the
            // two add up to it exactly.
            let head = frames(*i2 - *i1, fps);
            Some(Change::Trimmed {
                head_frames: head,
                tail_frames: (x.shown.frames - y.shown.frames) - head,
                old: old_s,
                new: new_s,
            })
        }
        (What::Gap(_), What::Gap(_)) => {
            (x.shown.frames != y.shown.frames).then(|| Change::Trimmed {
                head_frames: 0,
                tail_frames: x.shown.frames - y.shown.frames,
                old: old_s,
                new: new_s,
            })
        }
        _ => Some(Change::Resourced {
            old: old_s,
            new: new_s,
        }),
    }
}

/// How much source time two clips of the same file share (`None`: other files, or nothing).
fn overlap(x: &What, y: &What) -> Option<Rational> {
    match (x, y) {
        (
            What::Clip {
                file: f1,
                source_in: i1,
                source_out: o1,
            },
            What::Clip {
                file: f2,
                source_in: i2,
                source_out: o2,
            },
        ) if f1 == f2 => {
            let o = (*o1).min(*o2) - (*i1).max(*i2);
            (o > Rational::from_integer(0)).then_some(o)
        }
        _ => None,
    }
}

/// Indices into `v` of a longest strictly increasing subsequence.
fn longest_increasing(v: &[usize]) -> Vec<usize> {
    let n = v.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if v[j] < v[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let Some(mut at) = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let mut out = vec![at];
    while prev[at] != usize::MAX {
        at = prev[at];
        out.push(at);
    }
    out.reverse();
    out
}

/// The JSON Schema of `roughcut diff --json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Diff)).unwrap_or(serde_json::Value::Null)
}
