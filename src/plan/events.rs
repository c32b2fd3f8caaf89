//! What each event shows and sounds like: its picture and sound from a given frame on, the
//! spans where clips sound (join fades, ducking), and the sound beds placed in the program.

use super::*;

impl Ctx<'_> {
    /// Clip `c`'s source, its first video stream's index and facts.
    fn clip_source(
        &self,
        c: &crate::edl::Clip,
    ) -> Result<(&crate::edl::Source, usize, &VideoFacts), PlanError> {
        let src = self
            .edl
            .sources
            .get(&c.source)
            .ok_or_else(|| PlanError::UnknownSource(c.source.clone()))?;
        let (vindex, video) =
            first_video(&src.facts).ok_or_else(|| PlanError::NoVideo(c.source.clone()))?;
        Ok((src, vindex, video))
    }

    /// The tone clip `c` is finished with: black-and-white material gets the output's finish
    /// unless a look tones it.
    fn tone(&self, c: &crate::edl::Clip, src: &crate::edl::Source) -> Option<Tone> {
        let out = &self.edl.output;
        match c.look {
            Look::Natural if is_bw(src.colour, &src.facts) => Some(out.bw),
            Look::Natural => None,
            Look::Monochrome => Some(out.bw),
            Look::Toned(t) => Some(t),
        }
    }

    /// The picture of clip `c` from `offset` output frames into it.
    pub(super) fn clip_picture(
        &self,
        c: &crate::edl::Clip,
        offset: i64,
    ) -> Result<SourcePicture, PlanError> {
        let out = &self.edl.output;
        let (src, vindex, video) = self.clip_source(c)?;
        let facts = &src.facts;
        let step = out.fps.frame_duration() * c.speed;
        let tone = self.tone(c, src);
        Ok(SourcePicture {
            source: c.source.clone(),
            path: src.path.clone(),
            stream: vindex,
            first: c.source_in + step * offset,
            step,
            filter: video_filter(
                video,
                &src.shape.geometry(video),
                out.width,
                out.height,
                out.fit,
                tone,
                out.draft,
            ),
            tone,
            decode: if out.draft {
                let codec = facts
                    .streams
                    .iter()
                    .find(|s| s.index == vindex)
                    .map_or("", |s| s.codec.as_str());
                // The size the picture is scaled to, in decoded pixels (before the turn; the
                // crop's share of the picture scaled back up).
                let g = src.shape.geometry(video);
                let (cw, ch) = g.cropped();
                let b = fit_picture(cw, ch, g.sar, out.width as i64, out.height as i64, out.fit);
                let (mut sw, mut sh) = (
                    b.scaled_w * g.width / cw.max(1),
                    b.scaled_h * g.height / ch.max(1),
                );
                if g.orientation.swaps_axes() {
                    std::mem::swap(&mut sw, &mut sh);
                }
                super::draft_quality::hints(codec, video.width, video.height, sw as u32, sh as u32)
            } else {
                DecodeHints::default()
            },
        })
    }

    /// A still clip's move, from `offset` frames into the clip's `frames`.
    fn still_picture(
        &self,
        c: &crate::edl::Clip,
        m: &crate::edl::Move,
        offset: i64,
        frames: i64,
    ) -> Result<StillPicture, PlanError> {
        let out = &self.edl.output;
        let (src, vindex, video) = self.clip_source(c)?;
        let g = src.shape.geometry(video);
        let (cw, ch) = g.cropped();
        // Scale the picture down only as far as the widest framing still fills its box in the
        // output one to one (each frame then samples it without skipping pixels).
        let sar = crate::time::to_f64(g.sar);
        let (ow, oh) = (out.width as f64, out.height as f64);
        let mut scale: f64 = 1.0;
        for r in [m.from, m.to] {
            let (rw, rh) = (r[2] * cw as f64, r[3] * ch as f64);
            let aspect = rw * sar / rh.max(1e-9);
            let box_w = if aspect > ow / oh { ow } else { oh * aspect };
            scale = scale.min(box_w / (rw * sar).max(1e-9));
        }
        let (w, h) = (
            ((cw as f64 * scale).round() as i64).max(2),
            ((ch as f64 * scale).round() as i64).max(2),
        );
        let tone = self.tone(c, src);
        Ok(StillPicture {
            source: c.source.clone(),
            path: src.path.clone(),
            stream: vindex,
            filter: super::filters::still_filter(video, &g, w, h, tone),
            width: w,
            height: h,
            sar: g.sar,
            from: m.from,
            to: m.to,
            ease: m.ease,
            first: offset,
            frames,
            fit: out.fit,
            tone,
        })
    }

    /// What an event shows and sounds like from `offset` frames into it.
    pub(super) fn event_media(
        &self,
        k: usize,
        offset: i64,
        frames: i64,
    ) -> Result<(Picture, Sound), PlanError> {
        let edl = self.edl;
        let ev = &edl.timeline[k];
        let out = &edl.output;
        let fps = out.fps;
        Ok(match &ev.kind {
            EventKind::Clip(c) => {
                let picture = self.clip_picture(c, offset)?;
                let (vindex, first) = (picture.stream, picture.first);
                let src = edl
                    .sources
                    .get(&c.source)
                    .ok_or_else(|| PlanError::UnknownSource(c.source.clone()))?;
                let facts = &src.facts;
                let picture = match &c.motion {
                    Some(m) => Picture::Still(self.still_picture(c, m, offset, ev.frames)?),
                    None => Picture::Source(picture),
                };
                // A freeze is silent unless its sound carries on at its own speed; a changed
                // speed stretches the sound, keeping its pitch.
                let silent = c.audio.mute || (c.frozen() && !c.audio.carry);
                let sound = match facts.audio_stream(c.audio.stream) {
                    Some((aindex, a)) if !silent => {
                        let s0 = sample_at(self.starts[k] + offset, out.audio.sample_rate, fps);
                        let s1 =
                            sample_at(self.starts[k] + offset + frames, out.audio.sample_rate, fps);
                        let (start, speed) = if c.frozen() {
                            (
                                c.source_in + fps.frame_duration() * offset,
                                Rational::from_integer(1),
                            )
                        } else {
                            (first, c.speed)
                        };
                        let conform = audio_filter(&out.audio, a.channels, c.audio.gain_db);
                        Sound::Source {
                            path: src.path.clone(),
                            stream: aindex,
                            video_stream: vindex,
                            start,
                            speed,
                            filter: match stretch(speed, c.audio.stretch) {
                                Some(s) => format!("{s},{conform}"),
                                None => conform,
                            },
                            envelope: Envelope::window(&self.curves[k], s0, s1 - s0),
                        }
                    }
                    _ => Sound::Silence,
                };
                (picture, sound)
            }
            EventKind::Title(t) => {
                // A transparent card is drawn over the previous event carrying on, sound included.
                let (underneath, sound) = match (&t.background, k.checked_sub(1)) {
                    (None, Some(p)) => {
                        let (pic, sound) =
                            self.event_media(p, edl.timeline[p].frames + offset, frames)?;
                        (Some(Box::new(pic)), sound)
                    }
                    _ => (None, Sound::Silence),
                };
                (
                    Picture::Title(TitlePicture {
                        lines: title_layout(&t.text, t.size, out.height, t.position),
                        size: t.size,
                        colour: t.colour.to_string(),
                        font: t.font.clone(),
                        background: t.background.map(|b| b.to_string()),
                        underneath,
                    }),
                    sound,
                )
            }
            EventKind::Gap => (Picture::Black, Sound::Silence),
        })
    }
}

