//! Frame rates as exact fractions: numbers, `num/den` strings and the NTSC shorthands.

use super::*;

/// The usual decimal shorthands for NTSC rates, as (decimal numerator,
/// decimal denominator, nominal rate N); each stands for N × 1000/1001.
pub(super) const NTSC_SHORTHANDS: [(i64, i64, i64); 7] = [
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
    pub(crate) fn from_json(v: &serde_json::Value) -> Result<Rate, TimeError> {
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

    /// The rate as the nearest `f64` frames per second (29.97002997… for 30000/1001), for
    /// display and for formats that carry a float rate.
    #[must_use]
    pub(crate) fn to_f64(self) -> f64 {
        super::to_f64(self.0)
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
    pub(crate) fn drop_frames_per_minute(self) -> Option<i64> {
        match (self.num(), self.den()) {
            (30000, 1001) => Some(2),
            (60000, 1001) => Some(4),
            _ => None,
        }
    }

    /// The duration of one frame in seconds (1/rate).
    #[must_use]
    pub(crate) fn frame_duration(self) -> Rational {
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
