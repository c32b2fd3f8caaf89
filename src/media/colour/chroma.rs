//! The chroma measures of one decoded picture (see [`ChromaFrame`]): means, blocks, the cast,
//! the luma line, noise, coherence, fringing, hues and misregistered planes. Pure arithmetic on
//! the planes of an 8-bit 4:2:0 picture; [`super`] decodes the pictures.

use crate::facts::ChromaFrame;
use crate::time::Rational;

/// Side of the square blocks, in chroma samples.
const BLOCK: usize = 4;

/// The planes of an 8-bit 4:2:0 picture.
pub(super) struct Planes<'a> {
    pub(super) y: &'a [u8],
    pub(super) u: &'a [u8],
    pub(super) v: &'a [u8],
    pub(super) sy: usize,
    pub(super) su: usize,
    pub(super) sv: usize,
    /// Chroma width and height.
    pub(super) cw: usize,
    pub(super) ch: usize,
}

impl Planes<'_> {
    fn luma(&self, x: usize, y: usize) -> f64 {
        self.y[y * self.sy + x] as f64
    }
    fn u(&self, x: usize, y: usize) -> f64 {
        self.u[y * self.su + x] as f64
    }
    fn v(&self, x: usize, y: usize) -> f64 {
        self.v[y * self.sv + x] as f64
    }
    /// Blocks across.
    fn cols(&self) -> usize {
        (self.cw / BLOCK).max(1)
    }
}

/// What one block's samples add up to, before the picture's cast is known.
#[derive(Clone, Copy)]
struct BlockSums {
    /// The block's place, in blocks.
    bx: usize,
    by: usize,
    /// Mean chroma − 128.
    u: f64,
    v: f64,
    /// Mean absolute vertical chroma step between neighbouring samples.
    step: f64,
    /// Mean luma (8-bit).
    luma: f64,
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

impl Block {
    /// A patch of colour: coherent itself and in its 2×2 group.
    fn coherent(&self) -> bool {
        self.coherence >= COHERENT && self.group >= GROUP_COHERENT
    }
    /// Distance of its chroma from neutral.
    fn strength(&self) -> f64 {
        (self.u * self.u + self.v * self.v).sqrt()
    }
}

/// The chroma of grey along luma: where the fitted line is at video black and at mid-grey.
struct LumaLine {
    black: (f64, f64),
    grey: (f64, f64),
}

/// Misregistered colour planes (see [`plane_shift`]): the share of the coloured regions' chroma
/// energy the fit explains, and the displacements of U's and V's planes in luma pixels.
struct PlaneShift {
    fit: f64,
    u: (i8, i8),
    v: (i8, i8),
}

impl PlaneShift {
    const NONE: PlaneShift = PlaneShift {
        fit: 0.0,
        u: (0, 0),
        v: (0, 0),
    };
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
pub(super) fn measure(p: &Planes, time: Rational) -> ChromaFrame {
    let (mu, mv) = chroma_means(p);
    let pixel_rms = pixel_rms(p, (mu, mv));
    let sums = block_sums(p);
    let block_p90 = percentile(
        sums.iter()
            .map(|b| ((b.u + 128.0 - mu).powi(2) + (b.v + 128.0 - mv).powi(2)).sqrt())
            .collect(),
        0.9,
    );
    let cast = cast(&sums);
    let line = luma_line(&sums);
    let blocks = blocks(p, &sums, cast);
    let noise = noise(p, &blocks);
    let coherent: Vec<&Block> = blocks.iter().filter(|b| b.coherent()).collect();
    let strong = percentile(coherent.iter().map(|b| off_tone(b, cast)).collect(), 0.99);
    let floor = (4.0f64).max(4.0 * noise);
    // Hues of the clearly coloured coherent blocks: a toning has one, real colour several.
    let vivid: Vec<&Block> = coherent
        .into_iter()
        .filter(|b| b.strength() > floor)
        .collect();
    let (fringe, vivid_at) = fringe(p, &blocks, floor, cast);
    let hue_spread = hue_spread(&vivid);
    let shift = plane_shift(p, &vivid_at, p.cols(), cast);
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
        shift_fit: shift.fit,
        shift_u: shift.u,
        shift_v: shift.v,
        luma_black_u: line.black.0,
        luma_black_v: line.black.1,
        luma_grey_u: line.grey.0,
        luma_grey_v: line.grey.1,
    }
}

/// Mean U and V (8-bit code values).
fn chroma_means(p: &Planes) -> (f64, f64) {
    let n = (p.cw * p.ch).max(1) as f64;
    let (mut mu, mut mv) = (0.0, 0.0);
    for y in 0..p.ch {
        for x in 0..p.cw {
            mu += p.u(x, y);
            mv += p.v(x, y);
        }
    }
    (mu / n, mv / n)
}

/// The root mean square distance of the chroma samples from their mean.
fn pixel_rms(p: &Planes, (mu, mv): (f64, f64)) -> f64 {
    let n = (p.cw * p.ch).max(1) as f64;
    let mut sq = 0.0;
    for y in 0..p.ch {
        for x in 0..p.cw {
            let du = p.u(x, y) - mu;
            let dv = p.v(x, y) - mv;
            sq += du * du + dv * dv;
        }
    }
    (sq / n).sqrt()
}

/// Blocks of BLOCK × BLOCK chroma samples (2·BLOCK luma pixels square), row by row.
fn block_sums(p: &Planes) -> Vec<BlockSums> {
    let mut sums = Vec::new();
    for by in 0..p.ch / BLOCK {
        for bx in 0..p.cw / BLOCK {
            let (mut bu, mut bv, mut step) = (0.0, 0.0, 0.0);
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let (u, v) = (p.u(x, y), p.v(x, y));
                    bu += u;
                    bv += v;
                    // Vertical steps: DV's 4:1:1 chroma repeats samples across, not down.
                    if y + 1 < (by + 1) * BLOCK {
                        step += (p.u(x, y + 1) - u).abs() + (p.v(x, y + 1) - v).abs();
                    }
                }
            }
            let mut luma = 0.0;
            for y in 2 * by * BLOCK..2 * (by + 1) * BLOCK {
                for x in 2 * bx * BLOCK..2 * (bx + 1) * BLOCK - 1 {
                    luma += p.luma(x, y);
                }
            }
            let k = (BLOCK * BLOCK) as f64;
            sums.push(BlockSums {
                bx,
                by,
                u: bu / k - 128.0,
                v: bv / k - 128.0,
                step: step / (2.0 * (BLOCK * (BLOCK - 1)) as f64),
                luma: luma / (4.0 * k),
            });
        }
    }
    sums
}

