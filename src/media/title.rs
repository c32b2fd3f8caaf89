//! Title cards: lines of text drawn on black with FFmpeg's `drawtext`.
//!
//! The graph is built filter by filter with each option set directly on the filter (not parsed
//! from a filter-graph string), so the text and the font path are passed literally: quotes,
//! colons, commas, backslashes and `%` in a title cannot be taken for filter syntax or options,
//! and text expansion is off.

use super::ff;
use super::graph::{Builder, Graph};
use super::segment::{out_err, pull_generated, FrameSink, SegmentError, SegmentJob};
use crate::plan::{OutputSpec, TitlePicture};

/// `color (the card) → drawtext per line → format → buffersink`; or, for a transparent card,
/// `buffer (the picture underneath, pix_fmt given) → drawtext per line → format → buffersink`.
pub fn title_graph(
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

/// A `buffer` source named `name` taking conformed output frames (output size, 1/fps time base).
fn output_frames_source(
    g: &mut Builder,
    name: &str,
    out: &OutputSpec,
    pix_fmt: i32,
) -> Result<(), ff::Error> {
    let args = super::sized_buffer_args(
        out.width,
        out.height,
        pix_fmt,
        (out.fps.den(), out.fps.num()),
        (1, 1),
    );
    g.add("buffer", name, &args)
}

/// Render a title card segment: on its own card, or drawn over the picture underneath.
pub(crate) fn render_title(
    job: &SegmentJob,
    t: &TitlePicture,
    sound: &crate::plan::Sound,
    sink: &mut dyn FrameSink,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    match &t.underneath {
        None => {
            let mut g = title_graph(job.output, t, None).map_err(out_err("draw title"))?;
            pull_generated(job, &mut g, sink)
        }
        Some(base) => {
            let mut over = TitleOver {
                inner: sink,
                title: t,
                output: job.output,
                graph: None,
            };
            super::segment::produce_side(job, base, sound, &mut over, pcm)
        }
    }
}

/// Draws a title's lines on each frame of the picture underneath, then passes it on.
struct TitleOver<'a> {
    inner: &'a mut dyn FrameSink,
    title: &'a TitlePicture,
    output: &'a OutputSpec,
    graph: Option<Graph>,
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

/// Burn-in overlays: `buffer → drawtext… → buffersink` for one segment's frames (pts = frame
/// number in the segment, time base 1/fps). The event name and watermark are drawn literally;
/// the record timecode uses drawtext's frame counter, the source time its pts expansion.
pub fn overlay_graph(
    out: &OutputSpec,
    o: &crate::plan::OverlaySpec,
    pix_fmt: i32,
) -> Result<Graph, ff::Error> {
    let mut g = Builder::new(1);
    output_frames_source(&mut g, "in", out, pix_fmt)?;
    let font = o.font.to_str().ok_or(ff::Error::InvalidData)?;
    let size = o.size.to_string();
    let margin = (o.size / 2).max(4).to_string();
    // Two rows at one edge for the timecode and clip name; the watermark at the other.
    let (near, far, mark_y) = if o.top {
        (
            format!("{}", o.size * 3 / 2 + o.size / 2),
            margin.clone(),
            format!("h-{}", o.size * 3 / 2),
        )
    } else {
        (
            format!("h-{}", o.size * 3 / 2),
            format!("h-{}", o.size * 3),
            margin.clone(),
        )
    };
    let bottom = near;
    let common = [
        ("fontfile", font),
        ("fontsize", size.as_str()),
        ("fontcolor", "white"),
        ("box", "1"),
        ("boxcolor", "black@0.5"),
        ("boxborderw", "3"),
    ];
    let mut prev = "in".to_string();
    let mut add = |g: &mut Builder, name: &str, extra: &[(&str, &str)]| -> Result<(), ff::Error> {
        let opts: Vec<(&str, &str)> = common
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect();
        g.literal("drawtext", name, &opts)?;
        g.link(&prev, name)?;
        prev = name.to_string();
        Ok(())
    };
    if let Some(tc) = &o.timecode {
        add(
            &mut g,
            "tc",
            &[
                ("timecode", tc),
                ("timecode_rate", &o.rate),
                ("x", &margin),
                ("y", &bottom),
            ],
        )?;
    }
    if let Some((name, start)) = &o.clip {
        add(
            &mut g,
            "clip",
            &[
                ("text", name),
                ("expansion", "none"),
                ("x", &format!("w-text_w-{margin}")),
                ("y", &far),
            ],
        )?;
        if let Some(start) = start {
            let time = format!("%{{pts:hms:{start}}}");
            add(
                &mut g,
                "srctime",
                &[
                    ("text", &time),
                    ("expansion", "normal"),
                    ("x", &format!("w-text_w-{margin}")),
                    ("y", &bottom),
                ],
            )?;
        }
    }
    if let Some(w) = &o.watermark {
        add(
            &mut g,
            "mark",
            &[
                ("text", w),
                ("expansion", "none"),
                ("x", &margin),
                ("y", &mark_y),
            ],
        )?;
    }
    g.literal("buffersink", "out", &[])?;
    g.link(&prev, "out")?;
    g.finish(true)
}

/// `buffer (conformed output frames) → subtitles (libass drawing the ASS script at `script`,
/// fonts also looked up in `fonts_dir`) → buffersink`. Paths are set literally.
pub fn subtitle_graph(
    out: &OutputSpec,
    pix_fmt: i32,
    script: &std::path::Path,
    fonts_dir: &std::path::Path,
) -> Result<Graph, ff::Error> {
    let mut g = Builder::new(1);
    output_frames_source(&mut g, "in", out, pix_fmt)?;
    let script = script.to_str().ok_or(ff::Error::InvalidData)?;
    let fonts = fonts_dir.to_str().ok_or(ff::Error::InvalidData)?;
    g.literal(
        "subtitles",
        "subs",
        &[("filename", script), ("fontsdir", fonts)],
    )?;
    g.link("in", "subs")?;
    g.literal("buffersink", "out", &[])?;
    g.link("subs", "out")?;
    g.finish(true)
}
