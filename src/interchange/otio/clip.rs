//! A clip item read into an event: its media linked, its first frame exact where the document
//! says it exactly, its time effects as speed.

use serde_json::Value;

use super::read::{Piece, Reader, Wanted};
use super::schema;
use crate::edl::raw::{RateValue, RawClip, RawEvent, TimeValue};
use crate::interchange::build;
use crate::interchange::cmx3600::Problem;
use crate::time::Rational;

impl Reader<'_> {
    /// A clip's event (source, in, duration, name, speed), or a gap when it is offline or
    /// generated (a title when roughcut generated it).
    pub(super) fn clip_event(&mut self, p: &Piece, frames: i64) -> RawEvent {
        self.clip_event_from(p, frames, &mut 0)
    }

    /// As [`Self::clip_event`], starting `head` frames before the piece (a transition's
    /// in-offset); `head` shrinks to what the media has before the piece's start.
    pub(super) fn clip_event_from(&mut self, p: &Piece, frames: i64, head: &mut i64) -> RawEvent {
        let it = p.item;
        let name = it
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let reference = Self::reference(it);
        if reference.map(schema) == Some("GeneratorReference") {
            return self.generated(reference, name, frames);
        }
        let wanted = Wanted::of(it);
        let Some(l) = (self.link)(&wanted) else {
            self.problems.push(Problem {
                line: 0,
                error: true,
                message: format!(
                    "clip `{name}` ({}) is not linked to a media file",
                    wanted
                        .url
                        .as_deref()
                        .or(wanted.reference.as_deref())
                        .unwrap_or("no media reference")
                ),
            });
            return RawEvent::Gap(build::gap(frames, Some(format!("offline: {name}"))));
        };
        self.sources
            .entry(l.id.clone())
            .or_insert_with(|| build::source(l.path.clone()));
        let fps = self.fps.as_ratio();
        let mut start = self.media_start(p) - Rational::from_integer(l.start) / fps;
        let available = (start * fps).floor().to_integer();
        if available < *head {
            self.warn(format!("`{name}`: the transition into it needs {head} frame(s) of media before its start, the media has {}; it starts there", available.max(0)));
            *head = available.max(0);
        }
        start -= Rational::from_integer(*head) / fps;
        let in_ = if l.rate == Some(self.fps) && (start * fps).is_integer() {
            build::frames((start * fps).to_integer())
        } else {
            TimeValue(
                crate::interchange::to_edl::seconds_text(start.max(Rational::from_integer(0)))
                    .into(),
            )
        };
        let mut clip: RawClip = build::clip(l.id, in_, frames + *head);
        clip.speed = self.speed(it, &name);
        clip.name = Some(name).filter(|n| !n.is_empty());
        RawEvent::Clip(clip)
    }

    /// A clip with generated media: roughcut's own title card, else black.
    fn generated(&mut self, reference: Option<&Value>, name: String, frames: i64) -> RawEvent {
        let kind = reference
            .and_then(|r| r.get("generator_kind")?.as_str())
            .unwrap_or("");
        if kind == "roughcut.title" {
            let text = reference
                .and_then(|r| r.get("parameters")?.get("text")?.as_str())
                .unwrap_or(&name)
                .to_string();
            return RawEvent::Title(build::title(text, frames, Some(name)));
        }
        self.warn(format!(
            "clip `{name}`: a generated clip ({kind}) is black here"
        ));
        RawEvent::Gap(build::gap(frames, Some(name)))
    }

    /// The media time of a piece's first frame, exact where the document says it exactly
    /// (FCPXML's rational seconds), else from OTIO's float.
    fn media_start(&self, p: &Piece) -> Rational {
        let fps = self.fps.as_ratio();
        p.item
            .get("metadata")
            .and_then(|m| m.get("fcpxml")?.get("start")?.as_str())
            .and_then(|t| {
                let (n, d) = t.split_once('/')?;
                let (n, d) = (n.parse::<i64>().ok()?, d.parse::<i64>().ok()?);
                // As FCPXML's own times: a denominator up to a million, a time up to a
                // million seconds.
                ((1..=1_000_000).contains(&d) && n.checked_abs()? / d <= 1_000_000)
                    .then(|| Rational::new(n, d))
            })
            .filter(|_| p.exact)
            .unwrap_or_else(|| {
                let frames = p.start * self.fps.to_f64();
                // A float a hair off a whole frame is that frame.
                if (frames - frames.round()).abs() < 1e-6 {
                    Rational::from_integer(frames.round() as i64) / fps
                } else {
                    // Off the frames: to the microsecond (denominators stay small, sums
                    // cannot overflow).
                    Rational::new((p.start * 1e6).round() as i64, 1_000_000)
                }
            })
    }

    /// A clip's time effects as its speed (the last one read wins); others are left out.
    fn speed(&mut self, it: &Value, name: &str) -> Option<RateValue> {
        let mut speed = None;
        for e in it
            .get("effects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match schema(e) {
                "FreezeFrame" => speed = Some(RateValue(0.into())),
                "LinearTimeWarp" => {
                    let exact = e.get("metadata").and_then(|m| {
                        m.get("roughcut")?
                            .get("speed")?
                            .as_str()
                            .map(str::to_string)
                    });
                    let scalar = e.get("time_scalar").and_then(Value::as_f64).unwrap_or(1.0);
                    let value: Value = match exact {
                        Some(s) => s.into(),
                        None if scalar == 0.0 => 0.into(),
                        None if scalar < 0.0 => {
                            self.warn(format!("clip `{name}`: backwards time warp plays forwards"));
                            speed_text(-scalar).into()
                        }
                        None => speed_text(scalar).into(),
                    };
                    speed = Some(RateValue(value));
                }
                other => self.warn(format!("clip `{name}`: effect `{other}` is left out")),
            }
        }
        speed
    }
}

/// A time scalar as an exact speed: the nearest fraction with a denominator up to 1000.
fn speed_text(s: f64) -> String {
    let mut best = (s.round() as i64, 1i64);
    let mut err = (s - best.0 as f64).abs();
    for d in 2..=1000i64 {
        let n = (s * d as f64).round() as i64;
        let e = (s - n as f64 / d as f64).abs();
        if e + 1e-12 < err {
            best = (n, d);
            err = e;
        }
        if err < 1e-9 {
            break;
        }
    }
    let r = Rational::new(best.0, best.1);
    format!("{}/{}", r.numer(), r.denom())
}
