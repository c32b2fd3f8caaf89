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

/// The usual decimal shorthands for NTSC rates, as (decimal numerator,
/// decimal denominator, nominal rate N); each stands for N × 1000/1001.
const NTSC_SHORTHANDS: [(i64, i64, i64); 7] = [
    (23976, 1000, 24),
    (2398, 100, 24),
    (2997, 100, 30),
    (47952, 1000, 48),
    (4795, 100, 48),
    (5994, 100, 60),
    (11988, 100, 120),
];

/// A frame rate in frames per second: exact, strictly positive, between
/// 1/1000 and 1000, with a reduced denominator of at most 1 000 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rate(Rational);

impl Rate {
    /// The rate `num/den` frames per second, reduced. Both parts must be
    /// positive (or both negative), the rate between 1/1000 and 1000, and the
    /// reduced denominator at most 1 000 000.
    ///
    /// # Errors
    /// A [`TimeError`] for a zero denominator, or a rate that is not positive,
    /// is out of range or is too precise.
    pub fn new(num: i64, den: i64) -> Result<Rate, TimeError> {
        Rate::checked(num, den, &format!("{num}/{den}"))
    }

    /// [`Rate::new`], quoting `text` in errors.
    fn checked(num: i64, den: i64, text: &str) -> Result<Rate, TimeError> {
        let text = || quote(text);
        if den == 0 {
            return Err(TimeError::RateZeroDenominator { text: text() });
        }
        let (num, den) = if den < 0 {
            match (num.checked_neg(), den.checked_neg()) {
                (Some(num), Some(den)) => (num, den),
                _ => return Err(TimeError::RateOutOfRange { text: text() }),
            }
        } else {
            (num, den)
        };
        if num <= 0 {
            return Err(TimeError::RateNotPositive { text: text() });
        }
        // Both parts are positive now, so reducing cannot overflow.
        let ratio = Rational::new(num, den);
        let (n, d) = widened(ratio);
        let max = i128::from(MAX_RATE);
        if n > max * d || n * max < d {
            return Err(TimeError::RateOutOfRange { text: text() });
        }
        if *ratio.denom() > MAX_RATE_DENOMINATOR {
            return Err(TimeError::RateTooPrecise { text: text() });
        }
        Ok(Rate(ratio))
    }

    /// Reads a rate: an integer (`25`), a fraction (`30000/1001`) or an exact
    /// decimal (`12.5` is 25/2). The NTSC shorthands `23.976`/`23.98`,
    /// `29.97`, `47.952`, `59.94` and `119.88` stand for N × 1000/1001
    /// (24000/1001, 30000/1001, …).
    ///
    /// # Errors
    /// A [`TimeError`] for text that is not a rate, or a rate that
    /// [`Rate::new`] would reject.
    pub fn parse(text: &str) -> Result<Rate, TimeError> {
        let trimmed = text.trim();
        let not_a_rate = || TimeError::NotARate {
            text: quote(trimmed),
        };
        let number_error = |e: NumberError| match e {
            NumberError::Syntax => not_a_rate(),
            NumberError::TooPrecise => TimeError::RateTooPrecise {
                text: quote(trimmed),
            },
            NumberError::TooLarge => TimeError::RateOutOfRange {
                text: quote(trimmed),
            },
        };

        if let Some((num, den)) = trimmed.split_once('/') {
            let num = parse_signed_int(num.trim()).map_err(number_error)?;
            let den = parse_signed_int(den.trim()).map_err(number_error)?;
            return Rate::checked(num, den, trimmed);
        }

        let (negative, body) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let value = parse_decimal(body, true).map_err(number_error)?;
        if negative || *value.numer() == 0 {
            return Err(TimeError::RateNotPositive {
                text: quote(trimmed),
            });
        }
        let value = NTSC_SHORTHANDS
            .iter()
            .find(|&&(num, den, _)| value == Rational::new(num, den))
            .map_or(value, |&(_, _, nominal)| {
                Rational::new(nominal * 1000, 1001)
            });
        Rate::checked(*value.numer(), *value.denom(), trimmed)
    }

    /// Reads a rate from JSON: a number (taken from its exact decimal text, so
    /// `29.97` is 30000/1001 too) or a string as in [`Rate::parse`].
    ///
    /// # Errors
    /// A [`TimeError`] for a JSON value that is neither a number nor a
    /// string, or as in [`Rate::parse`].
    pub fn from_json(v: &serde_json::Value) -> Result<Rate, TimeError> {
        match v {
            serde_json::Value::Number(n) => Rate::parse(&n.to_string()),
            serde_json::Value::String(s) => Rate::parse(s),
            other => Err(TimeError::NotARateValue {
                text: quote(&other.to_string()),
            }),
        }
    }

    /// The rate in frames per second.
    #[must_use]
    pub fn as_ratio(self) -> Rational {
        self.0
    }

    /// Numerator of the reduced rate (30000 for 30000/1001).
    #[must_use]
    pub fn num(self) -> i64 {
        *self.0.numer()
    }

    /// Denominator of the reduced rate (1001 for 30000/1001).
    #[must_use]
    pub fn den(self) -> i64 {
        *self.0.denom()
    }

    /// Nominal integer frames per timecode second: the rate rounded up, e.g.
    /// 30 for 30000/1001, 25 for 25, 13 for 25/2.
    #[must_use]
    pub fn timecode_base(self) -> i64 {
        // num <= 10^9 and den <= 10^6, so this cannot overflow.
        (self.num() + self.den() - 1) / self.den()
    }

    /// Frame numbers skipped per minute in drop-frame timecode: 2 at
    /// 30000/1001, 4 at 60000/1001, `None` at every other rate.
    #[must_use]
    pub fn drop_frames_per_minute(self) -> Option<i64> {
        match (self.num(), self.den()) {
            (30000, 1001) => Some(2),
            (60000, 1001) => Some(4),
            _ => None,
        }
    }

    /// The duration of one frame in seconds (1/rate).
    #[must_use]
    pub fn frame_duration(self) -> Rational {
        self.0.recip()
    }
}

/// Writes `25` for whole rates and `num/den` otherwise (`30000/1001`, `25/2`).
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den() == 1 {
            write!(f, "{}", self.num())
        } else {
            write!(f, "{}/{}", self.num(), self.den())
        }
    }
}

