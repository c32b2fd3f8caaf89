//! Sound-only transcoding (`transcode --profile audio`): a file's sound through the same conform
//! chain render uses (rate, layout, downmix coefficients), streamed into a WAV file.

use crate::cancel::Cancel;
use std::path::Path;

use super::graph::{Graph, Medium};
use super::reader::Reader;
use super::MediaError;
use crate::edl::AudioCodec;
use crate::edl::AudioSettings;
use ffmpeg_next as ff;

/// Why a sound-only transcode stopped.
#[derive(Debug, thiserror::Error)]
pub enum SoundError {
    #[error("interrupted")]
    Cancelled,
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// Decode audio stream `stream` of `input`, conform it with `filter` (from
/// [`crate::plan::audio_filter`]) and write it to `output` as WAV with `settings`' PCM codec.
/// `progress` gets the number of output samples written so far. Returns that number.
pub fn transcode_wav(
    input: &Path,
    stream: usize,
    filter: &str,
    output: &Path,
    settings: &AudioSettings,
    cancel: &Cancel,
    progress: &dyn Fn(i64),
) -> Result<i64, SoundError> {
    super::init();
    let fail = |stage: &'static str, path: &Path| {
        let shown = path.display().to_string();
        move |e: ff::Error| {
            SoundError::Media(MediaError::Ffmpeg {
                path: shown.clone(),
                stage,
                message: e.to_string(),
            })
        }
    };
    let mut reader = Reader::open(input)?;
    let tb = reader
        .stream(stream)
        .ok_or_else(|| {
            SoundError::Media(MediaError::Ffmpeg {
                path: input.display().to_string(),
                stage: "find sound",
                message: format!("stream #{stream} is missing"),
            })
        })?
        .time_base;
    let mut dec = reader
        .decoder(stream, 1)
        .and_then(|d| d.audio())
        .map_err(fail("open audio decoder", input))?;

    let (codec_name, sample_fmt) = match settings.codec {
        AudioCodec::PcmS24le => ("pcm_s24le", "s32"),
        AudioCodec::PcmS16le => ("pcm_s16le", "s16"),
        AudioCodec::Aac | AudioCodec::Flac => {
            return Err(SoundError::Media(MediaError::Write {
                path: output.display().to_string(),
                stage: "audio encoder",
                message: format!(
                    "a WAV file carries PCM, not `{}`: use pcm_s16le or pcm_s24le",
                    settings.codec.name()
                ),
            }))
        }
    };
    let codec =
        ff::encoder::find_by_name(codec_name).ok_or(SoundError::Media(MediaError::Ffmpeg {
            path: output.display().to_string(),
            stage: "audio encoder",
            message: format!("no {codec_name} encoder"),
        }))?;
    let path_str = output
        .to_str()
        .filter(|s| !s.contains('\0'))
        .ok_or_else(|| {
            SoundError::Media(MediaError::BadPath {
                path: output.display().to_string(),
            })
        })?;
    let mut octx =
        ff::format::output_as(&path_str, "wav").map_err(fail("create output", output))?;
    let sr = settings.sample_rate as i32;
    let mut enc = ff::codec::context::Context::new_with_codec(codec)
        .encoder()
        .audio()
        .map_err(fail("audio encoder", output))?;
    enc.set_rate(sr);
    enc.set_format(super::encode::preferred_sample_format(codec));
    super::encode::set_default_layout(&mut enc, settings.channels as i32);
    enc.set_time_base(ff::Rational::new(1, sr));
    enc.set_flags(ff::codec::Flags::BITEXACT);
    let mut enc = enc.open().map_err(fail("open audio encoder", output))?;
    let index = {
        let mut st = octx
            .add_stream(codec)
            .map_err(fail("add audio stream", output))?;
        st.set_parameters(&enc);
        st.set_time_base(ff::Rational::new(1, sr));
        st.index()
    };
    // SAFETY: the output context is valid and its header not yet written; `flags` is a plain
    // int field. (The constant's integer type differs between FFmpeg bindings: hence the cast.)
    #[allow(clippy::unnecessary_cast)]
    unsafe {
        (*octx.as_mut_ptr()).flags |= ff::ffi::AVFMT_FLAG_BITEXACT as i32;
    }
    octx.write_header().map_err(fail("write header", output))?;
    let tb_out = octx
        .stream(index)
        .map(|s| s.time_base())
        .unwrap_or(ff::Rational::new(1, sr));

    let layout = super::layout::of_decoder(&dec);
    let args = super::abuffer_args(
        (tb.numerator(), tb.denominator()),
        dec.rate(),
        dec.format().name(),
        &layout,
    );
    let spec = format!("{filter},aformat=sample_fmts={sample_fmt}");
    let mut g =
        Graph::chain(Medium::Audio, &args, &spec, 1).map_err(fail("conform sound", input))?;

    let mut written: i64 = 0;
    let mut frame = ff::frame::Audio::empty();
    let mut out_frame = ff::frame::Audio::empty();
    let mut pump = |g: &mut Graph,
                    enc: &mut ff::codec::encoder::audio::Encoder,
                    octx: &mut ff::format::context::Output,
                    written: &mut i64|
     -> Result<(), SoundError> {
        while g
            .pull(&mut out_frame)
            .map_err(fail("conform sound", output))?
        {
            out_frame.set_pts(Some(*written));
            *written += out_frame.samples() as i64;
            enc.send_frame(&out_frame)
                .map_err(fail("encode sound", output))?;
            let mut pkt = ff::Packet::empty();
            while enc.receive_packet(&mut pkt).is_ok() {
                pkt.set_stream(index);
                pkt.rescale_ts(ff::Rational::new(1, sr), tb_out);
                pkt.write_interleaved(octx)
                    .map_err(fail("write sound", output))?;
            }
        }
        progress(*written);
        Ok(())
    };
    loop {
        if cancel.is_cancelled() {
            return Err(SoundError::Cancelled);
        }
        let Some(packet) = reader.read_packet().map_err(fail("read", input))? else {
            break;
        };
        if packet.stream() != stream {
            continue;
        }
        dec.send_packet(packet)
            .map_err(fail("decode sound", input))?;
        feed(&mut dec, &mut g, &mut frame).map_err(fail("conform sound", input))?;
        pump(&mut g, &mut enc, &mut octx, &mut written)?;
    }
    let _ = dec.send_eof();
    feed(&mut dec, &mut g, &mut frame).map_err(fail("conform sound", input))?;
    let _ = g.flush();
    pump(&mut g, &mut enc, &mut octx, &mut written)?;
    enc.send_eof().map_err(fail("encode sound", output))?;
    let mut pkt = ff::Packet::empty();
    while enc.receive_packet(&mut pkt).is_ok() {
        pkt.set_stream(index);
        pkt.rescale_ts(ff::Rational::new(1, sr), tb_out);
        pkt.write_interleaved(&mut octx)
            .map_err(fail("write sound", output))?;
    }
    octx.write_trailer()
        .map_err(fail("write trailer", output))?;
    Ok(written)
}

/// Every frame the decoder has ready, into the conform graph.
fn feed(
    dec: &mut ff::codec::decoder::Audio,
    g: &mut Graph,
    frame: &mut ff::frame::Audio,
) -> Result<(), ff::Error> {
    while dec.receive_frame(frame).is_ok() {
        let ts = frame.timestamp();
        frame.set_pts(ts);
        g.push(frame)?;
    }
    Ok(())
}