/// The picture's cast: the median block's chroma (a small coloured object does not move it).
/// Measured on the lit blocks when there are enough of them: shadows are neutral in any
/// toning, and a dark picture's median block would hide its cast.
fn cast(sums: &[BlockSums]) -> (f64, f64) {
    let lit: Vec<_> = sums.iter().filter(|b| b.luma >= LIT).collect();
    let lit = if lit.len() * 50 >= sums.len().max(1) {
        lit
    } else {
        sums.iter().collect()
    };
    (
        percentile(lit.iter().map(|b| b.u).collect(), 0.5),
        percentile(lit.iter().map(|b| b.v).collect(), 0.5),
    )
}

/// Chroma as a straight line in luma, fitted over the unclipped blocks: a toning (silver
/// turned sepia, a blue toning) maps every grey to one hue with a strength that grows with
/// its brightness from neutral blacks — in a dark picture that is the only trace of it, as
/// its median block is black. Real colour is not a function of luma.
fn luma_line(sums: &[BlockSums]) -> LumaLine {
    let (mut n, mut sx, mut sxx, mut su, mut sxu, mut sv, mut sxv) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for b in sums.iter().filter(|b| b.luma <= UNCLIPPED) {
        let x = b.luma - BLACK;
        n += 1.0;
        sx += x;
        sxx += x * x;
        su += b.u;
        sxu += x * b.u;
        sv += b.v;
        sxv += x * b.v;
    }
    let det = n * sxx - sx * sx;
    let (black, grey) = if n == 0.0 {
        ((0.0, 0.0), (0.0, 0.0))
    } else if det <= n * n {
        // Luma spread under one code value: no slope to fit.
        ((su / n, sv / n), (su / n, sv / n))
    } else {
        let (ku, kv) = ((n * sxu - sx * su) / det, (n * sxv - sx * sv) / det);
        let (u0, v0) = ((su - ku * sx) / n, (sv - kv * sx) / n);
        let at = MID_GREY - BLACK;
        ((u0, v0), (u0 + ku * at, v0 + kv * at))
    };
    LumaLine { black, grey }
}