/// Whether a source is treated as black-and-white: as declared, or as measured for `auto`.
pub fn is_bw(declared: ColourClass, facts: &MediaFacts) -> bool {
    match declared {
        ColourClass::Bw => true,
        ColourClass::Colour => false,
        ColourClass::Auto => facts
            .colour
            .as_ref()
            .is_some_and(|c| c.class == crate::facts::ColourVerdict::Bw),
    }
}

pub(super) fn first_video(f: &MediaFacts) -> Option<(usize, &VideoFacts)> {
    f.streams
        .iter()
        .find_map(|s| s.video.as_ref().map(|v| (s.index, v)))
}

/// What the plan knows about the events' sound while it cuts segments.
pub(super) struct Ctx<'a> {
    edl: &'a Edl,
    /// Record frame where each timeline event's frame 0 plays.
    pub(super) starts: Vec<i64>,
    /// Each event's sound curves in program samples (join fades and its own fades).
    curves: Vec<Vec<Curve>>,
    /// Program samples where the picture has sound (for ducking), in order, not overlapping.
    dialogue: Vec<(i64, i64)>,
    /// The parts of clips' sound heard outside their own picture (split edits: a J-cut's lead,
    /// an L-cut's tail), mixed at assembly like beds.
    splits: Vec<PlacedBed>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(edl: &'a Edl, events: &[PlannedEvent]) -> Result<Ctx<'a>, PlanError> {
        let out = &edl.output;
        let (sr, fps) = (out.audio.sample_rate, out.fps);
        let starts: Vec<i64> = events.iter().map(|e| e.record_start).collect();
        let transparent = |k: usize| matches!(edl.timeline.get(k).map(|e| &e.kind), Some(EventKind::Title(t)) if t.background.is_none());
        let dissolves_in = |k: usize| {
            edl.timeline
                .get(k)
                .is_some_and(crate::edl::Event::dissolves_in)
        };
        let mut curves = vec![Vec::new(); edl.timeline.len()];
        let mut dialogue: Vec<(i64, i64)> = Vec::new();
        // Each clip's sound as program samples [start, end), and the split edits to cut the
        // neighbours' sound at: (first, end) of the lead or tail, and the clip.
        let mut ranges: Vec<Option<(i64, i64)>> = vec![None; edl.timeline.len()];
        let mut leads: Vec<(i64, usize)> = Vec::new();
        let mut tails: Vec<(i64, usize)> = Vec::new();
        let mut pieces: Vec<(usize, i64, i64, i64, &str)> = Vec::new();
        let mut splits = Vec::new();
        for (k, ev) in edl.timeline.iter().enumerate() {
            let EventKind::Clip(c) = &ev.kind else {
                continue;
            };
            let facts = edl
                .sources
                .get(&c.source)
                .map(|s| &s.facts)
                .ok_or_else(|| PlanError::UnknownSource(c.source.clone()))?;
            if c.audio.mute
                || (c.frozen() && !c.audio.carry)
                || facts.audio_stream(c.audio.stream).is_none()
            {
                continue;
            }
            // The sound runs on under transparent titles that follow.
            let mut end_frame = starts[k] + ev.frames;
            let mut next = k + 1;
            while transparent(next) {
                end_frame += edl.timeline[next].frames;
                next += 1;
            }
            let (p0, p1) = (sample_at(starts[k], sr, fps), sample_at(end_frame, sr, fps));
            // The sound runs from its lead before the picture to its tail after it.
            let (s0, s1) = (p0 - c.audio.lead, p1 + c.audio.tail);
            let len = s1 - s0;
            let join = out.audio.join_fade.min(len / 2);
            let list = &mut curves[k];
            if join > 0 && !dissolves_in(k) {
                list.push(Curve::fade_in(s0, join));
            }
            if join > 0 && !dissolves_in(next) {
                list.push(Curve::fade_out(s1, join));
            }
            if c.audio.fade_in > 0 {
                list.push(Curve::fade_in(s0, c.audio.fade_in.min(len)));
            }
            if c.audio.fade_out > 0 {
                list.push(Curve::fade_out(s1, c.audio.fade_out.min(len)));
            }
            dialogue.push((s0, s1));
            ranges[k] = Some((s0, s1));
            if c.audio.lead > 0 && !c.audio.mix {
                leads.push((s0, k));
            }
            if c.audio.tail > 0 && !c.audio.mix {
                tails.push((s1, k));
            }
            for (from, to, what) in [(s0, p0, "lead"), (p1, s1, "tail")] {
                if to > from {
                    pieces.push((k, from, to, p0, what));
                }
            }
        }
        // Under a split edit (unless it mixes) the neighbours' sound stops at the sound edit
        // (a lead cuts what plays before the clip) or starts there (a tail, what plays after),
        // each with the join fade.
        let fade = out.audio.join_fade;
        for &(at, k) in &leads {
            for (j, range) in ranges.iter().enumerate().take(k) {
                if let Some((a, _)) = range.filter(|&(a, b)| a < at && b > at) {
                    curves[j].push(Curve::fade_out(at, fade.min((at - a) / 2)));
                }
            }
        }
        for &(at, k) in &tails {
            for (j, range) in ranges.iter().enumerate().skip(k + 1) {
                if let Some((_, b)) = range.filter(|&(a, b)| a < at && b > at) {
                    curves[j].push(Curve::fade_in(at, fade.min((b - at) / 2)));
                }
            }
        }
        // The lead and the tail are played from the source beside the picture's segments,
        // with the clip's curves (cuts included).
        for (k, from, to, p0, what) in pieces {
            let EventKind::Clip(c) = &edl.timeline[k].kind else {
                continue;
            };
            let Some(src) = edl.sources.get(&c.source) else {
                continue;
            };
            let (Some((aindex, a)), Some((vindex, _))) = (
                src.facts.audio_stream(c.audio.stream),
                first_video(&src.facts),
            ) else {
                continue;
            };
            let name = events
                .get(k)
                .map_or_else(|| c.source.clone(), |e| e.name.clone());
            splits.push(PlacedBed {
                name: format!("{name} ({what})"),
                path: src.path.clone(),
                stream: aindex,
                origin_stream: vindex,
                source_in: c.source_in + Rational::new(from - p0, i64::from(sr)),
                start: from,
                end: to,
                sample_rate: sr,
                filter: audio_filter(&out.audio, a.channels, c.audio.gain_db),
                curves: curves[k].clone(),
            });
        }
        dialogue.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (a, b) in dialogue {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        Ok(Ctx {
            edl,
            starts,
            curves,
            dialogue: merged,
            splits,
        })
    }
}

/// A bed as placed in the program.
#[derive(Clone)]
pub(super) struct PlacedBed {
    name: String,
    path: PathBuf,
    stream: usize,
    origin_stream: usize,
    source_in: Rational,
    /// Program samples `[start, end)`.
    start: i64,
    end: i64,
    sample_rate: u32,
    filter: String,
    curves: Vec<Curve>,
}

impl PlacedBed {
    /// The part of the bed under the segment whose samples are `[start, start + len)`.
    pub(super) fn piece(&self, start: i64, len: i64) -> Option<BedPiece> {
        let a = self.start.max(start);
        let b = self.end.min(start + len);
        (b > a).then(|| BedPiece {
            name: self.name.clone(),
            path: self.path.clone(),
            stream: self.stream,
            origin_stream: self.origin_stream,
            start: self.source_in + Rational::new(a - self.start, self.sample_rate as i64),
            offset: a - start,
            samples: b - a,
            filter: self.filter.clone(),
            envelope: Envelope::window(&self.curves, start, len),
        })
    }
}

/// Place the beds: their program range (cut at the program's end with a fade), gain, fades,
/// the program's fades, and ducking under the picture's sound.
pub(super) fn plan_beds(
    edl: &Edl,
    ctx: &Ctx,
    fades: &[Fade],
    total: i64,
    total_samples: i64,
) -> Vec<PlacedBed> {
    let out = &edl.output;
    let (sr, fps) = (out.audio.sample_rate, out.fps);
    let mut placed = Vec::new();
    // Split edits' sound outside its picture takes the fades of the program where it plays
    // (the picture's segments fade their own sound).
    for split in &ctx.splits {
        let mut split = split.clone();
        for f in fades {
            let (a, b) = (
                sample_at(f.start, sr, fps),
                sample_at(f.start + f.frames, sr, fps),
            );
            if a < split.end && b > split.start {
                // Like a segment's fade: only over its own samples (a dip to black ends, and
                // the sound after it is whole again).
                split.curves.push(Curve {
                    points: match f.kind {
                        FadeKind::In => vec![(a, 1.0), (a, 0.0), (b, 1.0)],
                        FadeKind::Out => vec![(a, 1.0), (b, 0.0), (b, 1.0)],
                    },
                });
            }
        }
        placed.push(split);
    }
    // Where each bed plays: [start, wanted end) with the end cut at the program's.
    let span = |bed: &crate::edl::Bed| -> Option<(i64, i64)> {
        let facts = &edl.sources.get(&bed.source)?.facts;
        facts.audio_stream(bed.stream)?;
        // Unless told, the bed plays to the end of its sound.
        let natural = facts
            .audio_duration(bed.stream)
            .map(|d| round_half_up((d - bed.source_in) * sr as i64).max(0));
        let wanted_end = bed
            .samples
            .or(natural)
            .map_or(total_samples, |n| bed.start + n);
        (wanted_end.min(total_samples) > bed.start).then_some((bed.start, wanted_end))
    };
    // What the ducking beds go down under: the picture's sound, and the sound clips of tracks
    // that do not duck themselves.
    let mut dialogue = ctx.dialogue.clone();
    for bed in edl.beds.iter().filter(|b| b.dialogue) {
        if let Some((a, b)) = span(bed) {
            dialogue.push((a, b.min(total_samples)));
        }
    }
    dialogue.sort_unstable();
    for bed in &edl.beds {
        let Some(src) = edl.sources.get(&bed.source) else {
            continue;
        };
        let facts = &src.facts;
        let Some((stream, a)) = facts.audio_stream(bed.stream) else {
            continue;
        };
        let origin_stream = first_video(facts).map_or(stream, |(i, _)| i);
        let Some((_, wanted_end)) = span(bed) else {
            continue;
        };
        let end = wanted_end.min(total_samples);
        let len = end - bed.start;
        let mut curves = Vec::new();
        if bed.fade_in > 0 {
            curves.push(Curve::fade_in(bed.start, bed.fade_in.min(len)));
        }
        // Cut by the program's end: fade out there (1 s unless the bed has its own fade).
        let fade_out = if wanted_end > total_samples && bed.fade_out == 0 {
            sr as i64
        } else {
            bed.fade_out
        };
        if fade_out > 0 {
            curves.push(Curve::fade_out(end, fade_out.min(len)));
        }
        if out.fade_in > 0 {
            curves.push(Curve::fade_in(
                0,
                sample_at(out.fade_in.min(total), sr, fps),
            ));
        }
        if out.fade_out > 0 {
            let from = sample_at(total - out.fade_out.min(total), sr, fps);
            curves.push(Curve::fade_out(total_samples, total_samples - from));
        }
        if let Some(duck) = bed.duck.filter(|d| d.db > 0.0) {
            let low = 10f64.powf(-duck.db / 20.0);
            let r = duck.ramp.max(0);
            // Runs of sound closer than the two ramps stay ducked between them.
            let mut runs: Vec<(i64, i64)> = Vec::new();
            for &(a, b) in &dialogue {
                match runs.last_mut() {
                    Some(last) if a - last.1 <= 2 * r => last.1 = last.1.max(b),
                    _ => runs.push((a, b)),
                }
            }
            for (a, b) in runs {
                curves.push(Curve {
                    points: vec![(a - r, 1.0), (a, low), (b, low), (b + r, 1.0)],
                });
            }
        }
        placed.push(PlacedBed {
            name: bed.name.clone(),
            path: src.path.clone(),
            stream,
            origin_stream,
            source_in: bed.source_in,
            start: bed.start,
            end,
            sample_rate: sr,
            filter: audio_filter(&out.audio, a.channels, bed.gain_db),
            curves,
        });
    }
    placed
}

/// The filter chain that plays sound `speed` times as fast keeping its pitch: FFmpeg's
/// `atempo` (each stage takes 0.5 to 100) or `rubberband`; `None` at normal speed.
pub(super) fn stretch(speed: Rational, kind: crate::edl::raw::Stretch) -> Option<String> {
    let one = Rational::from_integer(1);
    if speed == one || *speed.numer() <= 0 {
        return None;
    }
    let exact = crate::time::to_f64;
    if kind == crate::edl::raw::Stretch::Rubberband {
        return Some(format!("rubberband=tempo={}", exact(speed)));
    }
    let half = Rational::new(1, 2);
    let mut left = speed;
    let mut stages = Vec::new();
    while left < half {
        stages.push("atempo=0.5".to_string());
        left /= half;
    }
    stages.push(format!("atempo={}", exact(left)));
    Some(stages.join(","))
}
