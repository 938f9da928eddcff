// SPDX-License-Identifier: GPL-2.0

//! Gaps of the 6.12 `kernel` crate that the module fills itself: kernel
//! thread groups, CPU masks and iterators, a misc device, small helpers,
//! and the observability every lock reports to: tracepoints and lockstat
//! ([`trace`]), per-CPU statistics and the debugfs directory ([`stats`]),
//! log2 latency histograms ([`hist`]).
//!
//! This is the bottom layer: it imports nothing from the rest of the crate
//! and knows nothing of the `/dev/alock` ABI.
//!
//! # Where the pieces are
//!
//! * `trace.rs` + `trace.c` + `alock_trace.h`: `lock:contention_begin/end`,
//!   `lock_contended()/lock_acquired()`, and the `alock:*` events
//!   (`TRACE_EVENT`s in `alock_trace.h`, created in `trace.c`).
//! * `stats.rs` + `stats.c` + `stats.h`: per-CPU counters per lock kind,
//!   the static key that gates fast-path counting (used directly by
//!   prwlock's `fast.c`), `/sys/kernel/debug/alock/`.
//! * `hist.rs`: [`hist::Hist`] and [`hist::AtomicHist`].
//! * `hmac.rs`: HMAC-SHA256 over the kernel's SHA-256 library, a tag
//!   comparison in constant time, random words (the cluster handshake).
//! * `misuse.rs` + `misuse.c` + `misuse.h`: a misuse of a lock (unlock by
//!   a non-holder, double unlock, ...) refused, counted and WARNed once.

pub mod cpu;
pub mod hist;
pub mod hmac;
pub mod kthread;
pub mod miscdev;
pub mod misuse;
pub mod stats;
pub mod trace;
pub mod util;
