//! Exact time arithmetic for the edit decision list.
//!
//! Every time on this path is an exact rational number of seconds
//! ([`Rational`]); no floating point is involved. Times can be written as
//! seconds (`12.5`, `12.5s`, `HH:MM:SS.sss`), as frame counts (`300f`) or as
//! SMPTE timecode labels (`HH:MM:SS:FF`, or `HH:MM:SS;FF` for drop-frame).
//! Frame counts and timecodes only become seconds once a frame [`Rate`] is
//! known, so they are kept as a [`TimeSpec`] until then.
//!
//! Nothing here panics on user input: parsing returns [`TimeError`], and
//! magnitudes are bounded (at most 10 000 000 seconds, 10^10 frames and nine
//! fractional decimal digits) so that the arithmetic cannot overflow.

use std::fmt;
use std::str::FromStr;

use num_rational::Ratio;

/// An exact rational number; times are in seconds.
pub type Rational = Ratio<i64>;

/// Largest accepted time, in seconds (about 115 days).
const MAX_SECONDS: i64 = 10_000_000;
/// Largest accepted frame count.
const MAX_FRAMES: i64 = 10_000_000_000;
/// Most fractional decimal digits accepted in a decimal number.
const MAX_FRACTION_DIGITS: i64 = 9;
/// A decimal whose integer part has more digits than this is "too large"
/// before any caller-specific limit is applied; it keeps the mantissa within
/// 18 digits, which fits an `i64`.
const MAX_INTEGER_DIGITS: i64 = 9;
/// Fastest accepted frame rate, in frames per second (the slowest is its inverse).
const MAX_RATE: i64 = 1000;
/// Largest accepted denominator of a reduced frame rate.
const MAX_RATE_DENOMINATOR: i64 = 1_000_000;
/// Longest piece of user text quoted back in an error message.
const MAX_QUOTED_CHARS: usize = 80;

/// Why a time or frame rate was rejected. Each message quotes the offending
/// text in backticks and says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The text is in none of the accepted time forms.
    #[error(
        "`{text}`: not a time; use seconds (12.5), `12.5s`, `300f`, `HH:MM:SS.sss`, `HH:MM:SS:FF` or `HH:MM:SS;FF`"
    )]
    NotATime {
        /// The offending text.
        text: String,
    },
    /// A JSON value that is neither a number nor a string was given as a time.
    #[error("`{text}`: expected a time (number of seconds or string)")]
    NotATimeValue {
        /// The offending JSON value.
        text: String,
    },
    /// The time is negative.
    #[error("`{text}`: times cannot be negative")]
    Negative {
        /// The offending text.
        text: String,
    },
    /// The number has more than nine digits after the decimal point.
    #[error("`{text}`: too many decimal digits; use at most 9 digits after the decimal point")]
    TooPrecise {
        /// The offending text.
        text: String,
    },
    /// The time exceeds the 10 000 000 second limit.
    #[error("`{text}`: too large; times are limited to 10000000 seconds (about 115 days)")]
    TooLarge {
        /// The offending text.
        text: String,
    },
    /// The frame count exceeds the 10^10 frame limit.
    #[error("`{text}`: too many frames; frame counts are limited to 10000000000")]
    TooManyFrames {
        /// The offending text.
        text: String,
    },
    /// A minutes or seconds field is outside 0–59.
    #[error("`{text}`: {field} field {value} is out of range (0–59)")]
    FieldOutOfRange {
        /// The offending text.
        text: String,
        /// `minutes` or `seconds`.
        field: &'static str,
        /// The field as written.
        value: String,
    },
    /// A timecode frame field is not below the nominal frames per second.
    #[error("`{text}`: frame field {value} is out of range at {rate} fps (0–{max})")]
    FrameOutOfRange {
        /// The offending text.
        text: String,
        /// The frame field.
        value: i64,
        /// The rate the timecode was counted at.
        rate: Rate,
        /// The largest valid frame field at that rate.
        max: i64,
    },
    /// Drop-frame timecode was used at a rate that has no drop-frame counting.
    #[error(
        "`{text}`: drop-frame timecode (`;`) needs a 29.97 or 59.94 fps rate, not {rate} fps; use `:` for non-drop timecode"
    )]
    DropFrameRate {
        /// The offending text.
        text: String,
        /// The rate the timecode was counted at.
        rate: Rate,
    },
    /// A drop-frame label that names one of the skipped frame numbers.
    #[error(
        "`{text}` does not exist in drop-frame timecode: frames {} are skipped at the start of every minute except each tenth",
        skipped_frames(.dropped)
    )]
    NonexistentDropFrame {
        /// The offending text.
        text: String,
        /// How many frame numbers are skipped each minute (2 or 4).
        dropped: i64,
    },
    /// The text is not a frame rate.
    #[error(
        "`{text}`: not a frame rate; use frames per second such as `25`, `29.97` or `12.5`, or a fraction such as `30000/1001`"
    )]
    NotARate {
        /// The offending text.
        text: String,
    },
    /// A JSON value that is neither a number nor a string was given as a rate.
    #[error(
        "`{text}`: expected a frame rate (a number such as 25 or a string such as \"30000/1001\")"
    )]
    NotARateValue {
        /// The offending JSON value.
        text: String,
    },
    /// The frame rate is zero or negative.
    #[error("`{text}`: a frame rate must be greater than zero")]
    RateNotPositive {
        /// The offending text.
        text: String,
    },
    /// A fractional frame rate with a zero denominator.
    #[error("`{text}`: a frame rate's denominator cannot be zero; write e.g. `30000/1001`")]
    RateZeroDenominator {
        /// The offending text.
        text: String,
    },
    /// The frame rate is above 1000 or below 1/1000 frames per second.
    #[error("`{text}`: frame rate is out of range; use between 1/1000 and 1000 frames per second")]
    RateOutOfRange {
        /// The offending text.
        text: String,
    },
    /// The frame rate's reduced denominator is above 1 000 000.
    #[error(
        "`{text}`: frame rate is too precise; use at most 6 decimal digits, or a fraction with a denominator of at most 1000000 such as `30000/1001`"
    )]
    RateTooPrecise {
        /// The offending text.
        text: String,
    },
}

