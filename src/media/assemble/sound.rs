//! The program's sound encoded once, as one stream, in chunks on a fixed grid encoded side by
//! side (each with real pre- and post-roll), and the chunks kept in the cache between
//! assemblies.

use std::io::Read;
use std::path::Path;

use super::{fail, AssembleError};
use crate::cancel::Cancel;
use crate::media::encode::audio_encoder;
use crate::media::graph::{Graph, Medium};
use crate::media::received;
use crate::plan::OutputSpec;
use ffmpeg_next as ff;

/// The program's sound as the pieces' PCM files, read by sample range.
pub(super) struct ProgramSound<'a> {
    files: &'a [std::path::PathBuf],
    /// First program sample of each file.
    starts: Vec<i64>,
    pub(super) total: i64,
    channels: usize,
}

/// Samples per channel in a PCM file.
pub(super) fn pcm_samples(path: &Path, channels: usize) -> Result<i64, AssembleError> {
    let bytes = std::fs::metadata(path)
        .map_err(fail("read segment sound"))?
        .len();
    Ok((bytes / (4 * channels.max(1) as u64)) as i64)
}

impl<'a> ProgramSound<'a> {
    pub(super) fn new(
        files: &'a [std::path::PathBuf],
        channels: usize,
    ) -> Result<Self, AssembleError> {
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
pub(super) struct Grid {
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
    pub(super) fn for_codec(frame_size: Option<i64>, total: i64) -> Grid {
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

    pub(super) fn chunks(&self) -> usize {
        ((self.total + self.size - 1) / self.size).max(1) as usize
    }
}

/// What every chunk's encoder shares.
pub(super) struct Encoding<'a> {
    pub(super) out: &'a OutputSpec,
    pub(super) program: &'a ProgramSound<'a>,
    pub(super) grid: &'a Grid,
    /// The sound buffer's arguments and the chain to the encoder (loudness gain, limiter,
    /// sample format).
    pub(super) args: &'a str,
    pub(super) spec: &'a str,
    pub(super) frame_size: Option<i64>,
    /// Where encoded chunks are kept for the next assembly (`None`: not kept).
    pub(super) store: Option<ChunkStore<'a>>,
    /// Chunks taken from the store so far.
    pub(super) reused: &'a std::sync::atomic::AtomicUsize,
    pub(super) cancel: &'a Cancel,
}

impl Encoding<'_> {
    /// What decides a chunk's packets: the encoder and its settings, the chain before it, the
    /// chunk's place on the grid, and every input sample it is fed.
    fn key(&self, c: usize, from: i64, to: i64, input: &[f32]) -> String {
        let mut h = blake3::Hasher::new();
        h.update(crate::media::library_versions().as_bytes());
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
    pub(super) fn chunks(
        &self,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<ff::Packet>, AssembleError> {
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
pub(super) struct ChunkStore<'a> {
    pub(super) cache: &'a crate::cache::Cache,
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
