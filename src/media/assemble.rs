//! Assembly: join the segments' video packets into the output container without re-encoding
//! (timestamps shifted by the plan's exact frame counts), and encode the program's sound once
//! from the segments' PCM, so no join has priming, padding or drift.

use crate::cancel::Cancel;
use std::io::Read;
use std::path::Path;

use super::encode::{audio_encoder, extradata, video_encoder};
use super::graph::{Graph, Medium};
use super::loudness::{LoudnessStats, Meter};
use super::packets::PacketReader;
use super::received;
use super::segment::{mix_beds, SegmentError, SegmentFiles};
use crate::edl::{Container, Loudness};
use crate::plan::subtitles::Track;
use crate::plan::{BedPiece, OutputSpec};
use ffmpeg_next as ff;

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
pub struct Piece<'a> {
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
pub struct Assembled {
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

/// How far under the ceiling the sample-peak limiter aims, so that true peaks between samples
/// stay under it too — and, for a lossy codec, the encoder's ripple (AAC adds up to about 1 dB).
fn true_peak_margin(out: &OutputSpec) -> f64 {
    if out.audio.codec.is_lossy() {
        2.0
    } else {
        0.5
    }
}

fn read_pcm(path: &Path) -> Result<Vec<f32>, AssembleError> {
    super::segment::read_pcm(path).map_err(fail("read segment sound"))
}

/// Measure the program's loudness from the segments' sound, after the filters of `chain`
/// (empty, or ending with a comma).
fn measure(
    out: &OutputSpec,
    sound: &[std::path::PathBuf],
    cancel: &Cancel,
    chain: &str,
) -> Result<LoudnessStats, AssembleError> {
    let channels = out.audio.channels as usize;
    let mut meter = Meter::new(
        out.audio.sample_rate,
        crate::plan::output_layout(channels as u32),
        channels,
        chain,
    )
    .map_err(fail("measure loudness"))?;
    for p in sound {
        if cancel.is_cancelled() {
            return Err(AssembleError::Cancelled);
        }
        meter
            .push(&read_pcm(p)?)
            .map_err(fail("measure loudness"))?;
    }
    meter.finish().map_err(fail("measure loudness"))
}

/// The filters applying `gain_db`, and a limiter holding peaks under the ceiling.
fn loudness_chain(gain_db: f64, limit: Option<f64>, margin: f64) -> String {
    let mut chain = format!("volume={gain_db:.3}dB,");
    if let Some(ceiling) = limit {
        let limit = 10f64.powf((ceiling - margin) / 20.0);
        chain.push_str(&format!(
            "alimiter=limit={limit:.6}:level=false:latency=true:attack=5:release=50,"
        ));
    }
    chain
}

/// Gain (and a limiter when peaks would pass the ceiling) bringing the program to `target`.
/// A plain gain is exact; when the limiter acts it takes loudness away, so the gain is
/// corrected from a measurement of the limited sound (a few passes over the PCM, no encoding).
fn normalise(
    out: &OutputSpec,
    sound: &[std::path::PathBuf],
    cancel: &Cancel,
    m: &LoudnessStats,
    target: &Loudness,
) -> Result<(f64, bool), AssembleError> {
    if m.integrated <= -70.0 {
        // Silence: there is nothing to bring up.
        return Ok((0.0, false));
    }
    // In steps of 0.1 dB (the written loudness within 0.05 LU of the target, far inside the
    // ±1 LU tolerance): a trim that barely moves the program's loudness leaves the gain — and
    // so every encoded sound chunk it does not touch — as it was.
    let step = |g: f64| (g * 10.0).round() / 10.0;
    let mut gain = step(target.target - m.integrated);
    let margin = true_peak_margin(out);
    let limited = m.true_peak + gain > target.true_peak - margin;
    if limited {
        for _ in 0..4 {
            let chain = loudness_chain(gain, Some(target.true_peak), margin);
            let got = measure(out, sound, cancel, &chain)?;
            let miss = target.target - got.integrated;
            if miss.abs() < 0.2 {
                break;
            }
            gain = step(gain + miss);
        }
    }
    Ok((gain, limited))
}

/// The sound of each piece: its segment's PCM, or — under a bed — that PCM with the bed pieces
/// mixed in, written once beside `output` (the passes that follow read it, not the beds). The
/// pieces are mixed side by side on `workers` threads.
fn with_beds(
    out: &OutputSpec,
    pieces: &[Piece],
    output: &Path,
    workers: usize,
    cancel: &Cancel,
) -> Result<Vec<std::path::PathBuf>, AssembleError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = output.parent().unwrap_or(Path::new("."));
    let mix = |i: usize, p: &Piece| -> Result<std::path::PathBuf, AssembleError> {
        if p.beds.is_empty() {
            return Ok(p.files.pcm.clone());
        }
        if cancel.is_cancelled() {
            return Err(AssembleError::Cancelled);
        }
        let mut pcm = read_pcm(&p.files.pcm)?;
        mix_beds(out, cancel, p.beds, &mut pcm).map_err(|e| match e {
            SegmentError::Cancelled => AssembleError::Cancelled,
            e => AssembleError::Failed {
                stage: "mix the sound beds",
                message: e.to_string(),
            },
        })?;
        let mixed = dir.join(format!("mixed-{i:05}.pcm"));
        let bytes: Vec<u8> = pcm.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(&mixed, bytes).map_err(fail("write mixed sound"))?;
        Ok(mixed)
    };
    let next = AtomicUsize::new(0);
    let done: Vec<(usize, Result<std::path::PathBuf, AssembleError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.clamp(1, pieces.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = pieces.get(i) else { break };
                        let r = mix(i, p);
                        let failed = r.is_err();
                        mine.push((i, r));
                        if failed {
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut paths: Vec<Option<std::path::PathBuf>> = vec![None; pieces.len()];
    for (i, r) in done {
        paths[i] = Some(r?);
    }
    paths
        .into_iter()
        .map(|p| {
            p.ok_or(AssembleError::Failed {
                stage: "mix the sound beds",
                message: "a mixing thread stopped".into(),
            })
        })
        .collect()
}

/// Write the program to `path` (a temporary name; the caller renames it when this succeeds).
pub fn assemble(
    out: &OutputSpec,
    pieces: &[Piece],
    tracks: &[Track],
    path: &Path,
    workers: usize,
    chunk_cache: Option<&crate::cache::Cache>,
    cancel: &Cancel,
) -> Result<Assembled, AssembleError> {
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
    let vindex = {
        let mut st = octx.add_stream(vcodec).map_err(fail("add video stream"))?;
        st.set_parameters(&template);
        st.set_time_base(fps_tb);
        if out.metadata.iter().any(|(k, _)| k == "timecode") {
            // The timecode track counts at the stream's frame rate.
            let rate = ff::Rational::new(out.fps.num() as i32, out.fps.den() as i32);
            st.set_avg_frame_rate(rate);
            st.set_rate(rate);
        }
        st.index()
    };

    let aenc = audio_encoder(out, true).map_err(fail("open the audio encoder"))?;
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

    let soft: Vec<Track> = tracks.iter().filter(|t| t.track).cloned().collect();
    let mut subs = super::subtitle::add_streams(&mut octx, out.container, &soft)
        .map_err(fail("add subtitle tracks"))?;

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
    let vtb_out = octx.stream(vindex).map(|s| s.time_base()).unwrap_or(fps_tb);
    let atb_out = octx.stream(aindex).map(|s| s.time_base()).unwrap_or(atb);

    // Sound: PCM (interleaved f32) → sample format and frame size of the encoder → encoder.
    let channels = out.audio.channels as i32;
    let layout_name = crate::plan::output_layout(channels as u32);
    let args = super::abuffer_args((1, sr), sr as u32, "flt", layout_name);
    let mut spec = String::new();
    let mut done = Assembled::default();
    let clock = std::time::Instant::now();
    let sound = with_beds(out, pieces, path, workers, cancel)?;
    done.stages.mix_beds = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    if let Some(target) = &out.audio.loudness {
        let measured = measure(out, &sound, cancel, "")?;
        let (gain_db, limited) = normalise(out, &sound, cancel, &measured, target)?;
        spec.push_str(&loudness_chain(
            gain_db,
            limited.then_some(target.true_peak),
            true_peak_margin(out),
        ));
        done.loudness = Some(LoudnessApplied {
            measured,
            gain_db,
            limited,
        });
    }
    done.stages.measure_loudness = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    spec.push_str(&format!("aformat=sample_fmts={}", aenc.format().name()));
    let variable = acodec
        .capabilities()
        .contains(ff::codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE);
    let frame_size = if !variable && aenc.frame_size() > 0 {
        Some(aenc.frame_size() as i64)
    } else {
        None
    };
    let program = ProgramSound::new(&sound, channels as usize)?;
    let grid = Grid::for_codec(frame_size, program.total);
    done.stages.sound_chunks = grid.chunks();
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let encoding = Encoding {
        out,
        program: &program,
        grid: &grid,
        args: &args,
        spec: &spec,
        frame_size,
        store: chunk_cache.map(|cache| ChunkStore { cache }),
        reused: &reused,
        cancel,
    };

    // Video packets piece by piece; the sound's packets, encoded a few chunks at a time on
    // `workers` threads, written as the video reaches them (memory stays at a few chunks).
    let mut queue: std::collections::VecDeque<ff::Packet> = Default::default();
    let mut next_chunk = 0;
    let mut sample_end: i64 = 0;
    let write_audio = |packet: &mut ff::Packet,
                       octx: &mut ff::format::context::Output|
     -> Result<(), AssembleError> {
        packet.set_stream(aindex);
        packet.rescale_ts(atb, atb_out);
        packet.write_interleaved(octx).map_err(fail("write sound"))
    };
    for (p, pcm) in pieces.iter().zip(&sound) {
        if cancel.is_cancelled() {
            return Err(AssembleError::Cancelled);
        }
        let mut reader =
            PacketReader::open(&p.files.video).map_err(fail("read segment packets"))?;
        // A segment of a frame or two is encoded without B-frames (dts = pts): its decode
        // times move back by the delay the others have, so they keep rising across the join.
        let mut lag: Option<i64> = None;
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
            packet.set_stream(vindex);
            packet.rescale_ts(fps_tb, vtb_out);
            packet
                .write_interleaved(&mut octx)
                .map_err(fail("write video"))?;
        }
        // The sound up to this piece's end.
        sample_end += pcm_samples(pcm, channels as usize)?;
        loop {
            while queue
                .front()
                .is_some_and(|a| a.pts().unwrap_or(i64::MIN) < sample_end)
            {
                if let Some(mut a) = queue.pop_front() {
                    write_audio(&mut a, &mut octx)?;
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
        write_audio(&mut a, &mut octx)?;
    }
    octx.write_trailer().map_err(fail("write trailer"))?;
    done.stages.join_and_encode = clock.elapsed().as_secs_f64();
    done.stages.sound_chunks_reused = reused.into_inner();
    Ok(done)
}

/// The program's sound as the pieces' PCM files, read by sample range.
struct ProgramSound<'a> {
    files: &'a [std::path::PathBuf],
    /// First program sample of each file.
    starts: Vec<i64>,
    total: i64,
    channels: usize,
}

/// Samples per channel in a PCM file.
fn pcm_samples(path: &Path, channels: usize) -> Result<i64, AssembleError> {
    let bytes = std::fs::metadata(path)
        .map_err(fail("read segment sound"))?
        .len();
    Ok((bytes / (4 * channels.max(1) as u64)) as i64)
}

impl<'a> ProgramSound<'a> {
    fn new(files: &'a [std::path::PathBuf], channels: usize) -> Result<Self, AssembleError> {
        let mut starts = Vec::with_capacity(files.len());
        let mut total = 0;
        for f in files {
            starts.push(total);
            total += pcm_samples(f, channels)?;
        }
        Ok(ProgramSound {
            files,
            starts,
            total,
            channels,
        })
    }

    /// Interleaved samples `from..to` of the program.
    fn read(&self, from: i64, to: i64) -> Result<Vec<f32>, AssembleError> {
        use std::io::{Seek, SeekFrom};
        let ch = self.channels;
        let mut out = vec![0f32; (to - from).max(0) as usize * ch];
        for (i, f) in self.files.iter().enumerate() {
            let a = self.starts[i];
            let b = self.starts.get(i + 1).copied().unwrap_or(self.total);
            let (lo, hi) = (a.max(from), b.min(to));
            if lo >= hi {
                continue;
            }
            let mut file = std::fs::File::open(f).map_err(fail("read segment sound"))?;
            file.seek(SeekFrom::Start(((lo - a) as usize * ch * 4) as u64))
                .map_err(fail("read segment sound"))?;
            let mut bytes = vec![0u8; (hi - lo) as usize * ch * 4];
            file.read_exact(&mut bytes)
                .map_err(fail("read segment sound"))?;
            let at = (lo - from) as usize * ch;
            for (o, b) in out[at..].iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        Ok(out)
    }
}

/// Samples per chunk of the program's sound (43.7 s at 48 kHz): a multiple of every fixed
/// encoder frame size roughcut chunks for (AAC's 1024), fixed from the program's start — never
/// dependent on `--jobs` or the segments, so the output's bytes are not either.
const CHUNK: i64 = 1 << 21;
/// Real samples before a chunk fed to its encoder and dropped: the first kept frame's overlap,
/// the limiter's state and the AAC encoder's rate control come from the real preceding sound.
/// FFmpeg's AAC encoder needs 100–200 frames to settle its rate control (measured: with 16 or
/// 64 frames of pre-roll, the 1.4 s after a join carried 25 dB more coding error than the
/// same tone elsewhere; with 256 frames, none): 256 frames, 12.5 % of a chunk.
const PRE_ROLL: i64 = 256 * 1024;
/// Real samples after a chunk fed to its encoder (the last kept frame's overlap and the
/// encoder's look-ahead for window switching), then dropped.
const POST_ROLL: i64 = 4 * 1024;

/// How the program's sound is cut into chunks encoded side by side.
struct Grid {
    /// Samples per chunk (the whole program when it cannot be chunked).
    size: i64,
    pre: i64,
    post: i64,
    total: i64,
}

impl Grid {
    /// Chunks for encoders whose frames divide the grid: AAC's 1024, and variable-size encoders
    /// (PCM), which are fed 1024-sample frames too — both with the pre-roll (the loudness
    /// limiter before the encoder has a state to settle whatever the codec). Others (FLAC's
    /// 4608) take the program in one piece.
    fn for_codec(frame_size: Option<i64>, total: i64) -> Grid {
        match frame_size {
            Some(fs) if CHUNK % fs != 0 || PRE_ROLL % fs != 0 => Grid {
                size: total.max(1),
                pre: 0,
                post: 0,
                total,
            },
            _ => Grid {
                size: CHUNK,
                pre: PRE_ROLL,
                post: POST_ROLL,
                total,
            },
        }
    }

    fn chunks(&self) -> usize {
        ((self.total + self.size - 1) / self.size).max(1) as usize
    }
}

/// What every chunk's encoder shares.
struct Encoding<'a> {
    out: &'a OutputSpec,
    program: &'a ProgramSound<'a>,
    grid: &'a Grid,
    /// The sound buffer's arguments and the chain to the encoder (loudness gain, limiter,
    /// sample format).
    args: &'a str,
    spec: &'a str,
    frame_size: Option<i64>,
    /// Where encoded chunks are kept for the next assembly (`None`: not kept).
    store: Option<ChunkStore<'a>>,
    /// Chunks taken from the store so far.
    reused: &'a std::sync::atomic::AtomicUsize,
    cancel: &'a Cancel,
}

impl Encoding<'_> {
    /// What decides a chunk's packets: the encoder and its settings, the chain before it, the
    /// chunk's place on the grid, and every input sample it is fed.
    fn key(&self, c: usize, from: i64, to: i64, input: &[f32]) -> String {
        let mut h = blake3::Hasher::new();
        h.update(super::library_versions().as_bytes());
        h.update(
            serde_json::to_string(&self.out.audio)
                .unwrap_or_default()
                .as_bytes(),
        );
        h.update(self.spec.as_bytes());
        for n in [
            c as i64,
            from,
            to,
            self.grid.size,
            i64::from(c + 1 >= self.grid.chunks()),
            self.frame_size.unwrap_or(0),
        ] {
            h.update(&n.to_le_bytes());
        }
        // In blocks: one hasher call per sample would cost more than the hashing.
        for block in input.chunks(1 << 16) {
            let bytes: Vec<u8> = block.iter().flat_map(|x| x.to_le_bytes()).collect();
            h.update(&bytes);
        }
        h.finalize().to_hex()[..32].to_string()
    }

    /// Encode chunks `range` side by side (one thread each); their packets in order.
    fn chunks(&self, range: std::ops::Range<usize>) -> Result<Vec<ff::Packet>, AssembleError> {
        let results: Vec<Result<Vec<ff::Packet>, AssembleError>> = std::thread::scope(|s| {
            let handles: Vec<_> = range.map(|c| s.spawn(move || self.chunk(c))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(AssembleError::Failed {
                            stage: "encode sound",
                            message: "an encoding thread stopped".into(),
                        })
                    })
                })
                .collect()
        });
        let mut all = Vec::new();
        for r in results {
            all.extend(r?);
        }
        Ok(all)
    }

