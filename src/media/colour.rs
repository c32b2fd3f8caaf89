//! Chroma measurements for black-and-white detection: a few frames decoded from across the
//! whole file, and for each the chroma cast, the per-pixel chroma spread, and how much of that
//! spread is spatially coherent (survives averaging over blocks) — real colour is coherent,
//! film-grain chroma noise is not, and a uniform cast is neither.

use std::path::Path;

use rayon::prelude::*;

use super::graph::{Graph, Medium};
use super::reader::{Reader, StreamInfo};
use super::{received, MediaError};
use crate::facts::ChromaFrame;
use crate::time::Rational;
use ffmpeg_next as ff;

/// Side of the square blocks, in chroma samples.
const BLOCK: usize = 4;

/// Most groups of keyframe targets measured side by side.
const KEYFRAME_GROUPS: usize = 4;

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
    let planes = Planes {
        y: out.data(0),
        u: out.data(1),
        v: out.data(2),
        sy: out.stride(0),
        su: out.stride(1),
        sv: out.stride(2),
        cw: (out.width() as usize).div_ceil(2),
        ch: (out.height() as usize).div_ceil(2),
    };
    Ok(measure(&planes, time))
}

/// The planes of an 8-bit 4:2:0 picture.
struct Planes<'a> {
    y: &'a [u8],
    u: &'a [u8],
    v: &'a [u8],
    sy: usize,
    su: usize,
    sv: usize,
    /// Chroma width and height.
    cw: usize,
    ch: usize,
}

