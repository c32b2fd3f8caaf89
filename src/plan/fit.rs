//! Fitting a picture of one shape into the output frame, in exact integer arithmetic.

use serde::Serialize;

use crate::edl::Fit;
use crate::time::{round_half_up, Rational};

/// Where a source picture goes in the output frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FitBox {
    /// Size the source is scaled to (even numbers).
    pub scaled_w: i64,
    pub scaled_h: i64,
    /// `pad`: where the scaled picture sits in the frame; `crop`: where the frame sits in the
    /// scaled picture. Even numbers, centred.
    pub x: i64,
    pub y: i64,
}

fn even(r: Rational) -> i64 {
    (round_half_up(r / 2) * 2).max(2)
}

/// Fit a `w`×`h` picture with sample aspect ratio `sar` into `out_w`×`out_h` square pixels.
pub fn fit_picture(w: i64, h: i64, sar: Rational, out_w: i64, out_h: i64, fit: Fit) -> FitBox {
    let sar = if *sar.numer() <= 0 || *sar.denom() <= 0 {
        Rational::from_integer(1)
    } else {
        sar
    };
    // Display aspect of the source and of the frame.
    let src = Rational::new(w.max(1), h.max(1)) * sar;
    let dst = Rational::new(out_w, out_h);
    let (sw, sh) = match fit {
        Fit::Stretch => (out_w, out_h),
        Fit::Pad if src > dst => (out_w, even(Rational::from_integer(out_w) / src).min(out_h)),
        Fit::Pad => (even(Rational::from_integer(out_h) * src).min(out_w), out_h),
        Fit::Crop if src > dst => (even(Rational::from_integer(out_h) * src).max(out_w), out_h),
        Fit::Crop => (out_w, even(Rational::from_integer(out_w) / src).max(out_h)),
    };
    let half_even = |d: i64| (d.abs() / 4) * 2;
    FitBox {
        scaled_w: sw,
        scaled_h: sh,
        x: half_even(out_w - sw),
        y: half_even(out_h - sh),
    }
}