/// How coherent each block's chroma is around the cast: the length of its mean deviation
/// over the mean length of its samples' deviations. A patch of colour is 1; noise, grain and
/// the opposite-hued fringes either side of an edge cancel towards 0. Then the same for each
/// 2×2 group of blocks.
fn blocks(p: &Planes, sums: &[BlockSums], cast: (f64, f64)) -> Vec<Block> {
    let mut blocks: Vec<Block> = sums
        .iter()
        .map(|s| {
            let mut r = 0.0;
            for y in s.by * BLOCK..(s.by + 1) * BLOCK {
                for x in s.bx * BLOCK..(s.bx + 1) * BLOCK {
                    let du = p.u(x, y) - 128.0 - cast.0;
                    let dv = p.v(x, y) - 128.0 - cast.1;
                    r += (du * du + dv * dv).sqrt();
                }
            }
            r /= (BLOCK * BLOCK) as f64;
            let m = ((s.u - cast.0).powi(2) + (s.v - cast.1).powi(2)).sqrt();
            Block {
                u: s.u,
                v: s.v,
                step: s.step,
                coherence: if r > 0.0 { m / r } else { 0.0 },
                spread: r,
                group: 0.0,
            }
        })
        .collect();
    let group = group_coherence(&blocks, p.cols(), cast);
    for (b, g) in blocks.iter_mut().zip(group) {
        b.group = g;
    }
    blocks
}

/// Coherence of each block's 2×2 group of blocks: a spot of colour stays coherent, the opposite
/// hues either side of an edge (fringing) cancel at this scale.
fn group_coherence(blocks: &[Block], cols: usize, cast: (f64, f64)) -> Vec<f64> {
    (0..blocks.len())
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
        .collect()
}

/// What pixel noise leaves in a block mean, as a U–V distance.
///
/// A step between neighbours of noise with deviation σ averages 2σ/√π per channel; a mean over
/// BLOCK² samples keeps σ/BLOCK per channel, √2·σ/BLOCK as a U–V distance. Chroma upsampled
/// from fewer samples across (DV's 4:1:1) repeats them: fewer independent samples per block,
/// so more noise left in its mean. The across/down step ratio says how many.
fn noise(p: &Planes, blocks: &[Block]) -> f64 {
    let sigma = percentile(blocks.iter().map(|b| b.step).collect(), 0.5) / 1.128;
    let (mut across, mut down) = (0.0, 0.0);
    for y in (0..p.ch.saturating_sub(1)).step_by(2) {
        for x in 0..p.cw.saturating_sub(1) {
            let u = p.u(x, y);
            across += (p.u(x + 1, y) - u).abs();
            down += (p.u(x, y + 1) - u).abs();
        }
    }
    let independent = if down > 0.0 {
        (across / down).clamp(0.25, 1.0)
    } else {
        1.0
    };
    std::f64::consts::SQRT_2 * sigma / (BLOCK as f64 * independent.sqrt())
}

/// Chroma off the tone line: toned and cast pictures have all their chroma along one hue
/// through neutral; real colour leaves it.
fn off_tone(b: &Block, cast: (f64, f64)) -> f64 {
    let norm = (cast.0 * cast.0 + cast.1 * cast.1).sqrt();
    if norm >= TONE_MIN {
        ((b.u * cast.1 - b.v * cast.0) / norm).abs()
    } else {
        ((b.u - cast.0).powi(2) + (b.v - cast.1).powi(2)).sqrt()
    }
}

/// Fringing: a scan's misregistered colour planes leave chroma that follows the signed luma
/// gradient (R and B are shifted copies of G), so it is explained by a linear fit on the
/// gradient; a patch of colour or a coloured light is not. The share of the vivid blocks that
/// are fringes, and where the vivid blocks are (their indices).
fn fringe(p: &Planes, blocks: &[Block], floor: f64, cast: (f64, f64)) -> (f64, Vec<usize>) {
    let cols = p.cols();
    let mut vivid_at = Vec::new();
    let (mut n, mut fringed) = (0usize, 0usize);
    for (i, b) in blocks.iter().enumerate() {
        if !(b.coherent() && b.strength() > floor) {
            continue;
        }
        n += 1;
        vivid_at.push(i);
        let (bx, by) = (i % cols, i / cols);
        if follows_gradient(p, bx, by, cast) >= FRINGE_FIT {
            fringed += 1;
        }
    }
    let share = if n == 0 {
        0.0
    } else {
        fringed as f64 / n as f64
    };
    (share, vivid_at)
}

