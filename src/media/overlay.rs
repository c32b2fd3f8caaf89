//! Burn-in graphs drawn over a segment's conformed pictures: the overlays (record timecode,
//! event name and source time, watermark) and burned-in subtitles (libass). Built filter by
//! filter with every option set literally (see [`super::graph::Builder`]).

use super::graph::{Builder, Graph};
use crate::plan::OutputSpec;
use ffmpeg_next as ff;

/// A `buffer` source named `name` taking conformed output frames (output size, 1/fps time base).
pub(crate) fn output_frames_source(
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

/// Burn-in overlays: `buffer → drawtext… → buffersink` for one segment's frames (pts = frame
/// number in the segment, time base 1/fps). The event name and watermark are drawn literally;
/// the record timecode uses drawtext's frame counter, the source time its pts expansion.
pub(crate) fn overlay_graph(
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
pub(crate) fn subtitle_graph(
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
