//! What the commands share: the exit status of an interrupted run, the
//! output format, and running an ioctl under a progress bar.

use crate::cli::Cli;
use crate::dev::Error;
use crate::progress::Progress;

/// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    /// Aligned tables for a person.
    Table,
    /// `--json`.
    Json,
    /// `--csv`.
    Csv,
}

/// How `cli` asks for results to be printed (`--json`, `--csv`, else a
/// table).
pub(super) fn format(cli: &Cli) -> Format {
    if cli.json {
        Format::Json
    } else if cli.csv {
        Format::Csv
    } else {
        Format::Table
    }
}

/// Run an ioctl under a progress bar; `Ok(interrupted)`.
pub(super) fn run_ioctl(
    bar: &Progress,
    label: &str,
    ms: u32,
    f: impl FnOnce() -> Result<(), Error>,
) -> Result<bool, Error> {
    let r = bar.run(label, 0, ms as u64, f);
    bar.finish();
    match r {
        Err(e) if e.is_eintr() => Ok(true),
        r => r.map(|()| false),
    }
}
