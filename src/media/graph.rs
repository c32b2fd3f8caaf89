//! [`Graph`]: an FFmpeg filter graph with its two ends found once, frames pushed into its
//! source and pulled from its sink.
//!
//! Every filter graph in the media layer is one of these. Two things are therefore true
//! everywhere:
//!
//! - **No string look-ups of the ends at each frame.** The source (`in`) and sink (`out`) are
//!   found when the graph is made; a graph without them is an error then, not later.
//! - **Pulling never leaks.** `av_buffersink_get_frame` moves the next frame into the one it is
//!   given *without* releasing what that frame held, so pulling repeatedly into one frame leaks
//!   every frame but the last (a 10-minute program's loudness measurement climbed to 17.9 GB).
//!   [`Graph::pull`] releases the frame first, so a frame can be reused safely.

use std::ffi::CString;

use crate::time::Rational;
use ffmpeg_next as ff;

/// Whether a graph carries pictures or sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Video,
    Audio,
}

impl Medium {
    fn source(self) -> &'static str {
        match self {
            Medium::Video => "buffer",
            Medium::Audio => "abuffer",
        }
    }
    fn sink(self) -> &'static str {
        match self {
            Medium::Video => "buffersink",
            Medium::Audio => "abuffersink",
        }
    }
}

/// A configured filter graph with its ends.
pub struct Graph {
    /// Owns the filters the two pointers point into (never used directly after configuring).
    _graph: ff::filter::Graph,
    /// The buffer source, when the graph takes frames (generators have none).
    input: Option<*mut ff::ffi::AVFilterContext>,
    output: *mut ff::ffi::AVFilterContext,
}

// SAFETY: the two context pointers point into the graph that `Graph` owns; they move with it and
// are only used through `&mut self`. FFmpeg filter graphs may be used from any one thread at a
// time.
unsafe impl Send for Graph {}

/// The context named `name` in `g`, or an error.
fn context(
    g: &mut ff::filter::Graph,
    name: &str,
) -> Result<*mut ff::ffi::AVFilterContext, ff::Error> {
    let cname = CString::new(name).map_err(|_| ff::Error::InvalidData)?;
    // SAFETY: `g` owns a valid graph and `cname` is NUL-terminated; the result is owned by the
    // graph or null (checked).
    let ctx = unsafe { ff::ffi::avfilter_graph_get_filter(g.as_mut_ptr(), cname.as_ptr()) };
    if ctx.is_null() {
        Err(ff::Error::FilterNotFound)
    } else {
        Ok(ctx)
    }
}

impl Graph {
    /// `source(args) → spec → sink`: a chain from a filter-graph string built by the plan from
    /// numbers and fixed names, with `threads` filter threads.
    pub(crate) fn chain(
        medium: Medium,
        source_args: &str,
        spec: &str,
        threads: usize,
    ) -> Result<Graph, ff::Error> {
        if spec.contains('\0') {
            return Err(ff::Error::InvalidData);
        }
        let mut b = Builder::new(threads);
        let src_f = ff::filter::find(medium.source()).ok_or(ff::Error::FilterNotFound)?;
        let sink_f = ff::filter::find(medium.sink()).ok_or(ff::Error::FilterNotFound)?;
        b.graph.add(&src_f, "in", source_args)?;
        b.graph.add(&sink_f, "out", "")?;
        b.graph.output("in", 0)?.input("out", 0)?.parse(spec)?;
        b.finish(true)
    }

    /// `spec → sink`: a graph that generates frames (a `color` source, say), with no input.
    pub fn generator(medium: Medium, spec: &str) -> Result<Graph, ff::Error> {
        if spec.contains('\0') {
            return Err(ff::Error::InvalidData);
        }
        let mut b = Builder::new(1);
        let sink_f = ff::filter::find(medium.sink()).ok_or(ff::Error::FilterNotFound)?;
        b.graph.add(&sink_f, "out", "")?;
        b.graph.input("out", 0)?.parse(spec)?;
        b.finish(false)
    }

    /// Hand a frame to the graph's source. FFmpeg takes its buffers: `frame` is left empty.
    pub(crate) fn push(&mut self, frame: &mut ff::Frame) -> Result<(), ff::Error> {
        let input = self.input.ok_or(ff::Error::Bug)?;
        // SAFETY: `input` is the graph's buffer source (found when the graph was made, alive
        // while the graph is); `frame` is a valid AVFrame whose references move into the graph.
        let r = unsafe { ff::ffi::av_buffersrc_add_frame_flags(input, frame.as_mut_ptr(), 0) };
        if r < 0 {
            Err(ff::Error::from(r))
        } else {
            Ok(())
        }
    }

