//! Assembly: join the segments' video packets into the output container without re-encoding
//! (timestamps shifted by the plan's exact frame counts), and encode the program's sound once
//! from the segments' PCM, so no join has priming, padding or drift.

mod mix;
mod sound;

use std::path::Path;
use std::time::Instant;

use super::encode::{audio_encoder, extradata, video_encoder};
use super::loudness::LoudnessStats;
use super::packets::PacketReader;
use super::segment::SegmentFiles;
use crate::cancel::Cancel;
use crate::edl::{Container, Loudness};
use crate::plan::subtitles::Track;
use crate::plan::{BedPiece, OutputSpec};
use ffmpeg_next as ff;
use mix::{loudness_chain, measure, normalise, true_peak_margin, with_beds};
use sound::{pcm_samples, ChunkStore, Encoding, Grid, ProgramSound};

/// Why assembly failed.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("interrupted")]
    Cancelled,
    #[error("segment {segment} was encoded with different parameters than the others; refusing to join it")]
    Mismatch { segment: usize },
    /// A step failed, said in words.
    #[error("{stage}: {message}")]
    Failed {
        stage: &'static str,
        message: String,
    },
    /// A step failed with an error of its own (FFmpeg's, a file's, a segment's), kept as the
    /// source.
    #[error("{stage}: {source}")]
    Step {
        stage: &'static str,
        #[source]
        source: super::Cause,
    },
}

fn fail<E: Into<super::Cause>>(stage: &'static str) -> impl Fn(E) -> AssembleError {
    move |e| AssembleError::Step {
        stage,
        source: e.into(),
    }
}

/// One segment to join: its first program frame, its files and the bed pieces under it.
pub(crate) struct Piece<'a> {
    pub record_start: i64,
    pub files: &'a SegmentFiles,
    pub beds: &'a [BedPiece],
}

/// How the program's loudness was brought to its target.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct LoudnessApplied {
    /// The program as the segments made it.
    pub measured: LoudnessStats,
    /// Gain applied to reach the target, dB.
    pub gain_db: f64,
    /// Whether peaks had to be limited to stay under the true-peak ceiling.
    pub limited: bool,
}

/// What assembly did besides writing the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Assembled {
    pub loudness: Option<LoudnessApplied>,
    pub stages: AssemblyStages,
}

/// Where assembly's time went, in seconds.
#[derive(
    Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AssemblyStages {
    /// Decoding the beds and mixing them under the segments' sound.
    pub mix_beds: f64,
    /// Measuring the program's loudness (and the limited sound again when peaks were limited).
    pub measure_loudness: f64,
    /// Copying the video packets and encoding the program's sound into the file.
    pub join_and_encode: f64,
    /// Measuring the written file's loudness again (set by the caller).
    pub verify_loudness: f64,
    /// Chunks of the program's sound, and how many of them were taken from the cache instead
    /// of being encoded.
    pub sound_chunks: usize,
    pub sound_chunks_reused: usize,
}

/// Write the program to `path` (a temporary name; the caller renames it when this succeeds).
pub(crate) fn assemble(
    out: &OutputSpec,
    pieces: &[Piece],
    tracks: &[Track],
    path: &Path,
    workers: usize,
    chunk_cache: Option<&crate::cache::Cache>,
    cancel: &Cancel,
) -> Result<Assembled, AssembleError> {
    super::init();
    let (mut mux, sound_format) = Muxer::create(out, pieces, tracks, path)?;
    let mut done = Assembled::default();
    let clock = Instant::now();
    let sound = with_beds(out, pieces, path, workers, cancel)?;
    done.stages.mix_beds = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    // Sound: PCM (interleaved f32) → loudness → sample format and frame size of the encoder.
    let mut spec = String::new();
    if let Some(target) = &out.audio.loudness {
        let (chain, applied) = to_target(out, &sound, cancel, target)?;
        spec.push_str(&chain);
        done.loudness = Some(applied);
    }
    done.stages.measure_loudness = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    spec.push_str(&format!("aformat=sample_fmts={}", sound_format.sample_fmt));
    let channels = out.audio.channels;
    let sr = out.audio.sample_rate as i32;
    let layout_name = crate::plan::output_layout(channels);
    let args = super::abuffer_args((1, sr), sr as u32, "flt", layout_name);
    let program = ProgramSound::new(&sound, channels as usize)?;
    let grid = Grid::for_codec(sound_format.frame_size, program.total);
    done.stages.sound_chunks = grid.chunks();
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let encoding = Encoding {
        out,
        program: &program,
        grid: &grid,
        args: &args,
        spec: &spec,
        frame_size: sound_format.frame_size,
        store: chunk_cache.map(|cache| ChunkStore { cache }),
        reused: &reused,
        cancel,
    };
    mux.write_program(pieces, &sound, &encoding, workers, cancel)?;
    done.stages.join_and_encode = clock.elapsed().as_secs_f64();
    done.stages.sound_chunks_reused = reused.into_inner();
    Ok(done)
}