/// One block's measures.
struct Block {
    /// Mean chroma − 128.
    u: f64,
    v: f64,
    /// Mean absolute chroma step between neighbouring samples (pixel noise and detail).
    step: f64,
    /// |mean deviation from the cast| / mean |deviation|: 1 for a patch of colour, near 0 for
    /// noise or fringes that cancel.
    coherence: f64,
    /// Mean |deviation from the cast| of its samples.
    spread: f64,
    /// The coherence of its 2×2 group of blocks.
    group: f64,
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// The chroma measures of one picture (see [`ChromaFrame`]).
fn measure(p: &Planes, time: Rational) -> ChromaFrame {
    let (cw, ch) = (p.cw, p.ch);
    let at = |plane: &[u8], stride: usize, x: usize, y: usize| plane[y * stride + x] as f64;
    let n = (cw * ch).max(1) as f64;
    let (mut mu, mut mv) = (0.0, 0.0);
    for y in 0..ch {
        for x in 0..cw {
            mu += at(p.u, p.su, x, y);
            mv += at(p.v, p.sv, x, y);
        }
    }
    mu /= n;
    mv /= n;
    let mut sq = 0.0;
    for y in 0..ch {
        for x in 0..cw {
            let du = at(p.u, p.su, x, y) - mu;
            let dv = at(p.v, p.sv, x, y) - mv;
            sq += du * du + dv * dv;
        }
    }
    let pixel_rms = (sq / n).sqrt();
    // Blocks of BLOCK × BLOCK chroma samples (2·BLOCK luma pixels square).
    let mut sums = Vec::new();
    for by in 0..ch / BLOCK {
        for bx in 0..cw / BLOCK {
            let (mut bu, mut bv, mut step, mut edge) = (0.0, 0.0, 0.0, 0.0);
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let (u, v) = (at(p.u, p.su, x, y), at(p.v, p.sv, x, y));
                    bu += u;
                    bv += v;
                    // Vertical steps: DV's 4:1:1 chroma repeats samples across, not down.
                    if y + 1 < (by + 1) * BLOCK {
                        step += (at(p.u, p.su, x, y + 1) - u).abs()
                            + (at(p.v, p.sv, x, y + 1) - v).abs();
                    }
                }
            }
            let mut luma = 0.0;
            for y in 2 * by * BLOCK..2 * (by + 1) * BLOCK {
                for x in 2 * bx * BLOCK..2 * (bx + 1) * BLOCK - 1 {
                    let l = at(p.y, p.sy, x, y);
                    luma += l;
                    edge += (at(p.y, p.sy, x + 1, y) - l).abs();
                }
            }
            let k = (BLOCK * BLOCK) as f64;
            sums.push((
                bx,
                by,
                bu / k - 128.0,
                bv / k - 128.0,
                edge / (4.0 * k),
                step / (2.0 * (BLOCK * (BLOCK - 1)) as f64),
                luma / (4.0 * k),
            ));
        }
    }
    let block_p90 = percentile(
        sums.iter()
            .map(|b| ((b.2 + 128.0 - mu).powi(2) + (b.3 + 128.0 - mv).powi(2)).sqrt())
            .collect(),
        0.9,
    );
    // The picture's cast: the median block's chroma (a small coloured object does not move it).
    // Measured on the lit blocks when there are enough of them: shadows are neutral in any
    // toning, and a dark picture's median block would hide its cast.
    let lit: Vec<_> = sums.iter().filter(|b| b.6 >= LIT).collect();
    let lit = if lit.len() * 50 >= sums.len().max(1) {
        lit
    } else {
        sums.iter().collect()
    };
    let cast = (
        percentile(lit.iter().map(|b| b.2).collect(), 0.5),
        percentile(lit.iter().map(|b| b.3).collect(), 0.5),
    );
    // Chroma as a straight line in luma, fitted over the unclipped blocks: a toning (silver
    // turned sepia, a blue toning) maps every grey to one hue with a strength that grows with
    // its brightness from neutral blacks — in a dark picture that is the only trace of it, as
    // its median block is black. Real colour is not a function of luma.
    let (mut n, mut sx, mut sxx, mut su, mut sxu, mut sv, mut sxv) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for b in sums.iter().filter(|b| b.6 <= UNCLIPPED) {
        let x = b.6 - BLACK;
        n += 1.0;
        sx += x;
        sxx += x * x;
        su += b.2;
        sxu += x * b.2;
        sv += b.3;
        sxv += x * b.3;
    }
    let (black, grey) = {
        let det = n * sxx - sx * sx;
        if n == 0.0 {
            ((0.0, 0.0), (0.0, 0.0))
        } else if det <= n * n {
            // Luma spread under one code value: no slope to fit.
            ((su / n, sv / n), (su / n, sv / n))
        } else {
            let (ku, kv) = ((n * sxu - sx * su) / det, (n * sxv - sx * sv) / det);
            let (u0, v0) = ((su - ku * sx) / n, (sv - kv * sx) / n);
            let at = MID_GREY - BLACK;
            ((u0, v0), (u0 + ku * at, v0 + kv * at))
        }
    };
    // How coherent each block's chroma is around the cast: the length of its mean deviation
    // over the mean length of its samples' deviations. A patch of colour is 1; noise, grain and
    // the opposite-hued fringes either side of an edge cancel towards 0.
    let blocks: Vec<Block> = sums
        .iter()
        .map(|&(bx, by, u, v, _edge, step, _)| {
            let mut r = 0.0;
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let du = at(p.u, p.su, x, y) - 128.0 - cast.0;
                    let dv = at(p.v, p.sv, x, y) - 128.0 - cast.1;
                    r += (du * du + dv * dv).sqrt();
                }
            }
            r /= (BLOCK * BLOCK) as f64;
            let m = ((u - cast.0).powi(2) + (v - cast.1).powi(2)).sqrt();
            Block {
                u,
                v,
                step,
                coherence: if r > 0.0 { m / r } else { 0.0 },
                spread: r,
                group: 0.0,
            }
        })
        .collect();
    // Pixel noise → what it leaves in a block mean: a step between neighbours of noise with
    // deviation σ averages 2σ/√π per channel; a mean over BLOCK² samples keeps σ/BLOCK per
    // channel, √2·σ/BLOCK as a U–V distance.
    let sigma = percentile(blocks.iter().map(|b| b.step).collect(), 0.5) / 1.128;
    // Chroma upsampled from fewer samples across (DV's 4:1:1) repeats them: fewer independent
    // samples per block, so more noise left in its mean. The across/down step ratio says how many.
    let (mut across, mut down) = (0.0, 0.0);
    for y in (0..ch.saturating_sub(1)).step_by(2) {
        for x in 0..cw.saturating_sub(1) {
            let u = at(p.u, p.su, x, y);
            across += (at(p.u, p.su, x + 1, y) - u).abs();
            down += (at(p.u, p.su, x, y + 1) - u).abs();
        }
    }
    let independent = if down > 0.0 {
        (across / down).clamp(0.25, 1.0)
    } else {
        1.0
    };
    let noise = std::f64::consts::SQRT_2 * sigma / (BLOCK as f64 * independent.sqrt());
    // Chroma off the tone line: toned and cast pictures have all their chroma along one hue
    // through neutral; real colour leaves it.
    let norm = (cast.0 * cast.0 + cast.1 * cast.1).sqrt();
    let off_tone = |b: &Block| {
        if norm >= TONE_MIN {
            ((b.u * cast.1 - b.v * cast.0) / norm).abs()
        } else {
            ((b.u - cast.0).powi(2) + (b.v - cast.1).powi(2)).sqrt()
        }
    };
    // Coherence of each 2×2 group of blocks: a spot of colour stays coherent, the opposite hues
    // either side of an edge (fringing) cancel at this scale.
    let mut blocks = blocks;
    let cols = (cw / BLOCK).max(1);
    let group: Vec<f64> = (0..blocks.len())
        .map(|i| {
            let (bx, by) = ((i % cols) & !1, (i / cols) & !1);
            let (mut su, mut sv, mut sr) = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                if let Some(b) = blocks
                    .get((by + dy) * cols + bx + dx)
                    .filter(|_| bx + dx < cols)
                {
                    su += b.u - cast.0;
                    sv += b.v - cast.1;
                    sr += b.spread;
                }
            }
            if sr > 0.0 {
                (su * su + sv * sv).sqrt() / sr
            } else {
                0.0
            }
        })
        .collect();
    for (b, g) in blocks.iter_mut().zip(group) {
        b.group = g;
    }
    let coherent: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.coherence >= COHERENT && b.group >= GROUP_COHERENT)
        .collect();
    let strong = percentile(coherent.iter().map(|b| off_tone(b)).collect(), 0.99);
    let floor = (4.0f64).max(4.0 * noise);
    // Hues of the clearly coloured coherent blocks: a toning has one, real colour several.
    let vivid: Vec<&&Block> = coherent
        .iter()
        .filter(|b| (b.u * b.u + b.v * b.v).sqrt() > floor)
        .collect();
    // Fringing: a scan's misregistered colour planes leave chroma that follows the signed luma
    // gradient (R and B are shifted copies of G), so it is explained by a linear fit on the
    // gradient; a patch of colour or a coloured light is not.
    let mut vivid_at = Vec::new();
    let fringe = {
        let (mut n, mut fringed) = (0usize, 0usize);
        for (i, b) in blocks.iter().enumerate() {
            let vivid = b.coherence >= COHERENT
                && b.group >= GROUP_COHERENT
                && (b.u * b.u + b.v * b.v).sqrt() > floor;
            if !vivid {
                continue;
            }
            n += 1;
            vivid_at.push(i);
            let (bx, by) = (i % cols, i / cols);
            if follows_gradient(p, bx, by, cast) >= FRINGE_FIT {
                fringed += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            fringed as f64 / n as f64
        }
    };
    let hue_spread = if vivid.len() < 4 {
        0.0
    } else {
        let hues: Vec<f64> = vivid.iter().map(|b| b.v.atan2(b.u)).collect();
        let (s, c) = hues
            .iter()
            .fold((0.0, 0.0), |(s, c), h| (s + h.sin(), c + h.cos()));
        let main = s.atan2(c);
        hues.iter()
            .filter(|h| {
                let d = (**h - main).rem_euclid(std::f64::consts::TAU);
                d.min(std::f64::consts::TAU - d) > HUE_APART
            })
            .count() as f64
            / hues.len() as f64
    };
    let (shift_fit, shift_u, shift_v) = plane_shift(p, &vivid_at, cols, cast);
    ChromaFrame {
        time,
        mean_u: mu,
        mean_v: mv,
        pixel_rms,
        block_p90,
        block_samples: BLOCK * BLOCK,
        strong,
        noise,
        fringe,
        hue_spread,
        cast_u: cast.0,
        cast_v: cast.1,
        shift_fit,
        shift_u,
        shift_v,
        luma_black_u: black.0,
        luma_black_v: black.1,
        luma_grey_u: grey.0,
        luma_grey_v: grey.1,
    }
}

