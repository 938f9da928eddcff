//! Progress bars for the blocking ioctls, and Ctrl-C handling.
//!
//! A stress ioctl blocks for its whole duration, so the bar is ticked on
//! elapsed time by a helper thread while the calling thread sits in the
//! ioctl.  SIGINT is caught without `SA_RESTART`, so the ioctl returns
//! `EINTR` with partial results; the helper thread blocks SIGINT so that
//! the signal always lands on the thread in the ioctl.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catch SIGINT (no `SA_RESTART`): a running ioctl then returns `EINTR`.
pub fn catch_sigint() {
    // SAFETY: an all-zero `sigaction` is a valid value (empty mask, no
    // flags); the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}

/// Whether SIGINT arrived since the program started.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Block or unblock SIGINT in the calling thread.
fn mask_sigint(block: bool) {
    // SAFETY: `set` is initialised by `sigemptyset` before use; a null
    // old-set pointer is allowed.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        let how = if block {
            libc::SIG_BLOCK
        } else {
            libc::SIG_UNBLOCK
        };
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// A bar over a known total of milliseconds of ioctl time.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total_ms` of runs; hidden when `show` is false or stderr
    /// is not a terminal.
    pub fn new(total_ms: u64, show: bool) -> Self {
        let bar = if show {
            ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:<32} [{bar:30}] {elapsed_precise} / ~{duration_precise}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        Progress { bar }
    }

    /// Run `f` (a blocking ioctl of about `ms` milliseconds), advancing the
    /// bar from `base_ms` as time passes; label it `msg`.
    pub fn run<T>(&self, msg: &str, base_ms: u64, ms: u64, f: impl FnOnce() -> T) -> T {
        self.bar.set_message(msg.to_string());
        self.bar.set_position(base_ms);
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let bar = self.bar.clone();
            let done = done.clone();
            let start = Instant::now();
            mask_sigint(true);
            let h = thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let el = start.elapsed().as_millis() as u64;
                    bar.set_position(base_ms + el.min(ms));
                    bar.tick();
                    thread::sleep(Duration::from_millis(100));
                }
            });
            mask_sigint(false);
            h
        };
        let r = f();
        done.store(true, Ordering::Relaxed);
        let _ = ticker.join();
        self.bar.set_position(base_ms + ms);
        r
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
