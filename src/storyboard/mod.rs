//! Storyboards: a contact sheet (PNG) and a self-contained review page (HTML) of a cut, one
//! thumbnail per event. The thumbnails are the pipeline's own pictures: each event's middle
//! frame rendered by `render` at thumbnail size (a short piece of the cut alone, as `verify`'s
//! references are), so a black-and-white event's thumbnail is as neutral as the render.

pub(crate) mod board;
pub(crate) mod page;
pub mod sheet;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::cancel::Cancel;
use crate::edl::Edl;
use crate::media::{image, measure};
use crate::plan::{self, Plan, PlanOptions};
use crate::render::{self, Budget};
use crate::review::diff::Diff;

/// Frames of each thumbnail piece (a segment of the fine plan).
const PIECE_FRAMES: i64 = 8;

/// JPEG quality of the page's thumbnails (2 best … 31 worst).
const JPEG_QUALITY: u32 = 4;

/// What to put on the board besides the cut.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Thumbnail width in pixels (made even; the height follows the output's shape).
    pub thumb_width: u32,
    /// The render the page's player plays, if any.
    pub video: Option<PathBuf>,
    /// Warnings, as validation printed them.
    pub warnings: Vec<String>,
    /// What changed from an older cut.
    pub diff: Option<Diff>,
}

/// The files written.
#[derive(Debug, Clone)]
pub struct Written {
    pub sheet: PathBuf,
    pub page: PathBuf,
    pub json: PathBuf,
    pub events: usize,
}

/// Why a storyboard could not be made.
pub(crate) type StoryboardError = render::pieces::PiecesError;

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoryboardError + '_ {
    move |source| StoryboardError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Thumbnail size for an output of `w`×`h` (square pixels): `width` wide, both even.
pub(crate) fn thumb_size(width: u32, w: u32, h: u32) -> (u32, u32) {
    let tw = (width.max(32) / 2) * 2;
    // The height's half, rounded half up, doubled: the nearest even height.
    let (w, h) = (u64::from(w.max(1)), u64::from(h));
    let half = (u64::from(tw) * h + w) / (2 * w);
    (tw, (half.max(1) * 2) as u32)
}

/// `file` relative to the folder `dir` (both made absolute), `/`-separated.
fn relative(dir: &Path, file: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let file = std::fs::canonicalize(file).ok()?;
    let (a, b): (Vec<_>, Vec<_>) = (dir.components().collect(), file.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// Write `dir/contact-sheet.png`, `dir/index.html` and `dir/storyboard.json` for `edl` as
/// `plan` renders it. Each file is written whole under a temporary name and renamed.
pub fn write(
    edl: &Edl,
    plan: &Plan,
    salt: &str,
    dir: &Path,
    opts: &Options,
    budget: Budget,
    cancel: &Cancel,
) -> Result<Written, StoryboardError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut board = board::build(edl, plan, &opts.warnings, opts.diff.as_ref());
    let (tw, th) = thumb_size(
        if opts.thumb_width == 0 {
            240
        } else {
            opts.thumb_width
        },
        plan.output.width,
        plan.output.height,
    );
    board.thumbnail_size = [tw, th];

    // The thumbnails: the cut at thumbnail size without burn-ins, in short pieces, of which
    // only those holding a thumbnail's frame are rendered.
    let fine = plan::build(
        &at_thumbnail_size(edl, plan, (tw, th)),
        PlanOptions {
            salt: salt.to_string(),
            draft: plan.output.draft,
            segment_frames: Some(PIECE_FRAMES),
            ..PlanOptions::default()
        },
    )?;
    let (rgb, jpegs) = thumbnails(&fine, &board, dir, budget, cancel)?;

    let layout = sheet::Layout::new(board.cards.len(), tw as usize, th as usize);
    let font = Path::new(crate::edl::DEFAULT_FONT);
    let picture = sheet::draw(&board, &rgb, &layout, font)?;
    let png = image::png(&picture)?;
    let video = match &opts.video {
        Some(v) => Some(page::url_path(&relative(dir, v).ok_or_else(|| {
            StoryboardError::Io {
                path: v.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the render is not there",
                ),
            }
        })?)),
        None => None,
    };
    let html = page::html(&board, &jpegs, video.as_deref());
    let json = serde_json::to_string_pretty(&board).unwrap_or_default();
    let written = Written {
        sheet: dir.join("contact-sheet.png"),
        page: dir.join("index.html"),
        json: dir.join("storyboard.json"),
        events: board.cards.len(),
    };
    for (path, bytes) in [
        (&written.sheet, png),
        (&written.page, html.into_bytes()),
        (&written.json, (json + "\n").into_bytes()),
    ] {
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io(path))?;
    }
    Ok(written)
}

