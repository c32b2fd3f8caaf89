//! Draft quality (`output.draft`, `render --draft`): the same program, smaller and cheaper.
//! (Not to be confused with `edl::Draft`, a parsed EDL not yet checked.) The output fits within
//! 640×360 (its shape kept, even sizes), every size in pixels (titles, burned-in subtitles,
//! overlays) scales with it, x264 runs `ultrafast`, the scaler uses fast bilinear, and sources are decoded at
//! reduced resolution where the codec offers it (`lowres` for DCT codecs: DV, MPEG-1/2/4,
//! MJPEG) or without the loop filter (H.264, HEVC). Frames, sound, sync, black-and-white and
//! subtitles stay exact: only pixels are cheaper. Draft segments have keys of their own.

use super::*;

/// The largest draft picture.
pub(crate) const MAX: (u32, u32) = (640, 360);

/// The EDL as a draft renders it: output size and every pixel size scaled, a fast preset.
pub(super) fn apply(edl: &Edl) -> Edl {
    let mut e = edl.clone();
    let (w, h) = (e.output.width as i64, e.output.height as i64);
    // The scale: the whole picture within MAX, never enlarged (exact, as a fraction).
    let k = Rational::new(MAX.0 as i64, w.max(1))
        .min(Rational::new(MAX.1 as i64, h.max(1)))
        .min(Rational::from_integer(1));
    let even = |x: i64| -> u32 { ((round_half_up(k * x) / 2).max(1) * 2) as u32 };
    let px = |x: u32| -> u32 { round_half_up(k * x as i64).max(1) as u32 };
    e.output.width = even(w);
    e.output.height = even(h);
    e.output.video.preset = crate::edl::Preset::Ultrafast;
    e.output.draft = true;
    for ev in &mut e.timeline {
        if let EventKind::Title(t) = &mut ev.kind {
            t.size = px(t.size);
        }
    }
    let kf = crate::time::to_f64(k);
    for s in &mut e.subtitles {
        s.style.size = px(s.style.size);
        s.style.margin = round_half_up(k * s.style.margin as i64).max(0) as u32;
        s.style.outline *= kf;
    }
    if e.overlays.size > 0 {
        e.overlays.size = px(e.overlays.size);
    }
    e
}

/// How a draft decodes a source with `codec` at `width`×`height` for an output `out_h` high:
/// `lowres` halves (1) or quarters (2) the decoded picture while it stays at least three
/// quarters of what the output needs; H.264 and HEVC skip their loop filter instead.
pub(crate) fn hints(codec: &str, width: u32, height: u32, out_w: u32, out_h: u32) -> DecodeHints {
    const LOWRES: [&str; 6] = [
        "dvvideo",
        "mpeg1video",
        "mpeg2video",
        "mpeg4",
        "mjpeg",
        "h263",
    ];
    if LOWRES.contains(&codec) {
        let lowres = (1..=2u8)
            .rev()
            .find(|&n| {
                (height >> n) as u64 * 4 >= out_h as u64 * 3
                    && (width >> n) as u64 * 4 >= out_w as u64 * 3
            })
            .unwrap_or(0);
        DecodeHints {
            lowres,
            skip_loop_filter: false,
        }
    } else {
        DecodeHints {
            lowres: 0,
            skip_loop_filter: matches!(codec, "h264" | "hevc"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowres_keeps_enough_pixels_for_the_draft() {
        // PAL DV (720×576) into a 640×360 frame (4:3: 480×360 of it): half size (360×288) is
        // more than three quarters of 480×360; a quarter is not.
        assert_eq!(hints("dvvideo", 720, 576, 480, 360).lowres, 1);
        // 1080p MPEG-2 into 640×360: a quarter (480×270) is enough.
        assert_eq!(hints("mpeg2video", 1920, 1080, 640, 360).lowres, 2);
        // A small MJPEG source is decoded whole.
        assert_eq!(hints("mjpeg", 640, 480, 640, 360).lowres, 0);
        let h264 = hints("h264", 1920, 1080, 640, 360);
        assert_eq!((h264.lowres, h264.skip_loop_filter), (0, true));
        assert_eq!(
            hints("prores", 1920, 1080, 640, 360),
            DecodeHints::default()
        );
    }
}
