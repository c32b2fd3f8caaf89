//! Assembly: join the segments' video packets into the output container without re-encoding
//! (timestamps shifted by the plan's exact frame counts), and encode the program's sound once
//! from the segments' PCM, so no join has priming, padding or drift.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::encode::{audio_encoder, extradata, video_encoder};
use super::ff;
use super::packets::PacketReader;
use super::segment::{graph, SegmentFiles};
use crate::edl::Container;
use crate::plan::OutputSpec;

/// Why assembly failed.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("interrupted")]
    Cancelled,
    #[error("segment {segment} was encoded with different parameters than the others; refusing to join it")]
    Mismatch { segment: usize },
    #[error("{stage}: {message}")]
    Failed {
        stage: &'static str,
        message: String,
    },
}

fn fail<E: std::fmt::Display>(stage: &'static str) -> impl Fn(E) -> AssembleError {
    move |e| AssembleError::Failed {
        stage,
        message: e.to_string(),
    }
}

/// One segment to join: its first program frame and its files.
pub struct Piece<'a> {
    pub record_start: i64,
    pub files: &'a SegmentFiles,
}

/// Write the program to `path` (a temporary name; the caller renames it when this succeeds).
pub fn assemble(
    out: &OutputSpec,
    pieces: &[Piece],
    path: &Path,
    cancel: &AtomicBool,
) -> Result<(), AssembleError> {
    super::init();
    let format = match out.container {
        Container::Mp4 => "mp4",
        Container::Mov => "mov",
        Container::Mkv => "matroska",
    };
    let path_str =
        path.to_str()
            .filter(|s| !s.contains('\0'))
            .ok_or_else(|| AssembleError::Failed {
                stage: "create output",
                message: format!("{} is not a usable path", path.display()),
            })?;
    let mut octx = ff::format::output_as(&path_str, format).map_err(fail("create output"))?;

    // The video stream's parameters come from an encoder opened with the segments' settings;
    // every segment's parameter sets must be identical to them.
    let template = video_encoder(out, 1).map_err(fail("open the video encoder"))?;
    let reference = extradata(&template);
    for (i, p) in pieces.iter().enumerate() {
        if p.files.extradata != reference {
            return Err(AssembleError::Mismatch { segment: i });
        }
    }
    let fps_tb = ff::Rational::new(out.fps.den() as i32, out.fps.num() as i32);
    let vcodec = template.codec().ok_or(AssembleError::Failed {
        stage: "video stream",
        message: "encoder has no codec".into(),
    })?;
    let vindex = {
        let mut st = octx.add_stream(vcodec).map_err(fail("add video stream"))?;
        st.set_parameters(&template);
        st.set_time_base(fps_tb);
        st.index()
    };

    let mut aenc = audio_encoder(out, true).map_err(fail("open the audio encoder"))?;
    let acodec = aenc.codec().ok_or(AssembleError::Failed {
        stage: "audio stream",
        message: "encoder has no codec".into(),
    })?;
    let sr = out.audio.sample_rate as i32;
    let atb = ff::Rational::new(1, sr);
    let aindex = {
        let mut st = octx.add_stream(acodec).map_err(fail("add audio stream"))?;
        st.set_parameters(&aenc);
        st.set_time_base(atb);
        st.index()
    };

    let mut meta = ff::Dictionary::new();
    if let Some(t) = &out.title {
        meta.set("title", t);
    }
    octx.set_metadata(meta);
    let mut opts = ff::Dictionary::new();
    if matches!(out.container, Container::Mp4 | Container::Mov) {
        // The moov box before mdat: the file plays while it downloads.
        opts.set("movflags", "+faststart");
    }
    octx.write_header_with(opts).map_err(fail("write header"))?;
    let vtb_out = octx.stream(vindex).map(|s| s.time_base()).unwrap_or(fps_tb);
    let atb_out = octx.stream(aindex).map(|s| s.time_base()).unwrap_or(atb);

    // Sound: PCM (interleaved f32) → sample format and frame size of the encoder → encoder.
    let channels = out.audio.channels as i32;
    let layout_name = match channels {
        1 => "mono",
        6 => "5.1",
        _ => "stereo",
    };
    let args =
        format!("time_base=1/{sr}:sample_rate={sr}:sample_fmt=flt:channel_layout={layout_name}");
    let spec = format!("aformat=sample_fmts={}", aenc.format().name());
    let mut agraph = graph(&args, &spec, true, 1).map_err(fail("prepare sound"))?;
    let variable = acodec
        .capabilities()
        .contains(ff::codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE);
    if !variable && aenc.frame_size() > 0 {
        if let Some(mut s) = agraph.get("out") {
            s.sink().set_frame_size(aenc.frame_size());
        }
    }
    let mut sample_pos: i64 = 0;
    let mut audio = AudioOut {
        graph: &mut agraph,
        encoder: &mut aenc,
        index: aindex,
        tb: atb,
        tb_out: atb_out,
    };

    for p in pieces {
        if cancel.load(Ordering::Relaxed) {
            return Err(AssembleError::Cancelled);
        }
        let mut reader =
            PacketReader::open(&p.files.video).map_err(fail("read segment packets"))?;
        while let Some(sp) = reader.next_packet().map_err(fail("read segment packets"))? {
            let mut packet = ff::Packet::copy(&sp.data);
            let shift = |t: i64| {
                if t == ff::ffi::AV_NOPTS_VALUE {
                    None
                } else {
                    Some(t + p.record_start)
                }
            };
            packet.set_pts(shift(sp.pts));
            packet.set_dts(shift(sp.dts));
            packet.set_duration(1);
            if sp.key {
                packet.set_flags(ff::codec::packet::Flags::KEY);
            }
            packet.set_stream(vindex);
            packet.rescale_ts(fps_tb, vtb_out);
            packet
                .write_interleaved(&mut octx)
                .map_err(fail("write video"))?;
        }
        // This segment's sound.
        let mut bytes = Vec::new();
        std::fs::File::open(&p.files.pcm)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(fail("read segment sound"))?;
        let n = bytes.len() / (4 * channels as usize);
        if n > 0 {
            let mut frame = ff::frame::Audio::new(
                ff::format::Sample::F32(ff::format::sample::Type::Packed),
                n,
                ff::util::channel_layout::ChannelLayout::default(channels),
            );
            frame.set_rate(sr as u32);
            frame.data_mut(0)[..bytes.len()].copy_from_slice(&bytes);
            frame.set_pts(Some(sample_pos));
            sample_pos += n as i64;
            audio.push(Some(&frame), &mut octx)?;
        }
    }
    audio.push(None, &mut octx)?;
    octx.write_trailer().map_err(fail("write trailer"))?;
    Ok(())
}

