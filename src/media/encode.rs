//! Encoders configured from the plan's output settings. Every segment and the assembler open
//! the video encoder through [`video_encoder`], so all segments share one set of parameters.

use crate::edl::VideoCodec;
use crate::plan::OutputSpec;
use ffmpeg_next as ff;

/// The pixel format the output's video encoder takes (conformed pictures are 8-bit 4:2:0 and are
/// converted to it just before encoding).
pub(crate) fn encoder_pixel_format(codec: VideoCodec) -> ff::format::Pixel {
    match codec {
        VideoCodec::ProresProxy | VideoCodec::ProresLt => ff::format::Pixel::YUV422P10LE,
        VideoCodec::H264 | VideoCodec::Hevc => ff::format::Pixel::YUV420P,
    }
}

fn threading(threads: usize) -> ff::codec::threading::Config {
    ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: threads.max(1),
        ..Default::default()
    }
}

/// Threading for decoders: explicit, so that workers × threads stays near the core count.
pub(crate) fn decoder_threading(threads: usize) -> ff::codec::threading::Config {
    threading(threads)
}

/// Open the output's video encoder (time base 1/fps, BT.709, limited range, closed GOP).
///
/// Always one thread: x264 and x265 give different bytes for different thread counts, and a
/// segment's bytes must depend on nothing but its key (cache, `--jobs`, shards, machines).
/// Parallelism comes from rendering segments side by side.
pub(crate) fn video_encoder(
    out: &OutputSpec,
) -> Result<ff::codec::encoder::video::Encoder, ff::Error> {
    let name = out.video.codec.encoder();
    let codec = ff::encoder::find_by_name(name).ok_or(ff::Error::EncoderNotFound)?;
    let mut ctx = ff::codec::context::Context::new_with_codec(codec);
    ctx.set_threading(threading(1));
    let mut enc = ctx.encoder().video()?;
    let fps = out.fps;
    enc.set_width(out.width);
    enc.set_height(out.height);
    enc.set_format(encoder_pixel_format(out.video.codec));
    enc.set_time_base(ff::Rational::new(fps.den() as i32, fps.num() as i32));
    enc.set_frame_rate(Some(ff::Rational::new(fps.num() as i32, fps.den() as i32)));
    enc.set_aspect_ratio(ff::Rational::new(1, 1));
    // Each segment starts with its own IDR frame; within a segment a keyframe every 10 s.
    enc.set_gop((fps.timecode_base() * 10) as u32);
    // All output containers want the parameter sets out of band; no version strings.
    enc.set_flags(ff::codec::Flags::GLOBAL_HEADER | ff::codec::Flags::BITEXACT);
    // SAFETY: plain enum fields of a valid codec context that is not opened yet.
    unsafe {
        let p = enc.as_mut_ptr();
        (*p).color_primaries = ff::ffi::AVColorPrimaries::AVCOL_PRI_BT709;
        (*p).color_trc = ff::ffi::AVColorTransferCharacteristic::AVCOL_TRC_BT709;
        (*p).colorspace = ff::ffi::AVColorSpace::AVCOL_SPC_BT709;
        (*p).color_range = ff::ffi::AVColorRange::AVCOL_RANGE_MPEG;
        (*p).field_order = ff::ffi::AVFieldOrder::AV_FIELD_PROGRESSIVE;
    }
    let mut opts = ff::Dictionary::new();
    match out.video.codec {
        VideoCodec::ProresProxy => opts.set("profile", "proxy"),
        VideoCodec::ProresLt => opts.set("profile", "lt"),
        VideoCodec::H264 | VideoCodec::Hevc => {
            opts.set("crf", &out.video.crf.to_string());
            opts.set("preset", out.video.preset.name());
        }
    }
    if out.video.codec == VideoCodec::Hevc {
        opts.set("x265-params", "log-level=none");
    }
    enc.open_with(opts)
}

/// Make a muxer bit-exact: no library version strings, no random track ids (Matroska), so the
/// same streams always give the same bytes. Call before `write_header`.
pub(crate) fn bitexact_muxer(octx: &mut ff::format::context::Output) {
    // SAFETY: the output context is valid and its header not yet written; `flags` is a plain
    // int field. (The constant's integer type differs between FFmpeg bindings: hence the cast.)
    #[allow(clippy::unnecessary_cast)]
    unsafe {
        (*octx.as_mut_ptr()).flags |= ff::ffi::AVFMT_FLAG_BITEXACT as i32;
    }
}