/// Misregistered colour planes, fitted over the whole picture: a scan whose red and blue
/// planes sit a few pixels off the green leaves chroma that is the difference between the luma a
/// few pixels away and the luma here — one displacement for V (the red plane), one for U (the
/// blue), the same across the picture. For each channel the displacement whose luma difference
/// best explains it (rising with it) is found among ±`SHIFT_X` × ±`SHIFT_Y` luma pixels, then both
/// channels are fitted on the two differences together. Gives the share of the coloured
/// regions' chroma energy the fit explains and the two displacements (U's, V's). A patch of
/// colour keeps its chroma inside, where luma differences vanish; two lights of different hues
/// need two factors — neither fits.
fn plane_shift(
    p: &Planes,
    vivid: &[usize],
    cols: usize,
    cast: (f64, f64),
) -> (f64, (i8, i8), (i8, i8)) {
    let (lw, lh) = (2 * p.cw, 2 * p.ch);
    let margin = (SHIFT_X + 1).max(SHIFT_Y + 1) as usize;
    // The chroma samples of the coloured blocks (every n-th block past SHIFT_SAMPLES).
    let step = (vivid.len() * BLOCK * BLOCK).div_ceil(SHIFT_SAMPLES).max(1);
    let mut samples: Vec<(usize, usize, f64, f64)> = Vec::new();
    for &i in vivid.iter().step_by(step) {
        let (bx, by) = (i % cols, i / cols);
        for cy in by * BLOCK..(by + 1) * BLOCK {
            for cx in bx * BLOCK..(bx + 1) * BLOCK {
                let (lx, ly) = (2 * cx, 2 * cy);
                if lx < margin || ly < margin || lx + margin + 1 >= lw || ly + margin + 1 >= lh {
                    continue;
                }
                let u = p.u[cy * p.su + cx] as f64 - 128.0 - cast.0;
                let v = p.v[cy * p.sv + cx] as f64 - 128.0 - cast.1;
                samples.push((lx, ly, u, v));
            }
        }
    }
    if samples.len() < 64 {
        return (0.0, (0, 0), (0, 0));
    }
    // Luma of the 2 × 2 pixels a chroma sample covers, displaced by (dx, dy).
    let luma = |lx: usize, ly: usize, dx: i32, dy: i32| -> f64 {
        let (x, y) = ((lx as i32 + dx) as usize, (ly as i32 + dy) as usize);
        let row = |y: usize| p.y[y * p.sy + x] as f64 + p.y[y * p.sy + x + 1] as f64;
        (row(y) + row(y + 1)) / 4.0
    };
    let n = samples.len() as f64;
    let mu = samples.iter().map(|s| s.2).sum::<f64>() / n;
    let mv = samples.iter().map(|s| s.3).sum::<f64>() / n;
    let var_u: f64 = samples.iter().map(|s| (s.2 - mu).powi(2)).sum();
    let var_v: f64 = samples.iter().map(|s| (s.3 - mv).powi(2)).sum();
    if var_u + var_v <= 0.0 {
        return (0.0, (0, 0), (0, 0));
    }
    // Each sample's own luma, read once.
    let here: Vec<f64> = samples
        .iter()
        .map(|&(lx, ly, _, _)| luma(lx, ly, 0, 0))
        .collect();
    // How well the luma difference at (dx, dy) explains U and V (single-regressor r², rising
    // only: the displaced plane's own luma moving in lifts its channel).
    let score = |dx: i32, dy: i32| -> (f64, f64) {
        let (mut sd, mut sdd, mut sdu, mut sdv) = (0.0, 0.0, 0.0, 0.0);
        for (&(lx, ly, u, v), &h) in samples.iter().zip(&here) {
            let d = luma(lx, ly, dx, dy) - h;
            sd += d;
            sdd += d * d;
            sdu += d * (u - mu);
            sdv += d * (v - mv);
        }
        let var_d = sdd - sd * sd / n;
        let r2 = |s: f64, var: f64| {
            if s > 0.0 && var > 0.0 && var_d > 0.0 {
                s * s / (var_d * var)
            } else {
                0.0
            }
        };
        (r2(sdu, var_u), r2(sdv, var_v))
    };
    type Best = ((f64, (i32, i32)), (f64, (i32, i32)));
    let consider = |best: &mut Best, dx: i32, dy: i32| {
        if (dx == 0 && dy == 0) || dx.abs() > SHIFT_X || dy.abs() > SHIFT_Y {
            return;
        }
        let (ru, rv) = score(dx, dy);
        if ru > best.0 .0 {
            best.0 = (ru, (dx, dy));
        }
        if rv > best.1 .0 {
            best.1 = (rv, (dx, dy));
        }
    };
    let mut best: Best = ((0.0, (0, 0)), (0.0, (0, 0)));
    // Every second displacement first, then the neighbours of each channel's best.
    for dy in (-SHIFT_Y..=SHIFT_Y).step_by(2) {
        for dx in (-SHIFT_X..=SHIFT_X).step_by(2) {
            consider(&mut best, dx, dy);
        }
    }
    for centre in [best.0 .1, best.1 .1] {
        for (ex, ey) in [
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ] {
            consider(&mut best, centre.0 + ex, centre.1 + ey);
        }
    }
    let (best_u, best_v) = best;
    // Both channels on both differences together.
    let (a, b) = (best_u.1, best_v.1);
    let rows: Vec<(f64, f64, f64, f64)> = samples
        .iter()
        .zip(&here)
        .map(|(&(lx, ly, u, v), &h)| {
            (
                luma(lx, ly, a.0, a.1) - h,
                luma(lx, ly, b.0, b.1) - h,
                u - mu,
                v - mv,
            )
        })
        .collect();
    let share = explained_share(&rows, true).unwrap_or_else(|| {
        ((best_u.0 * var_u + best_v.0 * var_v) / (var_u + var_v)).clamp(0.0, 1.0)
    });
    let px = |d: (i32, i32)| (d.0 as i8, d.1 as i8);
    (share, px(a), px(b))
}

