//! Title cards: lines of text drawn on black with FFmpeg's `drawtext`.
//!
//! The graph is built filter by filter with each option set directly on the filter (not parsed
//! from a filter-graph string), so the text and the font path are passed literally: quotes,
//! colons, commas, backslashes and `%` in a title cannot be taken for filter syntax or options,
//! and text expansion is off.

use std::ffi::CString;

use super::ff;
use super::segment::{out_err, pull_generated, FrameSink, SegmentError, SegmentJob};
use crate::plan::{OutputSpec, TitlePicture};

/// Create a filter named `name` of kind `kind` in `g`, set `options` literally, initialise it.
fn literal_filter(
    g: &mut ff::filter::Graph,
    kind: &str,
    name: &str,
    options: &[(&str, &str)],
) -> Result<(), ff::Error> {
    let cname = CString::new(name).map_err(|_| ff::Error::InvalidData)?;
    let ckind = CString::new(kind).map_err(|_| ff::Error::InvalidData)?;
    // SAFETY: `g` owns a valid graph; avfilter_get_by_name returns a static filter or null
    // (checked); avfilter_graph_alloc_filter returns a context owned by the graph or null
    // (checked). Option names and values are NUL-terminated C strings that outlive each call;
    // av_opt_set copies them. avfilter_init_str with null initialises from the options set.
    unsafe {
        let filter = ff::ffi::avfilter_get_by_name(ckind.as_ptr());
        if filter.is_null() {
            return Err(ff::Error::FilterNotFound);
        }
        let ctx = ff::ffi::avfilter_graph_alloc_filter(g.as_mut_ptr(), filter, cname.as_ptr());
        if ctx.is_null() {
            return Err(ff::Error::Bug);
        }
        for (key, value) in options {
            let k = CString::new(*key).map_err(|_| ff::Error::InvalidData)?;
            let v = CString::new(*value).map_err(|_| ff::Error::InvalidData)?;
            let r = ff::ffi::av_opt_set(
                ctx as *mut std::ffi::c_void,
                k.as_ptr(),
                v.as_ptr(),
                ff::ffi::AV_OPT_SEARCH_CHILDREN,
            );
            if r < 0 {
                return Err(ff::Error::from(r));
            }
        }
        let r = ff::ffi::avfilter_init_str(ctx, std::ptr::null());
        if r < 0 {
            return Err(ff::Error::from(r));
        }
    }
    Ok(())
}

/// `color (the card) → drawtext per line → format → buffersink`; or, for a transparent card,
/// `buffer (the picture underneath, pix_fmt given) → drawtext per line → format → buffersink`.
pub fn title_graph(
    out: &OutputSpec,
    t: &TitlePicture,
    underneath: Option<i32>,
) -> Result<ff::filter::Graph, ff::Error> {
    let mut g = ff::filter::Graph::new();
    let size = format!("{}x{}", out.width, out.height);
    let rate = format!("{}/{}", out.fps.num(), out.fps.den());
    match (underneath, &t.background) {
        (Some(pix_fmt), _) => {
            output_frames_source(&mut g, "bg", out, pix_fmt)?;
        }
        (None, background) => literal_filter(
            &mut g,
            "color",
            "bg",
            &[
                ("color", background.as_deref().unwrap_or("0x000000")),
                ("size", &size),
                ("rate", &rate),
            ],
        )?,
    }
    let font = t.font.to_str().ok_or(ff::Error::InvalidData)?;
    let fontsize = t.size.to_string();
    let mut prev = "bg".to_string();
    for (k, line) in t.lines.iter().enumerate() {
        let name = format!("line{k}");
        let y = line.y.to_string();
        literal_filter(
            &mut g,
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
        link(&mut g, &prev, &name)?;
        prev = name;
    }
    literal_filter(&mut g, "format", "fmt", &[("pix_fmts", "yuv420p")])?;
    link(&mut g, &prev, "fmt")?;
    literal_filter(&mut g, "buffersink", "out", &[])?;
    link(&mut g, "fmt", "out")?;
    g.validate()?;
    Ok(g)
}

/// A `buffer` source named `name` taking conformed output frames (output size, 1/fps time base).
fn output_frames_source(
    g: &mut ff::filter::Graph,
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
    let buffer = ff::filter::find("buffer").ok_or(ff::Error::FilterNotFound)?;
    g.add(&buffer, name, &args)?;
    Ok(())
}

fn link(g: &mut ff::filter::Graph, from: &str, to: &str) -> Result<(), ff::Error> {
    let mut dst = g.get(to).ok_or(ff::Error::FilterNotFound)?;
    let mut src = g.get(from).ok_or(ff::Error::FilterNotFound)?;
    src.link(0, &mut dst, 0);
    Ok(())
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
    graph: Option<ff::filter::Graph>,
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
            g.get("bg")
                .ok_or(ff::Error::FilterNotFound)
                .and_then(|mut c| c.source().add(frame))
                .map_err(out_err("draw title"))?;
            let mut drawn = ff::frame::Video::empty();
            while let Some(Ok(())) = g.get("out").map(|mut c| c.sink().frame(&mut drawn)) {
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
) -> Result<ff::filter::Graph, ff::Error> {
    let mut g = ff::filter::Graph::new();
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
    let mut add =
        |g: &mut ff::filter::Graph, name: &str, extra: &[(&str, &str)]| -> Result<(), ff::Error> {
            let opts: Vec<(&str, &str)> = common
                .iter()
                .copied()
                .chain(extra.iter().copied())
                .collect();
            literal_filter(g, "drawtext", name, &opts)?;
            link(g, &prev, name)?;
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
    literal_filter(&mut g, "buffersink", "out", &[])?;
    link(&mut g, &prev, "out")?;
    g.validate()?;
    Ok(g)
}

/// `buffer (conformed output frames) → subtitles (libass drawing the ASS script at `script`,
/// fonts also looked up in `fonts_dir`) → buffersink`. Paths are set literally.
pub fn subtitle_graph(
    out: &OutputSpec,
    pix_fmt: i32,
    script: &std::path::Path,
    fonts_dir: &std::path::Path,
) -> Result<ff::filter::Graph, ff::Error> {
    let mut g = ff::filter::Graph::new();
    output_frames_source(&mut g, "in", out, pix_fmt)?;
    let script = script.to_str().ok_or(ff::Error::InvalidData)?;
    let fonts = fonts_dir.to_str().ok_or(ff::Error::InvalidData)?;
    literal_filter(
        &mut g,
        "subtitles",
        "subs",
        &[("filename", script), ("fontsdir", fonts)],
    )?;
    link(&mut g, "in", "subs")?;
    literal_filter(&mut g, "buffersink", "out", &[])?;
    link(&mut g, "subs", "out")?;
    g.validate()?;
    Ok(g)
}