    /// Encode chunk `c` with its own encoder: the chunk's samples with real pre- and post-roll,
    /// keeping only the packets whose first sample lies inside the chunk.
    fn chunk(&self, c: usize) -> Result<Vec<ff::Packet>, AssembleError> {
        let g = self.grid;
        let last = c + 1 >= g.chunks();
        let start = c as i64 * g.size;
        let end = if last { g.total } else { start + g.size };
        let from = (start - g.pre).max(0);
        let to = if last {
            g.total
        } else {
            (end + g.post).min(g.total)
        };
        // A chunk's input is read once, for its key and its encoder — unless the program is one
        // chunk too long to hold (an encoder that cannot be chunked): then it is read in blocks
        // and not kept.
        let input = if to - from <= CHUNK + PRE_ROLL + POST_ROLL {
            Some(self.program.read(from, to)?)
        } else {
            None
        };
        let key = match (&self.store, &input) {
            (Some(_), Some(input)) => Some(self.key(c, from, to, input)),
            _ => None,
        };
        if let (Some(store), Some(key)) = (&self.store, &key) {
            if let Some(packets) = store.load(key) {
                self.reused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(packets);
            }
        }
        let mut encoder = audio_encoder(self.out, true).map_err(fail("open the audio encoder"))?;
        let mut graph =
            Graph::chain(Medium::Audio, self.args, self.spec, 1).map_err(fail("prepare sound"))?;
        // Fixed-size frames (1024 samples for variable-size encoders): packet boundaries fall
        // on the chunk grid.
        graph.set_frame_size(self.frame_size.unwrap_or(1024) as u32);
        let channels = self.program.channels;
        let layout = ff::util::channel_layout::ChannelLayout::default(channels as i32);
        let mut kept = Vec::new();
        let mut keep =
            |encoder: &mut ff::codec::encoder::audio::Encoder| -> Result<(), AssembleError> {
                let mut packet = ff::Packet::empty();
                while received(encoder.receive_packet(&mut packet)).map_err(fail("encode sound"))? {
                    let pts = packet.pts().unwrap_or(i64::MIN);
                    let inside = (c == 0 || pts >= start) && (last || pts < end);
                    if inside {
                        kept.push(std::mem::replace(&mut packet, ff::Packet::empty()));
                    }
                }
                Ok(())
            };
        // Fed in blocks of 64 Ki samples: the graph cuts them into the encoder's frames.
        const BLOCK: i64 = 1 << 16;
        let mut at = from;
        while at < to {
            if self.cancel.is_cancelled() {
                return Err(AssembleError::Cancelled);
            }
            let n = BLOCK.min(to - at);
            let ch = channels;
            let read;
            let pcm = match &input {
                Some(input) => &input[(at - from) as usize * ch..(at - from + n) as usize * ch],
                None => {
                    read = self.program.read(at, at + n)?;
                    &read[..]
                }
            };
            let bytes: Vec<u8> = pcm.iter().flat_map(|x| x.to_ne_bytes()).collect();
            let mut frame = ff::frame::Audio::new(
                ff::format::Sample::F32(ff::format::sample::Type::Packed),
                n as usize,
                layout,
            );
            frame.set_rate(self.out.audio.sample_rate);
            frame.data_mut(0)[..bytes.len()].copy_from_slice(&bytes);
            frame.set_pts(Some(at));
            graph.push(&mut frame).map_err(fail("prepare sound"))?;
            let mut outf = ff::frame::Audio::empty();
            while graph.pull(&mut outf).map_err(fail("prepare sound"))? {
                encoder.send_frame(&outf).map_err(fail("encode sound"))?;
                keep(&mut encoder)?;
            }
            at += n;
        }
        graph.flush().map_err(fail("prepare sound"))?;
        let mut outf = ff::frame::Audio::empty();
        while graph.pull(&mut outf).map_err(fail("prepare sound"))? {
            encoder.send_frame(&outf).map_err(fail("encode sound"))?;
            keep(&mut encoder)?;
        }
        encoder.send_eof().map_err(fail("encode sound"))?;
        keep(&mut encoder)?;
        if let (Some(store), Some(key)) = (&self.store, &key) {
            // A failure to keep it only means encoding it again next time.
            let _ = store.save(key, &kept);
        }
        Ok(kept)
    }
}

