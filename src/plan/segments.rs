//! Placed events cut into segments, each with what the whole program lays on it (samples,
//! fades, bed pieces, burned-in cues, overlays, cost).

use super::*;

/// One segment before the program-wide parts are laid on it: which piece of which event,
/// its program frames, and what it shows and sounds like.
struct Piece {
    event: usize,
    part: usize,
    parts: usize,
    record_start: i64,
    frames: i64,
    picture: Picture,
    sound: Sound,
}

/// Both sides of a dissolve into an event: the previous event's hidden tail and this event's
/// first frames, `frames` long.
struct DissolveSides {
    frames: i64,
    from: (Picture, Sound),
    to: (Picture, Sound),
}

/// Cuts the placed events into segments and lays on each what the whole program decides:
/// its samples, fades, bed pieces, burned-in cues, overlays and cost.
pub(super) struct Cutter<'a> {
    edl: &'a Edl,
    events: &'a [PlannedEvent],
    ctx: Ctx<'a>,
    fades: Vec<Fade>,
    beds: Vec<super::events::PlacedBed>,
    pub(super) tracks: Vec<subtitles::Track>,
    /// Index of the burned-in track in `tracks`, if any.
    burned: Option<usize>,
    /// Where each timeline event is among the planned ones (one look-up per segment: a search
    /// each time made planning quadratic in the number of events).
    position: Vec<usize>,
    pub(super) total_samples: i64,
    pub(super) segments: Vec<Segment>,
}

impl<'a> Cutter<'a> {
    pub(super) fn new(
        edl: &'a Edl,
        events: &'a [PlannedEvent],
        total: i64,
    ) -> Result<Cutter<'a>, PlanError> {
        let (fps, sr) = (edl.output.fps, edl.output.audio.sample_rate);
        let fades = program_fades(edl, events, total);
        let total_samples = sample_at(total, sr, fps);
        let ctx = Ctx::new(edl, events)?;
        let beds = plan_beds(edl, &ctx, &fades, total, total_samples);
        let tracks = subtitles::retime(edl, &ctx.starts, total);
        let burned = tracks.iter().position(|t| t.burn_in);
        let mut position = vec![0usize; edl.timeline.len()];
        for (k, e) in events.iter().enumerate() {
            if let Some(p) = position.get_mut(e.index) {
                *p = k;
            }
        }
        Ok(Cutter {
            edl,
            events,
            ctx,
            fades,
            beds,
            tracks,
            burned,
            position,
            total_samples,
            segments: Vec::new(),
        })
    }

    /// The segments of timeline event `k` (`ev`, placed as `placed`): a dissolve into it as one
    /// segment of its own, then the rest in pieces of about `target` frames, cut again at the
    /// edges of cutaways.
    pub(super) fn event(
        &mut self,
        k: usize,
        ev: &crate::edl::Event,
        placed: &PlannedEvent,
        target: i64,
    ) -> Result<(), PlanError> {
        let edl = self.edl;
        let dissolve = self.dissolve_into(k, ev)?;
        let head = dissolve.as_ref().map_or(0, |d| d.frames);
        let rest = (placed.frames - head).max(0);
        // A clip whose speed is changed is one segment: its sound is stretched in one pass, so
        // the stretch has no joins.
        let retimed = matches!(&ev.kind, EventKind::Clip(c) if c.retimed());
        let pieces = if rest > 0 && retimed {
            vec![rest]
        } else if rest > 0 {
            split_lengths(rest, target)
        } else {
            Vec::new()
        };
        // The pieces are cut again at the edges of cutaways (the rest of the grid stays, so a
        // cutaway re-renders what it covers and the pieces it cuts); those it covers show its
        // picture over the event's sound.
        let first = placed.record_start + head;
        let mut bounds = vec![first];
        for len in pieces {
            bounds.push(bounds.last().map_or(first, |b| b + len));
        }
        let end = first + rest;
        for c in &edl.cutaways {
            for edge in [c.start, c.start + c.frames] {
                if first < edge && edge < end {
                    bounds.push(edge);
                }
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let parts = bounds.len() - 1 + usize::from(head > 0);
        if let Some(d) = dissolve {
            // A cutaway over the whole dissolve shows its picture over the crossfaded sound.
            let picture = match cutaway_over(edl, &self.ctx, placed.record_start, d.frames)? {
                Some(p) => p,
                None => Picture::Dissolve(DissolvePicture {
                    from: Box::new(d.from.0),
                    to: Box::new(d.to.0),
                }),
            };
            self.push(Piece {
                event: ev.index,
                part: 0,
                parts,
                record_start: placed.record_start,
                frames: d.frames,
                picture,
                sound: Sound::Crossfade {
                    from: Box::new(d.from.1),
                    to: Box::new(d.to.1),
                },
            });
        }
        for (i, w) in bounds.windows(2).enumerate() {
            let (offset, len) = (w[0] - placed.record_start, w[1] - w[0]);
            let (picture, sound) = self.ctx.event_media(k, offset, len)?;
            let picture = cutaway_over(edl, &self.ctx, w[0], len)?.unwrap_or(picture);
            self.push(Piece {
                event: ev.index,
                part: i + usize::from(head > 0),
                parts,
                record_start: w[0],
                frames: len,
                picture,
                sound,
            });
        }
        Ok(())
    }

    /// A dissolve into timeline event `k` is one segment holding both sides: the previous
    /// event's hidden tail blended with this event's first frames.
    fn dissolve_into(
        &self,
        k: usize,
        ev: &crate::edl::Event,
    ) -> Result<Option<DissolveSides>, PlanError> {
        match (ev.transition, k.checked_sub(1)) {
            (Some(t), Some(p)) if t.overlap() > 0 => {
                let d = t.overlap();
                let prev = &self.edl.timeline[p];
                Ok(Some(DissolveSides {
                    frames: d,
                    from: self.ctx.event_media(p, prev.frames - d, d)?,
                    to: self.ctx.event_media(k, 0, d)?,
                }))
            }
            _ => Ok(None),
        }
    }

    /// A piece made a segment: its samples, the fades, bed pieces, burned-in cues and
    /// overlays that reach into it, and its cost.
    fn push(&mut self, p: Piece) {
        let edl = self.edl;
        let out = &edl.output;
        let (fps, sr) = (out.fps, out.audio.sample_rate);
        let (record_start, len) = (p.record_start, p.frames);
        let sample_start = sample_at(record_start, sr, fps);
        let samples = sample_at(record_start + len, sr, fps) - sample_start;
        let cost = len * (picture_cost(edl, &p.picture) + out.width as i64 * out.height as i64);
        let seg_beds = self
            .beds
            .iter()
            .filter_map(|b| b.piece(sample_start, samples))
            .collect();
        let burn_in = self.burned.and_then(|i| {
            let t = self.tracks.get(i)?;
            let style = &edl.subtitles.iter().find(|s| s.index == t.index)?.style;
            subtitles::burn_in_for(t, style, fps, record_start, len)
        });
        let overlay = overlay_spec(
            edl,
            &self.events[self.position.get(p.event).copied().unwrap_or(0)],
            record_start,
            &p.picture,
        );
        self.segments.push(Segment {
            id: self.segments.len(),
            event: p.event,
            part: p.part,
            parts: p.parts,
            record_start,
            frames: len,
            sample_start,
            samples,
            fades: self
                .fades
                .iter()
                .filter(|f| f.start < record_start + len && f.start + f.frames > record_start)
                .copied()
                .collect(),
            overlay,
            picture: p.picture,
            sound: p.sound,
            beds: seg_beds,
            burn_in,
            cost,
            key: String::new(),
        });
    }
}