/// The EDL as thumbnails show it: at thumbnail size, without burn-ins or subtitles, titles
/// sized as the same share of the smaller picture (they are sized in the output's pixels).
fn at_thumbnail_size(edl: &Edl, plan: &Plan, (tw, th): (u32, u32)) -> Edl {
    let mut small = edl.clone();
    small.output.width = tw;
    small.output.height = th;
    small.overlays = Default::default();
    small.subtitles.clear();
    let full = u64::from(plan.output.height.max(1));
    for ev in &mut small.timeline {
        if let crate::edl::EventKind::Title(t) = &mut ev.kind {
            t.size = ((u64::from(t.size) * u64::from(th) + full / 2) / full).max(4) as u32;
        }
    }
    small
}

/// Thumbnails by card index: RGB for the sheet, base64 JPEG for the page.
type Thumbnails = (BTreeMap<usize, image::Rgb>, BTreeMap<usize, String>);

/// Each card's thumbnail, rendered by `render` as pieces of the fine plan and decoded.
fn thumbnails(
    fine: &Plan,
    board: &board::Board,
    dir: &Path,
    budget: Budget,
    cancel: &Cancel,
) -> Result<Thumbnails, StoryboardError> {
    let wanted: BTreeSet<i64> = board.cards.iter().map(|c| c.thumbnail).collect();
    let work = tempfile::Builder::new()
        .prefix(".roughcut-storyboard-")
        .tempdir_in(dir)
        .map_err(io(dir))?;
    let pieces_path = work
        .path()
        .join(format!("pieces.{}", fine.output.container.extension()));
    let pieces = render::pieces::render_pieces(fine, &wanted, &pieces_path, budget, cancel)?;
    // Pieces' frame → the cards showing it.
    let mut by_frame: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (k, c) in board.cards.iter().enumerate() {
        if let Some(f) = pieces.frame_of(fine, c.thumbnail) {
            by_frame.entry(f).or_default().push(k);
        }
    }
    let mut rgb = BTreeMap::new();
    let mut jpegs = BTreeMap::new();
    let mut failed: Option<crate::media::MediaError> = None;
    let mut frames = by_frame.values();
    measure::for_each_picture_where(
        &pieces_path,
        |k| by_frame.contains_key(&(k as i64)),
        |p| {
            if let Some(cards) = frames.next() {
                match (image::to_rgb(&p), image::jpeg(&p, JPEG_QUALITY)) {
                    (Ok(r), Ok(j)) => {
                        let j = base64::engine::general_purpose::STANDARD.encode(&j);
                        for &c in cards {
                            rgb.insert(c, r.clone());
                            jpegs.insert(c, j.clone());
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        failed.get_or_insert(e);
                    }
                }
            }
        },
    )?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok((rgb, jpegs)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_keep_the_output_shape_in_even_sizes() {
        assert_eq!(thumb_size(240, 1920, 1080), (240, 136));
        assert_eq!(thumb_size(240, 720, 576), (240, 192));
        assert_eq!(thumb_size(241, 640, 360), (240, 136));
    }
}