/// Where encoded sound chunks are kept between assemblies (the cache's `sound` area), as
/// each packet's pts, dts, duration, key flag and bytes.
struct ChunkStore<'a> {
    cache: &'a crate::cache::Cache,
}

impl ChunkStore<'_> {
    const AREA: &'static str = "sound";

    /// The packets stored under `key`, when they are there whole.
    fn load(&self, key: &str) -> Option<Vec<ff::Packet>> {
        let bytes = self.cache.blob(Self::AREA, key)?;
        let mut packets = Vec::new();
        let mut at = 0usize;
        let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
            let s = bytes.get(*at..*at + n)?;
            *at += n;
            Some(s)
        };
        let int = |b: &[u8]| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        while at < bytes.len() {
            let pts = int(take(&mut at, 8)?);
            let dts = int(take(&mut at, 8)?);
            let duration = int(take(&mut at, 8)?);
            let flags = take(&mut at, 1)?[0];
            let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
            let mut p = ff::Packet::copy(take(&mut at, len)?);
            p.set_pts(Some(pts));
            p.set_dts(Some(dts));
            p.set_duration(duration);
            if flags & 1 == 1 {
                p.set_flags(ff::codec::packet::Flags::KEY);
            }
            packets.push(p);
        }
        Some(packets)
    }

    /// Keep `packets` under `key`.
    fn save(&self, key: &str, packets: &[ff::Packet]) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        for p in packets {
            let data = p.data().unwrap_or(&[]);
            bytes.extend(p.pts().unwrap_or(0).to_le_bytes());
            bytes.extend(p.dts().unwrap_or(0).to_le_bytes());
            bytes.extend(p.duration().to_le_bytes());
            bytes.push(u8::from(p.is_key()));
            bytes.extend((data.len() as u32).to_le_bytes());
            bytes.extend(data);
        }
        self.cache.store_blob(Self::AREA, key, &bytes)
    }
}