/// Same as [`Rate::parse`].
impl FromStr for Rate {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Rate, TimeError> {
        Rate::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------

/// A time as written in the EDL, before it is resolved at a frame rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSpec {
    /// Exact seconds: JSON number `12.5`, `"12.5"`, `"12.5s"`, `"HH:MM:SS"`
    /// or `"HH:MM:SS.sss"`.
    Seconds(Rational),
    /// A frame count: `"300f"`.
    Frames(i64),
    /// A timecode label: `"HH:MM:SS:FF"` (non-drop) or `"HH:MM:SS;FF"`
    /// (drop-frame; `"HH;MM;SS;FF"` is accepted too).
    Timecode {
        /// Hours field.
        hours: i64,
        /// Minutes field, 0–59.
        minutes: i64,
        /// Seconds field, 0–59.
        seconds: i64,
        /// Frame field, below the rate's [`Rate::timecode_base`].
        frames: i64,
        /// Whether the label is drop-frame (written with `;`).
        drop: bool,
    },
}

impl TimeSpec {
    /// Reads a time written as a string (surrounding whitespace is ignored):
    /// `12.5` or `12.5s` (seconds, exponents such as `1e2` allowed), `300f`
    /// (frames), `HH:MM:SS` or `HH:MM:SS.sss` (seconds), `HH:MM:SS:FF`
    /// (non-drop timecode) or `HH:MM:SS;FF` (drop-frame timecode). At most
    /// nine fractional digits, 10 000 000 seconds and 10^10 frames.
    ///
    /// # Errors
    /// A [`TimeError`] for text in none of the forms above, a negative time,
    /// too many fractional digits, a value over the limits or an out-of-range
    /// minutes or seconds field.
    pub fn parse(text: &str) -> Result<TimeSpec, TimeError> {
        let text = text.trim();
        match text.strip_prefix('-') {
            None => parse_unsigned(text, text),
            Some(rest) => match parse_unsigned(rest, text) {
                // `-0` is just zero.
                Ok(spec) if spec.is_zero() => Ok(spec),
                Err(TimeError::NotATime { .. }) => Err(TimeError::NotATime { text: quote(text) }),
                Ok(_) | Err(_) => Err(TimeError::Negative { text: quote(text) }),
            },
        }
    }

    /// Reads a time from JSON: a number is exact seconds taken from its
    /// decimal text (`12.5`, `1e-3`), a string is read by [`TimeSpec::parse`].
    ///
    /// # Errors
    /// A [`TimeError`] for a JSON value that is neither a number nor a
    /// string, or as in [`TimeSpec::parse`].
    pub fn from_json(v: &serde_json::Value) -> Result<TimeSpec, TimeError> {
        match v {
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                match text.strip_prefix('-') {
                    None => seconds_from_decimal(&text, &text),
                    Some(rest) => match seconds_from_decimal(rest, &text) {
                        Ok(spec) if spec.is_zero() => Ok(spec),
                        _ => Err(TimeError::Negative { text: quote(&text) }),
                    },
                }
            }
            serde_json::Value::String(s) => TimeSpec::parse(s),
            other => Err(TimeError::NotATimeValue {
                text: quote(&other.to_string()),
            }),
        }
    }

    /// Whether resolving needs a frame rate (frame counts and timecodes do).
    #[must_use]
    pub fn needs_rate(&self) -> bool {
        !matches!(self, TimeSpec::Seconds(_))
    }

    /// The exact time in seconds. Frame counts and timecodes are counted at
    /// `rate`; timecode fields are validated (minutes and seconds 0–59, frame
    /// field below [`Rate::timecode_base`], drop-frame only at 29.97 or 59.94
    /// fps, and no skipped drop-frame labels).
    ///
    /// # Errors
    /// A [`TimeError`] for timecode fields that are invalid at `rate`, a
    /// negative value, or a result over 10 000 000 seconds or 10^10 frames.
    pub fn to_seconds(&self, rate: Rate) -> Result<Rational, TimeError> {
        self.resolve(rate).map(|(_, seconds)| seconds)
    }

    /// The frame number: exact for frame counts and timecodes (validated as
    /// in [`TimeSpec::to_seconds`]); for seconds, the frame at or before the
    /// time, floor(seconds × rate).
    ///
    /// # Errors
    /// The same as [`TimeSpec::to_seconds`].
    pub fn to_frame_floor(&self, rate: Rate) -> Result<i64, TimeError> {
        self.resolve(rate).map(|(frame, _)| frame)
    }

    /// Whether the time is zero.
    fn is_zero(&self) -> bool {
        match *self {
            TimeSpec::Seconds(s) => *s.numer() == 0,
            TimeSpec::Frames(n) => n == 0,
            TimeSpec::Timecode {
                hours,
                minutes,
                seconds,
                frames,
                ..
            } => hours == 0 && minutes == 0 && seconds == 0 && frames == 0,
        }
    }

    /// The frame number (floored for seconds) and the exact seconds.
    fn resolve(&self, rate: Rate) -> Result<(i64, Rational), TimeError> {
        let text = || quote(&self.to_string());
        let frame = match *self {
            TimeSpec::Seconds(seconds) => {
                let (num, den) = widened(seconds);
                if den == 0 {
                    return Err(TimeError::TooLarge { text: text() });
                }
                if num < 0 {
                    return Err(TimeError::Negative { text: text() });
                }
                if num > i128::from(MAX_SECONDS) * den {
                    return Err(TimeError::TooLarge { text: text() });
                }
                // seconds <= 10^7 and rate <= 1000, so the frame is <= 10^10.
                let frame = (num * i128::from(rate.num())) / (den * i128::from(rate.den()));
                let frame =
                    i64::try_from(frame).map_err(|_| TimeError::TooLarge { text: text() })?;
                let seconds = match (i64::try_from(num), i64::try_from(den)) {
                    (Ok(num), Ok(den)) => Rational::new(num, den),
                    _ => return Err(TimeError::TooLarge { text: text() }),
                };
                return Ok((frame, seconds));
            }
            TimeSpec::Frames(frames) => {
                if frames < 0 {
                    return Err(TimeError::Negative { text: text() });
                }
                if frames > MAX_FRAMES {
                    return Err(TimeError::TooManyFrames { text: text() });
                }
                frames
            }
            TimeSpec::Timecode {
                hours,
                minutes,
                seconds,
                frames,
                drop,
            } => timecode_frame(hours, minutes, seconds, frames, drop, rate, &text())?,
        };
        // frame <= ~10^10 and den <= 10^6, so frame × den fits an i64; only
        // the seconds limit can fail.
        let num = i128::from(frame) * i128::from(rate.den());
        if num > i128::from(MAX_SECONDS) * i128::from(rate.num()) {
            return Err(TimeError::TooLarge { text: text() });
        }
        let num = i64::try_from(num).map_err(|_| TimeError::TooLarge { text: text() })?;
        Ok((frame, Rational::new(num, rate.num())))
    }
}

