//! Chroma measurements for black-and-white detection: a few frames decoded from across the
//! whole file, and for each the chroma cast, the per-pixel chroma spread, and how much of that
//! spread is spatially coherent (survives averaging over blocks) — real colour is coherent,
//! film-grain chroma noise is not, and a uniform cast is neither.

use std::path::Path;

use super::graph::{Graph, Medium};
use super::reader::{Reader, StreamInfo};
use super::{ff, MediaError};
use crate::facts::ChromaFrame;
use crate::time::Rational;

/// Side of the square blocks, in chroma samples.
const BLOCK: usize = 16;

/// Most frames decoded by the sequential fallback (files with too few keyframes to sample).
const FALLBACK_FRAMES: usize = 1500;

/// Measure about `count` frames spread evenly over `duration` seconds of the video stream
/// `stream`. Keyframes near evenly spaced targets are decoded first (one picture each, cheap
/// whatever the GOP length); a file with too few keyframes is decoded from the start instead,
/// picking the frames at the targets.
pub fn measure_chroma(
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
    let mut pass = Pass::open(path, stream, true, threads)?;
    let mut out: Vec<ChromaFrame> = Vec::new();
    for &target in &targets {
        if !pass.seek(target) {
            continue;
        }
        // The keyframe at or before the target (where the seek landed).
        if let Some(t) = pass.next_frame(None)? {
            // Short GOP-less files give the same picture for several targets.
            if out.iter().all(|f| f.time != t) {
                out.push(stats(path, t, &pass.frame)?);
            }
        }
    }
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
            .ok_or_else(|| MediaError::ffmpeg(path, "find video", ff::Error::StreamNotFound))?;
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
            .map_err(|e| MediaError::ffmpeg(path, "open video decoder", e))?;
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

    /// Decode to the next frame (at or after `at`, when given) into `self.frame`; its time.
    fn next_frame(&mut self, at: Option<Rational>) -> Result<Option<Rational>, MediaError> {
        loop {
            while self.dec.receive_frame(&mut self.frame).is_ok() {
                self.decoded += 1;
                let t = self
                    .frame
                    .timestamp()
                    .map(|p| self.info.seconds(p))
                    .unwrap_or_default();
                if at.is_none_or(|a| t >= a) {
                    return Ok(Some(t));
                }
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
                Err(e) => return Err(MediaError::ffmpeg(self.path, "read", e)),
            }
        }
    }
}

fn stats(path: &Path, time: Rational, frame: &ff::frame::Video) -> Result<ChromaFrame, MediaError> {
    let args = super::buffer_args(frame, (1, 25), (1, 1));
    let mut g = Graph::chain(Medium::Video, &args, "format=yuv420p", 1)
        .map_err(|e| MediaError::ffmpeg(path, "convert", e))?;
    let mut out = frame.clone();
    g.through(&mut out)
        .map_err(|e| MediaError::ffmpeg(path, "convert", e))?;
    let cw = (out.width() as usize).div_ceil(2);
    let ch = (out.height() as usize).div_ceil(2);
    let (su, sv) = (out.stride(1), out.stride(2));
    let (u, v) = (out.data(1), out.data(2));
    let at = |p: &[u8], stride: usize, x: usize, y: usize| p[y * stride + x] as f64;
    let n = (cw * ch).max(1) as f64;
    let (mut mu, mut mv) = (0.0, 0.0);
    for y in 0..ch {
        for x in 0..cw {
            mu += at(u, su, x, y);
            mv += at(v, sv, x, y);
        }
    }
    mu /= n;
    mv /= n;
    let mut sq = 0.0;
    for y in 0..ch {
        for x in 0..cw {
            let du = at(u, su, x, y) - mu;
            let dv = at(v, sv, x, y) - mv;
            sq += du * du + dv * dv;
        }
    }
    let pixel_rms = (sq / n).sqrt();
    let mut blocks = Vec::new();
    for by in 0..ch / BLOCK {
        for bx in 0..cw / BLOCK {
            let (mut bu, mut bv) = (0.0, 0.0);
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    bu += at(u, su, x, y);
                    bv += at(v, sv, x, y);
                }
            }
            let k = (BLOCK * BLOCK) as f64;
            blocks.push(((bu / k - mu).powi(2) + (bv / k - mv).powi(2)).sqrt());
        }
    }
    blocks.sort_by(f64::total_cmp);
    let block_p90 = blocks.get(blocks.len() * 9 / 10).copied().unwrap_or(0.0);
    Ok(ChromaFrame {
        time,
        mean_u: mu,
        mean_v: mv,
        pixel_rms,
        block_p90,
        block_samples: BLOCK * BLOCK,
    })
}
