//! Sound envelopes: products of piecewise-linear gain curves over a segment's samples.

use super::*;

/// A gain over a run of samples: the product of its curves (empty: unity).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Envelope {
    pub curves: Vec<Curve>,
}

/// A piecewise-linear gain through `(sample, gain)` points, constant before the first and after
/// the last. Sample `s` takes the value at `s + ½`, so a fade of `n` samples is symmetric and
/// never quite reaches 0 or 1 inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    pub points: Vec<(i64, f64)>,
}

impl Curve {
    /// A fade from silence: 0 at `start`, 1 from `start + len` on.
    pub(crate) fn fade_in(start: i64, len: i64) -> Curve {
        Curve {
            points: vec![(start, 0.0), (start + len, 1.0)],
        }
    }
    /// A fade to silence ending at `end`.
    pub(crate) fn fade_out(end: i64, len: i64) -> Curve {
        Curve {
            points: vec![(end - len, 1.0), (end, 0.0)],
        }
    }
    /// Gain at sample `s`.
    pub(crate) fn gain(&self, s: i64) -> f64 {
        let x = s as f64 + 0.5;
        let Some(&(first, g0)) = self.points.first() else {
            return 1.0;
        };
        if x <= first as f64 {
            return g0;
        }
        for w in self.points.windows(2) {
            let ((a, ga), (b, gb)) = (w[0], w[1]);
            if x < b as f64 {
                if b <= a {
                    return gb;
                }
                return ga + (gb - ga) * (x - a as f64) / (b - a) as f64;
            }
        }
        self.points.last().map_or(1.0, |p| p.1)
    }
    /// Whether the curve is 1 over every sample of `[start, end)`.
    pub(super) fn unity_over(&self, start: i64, end: i64) -> bool {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return true;
        };
        self.points.iter().all(|p| p.1 == 1.0)
            || (end <= first.0 && first.1 == 1.0)
            || (start >= last.0 && last.1 == 1.0)
    }
}

impl Envelope {
    pub fn is_empty(&self) -> bool {
        self.curves.is_empty()
    }
    /// Gain at sample `s`.
    pub(crate) fn gain(&self, s: i64) -> f64 {
        self.curves.iter().map(|c| c.gain(s)).product()
    }
    /// The curves that act on program samples `[start, start + len)`, moved so that `start`
    /// is sample 0.
    pub(super) fn window(curves: &[Curve], start: i64, len: i64) -> Envelope {
        Envelope {
            curves: curves
                .iter()
                .filter(|c| !c.unity_over(start, start + len))
                .map(|c| Curve {
                    points: c.points.iter().map(|&(p, g)| (p - start, g)).collect(),
                })
                .collect(),
        }
    }
}