/// Reads a time with no leading `-`; errors quote `text`.
fn parse_unsigned(body: &str, text: &str) -> Result<TimeSpec, TimeError> {
    if body.contains([':', ';']) {
        return parse_clock(body, text);
    }
    if let Some(count) = body.strip_suffix('f') {
        return match parse_count(count, MAX_FRAMES) {
            Ok(frames) => Ok(TimeSpec::Frames(frames)),
            Err(NumberError::Syntax) => Err(TimeError::NotATime { text: quote(text) }),
            Err(_) => Err(TimeError::TooManyFrames { text: quote(text) }),
        };
    }
    let number = body.strip_suffix('s').unwrap_or(body);
    seconds_from_decimal(number, text)
}

/// Reads an unsigned decimal number of seconds; errors quote `text`.
fn seconds_from_decimal(number: &str, text: &str) -> Result<TimeSpec, TimeError> {
    let seconds = parse_decimal(number, true).map_err(|e| number_error(e, text))?;
    if seconds > Rational::from_integer(MAX_SECONDS) {
        return Err(TimeError::TooLarge { text: quote(text) });
    }
    Ok(TimeSpec::Seconds(seconds))
}

/// The time error for a number that could not be read.
fn number_error(e: NumberError, text: &str) -> TimeError {
    let text = quote(text);
    match e {
        NumberError::Syntax => TimeError::NotATime { text },
        NumberError::TooPrecise => TimeError::TooPrecise { text },
        NumberError::TooLarge => TimeError::TooLarge { text },
    }
}

/// Reads `HH:MM:SS`, `HH:MM:SS.sss`, `HH:MM:SS:FF` or `HH:MM:SS;FF`.
fn parse_clock(body: &str, text: &str) -> Result<TimeSpec, TimeError> {
    let not_a_time = || TimeError::NotATime { text: quote(text) };
    let field = |s: &str| parse_count(s, MAX_FRAMES).map_err(|e| number_error(e, text));
    let fields: Vec<&str> = body.split([':', ';']).collect();
    let separators: Vec<char> = body.chars().filter(|c| matches!(c, ':' | ';')).collect();
    match fields.as_slice() {
        [hours, minutes, seconds] => {
            if separators.contains(&';') {
                return Err(not_a_time());
            }
            let (hours, minutes) = (field(hours)?, field(minutes)?);
            let seconds_text = *seconds;
            let seconds = parse_decimal(seconds_text, false).map_err(|e| number_error(e, text))?;
            let whole = check_clock_fields(hours, minutes, 0, 0, text)?;
            if seconds >= Rational::from_integer(60) {
                return Err(TimeError::FieldOutOfRange {
                    text: quote(text),
                    field: "seconds",
                    value: seconds_text.trim_start_matches('0').to_string(),
                });
            }
            // whole <= 10^7 and the denominator <= 10^9: no overflow.
            let total = Rational::new(
                whole * *seconds.denom() + *seconds.numer(),
                *seconds.denom(),
            );
            if total > Rational::from_integer(MAX_SECONDS) {
                return Err(TimeError::TooLarge { text: quote(text) });
            }
            Ok(TimeSpec::Seconds(total))
        }
        [hours, minutes, seconds, frames] => {
            let drop = separators.last() == Some(&';');
            if !drop && separators.contains(&';') {
                return Err(not_a_time());
            }
            let (hours, minutes) = (field(hours)?, field(minutes)?);
            let (seconds, frames) = (field(seconds)?, field(frames)?);
            check_clock_fields(hours, minutes, seconds, frames, text)?;
            Ok(TimeSpec::Timecode {
                hours,
                minutes,
                seconds,
                frames,
                drop,
            })
        }
        _ => Err(not_a_time()),
    }
}

/// Checks the rate-independent timecode fields and returns the whole seconds
/// `hours × 3600 + minutes × 60 + seconds`; errors quote `text`.
fn check_clock_fields(
    hours: i64,
    minutes: i64,
    seconds: i64,
    frames: i64,
    text: &str,
) -> Result<i64, TimeError> {
    if hours < 0 || minutes < 0 || seconds < 0 || frames < 0 {
        return Err(TimeError::Negative { text: quote(text) });
    }
    for (field, value) in [("minutes", minutes), ("seconds", seconds)] {
        if value > 59 {
            return Err(TimeError::FieldOutOfRange {
                text: quote(text),
                field,
                value: value.to_string(),
            });
        }
    }
    if frames > MAX_FRAMES {
        return Err(TimeError::TooManyFrames { text: quote(text) });
    }
    hours
        .checked_mul(3600)
        .and_then(|h| h.checked_add(minutes * 60 + seconds))
        .filter(|&total| total <= MAX_SECONDS)
        .ok_or_else(|| TimeError::TooLarge { text: quote(text) })
}

/// The frame number of a timecode label at `rate`; errors quote `text`.
///
/// Non-drop: `(H×3600 + M×60 + S) × base + F`. Drop-frame (d frame numbers
/// skipped per minute, except every tenth minute): the same minus
/// `d × (total_minutes − total_minutes / 10)`.
fn timecode_frame(
    hours: i64,
    minutes: i64,
    seconds: i64,
    frames: i64,
    drop: bool,
    rate: Rate,
    text: &str,
) -> Result<i64, TimeError> {
    let whole_seconds = check_clock_fields(hours, minutes, seconds, frames, text)?;
    let dropped = match (drop, rate.drop_frames_per_minute()) {
        (false, _) => None,
        (true, Some(d)) => Some(d),
        (true, None) => {
            return Err(TimeError::DropFrameRate {
                text: quote(text),
                rate,
            })
        }
    };
    let base = rate.timecode_base();
    if frames >= base {
        return Err(TimeError::FrameOutOfRange {
            text: quote(text),
            value: frames,
            rate,
            max: base - 1,
        });
    }
    // whole_seconds <= 10^7 and base <= 1000: no overflow.
    let mut frame = whole_seconds * base + frames;
    if let Some(d) = dropped {
        if seconds == 0 && frames < d && minutes % 10 != 0 {
            return Err(TimeError::NonexistentDropFrame {
                text: quote(text),
                dropped: d,
            });
        }
        let total_minutes = hours * 60 + minutes;
        frame -= d * (total_minutes - total_minutes / 10);
    }
    Ok(frame)
}

/// Writes the canonical form: `12.5s` (exact decimal, or `1001/30s` when it
/// has no short decimal form), `300f`, `00:01:00:02` or `00:01:00;02`.
impl fmt::Display for TimeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TimeSpec::Seconds(seconds) => {
                let (num, den) = widened(seconds);
                match exact_decimal(num, den, MAX_FRACTION_DIGITS as u32) {
                    Some(decimal) => write!(f, "{decimal}s"),
                    None => write!(f, "{num}/{den}s"),
                }
            }
            TimeSpec::Frames(frames) => write!(f, "{frames}f"),
            TimeSpec::Timecode {
                hours,
                minutes,
                seconds,
                frames,
                drop,
            } => {
                let separator = if drop { ';' } else { ':' };
                write!(
                    f,
                    "{hours:02}:{minutes:02}:{seconds:02}{separator}{frames:02}"
                )
            }
        }
    }
}

