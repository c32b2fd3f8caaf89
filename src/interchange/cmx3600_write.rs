//! A cut written as a CMX 3600 list: `TITLE:`, `FCM:`, one event per shot in record order
//! (reels of at most 8 characters, the full source id in a comment when cut; `* FROM CLIP
//! NAME:` and `* SOURCE FILE:` comments), `D nnn` dissolves after the outgoing side's
//! zero-length line, `M2` motion for speed and freeze, `* LOC:` markers, sound clips as sound
//! events. One list per picture track: V1 with the sound, V2 (cutaways) on its own. What a list
//! cannot say is a warning.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::cut::{Cut, Media, Picture, Shot};
use crate::edl::Transition;
use crate::time::{frames_to_timecode, round_half_up, Rational};

/// Which picture track a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// V1 and the sound tracks.
    Main,
    /// V2: the cutaways.
    Cutaways,
}

/// A written list and what it could not carry.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub text: String,
    pub warnings: Vec<String>,
}

/// The list of one track of `cut`.
pub fn write(cut: &Cut, track: Track) -> Written {
    let mut w = Writer {
        cut,
        drop: cut.start.is_some_and(|s| s.drop),
        out: String::new(),
        warnings: Vec::new(),
        number: 0,
        reels: BTreeMap::new(),
        off_rate: Default::default(),
    };
    let title = cut.title.as_deref().unwrap_or("roughcut");
    let _ = writeln!(w.out, "TITLE: {}", one_line(title));
    let _ = writeln!(
        w.out,
        "FCM: {}",
        if w.drop {
            "DROP FRAME"
        } else {
            "NON-DROP FRAME"
        }
    );
    let _ = writeln!(w.out);
    match track {
        Track::Main => {
            for (k, shot) in cut.picture.iter().enumerate() {
                let next = cut.picture.get(k + 1).map_or(0, Shot::overlap);
                w.shot(shot, k.checked_sub(1).map(|p| &cut.picture[p]), next);
            }
            w.sound();
        }
        Track::Cutaways => {
            for c in &cut.cutaways {
                w.shot(c, None, 0);
            }
        }
    }
    Written {
        text: w.out,
        warnings: w.warnings,
    }
}

struct Writer<'a> {
    cut: &'a Cut,
    drop: bool,
    out: String,
    warnings: Vec<String>,
    number: usize,
    /// Source id → reel, unique.
    reels: BTreeMap<String, String>,
    /// Sources already warned about for their rate.
    off_rate: std::collections::BTreeSet<String>,
}