/// The gain (and limiter) bringing the program's sound to `target`, as filters ending with a
/// comma, and what was measured and applied.
fn to_target(
    out: &OutputSpec,
    sound: &[std::path::PathBuf],
    cancel: &Cancel,
    target: &Loudness,
) -> Result<(String, LoudnessApplied), AssembleError> {
    let measured = measure(out, sound, cancel, "")?;
    let (gain_db, limited) = normalise(out, sound, cancel, &measured, target)?;
    let chain = loudness_chain(
        gain_db,
        limited.then_some(target.true_peak),
        true_peak_margin(out),
    );
    let applied = LoudnessApplied {
        measured,
        gain_db,
        limited,
    };
    Ok((chain, applied))
}

/// What the sound encoder takes: its sample format (FFmpeg's name) and, for an encoder with
/// fixed-size frames, their size.
struct SoundFormat {
    sample_fmt: &'static str,
    frame_size: Option<i64>,
}

/// The output file being written: its muxer and where each stream's packets go.
struct Muxer {
    octx: ff::format::context::Output,
    vindex: usize,
    aindex: usize,
    /// The segments' packets' time base (1/fps) and the video stream's after the header.
    fps_tb: ff::Rational,
    vtb_out: ff::Rational,
    /// The sound's time base (1/sample rate) and the audio stream's after the header.
    atb: ff::Rational,
    atb_out: ff::Rational,
    /// The video encoder's decode delay in frames (pts − dts of its B-frame pictures).
    delay: i64,
}

impl Muxer {
    /// Create the output at `path` with its video, sound and subtitle streams, chapters and
    /// metadata, and write its header (and the soft subtitles' cues).
    fn create(
        out: &OutputSpec,
        pieces: &[Piece],
        tracks: &[Track],
        path: &Path,
    ) -> Result<(Muxer, SoundFormat), AssembleError> {
        let format = match out.container {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "matroska",
        };
        let path_str = super::output_path(path).map_err(fail("create output"))?;
        let mut octx = ff::format::output_as(&path_str, format).map_err(fail("create output"))?;
        let (vindex, delay) = add_video(&mut octx, out, pieces)?;
        let (aindex, sound_format) = add_audio(&mut octx, out)?;
        let soft: Vec<Track> = tracks.iter().filter(|t| t.track).cloned().collect();
        let mut subs = super::subtitle::add_streams(&mut octx, out.container, &soft)
            .map_err(fail("add subtitle tracks"))?;
        let fps_tb = ff::Rational::new(out.fps.den() as i32, out.fps.num() as i32);
        describe(&mut octx, out, aindex, fps_tb)?;
        let mut opts = ff::Dictionary::new();
        if matches!(out.container, Container::Mp4 | Container::Mov) {
            // The moov box before mdat: the file plays while it downloads.
            opts.set("movflags", "+faststart");
        }
        super::encode::bitexact_muxer(&mut octx);
        octx.write_header_with(opts).map_err(fail("write header"))?;
        for s in &mut subs {
            super::subtitle::write_cues(&mut octx, s).map_err(fail("write subtitles"))?;
        }
        let atb = ff::Rational::new(1, out.audio.sample_rate as i32);
        let vtb_out = octx.stream(vindex).map(|s| s.time_base()).unwrap_or(fps_tb);
        let atb_out = octx.stream(aindex).map(|s| s.time_base()).unwrap_or(atb);
        let mux = Muxer {
            octx,
            vindex,
            aindex,
            fps_tb,
            vtb_out,
            atb,
            atb_out,
            delay,
        };
        Ok((mux, sound_format))
    }

    /// Video packets piece by piece; the sound's packets, encoded a few chunks at a time on
    /// `workers` threads, written as the video reaches them (memory stays at a few chunks);
    /// then the trailer.
    fn write_program(
        &mut self,
        pieces: &[Piece],
        sound: &[std::path::PathBuf],
        encoding: &Encoding,
        workers: usize,
        cancel: &Cancel,
    ) -> Result<(), AssembleError> {
        let grid = encoding.grid;
        let channels = encoding.out.audio.channels as usize;
        let mut queue: std::collections::VecDeque<ff::Packet> = Default::default();
        let mut next_chunk = 0;
        let mut sample_end: i64 = 0;
        for (p, pcm) in pieces.iter().zip(sound) {
            if cancel.is_cancelled() {
                return Err(AssembleError::Cancelled);
            }
            self.copy_video(p)?;
            // The sound up to this piece's end.
            sample_end += pcm_samples(pcm, channels)?;
            loop {
                while queue
                    .front()
                    .is_some_and(|a| a.pts().unwrap_or(i64::MIN) < sample_end)
                {
                    if let Some(mut a) = queue.pop_front() {
                        self.write_sound(&mut a)?;
                    }
                }
                if !queue.is_empty() || next_chunk >= grid.chunks() {
                    break;
                }
                let upto = (next_chunk + workers.max(1)).min(grid.chunks());
                queue.extend(encoding.chunks(next_chunk..upto)?);
                next_chunk = upto;
            }
        }
        while next_chunk < grid.chunks() {
            let upto = (next_chunk + workers.max(1)).min(grid.chunks());
            queue.extend(encoding.chunks(next_chunk..upto)?);
            next_chunk = upto;
        }
        for mut a in queue {
            self.write_sound(&mut a)?;
        }
        self.octx.write_trailer().map_err(fail("write trailer"))
    }

