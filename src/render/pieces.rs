//! Short pieces of a cut rendered alone: the segments of a *fine* plan (one made with
//! `PlanOptions::segment_frames`) that hold the program frames a caller wants to look at,
//! moved end to end into a program of their own (each with its fades) and rendered by
//! [`super::render`] itself — `verify`'s reference frames and the storyboard's thumbnails are
//! the pipeline's own pictures, never a second implementation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::cancel::Cancel;
use crate::plan::{self, Plan, Segment};

use super::{Budget, RenderError, RenderOptions};

/// Why work on pieces of a cut (`verify`, `storyboard`) could not be done.
#[derive(Debug, thiserror::Error)]
pub enum PiecesError {
    #[error("{0}")]
    Media(#[from] crate::media::MediaError),
    #[error("rendering pieces of the cut: {0}")]
    Render(#[from] RenderError),
    #[error("{0}")]
    Plan(#[from] plan::PlanError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where each rendered piece landed in the pieces' own program.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pieces {
    /// Fine plan's segment id → (first frame, first sample) in the pieces' program.
    pub placed: BTreeMap<usize, (i64, i64)>,
}

impl Pieces {
    /// The pieces' frame showing program frame `frame` of the fine plan, if rendered.
    pub(crate) fn frame_of(&self, fine: &Plan, frame: i64) -> Option<i64> {
        let seg = piece_of(fine, frame)?;
        let (at, _) = self.placed.get(&seg.id)?;
        Some(at + frame - seg.record_start)
    }
}

/// The segment of `fine` (a fine plan, or any plan) holding program frame `f`.
pub(crate) fn piece_of(fine: &Plan, f: i64) -> Option<&Segment> {
    fine.segment_at(f)
}

/// Render the fine plan's segments that hold `frames` into `path` (its container is the
/// plan's: the sound's priming is laid out as in the real output). Subtitle tracks, markers,
/// chapters, tags and loudness correction are left out: they belong to the whole program.
pub(crate) fn render_pieces(
    fine: &Plan,
    frames: &BTreeSet<i64>,
    path: &Path,
    budget: Budget,
    cancel: &Cancel,
) -> Result<Pieces, RenderError> {
    let ids: BTreeSet<usize> = frames
        .iter()
        .filter_map(|&f| piece_of(fine, f).map(|s| s.id))
        .collect();
    let (fps, sr) = (fine.output.fps, fine.output.audio.sample_rate);
    let mut one = fine.clone();
    one.segments.clear();
    let mut placed = BTreeMap::new();
    let mut at = 0i64;
    for seg in fine.segments.iter().filter(|s| ids.contains(&s.id)) {
        let mut s = seg.clone();
        for fade in &mut s.fades {
            fade.start += at - s.record_start;
        }
        s.id = one.segments.len();
        s.record_start = at;
        s.sample_start = plan::sample_at(at, sr, fps);
        s.samples = plan::sample_at(at + s.frames, sr, fps) - s.sample_start;
        placed.insert(seg.id, (at, s.sample_start));
        at += s.frames;
        one.segments.push(s);
    }
    one.frames = at;
    one.samples = plan::sample_at(at, sr, fps);
    one.subtitles.clear();
    one.markers.clear();
    one.output.path = path.to_path_buf();
    one.output.audio.loudness = None;
    one.output.chapters.clear();
    one.output.metadata.clear();
    super::render(
        &one,
        RenderOptions {
            budget,
            ..RenderOptions::default()
        },
        &super::progress::Silent,
        cancel,
    )?;
    Ok(Pieces { placed })
}
