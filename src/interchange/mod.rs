//! Cuts written by editing systems: read (and, later, written) in their own formats. Pure text
//! work: no FFmpeg, no files.

pub mod cmx3600;
pub mod to_edl;
