//! A dissolve's two sides: the outgoing side's frames kept, then blended with the incoming
//! side's frame by frame.

use super::job::{out_err, FrameSink, SegmentError};
use super::sink::EncodeSink;
use ffmpeg_next as ff;

/// Keeps the outgoing side of a dissolve.
pub(super) struct CollectSink {
    frames: Vec<ff::frame::Video>,
    count: i64,
}

impl FrameSink for CollectSink {
    fn done(&self) -> bool {
        self.frames.len() as i64 >= self.count
    }
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if !self.done() {
            self.frames.push(frame.clone());
        }
        Ok(())
    }
}

/// Mixes the incoming side of a dissolve with the kept outgoing frames: frame j is
/// `from × (n + 1 − (j + 1)) + to × (j + 1)`, over n + 1.
pub(super) struct BlendSink<'s, 'e> {
    from: Vec<ff::frame::Video>,
    inner: &'s mut EncodeSink<'e>,
    next: usize,
    count: i64,
}

impl FrameSink for BlendSink<'_, '_> {
    fn done(&self) -> bool {
        self.next as i64 >= self.count
    }
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if self.done() {
            return Ok(());
        }
        let Some(from) = self.from.get(self.next).or(self.from.last()) else {
            return Err(SegmentError::Output {
                stage: "dissolve",
                source: "the outgoing side produced no frames".into(),
            });
        };
        // SAFETY: `frame` holds a valid AVFrame; make_writable gives it private buffers.
        let r = unsafe { ff::ffi::av_frame_make_writable(frame.as_mut_ptr()) };
        if r < 0 {
            return Err(out_err("dissolve")(ff::Error::from(r)));
        }
        let d = self.count as u32 + 1;
        let w = self.next as u32 + 1;
        let (width, height) = (frame.width() as usize, frame.height() as usize);
        for plane in 0..3 {
            let (pw, ph) = if plane == 0 {
                (width, height)
            } else {
                (width.div_ceil(2), height.div_ceil(2))
            };
            let (fs, ts) = (from.stride(plane), frame.stride(plane));
            let src = from.data(plane).to_vec();
            let dst = frame.data_mut(plane);
            for row in 0..ph {
                for col in 0..pw {
                    let a = src[row * fs + col] as u32;
                    let b = dst[row * ts + col] as u32;
                    dst[row * ts + col] = ((a * (d - w) + b * w + d / 2) / d) as u8;
                }
            }
        }
        self.next += 1;
        self.inner.encode(frame)
    }
}

impl CollectSink {
    /// Keeps up to `count` frames.
    pub(super) fn new(count: i64) -> CollectSink {
        CollectSink {
            frames: Vec::new(),
            count,
        }
    }
}

impl<'s, 'e> BlendSink<'s, 'e> {
    /// Blends `kept`'s frames with the `count` frames pushed, into `inner`.
    pub(super) fn new(kept: CollectSink, inner: &'s mut EncodeSink<'e>, count: i64) -> Self {
        BlendSink {
            from: kept.frames,
            inner,
            next: 0,
            count,
        }
    }
}
