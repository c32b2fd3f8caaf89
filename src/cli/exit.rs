//! Exit codes, the same for every subcommand (documented in docs/cli.md and in `roughcut
//! --help`). A closed set: a command fails with one of these, and only `main` turns it into the
//! process's status.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: the work failed (rendering, writing, an FFmpeg error during work; a check that could
    /// not be made).
    Failed = 1,
    /// 2: usage error: bad command-line arguments.
    Usage = 2,
    /// 3: invalid input: the EDL or a media file is wrong.
    InvalidInput = 3,
    /// 4: the things compared differ (`diff`: the cuts; `verify`: the file and the plan).
    Differs = 4,
    /// 130: interrupted by SIGINT/SIGTERM.
    Interrupted = 130,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_numbers() {
        let all = [
            (Exit::Success, 0),
            (Exit::Failed, 1),
            (Exit::Usage, 2),
            (Exit::InvalidInput, 3),
            (Exit::Differs, 4),
            (Exit::Interrupted, 130),
        ];
        for (e, n) in all {
            assert_eq!(e.code(), n, "{e:?}");
        }
    }
}