/// The share of the vivid blocks whose hue is further than [`HUE_APART`] from their main hue
/// (0 with fewer than four).
fn hue_spread(vivid: &[&Block]) -> f64 {
    if vivid.len() < 4 {
        return 0.0;
    }
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
}

/// A chroma sample of a coloured block, around the cast, at its luma position.
struct ShiftSample {
    lx: usize,
    ly: usize,
    u: f64,
    v: f64,
}

/// The best displacement found for each channel: (r², (dx, dy)) for U and for V.
type Best = ((f64, (i32, i32)), (f64, (i32, i32)));

/// Misregistered colour planes, fitted over the whole picture: a scan whose red and blue
/// planes sit a few pixels off the green leaves chroma that is the difference between the luma a
/// few pixels away and the luma here — one displacement for V (the red plane), one for U (the
/// blue), the same across the picture. For each channel the displacement whose luma difference
/// best explains it (rising with it) is found among ±`SHIFT_X` × ±`SHIFT_Y` luma pixels, then both
/// channels are fitted on the two differences together. Gives the share of the coloured
/// regions' chroma energy the fit explains and the two displacements (U's, V's). A patch of
/// colour keeps its chroma inside, where luma differences vanish; two lights of different hues
/// need two factors — neither fits.
fn plane_shift(p: &Planes, vivid: &[usize], cols: usize, cast: (f64, f64)) -> PlaneShift {
    let samples = shift_samples(p, vivid, cols, cast);
    if samples.len() < 64 {
        return PlaneShift::NONE;
    }
    let Some(fit) = ShiftFit::new(p, &samples) else {
        return PlaneShift::NONE;
    };
    let (best_u, best_v) = fit.search();
    // Both channels on both differences together.
    let (a, b) = (best_u.1, best_v.1);
    let rows: Vec<(f64, f64, f64, f64)> = samples
        .iter()
        .zip(&fit.here)
        .map(|(s, &h)| {
            (
                fit.luma(s, a) - h,
                fit.luma(s, b) - h,
                s.u - fit.mu,
                s.v - fit.mv,
            )
        })
        .collect();
    let share = explained_share(&rows, true).unwrap_or_else(|| {
        ((best_u.0 * fit.var_u + best_v.0 * fit.var_v) / (fit.var_u + fit.var_v)).clamp(0.0, 1.0)
    });
    let px = |d: (i32, i32)| (d.0 as i8, d.1 as i8);
    PlaneShift {
        fit: share,
        u: px(a),
        v: px(b),
    }
}

/// The chroma samples of the coloured blocks (every n-th block past SHIFT_SAMPLES), away from
/// the picture's edges by the largest displacement searched.
fn shift_samples(p: &Planes, vivid: &[usize], cols: usize, cast: (f64, f64)) -> Vec<ShiftSample> {
    let (lw, lh) = (2 * p.cw, 2 * p.ch);
    let margin = (SHIFT_X + 1).max(SHIFT_Y + 1) as usize;
    let step = (vivid.len() * BLOCK * BLOCK).div_ceil(SHIFT_SAMPLES).max(1);
    let mut samples = Vec::new();
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
                samples.push(ShiftSample { lx, ly, u, v });
            }
        }
    }
    samples
}

/// The samples' statistics the displacement search scores against.
struct ShiftFit<'a> {
    p: &'a Planes<'a>,
    samples: &'a [ShiftSample],
    /// Each sample's own luma, read once.
    here: Vec<f64>,
    n: f64,
    mu: f64,
    mv: f64,
    var_u: f64,
    var_v: f64,
}

