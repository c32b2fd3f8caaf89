//! Fades over program frames: dips to black and the program's fade in and out, as exact
//! per-frame levels and per-sample gains.

use super::*;

/// A fade to or from black over a range of program frames (sound fades over the same range
/// of samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fade {
    pub kind: FadeKind,
    /// First program frame of the fade.
    pub start: i64,
    /// Length in frames.
    pub frames: i64,
}

/// Which way a fade goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FadeKind {
    /// From black: the first frame is black.
    In,
    /// To black: the last frame is black.
    Out,
}

impl Fade {
    /// Picture level (0 = black, 1 = untouched) at program frame `frame`.
    pub(crate) fn level(&self, frame: i64) -> Rational {
        if frame < self.start || frame >= self.start + self.frames || self.frames <= 0 {
            return Rational::from_integer(1);
        }
        let i = frame - self.start;
        match self.kind {
            FadeKind::In => Rational::new(i, self.frames),
            FadeKind::Out => Rational::new(self.frames - 1 - i, self.frames),
        }
    }

    /// Sound gain at program sample `sample`: the same ramp over the fade's samples.
    pub(crate) fn gain(&self, sample: i64, sample_rate: u32, fps: Rate) -> Rational {
        let s0 = sample_at(self.start, sample_rate, fps);
        let s1 = sample_at(self.start + self.frames, sample_rate, fps);
        if sample < s0 || sample >= s1 || s1 <= s0 {
            return Rational::from_integer(1);
        }
        let n = s1 - s0;
        match self.kind {
            FadeKind::In => Rational::new(sample - s0, n),
            FadeKind::Out => Rational::new(s1 - 1 - sample, n),
        }
    }
}

/// The program's fades: from black at the start, to black at the end, and both halves of every
/// dip to black (the previous event fades out over its last half, the next fades in over its
/// first).
pub(super) fn program_fades(edl: &Edl, events: &[PlannedEvent], total: i64) -> Vec<Fade> {
    let mut fades = Vec::new();
    let out = &edl.output;
    if out.fade_in > 0 {
        fades.push(Fade {
            kind: FadeKind::In,
            start: 0,
            frames: out.fade_in.min(total),
        });
    }
    if out.fade_out > 0 {
        let n = out.fade_out.min(total);
        fades.push(Fade {
            kind: FadeKind::Out,
            start: total - n,
            frames: n,
        });
    }
    for (k, ev) in events.iter().enumerate().skip(1) {
        let frames = match ev.transition {
            Some(Transition::FadeBlack { frames }) => frames,
            Some(Transition::Dissolve { .. }) | None => continue,
        };
        let prev = &events[k - 1];
        let out_frames = (frames / 2).min(prev.frames);
        let in_frames = (frames - frames / 2).min(ev.frames);
        if out_frames > 0 {
            fades.push(Fade {
                kind: FadeKind::Out,
                start: prev.record_start + prev.frames - out_frames,
                frames: out_frames,
            });
        }
        if in_frames > 0 {
            fades.push(Fade {
                kind: FadeKind::In,
                start: ev.record_start,
                frames: in_frames,
            });
        }
    }
    fades
}
