//! CMX 3600 edit decision lists as editing systems write them (Avid, Premiere, Resolve, Nucoda,
//! sound editorial), read into events: reel, channels, transition, the four timecodes, motion
//! (`M2`), clip and file names, markers (`* LOC:`) and the other comments. Every problem is a
//! diagnostic with the list's line number. Nothing here knows the list's frame rate: timecodes
//! stay labels until the importer counts them at the rate it is given.

/// A timecode label as written (`01:00:04:05`, or `01:00:04;05` drop-frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tc {
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
    pub frames: u32,
    /// Written with `;` (or `.`) before the frames, or under `FCM: DROP FRAME`.
    pub drop: bool,
}

impl Tc {
    /// Parse `HH:MM:SS:FF` (`;` or `.` before the frames: drop-frame); `list_drop` is the
    /// list's `FCM` at this point.
    fn parse(text: &str, list_drop: bool) -> Option<Tc> {
        let b = text.as_bytes();
        if b.len() != 11 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let sep = b[8];
        if !matches!(sep, b':' | b';' | b'.' | b',') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
        Some(Tc {
            hours: num(0..2)?,
            minutes: num(3..5)?,
            seconds: num(6..8)?,
            frames: num(9..11)?,
            drop: sep != b':' || list_drop,
        })
    }
}

/// Which tracks an event is on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channels {
    pub video: bool,
    /// Audio channels, 1-based (`A` is 1, `A2` 2, `AA` 1 and 2, `A3` to `A12`, `AUD 3 4`).
    pub audio: Vec<u8>,
}

/// How an event begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Cut,
    /// `D nnn`: a dissolve of `nnn` frames into this event.
    Dissolve(u32),
    /// `Wxxx nnn`: a wipe (pattern `xxx`) of `nnn` frames.
    Wipe {
        pattern: u32,
        frames: u32,
    },
    /// `K`, `KB`, `KO` (a key: the foreground over a background).
    Key,
}

/// An `M2` motion line: the event plays `speed` source frames per second (negative: backwards;
/// 0: a freeze) from `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Motion {
    pub line: usize,
    pub reel: String,
    /// As written (`047.6`, `-25.0`, `000.0`).
    pub speed: String,
    pub at: Tc,
}

/// One event line, with what the lines after it say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CmxEvent {
    pub line: usize,
    /// The event number as written (3 to 6 digits).
    pub number: String,
    /// The reel (`BL` is black, `AX` an auxiliary source).
    pub reel: String,
    pub channels: Channels,
    pub transition: Transition,
    pub source_in: Tc,
    pub source_out: Tc,
    pub record_in: Tc,
    pub record_out: Tc,
    pub clip_name: Option<String>,
    pub source_file: Option<String>,
    pub motion: Option<Motion>,
    /// `* * FREEZE FRAME` was written.
    pub freeze_comment: bool,
    /// Other comment lines, without their `*` (effects names, ASC CDL, patches …).
    pub comments: Vec<String>,
}

/// A `* LOC:` marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Locator {
    pub line: usize,
    pub at: Tc,
    /// The colour word as written (`RED`, `YELLOW` …), if any.
    pub colour: Option<String>,
    pub name: String,
}

/// A problem, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub error: bool,
    pub message: String,
}

/// An entry of an Avid source table (`>>> SOURCE full-name reel-name id`): what a reel stands
/// for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    pub line: usize,
    /// The words after `>>> SOURCE`: the full name first, then the reel as events write it
    /// (cut to the list's reel width), then an id.
    pub words: Vec<String>,
}

/// What a list holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct List {
    pub title: Option<String>,
    pub events: Vec<CmxEvent>,
    pub locators: Vec<Locator>,
    pub sources: Vec<SourceEntry>,
    pub problems: Vec<Problem>,
}

