//! Chroma measurements for black-and-white detection: a few frames decoded from across the
//! whole file, and for each the chroma cast, the per-pixel chroma spread, and how much of that
//! spread is spatially coherent (survives averaging over blocks) — real colour is coherent,
//! film-grain chroma noise is not, and a uniform cast is neither.

use std::path::Path;

use super::segment::graph;
use super::{ff, open_input, MediaError};
use crate::edl::time::Rational;

/// Chroma statistics of one decoded frame (8-bit 4:2:0 chroma planes, 128 = neutral).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChromaFrame {
    /// Source time of the frame, seconds.
    pub time: Rational,
    /// Mean U and V (the frame's cast is `mean − 128`).
    pub mean_u: f64,
    pub mean_v: f64,
    /// RMS distance of chroma samples from the frame's mean chroma.
    pub pixel_rms: f64,
    /// 90th percentile, over blocks, of the distance of a block's mean chroma from the frame's
    /// mean chroma.
    pub block_p90: f64,
    /// Chroma samples per block (the noise in a block mean shrinks with its square root).
    pub block_samples: usize,
}

/// Side of the square blocks, in chroma samples.
const BLOCK: usize = 16;

/// Measure `count` frames spread evenly over `duration` seconds of the video stream `stream`.
pub fn measure_chroma(
    path: &Path,
    stream: usize,
    duration: Rational,
    count: usize,
) -> Result<Vec<ChromaFrame>, MediaError> {
    let mut ictx = open_input(path)?;
    let st = ictx
        .stream(stream)
        .ok_or_else(|| MediaError::ffmpeg(path, "find video", ff::Error::StreamNotFound))?;
    let tb = st.time_base();
    let tbr = Rational::new(tb.numerator() as i64, tb.denominator().max(1) as i64);
    let origin = if st.start_time() == ff::ffi::AV_NOPTS_VALUE {
        Rational::from_integer(0)
    } else {
        tbr * st.start_time()
    };
    let params = st.parameters();
    let mut dec = ff::codec::context::Context::from_parameters(params)
        .and_then(|c| {
            let mut d = c.decoder();
            d.set_packet_time_base(tb);
            d.video()
        })
        .map_err(|e| MediaError::ffmpeg(path, "open video decoder", e))?;
    let mut out = Vec::new();
    let mut frame = ff::frame::Video::empty();
    let mut packet = ff::Packet::empty();
    for i in 0..count.max(1) {
        let target = duration * Rational::new(2 * i as i64 + 1, 2 * count.max(1) as i64);
        let ts = ((origin + target) * (ff::ffi::AV_TIME_BASE as i64))
            .floor()
            .to_integer();
        if ictx.seek(ts, ..ts).is_err() {
            continue;
        }
        dec.flush();
        let mut got = None;
        // Decode forward to the first frame at or after the target.
        'read: loop {
            match packet.read(&mut ictx) {
                Ok(()) => {}
                Err(ff::Error::Eof) => break,
                Err(e) => return Err(MediaError::ffmpeg(path, "read", e)),
            }
            if packet.stream() != stream {
                continue;
            }
            if dec.send_packet(&packet).is_err() {
                continue;
            }
            while dec.receive_frame(&mut frame).is_ok() {
                let t = frame
                    .timestamp()
                    .map(|p| tbr * p - origin)
                    .unwrap_or(target);
                if t >= target {
                    got = Some((t, frame.clone()));
                    break 'read;
                }
            }
        }
        if let Some((t, f)) = got {
            out.push(stats(path, t, &f)?);
        }
    }
    Ok(out)
}

fn stats(path: &Path, time: Rational, frame: &ff::frame::Video) -> Result<ChromaFrame, MediaError> {
    let args = format!(
        "video_size={}x{}:pix_fmt={}:time_base=1/25:pixel_aspect=1/1",
        frame.width(),
        frame.height(),
        ff::ffi::AVPixelFormat::from(frame.format()) as i32
    );
    let mut g = graph(&args, "format=yuv420p", false, 1)
        .map_err(|e| MediaError::ffmpeg(path, "convert", e))?;
    if let Some(mut src) = g.get("in") {
        src.source()
            .add(frame)
            .map_err(|e| MediaError::ffmpeg(path, "convert", e))?;
    }
    let mut out = ff::frame::Video::empty();
    g.get("out")
        .map(|mut c| c.sink().frame(&mut out))
        .unwrap_or(Err(ff::Error::Bug))
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
