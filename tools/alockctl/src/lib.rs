//! alockctl: the user-space tool of the alock kernel module.
//!
//! It talks to `/dev/alock` through the ioctl ABI of
//! `include/uapi/linux/alock.h`, whose types `build.rs` generates with
//! bindgen ([`abi`]), checks the module's version and command table before
//! anything else ([`dev`]), runs stress tests and benchmark matrices with a
//! progress bar ([`progress`], [`bench`]), keeps the results as data that
//! saves to JSON and CSV ([`results`]), prints them as tables ([`report`])
//! and plots them ([`plot`]), joins, leaves and shows the RDMA cluster
//! ([`cluster`]), drives its distributed lock table ([`dlock`]) and reads
//! its statistics in debugfs ([`stats`]).  The command line is in [`cli`],
//! the commands in [`commands`]; errno names, CSV fields and column
//! alignment, which several of these share, in [`fmt`]; latency
//! histograms and their percentiles in [`hist`].
//!
//! Modules only use modules below them, never in a circle: [`fmt`] and
//! [`abi`] use none, [`hist`] only [`abi`]; [`dev`] and [`cli`] use
//! [`abi`]; [`results`] and [`stats`] use those, [`fmt`] and [`hist`];
//! [`report`], [`plot`], [`bench`], [`cluster`] and [`dlock`] build on
//! them; [`commands`] on all.

#![deny(missing_docs)]

pub mod abi;
pub mod bench;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod dev;
pub mod dlock;
pub mod fmt;
pub mod hist;
pub mod plot;
pub mod progress;
pub mod report;
pub mod results;
pub mod stats;
