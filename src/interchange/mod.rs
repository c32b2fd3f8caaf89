//! Cuts written by editing systems: read (and, later, written) in their own formats. Pure text
//! work: no FFmpeg, no files.

pub mod build;
pub mod cmx3600;
pub mod cmx3600_write;
pub mod cut;
pub mod fcpxml;
pub(crate) mod link;
pub mod otio;
pub(crate) mod sniff;
pub mod to_edl;
