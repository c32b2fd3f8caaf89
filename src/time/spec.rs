//! Time specifications: seconds, frame counts, non-drop and drop-frame timecode, and
//! timecode formatting.

use super::*;

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
    pub(crate) fn from_json(v: &serde_json::Value) -> Result<TimeSpec, TimeError> {
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
    pub(crate) fn needs_rate(&self) -> bool {
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
    pub(crate) fn to_seconds(&self, rate: Rate) -> Result<Rational, TimeError> {
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
pub(super) fn parse_unsigned(body: &str, text: &str) -> Result<TimeSpec, TimeError> {
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
pub(super) fn seconds_from_decimal(number: &str, text: &str) -> Result<TimeSpec, TimeError> {
    let seconds = parse_decimal(number, true).map_err(|e| number_error(e, text))?;
    if seconds > Rational::from_integer(MAX_SECONDS) {
        return Err(TimeError::TooLarge { text: quote(text) });
    }
    Ok(TimeSpec::Seconds(seconds))
}

/// The time error for a number that could not be read.
pub(super) fn number_error(e: NumberError, text: &str) -> TimeError {
    let text = quote(text);
    match e {
        NumberError::Syntax => TimeError::NotATime { text },
        NumberError::TooPrecise => TimeError::TooPrecise { text },
        NumberError::TooLarge => TimeError::TooLarge { text },
    }
}

/// Reads `HH:MM:SS`, `HH:MM:SS.sss`, `HH:MM:SS:FF` or `HH:MM:SS;FF`.
pub(super) fn parse_clock(body: &str, text: &str) -> Result<TimeSpec, TimeError> {
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
pub(super) fn check_clock_fields(
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
    // Drop-frame labels run 0.1 % ahead of the clock, so the label of the longest time a
    // program may have is a little over it: labels get that room, and the time a label stands
    // for is held to the limit once it is counted.
    hours
        .checked_mul(3600)
        .and_then(|h| h.checked_add(minutes * 60 + seconds))
        .filter(|&total| total <= MAX_SECONDS + MAX_SECONDS / 1000)
        .ok_or_else(|| TimeError::TooLarge { text: quote(text) })
}

/// The frame number of a timecode label at `rate`; errors quote `text`.
///
/// Non-drop: `(H×3600 + M×60 + S) × base + F`. Drop-frame (d frame numbers
/// skipped per minute, except every tenth minute): the same minus
/// `d × (total_minutes − total_minutes / 10)`.
pub(super) fn timecode_frame(
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