impl List {
    /// The frame rate the list's labels suggest, when it does not say (lists never do), and
    /// why: the highest frame number written decides between 24 (up to 23), 25 (up to 24), 30
    /// (up to 29), 48, 50 and 60; drop-frame labels: 30000/1001. A guess: a 25 fps list whose labels
    /// happen to stay under 24 reads as 24.
    pub fn guess_rate(&self) -> Option<(crate::time::Rate, String)> {
        // Record timecodes count at the list's rate; source ones at their media's.
        let tcs = self.events.iter().flat_map(|e| [e.record_in, e.record_out]);
        let (mut top, mut drop) = (0u32, false);
        for t in tcs {
            top = top.max(t.frames);
            drop |= t.drop;
        }
        let (n, d) = match (top, drop) {
            (_, true) => (30000, 1001),
            (0..=23, _) => (24, 1),
            (24, _) => (25, 1),
            (25..=29, _) => (30, 1),
            (30..=47, _) => (48, 1),
            (48..=49, _) => (50, 1),
            _ => (60, 1),
        };
        let why = if drop {
            "drop-frame timecodes".to_string()
        } else {
            format!("frame numbers up to {top}")
        };
        crate::time::Rate::new(n, d).ok().map(|r| (r, why))
    }
}

/// Marker colours CMX lists write after `* LOC: tc`.
const COLOURS: &[&str] = &[
    "RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW", "BLACK", "WHITE", "ORANGE", "PINK",
    "PURPLE",
];

/// Whether `text` (bytes) looks like a CMX 3600 list: an event line or a `TITLE:`/`FCM:` line
/// among its first lines.
pub fn looks_like(text: &str) -> bool {
    text.lines().take(40).any(|l| {
        let t = l.trim_start_matches('\u{feff}').trim();
        t.starts_with("TITLE:") || t.starts_with("FCM:") || event_line(t, false).is_some()
    })
}

/// Read a list (its text already decoded; a leading byte-order mark is skipped).
pub fn read(text: &str) -> List {
    let mut list = List::default();
    let mut drop = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let l = raw
            .trim_end_matches('\r')
            .trim_start_matches('\u{feff}')
            .trim();
        if l.is_empty() || l.starts_with("REM") {
            continue;
        }
        if let Some(title) = l.strip_prefix("TITLE:") {
            list.title = Some(title.trim().to_string());
        } else if let Some(fcm) = l.strip_prefix("FCM:") {
            frame_counting(&mut list, line, fcm, &mut drop);
        } else if let Some(rest) = l.strip_prefix(">>> SOURCE") {
            list.sources.push(SourceEntry {
                line,
                words: rest.split_whitespace().map(str::to_string).collect(),
            });
        } else if let Some(rest) = l.strip_prefix("AUD") {
            audio_channels(&mut list, line, rest);
        } else if let Some(rest) = l.strip_prefix("M2") {
            motion(&mut list, line, l, rest, drop);
        } else if let Some(comment) = comment_text(l) {
            note(&mut list, line, comment, drop);
        } else {
            event(&mut list, line, l, drop);
        }
    }
    list
}

/// An `FCM:` line: the counting from here on (`drop`), or a warning.
fn frame_counting(list: &mut List, line: usize, fcm: &str, drop: &mut bool) {
    // Some writers glue more after the mode: only its words count.
    let fcm = fcm.trim().to_ascii_uppercase();
    if fcm.starts_with("DROP FRAME") {
        *drop = true;
    } else if fcm.starts_with("NON-DROP FRAME") || fcm.starts_with("NON DROP FRAME") {
        *drop = false;
    } else {
        list.problems.push(Problem {
            line,
            error: false,
            message: format!("`FCM:` says neither DROP FRAME nor NON-DROP FRAME (`{}`); the counting before it is kept", fcm),
        });
    }
}

/// An `AUD` line: more audio channels of the event before.
fn audio_channels(list: &mut List, line: usize, rest: &str) {
    let Some(ev) = list.events.last_mut() else {
        list.problems.push(orphan(line, "an `AUD` line"));
        return;
    };
    for t in rest.split_whitespace() {
        match t.parse::<u8>() {
            Ok(n) if (1..=32).contains(&n) => ev.channels.audio.push(n),
            _ => list.problems.push(Problem {
                line,
                error: true,
                message: format!("`AUD` names audio channels by number; `{t}` is not one"),
            }),
        }
    }
}

