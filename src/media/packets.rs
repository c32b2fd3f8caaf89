//! A minimal file of encoded packets, used to hand a segment's video from its worker to the
//! assembler without a container in between (no timestamp shifting, no muxer rules):
//! per packet `pts: i64, dts: i64, flags: u32, size: u32` (little-endian), then the bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use ffmpeg_next as ff;

/// Writes packets to a file.
pub(crate) struct PacketWriter {
    out: BufWriter<File>,
}

impl PacketWriter {
    pub(crate) fn create(path: &Path) -> std::io::Result<PacketWriter> {
        Ok(PacketWriter {
            out: BufWriter::new(File::create(path)?),
        })
    }

    pub(crate) fn write(&mut self, p: &ff::Packet) -> std::io::Result<()> {
        let data = p.data().unwrap_or(&[]);
        let pts = p.pts().unwrap_or(ff::ffi::AV_NOPTS_VALUE);
        let dts = p.dts().unwrap_or(ff::ffi::AV_NOPTS_VALUE);
        self.out.write_all(&pts.to_le_bytes())?;
        self.out.write_all(&dts.to_le_bytes())?;
        self.out
            .write_all(&(p.flags().bits() as u32).to_le_bytes())?;
        self.out.write_all(&(data.len() as u32).to_le_bytes())?;
        self.out.write_all(data)
    }

    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()
    }
}

/// One stored packet.
pub(crate) struct StoredPacket {
    pub pts: i64,
    pub dts: i64,
    pub key: bool,
    pub data: Vec<u8>,
}

/// Reads packets back in order.
pub(crate) struct PacketReader {
    input: BufReader<File>,
}

impl PacketReader {
    pub(crate) fn open(path: &Path) -> std::io::Result<PacketReader> {
        Ok(PacketReader {
            input: BufReader::new(File::open(path)?),
        })
    }

    /// The next packet, `None` at the end of the file.
    pub(crate) fn next_packet(&mut self) -> std::io::Result<Option<StoredPacket>> {
        let mut head = [0u8; 24];
        match self.input.read_exact(&mut head[..1]) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        self.input.read_exact(&mut head[1..])?;
        let word = |r: std::ops::Range<usize>| -> [u8; 8] {
            let mut b = [0u8; 8];
            b[..r.len()].copy_from_slice(&head[r]);
            b
        };
        let pts = i64::from_le_bytes(word(0..8));
        let dts = i64::from_le_bytes(word(8..16));
        let flags = u64::from_le_bytes(word(16..20)) as u32;
        let size = u64::from_le_bytes(word(20..24)) as usize;
        let mut data = vec![0u8; size];
        self.input.read_exact(&mut data)?;
        Ok(Some(StoredPacket {
            pts,
            dts,
            key: flags & (ff::codec::packet::Flags::KEY.bits() as u32) != 0,
            data,
        }))
    }
}