/// Describes the frame numbers skipped each minute in drop-frame timecode.
fn skipped_frames(dropped: &i64) -> String {
    match *dropped {
        2 => "0 and 1".to_string(),
        d => format!("0 to {}", d - 1),
    }
}

/// User text as quoted in an error message: cut short if very long.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(MAX_QUOTED_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------
// Number parsing
// ---------------------------------------------------------------------------

/// Why an unsigned decimal or integer could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberError {
    /// Not a number in the expected syntax.
    Syntax,
    /// More than [`MAX_FRACTION_DIGITS`] significant fractional digits.
    TooPrecise,
    /// Too large to be read without overflow.
    TooLarge,
}

/// Whether `s` is a non-empty run of ASCII digits.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads an unsigned decimal integer made of ASCII digits only, rejecting
/// values above `max` (which must be below 10^18).
fn parse_count(s: &str, max: i64) -> Result<i64, NumberError> {
    if !is_digits(s) {
        return Err(NumberError::Syntax);
    }
    let significant = s.trim_start_matches('0');
    if significant.len() > 18 {
        return Err(NumberError::TooLarge);
    }
    let mut value: i64 = 0;
    for b in significant.bytes() {
        value = value * 10 + i64::from(b - b'0');
    }
    if value > max {
        return Err(NumberError::TooLarge);
    }
    Ok(value)
}

/// Reads a decimal exponent (`+12`, `-3`, `7`), saturating far beyond any
/// meaningful magnitude so that absurd exponents cannot overflow.
fn parse_exponent(s: &str) -> Result<i64, NumberError> {
    const SATURATE: i64 = 1_000_000_000_000_000;
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if !is_digits(digits) {
        return Err(NumberError::Syntax);
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = (value * 10 + i64::from(b - b'0')).min(SATURATE);
    }
    Ok(if negative { -value } else { value })
}

/// An unsigned exact decimal (`12`, `0.5`, `1.25e-1`, as JSON writes numbers), or `None`.
pub(crate) fn decimal(s: &str) -> Option<Rational> {
    parse_decimal(s, true).ok()
}

/// Reads an unsigned exact decimal: `12`, `12.5`, and, when `allow_exponent`,
/// `1e2` or `1.25E-3`. A `.` needs digits on both sides. Trailing zeros do not
/// count as precision, so `1.50000000000` is fine but `0.0000000001` is
/// [`NumberError::TooPrecise`]. Values of 10^9 or more are
/// [`NumberError::TooLarge`]; callers apply their own, smaller limits.
fn parse_decimal(s: &str, allow_exponent: bool) -> Result<Rational, NumberError> {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) if allow_exponent => (&s[..at], parse_exponent(&s[at + 1..])?),
        Some(_) => return Err(NumberError::Syntax),
        None => (s, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((int_part, frac_part)) => {
            if !is_digits(frac_part) {
                return Err(NumberError::Syntax);
            }
            (int_part, frac_part)
        }
        None => (mantissa, ""),
    };
    if !is_digits(int_part) {
        return Err(NumberError::Syntax);
    }

    // The value is `digits × 10^scale`, with leading and trailing zeros
    // removed from `digits` (and the trailing ones folded into `scale`).
    let all_digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let Some(first) = all_digits.iter().position(|&b| b != b'0') else {
        return Ok(Rational::from_integer(0));
    };
    let Some(last) = all_digits.iter().rposition(|&b| b != b'0') else {
        return Ok(Rational::from_integer(0));
    };
    let significant = &all_digits[first..=last];
    let trailing_zeros = (all_digits.len() - 1 - last) as i64;
    let scale = exponent - frac_part.len() as i64 + trailing_zeros;
    if scale < -MAX_FRACTION_DIGITS {
        return Err(NumberError::TooPrecise);
    }
    if significant.len() as i64 + scale > MAX_INTEGER_DIGITS {
        return Err(NumberError::TooLarge);
    }
    // Here significant.len() <= MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS = 18,
    // and 0 <= scale <= 9 whenever it is positive, so nothing overflows.
    let mut value: i64 = 0;
    for &b in significant {
        value = value * 10 + i64::from(b - b'0');
    }
    let power = 10_i64.pow(scale.unsigned_abs() as u32);
    if scale >= 0 {
        Ok(Rational::from_integer(value * power))
    } else {
        Ok(Rational::new(value, power))
    }
}

