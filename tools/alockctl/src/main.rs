//! alockctl: see the library crate for the pieces and `alockctl --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = alockctl::cli::Cli::parse();
    match alockctl::commands::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("alockctl: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