/// An `M2` line (`l`, `rest` after `M2`): the motion of the event before.
fn motion(list: &mut List, line: usize, l: &str, rest: &str, drop: bool) {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let motion = match words.as_slice() {
        [reel @ .., speed, at] if !reel.is_empty() => Tc::parse(at, drop)
            .filter(|_| speed.parse::<f64>().is_ok())
            .map(|at| Motion {
                line,
                reel: reel.join(" "),
                speed: (*speed).to_string(),
                at,
            }),
        _ => None,
    };
    match (motion, list.events.last_mut()) {
        (Some(m), Some(ev)) => ev.motion = Some(m),
        (Some(_), None) => list.problems.push(orphan(line, "an `M2` motion line")),
        (None, _) => list.problems.push(Problem {
            line,
            error: true,
            message: format!("`{l}` is not a motion line (`M2 reel speed timecode`, speed in source frames per second)"),
        }),
    }
}

/// An event line (or an error: the line is nothing this reader knows).
fn event(list: &mut List, line: usize, l: &str, drop: bool) {
    let Some(mut ev) = event_line(l, drop) else {
        list.problems.push(Problem {
            line,
            error: true,
            message: format!("`{l}` is not an event, motion, comment, `TITLE:` or `FCM:` line"),
        });
        return;
    };
    ev.line = line;
    // A transition is written on the incoming event's line, right after the outgoing side's
    // (zero-length) line with the same number.
    if !matches!(ev.transition, Transition::Cut) {
        let previous = list.events.last().map(|p| p.number.clone());
        if previous.as_deref() != Some(ev.number.as_str()) {
            list.problems.push(Problem {
                line,
                error: true,
                message: format!(
                    "the transition of event {} does not follow a line of event {} (the outgoing side is written first with the same number{}); export the list again, or make the line before it the outgoing side of event {}",
                    ev.number,
                    ev.number,
                    previous.map(|p| format!(", but the line before is event {p}")).unwrap_or_default(),
                    ev.number
                ),
            });
        }
    }
    list.events.push(ev);
}

fn orphan(line: usize, what: &str) -> Problem {
    Problem {
        line,
        error: true,
        message: format!("{what} before any event: it has nothing to belong to"),
    }
}

/// The text of a comment line: `* …`, or the notes some writers put without the star.
fn comment_text(l: &str) -> Option<&str> {
    if let Some(c) = l.strip_prefix('*') {
        return Some(c.trim());
    }
    const BARE: &[&str] = &[
        "FROM CLIP NAME:",
        "TO CLIP NAME:",
        "FROM CLIP:",
        "FROM FILE:",
        "SOURCE FILE:",
        "EFFECTS NAME IS",
        "LOC:",
    ];
    BARE.iter().any(|p| l.starts_with(p)).then_some(l)
}

