//! Chroma measurements for black-and-white detection: a few frames decoded from across the
//! whole file, and for each the chroma cast, the per-pixel chroma spread, and how much of that
//! spread is spatially coherent (survives averaging over blocks) — real colour is coherent,
//! film-grain chroma noise is not, and a uniform cast is neither.

use std::path::Path;

use rayon::prelude::*;

mod chroma;

use super::graph::{Graph, Medium};
use super::reader::{Reader, StreamInfo};
use super::{received, MediaError};
use crate::facts::ChromaFrame;
use crate::time::Rational;
use ffmpeg_next as ff;

/// Most groups of keyframe targets measured side by side.
const KEYFRAME_GROUPS: usize = 4;

/// Most frames decoded by the sequential fallback (files with too few keyframes to sample).
const FALLBACK_FRAMES: usize = 1500;

/// Measure about `count` frames spread evenly over `duration` seconds of the video stream
/// `stream`. Keyframes near evenly spaced targets are decoded first (one picture each, cheap
/// whatever the GOP length); a file with too few keyframes is decoded from the start instead,
/// picking the frames at the targets.
pub(crate) fn measure_chroma(
    path: &Path,
    stream: usize,
    duration: Rational,
    count: usize,
    threads: usize,
) -> Result<Vec<ChromaFrame>, MediaError> {
    let count = count.max(1);
    let targets: Vec<Rational> = (0..count)
        .map(|i| duration * Rational::new(2 * i as i64 + 1, 2 * count as i64))
        .collect();
    // The keyframe pass runs in up to `threads` groups of consecutive targets side by side, each
    // with its own reader and single-threaded decoder (one keyframe per seek leaves a decoder's
    // own threads idle).
    let per_group = count.div_ceil(threads.clamp(1, KEYFRAME_GROUPS));
    let groups: Vec<Result<Vec<ChromaFrame>, MediaError>> = targets
        .par_chunks(per_group)
        .map(|group| {
            let mut pass = Pass::open(path, stream, true, 1)?;
            let mut found = Vec::new();
            let mut landed = None;
            for &target in group {
                if !pass.seek(target) {
                    continue;
                }
                // A seek that lands on the keyframe the last one did (a long GOP) gives the
                // same picture: it is not decoded again.
                let here = pass.land()?;
                if here.is_some() && here == landed {
                    continue;
                }
                landed = here;
                // The keyframe at or before the target (where the seek landed).
                if let Some(t) = pass.next_frame(None)? {
                    found.push(stats(path, t, &pass.frame)?);
                }
            }
            Ok(found)
        })
        .collect();
    let mut out: Vec<ChromaFrame> = Vec::new();
    for group in groups {
        for f in group? {
            // Short GOP-less files give the same picture for several targets.
            if out.iter().all(|o| o.time != f.time) {
                out.push(f);
            }
        }
    }
    out.sort_by_key(|a| a.time);
    if out.len() * 2 >= count {
        return Ok(out);
    }
    // Too few keyframes: decode from the start and take the frame at each target.
    let mut pass = Pass::open(path, stream, false, threads)?;
    let mut seq = Vec::new();
    for &target in &targets {
        match pass.next_frame(Some(target))? {
            Some(t) => seq.push(stats(path, t, &pass.frame)?),
            None => break,
        }
    }
    Ok(if seq.len() > out.len() { seq } else { out })
}

/// One decoding pass over a video stream.
struct Pass<'p> {
    path: &'p Path,
    reader: Reader,
    dec: ff::codec::decoder::Video,
    info: StreamInfo,
    frame: ff::frame::Video,
    decoded: usize,
    eof: bool,
}

