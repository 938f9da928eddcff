//! alockctl: see the library crate for the pieces and `alockctl --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: restoring the default disposition of SIGPIPE before any other
    // thread exists; `alockctl report ... | head` then ends quietly like
    // other command-line tools instead of panicking on a closed stdout.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = alockctl::cli::Cli::parse();
    match alockctl::commands::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("alockctl: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
