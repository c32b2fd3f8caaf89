//! Sound-only transcoding (`transcode --profile audio`): a file's sound through the same conform
//! chain render uses (rate, layout, downmix coefficients), streamed into a WAV file.

use crate::cancel::Cancel;
use std::path::Path;

use super::graph::{Graph, Medium};
use super::reader::Reader;
use super::{received, MediaError};
use crate::edl::AudioCodec;
use crate::edl::AudioSettings;
use ffmpeg_next as ff;

/// Why a sound-only transcode stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SoundError {
    #[error("interrupted")]
    Cancelled,
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// Decode audio stream `stream` of `input`, conform it with `filter` (from
/// [`crate::plan::audio_filter`]) and write it to `output` as WAV with `settings`' PCM codec.
/// `progress` gets the number of output samples written so far. Returns that number.
pub(crate) fn transcode_wav(
    input: &Path,
    stream: usize,
    filter: &str,
    output: &Path,
    settings: &AudioSettings,
    cancel: &Cancel,
    progress: &dyn Fn(i64),
) -> Result<i64, SoundError> {
    super::init();
    let read = |stage: &'static str| move |e: ff::Error| MediaError::read(input, stage, e);
    let mut reader = Reader::open(input)?;
    let tb = reader
        .stream(stream)
        .ok_or_else(|| {
            MediaError::read(input, "find sound", format!("stream #{stream} is missing"))
        })?
        .time_base;
    let mut dec = reader
        .decoder(stream, 1)
        .and_then(|d| d.audio())
        .map_err(read("open audio decoder"))?;
    let (mut wav, sample_fmt) = Wav::create(output, settings)?;
    let layout = super::layout::of_decoder(&dec);
    let args = super::abuffer_args(
        (tb.numerator(), tb.denominator()),
        dec.rate(),
        dec.format().name(),
        &layout,
    );
    let spec = format!("{filter},aformat=sample_fmts={sample_fmt}");
    let mut g = Graph::chain(Medium::Audio, &args, &spec, 1).map_err(read("conform sound"))?;
    let mut frame = ff::frame::Audio::empty();
    loop {
        if cancel.is_cancelled() {
            return Err(SoundError::Cancelled);
        }
        let Some(packet) = reader.read_packet().map_err(read("read"))? else {
            break;
        };
        if packet.stream() != stream {
            continue;
        }
        dec.send_packet(packet).map_err(read("decode sound"))?;
        feed(&mut dec, &mut g, &mut frame, input)?;
        wav.encode_from(&mut g)?;
        progress(wav.written);
    }
    let _ = dec.send_eof();
    feed(&mut dec, &mut g, &mut frame, input)?;
    let _ = g.flush();
    wav.encode_from(&mut g)?;
    progress(wav.written);
    Ok(wav.finish()?)
}

/// A WAV file being written: its muxer, its PCM encoder and the samples written so far.
struct Wav<'a> {
    path: &'a Path,
    octx: ff::format::context::Output,
    enc: ff::codec::encoder::audio::Encoder,
    index: usize,
    /// The encoder's time base (1/sample rate) and the stream's, after the header.
    tb: ff::Rational,
    tb_out: ff::Rational,
    frame: ff::frame::Audio,
    written: i64,
}

impl<'a> Wav<'a> {
    /// Create `path` with `settings`' PCM encoder and write its header; with the sample format
    /// (FFmpeg name) the conform graph must end in.
    fn create(
        path: &'a Path,
        settings: &AudioSettings,
    ) -> Result<(Wav<'a>, &'static str), MediaError> {
        let write = |stage: &'static str| move |e: ff::Error| MediaError::write(path, stage, e);
        let (codec_name, sample_fmt) = match settings.codec {
            AudioCodec::PcmS24le => ("pcm_s24le", "s32"),
            AudioCodec::PcmS16le => ("pcm_s16le", "s16"),
            AudioCodec::Aac | AudioCodec::Flac => {
                return Err(MediaError::write(
                    path,
                    "audio encoder",
                    format!(
                        "a WAV file carries PCM, not `{}`: use pcm_s16le or pcm_s24le",
                        settings.codec.name()
                    ),
                ))
            }
        };
        let codec = ff::encoder::find_by_name(codec_name).ok_or_else(|| {
            MediaError::write(path, "audio encoder", format!("no {codec_name} encoder"))
        })?;
        let path_str = super::output_path(path)?;
        let mut octx = ff::format::output_as(&path_str, "wav").map_err(write("create output"))?;
        let sr = settings.sample_rate as i32;
        let tb = ff::Rational::new(1, sr);
        let mut enc = ff::codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(write("audio encoder"))?;
        enc.set_rate(sr);
        enc.set_format(super::encode::preferred_sample_format(codec));
        super::encode::set_default_layout(&mut enc, settings.channels as i32);
        enc.set_time_base(tb);
        enc.set_flags(ff::codec::Flags::BITEXACT);
        let enc = enc.open().map_err(write("open audio encoder"))?;
        let index = {
            let mut st = octx.add_stream(codec).map_err(write("add audio stream"))?;
            st.set_parameters(&enc);
            st.set_time_base(tb);
            st.index()
        };
        super::encode::bitexact_muxer(&mut octx);
        octx.write_header().map_err(write("write header"))?;
        let tb_out = octx.stream(index).map(|s| s.time_base()).unwrap_or(tb);
        let wav = Wav {
            path,
            octx,
            enc,
            index,
            tb,
            tb_out,
            frame: ff::frame::Audio::empty(),
            written: 0,
        };
        Ok((wav, sample_fmt))
    }

    fn fail(&self, stage: &'static str) -> impl Fn(ff::Error) -> MediaError + 'a {
        let path = self.path;
        move |e| MediaError::write(path, stage, e)
    }

    /// Encode every frame the conform graph has ready.
    fn encode_from(&mut self, g: &mut Graph) -> Result<(), MediaError> {
        while g
            .pull(&mut self.frame)
            .map_err(self.fail("conform sound"))?
        {
            self.frame.set_pts(Some(self.written));
            self.written += self.frame.samples() as i64;
            self.enc
                .send_frame(&self.frame)
                .map_err(self.fail("encode sound"))?;
            self.write_packets()?;
        }
        Ok(())
    }

    /// Write every packet the encoder has ready.
    fn write_packets(&mut self) -> Result<(), MediaError> {
        let mut pkt = ff::Packet::empty();
        while received(self.enc.receive_packet(&mut pkt)).map_err(self.fail("encode sound"))? {
            pkt.set_stream(self.index);
            pkt.rescale_ts(self.tb, self.tb_out);
            pkt.write_interleaved(&mut self.octx)
                .map_err(self.fail("write sound"))?;
        }
        Ok(())
    }

    /// Flush the encoder and write the trailer; the number of samples written.
    fn finish(mut self) -> Result<i64, MediaError> {
        self.enc.send_eof().map_err(self.fail("encode sound"))?;
        self.write_packets()?;
        self.octx
            .write_trailer()
            .map_err(self.fail("write trailer"))?;
        Ok(self.written)
    }
}

/// Every frame the decoder has ready, into the conform graph.
fn feed(
    dec: &mut ff::codec::decoder::Audio,
    g: &mut Graph,
    frame: &mut ff::frame::Audio,
    input: &Path,
) -> Result<(), MediaError> {
    while received(dec.receive_frame(frame))
        .map_err(|e| MediaError::read(input, "decode sound", e))?
    {
        let ts = frame.timestamp();
        frame.set_pts(ts);
        g.push(frame)
            .map_err(|e| MediaError::read(input, "conform sound", e))?;
    }
    Ok(())
}
