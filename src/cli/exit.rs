//! Exit codes, the same for every subcommand (documented in docs/cli.md).

/// Success.
pub const SUCCESS: i32 = 0;
/// The work failed (rendering, writing, an FFmpeg error during work).
pub const FAILED: i32 = 1;
/// Usage error: bad command-line arguments.
pub const USAGE: i32 = 2;
/// Invalid input: the EDL or a media file is wrong.
pub const INVALID_INPUT: i32 = 3;
/// The things compared differ (`diff`: the cuts differ).
pub const DIFFERS: i32 = 4;
/// Interrupted by SIGINT/SIGTERM.
pub const INTERRUPTED: i32 = 130;
