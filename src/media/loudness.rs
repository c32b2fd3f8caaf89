//! Loudness as FFmpeg's `ebur128` filter measures it (EBU R128 / ITU-R BS.1770): integrated
//! loudness, loudness range and true peak.

use std::path::Path;

use serde::Serialize;

use super::graph::{Graph, Medium};
use super::reader::Reader;
use super::{received, MediaError};
use ffmpeg_next as ff;

/// A program's loudness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct LoudnessStats {
    /// Integrated loudness, LUFS (−70 for silence: the absolute gate).
    pub integrated: f64,
    /// Loudness range, LU.
    pub range: f64,
    /// Highest true peak over all channels, dBTP.
    pub true_peak: f64,
}

/// Feeds sound through `ebur128` and keeps the latest running values.
pub(crate) struct Meter {
    graph: Graph,
    stats: LoudnessStats,
    next_pts: i64,
    sample_rate: u32,
    channels: usize,
}

fn meta(frame: &ff::frame::Audio, key: &str) -> Option<f64> {
    frame.metadata().get(key)?.trim().parse().ok()
}

fn db(linear: f64) -> f64 {
    if linear > 0.0 {
        20.0 * linear.log10()
    } else {
        f64::NEG_INFINITY
    }
}

impl Meter {
    /// A meter for interleaved `f32` sound at `sample_rate` with `layout` (FFmpeg name),
    /// measuring it after the filters of `chain` (empty, or ending with a comma).
    pub(crate) fn new(
        sample_rate: u32,
        layout: &str,
        channels: usize,
        chain: &str,
    ) -> Result<Meter, ff::Error> {
        let args = super::abuffer_args((1, sample_rate as i32), sample_rate, "flt", layout);
        Meter::from_args(&args, sample_rate, channels, chain)
    }

    /// A meter whose `abuffer` takes `args`.
    fn from_args(
        args: &str,
        sample_rate: u32,
        channels: usize,
        chain: &str,
    ) -> Result<Meter, ff::Error> {
        Ok(Meter {
            graph: Graph::chain(
                Medium::Audio,
                args,
                &format!("{chain}ebur128=peak=true:metadata=1"),
                1,
            )?,
            stats: LoudnessStats {
                integrated: -70.0,
                range: 0.0,
                true_peak: f64::NEG_INFINITY,
            },
            next_pts: 0,
            sample_rate,
            channels: channels.max(1),
        })
    }

    /// Measure interleaved samples.
    pub(crate) fn push(&mut self, pcm: &[f32]) -> Result<(), ff::Error> {
        let n = pcm.len() / self.channels;
        if n == 0 {
            return Ok(());
        }
        let mut frame = ff::frame::Audio::new(
            ff::format::Sample::F32(ff::format::sample::Type::Packed),
            n,
            ff::util::channel_layout::ChannelLayout::default(self.channels as i32),
        );
        frame.set_rate(self.sample_rate);
        frame.set_pts(Some(self.next_pts));
        self.next_pts += n as i64;
        let bytes: Vec<u8> = pcm[..n * self.channels]
            .iter()
            .flat_map(|x| x.to_ne_bytes())
            .collect();
        frame.data_mut(0)[..bytes.len()].copy_from_slice(&bytes);
        self.graph.push(&mut frame)?;
        self.pull()
    }

    /// Add a decoded frame in any format (the graph's input must match it).
    fn push_frame(&mut self, frame: &mut ff::frame::Audio) -> Result<(), ff::Error> {
        self.graph.push(frame)?;
        self.pull()
    }

    /// Read the running values off every frame the filter has ready (each pulled frame is
    /// released before the next: see [`Graph::pull`]).
    fn pull(&mut self) -> Result<(), ff::Error> {
        let mut out = ff::frame::Audio::empty();
        while self.graph.pull(&mut out)? {
            if let Some(i) = meta(&out, "lavfi.r128.I") {
                self.stats.integrated = i;
            }
            if let Some(r) = meta(&out, "lavfi.r128.LRA") {
                self.stats.range = r;
            }
            if let Some(p) = meta(&out, "lavfi.r128.true_peak") {
                self.stats.true_peak = db(p);
            }
        }
        Ok(())
    }

    /// The end: the final values.
    pub(crate) fn finish(mut self) -> Result<LoudnessStats, ff::Error> {
        self.graph.flush()?;
        self.pull()?;
        Ok(self.stats)
    }
}

/// Measure the loudness of a file's `n`th audio stream (0 = first).
pub fn measure_file(path: &Path, n: usize) -> Result<LoudnessStats, MediaError> {
    super::init();
    let fail = |stage: &'static str| move |e: ff::Error| MediaError::read(path, stage, e);
    let mut reader = Reader::open(path)?;
    let index = reader
        .input()
        .streams()
        .filter(|s| s.parameters().medium() == ff::media::Type::Audio)
        .nth(n)
        .map(|s| s.index())
        .ok_or_else(|| {
            let said = if n == 0 {
                "the file has no audio stream".to_string()
            } else {
                format!("the file has no audio stream {n}")
            };
            MediaError::read(path, "find sound", said)
        })?;
    let mut dec = reader
        .decoder(index, 1)
        .and_then(|d| d.audio())
        .map_err(fail("open decoder"))?;
    let mut meter: Option<Meter> = None;
    let mut frame = ff::frame::Audio::empty();
    let feed = |frame: &mut ff::frame::Audio,
                meter: &mut Option<Meter>,
                dec: &ff::codec::decoder::Audio|
     -> Result<(), ff::Error> {
        if meter.is_none() {
            let layout = super::layout::of_decoder(dec);
            let args = super::abuffer_args(
                (1, dec.rate() as i32),
                dec.rate(),
                dec.format().name(),
                &layout,
            );
            *meter = Some(Meter::from_args(
                &args,
                dec.rate(),
                dec.channels() as usize,
                "",
            )?);
        }
        if let Some(m) = meter.as_mut() {
            frame.set_pts(Some(m.next_pts));
            m.next_pts += frame.samples() as i64;
            m.push_frame(frame)?;
        }
        Ok(())
    };
    while let Some(packet) = reader.read_packet().map_err(fail("read"))? {
        if packet.stream() != index {
            continue;
        }
        dec.send_packet(packet).map_err(fail("decode"))?;
        while received(dec.receive_frame(&mut frame)).map_err(fail("decode"))? {
            feed(&mut frame, &mut meter, &dec).map_err(fail("measure"))?;
        }
    }
    let _ = dec.send_eof();
    while received(dec.receive_frame(&mut frame)).map_err(fail("decode"))? {
        feed(&mut frame, &mut meter, &dec).map_err(fail("measure"))?;
    }
    meter
        .ok_or_else(|| MediaError::read(path, "decode", "no sound could be decoded"))?
        .finish()
        .map_err(fail("measure"))
}