/// Displacements searched for misregistered planes, in luma pixels either way.
const SHIFT_X: i32 = 8;
const SHIFT_Y: i32 = 4;
/// Most chroma samples the plane fit reads per picture.
const SHIFT_SAMPLES: usize = 4096;

/// How much of a block's chroma (around the cast) a linear fit on the signed luma gradient
/// explains: R² of `(U, V) ≈ A · (∂Y/∂x, ∂Y/∂y)` over its samples (0 when the block is flat).
/// The gradient is taken one pixel either side: coarser ones (tried: 2 and 4 pixels) follow
/// DV's horizontally upsampled 4:1:1 chroma too, and took faint DV colour for fringing.
fn follows_gradient(p: &Planes, bx: usize, by: usize, cast: (f64, f64)) -> f64 {
    let at = |plane: &[u8], stride: usize, x: usize, y: usize| plane[y * stride + x] as f64;
    let (lw, lh) = (2 * p.cw, 2 * p.ch);
    let mut rows = Vec::with_capacity(BLOCK * BLOCK);
    for y in by * BLOCK..(by + 1) * BLOCK {
        for x in bx * BLOCK..(bx + 1) * BLOCK {
            let (lx, ly) = (2 * x, 2 * y);
            if lx == 0 || ly == 0 || lx + 1 >= lw || ly + 1 >= lh {
                continue;
            }
            let gx = at(p.y, p.sy, lx + 1, ly) - at(p.y, p.sy, lx - 1, ly);
            let gy = at(p.y, p.sy, lx, ly + 1) - at(p.y, p.sy, lx, ly - 1);
            let du = at(p.u, p.su, x, y) - 128.0 - cast.0;
            let dv = at(p.v, p.sv, x, y) - 128.0 - cast.1;
            rows.push((gx, gy, du, dv));
        }
    }
    explained_share(&rows, false).unwrap_or(0.0)
}