/// The bytes of an opened encoder's extradata (parameter sets).
pub(crate) fn extradata(enc: &ff::codec::encoder::video::Encoder) -> Vec<u8> {
    // SAFETY: the context is open and owned by `enc`; extradata is `extradata_size` bytes or null.
    unsafe {
        let p = enc.as_ptr();
        if (*p).extradata.is_null() || (*p).extradata_size <= 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts((*p).extradata, (*p).extradata_size as usize).to_vec()
        }
    }
}

/// How many frames the encoder's decode order runs ahead of presentation (its B-frame
/// delay): every full-length segment's first packet has `dts = pts − delay`.
pub(crate) fn decode_delay(enc: &ff::codec::encoder::video::Encoder) -> i64 {
    // SAFETY: the context is open and owned by `enc`; `has_b_frames` is a plain int field.
    i64::from(unsafe { (*enc.as_ptr()).has_b_frames }.max(0))
}

/// Open the output's audio encoder (time base 1/sample rate).
pub(crate) fn audio_encoder(
    out: &OutputSpec,
    global_header: bool,
) -> Result<ff::codec::encoder::audio::Encoder, ff::Error> {
    let name = out.audio.codec.encoder();
    let codec = ff::encoder::find_by_name(name).ok_or(ff::Error::EncoderNotFound)?;
    let ctx = ff::codec::context::Context::new_with_codec(codec);
    let mut enc = ctx.encoder().audio()?;
    enc.set_rate(out.audio.sample_rate as i32);
    enc.set_format(preferred_sample_format(codec));
    set_default_layout(&mut enc, out.audio.channels as i32);
    enc.set_time_base(ff::Rational::new(1, out.audio.sample_rate as i32));
    if out.audio.codec.is_lossy() {
        enc.set_bit_rate(out.audio.bitrate as usize);
    }
    let mut flags = ff::codec::Flags::BITEXACT;
    if global_header {
        flags |= ff::codec::Flags::GLOBAL_HEADER;
    }
    enc.set_flags(flags);
    enc.open()
}

/// The sample format an audio encoder lists first (its native one).
pub(crate) fn preferred_sample_format(codec: ff::Codec) -> ff::format::Sample {
    codec
        .audio()
        .ok()
        .and_then(|c| c.formats())
        .and_then(|mut f| f.next())
        .unwrap_or(ff::format::Sample::F32(ff::format::sample::Type::Planar))
}

/// Give an unopened audio encoder the default channel layout for `channels` (works with the
/// channel-layout API of FFmpeg 5.1 and later alike).
pub(crate) fn set_default_layout(enc: &mut ff::codec::encoder::audio::Audio, channels: i32) {
    // SAFETY: the pointer comes from a live, unopened codec context owned by `enc`; the layout is
    // reinitialised in place by FFmpeg.
    unsafe {
        let p = enc.as_mut_ptr();
        ff::ffi::av_channel_layout_uninit(&mut (*p).ch_layout);
        ff::ffi::av_channel_layout_default(&mut (*p).ch_layout, channels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edl::AudioCodec;

    #[test]
    fn every_codec_an_edl_can_name_has_its_encoder_here() {
        super::super::init();
        for v in VideoCodec::ALL {
            let codec = ff::encoder::find_by_name(v.encoder());
            assert!(codec.is_some(), "{} needs {}", v.name(), v.encoder());
        }
        for a in AudioCodec::ALL {
            let codec = ff::encoder::find_by_name(a.encoder());
            assert!(codec.is_some(), "{} needs {}", a.name(), a.encoder());
        }
    }

    #[test]
    fn encoders_get_their_pixel_formats() {
        assert_eq!(
            encoder_pixel_format(VideoCodec::H264),
            ff::format::Pixel::YUV420P
        );
        assert_eq!(
            encoder_pixel_format(VideoCodec::Hevc),
            ff::format::Pixel::YUV420P
        );
        for prores in [VideoCodec::ProresProxy, VideoCodec::ProresLt] {
            assert_eq!(encoder_pixel_format(prores), ff::format::Pixel::YUV422P10LE);
            assert_eq!(prores.encoder(), "prores_ks");
        }
        assert_eq!(VideoCodec::H264.encoder(), "libx264");
        assert_eq!(VideoCodec::Hevc.encoder(), "libx265");
    }

    #[test]
    fn codec_names_round_trip_and_unknown_names_are_none() {
        for v in VideoCodec::ALL {
            assert_eq!(VideoCodec::from_name(v.name()), Some(v));
        }
        for a in AudioCodec::ALL {
            assert_eq!(AudioCodec::from_name(a.name()), Some(a));
        }
        assert_eq!(VideoCodec::from_name("h265"), None);
        assert_eq!(AudioCodec::from_name("mp3"), None);
    }
}
