//! `stats`: the module's statistics in debugfs, once or every interval
//! (`--watch`) until Ctrl-C, and the switch of the fast-path counts
//! (`--enable`, `--disable`).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::cli::{Cli, StatsArgs};
use crate::dev::Error;
use crate::progress;
use crate::stats::{self, Snapshot};

use super::common::{format, Format};

/// Print the warnings not printed before (a watch repeats them at every
/// sample otherwise).
fn warn(seen: &mut HashSet<String>, warnings: Vec<String>) {
    for w in warnings {
        if seen.insert(w.clone()) {
            eprintln!("alockctl: warning: {w}");
        }
    }
}

pub(super) fn stats_cmd(cli: &Cli, a: &StatsArgs) -> Result<u8, Error> {
    if let Some(on) = a.switch() {
        stats::write_enabled(&a.dir, on)?;
        if a.watch.is_none() {
            let word = if on { "on" } else { "off" };
            match format(cli) {
                Format::Json => println!("{}", json!({ "enabled": on })),
                Format::Csv => println!("enabled\n{}", on as u8),
                Format::Table => println!("fast-path counting: {word}"),
            }
            return Ok(0);
        }
    }
    match a.watch {
        Some(secs) => watch(cli, &a.dir, secs),
        None => {
            let (snap, warnings) = stats::read_dir(&a.dir)?;
            warn(&mut HashSet::new(), warnings);
            match format(cli) {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&stats::to_json(&snap, None)).expect("json")
                ),
                Format::Csv => print!("{}\n{}", stats::CSV_HEADER, stats::to_csv(&snap)),
                Format::Table => print!("{}", stats::render(&snap, None)),
            }
            Ok(0)
        }
    }
}

/// Seconds since the epoch, for the samples of a watch.
fn unix_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Sleep `d`, or less if SIGINT arrives; whether it did.
fn sleep_unless_interrupted(d: Duration) -> bool {
    let end = Instant::now() + d;
    while !progress::interrupted() {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        thread::sleep(left.min(Duration::from_millis(50)));
    }
    true
}

/// `stats --watch`: a sample every `secs` seconds with the rates since
/// the one before, until Ctrl-C (exit 0) or the directory goes away
/// (exit 1, as the module was unloaded).
fn watch(cli: &Cli, dir: &Path, secs: f64) -> Result<u8, Error> {
    progress::catch_sigint();
    let fmt = format(cli);
    let tty = std::io::stdout().is_terminal();
    let mut seen = HashSet::new();
    let mut prev: Option<(Snapshot, Instant)> = None;
    let mut out = std::io::stdout();
    while !progress::interrupted() {
        let (snap, warnings) = stats::read_dir(dir)?;
        let now = Instant::now();
        warn(&mut seen, warnings);
        let earlier = prev
            .as_ref()
            .map(|(s, t)| (s, now.duration_since(*t).as_secs_f64()));
        let text = match fmt {
            Format::Json => {
                let mut j = stats::to_json(&snap, earlier);
                j["time"] = json!(unix_time());
                format!("{j}\n")
            }
            Format::Csv => {
                let t = format!("{:.3}", unix_time());
                let mut s = String::new();
                if prev.is_none() {
                    s = format!("time,{}\n", stats::CSV_HEADER);
                }
                for l in stats::to_csv(&snap).lines() {
                    s += &format!("{t},{l}\n");
                }
                s
            }
            Format::Table => {
                // Redraw in place on a terminal; one block per sample otherwise.
                let head = if tty { "\x1b[H\x1b[2J" } else { "\n" };
                format!(
                    "{head}alock statistics in {}, every {secs} s (Ctrl-C to stop)\n{}",
                    dir.display(),
                    stats::render(&snap, earlier)
                )
            }
        };
        // A closed pipe ends the watch quietly (SIGPIPE's default).
        if out.write_all(text.as_bytes()).is_err() || out.flush().is_err() {
            break;
        }
        prev = Some((snap, now));
        if sleep_unless_interrupted(Duration::from_secs_f64(secs)) {
            break;
        }
    }
    Ok(0)
}
