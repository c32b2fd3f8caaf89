//! The colour classifier: chroma measured on frames from across a file (`ChromaFrame`s, by
//! `media::colour`) judged colour, black-and-white or uncertain, with the numbers behind the
//! verdict and the reason in words (`ColourAnalysis`). Pure; the tuned thresholds live here,
//! and docs/colour.md explains the rule and the evaluation that set them.

use crate::facts::{ChromaFrame, ColourAnalysis, ColourMethod, ColourVerdict, Toning};

/// Strong off-tone chroma (code values) at or above which a picture is colour…
pub(crate) const COLOUR_MIN: f64 = 5.0;
/// …provided it is this many times what pixel noise leaves in a block mean.
pub(crate) const OVER_NOISE: f64 = 5.0;
/// Strong off-tone chroma below which a picture is black-and-white.
pub(crate) const BW_MAX: f64 = 1.25;
/// Colour whose clearly coloured regions follow the luma gradient this often may be fringing:
/// not judged colour (the tune part's colour reaches 37 %, its wider fringing 51 %)…
pub(crate) const FRINGE_MAX: f64 = 0.45;
/// …and from this share on it is fringing: black-and-white.
pub(crate) const FRINGE_BW: f64 = 0.75;
/// A picture in several hues whose coloured regions' chroma misregistered colour planes explain
/// this well (luma differences at one displacement per channel, fitted over the picture) is a
/// fringed scan: black-and-white. The tune part's colour reaches 39 %, its fringing starts at 87 %.
pub(crate) const PLANES_BW: f64 = 0.6;
/// Fewer coloured regions than this share away from the main hue: one hue.
pub(crate) const ONE_HUE: f64 = 0.05;
/// A one-hue picture is a toning when its cast is at least this strong…
pub(crate) const TONE_CAST: f64 = 10.0;
/// …and its chroma off the tone line at most this share of the cast.
pub(crate) const TONED_SHARE: f64 = 0.6;
/// A cast stronger than this is no toning (the sepia and blue tonings of the evaluation set
/// reach 25): the picture is one strong colour.
pub(crate) const TONE_MAX: f64 = 35.0;

/// A one-hue picture whose chroma, fitted on luma, is at least this strong at mid-grey…
pub(crate) const RISING_MIN: f64 = 4.5;
/// …and at most this far from neutral at black (and a quarter of its mid-grey strength) is a
/// toning rising from its blacks.
pub(crate) const BLACK_NEUTRAL: f64 = 1.5;

/// Classify measured frames as colour, black-and-white or uncertain (pure; see
/// [`ColourAnalysis`] and docs/colour.md for the rule and the numbers behind it).
pub(crate) fn classify(frames: &[ChromaFrame]) -> ColourAnalysis {
    let median = |mut v: Vec<f64>| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let upper = |mut v: Vec<f64>| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        v[(v.len() * 3 / 4).min(v.len() - 1)]
    };
    let cast_u = median(frames.iter().map(|f| f.cast_u).collect());
    let cast_v = median(frames.iter().map(|f| f.cast_v).collect());
    let spread = median(frames.iter().map(|f| f.pixel_rms).collect());
    let noise = median(frames.iter().map(|f| f.noise).collect());
    let coherent = upper(frames.iter().map(|f| f.block_p90).collect());
    // Colour that one odd frame shows does not decide; colour most frames show does.
    let strong = upper(frames.iter().map(|f| f.strong).collect());
    let fringe = median(frames.iter().map(|f| f.fringe).collect());
    let hues = median(frames.iter().map(|f| f.hue_spread).collect());
    let cast = (cast_u * cast_u + cast_v * cast_v).sqrt();
    let luma_black_u = median(frames.iter().map(|f| f.luma_black_u).collect());
    let luma_black_v = median(frames.iter().map(|f| f.luma_black_v).collect());
    let luma_grey_u = median(frames.iter().map(|f| f.luma_grey_u).collect());
    let luma_grey_v = median(frames.iter().map(|f| f.luma_grey_v).collect());
    let plane_shift = median(frames.iter().map(|f| f.shift_fit).collect());
    let plane_shift_px = frames
        .iter()
        .max_by(|a, b| a.shift_fit.total_cmp(&b.shift_fit))
        .map(|f| [f.shift_u.0, f.shift_u.1, f.shift_v.0, f.shift_v.1])
        .unwrap_or_default();
    let at_black = luma_black_u.hypot(luma_black_v);
    let at_grey = luma_grey_u.hypot(luma_grey_v);
    // A toning rising from neutral blacks in one hue, no stronger than a toning gets.
    let rising = hues < ONE_HUE
        && (RISING_MIN..=TONE_MAX).contains(&at_grey)
        && at_black <= BLACK_NEUTRAL
        && at_black <= 0.25 * at_grey;
    // A tone is named for one-hue pictures with a real cast (a toning), not for colour casts.
    let tone = (hues < ONE_HUE && cast >= TONE_CAST).then(|| Toning::of_cast(cast_u, cast_v));
    let mut analysis = ColourAnalysis {
        class: ColourVerdict::Uncertain,
        method: ColourMethod::Measured,
        frames: frames.len(),
        cast_u,
        cast_v,
        chroma_spread: spread,
        coherent_chroma: coherent,
        noise_in_blocks: noise,
        strong_chroma: strong,
        fringe_share: fringe,
        hue_spread: hues,
        plane_shift,
        plane_shift_px,
        luma_black_u,
        luma_black_v,
        luma_grey_u,
        luma_grey_v,
        tone: if rising && tone.is_none() {
            Some(Toning::of_cast(luma_grey_u, luma_grey_v))
        } else {
            tone
        },
        reason: String::new(),
    };
    (analysis.class, analysis.reason) = decide(&analysis, tone, rising);
    analysis
}