/// File a comment under the last event (or the list, for markers).
fn note(list: &mut List, line: usize, c: &str, drop: bool) {
    if let Some(rest) = c.strip_prefix("LOC:") {
        let mut words = rest.split_whitespace();
        let Some(at) = words.next().and_then(|t| Tc::parse(t, drop)) else {
            list.problems.push(Problem {
                line,
                error: false,
                message: format!("`* LOC:` without a timecode (`{c}`): the marker is left out"),
            });
            return;
        };
        let rest: Vec<&str> = words.collect();
        let (colour, name) = match rest.first() {
            Some(w) if COLOURS.contains(&w.to_ascii_uppercase().as_str()) => {
                (Some(w.to_ascii_uppercase()), rest[1..].join(" "))
            }
            _ => (None, rest.join(" ")),
        };
        list.locators.push(Locator {
            line,
            at,
            colour,
            name,
        });
        return;
    }
    let value = |prefix: &str| c.strip_prefix(prefix).map(|v| v.trim().to_string());
    let n = list.events.len();
    let Some(ev) = list.events.last_mut() else {
        // Comments before the first event (list notes) belong to nothing.
        return;
    };
    let from = value("FROM CLIP NAME:").or_else(|| value("FROM CLIP:"));
    if let Some(name) = value("TO CLIP NAME:") {
        // Under a transition: the incoming clip.
        ev.clip_name = Some(name);
        return;
    }
    if let Some(name) = from {
        if matches!(ev.transition, Transition::Cut) {
            ev.clip_name.get_or_insert(name);
        } else if n >= 2 {
            // Under a transition the "from" clip is the outgoing one, on the line before.
            list.events[n - 2].clip_name.get_or_insert(name);
        }
        return;
    }
    if let Some(file) = value("SOURCE FILE:").or_else(|| value("FROM FILE:")) {
        ev.source_file = Some(file);
        return;
    }
    if c.trim_start_matches('*')
        .trim()
        .eq_ignore_ascii_case("FREEZE FRAME")
    {
        ev.freeze_comment = true;
        return;
    }
    ev.comments.push(c.to_string());
}

/// An event line: number, reel, channels, transition (with its duration), four timecodes.
fn event_line(l: &str, drop: bool) -> Option<CmxEvent> {
    let words: Vec<&str> = l.split_whitespace().collect();
    if words.len() < 8 {
        return None;
    }
    let (head, tcs) = words.split_at(words.len() - 4);
    let tc: Vec<Tc> = tcs
        .iter()
        .map(|t| Tc::parse(t, drop))
        .collect::<Option<_>>()?;
    let number = head.first()?;
    if !(3..=6).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // After the number: the reel, the channels, the transition and, for D/W/K, its duration.
    // Reels never hold spaces; the channels and transition are found from the end.
    let (transition, before) = match &head[1..] {
        [before @ .., t, d] if transition_with_duration(t, d).is_some() => {
            (transition_with_duration(t, d)?, before)
        }
        [before @ .., t] => (transition_word(t)?, before),
        [] => return None,
    };
    let (reel, channel) = match before {
        [reel, channel] => (*reel, *channel),
        _ => return None,
    };
    Some(CmxEvent {
        line: 0,
        number: (*number).to_string(),
        reel: reel.to_string(),
        channels: channels(channel)?,
        transition,
        source_in: tc[0],
        source_out: tc[1],
        record_in: tc[2],
        record_out: tc[3],
        clip_name: None,
        source_file: None,
        motion: None,
        freeze_comment: false,
        comments: Vec::new(),
    })
}

fn transition_word(t: &str) -> Option<Transition> {
    match t {
        "C" => Some(Transition::Cut),
        "K" | "KB" | "KO" => Some(Transition::Key),
        _ => None,
    }
}

fn transition_with_duration(t: &str, d: &str) -> Option<Transition> {
    let frames = d.parse::<u32>().ok()?;
    match t {
        "D" => Some(Transition::Dissolve(frames)),
        "K" | "KB" | "KO" => Some(Transition::Key),
        w if w.len() > 1 && w.starts_with('W') => Some(Transition::Wipe {
            pattern: w[1..].parse().ok()?,
            frames,
        }),
        _ => None,
    }
}

/// `V`, `A`, `A2`, `AA`, `B`, `A3`–`A12`, `NONE`, and `V` with audio after a `/` (`AA/V`).
fn channels(word: &str) -> Option<Channels> {
    let mut c = Channels::default();
    for part in word.split('/') {
        match part {
            "V" => c.video = true,
            "A" | "A1" => c.audio.push(1),
            "AA" => c.audio.extend([1, 2]),
            "B" => {
                c.video = true;
                c.audio.push(1);
            }
            "NONE" => {}
            a => {
                let n = a.strip_prefix('A')?.parse::<u8>().ok()?;
                if !(1..=32).contains(&n) {
                    return None;
                }
                c.audio.push(n);
            }
        }
    }
    Some(c)
}
