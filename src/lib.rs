//! roughcut: render preview cuts from a JSON edit decision list, in parallel, through FFmpeg.
//!
//! Stages, each a module with one job, data flowing one way:
//! [`edl`] (parse, exact times, validate) → [`probe`] (media facts) → plan → render → assemble.
//! [`media`] is the only module that talks to FFmpeg.

pub mod cache;
pub mod cancel;
pub mod edl;

pub mod facts;
pub mod gather;
pub mod media;
pub mod plan;

pub mod render;
pub mod samples;
pub mod subs;
pub mod time;
pub mod transcode;
