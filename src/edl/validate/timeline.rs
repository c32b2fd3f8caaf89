//! Checks of the timeline: times at the right rate, lengths, transitions, clips.

use super::*;

impl Validator<'_> {
    /// A source time (`in`, `out`), resolved at the source's rate when its form counts frames.
    pub(super) fn source_time(
        &mut self,
        p: String,
        v: &Value,
        src_rate: Option<Rate>,
        source_ok: bool,
    ) -> Option<Rational> {
        let spec = match TimeSpec::from_json(v) {
            Ok(s) => s,
            Err(e) => {
                self.error(p, e.to_string());
                return None;
            }
        };
        let rate = if spec.needs_rate() {
            match src_rate {
                Some(r) => r,
                // The source is unknown or has a problem of its own, reported there: one root
                // cause, one error.
                None if !source_ok => return None,
                None => {
                    if !self.probing {
                        self.diags.push(Diagnostic::warning(
                            p,
                            format!("`{spec}` counts frames at the source's frame rate, which is only known by probing: not checked with --no-probe (or add \"fps\" to the source)"),
                        ));
                    } else {
                        self.error(p, format!("`{spec}` counts frames, but the source's frame rate is unknown (a sound-only file has none); give the time in seconds (e.g. \"12.5s\") or add \"fps\" to the source"));
                    }
                    return None;
                }
            }
        } else {
            // Seconds need no rate; any valid rate will do.
            Rate::new(25, 1).ok()?
        };
        match spec.to_seconds(rate) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(p, e.to_string());
                None
            }
        }
    }

    pub(super) fn program_frames(&mut self, ptr: &str, v: &Value, fps: Rate) -> Option<i64> {
        let spec = match TimeSpec::from_json(v) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        let secs = match spec.to_seconds(fps) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        Some(round_half_up(secs * fps.as_ratio()))
    }

    pub(super) fn timeline(
        &mut self,
        raw: &[Option<RawEvent>],
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Vec<Event>> {
        if raw.is_empty() {
            self.error("/timeline", "the timeline is empty; add at least one event");
            return None;
        }
        let mut events = Vec::new();
        let mut all_ok = true;
        for (i, e) in raw.iter().enumerate() {
            let Some(e) = e else {
                all_ok = false;
                continue;
            };
            match self.event(i, e, sources, fps) {
                Some(ev) => events.push(ev),
                None => all_ok = false,
            }
        }
        let first_has_transition = match raw.first() {
            Some(Some(RawEvent::Clip(c))) => c.transition.is_some(),
            Some(Some(RawEvent::Title(t))) => t.transition.is_some(),
            Some(Some(RawEvent::Gap(g))) => g.transition.is_some(),
            _ => false,
        };
        if first_has_transition {
            self.error("/timeline/0/transition", "the first event cannot have a transition: there is nothing before it to transition from; remove it");
        }
        // A transparent title shows the previous clip carrying on past its out-point: the
        // source must have that much more picture.
        for w in events.windows(2) {
            let (prev, ev) = (&w[0], &w[1]);
            let (EventKind::Clip(c), EventKind::Title(t)) = (&prev.kind, &ev.kind) else {
                continue;
            };
            let (Some(fps), true) = (fps, t.background.is_none() && prev.index + 1 == ev.index)
            else {
                continue;
            };
            if c.retimed() {
                self.error(
                    format!("/timeline/{}/title/background", ev.index),
                    "a transparent title over a clip whose speed is changed is not supported (the clip's stretched sound is rendered in one piece); give the title a background",
                );
                continue;
            }
            let needed = if c.frozen() {
                c.source_out
            } else {
                c.source_out + Rational::from_integer(ev.frames) * c.speed / fps.as_ratio()
            };
            let len = sources
                .get(&c.source)
                .and_then(|s| s.facts.as_ref())
                .and_then(MediaFacts::usable_duration);
            if let Some(len) = len.filter(|l| needed > *l) {
                self.error(
                    format!("/timeline/{}/title/background", ev.index),
                    format!("this transparent title shows source `{}` carrying on to {}, but it is only {} long; shorten the title, end the clip earlier, or give the title a colour", c.source, format_seconds(needed), format_seconds(len)),
                );
            }
        }
        // A clip whose speed is changed is stretched in one piece: no dissolve may share it.
        for (k, ev) in events.iter().enumerate() {
            let dissolve = Event::dissolves_in;
            let retimed = matches!(&ev.kind, EventKind::Clip(c) if c.retimed());
            let into = dissolve(ev);
            let out_of = events
                .get(k + 1)
                .is_some_and(|n| n.index == ev.index + 1 && dissolve(n));
            if retimed && (into || out_of) {
                self.error(
                    format!("/timeline/{}/speed", ev.index),
                    "a dissolve into or out of a clip whose speed is changed is not supported (its stretched sound is rendered in one piece); use a cut or a dip to black",
                );
            }
        }
        // A transition may not be longer than either neighbour.
        for (k, ev) in events.iter().enumerate() {
            let Some(t) = ev.transition else { continue };
            if ev.index == 0 {
                continue;
            }
            let ptr = format!("/timeline/{}/transition/duration", ev.index);
            if t.frames() < 1 {
                self.error(
                    ptr,
                    "the transition is shorter than one output frame; make it longer or remove it",
                );
                continue;
            }
            let what = t.name();
            // The previous event, when it was checked without problems of its own.
            let prev = k
                .checked_sub(1)
                .map(|p| &events[p])
                .filter(|p| p.index + 1 == ev.index);
            let (limit, who) = match prev {
                Some(p) if p.frames < ev.frames => (
                    p.frames,
                    format!("the previous event (/timeline/{}) lasts", p.index),
                ),
                _ => (ev.frames, "this event lasts".to_string()),
            };
            // This event must also hold the dissolve out of it, if it dissolves in and the next
            // event dissolves out of it.
            let next_dissolve = events
                .get(k + 1)
                .filter(|n| n.index == ev.index + 1 && t.overlap() > 0)
                .map_or(0, Event::overlap);
            if next_dissolve > 0 && t.frames() + next_dissolve > ev.frames {
                self.error(
                    ptr.clone(),
                    format!("this event lasts {} frames but dissolves in over {} and out over {} more; shorten a dissolve or lengthen the event", ev.frames, t.frames(), next_dissolve),
                );
                continue;
            }
            if t.frames() > limit {
                self.error(
                    ptr,
                    format!("the {what} lasts {} frames but {who} only {limit} frames; shorten the transition to at most {limit} frames", t.frames()),
                );
            }
        }
        if all_ok {
            Some(events)
        } else {
            None
        }
    }

    pub(super) fn transition(
        &mut self,
        ptr: &str,
        t: Option<&RawTransition>,
        fps: Rate,
    ) -> Result<Option<Transition>, ()> {
        let Some(t) = t else { return Ok(None) };
        let frames = self
            .program_frames(&format!("{ptr}/transition/duration"), &t.duration.0, fps)
            .ok_or(())?;
        Ok(Some(Transition::new(t.kind, frames)))
    }

    pub(super) fn event(
        &mut self,
        i: usize,
        e: &RawEvent,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Event> {
        let ptr = format!("/timeline/{i}");
        match e {
            RawEvent::Gap(g) => {
                let fps = fps?;
                if let Some(n) = &g.name {
                    self.text_field(&format!("{ptr}/name"), n);
                }
                let frames = self.program_frames(&format!("{ptr}/gap"), &g.gap.0, fps);
                let transition = self.transition(&ptr, g.transition.as_ref(), fps).ok()?;
                let frames = self.positive_length(&format!("{ptr}/gap"), frames?)?;
                Some(Event {
                    index: i,
                    name: g.name.clone(),
                    kind: EventKind::Gap,
                    transition,
                    frames,
                })
            }
            RawEvent::Title(t) => {
                if let Some(n) = &t.name {
                    self.text_field(&format!("{ptr}/name"), n);
                }
                self.text_field(&format!("{ptr}/title/text"), &t.title.text);
                if t.title.text.trim().is_empty() {
                    self.error(
                        format!("{ptr}/title/text"),
                        "the title text is empty; write the card's text, or use a gap for black",
                    );
                }
                let fps = fps?;
                let frames =
                    self.program_frames(&format!("{ptr}/title/duration"), &t.title.duration.0, fps);
                let transition = self.transition(&ptr, t.transition.as_ref(), fps).ok()?;
                let frames = self.positive_length(&format!("{ptr}/title/duration"), frames?)?;
                let title = self.title_card(&ptr, &t.title, self.out_height)?;
                Some(Event {
                    index: i,
                    name: t.name.clone(),
                    kind: EventKind::Title(title),
                    transition,
                    frames,
                })
            }
            RawEvent::Clip(c) => self.clip(i, c, sources, fps),
        }
    }

    /// A playback speed: 0 (a freeze), or 1/10 to 10 — a number or `"n/d"`, exact.
    pub(super) fn speed(&mut self, ptr: &str, v: &serde_json::Value) -> Option<Rational> {
        let text = match v {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.trim().to_string(),
            _ => String::new(),
        };
        let parsed = match text.split_once('/') {
            Some((n, d)) => match (n.trim().parse::<i64>(), d.trim().parse::<i64>()) {
                (Ok(n), Ok(d)) if d > 0 => Some(Rational::new(n, d)),
                _ => None,
            },
            None => crate::time::decimal(&text),
        };
        match parsed {
            Some(s)
                if *s.numer() == 0
                    || (Rational::new(1, 10) <= s && s <= Rational::from_integer(10)) =>
            {
                Some(s)
            }
            _ => {
                self.error(
                    ptr,
                    format!("speed `{text}` is out of range; use 0.1 to 10 (a number or \"n/d\", e.g. 0.5 or \"25/24\"), or 0 for a freeze"),
                );
                None
            }
        }
    }

    /// A still's move: two framings inside the picture.
    fn motion(&mut self, ptr: &str, m: &raw::RawMove) -> Option<crate::edl::Move> {
        let mut rect = |name: &str, r: &raw::RawRect| -> Option<[f64; 4]> {
            let v = [r.x, r.y, r.w, r.h];
            let inside = v.iter().all(|x| x.is_finite())
                && r.x >= 0.0
                && r.y >= 0.0
                && r.w > 0.0
                && r.h > 0.0
                && r.x + r.w <= 1.0 + 1e-9
                && r.y + r.h <= 1.0 + 1e-9;
            if inside {
                Some(v)
            } else {
                self.error(
                    format!("{ptr}/{name}"),
                    format!("the framing x {} y {} w {} h {} is not inside the picture; give shares of its width and height, with x + w and y + h at most 1 and w, h above 0", r.x, r.y, r.w, r.h),
                );
                None
            }
        };
        let from = rect("from", &m.from);
        let to = rect("to", &m.to);
        Some(crate::edl::Move {
            from: from?,
            to: to?,
            ease: m.ease.unwrap_or_default(),
        })
    }

    pub(super) fn positive_length(&mut self, ptr: &str, frames: i64) -> Option<i64> {
        if frames < 1 {
            self.error(
                ptr,
                "the event is shorter than one output frame; make it longer or remove it",
            );
            None
        } else {
            Some(frames)
        }
    }

    pub(super) fn clip(
        &mut self,
        i: usize,
        c: &raw::RawClip,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Event> {
        self.clip_at(&format!("/timeline/{i}"), i, c, sources, fps)
    }

    /// A clip whose problems are reported under `ptr` (a timeline event or a cutaway).
    pub(super) fn clip_at(
        &mut self,
        ptr: &str,
        i: usize,
        c: &raw::RawClip,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Event> {
        let ptr = ptr.to_string();
        if let Some(n) = &c.name {
            self.text_field(&format!("{ptr}/name"), n);
        }
        let look = match &c.look {
            None | Some(raw::RawLook::Named(raw::LookName::Natural)) => Look::Natural,
            Some(raw::RawLook::Named(raw::LookName::Monochrome)) => Look::Monochrome,
            Some(raw::RawLook::Named(raw::LookName::Sepia)) => Look::Toned(Tone::SEPIA),
            Some(raw::RawLook::Tint(t)) => {
                Look::Toned(self.tint(&format!("{ptr}/look/tint"), &t.tint)?)
            }
        };
        let source = sources.get(&c.source);
        if !self.declared.contains(&c.source) {
            let known: Vec<String> = self.declared.clone();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let hint = suggestion(&c.source, known.iter().copied());
            self.error(
                format!("{ptr}/source"),
                if known.is_empty() {
                    format!("unknown source `{}`; `sources` defines none", c.source)
                } else {
                    format!(
                        "unknown source `{}`{hint}{}known sources: {}",
                        c.source,
                        if hint.is_empty() { "; " } else { " " },
                        known.join(", ")
                    )
                },
            );
        }
        match (&c.out, &c.duration) {
            (Some(_), Some(_)) => self.error(&ptr, "give either `out` or `duration`, not both"),
            (None, None) => {
                self.error(&ptr, "missing `out` or `duration`: say where the clip ends")
            }
            _ => {}
        }
        let fps_out = fps;
        let src_rate = source.and_then(Candidate::rate);
        // A source whose file could not be probed has its error at the source: no cascade here.
        let known = source.is_some_and(|s| s.facts.is_some() || !self.probing);
        let source_in = self.source_time(format!("{ptr}/in"), &c.in_.0, src_rate, known);
        let out = c
            .out
            .as_ref()
            .and_then(|o| self.source_time(format!("{ptr}/out"), &o.0, src_rate, known));
        let duration_frames = match (&c.duration, fps_out) {
            (Some(d), Some(fps)) => self.program_frames(&format!("{ptr}/duration"), &d.0, fps),
            _ => None,
        };
        let transition = match fps_out {
            Some(fps) => self.transition(&ptr, c.transition.as_ref(), fps).ok()?,
            None => None,
        };
        if let (Some(i), Some(o)) = (source_in, out) {
            if o <= i {
                self.error(
                    format!("{ptr}/out"),
                    format!("out {} must be after in {}; `out` is exclusive, so a one-frame clip has out = in + one frame", format_source_time(o, src_rate), format_source_time(i, src_rate)),
                );
                return None;
            }
        }
        // A still (a photograph, a scan) is one picture held: a freeze on its only frame.
        let still = source
            .and_then(|s| s.facts.as_ref())
            .is_some_and(MediaFacts::is_still);
        let speed = match (&c.speed, still) {
            (None, true) => Rational::from_integer(0),
            (Some(_), true) => {
                self.error(
                    format!("{ptr}/speed"),
                    "a still is one picture held for `duration`: it has no speed; remove `speed`",
                );
                return None;
            }
            (None, false) => Rational::from_integer(1),
            (Some(v), false) => self.speed(&format!("{ptr}/speed"), &v.0)?,
        };
        let frozen = *speed.numer() == 0;
        if frozen && c.out.is_some() {
            self.error(
                format!("{ptr}/out"),
                if still {
                    "a still is one picture: give how long it shows with `duration`, not `out`"
                } else {
                    "a freeze (speed 0) holds the `in` frame: give how long with `duration`, not `out`"
                },
            );
            return None;
        }
        if still && source_in.is_some_and(|i| *i.numer() != 0) {
            self.error(format!("{ptr}/in"), "a still is one picture: its `in` is 0");
            return None;
        }
        let fps = fps_out?;
        let source_in = source_in?;
        let (frames, source_out) = match (out, duration_frames) {
            // The brief's rule: round((out − in) × fps_out / speed) frames.
            (Some(out), None) if c.duration.is_none() => (
                round_half_up((out - source_in) * fps.as_ratio() / speed),
                out,
            ),
            // A freeze shows one frame: the clip ends one output frame after `in`.
            (None, Some(frames)) if c.out.is_none() && frozen => {
                (frames, source_in + fps.frame_duration())
            }
            (None, Some(frames)) if c.out.is_none() => (
                frames,
                source_in + Rational::from_integer(frames) * speed / fps.as_ratio(),
            ),
            _ => return None,
        };
        let frames = self.positive_length(&ptr, frames)?;
        let source = source?;
        if let Some(f) = &source.facts {
            if f.video().is_none() {
                // A file with nothing at all is reported on the source.
                f.audio_streams().next()?;
                self.error(
                    format!("{ptr}/source"),
                    format!("source `{}` ({}) has no picture; a clip needs a video stream (sound-only files go in `audio_tracks`)", source.id, source.path.display()),
                );
                return None;
            }
        }
        let audio = self.clip_audio(&ptr, c.audio.as_deref(), source, fps, frames)?;
        let retimed = !frozen && speed != Rational::from_integer(1);
        if retimed && (audio.lead > 0 || audio.tail > 0) {
            let field = if audio.lead > 0 { "lead" } else { "tail" };
            self.error(
                format!("{ptr}/audio/{field}"),
                "a split edit on a clip whose speed is changed is not supported: its stretched sound is rendered in one piece; remove the split edit or the speed change",
            );
            return None;
        }
        // Without probing (`--no-probe`) whether the source is a still is not known.
        let unknown = source.facts.is_none();
        let motion = match &c.move_ {
            None => None,
            Some(_) if !still && !unknown => {
                self.error(
                    format!("{ptr}/move"),
                    "a move is for stills (photographs, scans): this source is moving picture; remove `move` or use a still",
                );
                return None;
            }
            Some(m) => Some(self.motion(&format!("{ptr}/move"), m)?),
        };
        if frozen && !audio.carry && (audio.lead > 0 || audio.tail > 0) {
            let field = if audio.lead > 0 { "lead" } else { "tail" };
            self.error(
                format!("{ptr}/audio/{field}"),
                "a silent freeze has no sound to lead or run on; add \"carry\": true or remove the split edit",
            );
            return None;
        }
        if audio.stretch == raw::Stretch::Rubberband {
            let field = format!("{ptr}/audio/stretch");
            if !retimed {
                self.error(
                    field,
                    "`stretch` chooses how a changed speed stretches the sound; this clip plays at its own speed",
                );
                return None;
            }
            if self.filter("rubberband") == Some(false) {
                self.error(
                    field,
                    "this FFmpeg has no `rubberband` filter (it is built without librubberband); use \"stretch\": \"atempo\" or an FFmpeg with it",
                );
                return None;
            }
        }
        if audio.carry && !frozen {
            self.error(
                format!("{ptr}/audio/carry"),
                "`carry` is for a freeze (speed 0): the sound carries on while the picture holds",
            );
            return None;
        }
        if let Some(len) = source.facts.as_ref().and_then(MediaFacts::usable_duration) {
            if source_in >= len {
                self.error(
                    format!("{ptr}/in"),
                    format!("in {} is at or past the end of source `{}` ({} long); choose an in-point inside the source", format_source_time(source_in, src_rate), source.id, format_seconds(len)),
                );
                return None;
            }
            if source_out > len {
                let field = if c.out.is_some() { "out" } else { "duration" };
                self.error(
                    format!("{ptr}/{field}"),
                    format!("the clip ends at {} but source `{}` is only {} long; end it at or before {}", format_source_time(source_out, src_rate), source.id, format_seconds(len), format_source_time(len, src_rate)),
                );
                return None;
            }
        }
        // A split edit needs the source's sound before the in-point or after the out-point.
        let sr = i64::from(self.sample_rate);
        let lead = Rational::new(audio.lead, sr);
        if audio.lead > 0 && source_in < lead {
            self.error(
                format!("{ptr}/audio/lead"),
                format!("the sound would start {} before the clip's in-point, at {} in source `{}`, before the source begins; shorten the lead to at most {}", format_seconds(lead), format_seconds(source_in - lead), source.id, format_seconds(source_in)),
            );
            return None;
        }
        let tail = Rational::new(audio.tail, sr);
        let sound_len = source
            .facts
            .as_ref()
            .and_then(|f| f.audio_duration(audio.stream));
        if let Some(len) = sound_len.filter(|l| audio.tail > 0 && source_out + tail > *l) {
            self.error(
                format!("{ptr}/audio/tail"),
                format!("the sound would run on to {} in source `{}`, but its sound is only {} long; shorten the tail to at most {}", format_seconds(source_out + tail), source.id, format_seconds(len), format_seconds((len - source_out).max(Rational::from_integer(0)))),
            );
            return None;
        }
        Some(Event {
            index: i,
            name: c.name.clone(),
            kind: EventKind::Clip(Clip {
                source: c.source.clone(),
                source_in,
                source_out,
                look,
                audio,
                speed,
                motion,
            }),
            transition,
            frames,
        })
    }
}
