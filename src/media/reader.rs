//! [`Reader`]: one media file opened for reading (local files only, through
//! [`super::open_input`]), its packets read one at a time, its streams' decoders opened the same
//! way everywhere. Every demux/decode loop of the media layer reads through it.

use std::path::{Path, PathBuf};

use super::{open_input, MediaError};
use crate::time::Rational;
use ffmpeg_next as ff;

/// What a loop needs to know about one stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamInfo {
    pub index: usize,
    pub time_base: ff::Rational,
    /// Source time zero: the stream's start time in seconds (0 when it has none).
    pub origin: Rational,
}

impl StreamInfo {
    /// A timestamp in this stream's time base as seconds from its origin.
    pub(crate) fn seconds(&self, ts: i64) -> Rational {
        let tb = self.time_base;
        if tb.denominator() == 0 {
            return Rational::from_integer(0);
        }
        Rational::new(tb.numerator() as i64, tb.denominator() as i64) * ts - self.origin
    }
}

/// A media file being read.
pub(crate) struct Reader {
    input: ff::format::context::Input,
    packet: ff::Packet,
    path: PathBuf,
}

impl Reader {
    /// Open `path` (a local file; protocols, playlists and the like are refused).
    pub(crate) fn open(path: &Path) -> Result<Reader, MediaError> {
        Ok(Reader {
            input: open_input(path)?,
            packet: ff::Packet::empty(),
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The demuxer, for reading container and stream facts.
    pub(crate) fn input(&self) -> &ff::format::context::Input {
        &self.input
    }

    /// The stream `index`, if the file has it.
    pub(crate) fn stream(&self, index: usize) -> Option<StreamInfo> {
        let st = self.input.stream(index)?;
        Some(StreamInfo {
            index,
            time_base: st.time_base(),
            origin: super::stream_origin(&st),
        })
    }

    /// The stream FFmpeg thinks best of `kind`, if any.
    pub(crate) fn best(&self, kind: ff::media::Type) -> Option<usize> {
        self.input.streams().best(kind).map(|s| s.index())
    }

    /// A decoder for stream `index` (packet time base set, `threads` threads), not yet opened
    /// as video or audio.
    pub(crate) fn decoder(
        &self,
        index: usize,
        threads: usize,
    ) -> Result<ff::codec::decoder::Decoder, ff::Error> {
        let st = self.input.stream(index).ok_or(ff::Error::StreamNotFound)?;
        let mut ctx = ff::codec::context::Context::from_parameters(st.parameters())?;
        ctx.set_threading(super::encode::decoder_threading(threads));
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(st.time_base());
        Ok(dec)
    }

    /// The next packet of the file, `None` at its end. (Each read releases the previous packet
    /// first: `Packet::read` on a reused packet would leak every buffer read.)
    pub(crate) fn read_packet(&mut self) -> Result<Option<&ff::Packet>, ff::Error> {
        self.packet = ff::Packet::empty();
        match self.packet.read(&mut self.input) {
            Ok(()) => Ok(Some(&self.packet)),
            Err(ff::Error::Eof) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Seek so that reading goes on from a keyframe at or before `seconds` on the file's own
    /// clock (a stream's origin plus source time).
    pub(crate) fn seek(&mut self, seconds: Rational) -> Result<(), ff::Error> {
        let ts = (seconds * (ff::ffi::AV_TIME_BASE as i64))
            .floor()
            .to_integer();
        self.input.seek(ts, ..ts)
    }
}

/// Hand every frame `decoder` has ready to `f`, into `frame`, until the decoder wants more
/// input or has ended. A decoder's failure goes through `fail` (which names the file, the stream
/// and the stage); it never ends the loop quietly.
pub(crate) fn drain<F, E>(
    decoder: &mut ff::codec::decoder::Opened,
    frame: &mut F,
    fail: impl Fn(ff::Error) -> E,
    mut f: impl FnMut(&mut F) -> Result<(), E>,
) -> Result<(), E>
where
    F: std::ops::DerefMut<Target = ff::Frame>,
{
    while super::received(decoder.receive_frame(frame)).map_err(&fail)? {
        f(frame)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two seconds of a 440 Hz tone as 8 kHz mono 16-bit WAV, written byte by byte.
    fn tone(dir: &Path) -> PathBuf {
        let path = dir.join("tone.wav");
        let samples: Vec<i16> = (0..16000)
            .map(|i| ((i as f64 * 440.0 / 8000.0 * std::f64::consts::TAU).sin() * 8000.0) as i16)
            .collect();
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&1u16.to_le_bytes()); // mono
        wav.extend_from_slice(&8000u32.to_le_bytes());
        wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
        wav.extend_from_slice(&2u16.to_le_bytes()); // block align
        wav.extend_from_slice(&16u16.to_le_bytes()); // bits
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
        wav.extend_from_slice(&data);
        std::fs::write(&path, wav).unwrap();
        path
    }

    #[test]
    fn reads_every_packet_then_ends_and_decodes_every_sample() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Reader::open(&tone(dir.path())).unwrap();
        let index = r.best(ff::media::Type::Audio).unwrap();
        let info = r.stream(index).unwrap();
        assert!(r.stream(index + 1).is_none());
        assert_eq!(info.origin, Rational::from_integer(0));
        let mut dec = r.decoder(index, 1).unwrap().audio().unwrap();
        let mut frame = ff::frame::Audio::empty();
        // Before any packet the decoder wants input (EAGAIN): an end of the drain, not an error.
        assert_eq!(
            crate::media::received(dec.receive_frame(&mut frame)),
            Ok(false)
        );
        let (mut packets, mut samples) = (0, 0);
        while let Some(p) = r.read_packet().unwrap() {
            packets += 1;
            dec.send_packet(p).unwrap();
            drain(
                &mut dec,
                &mut frame,
                |_| (),
                |f| {
                    samples += f.samples();
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        }
        dec.send_eof().unwrap();
        drain(
            &mut dec,
            &mut frame,
            |_| (),
            |f| {
                samples += f.samples();
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        // Drained after its end (EOF): an end again.
        assert_eq!(
            crate::media::received(dec.receive_frame(&mut frame)),
            Ok(false)
        );
        assert!(packets > 0);
        assert_eq!(samples, 16000, "two seconds at 8 kHz, every sample");
        assert!(r.read_packet().unwrap().is_none(), "still at the end");
        // Back to the start: the first packet again.
        r.seek(Rational::from_integer(0)).unwrap();
        let first = r.read_packet().unwrap().and_then(|p| p.pts());
        assert_eq!(
            first.map(|p| info.seconds(p)),
            Some(Rational::from_integer(0))
        );
    }

    #[test]
    fn missing_streams_are_none_and_missing_files_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = tone(dir.path());
        let r = Reader::open(&path).unwrap();
        assert!(r.stream(7).is_none());
        assert!(r.decoder(7, 1).is_err());
        let e = Reader::open(&dir.path().join("nope.mkv"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("nope.mkv") && e.contains("not found"), "{e}");
    }
}