/// Reads an optionally negative integer of at most 18 significant digits.
fn parse_signed_int(s: &str) -> Result<i64, NumberError> {
    match s.strip_prefix('-') {
        Some(rest) => parse_count(rest, i64::MAX).map(|v| -v),
        None => parse_count(s, i64::MAX),
    }
}

/// Writes `num/den` as an exact decimal with at most `max_digits` fractional
/// digits, or returns `None` when it needs more (or never terminates).
/// A zero or negative `den` gives `None`.
fn exact_decimal(num: i128, den: i128, max_digits: u32) -> Option<String> {
    if den <= 0 {
        return None;
    }
    let sign = if num < 0 { "-" } else { "" };
    let num = num.abs();
    for digits in 0..=max_digits {
        let power = 10_i128.pow(digits);
        if power % den != 0 {
            continue;
        }
        let scaled = num * (power / den);
        let int_part = scaled / power;
        if digits == 0 {
            return Some(format!("{sign}{int_part}"));
        }
        let frac = format!("{:0width$}", scaled % power, width = digits as usize);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            return Some(format!("{sign}{int_part}"));
        }
        return Some(format!("{sign}{int_part}.{frac}"));
    }
    None
}

/// A rational's numerator and denominator widened to `i128`, with the
/// denominator made non-negative.
fn widened(r: Rational) -> (i128, i128) {
    let (num, den) = (i128::from(*r.numer()), i128::from(*r.denom()));
    if den < 0 {
        (-num, -den)
    } else {
        (num, den)
    }
}

// ---------------------------------------------------------------------------
// Frame rates
// ---------------------------------------------------------------------------

/// First sample of program frame `frame`: `round(frame × sr / fps)`, halves up.
pub fn sample_at(frame: i64, sample_rate: u32, fps: Rate) -> i64 {
    round_half_up(
        Rational::from_integer(frame) * Rational::from_integer(sample_rate as i64) / fps.as_ratio(),
    )
}

/// A rational as the nearest `f64`, for display, measurement and formats that carry floats
/// (OTIO's `rate`, FCPXML's seconds): the one place exact time leaves the integers. Never
/// accumulate the result; a zero denominator gives 0.
#[must_use]
pub(crate) fn to_f64(r: Rational) -> f64 {
    let (num, den) = (*r.numer(), *r.denom());
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Rounds to the nearest integer, halves towards +infinity: 2.5 → 3,
/// −2.5 → −2. Saturates at the `i64` bounds (only reachable for a rational
/// built with a zero or negative denominator through `Ratio::new_raw`).
#[must_use]
pub(crate) fn round_half_up(r: Rational) -> i64 {
    let (num, den) = widened(r);
    if den == 0 {
        return if num < 0 { i64::MIN } else { i64::MAX };
    }
    // floor(num/den + 1/2) = floor((2·num + den) / (2·den)).
    let rounded = (2 * num + den).div_euclid(2 * den);
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// Formats seconds for people: exactly (`12.5s`) when the value is a decimal with at most 6
/// fractional digits, otherwise rounded and marked so (`≈33.3667s` for 1001/30): people read
/// decimals, not `607607/30000s`.
#[must_use]
pub fn format_seconds(r: Rational) -> String {
    let (num, den) = widened(r);
    match exact_decimal(num, den, 6) {
        Some(decimal) => format!("{decimal}s"),
        // A degenerate fraction (never made by parsing) is shown as it is.
        None if den == 0 => format!("{num}/{den}s"),
        None => {
            let x = num as f64 / den as f64;
            if x.abs() >= 0.001 {
                format!("≈{x:.4}s")
            } else {
                format!("≈{x:.1e}s")
            }
        }
    }
}

/// Formats a time in a source for people: its timecode on the source's clock counted from the
/// file's first frame (`00:00:20:07`, non-drop so `:` never misleads) and the seconds
/// (`00:00:20:07 (≈20.2536s)`); seconds alone when the source's frame rate is unknown. The
/// timecode names the frame the time falls in.
#[must_use]
pub(crate) fn format_source_time(t: Rational, rate: Option<Rate>) -> String {
    let seconds = format_seconds(t);
    match rate {
        Some(rate) => {
            // Widened: floor(t · rate) cannot overflow on the way.
            let (num, den) = widened(t);
            let frames =
                (num * i128::from(rate.num())).div_euclid((den * i128::from(rate.den())).max(1));
            let frame =
                i64::try_from(frames).unwrap_or(if frames < 0 { i64::MIN } else { i64::MAX });
            format!("{} ({seconds})", frames_to_timecode(frame, rate, false))
        }
        None => seconds,
    }
}

mod rate;
mod spec;
#[cfg(test)]
mod tests;

pub use rate::Rate;
pub use spec::{frames_to_timecode, TimeSpec};