impl<'p> Pass<'p> {
    fn open(
        path: &'p Path,
        stream: usize,
        keyframes_only: bool,
        threads: usize,
    ) -> Result<Pass<'p>, MediaError> {
        let reader = Reader::open(path)?;
        let info = reader
            .stream(stream)
            .ok_or_else(|| MediaError::read(path, "find video", ff::Error::StreamNotFound))?;
        let mut dec = reader
            .decoder(stream, 1)
            .and_then(|mut d| {
                if keyframes_only {
                    d.skip_frame(ff::codec::discard::Discard::NonKey);
                } else {
                    // Decoding a whole GOP-less file: only reference pictures, no deblocking,
                    // all cores — the chroma statistics need neither every picture nor
                    // pixel-exact ones, and this is 3–5× faster on long-GOP HD.
                    d.skip_frame(ff::codec::discard::Discard::NonReference);
                    d.skip_loop_filter(ff::codec::discard::Discard::All);
                    d.set_threading(ff::codec::threading::Config {
                        kind: ff::codec::threading::Type::Frame,
                        count: threads.max(1),
                        ..Default::default()
                    });
                }
                d.video()
            })
            .map_err(|e| MediaError::read(path, "open video decoder", e))?;
        dec.flush();
        Ok(Pass {
            path,
            reader,
            dec,
            info,
            frame: ff::frame::Video::empty(),
            decoded: 0,
            eof: false,
        })
    }

    /// Seek to the keyframe at or before `target`; false when the file cannot seek there.
    fn seek(&mut self, target: Rational) -> bool {
        self.eof = false;
        let ok = self.reader.seek(self.info.origin + target).is_ok();
        self.dec.flush();
        ok
    }

    /// After a seek: read up to the stream's first packet, hand it to the decoder and give its
    /// stamp (where the seek landed); `None` at the end of the file or without a stamp.
    fn land(&mut self) -> Result<Option<i64>, MediaError> {
        loop {
            match self.reader.read_packet() {
                Ok(Some(packet)) => {
                    if packet.stream() == self.info.index {
                        let at = packet.pts().or(packet.dts());
                        // A damaged packet is skipped: this is a measurement, not a render.
                        let _ = self.dec.send_packet(packet);
                        return Ok(at);
                    }
                }
                Ok(None) => {
                    self.eof = true;
                    let _ = self.dec.send_eof();
                    return Ok(None);
                }
                Err(e) => return Err(MediaError::read(self.path, "read", e)),
            }
        }
    }

    /// Decode to the next frame (at or after `at`, when given) into `self.frame`; its time.
    fn next_frame(&mut self, at: Option<Rational>) -> Result<Option<Rational>, MediaError> {
        loop {
            match received(self.dec.receive_frame(&mut self.frame)) {
                Ok(true) => {
                    self.decoded += 1;
                    let t = self
                        .frame
                        .timestamp()
                        .map(|p| self.info.seconds(p))
                        .unwrap_or_default();
                    if at.is_none_or(|a| t >= a) {
                        return Ok(Some(t));
                    }
                    continue;
                }
                // The decoder wants the next packet, or has given every picture.
                Ok(false) => {}
                // A picture the decoder fails on is skipped, like a damaged packet: this is a
                // measurement over many pictures, not a render; the next packet is read.
                Err(_) => {}
            }
            if self.eof || self.decoded > FALLBACK_FRAMES {
                return Ok(None);
            }
            match self.reader.read_packet() {
                Ok(Some(packet)) => {
                    if packet.stream() == self.info.index {
                        // A damaged packet is skipped: this is a measurement, not a render.
                        let _ = self.dec.send_packet(packet);
                    }
                }
                Ok(None) => {
                    self.eof = true;
                    let _ = self.dec.send_eof();
                }
                Err(e) => return Err(MediaError::read(self.path, "read", e)),
            }
        }
    }
}

fn stats(path: &Path, time: Rational, frame: &ff::frame::Video) -> Result<ChromaFrame, MediaError> {
    use ff::format::Pixel;
    // 8-bit limited-range 4:2:0 pictures (most sources) are measured as decoded; others are
    // converted (full-range `yuvj420p` too: its chroma is scaled to limited range).
    let converted;
    let out = if frame.format() == Pixel::YUV420P {
        frame
    } else {
        let args = super::buffer_args(frame, (1, 25), (1, 1));
        let mut g = Graph::chain(Medium::Video, &args, "format=yuv420p", 1)
            .map_err(|e| MediaError::read(path, "convert", e))?;
        let mut out = frame.clone();
        g.through(&mut out)
            .map_err(|e| MediaError::read(path, "convert", e))?;
        converted = out;
        &converted
    };
    let planes = chroma::Planes {
        y: out.data(0),
        u: out.data(1),
        v: out.data(2),
        sy: out.stride(0),
        su: out.stride(1),
        sv: out.stride(2),
        cw: (out.width() as usize).div_ceil(2),
        ch: (out.height() as usize).div_ceil(2),
    };
    Ok(chroma::measure(&planes, time))
}