/// The verdict on measured numbers, and the reason in words: the rule of docs/colour.md, in
/// its order. `tone` is the toning its cast names (one hue, a real cast); `rising`, whether
/// its chroma rises from neutral blacks in one hue.
fn decide(a: &ColourAnalysis, tone: Option<Toning>, rising: bool) -> (ColourVerdict, String) {
    let (cast_u, cast_v) = (a.cast_u, a.cast_v);
    let (strong, noise, hues, fringe) = (
        a.strong_chroma,
        a.noise_in_blocks,
        a.hue_spread,
        a.fringe_share,
    );
    let (plane_shift, plane_shift_px) = (a.plane_shift, a.plane_shift_px);
    let (luma_grey_u, luma_grey_v) = (a.luma_grey_u, a.luma_grey_v);
    let at_black = a.luma_black_u.hypot(a.luma_black_v);
    let cast = (cast_u * cast_u + cast_v * cast_v).sqrt();
    let toned = cast >= 1.5;
    if strong <= OVER_NOISE * noise && noise > 0.0 && hues < ONE_HUE {
        (
            ColourVerdict::Bw,
            format!("its chroma ({strong:.1}) is noise: within {OVER_NOISE}× the noise {noise:.2}"),
        )
    } else if hues < ONE_HUE && cast > TONE_MAX {
        (
            ColourVerdict::Colour,
            format!("the picture is one strong colour (U {cast_u:+.1}, V {cast_v:+.1}), beyond any toning"),
        )
    } else if strong < BW_MAX {
        let with_cast = match &tone {
            Some(t) => format!(", a {t} toning U {cast_u:+.1} V {cast_v:+.1}"),
            None if toned => format!(", a faint cast U {cast_u:+.1} V {cast_v:+.1}"),
            None => String::new(),
        };
        (
            ColourVerdict::Bw,
            format!("no colour: strong chroma {strong:.1} < {BW_MAX}{with_cast}"),
        )
    } else if hues < ONE_HUE && cast >= TONE_CAST && strong <= TONED_SHARE * cast {
        let t = tone.map_or("one hue", Toning::name);
        (
            ColourVerdict::Bw,
            format!("a {t} toning (U {cast_u:+.1}, V {cast_v:+.1}): one hue, {strong:.1} off it"),
        )
    } else if rising {
        let t = Toning::of_cast(luma_grey_u, luma_grey_v);
        (
            ColourVerdict::Bw,
            format!("a {t} toning rising from neutral blacks: one hue, its chroma a line in luma (U {luma_grey_u:+.1}, V {luma_grey_v:+.1} at mid-grey, {at_black:.1} at black)"),
        )
    } else if plane_shift >= PLANES_BW && hues >= ONE_HUE {
        let [bx, by, rx, ry] = plane_shift_px;
        (
            ColourVerdict::Bw,
            format!("chromatic fringing: misregistered colour planes explain {:.0} % of its chroma (blue plane {:+}, {:+} px, red {:+}, {:+} px from the luma), as a scan's do", plane_shift * 100.0, -bx, -by, -rx, -ry),
        )
    } else if fringe >= FRINGE_BW {
        (
            ColourVerdict::Bw,
            format!("chromatic fringing: {:.0} % of its chroma ({strong:.1}) follows the luma edges, as misregistered colour planes of a scan do", fringe * 100.0),
        )
    } else if strong >= COLOUR_MIN
        && strong > OVER_NOISE * noise
        && hues >= ONE_HUE
        && fringe <= FRINGE_MAX
    {
        (
            ColourVerdict::Colour,
            format!(
                "strong chroma {strong:.1} ≥ {COLOUR_MIN} in several hues ({:.0} % apart){}",
                hues * 100.0,
                if noise >= 0.05 {
                    format!(", {:.0}× the noise", strong / noise)
                } else {
                    String::new()
                }
            ),
        )
    } else {
        let why = if strong <= OVER_NOISE * noise {
            format!(
                "chroma {strong:.1} is within {OVER_NOISE}× the noise {noise:.2}, in several hues"
            )
        } else if fringe > FRINGE_MAX {
            format!(
                "chroma {strong:.1} follows the luma edges in {:.0} % of its regions (fringing?)",
                fringe * 100.0
            )
        } else if hues < ONE_HUE {
            format!("chroma {strong:.1} in one hue only, over a faint cast")
        } else {
            format!("strong chroma {strong:.1} is between {BW_MAX} and {COLOUR_MIN}")
        };
        (ColourVerdict::Uncertain, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Rational;

    fn frame(strong: f64, noise: f64, fringe: f64, hues: f64, cast: (f64, f64)) -> ChromaFrame {
        ChromaFrame {
            time: Rational::from_integer(0),
            mean_u: 128.0 + cast.0,
            mean_v: 128.0 + cast.1,
            pixel_rms: 1.0,
            block_p90: 1.0,
            block_samples: 16,
            strong,
            noise,
            fringe,
            hue_spread: hues,
            cast_u: cast.0,
            cast_v: cast.1,
            shift_fit: 0.0,
            shift_u: (0, 0),
            shift_v: (0, 0),
            // A cast the same at every luma.
            luma_black_u: cast.0,
            luma_black_v: cast.1,
            luma_grey_u: cast.0,
            luma_grey_v: cast.1,
        }
    }

    fn verdict(f: ChromaFrame) -> ColourVerdict {
        classify(&vec![f; 12]).class
    }

    #[test]
    fn the_rule_keeps_colour_and_cleans_black_and_white() {
        // Real colour: strong chroma in several hues.
        assert_eq!(
            verdict(frame(19.0, 0.0, 0.1, 0.6, (0.0, 1.0))),
            ColourVerdict::Colour
        );
        // No chroma at all, or only chroma noise.
        assert_eq!(
            verdict(frame(0.0, 0.0, 0.0, 0.0, (0.0, 0.0))),
            ColourVerdict::Bw
        );
        assert_eq!(
            verdict(frame(6.6, 1.9, 0.0, 0.0, (0.1, 0.3))),
            ColourVerdict::Bw
        );
        // A sepia toning: one hue, a strong cast, little off its line; the tone is named.
        let sepia = classify(&vec![frame(3.9, 0.0, 0.1, 0.0, (-11.0, 6.0)); 12]);
        assert_eq!(sepia.class, ColourVerdict::Bw);
        assert_eq!(sepia.tone.map(Toning::name), Some("warm (sepia)"));
        assert!(sepia.reason.contains("toning"), "{}", sepia.reason);
        // One strong colour over the whole picture is no toning.
        assert_eq!(
            verdict(frame(0.2, 0.0, 0.0, 0.0, (-33.0, 58.0))),
            ColourVerdict::Colour
        );
        // Chromatic fringing: chroma that follows the luma gradient almost everywhere.
        assert_eq!(
            verdict(frame(27.0, 0.2, 0.96, 0.7, (0.0, 0.0))),
            ColourVerdict::Bw
        );
        // Faint colour, partly following edges, or one hue over a faint cast: uncertain, never
        // black-and-white.
        assert_eq!(
            verdict(frame(4.0, 0.0, 0.1, 0.6, (0.0, 0.0))),
            ColourVerdict::Uncertain
        );
        assert_eq!(
            verdict(frame(9.0, 0.0, 0.65, 0.6, (0.0, 0.0))),
            ColourVerdict::Uncertain
        );
        assert_eq!(
            verdict(frame(2.9, 0.0, 0.05, 0.0, (-2.0, 4.0))),
            ColourVerdict::Uncertain
        );
        // Noise-sized chroma in several hues is not called black-and-white either.
        assert_eq!(
            verdict(frame(5.7, 1.26, 0.0, 0.8, (0.0, 0.2))),
            ColourVerdict::Uncertain
        );
        // The night street: faint but clear lights in several hues.
        assert_eq!(
            verdict(frame(5.7, 0.04, 0.2, 0.64, (0.1, 0.4))),
            ColourVerdict::Colour
        );
    }

    #[test]
    fn a_toning_rising_from_neutral_blacks_is_black_and_white() {
        let rising = |hues: f64, black: (f64, f64), grey: (f64, f64)| {
            let mut f = frame(6.1, 0.0, 0.12, hues, (0.0, 0.0));
            (f.luma_black_u, f.luma_black_v) = black;
            (f.luma_grey_u, f.luma_grey_v) = grey;
            classify(&vec![f; 12])
        };
        // The night street toned sepia (measured): no cast, one hue, a line from black.
        let night = rising(0.0, (0.1, 0.1), (-7.6, 5.0));
        assert_eq!(night.class, ColourVerdict::Bw, "{night:?}");
        assert_eq!(night.tone.map(Toning::name), Some("warm (sepia)"));
        assert!(night.reason.contains("rising"), "{}", night.reason);
        // Several hues: colour, whatever the line.
        assert_eq!(
            rising(0.6, (0.1, 0.1), (-7.6, 5.0)).class,
            ColourVerdict::Colour
        );
        // Blacks carrying the cast (a faded picture under a magenta cast): not a toning.
        assert_eq!(
            rising(0.0, (6.0, 6.0), (6.5, 6.5)).class,
            ColourVerdict::Uncertain
        );
        // Too faint a line, or stronger than any toning: not decided by it.
        assert_eq!(
            rising(0.0, (0.1, 0.1), (-2.0, 1.0)).class,
            ColourVerdict::Uncertain
        );
        assert_eq!(
            rising(0.0, (0.1, 0.1), (-40.0, 25.0)).class,
            ColourVerdict::Uncertain
        );
    }

    #[test]
    fn misregistered_planes_in_several_hues_are_fringing() {
        // The city's wider fringing (measured): few regions follow the 1-pixel gradient, but a
        // blue plane 4 px left and a red one 4 right, 2 down explain 85 % of its chroma.
        let mut f = frame(32.9, 0.51, 0.38, 0.38, (0.0, 0.0));
        (f.shift_fit, f.shift_u, f.shift_v) = (0.85, (4, 0), (-4, -2));
        let fringed = classify(&vec![f; 12]);
        assert_eq!(fringed.class, ColourVerdict::Bw, "{fringed:?}");
        assert!(
            fringed
                .reason
                .contains("blue plane -4, +0 px, red +4, +2 px"),
            "{}",
            fringed.reason
        );
        // Colour with a little chroma on edges (the most the tune part's colour reaches: 39 %).
        f.shift_fit = 0.39;
        assert_eq!(verdict(f), ColourVerdict::Colour);
        // One hue (a single coloured light whose glow its luma difference matches): not fringing.
        let mut one = frame(20.0, 0.0, 0.1, 0.0, (0.0, 0.0));
        one.shift_fit = 0.9;
        assert_ne!(verdict(one), ColourVerdict::Bw);
    }

    #[test]
    fn one_odd_frame_does_not_decide() {
        let mut frames = vec![frame(0.0, 0.0, 0.0, 0.0, (0.0, 0.0)); 11];
        frames.push(frame(40.0, 0.0, 0.1, 0.6, (0.0, 0.0)));
        assert_eq!(classify(&frames).class, ColourVerdict::Bw);
    }
}