    /// The end of the input: the graph gives up the frames it holds.
    pub(crate) fn flush(&mut self) -> Result<(), ff::Error> {
        let input = self.input.ok_or(ff::Error::Bug)?;
        // SAFETY: as in `push`; a null frame marks the end of the stream.
        let r = unsafe { ff::ffi::av_buffersrc_add_frame_flags(input, std::ptr::null_mut(), 0) };
        if r < 0 {
            Err(ff::Error::from(r))
        } else {
            Ok(())
        }
    }

    /// The next frame out of the graph into `frame` (whatever `frame` held is released first):
    /// `Ok(true)` with a frame, `Ok(false)` when the graph needs more input or has ended.
    pub fn pull(&mut self, frame: &mut ff::Frame) -> Result<bool, ff::Error> {
        // SAFETY: `frame` is a valid AVFrame: unref releases what it holds (the sink moves the
        // next frame in without doing so); `output` is the graph's sink, alive while it is.
        let r = unsafe {
            ff::ffi::av_frame_unref(frame.as_mut_ptr());
            ff::ffi::av_buffersink_get_frame(self.output, frame.as_mut_ptr())
        };
        match r {
            r if r >= 0 => Ok(true),
            r if r == ff::ffi::AVERROR(ff::ffi::EAGAIN) || r == ff::ffi::AVERROR_EOF => Ok(false),
            r => Err(ff::Error::from(r)),
        }
    }

    /// Pass one picture through a one-in, one-out graph, in place.
    pub(crate) fn through(&mut self, frame: &mut ff::Frame) -> Result<(), ff::Error> {
        self.push(frame)?;
        if self.pull(frame)? {
            Ok(())
        } else {
            Err(ff::Error::Bug)
        }
    }

    /// The time base of the frames the sink gives.
    pub(crate) fn sink_time_base(&self) -> Rational {
        // SAFETY: `output` is the graph's configured sink.
        let tb = unsafe { ff::ffi::av_buffersink_get_time_base(self.output) };
        if tb.num > 0 && tb.den > 0 {
            Rational::new(tb.num as i64, tb.den as i64)
        } else {
            Rational::from_integer(0)
        }
    }

    /// Sound frames of exactly `samples` samples from the sink (the last may be shorter).
    pub(crate) fn set_frame_size(&mut self, samples: u32) {
        // SAFETY: `output` is the graph's configured audio sink.
        unsafe { ff::ffi::av_buffersink_set_frame_size(self.output, samples) }
    }
}

/// A graph built filter by filter, each filter's options set literally (never parsed from a
/// filter-graph string): text, font and file paths cannot be read as filter syntax.
pub(crate) struct Builder {
    graph: ff::filter::Graph,
}

impl Builder {
    /// An empty graph whose filters may use `threads` threads.
    pub(crate) fn new(threads: usize) -> Builder {
        let mut graph = ff::filter::Graph::new();
        // SAFETY: the graph pointer is valid while `graph` lives; nb_threads is a plain int.
        unsafe {
            (*graph.as_mut_ptr()).nb_threads = threads.clamp(1, 64) as i32;
        }
        Builder { graph }
    }

    /// Add a filter of kind `kind` named `name` with `args` in FFmpeg's `key=value:…` form (for
    /// buffer sources: numbers and fixed names only).
    pub(crate) fn add(&mut self, kind: &str, name: &str, args: &str) -> Result<(), ff::Error> {
        let f = ff::filter::find(kind).ok_or(ff::Error::FilterNotFound)?;
        self.graph.add(&f, name, args)?;
        Ok(())
    }