/// Least squares of U and of V on two regressors, rows `(x1, x2, u, v)`: the share of the
/// chroma's energy (`Σ u² + v²`, around the means when `centre`) the fit explains; `None` when
/// the regressors do not span two directions or there is no chroma.
fn explained_share(rows: &[(f64, f64, f64, f64)], centre: bool) -> Option<f64> {
    let n = rows.len().max(1) as f64;
    let mean = |f: fn(&(f64, f64, f64, f64)) -> f64| {
        if centre {
            rows.iter().map(f).sum::<f64>() / n
        } else {
            0.0
        }
    };
    let (m1, m2, mu, mv) = (mean(|r| r.0), mean(|r| r.1), mean(|r| r.2), mean(|r| r.3));
    let (mut s11, mut s12, mut s22, mut s1u, mut s2u, mut s1v, mut s2v, mut total) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x1, x2, u, v) in rows {
        let (x1, x2, u, v) = (x1 - m1, x2 - m2, u - mu, v - mv);
        s11 += x1 * x1;
        s12 += x1 * x2;
        s22 += x2 * x2;
        s1u += x1 * u;
        s2u += x2 * u;
        s1v += x1 * v;
        s2v += x2 * v;
        total += u * u + v * v;
    }
    let det = s11 * s22 - s12 * s12;
    if det.abs() < 1e-6 || total <= 0.0 {
        return None;
    }
    // The explained sum of squares of a least-squares fit is bᵀ·Xᵀy.
    let fit = |s1: f64, s2: f64| {
        let (c1, c2) = ((s22 * s1 - s12 * s2) / det, (s11 * s2 - s12 * s1) / det);
        (c1 * s1 + c2 * s2).max(0.0)
    };
    Some(((fit(s1u, s2u) + fit(s1v, s2v)) / total).clamp(0.0, 1.0))
}

/// A block whose chroma a gradient fit explains this well is a fringe.
const FRINGE_FIT: f64 = 0.6;

/// A cast at least this far from neutral defines a tone line (8-bit code values).
const TONE_MIN: f64 = 1.0;
/// Blocks at least this coherent count as patches of colour…
const COHERENT: f64 = 0.6;
/// …when their 2×2 group is at least this coherent too.
const GROUP_COHERENT: f64 = 0.4;
/// Blocks at least this bright (mean luma, 8-bit) are lit: the cast is measured on them.
const LIT: f64 = 48.0;
/// Blocks brighter than this (mean luma, 8-bit) may be clipped by a toning (sepia's red
/// saturates first): the luma fit leaves them out.
const UNCLIPPED: f64 = 200.0;
/// Video black and mid-grey (8-bit limited range): where the luma fit is read.
const BLACK: f64 = 16.0;
const MID_GREY: f64 = 126.0;
/// Hues further apart than this (radians, 40°) are different colours.
const HUE_APART: f64 = 0.7;