    /// Copy a piece's video packets, shifted to its first program frame.
    fn copy_video(&mut self, p: &Piece) -> Result<(), AssembleError> {
        let mut reader =
            PacketReader::open(&p.files.video).map_err(fail("read segment packets"))?;
        // A segment of a frame or two is encoded without B-frames (dts = pts): its decode
        // times move back by the delay the others have, so they keep rising across the join.
        let mut lag: Option<i64> = None;
        let delay = self.delay;
        while let Some(sp) = reader.next_packet().map_err(fail("read segment packets"))? {
            let mut packet = ff::Packet::copy(&sp.data);
            let shift = |t: i64| {
                if t == ff::ffi::AV_NOPTS_VALUE {
                    None
                } else {
                    Some(t + p.record_start)
                }
            };
            let lag = *lag.get_or_insert_with(|| {
                let own = if sp.pts == ff::ffi::AV_NOPTS_VALUE || sp.dts == ff::ffi::AV_NOPTS_VALUE
                {
                    delay
                } else {
                    sp.pts - sp.dts
                };
                (delay - own).max(0)
            });
            packet.set_pts(shift(sp.pts));
            packet.set_dts(shift(sp.dts).map(|t| t - lag));
            packet.set_duration(1);
            if sp.key {
                packet.set_flags(ff::codec::packet::Flags::KEY);
            }
            packet.set_stream(self.vindex);
            packet.rescale_ts(self.fps_tb, self.vtb_out);
            packet
                .write_interleaved(&mut self.octx)
                .map_err(fail("write video"))?;
        }
        Ok(())
    }

    fn write_sound(&mut self, packet: &mut ff::Packet) -> Result<(), AssembleError> {
        packet.set_stream(self.aindex);
        packet.rescale_ts(self.atb, self.atb_out);
        packet
            .write_interleaved(&mut self.octx)
            .map_err(fail("write sound"))
    }
}

/// The video stream, with the parameters of an encoder opened with the segments' settings:
/// every segment's parameter sets must be identical to them. Its index and the encoder's
/// decode delay.
fn add_video(
    octx: &mut ff::format::context::Output,
    out: &OutputSpec,
    pieces: &[Piece],
) -> Result<(usize, i64), AssembleError> {
    let template = video_encoder(out).map_err(fail("open the video encoder"))?;
    let reference = extradata(&template);
    let delay = super::encode::decode_delay(&template);
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
    let mut st = octx.add_stream(vcodec).map_err(fail("add video stream"))?;
    st.set_parameters(&template);
    st.set_time_base(fps_tb);
    if out.metadata.iter().any(|(k, _)| k == "timecode") {
        // The timecode track counts at the stream's frame rate.
        let rate = ff::Rational::new(out.fps.num() as i32, out.fps.den() as i32);
        st.set_avg_frame_rate(rate);
        st.set_rate(rate);
    }
    Ok((st.index(), delay))
}

/// The audio stream, with the parameters of the program's sound encoder; its index and what
/// that encoder takes.
fn add_audio(
    octx: &mut ff::format::context::Output,
    out: &OutputSpec,
) -> Result<(usize, SoundFormat), AssembleError> {
    let aenc = audio_encoder(out, true).map_err(fail("open the audio encoder"))?;
    let acodec = aenc.codec().ok_or(AssembleError::Failed {
        stage: "audio stream",
        message: "encoder has no codec".into(),
    })?;
    let atb = ff::Rational::new(1, out.audio.sample_rate as i32);
    let mut st = octx.add_stream(acodec).map_err(fail("add audio stream"))?;
    st.set_parameters(&aenc);
    st.set_time_base(atb);
    let variable = acodec
        .capabilities()
        .contains(ff::codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE);
    let frame_size = if !variable && aenc.frame_size() > 0 {
        Some(aenc.frame_size() as i64)
    } else {
        None
    };
    let format = SoundFormat {
        sample_fmt: aenc.format().name(),
        frame_size,
    };
    Ok((st.index(), format))
}

/// The sound's language, the chapters, the title and the other metadata.
fn describe(
    octx: &mut ff::format::context::Output,
    out: &OutputSpec,
    aindex: usize,
    fps_tb: ff::Rational,
) -> Result<(), AssembleError> {
    if let Some(lang) = &out.audio_language {
        if let Some(mut st) = octx.stream_mut(aindex) {
            let mut m = ff::Dictionary::new();
            m.set("language", lang);
            st.set_metadata(m);
        }
    }
    for (i, c) in out.chapters.iter().enumerate() {
        octx.add_chapter(i as i64 + 1, fps_tb, c.start, c.end, &c.title)
            .map_err(fail("add chapters"))?;
    }
    let mut meta = ff::Dictionary::new();
    if let Some(t) = &out.title {
        meta.set("title", t);
    }
    for (k, v) in &out.metadata {
        meta.set(k, v);
    }
    octx.set_metadata(meta);
    Ok(())
}
