//! Checks of sound: clip sound, gains, streams, sound beds, program sample counts.

use super::*;

impl Validator<'_> {
    /// A program-time length (output rate) in whole output frames.
    /// A program time as a count of output samples (frames and timecode count at `fps`).
    pub(super) fn program_samples(
        &mut self,
        ptr: &str,
        v: &Value,
        fps: Rate,
        sample_rate: u32,
    ) -> Option<i64> {
        let secs = match TimeSpec::from_json(v).and_then(|s| s.to_seconds(fps)) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        Some(round_half_up(secs * i64::from(sample_rate)))
    }

    /// A clip's sound settings.
    pub(super) fn clip_audio(
        &mut self,
        ptr: &str,
        a: Option<&raw::RawEventAudio>,
        source: &Candidate,
        fps: Rate,
        frames: i64,
    ) -> Option<ClipAudio> {
        let Some(a) = a else {
            return Some(ClipAudio::default());
        };
        let gain_db = self.gain(&format!("{ptr}/audio/gain_db"), a.gain_db);
        let mut fine = gain_db.is_some();
        let gain_db = gain_db.unwrap_or(0.0);
        let sr = self.sample_rate;
        let event_samples =
            round_half_up(Rational::new(frames * i64::from(sr), 1) / fps.as_ratio());
        let mut fade = |this: &mut Self, field: &str, v: &Option<raw::TimeValue>| -> i64 {
            let Some(v) = v else { return 0 };
            let p = format!("{ptr}/audio/{field}");
            match this.program_samples(&p, &v.0, fps, sr) {
                Some(n) if n > event_samples => {
                    this.error(
                        p,
                        format!(
                            "the fade ({}) is longer than the event ({})",
                            format_seconds(Rational::new(n, i64::from(sr))),
                            format_seconds(Rational::new(event_samples, i64::from(sr)))
                        ),
                    );
                    fine = false;
                    0
                }
                Some(n) => n,
                None => {
                    fine = false;
                    0
                }
            }
        };
        let fade_in = fade(self, "fade_in", &a.fade_in);
        let fade_out = fade(self, "fade_out", &a.fade_out);
        let mut split = |this: &mut Self, field: &str, v: &Option<raw::TimeValue>| -> i64 {
            let Some(v) = v else { return 0 };
            let p = format!("{ptr}/audio/{field}");
            match this.program_samples(&p, &v.0, fps, sr) {
                Some(n) if n >= 0 => {
                    if n > 0 && a.mute.unwrap_or(false) {
                        this.error(
                            p,
                            format!(
                                "a muted clip has no sound to {}; remove `{field}` or `mute`",
                                if field == "lead" {
                                    "lead with"
                                } else {
                                    "run on"
                                }
                            ),
                        );
                        fine = false;
                    }
                    n
                }
                Some(_) => {
                    this.error(p, format!("`{field}` cannot be negative"));
                    fine = false;
                    0
                }
                None => {
                    fine = false;
                    0
                }
            }
        };
        let lead = split(self, "lead", &a.lead);
        let tail = split(self, "tail", &a.tail);
        let stream = a.stream.unwrap_or(0) as usize;
        if !self.audio_stream_exists(&format!("{ptr}/audio/stream"), source, stream) {
            fine = false;
        }
        fine.then_some(ClipAudio {
            gain_db,
            mute: a.mute.unwrap_or(false),
            fade_in,
            fade_out,
            stream,
            lead,
            tail,
            mix: a.overlap.unwrap_or_default() == raw::Overlap::Mix,
            carry: a.carry.unwrap_or(false),
            stretch: a.stretch.unwrap_or_default(),
        })
    }

    /// A gain in dB (default 0), −60 to +24.
    pub(super) fn gain(&mut self, ptr: &str, v: Option<f64>) -> Option<f64> {
        let g = v.unwrap_or(0.0);
        if (-60.0..=24.0).contains(&g) {
            return Some(g);
        }
        self.error(
            ptr,
            format!("gain {g} dB is out of range; use −60 to +24 dB"),
        );
        None
    }

    /// Whether audio stream `n` of `source` exists (reported when it does not; unknown
    /// without probing).
    pub(super) fn audio_stream_exists(&mut self, ptr: &str, source: &Candidate, n: usize) -> bool {
        let Some(f) = &source.facts else { return true };
        let count = f.audio_streams().count();
        if n < count || (n == 0 && count == 0) {
            return true;
        }
        let has = match count {
            0 => "no audio stream".to_string(),
            1 => "one audio stream (0)".to_string(),
            c => format!("{c} audio streams (0 to {})", c - 1),
        };
        self.error(
            ptr,
            format!(
                "source `{}` has {has}; stream {n} does not exist",
                source.id
            ),
        );
        false
    }

    /// The sound beds.
    pub(super) fn audio_tracks(
        &mut self,
        raw: &[Option<raw::RawAudioTrack>],
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Vec<Bed>> {
        let mut beds = Vec::new();
        let mut fine = true;
        let sr = self.sample_rate;
        for (i, t) in raw.iter().enumerate() {
            let Some(t) = t else {
                fine = false;
                continue;
            };
            let ptr = format!("/audio_tracks/{i}");
            let muted = t.mute.unwrap_or(false);
            let Some(clips) = &t.clips else {
                // A track of one sound clip: a bed.
                match self.bed(&ptr, i, t, sources, fps, sr) {
                    Some(b) if !muted => beds.push(b),
                    Some(_) => {}
                    None => fine = false,
                }
                continue;
            };
            // A track of clips: the clips' own fields stay on the clips.
            let misplaced = [
                ("source", t.source.is_some()),
                ("at", t.at.is_some()),
                ("in", t.in_.is_some()),
                ("out", t.out.is_some()),
                ("duration", t.duration.is_some()),
                ("fade_in", t.fade_in.is_some()),
                ("fade_out", t.fade_out.is_some()),
                ("stream", t.stream.is_some()),
                ("duck", t.duck.is_some()),
            ];
            for (field, present) in misplaced {
                if present {
                    self.error(
                        format!("{ptr}/{field}"),
                        format!("a track with `clips` takes `{field}` on each clip, not on the track; move it into the clips"),
                    );
                    fine = false;
                }
            }
            if clips.is_empty() {
                self.error(
                    format!("{ptr}/clips"),
                    "the track has no clips; add sound clips or remove the track",
                );
                fine = false;
            }
            if let Some(n) = &t.name {
                self.text_field(&format!("{ptr}/name"), n);
            }
            let Some(track_gain) = self.gain(&format!("{ptr}/gain_db"), t.gain_db) else {
                fine = false;
                continue;
            };
            let track_name = t.name.clone().unwrap_or_else(|| format!("track {i}"));
            for (j, c) in clips.iter().enumerate() {
                let cptr = format!("{ptr}/clips/{j}");
                for (field, present) in [("clips", c.clips.is_some()), ("mute", c.mute.is_some())] {
                    if present {
                        self.error(
                            format!("{cptr}/{field}"),
                            format!("`{field}` belongs to the track, not to one of its clips"),
                        );
                        fine = false;
                    }
                }
                let Some(mut b) = self.bed(&cptr, i, c, sources, fps, sr) else {
                    fine = false;
                    continue;
                };
                let gain = b.gain_db + track_gain;
                if !(-60.0..=24.0).contains(&gain) {
                    self.error(
                        format!("{cptr}/gain_db"),
                        format!("the clip's gain with its track's is {gain} dB, out of range; keep the sum within −60 to +24 dB"),
                    );
                    fine = false;
                    continue;
                }
                b.gain_db = gain;
                if c.name.is_none() {
                    b.name = format!("{track_name}: {}", b.source);
                }
                b.dialogue = b.duck.is_none();
                if !muted {
                    beds.push(b);
                }
            }
        }
        fine.then_some(beds)
    }

    pub(super) fn bed(
        &mut self,
        ptr: &str,
        index: usize,
        t: &raw::RawAudioTrack,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
        sr: u32,
    ) -> Option<Bed> {
        if let Some(n) = &t.name {
            self.text_field(&format!("{ptr}/name"), n);
        }
        let Some(id) = &t.source else {
            self.error(
                ptr,
                "missing `source`: name the source to play (or give the track `clips`)",
            );
            return None;
        };
        let Some(source) = sources.get(id) else {
            if !self.declared.contains(id) {
                let known = self.declared.clone();
                let hint = suggestion(id, known.iter().map(String::as_str));
                self.error(
                    format!("{ptr}/source"),
                    format!("unknown source `{id}`{hint}"),
                );
            }
            return None;
        };
        let fps = fps?;
        let gain_db = self.gain(&format!("{ptr}/gain_db"), t.gain_db);
        let mut fine = gain_db.is_some();
        let gain_db = gain_db.unwrap_or(0.0);
        let stream = t.stream.unwrap_or(0) as usize;
        if let Some(f) = &source.facts {
            if f.audio_streams().next().is_none() {
                self.error(
                    format!("{ptr}/source"),
                    format!(
                        "source `{}` ({}) has no sound to lay as a bed",
                        source.id,
                        source.path.display()
                    ),
                );
                return None;
            }
        }
        if !self.audio_stream_exists(&format!("{ptr}/stream"), source, stream) {
            fine = false;
        }
        let samples = |this: &mut Self, field: &str, v: &Option<raw::TimeValue>| match v {
            None => Some(0),
            Some(v) => this.program_samples(&format!("{ptr}/{field}"), &v.0, fps, sr),
        };
        let start = samples(self, "at", &t.at);
        let fade_in = samples(self, "fade_in", &t.fade_in);
        let fade_out = samples(self, "fade_out", &t.fade_out);
        let src_rate = source.rate();
        let source_in = match &t.in_ {
            None => Some(Rational::from_integer(0)),
            Some(v) => self.source_time(format!("{ptr}/in"), &v.0, src_rate, true),
        };
        let length = match (&t.out, &t.duration) {
            (Some(_), Some(_)) => {
                self.error(ptr, "give either `out` or `duration`, not both");
                return None;
            }
            (Some(o), None) => {
                let out = self.source_time(format!("{ptr}/out"), &o.0, src_rate, true);
                match (out, source_in) {
                    (Some(o), Some(i)) if o <= i => {
                        self.error(
                            format!("{ptr}/out"),
                            format!(
                                "out ({}) must be after in ({})",
                                format_seconds(o),
                                format_seconds(i)
                            ),
                        );
                        return None;
                    }
                    (Some(o), Some(i)) => Some(Some(round_half_up((o - i) * i64::from(sr)))),
                    _ => None,
                }
            }
            (None, Some(d)) => {
                match self.program_samples(&format!("{ptr}/duration"), &d.0, fps, sr) {
                    Some(0) => {
                        self.error(format!("{ptr}/duration"), "the bed's duration is zero");
                        return None;
                    }
                    Some(n) => Some(Some(n)),
                    None => None,
                }
            }
            (None, None) => Some(None),
        };
        let duck = match &t.duck {
            None => Some(None),
            Some(d) => {
                if !(0.0..=60.0).contains(&d.db) {
                    self.error(format!("{ptr}/duck/db"), format!("ducking by {} dB is out of range; give how far to lower the bed, 0 to 60 dB (e.g. 12)", d.db));
                    fine = false;
                }
                let ramp = match &d.ramp {
                    None => Some(round_half_up(Rational::new(i64::from(sr), 4))),
                    Some(v) => self.program_samples(&format!("{ptr}/duck/ramp"), &v.0, fps, sr),
                };
                ramp.map(|ramp| Some(Duck { db: d.db, ramp }))
            }
        };
        let source_in = source_in?;
        if let Some(len) = source.facts.as_ref().and_then(|f| f.audio_duration(stream)) {
            if source_in >= len {
                self.error(
                    format!("{ptr}/in"),
                    format!(
                        "in ({}) is at or past the end of the sound of source `{}` ({} long)",
                        format_seconds(source_in),
                        source.id,
                        format_seconds(len)
                    ),
                );
                return None;
            }
        }
        if !fine {
            return None;
        }
        Some(Bed {
            index,
            name: t.name.clone().unwrap_or_else(|| id.clone()),
            source: id.clone(),
            stream,
            source_in,
            start: start?,
            samples: length?,
            gain_db,
            fade_in: fade_in?,
            fade_out: fade_out?,
            duck: duck?,
            dialogue: false,
        })
    }
}
