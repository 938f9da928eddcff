//! alockctl: the user-space tool of the alock kernel module.
//!
//! It talks to `/dev/alock` through the ioctl ABI of
//! `include/uapi/linux/alock.h` ([`abi`]), checks the module's version and
//! command table before anything else ([`dev`]), runs stress tests and
//! benchmark matrices with a progress bar ([`progress`], [`bench`]), and
//! prints, saves and plots the results ([`results`], [`plot`]), joins,
//! leaves and shows the RDMA cluster ([`cluster`]), and drives its
//! distributed lock table ([`dlock`]).  The command line is in
//! [`cli`], the commands in [`commands`].

#![deny(missing_docs)]

pub mod abi;
pub mod bench;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod dev;
pub mod dlock;
pub mod plot;
pub mod progress;
pub mod results;
