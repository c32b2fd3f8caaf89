//! roughcut: render preview cuts from a JSON edit decision list, in parallel, through FFmpeg.
//!
//! Floors, data flowing one way (the table in `docs/architecture.md`, held by
//! `tests/it/architecture.rs`): [`edl`] parses an EDL into a draft; [`gather`] finds out what the
//! draft needs about its files (through [`media`] and [`cache`]) into [`facts`]; [`edl::check`]
//! turns draft and facts into a checked EDL; [`plan`] makes it pure work; [`render`] runs it
//! through [`media`], the only module that talks to FFmpeg; [`transcode`] runs one-clip EDLs
//! through the same render.

#![warn(unreachable_pub)]

pub mod cache;
pub mod cancel;
pub mod colour_class;
pub mod edl;

pub mod facts;
#[doc(hidden)]
pub mod fuzzing;
pub mod gather;
pub mod import;
pub mod interchange;
pub mod media;
pub mod plan;

pub mod render;
pub mod review;
pub mod samples;
pub mod storyboard;
pub mod subs;
pub mod time;
pub mod transcode;
pub mod verify;
pub mod walk;