    /// Add a filter of kind `kind` named `name` with `options` set literally, and initialise it.
    pub(crate) fn literal(
        &mut self,
        kind: &str,
        name: &str,
        options: &[(&str, &str)],
    ) -> Result<(), ff::Error> {
        let cname = CString::new(name).map_err(|_| ff::Error::InvalidData)?;
        let ckind = CString::new(kind).map_err(|_| ff::Error::InvalidData)?;
        // SAFETY: the graph is valid; avfilter_get_by_name returns a static filter or null
        // (checked); avfilter_graph_alloc_filter returns a context owned by the graph or null
        // (checked). Option names and values are NUL-terminated C strings that outlive each
        // call; av_opt_set copies them. avfilter_init_str with null initialises from the
        // options set.
        unsafe {
            let filter = ff::ffi::avfilter_get_by_name(ckind.as_ptr());
            if filter.is_null() {
                return Err(ff::Error::FilterNotFound);
            }
            let ctx = ff::ffi::avfilter_graph_alloc_filter(
                self.graph.as_mut_ptr(),
                filter,
                cname.as_ptr(),
            );
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

    /// Link the first output of `from` to the first input of `to`.
    pub(crate) fn link(&mut self, from: &str, to: &str) -> Result<(), ff::Error> {
        let mut dst = self.graph.get(to).ok_or(ff::Error::FilterNotFound)?;
        let mut src = self.graph.get(from).ok_or(ff::Error::FilterNotFound)?;
        src.link(0, &mut dst, 0);
        Ok(())
    }

    /// Configure the graph; its ends are the filters named `in` (when `has_input`) and `out`.
    pub(crate) fn finish(mut self, has_input: bool) -> Result<Graph, ff::Error> {
        self.graph.validate()?;
        let input = if has_input {
            Some(context(&mut self.graph, "in")?)
        } else {
            None
        };
        let output = context(&mut self.graph, "out")?;
        Ok(Graph {
            _graph: self.graph,
            input,
            output,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video_args() -> String {
        "video_size=16x8:pix_fmt=0:time_base=1/25:pixel_aspect=1/1".to_string()
    }

    fn picture() -> ff::frame::Video {
        let mut f = ff::frame::Video::new(ff::format::Pixel::YUV420P, 16, 8);
        for plane in 0..3 {
            f.data_mut(plane).fill(100);
        }
        f
    }

    #[test]
    fn a_chain_passes_frames_and_names_its_ends() {
        super::super::init();
        let mut g = Graph::chain(Medium::Video, &video_args(), "negate", 1).unwrap();
        let mut f = picture();
        f.set_pts(Some(3));
        g.push(&mut f).unwrap();
        let mut out = ff::frame::Video::empty();
        assert!(g.pull(&mut out).unwrap());
        assert_eq!(out.pts(), Some(3));
        assert_eq!(out.data(0)[0], 155, "negated luma");
        assert!(!g.pull(&mut out).unwrap(), "nothing more until more input");
        g.flush().unwrap();
        assert!(!g.pull(&mut out).unwrap(), "ended");
        assert_eq!(g.sink_time_base(), Rational::new(1, 25));
    }

    #[test]
    fn bad_specs_are_errors_not_panics() {
        super::super::init();
        assert!(Graph::chain(Medium::Video, &video_args(), "no_such_filter", 1).is_err());
        assert!(Graph::chain(Medium::Video, &video_args(), "null\0", 1).is_err());
        assert!(Graph::chain(Medium::Video, "garbage", "null", 1).is_err());
        // A generator has no input to push into.
        let mut g = Graph::generator(Medium::Video, "color=c=black:s=16x8:r=25").unwrap();
        assert!(g.push(&mut picture()).is_err());
        let mut out = ff::frame::Video::empty();
        assert!(g.pull(&mut out).unwrap());
        assert_eq!((out.width(), out.height()), (16, 8));
    }

    #[test]
    fn pulling_into_one_frame_releases_what_it_held() {
        super::super::init();
        let mut g = Graph::chain(Medium::Video, &video_args(), "null", 1).unwrap();
        let mut out = ff::frame::Video::empty();
        let mut first = picture();
        // SAFETY: (test) `first` holds a valid frame with a first buffer; an extra reference
        // to it is taken to watch its count, and released at the end.
        let mut watched = unsafe { ff::ffi::av_buffer_ref((*first.as_ptr()).buf[0]) };
        assert!(!watched.is_null());
        g.push(&mut first).unwrap();
        assert!(g.pull(&mut out).unwrap());
        let count = || {
            // SAFETY: (test) `watched` is a live reference.
            unsafe { ff::ffi::av_buffer_get_ref_count(watched) }
        };
        assert_eq!(count(), 2, "held by the watcher and by `out`");
        let mut second = picture();
        g.push(&mut second).unwrap();
        assert!(
            g.pull(&mut out).unwrap(),
            "the next frame, into the same `out`"
        );
        assert_eq!(count(), 1, "`out` released the first frame's buffer");
        // SAFETY: (test) releases the watcher's own reference.
        unsafe { ff::ffi::av_buffer_unref(&mut watched) };
    }
}