/// The timecode label of frame number `frame` at `rate`: `HH:MM:SS:FF`, or
/// `HH:MM:SS;FF` when `drop` is set and the rate has drop-frame counting (at
/// other rates a non-drop label is written). Negative frames get a leading
/// `-`; hours are not wrapped at 24.
#[must_use]
pub fn frames_to_timecode(frame: i64, rate: Rate, drop: bool) -> String {
    let base = i128::from(rate.timecode_base());
    let sign = if frame < 0 { "-" } else { "" };
    let mut label_frames = i128::from(frame).abs();
    let dropped = if drop {
        rate.drop_frames_per_minute()
    } else {
        None
    };
    if let Some(d) = dropped {
        // Put back the skipped frame numbers: d per minute, except in the
        // first minute of every ten.
        let d = i128::from(d);
        let per_minute = 60 * base - d;
        let per_ten_minutes = 600 * base - 9 * d;
        let tens = label_frames / per_ten_minutes;
        let rest = label_frames % per_ten_minutes;
        label_frames += 9 * d * tens;
        if rest > d {
            label_frames += d * ((rest - d) / per_minute);
        }
    }
    let frames = label_frames % base;
    let total_seconds = label_frames / base;
    let seconds = total_seconds % 60;
    let minutes = total_seconds / 60 % 60;
    let hours = total_seconds / 3600;
    let separator = if dropped.is_some() { ';' } else { ':' };
    format!("{sign}{hours:02}:{minutes:02}:{seconds:02}{separator}{frames:02}")
}

