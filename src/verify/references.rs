//! The references a file is compared with: the frames and sound the plan makes, first from the
//! render's own cached segments (decoded, not rendered again: renders are byte-identical), the
//! rest from short pieces of a fine plan rendered alone by `render` itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::media::measure;
use crate::plan::{self, Plan, PlanOptions};
use crate::render;

use super::{Geometry, Seen, Verify, VerifyError, PIECE_FRAMES};

/// The reference of each wanted frame, and the sound to compare with.
#[derive(Default)]
pub(super) struct References {
    /// Program frame → the reference picture.
    pub prints: BTreeMap<i64, Seen>,
    /// Segment id → its mono sound (beds mixed as assembly mixes them), from the cache.
    pub cached_sound: BTreeMap<usize, Vec<f32>>,
    /// What the cache could not give, in words (each is then rendered anew).
    pub cache_misses: Vec<String>,
    /// The pieces rendered anew, when some reference was not in the cache.
    pub rendered: Option<Rendered>,
}

/// The reference pieces, rendered as one short program of their own, decoded.
pub(super) struct Rendered {
    /// The fine plan the pieces were taken from.
    pub fine: Plan,
    pub pieces: render::pieces::Pieces,
    /// The pieces' sound as mono samples, and the program sample its first one sits at.
    pub mono: Vec<f32>,
    pub first_sample: i64,
}

impl References {
    /// Every wanted frame's reference: from the cache where the render left the segment, the
    /// rest rendered anew.
    pub(super) fn gather(
        v: &Verify,
        wanted: &BTreeSet<i64>,
        geometry: &Geometry,
    ) -> Result<References, VerifyError> {
        let mut refs = References::default();
        if let Some(cache) = v.cache {
            refs.take_from_cache(v, cache, wanted, geometry)?;
        }
        let rest: BTreeSet<i64> = wanted
            .iter()
            .copied()
            .filter(|f| !refs.prints.contains_key(f))
            .collect();
        // The fine plan is made only now: with every reference in the cache, nothing is planned
        // twice.
        if !rest.is_empty() {
            refs.render_anew(v, &rest, geometry)?;
        }
        Ok(refs)
    }

    /// The render's own segments under the keys the plan makes today (verified by their
    /// hashes, pinned while read). A segment whose sound cannot be read is left to be rendered
    /// anew — its frames too, so that its sound check is made from the piece — and said.
    fn take_from_cache(
        &mut self,
        v: &Verify,
        cache: &crate::cache::Cache,
        wanted: &BTreeSet<i64>,
        geometry: &Geometry,
    ) -> Result<(), VerifyError> {
        let out = &v.plan.output;
        let pins = cache.pins();
        let ids: BTreeSet<usize> = wanted
            .iter()
            .filter_map(|&f| v.plan.segment_at(f).map(|s| s.id))
            .collect();
        for seg in ids.iter().filter_map(|&id| v.plan.segments.get(id)) {
            let crate::cache::Lookup::Hit(e) = cache.lookup(&seg.key) else {
                continue;
            };
            if e.frames != seg.frames || e.samples != seg.samples {
                continue;
            }
            let e = pins.pin(e);
            if seg.samples >= geometry.len {
                match cached_sound(v, seg, &e.sound, geometry) {
                    Ok(mono) => {
                        self.cached_sound.insert(seg.id, mono);
                    }
                    Err(why) => {
                        self.cache_misses.push(format!(
                            "segment {} (event {}): {why}; its references were rendered anew",
                            seg.id + 1,
                            seg.event + 1
                        ));
                        continue;
                    }
                }
            }
            let start = seg.record_start;
            let prints = &mut self.prints;
            measure::for_each_segment_picture(
                &e.video,
                out.video.codec,
                &e.extradata,
                |n| wanted.contains(&(start + n)),
                |n, p| {
                    prints.insert(start + n, Seen::of(&p));
                },
            )?;
        }
        Ok(())
    }

    /// Each of `frames`' short piece, rendered alone by `render` in the file's container, and
    /// decoded.
    fn render_anew(
        &mut self,
        v: &Verify,
        frames: &BTreeSet<i64>,
        geometry: &Geometry,
    ) -> Result<(), VerifyError> {
        let fine = plan::build(
            v.edl,
            PlanOptions {
                salt: v.salt.to_string(),
                draft: v.plan.output.draft,
                segment_frames: Some(PIECE_FRAMES),
                ..PlanOptions::default()
            },
        )?;
        let path = v
            .work
            .join(format!("pieces.{}", fine.output.container.extension()));
        let pieces = render::pieces::render_pieces(&fine, frames, &path, v.budget, v.cancel)?;
        let mut decoded = BTreeMap::new();
        let mut k = 0i64;
        measure::for_each_picture(&path, |p| {
            decoded.insert(k, Seen::of(&p));
            k += 1;
        })?;
        for &f in frames {
            if let Some(print) = pieces.frame_of(&fine, f).and_then(|k| decoded.get(&k)) {
                self.prints.insert(f, print.clone());
            }
        }
        let sound = measure::decode_sound(&path)?;
        self.rendered = Some(Rendered {
            mono: sound
                .as_ref()
                .map(|s| mono(&s.samples, s.channels))
                .unwrap_or_default(),
            // The reference's first decoded sample may sit before its start (AAC's priming).
            first_sample: sound.as_ref().map_or(0, |s| {
                crate::time::round_half_up(s.start * i64::from(geometry.sample_rate))
            }),
            fine,
            pieces,
        });
        Ok(())
    }
}

/// A cached segment's sound as mono samples, its beds mixed in as assembly mixes them; why not,
/// in words.
fn cached_sound(
    v: &Verify,
    seg: &plan::Segment,
    path: &Path,
    geometry: &Geometry,
) -> Result<Vec<f32>, String> {
    // `path` is the pinned copy; the entry is named by its key.
    let entry = seg.key.get(..16).unwrap_or(&seg.key);
    let mut pcm = crate::media::segment::read_pcm(path)
        .map_err(|e| format!("the sound of cache entry {entry}… cannot be read: {e}"))?;
    let want = seg.samples as usize * geometry.channels;
    if pcm.len() != want {
        return Err(format!(
            "the sound of cache entry {entry}… holds {} samples, the segment has {want}",
            pcm.len()
        ));
    }
    crate::media::segment::mix_beds(&v.plan.output, v.cancel, &seg.beds, &mut pcm)
        .map_err(|e| format!("its beds cannot be mixed: {e}"))?;
    Ok(mono(&pcm, geometry.channels))
}

/// Interleaved samples of `channels` channels as their mean.
pub(super) fn mono(samples: &[f32], channels: usize) -> Vec<f32> {
    let ch = channels.max(1);
    samples
        .chunks(ch)
        .map(|c| c.iter().sum::<f32>() / ch as f32)
        .collect()
}
