//! Title cards: lines of text drawn with FFmpeg's `drawtext`, on a card of their own or over
//! the picture underneath (a transparent card over the previous shot carrying on).
//!
//! The graph is built filter by filter with each option set directly on the filter (not parsed
//! from a filter-graph string), so the text and the font path are passed literally: quotes,
//! colons, commas, backslashes and `%` in a title cannot be taken for filter syntax or options,
//! and text expansion is off.

use super::generated::pull_generated;
use super::job::{out_err, FrameSink, SegmentError, SegmentJob};
use crate::media::graph::{Builder, Graph};
use crate::media::overlay::output_frames_source;
use crate::plan::{OutputSpec, TitlePicture};
use ffmpeg_next as ff;

/// `color (the card) → drawtext per line → format → buffersink`; or, for a transparent card,
/// `buffer (the picture underneath, pix_fmt given) → drawtext per line → format → buffersink`.
pub(crate) fn title_graph(
    out: &OutputSpec,
    t: &TitlePicture,
    underneath: Option<i32>,
) -> Result<Graph, ff::Error> {
    let mut g = Builder::new(1);
    let size = format!("{}x{}", out.width, out.height);
    let rate = format!("{}/{}", out.fps.num(), out.fps.den());
    match (underneath, &t.background) {
        (Some(pix_fmt), _) => {
            output_frames_source(&mut g, "in", out, pix_fmt)?;
        }
        (None, background) => g.literal(
            "color",
            "in",
            &[
                ("color", background.as_deref().unwrap_or("0x000000")),
                ("size", &size),
                ("rate", &rate),
            ],
        )?,
    }
    let font = t.font.to_str().ok_or(ff::Error::InvalidData)?;
    let fontsize = t.size.to_string();
    let mut prev = "in".to_string();
    for (k, line) in t.lines.iter().enumerate() {
        let name = format!("line{k}");
        let y = line.y.to_string();
        g.literal(
            "drawtext",
            &name,
            &[
                ("fontfile", font),
                ("text", &line.text),
                ("expansion", "none"),
                ("fontsize", &fontsize),
                ("fontcolor", &t.colour),
                ("x", "(w-text_w)/2"),
                ("y", &y),
            ],
        )?;
        g.link(&prev, &name)?;
        prev = name;
    }
    g.literal("format", "fmt", &[("pix_fmts", "yuv420p")])?;
    g.link(&prev, "fmt")?;
    g.literal("buffersink", "out", &[])?;
    g.link("fmt", "out")?;
    g.finish(underneath.is_some())
}

/// A title card on its own card.
pub(super) fn card(
    job: &SegmentJob,
    t: &TitlePicture,
    sink: &mut dyn FrameSink,
) -> Result<(), SegmentError> {
    let mut g = title_graph(job.output, t, None).map_err(out_err("draw title"))?;
    pull_generated(job, &mut g, sink)
}

/// Draws a title's lines on each frame of the picture underneath, then passes it on.
pub(super) struct TitleOver<'a> {
    inner: &'a mut dyn FrameSink,
    title: &'a TitlePicture,
    output: &'a OutputSpec,
    graph: Option<Graph>,
}

impl<'a> TitleOver<'a> {
    /// Draws `title` on each frame pushed, then passes it to `inner`.
    pub(super) fn new(
        inner: &'a mut dyn FrameSink,
        title: &'a TitlePicture,
        output: &'a OutputSpec,
    ) -> TitleOver<'a> {
        TitleOver {
            inner,
            title,
            output,
            graph: None,
        }
    }
}

impl FrameSink for TitleOver<'_> {
    fn done(&self) -> bool {
        self.inner.done()
    }
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if self.graph.is_none() {
            let pix = ff::ffi::AVPixelFormat::from(frame.format()) as i32;
            self.graph = Some(
                title_graph(self.output, self.title, Some(pix)).map_err(out_err("draw title"))?,
            );
        }
        if let Some(g) = self.graph.as_mut() {
            g.push(frame).map_err(out_err("draw title"))?;
            let mut drawn = ff::frame::Video::empty();
            while g.pull(&mut drawn).map_err(out_err("draw title"))? {
                self.inner.push(&mut drawn)?;
            }
        }
        Ok(())
    }
}