/// Rounds to the nearest integer, halves towards +infinity: 2.5 → 3,
/// −2.5 → −2. Saturates at the `i64` bounds (only reachable for a rational
/// built with a zero or negative denominator through `Ratio::new_raw`).
#[must_use]
pub fn round_half_up(r: Rational) -> i64 {
    let (num, den) = widened(r);
    if den == 0 {
        return if num < 0 { i64::MIN } else { i64::MAX };
    }
    // floor(num/den + 1/2) = floor((2·num + den) / (2·den)).
    let rounded = (2 * num + den).div_euclid(2 * den);
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// Formats seconds exactly for people: `12.5s` when the value is a decimal
/// with at most 6 fractional digits, otherwise a fraction such as `1001/30s`.
#[must_use]
pub fn format_seconds(r: Rational) -> String {
    let (num, den) = widened(r);
    match exact_decimal(num, den, 6) {
        Some(decimal) => format!("{decimal}s"),
        None => format!("{num}/{den}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(num: i64, den: i64) -> Rational {
        Rational::new(num, den)
    }

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap()
    }

    fn ntsc30() -> Rate {
        Rate::new(30000, 1001).unwrap()
    }

    fn ntsc60() -> Rate {
        Rate::new(60000, 1001).unwrap()
    }

    fn spec(text: &str) -> TimeSpec {
        TimeSpec::parse(text).unwrap()
    }

    fn err(text: &str) -> TimeError {
        TimeSpec::parse(text).unwrap_err()
    }

    fn frame_of(text: &str, at: Rate) -> i64 {
        spec(text).to_frame_floor(at).unwrap()
    }

    // --- rates -----------------------------------------------------------

    #[test]
    fn rate_parses_integers_fractions_and_decimals() {
        assert_eq!(rate("25").as_ratio(), r(25, 1));
        assert_eq!(rate(" 24 ").as_ratio(), r(24, 1));
        assert_eq!(rate("30000/1001").as_ratio(), r(30000, 1001));
        assert_eq!(rate("24000/1001").as_ratio(), r(24000, 1001));
        assert_eq!(rate("50/2").as_ratio(), r(25, 1));
        assert_eq!(rate("12.5").as_ratio(), r(25, 2));
        assert_eq!(rate("25.0").as_ratio(), r(25, 1));
        assert_eq!(rate("30").as_ratio(), r(30, 1));
        assert_eq!(rate("1000").as_ratio(), r(1000, 1));
        assert_eq!(rate("1/1000").as_ratio(), r(1, 1000));
        assert_eq!(rate("0.001").as_ratio(), r(1, 1000));
        assert_eq!(rate("-30000/-1001").as_ratio(), r(30000, 1001));
    }

    #[test]
    fn rate_maps_ntsc_shorthands() {
        for (text, nominal) in [
            ("23.976", 24),
            ("23.98", 24),
            ("29.97", 30),
            ("29.970", 30),
            ("47.952", 48),
            ("59.94", 60),
            ("119.88", 120),
        ] {
            assert_eq!(rate(text).as_ratio(), r(nominal * 1000, 1001), "{text}");
        }
    }

    #[test]
    fn rate_rejects_bad_input() {
        type Check = fn(&TimeError) -> bool;
        let cases: [(&str, Check); 12] = [
            ("0", |e| matches!(e, TimeError::RateNotPositive { .. })),
            ("-25", |e| matches!(e, TimeError::RateNotPositive { .. })),
            ("0/1", |e| matches!(e, TimeError::RateNotPositive { .. })),
            ("-25/1", |e| matches!(e, TimeError::RateNotPositive { .. })),
            ("abc", |e| matches!(e, TimeError::NotARate { .. })),
            ("", |e| matches!(e, TimeError::NotARate { .. })),
            ("1/2/3", |e| matches!(e, TimeError::NotARate { .. })),
            ("25/0", |e| {
                matches!(e, TimeError::RateZeroDenominator { .. })
            }),
            ("1001", |e| matches!(e, TimeError::RateOutOfRange { .. })),
            ("0.0009", |e| matches!(e, TimeError::RateOutOfRange { .. })),
            ("99999999999999999999999", |e| {
                matches!(e, TimeError::RateOutOfRange { .. })
            }),
            ("12.3456789", |e| {
                matches!(e, TimeError::RateTooPrecise { .. })
            }),
        ];
        for (text, check) in cases {
            let e = Rate::parse(text).unwrap_err();
            assert!(check(&e), "{text}: {e:?}");
            assert!(e.to_string().contains(&format!("`{}`", text.trim())), "{e}");
        }
        assert_eq!(
            Rate::parse("25/0").unwrap_err().to_string(),
            "`25/0`: a frame rate's denominator cannot be zero; write e.g. `30000/1001`"
        );
        assert!("abc".parse::<Rate>().is_err());
    }

    #[test]
    fn rate_new_validates_without_panicking() {
        assert_eq!(Rate::new(50, 2).unwrap().as_ratio(), r(25, 1));
        assert!(Rate::new(0, 1).is_err());
        assert!(Rate::new(1, 0).is_err());
        assert!(Rate::new(-1, 1).is_err());
        assert!(Rate::new(i64::MAX, 1).is_err());
        assert!(Rate::new(i64::MIN, -1).is_err());
        assert!(Rate::new(1, i64::MIN).is_err());
        assert!(Rate::new(i64::MIN, i64::MIN).is_err());
        assert_eq!(Rate::new(i64::MAX, i64::MAX).unwrap().as_ratio(), r(1, 1));
        assert!(matches!(
            Rate::new(10_000_001, 10_000_000),
            Err(TimeError::RateTooPrecise { .. })
        ));
    }

    #[test]
    fn rate_from_json() {
        assert_eq!(Rate::from_json(&json!(25)).unwrap().as_ratio(), r(25, 1));
        assert_eq!(
            Rate::from_json(&json!(29.97)).unwrap().as_ratio(),
            r(30000, 1001)
        );
        assert_eq!(
            Rate::from_json(&json!(23.976)).unwrap().as_ratio(),
            r(24000, 1001)
        );
        assert_eq!(Rate::from_json(&json!(12.5)).unwrap().as_ratio(), r(25, 2));
        assert_eq!(
            Rate::from_json(&json!("30000/1001")).unwrap().as_ratio(),
            r(30000, 1001)
        );
        assert!(matches!(
            Rate::from_json(&json!(-25)),
            Err(TimeError::RateNotPositive { .. })
        ));
        assert!(matches!(
            Rate::from_json(&json!(null)),
            Err(TimeError::NotARateValue { .. })
        ));
        assert!(Rate::from_json(&json!(1e300)).is_err());
        assert!(Rate::from_json(&json!(1e-300)).is_err());
    }

    #[test]
    fn rate_accessors_and_display() {
        let ntsc = ntsc30();
        assert_eq!((ntsc.num(), ntsc.den()), (30000, 1001));
        assert_eq!(ntsc.to_string(), "30000/1001");
        assert_eq!(rate("25").to_string(), "25");
        assert_eq!(rate("12.5").to_string(), "25/2");
        assert_eq!(ntsc.frame_duration(), r(1001, 30000));
        assert_eq!(rate("25").frame_duration(), r(1, 25));

        assert_eq!(ntsc.timecode_base(), 30);
        assert_eq!(ntsc60().timecode_base(), 60);
        assert_eq!(rate("25").timecode_base(), 25);
        assert_eq!(rate("24").timecode_base(), 24);
        assert_eq!(rate("23.976").timecode_base(), 24);
        assert_eq!(rate("12.5").timecode_base(), 13);
        assert_eq!(rate("0.5").timecode_base(), 1);

        assert_eq!(ntsc.drop_frames_per_minute(), Some(2));
        assert_eq!(ntsc60().drop_frames_per_minute(), Some(4));
        assert_eq!(rate("30").drop_frames_per_minute(), None);
        assert_eq!(rate("25").drop_frames_per_minute(), None);
        assert_eq!(rate("23.976").drop_frames_per_minute(), None);
    }

    // --- parsing times ---------------------------------------------------

    #[test]
    fn parses_seconds_forms() {
        assert_eq!(spec("12.5s"), TimeSpec::Seconds(r(25, 2)));
        assert_eq!(spec("12.5"), TimeSpec::Seconds(r(25, 2)));
        assert_eq!(spec("  7  "), TimeSpec::Seconds(r(7, 1)));
        assert_eq!(spec("0"), TimeSpec::Seconds(r(0, 1)));
        assert_eq!(spec("-0"), TimeSpec::Seconds(r(0, 1)));
        assert_eq!(spec("1e2"), TimeSpec::Seconds(r(100, 1)));
        assert_eq!(spec("1.5E-3s"), TimeSpec::Seconds(r(3, 2000)));
        assert_eq!(spec("0.000000001s"), TimeSpec::Seconds(r(1, 1_000_000_000)));
        assert_eq!(spec("1.50000000000000"), TimeSpec::Seconds(r(3, 2)));
        assert_eq!(spec("00:00:01.5"), TimeSpec::Seconds(r(3, 2)));
        assert_eq!(spec("01:02:03"), TimeSpec::Seconds(r(3723, 1)));
        assert_eq!(spec("1:00:00.25"), TimeSpec::Seconds(r(14401, 4)));
        assert_eq!(spec("00:00:59.999"), TimeSpec::Seconds(r(59999, 1000)));
        assert_eq!(spec("00:00:10.12"), TimeSpec::Seconds(r(1012, 100)));
        assert_eq!(spec("10000000"), TimeSpec::Seconds(r(MAX_SECONDS, 1)));
    }

    #[test]
    fn parses_frames_and_timecodes() {
        assert_eq!(spec("300f"), TimeSpec::Frames(300));
        assert_eq!(spec("0f"), TimeSpec::Frames(0));
        assert_eq!(
            spec("00:00:10:12"),
            TimeSpec::Timecode {
                hours: 0,
                minutes: 0,
                seconds: 10,
                frames: 12,
                drop: false
            }
        );
        let df = TimeSpec::Timecode {
            hours: 0,
            minutes: 1,
            seconds: 0,
            frames: 2,
            drop: true,
        };
        assert_eq!(spec("00:01:00;02"), df);
        assert_eq!(spec("00;01;00;02"), df);
        assert_eq!(spec("00:01;00;02"), df);
    }

    #[test]
    fn parses_json_values() {
        assert_eq!(
            TimeSpec::from_json(&json!(12.5)).unwrap(),
            TimeSpec::Seconds(r(25, 2))
        );
        assert_eq!(
            TimeSpec::from_json(&json!(3)).unwrap(),
            TimeSpec::Seconds(r(3, 1))
        );
        assert_eq!(
            TimeSpec::from_json(&json!(0.1)).unwrap(),
            TimeSpec::Seconds(r(1, 10))
        );
        // serde_json writes small floats with an exponent.
        assert_eq!(
            TimeSpec::from_json(&json!(1e-7)).unwrap(),
            TimeSpec::Seconds(r(1, 10_000_000))
        );
        assert_eq!(
            TimeSpec::from_json(&serde_json::from_str::<serde_json::Value>("1e2").unwrap())
                .unwrap(),
            TimeSpec::Seconds(r(100, 1))
        );
        assert_eq!(
            TimeSpec::from_json(&json!(-0.0)).unwrap(),
            TimeSpec::Seconds(r(0, 1))
        );
        assert_eq!(
            TimeSpec::from_json(&json!("300f")).unwrap(),
            TimeSpec::Frames(300)
        );
        assert!(matches!(
            TimeSpec::from_json(&json!(-3)),
            Err(TimeError::Negative { .. })
        ));
        // 0.1 + 0.2 has no short exact decimal form.
        assert!(matches!(
            TimeSpec::from_json(&json!(0.1 + 0.2)),
            Err(TimeError::TooPrecise { .. })
        ));
        assert!(matches!(
            TimeSpec::from_json(&json!(1e300)),
            Err(TimeError::TooLarge { .. })
        ));
        assert!(matches!(
            TimeSpec::from_json(&json!(u64::MAX)),
            Err(TimeError::TooLarge { .. })
        ));
        assert_eq!(
            TimeSpec::from_json(&json!(true)).unwrap_err().to_string(),
            "`true`: expected a time (number of seconds or string)"
        );
        assert!(matches!(
            TimeSpec::from_json(&json!([1, 2])),
            Err(TimeError::NotATimeValue { .. })
        ));
        assert!(matches!(
            TimeSpec::from_json(&json!(null)),
            Err(TimeError::NotATimeValue { .. })
        ));
    }

    #[test]
    fn needs_rate() {
        assert!(!spec("12.5").needs_rate());
        assert!(!spec("00:00:01.5").needs_rate());
        assert!(spec("300f").needs_rate());
        assert!(spec("00:00:10:12").needs_rate());
        assert!(spec("00:01:00;02").needs_rate());
    }

    // --- resolving -------------------------------------------------------

    #[test]
    fn seconds_resolve_at_any_rate() {
        let s = spec("12.5s");
        assert_eq!(s.to_seconds(rate("25")).unwrap(), r(25, 2));
        assert_eq!(s.to_seconds(ntsc30()).unwrap(), r(25, 2));
        assert_eq!(s.to_frame_floor(rate("25")).unwrap(), 312);
        // 12.5 × 30000/1001 = 374.62…
        assert_eq!(s.to_frame_floor(ntsc30()).unwrap(), 374);
        // Exactly on a frame boundary: 1001/30000 s is frame 1.
        let one = TimeSpec::Seconds(r(1001, 30000));
        assert_eq!(one.to_frame_floor(ntsc30()).unwrap(), 1);
        let just_before = TimeSpec::Seconds(r(1001, 30000) - r(1, 1_000_000_000));
        assert_eq!(just_before.to_frame_floor(ntsc30()).unwrap(), 0);
    }

    #[test]
    fn frames_resolve_at_rate() {
        let f = spec("300f");
        assert_eq!(f.to_seconds(rate("25")).unwrap(), r(12, 1));
        assert_eq!(f.to_seconds(ntsc30()).unwrap(), r(300 * 1001, 30000));
        assert_eq!(f.to_frame_floor(ntsc30()).unwrap(), 300);
    }

    #[test]
    fn non_drop_timecode() {
        let tc = spec("00:00:10:12");
        assert_eq!(tc.to_frame_floor(rate("25")).unwrap(), 262);
        assert_eq!(tc.to_seconds(rate("25")).unwrap(), r(262, 25));
        assert_eq!(tc.to_frame_floor(ntsc30()).unwrap(), 312);
        assert_eq!(tc.to_seconds(ntsc30()).unwrap(), r(312 * 1001, 30000));
        assert_eq!(frame_of("01:00:00:00", rate("24")), 86400);
        assert_eq!(frame_of("01:00:00:00", rate("23.976")), 86400);
        assert_eq!(
            spec("01:00:00:00").to_seconds(rate("23.976")).unwrap(),
            r(86400 * 1001, 24000)
        );
        assert_eq!(frame_of("00:01:00:00", ntsc30()), 1800);
        assert_eq!(frame_of("00:00:01:12", rate("12.5")), 25);
    }

    #[test]
    fn drop_frame_timecode() {
        let ntsc = ntsc30();
        assert_eq!(frame_of("00:00:00;00", ntsc), 0);
        assert_eq!(frame_of("00:00:59;29", ntsc), 1799);
        assert_eq!(frame_of("00:01:00;02", ntsc), 1800);
        assert_eq!(frame_of("00:02:00;02", ntsc), 3598);
        assert_eq!(frame_of("00:09:59;29", ntsc), 17981);
        assert_eq!(frame_of("00:10:00;00", ntsc), 17982);
        assert_eq!(frame_of("00:10:00;01", ntsc), 17983);
        assert_eq!(frame_of("00:11:00;02", ntsc), 17982 + 1800);
        assert_eq!(frame_of("01:00:00;00", ntsc), 107892);
        assert_eq!(
            spec("00:01:00;02").to_seconds(ntsc).unwrap(),
            r(1800 * 1001, 30000)
        );
        // One hour of drop-frame labels is 3.6 s short of an hour of frames.
        assert_eq!(
            spec("01:00:00;00").to_seconds(ntsc).unwrap(),
            r(107892 * 1001, 30000)
        );

        let ntsc2 = ntsc60();
        assert_eq!(frame_of("00:00:59;59", ntsc2), 3599);
        assert_eq!(frame_of("00:01:00;04", ntsc2), 3600);
        assert_eq!(frame_of("00:10:00;00", ntsc2), 35964);
        assert_eq!(frame_of("01:00:00;00", ntsc2), 215784);
    }

    #[test]
    fn drop_frame_round_trip_first_20_minutes_at_29_97() {
        let ntsc = ntsc30();
        let frames = 20 * 60 * 30;
        let mut previous = String::new();
        for frame in 0..frames {
            let label = frames_to_timecode(frame, ntsc, true);
            assert!(label.contains(';'), "{label}");
            assert!(label > previous, "{previous} then {label}");
            assert_eq!(frame_of(&label, ntsc), frame, "{label}");
            previous = label;
        }
        assert_eq!(previous, "00:20:01;05");
    }

    #[test]
    fn drop_frame_round_trip_at_59_94() {
        let ntsc = ntsc60();
        let starts = [0, 35964 - 100, 215784 - 50, 5 * 215784];
        for start in starts {
            for frame in start..start + 4000 {
                let label = frames_to_timecode(frame, ntsc, true);
                assert_eq!(frame_of(&label, ntsc), frame, "{label}");
            }
        }
    }

    #[test]
    fn non_drop_round_trip() {
        for at in [rate("25"), ntsc30(), rate("23.976"), rate("12.5")] {
            for frame in (0..200_000).step_by(7) {
                let label = frames_to_timecode(frame, at, false);
                assert!(!label.contains(';'));
                assert_eq!(frame_of(&label, at), frame, "{label} at {at}");
            }
        }
    }

    #[test]
    fn frames_to_timecode_labels() {
        let ntsc = ntsc30();
        assert_eq!(frames_to_timecode(1799, ntsc, true), "00:00:59;29");
        assert_eq!(frames_to_timecode(1800, ntsc, true), "00:01:00;02");
        assert_eq!(frames_to_timecode(17982, ntsc, true), "00:10:00;00");
        assert_eq!(frames_to_timecode(107892, ntsc, true), "01:00:00;00");
        assert_eq!(frames_to_timecode(1800, ntsc, false), "00:01:00:00");
        assert_eq!(frames_to_timecode(3600, ntsc60(), true), "00:01:00;04");
        assert_eq!(frames_to_timecode(262, rate("25"), false), "00:00:10:12");
        // Drop-frame asked for at a rate without it: non-drop.
        assert_eq!(frames_to_timecode(262, rate("25"), true), "00:00:10:12");
        assert_eq!(frames_to_timecode(-25, rate("25"), false), "-00:00:01:00");
        // Hours are not wrapped.
        assert_eq!(
            frames_to_timecode(100 * 3600 * 25, rate("25"), false),
            "100:00:00:00"
        );
        // Extremes do not panic.
        for frame in [i64::MIN, i64::MAX, i64::MIN + 1] {
            for at in [ntsc, ntsc60(), rate("0.001"), rate("1000")] {
                let _ = frames_to_timecode(frame, at, true);
                let _ = frames_to_timecode(frame, at, false);
            }
        }
    }

    // --- errors ----------------------------------------------------------

    #[test]
    fn out_of_range_fields() {
        assert_eq!(
            err("00:00:61:00").to_string(),
            "`00:00:61:00`: seconds field 61 is out of range (0–59)"
        );
        assert_eq!(
            err("00:60:00:00").to_string(),
            "`00:60:00:00`: minutes field 60 is out of range (0–59)"
        );
        assert_eq!(
            err("00:60:00").to_string(),
            "`00:60:00`: minutes field 60 is out of range (0–59)"
        );
        assert_eq!(
            err("00:00:60.5").to_string(),
            "`00:00:60.5`: seconds field 60.5 is out of range (0–59)"
        );
        assert_eq!(
            spec("00:00:10:25")
                .to_seconds(rate("25"))
                .unwrap_err()
                .to_string(),
            "`00:00:10:25`: frame field 25 is out of range at 25 fps (0–24)"
        );
        assert!(matches!(
            spec("00:00:10:30").to_frame_floor(ntsc30()),
            Err(TimeError::FrameOutOfRange { max: 29, .. })
        ));
        assert!(spec("00:00:10:29").to_frame_floor(ntsc30()).is_ok());
        // Directly built values are validated too.
        let built = TimeSpec::Timecode {
            hours: 0,
            minutes: 75,
            seconds: 0,
            frames: 0,
            drop: false,
        };
        assert_eq!(
            built.to_seconds(rate("25")).unwrap_err().to_string(),
            "`00:75:00:00`: minutes field 75 is out of range (0–59)"
        );
    }

    #[test]
    fn drop_frame_errors() {
        assert_eq!(
            spec("00:01:00;02")
                .to_seconds(rate("25"))
                .unwrap_err()
                .to_string(),
            "`00:01:00;02`: drop-frame timecode (`;`) needs a 29.97 or 59.94 fps rate, not 25 fps; use `:` for non-drop timecode"
        );
        assert!(matches!(
            spec("00:00:00;00").to_frame_floor(rate("30")),
            Err(TimeError::DropFrameRate { .. })
        ));
        assert!(matches!(
            spec("00:00:00;00").to_frame_floor(rate("23.976")),
            Err(TimeError::DropFrameRate { .. })
        ));
        assert_eq!(
            spec("00:01:00;00")
                .to_seconds(ntsc30())
                .unwrap_err()
                .to_string(),
            "`00:01:00;00` does not exist in drop-frame timecode: frames 0 and 1 are skipped at the start of every minute except each tenth"
        );
        assert!(matches!(
            spec("00:01:00;01").to_frame_floor(ntsc30()),
            Err(TimeError::NonexistentDropFrame { dropped: 2, .. })
        ));
        assert!(matches!(
            spec("01:59:00;00").to_frame_floor(ntsc30()),
            Err(TimeError::NonexistentDropFrame { .. })
        ));
        // Tenth minutes keep frames 0 and 1.
        assert!(spec("00:20:00;00").to_frame_floor(ntsc30()).is_ok());
        assert!(spec("01:00:00;01").to_frame_floor(ntsc30()).is_ok());
        // Only second 0 loses frames.
        assert!(spec("00:01:01;00").to_frame_floor(ntsc30()).is_ok());
        assert_eq!(
            spec("00:01:00;03")
                .to_frame_floor(ntsc60())
                .unwrap_err()
                .to_string(),
            "`00:01:00;03` does not exist in drop-frame timecode: frames 0 to 3 are skipped at the start of every minute except each tenth"
        );
        assert!(spec("00:01:00;04").to_frame_floor(ntsc60()).is_ok());
    }

    #[test]
    fn garbage_and_negative() {
        assert_eq!(
            err("abc").to_string(),
            "`abc`: not a time; use seconds (12.5), `12.5s`, `300f`, `HH:MM:SS.sss`, `HH:MM:SS:FF` or `HH:MM:SS;FF`"
        );
        assert_eq!(err("-3s").to_string(), "`-3s`: times cannot be negative");
        assert!(matches!(err("-300f"), TimeError::Negative { .. }));
        assert!(matches!(err("-00:00:01:00"), TimeError::Negative { .. }));
        assert!(matches!(err("-12.5"), TimeError::Negative { .. }));
        for text in [
            "",
            " ",
            "s",
            "f",
            "-",
            "--3",
            "-abc",
            "+3",
            "12.5.5",
            "1..2",
            ".5",
            "5.",
            "1e",
            "1e+",
            "12 s",
            "3 f",
            "300F",
            "12,5",
            "1/2s",
            "0x10",
            "12:30",
            "1:2:3:4:5",
            "00:00:10.12:00",
            "00:00:aa:00",
            "00::00:00",
            "00:00:00;",
            "00:00;10",
            "00;00:10:00",
            "00:00:01.5e1",
            "00:00:-1:00",
            "١٢",
            "１２s",
            "12ss",
            "inf",
            "NaN",
            "1e2f",
        ] {
            assert!(
                matches!(TimeSpec::parse(text), Err(TimeError::NotATime { .. })),
                "{text:?}: {:?}",
                TimeSpec::parse(text)
            );
        }
        assert!(matches!(
            TimeSpec::Seconds(r(-1, 2)).to_seconds(rate("25")),
            Err(TimeError::Negative { .. })
        ));
        assert!(matches!(
            TimeSpec::Frames(-1).to_frame_floor(rate("25")),
            Err(TimeError::Negative { .. })
        ));
        let built = TimeSpec::Timecode {
            hours: 0,
            minutes: 0,
            seconds: -1,
            frames: 0,
            drop: false,
        };
        assert!(matches!(
            built.to_seconds(rate("25")),
            Err(TimeError::Negative { .. })
        ));
    }

    #[test]
    fn huge_values_are_rejected_without_panicking() {
        for text in [
            "10000001",
            "10000000.5s",
            "99999999999999999999999999999s",
            "1e400",
            "1e999999999999999999999999",
            "9999:00:00:00",
            "99999999999999999999:00:00",
            "2778:00:00",
        ] {
            assert!(
                matches!(TimeSpec::parse(text), Err(TimeError::TooLarge { .. })),
                "{text}: {:?}",
                TimeSpec::parse(text)
            );
        }
        for text in [
            "10000000001f",
            "99999999999999999999999999f",
            "00:00:00:99999999999999999999",
        ] {
            assert!(TimeSpec::parse(text).is_err(), "{text}");
        }
        for text in ["0.0000000001", "1e-10", "1.5e-9s", "00:00:01.0000000001"] {
            assert!(
                matches!(TimeSpec::parse(text), Err(TimeError::TooPrecise { .. })),
                "{text}"
            );
        }
        // Zero is zero however it is written.
        assert_eq!(spec("0e999999999999"), TimeSpec::Seconds(r(0, 1)));

        // Within the frame limit but beyond the seconds limit at this rate.
        let many = spec("10000000000f");
        assert!(matches!(
            many.to_seconds(rate("25")),
            Err(TimeError::TooLarge { .. })
        ));
        assert!(many.to_seconds(rate("1000")).is_ok());
        assert!(matches!(
            many.to_seconds(rate("1/1000")),
            Err(TimeError::TooLarge { .. })
        ));

        let long = "9".repeat(100_000);
        assert!(TimeSpec::parse(&long).is_err());
        assert!(TimeSpec::parse(&format!("{long}f")).is_err());
        assert!(TimeSpec::parse(&format!("0.{long}")).is_err());
        assert!(Rate::parse(&long).is_err());
        let dashes = "-".repeat(100_000);
        assert!(TimeSpec::parse(&dashes).is_err());
        let message = TimeSpec::parse(&"x".repeat(1000)).unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");

        // Directly built extremes.
        for at in [rate("25"), ntsc30(), rate("1000"), rate("1/1000")] {
            for built in [
                TimeSpec::Frames(i64::MAX),
                TimeSpec::Frames(i64::MIN),
                TimeSpec::Seconds(r(i64::MAX, 1)),
                TimeSpec::Seconds(r(i64::MIN, 1)),
                TimeSpec::Seconds(r(1, i64::MAX)),
                TimeSpec::Seconds(Rational::new_raw(1, 0)),
                TimeSpec::Seconds(Rational::new_raw(i64::MIN, -1)),
                TimeSpec::Timecode {
                    hours: i64::MAX,
                    minutes: 59,
                    seconds: 59,
                    frames: 0,
                    drop: true,
                },
                TimeSpec::Timecode {
                    hours: 2777,
                    minutes: 59,
                    seconds: 59,
                    frames: i64::MAX,
                    drop: false,
                },
            ] {
                let _ = built.to_seconds(at);
                let _ = built.to_frame_floor(at);
                let _ = built.to_string();
            }
        }
        assert!(TimeSpec::Seconds(r(i64::MAX, 1))
            .to_seconds(ntsc30())
            .is_err());
    }

    #[test]
    fn limits_are_inclusive() {
        assert_eq!(
            spec("10000000s").to_frame_floor(rate("1000")).unwrap(),
            10_000_000_000
        );
        assert_eq!(
            spec("2777:46:40").to_seconds(rate("25")).unwrap(),
            r(MAX_SECONDS, 1)
        );
        assert!(spec("2777:46:40:00").to_seconds(rate("25")).is_ok());
        assert!(TimeSpec::parse("2777:46:40.5").is_err());
    }

    // --- display and helpers ---------------------------------------------

    #[test]
    fn display_is_canonical_and_round_trips() {
        for (text, canonical) in [
            ("12.5", "12.5s"),
            ("12.50s", "12.5s"),
            ("3", "3s"),
            ("00:00:01.5", "1.5s"),
            ("0.000000001", "0.000000001s"),
            ("300f", "300f"),
            ("0300f", "300f"),
            ("0:0:10:12", "00:00:10:12"),
            ("00;01;00;02", "00:01:00;02"),
            ("100:00:00:00", "100:00:00:00"),
        ] {
            let parsed = spec(text);
            assert_eq!(parsed.to_string(), canonical, "{text}");
            assert_eq!(spec(canonical), parsed, "{canonical}");
        }
        assert_eq!(TimeSpec::Seconds(r(1001, 30)).to_string(), "1001/30s");
    }

    #[test]
    fn round_half_up_on_halves() {
        assert_eq!(round_half_up(r(5, 2)), 3);
        assert_eq!(round_half_up(r(-5, 2)), -2);
        assert_eq!(round_half_up(r(3, 2)), 2);
        assert_eq!(round_half_up(r(-3, 2)), -1);
        assert_eq!(round_half_up(r(1, 2)), 1);
        assert_eq!(round_half_up(r(-1, 2)), 0);
        assert_eq!(round_half_up(r(7, 3)), 2);
        assert_eq!(round_half_up(r(8, 3)), 3);
        assert_eq!(round_half_up(r(-7, 3)), -2);
        assert_eq!(round_half_up(r(-8, 3)), -3);
        assert_eq!(round_half_up(r(0, 1)), 0);
        assert_eq!(round_half_up(r(4, 1)), 4);
        assert_eq!(round_half_up(r(i64::MAX, 1)), i64::MAX);
        assert_eq!(round_half_up(r(i64::MIN, 1)), i64::MIN);
        assert_eq!(round_half_up(r(i64::MAX, 2)), i64::MAX / 2 + 1);
        assert_eq!(round_half_up(Rational::new_raw(1, 0)), i64::MAX);
        assert_eq!(round_half_up(Rational::new_raw(5, -2)), -2);
    }

    #[test]
    fn format_seconds_exactly() {
        assert_eq!(format_seconds(r(25, 2)), "12.5s");
        assert_eq!(format_seconds(r(10, 1)), "10s");
        assert_eq!(format_seconds(r(0, 1)), "0s");
        assert_eq!(format_seconds(r(-5, 2)), "-2.5s");
        assert_eq!(format_seconds(r(-1, 4)), "-0.25s");
        assert_eq!(format_seconds(r(1001, 1000)), "1.001s");
        assert_eq!(format_seconds(r(1, 1_000_000)), "0.000001s");
        assert_eq!(format_seconds(r(1, 10_000_000)), "1/10000000s");
        assert_eq!(format_seconds(r(1001, 30)), "1001/30s");
        assert_eq!(format_seconds(r(1, 3)), "1/3s");
        assert_eq!(format_seconds(r(i64::MAX, 1)), format!("{}s", i64::MAX));
        assert_eq!(
            format_seconds(r(i64::MIN, 64)),
            format!("{}s", i64::MIN / 64)
        );
        assert_eq!(format_seconds(Rational::new_raw(1, 0)), "1/0s");
    }
}