impl Writer<'_> {
    fn label(&self, frame: i64) -> String {
        self.cut.record_label(frame)
    }

    fn source_label(&self, frame: i64) -> String {
        frames_to_timecode(frame, self.cut.fps, self.drop)
    }

    /// A reel name of at most 8 characters (letters, digits, `_`), unique per source.
    fn reel(&mut self, id: &str) -> String {
        if let Some(r) = self.reels.get(id) {
            return r.clone();
        }
        let clean: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut reel: String = clean.chars().take(8).collect();
        let mut n = 1;
        while reel == "BL" || reel == "AX" || self.reels.values().any(|r| *r == reel) {
            let suffix = n.to_string();
            reel = format!(
                "{}{suffix}",
                clean.chars().take(8 - suffix.len()).collect::<String>()
            );
            n += 1;
        }
        self.reels.insert(id.to_string(), reel.clone());
        reel
    }

    /// The source frame at the list's rate of a media time: the one roughcut shows (the latest
    /// at or before it). A source of another rate has no exact frames in the list: warned once.
    fn source_frame(&mut self, m: &Media, what: &str) -> i64 {
        let exact = m.media_in * self.cut.fps.as_ratio();
        if m.rate != self.cut.fps && self.off_rate.insert(m.source.clone()) {
            self.warnings.push(format!(
                "{what}: source `{}` runs at {} fps, the list at {}: its timecodes are counted at the list's rate, to the frame at or before",
                m.source, m.rate, self.cut.fps
            ));
        }
        exact.floor().to_integer()
    }

    fn event_line(
        &mut self,
        reel: &str,
        channels: &str,
        transition: &str,
        src: (i64, i64),
        rec: (i64, i64),
    ) {
        let (si, so) = (self.source_label(src.0), self.source_label(src.1));
        let (ri, ro) = (self.label(rec.0), self.label(rec.1));
        let _ = writeln!(
            self.out,
            "{:03}  {reel:<8} {channels:<5} {transition:<8} {si} {so} {ri} {ro}",
            self.number
        );
    }

    /// One picture shot (with the zero-length outgoing line of `prev` when it dissolves in),
    /// then its comments, motion and markers. `next_dissolve`: frames the next shot's dissolve
    /// overlaps this one.
    fn shot(&mut self, s: &Shot, prev: Option<&Shot>, next_dissolve: i64) {
        self.number += 1;
        let what = format!(
            "event {} ({})",
            s.index + 1,
            s.name.as_deref().unwrap_or("unnamed")
        );
        let length = s.frames - next_dissolve;
        let (rec_in, rec_out) = (s.record, s.record + length);
        let mut transition = "C".to_string();
        let (dissolve, dip) = match s.transition {
            Some(Transition::Dissolve { frames }) => (frames, 0),
            Some(Transition::FadeBlack { frames }) => (0, frames),
            None => (0, 0),
        };
        if dissolve > 0 {
            if let Some(p) = prev {
                // The outgoing side: a zero-length line at the frame the dissolve starts from.
                let (reel, at) = match &p.what {
                    Picture::Clip(m) => {
                        let reel = self.reel(&m.source);
                        let first = self.source_frame(m, &what);
                        let played =
                            round_half_up(Rational::from_integer(p.frames - dissolve) * m.speed);
                        (reel, first + played)
                    }
                    _ => ("BL".to_string(), 0),
                };
                self.event_line(&reel, "V", "C", (at, at), (rec_in, rec_in));
            }
            transition = format!("D    {:03}", dissolve);
        }
        if dip > 0 {
            self.warnings.push(format!(
                "{what}: a dip to black ({} frames) has no CMX 3600 form; written as a comment, a cut on import",
                dip
            ));
        }
        match &s.what {
            Picture::Clip(m) => {
                let reel = self.reel(&m.source);
                let first = self.source_frame(m, &what);
                // A still's source runs with the record (as editing systems write imported
                // pictures); a timed clip's advances at its speed.
                let speed = if m.still {
                    Rational::from_integer(1)
                } else {
                    m.speed
                };
                let last = first + round_half_up(Rational::from_integer(length) * speed);
                let channels = if m.muted { "V" } else { "B" };
                self.event_line(
                    &reel,
                    channels,
                    &transition,
                    (first, last),
                    (rec_in, rec_out),
                );
                self.comments(s.name.as_deref(), m, &reel);
                if m.still {
                    if s.original.as_ref().is_some_and(|o| o.get("move").is_some()) {
                        self.warnings.push(format!("{what}: the move across the still has no CMX 3600 form; it is held whole"));
                    }
                } else if m.speed != Rational::from_integer(1) {
                    self.motion(&reel, m, first, &what);
                }
            }
            Picture::Title(text) => {
                self.warnings.push(format!(
                    "{what}: a title card has no CMX 3600 form; written as black with its text in a comment"
                ));
                self.event_line("BL", "V", &transition, (0, length), (rec_in, rec_out));
                let _ = writeln!(self.out, "* TITLE: {}", one_line(text));
            }
            Picture::Black => {
                self.event_line("BL", "V", &transition, (0, length), (rec_in, rec_out));
            }
        }
        if dip > 0 {
            let _ = writeln!(self.out, "* DIP TO BLACK: {} FRAMES", dip);
        }
        let markers: Vec<_> = self
            .cut
            .markers
            .iter()
            .filter(|m| m.frame >= rec_in && m.frame < rec_out)
            .map(|m| {
                format!(
                    "* LOC: {} {:<7} {}",
                    self.label(m.frame),
                    colour_word(m.colour),
                    one_line(&m.name)
                )
            })
            .collect();
        for m in markers {
            let _ = writeln!(self.out, "{m}");
        }
    }

    fn comments(&mut self, name: Option<&str>, m: &Media, reel: &str) {
        let _ = writeln!(
            self.out,
            "* FROM CLIP NAME: {}",
            one_line(name.unwrap_or(&m.source))
        );
        if !reel.eq_ignore_ascii_case(&m.source) {
            let _ = writeln!(self.out, "* REEL NAME: {}", one_line(&m.source));
        }
        let _ = writeln!(self.out, "* SOURCE FILE: {}", one_line(&m.path));
    }

    /// `M2 reel speed tc`: the speed in source frames per second (one decimal), `000.0` a
    /// freeze.
    fn motion(&mut self, reel: &str, m: &Media, first: i64, what: &str) {
        let fps = m.speed * self.cut.fps.as_ratio();
        let tenths = round_half_up(fps * 10);
        if Rational::new(tenths, 10) != fps {
            self.warnings.push(format!(
                "{what}: speed {} is {:.4} source frames per second, written with one decimal as M2 does",
                m.speed,
                crate::time::to_f64(fps)
            ));
        }
        let _ = writeln!(
            self.out,
            "M2   {reel:<8}       {:03}.{}                {}",
            tenths / 10,
            tenths % 10,
            self.source_label(first)
        );
    }

    /// Sound clips as sound events on their track's channel (`A2` …; `A1` is the picture's).
    fn sound(&mut self) {
        let cut = self.cut;
        for (t, track) in cut.sound.iter().enumerate() {
            let channel = track
                .name
                .strip_prefix('A')
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=12).contains(n))
                .unwrap_or(t as u32 + 2);
            if channel > 12 {
                self.warnings.push(format!(
                    "sound track {} ({}): CMX 3600 has 12 channels; written on A12",
                    t + 1,
                    track.name
                ));
            }
            let label = match channel.min(12) {
                1 => "A".to_string(),
                n => format!("A{n}"),
            };
            if track.muted {
                self.warnings.push(format!(
                    "sound track {}: muted tracks are left out",
                    track.name
                ));
                continue;
            }
            for c in &track.clips {
                self.number += 1;
                let what = format!("sound clip {}", c.name);
                let reel = self.reel(&c.media.source);
                let first = self.source_frame(&c.media, &what);
                self.event_line(
                    &reel,
                    &label,
                    "C",
                    (first, first + c.frames),
                    (c.record, c.record + c.frames),
                );
                self.comments(Some(&c.name), &c.media, &reel);
            }
        }
    }
}

fn colour_word(c: crate::edl::MarkerColour) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_ascii_uppercase))
        .unwrap_or_else(|| "RED".into())
}

/// Text on one line (a list is line-based).
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}
