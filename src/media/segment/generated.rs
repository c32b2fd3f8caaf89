//! Generated pictures: black (gaps), and any graph that makes pictures without input (title
//! cards).

use super::job::{out_err, FrameSink, SegmentError, SegmentJob};
use crate::media::graph::{Graph, Medium};
use ffmpeg_next as ff;

/// Pull every available frame from a video graph into the encoder.
pub(super) fn pull_video(g: &mut Graph, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
    let mut frame = ff::frame::Video::empty();
    while g.pull(&mut frame).map_err(out_err("conform picture"))? {
        sink.push(&mut frame)?;
    }
    Ok(())
}

/// A gap (and, until they are drawn, a title card): black frames.
pub(super) fn black(job: &SegmentJob, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
    let out = job.output;
    let spec = format!(
        "color=c=black:s={}x{}:r={}/{},format=yuv420p",
        out.width,
        out.height,
        out.fps.num(),
        out.fps.den()
    );
    let mut g = Graph::generator(Medium::Video, &spec).map_err(out_err("black frames"))?;
    pull_generated(job, &mut g, sink)
}

/// Encode the segment's frames from a graph that generates pictures (no input), whose sink is
/// named `out`.
pub(super) fn pull_generated(
    job: &SegmentJob,
    g: &mut Graph,
    sink: &mut dyn FrameSink,
) -> Result<(), SegmentError> {
    let mut frame = ff::frame::Video::empty();
    while !sink.done() {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        if !g.pull(&mut frame).map_err(out_err("generate pictures"))? {
            break;
        }
        sink.push(&mut frame)?;
    }
    Ok(())
}
