//! The one integration-test binary (each test binary links FFmpeg; linking is the slow part).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod architecture;
mod cache;
mod cli;
mod colour;
mod common;
mod corpus;
mod docs;
mod faults;
mod fuzzed;
mod interchange;
mod memory;
mod render;
mod review;
mod scale_out;
mod sound;
mod subtitles;
mod titles;
mod torture;
mod transcode;
mod validate;