impl<'a> ShiftFit<'a> {
    /// `None` when the samples' chroma does not vary.
    fn new(p: &'a Planes<'a>, samples: &'a [ShiftSample]) -> Option<ShiftFit<'a>> {
        let n = samples.len() as f64;
        let mu = samples.iter().map(|s| s.u).sum::<f64>() / n;
        let mv = samples.iter().map(|s| s.v).sum::<f64>() / n;
        let var_u: f64 = samples.iter().map(|s| (s.u - mu).powi(2)).sum();
        let var_v: f64 = samples.iter().map(|s| (s.v - mv).powi(2)).sum();
        if var_u + var_v <= 0.0 {
            return None;
        }
        let mut fit = ShiftFit {
            p,
            samples,
            here: Vec::new(),
            n,
            mu,
            mv,
            var_u,
            var_v,
        };
        fit.here = samples.iter().map(|s| fit.luma(s, (0, 0))).collect();
        Some(fit)
    }

    /// Luma of the 2 × 2 pixels a chroma sample covers, displaced by (dx, dy).
    fn luma(&self, s: &ShiftSample, (dx, dy): (i32, i32)) -> f64 {
        let p = self.p;
        let (x, y) = ((s.lx as i32 + dx) as usize, (s.ly as i32 + dy) as usize);
        let row = |y: usize| p.y[y * p.sy + x] as f64 + p.y[y * p.sy + x + 1] as f64;
        (row(y) + row(y + 1)) / 4.0
    }

    /// How well the luma difference at (dx, dy) explains U and V (single-regressor r², rising
    /// only: the displaced plane's own luma moving in lifts its channel).
    fn score(&self, dx: i32, dy: i32) -> (f64, f64) {
        let (mut sd, mut sdd, mut sdu, mut sdv) = (0.0, 0.0, 0.0, 0.0);
        for (s, &h) in self.samples.iter().zip(&self.here) {
            let d = self.luma(s, (dx, dy)) - h;
            sd += d;
            sdd += d * d;
            sdu += d * (s.u - self.mu);
            sdv += d * (s.v - self.mv);
        }
        let var_d = sdd - sd * sd / self.n;
        let r2 = |s: f64, var: f64| {
            if s > 0.0 && var > 0.0 && var_d > 0.0 {
                s * s / (var_d * var)
            } else {
                0.0
            }
        };
        (r2(sdu, self.var_u), r2(sdv, self.var_v))
    }

    fn consider(&self, best: &mut Best, dx: i32, dy: i32) {
        if (dx == 0 && dy == 0) || dx.abs() > SHIFT_X || dy.abs() > SHIFT_Y {
            return;
        }
        let (ru, rv) = self.score(dx, dy);
        if ru > best.0 .0 {
            best.0 = (ru, (dx, dy));
        }
        if rv > best.1 .0 {
            best.1 = (rv, (dx, dy));
        }
    }

    /// Every second displacement first, then the neighbours of each channel's best.
    fn search(&self) -> Best {
        let mut best: Best = ((0.0, (0, 0)), (0.0, (0, 0)));
        for dy in (-SHIFT_Y..=SHIFT_Y).step_by(2) {
            for dx in (-SHIFT_X..=SHIFT_X).step_by(2) {
                self.consider(&mut best, dx, dy);
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
                self.consider(&mut best, centre.0 + ex, centre.1 + ey);
            }
        }
        best
    }
}
const SHIFT_X: i32 = 8;
const SHIFT_Y: i32 = 4;
/// Most chroma samples the plane fit reads per picture.
const SHIFT_SAMPLES: usize = 4096;

/// How much of a block's chroma (around the cast) a linear fit on the signed luma gradient
/// explains: R² of `(U, V) ≈ A · (∂Y/∂x, ∂Y/∂y)` over its samples (0 when the block is flat).
/// The gradient is taken one pixel either side: coarser ones (tried: 2 and 4 pixels) follow
/// DV's horizontally upsampled 4:1:1 chroma too, and took faint DV colour for fringing.
fn follows_gradient(p: &Planes, bx: usize, by: usize, cast: (f64, f64)) -> f64 {
    let (lw, lh) = (2 * p.cw, 2 * p.ch);
    let mut rows = Vec::with_capacity(BLOCK * BLOCK);
    for y in by * BLOCK..(by + 1) * BLOCK {
        for x in bx * BLOCK..(bx + 1) * BLOCK {
            let (lx, ly) = (2 * x, 2 * y);
            if lx == 0 || ly == 0 || lx + 1 >= lw || ly + 1 >= lh {
                continue;
            }
            let gx = p.luma(lx + 1, ly) - p.luma(lx - 1, ly);
            let gy = p.luma(lx, ly + 1) - p.luma(lx, ly - 1);
            let du = p.u(x, y) - 128.0 - cast.0;
            let dv = p.v(x, y) - 128.0 - cast.1;
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