struct AudioOut<'a> {
    graph: &'a mut ff::filter::Graph,
    encoder: &'a mut ff::codec::encoder::audio::Encoder,
    index: usize,
    tb: ff::Rational,
    tb_out: ff::Rational,
}

impl AudioOut<'_> {
    /// Feed PCM (or the end, with `None`) and write every packet that is ready.
    fn push(
        &mut self,
        frame: Option<&ff::frame::Audio>,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), AssembleError> {
        {
            let mut src = self.graph.get("in").ok_or(AssembleError::Failed {
                stage: "prepare sound",
                message: "no buffer source".into(),
            })?;
            match frame {
                Some(f) => src.source().add(f).map_err(fail("prepare sound"))?,
                None => src.source().flush().map_err(fail("prepare sound"))?,
            }
        }
        let mut out = ff::frame::Audio::empty();
        while let Some(Ok(())) = self.graph.get("out").map(|mut c| c.sink().frame(&mut out)) {
            self.encoder
                .send_frame(&out)
                .map_err(fail("encode sound"))?;
            self.drain(octx)?;
        }
        if frame.is_none() {
            self.encoder.send_eof().map_err(fail("encode sound"))?;
            self.drain(octx)?;
        }
        Ok(())
    }

    fn drain(&mut self, octx: &mut ff::format::context::Output) -> Result<(), AssembleError> {
        let mut packet = ff::Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(self.index);
            packet.rescale_ts(self.tb, self.tb_out);
            packet
                .write_interleaved(octx)
                .map_err(fail("write sound"))?;
        }
        Ok(())
    }
}
