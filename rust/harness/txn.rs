// SPDX-License-Identifier: GPL-2.0

//! Transactional workload on the lock manager (`ALOCK_IOC_TXN`).
//!
//! A table of accounts, each a balance and its complement written with
//! plain (non read-modify-write) stores, is updated by kernel threads
//! through a [`LockManager`]: an update transaction locks a few distinct
//! random accounts (some read-locked first and upgraded, some write-locked
//! at once), moves random amounts between them and commits; an audit
//! read-locks a few accounts and checks that each one is consistent.  Two
//! transactions that overlapped where their locks should have kept them
//! apart show up as a torn account or as a changed total.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{bindings, prelude::*};

use crate::harness::run::{spread, Stop, Timed};
use crate::support::kthread::Job;
use crate::support::util::{kvec_from_fn, next_rand, spin};
use crate::sync::lockmgr::{LockManager, Policy, Txn};
use crate::uapi::*;

/// `exclusive_after` when the request leaves it 0 (picotm's default).
const DEFAULT_EXCLUSIVE_AFTER: u32 = 10;
/// `wait_timeout_us` when the request leaves it 0.
const DEFAULT_WAIT_US: u32 = 1000;
/// Seed when the request leaves it 0.
const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
/// What a RESTART transaction returns when it gives up at the end.
const GAVE_UP: Error = EBUSY;
/// Initial balance of every account.
const INITIAL_BALANCE: u64 = 1000;

/// One account: `mirror` is always `!balance` outside a transaction.
struct Account {
    balance: AtomicU64,
    mirror: AtomicU64,
}

impl Account {
    fn consistent(&self) -> bool {
        self.mirror.load(Ordering::Relaxed) == !self.balance.load(Ordering::Relaxed)
    }
}

/// Per-thread results.
#[derive(Default)]
struct ThreadStat {
    max_restarts: AtomicU64,
    errors: AtomicU64,
}

/// Fixed parameters of a run.
struct Params {
    mode: u32,
    tx_records: usize,
    read_pct: u32,
    exclusive_after: u32,
    cs_spins: u32,
    seed: u64,
}

/// One `ALOCK_IOC_TXN` run.
struct TxnJob<'a> {
    mgr: &'a LockManager,
    accounts: KVVec<Account>,
    stop: Stop,
    p: Params,
    stats: KVec<ThreadStat>,
}

impl TxnJob<'_> {
    /// One audit: read-locks `recs` and counts torn accounts into `torn`.
    fn audit(&self, tx: &mut Txn<'_>, recs: &[u32], torn: &mut u64) -> Result {
        for &r in recs {
            tx.read(r)?;
        }
        spin(self.p.cs_spins);
        for &r in recs {
            if !self.accounts[r as usize].consistent() {
                *torn += 1;
            }
        }
        Ok(())
    }

    /// One update: locks `recs` (bit `i` of `upgrade`: read-lock record
    /// `i` first and upgrade it once all are held), checks them, moves
    /// random amounts along the list.
    fn update(
        &self,
        tx: &mut Txn<'_>,
        recs: &[u32],
        upgrade: u64,
        rng: &mut u64,
        torn: &mut u64,
    ) -> Result {
        for (i, &r) in recs.iter().enumerate() {
            if upgrade & (1 << i) != 0 {
                tx.read(r)?;
            } else {
                tx.write(r)?;
            }
        }
        let mut bal = [0u64; ALOCK_TXN_MAX_TX_RECORDS as usize];
        for (i, &r) in recs.iter().enumerate() {
            let a = &self.accounts[r as usize];
            if !a.consistent() {
                *torn += 1;
            }
            bal[i] = a.balance.load(Ordering::Relaxed);
        }
        for (i, &r) in recs.iter().enumerate() {
            if upgrade & (1 << i) != 0 {
                tx.write(r)?;
            }
        }
        // Every record is write-locked now: nothing below can fail, so a
        // restart never has to undo a change.
        for i in 0..recs.len() - 1 {
            let amount = next_rand(rng) % 100;
            bal[i] = bal[i].wrapping_sub(amount);
            bal[i + 1] = bal[i + 1].wrapping_add(amount);
        }
        for (i, &r) in recs.iter().enumerate() {
            self.accounts[r as usize]
                .balance
                .store(bal[i], Ordering::Relaxed);
        }
        spin(self.p.cs_spins);
        for (i, &r) in recs.iter().enumerate() {
            self.accounts[r as usize]
                .mirror
                .store(!bal[i], Ordering::Relaxed);
        }
        Ok(())
    }

    fn run_thread(&self, idx: u32) -> (u64, u64) {
        let (mut max_restarts, mut errors) = (0u64, 0u64);
        let mut tx = match self.mgr.txn(self.p.tx_records) {
            Ok(tx) => tx,
            Err(_) => {
                pr_err!("txn thread {}: out of memory\n", idx);
                return (0, 1);
            }
        };
        let mut rng = self
            .p
            .seed
            .wrapping_add(u64::from(idx).wrapping_mul(DEFAULT_SEED));
        if rng == 0 {
            rng = DEFAULT_SEED;
        }
        let n = self.mgr.records();
        let k = self.p.tx_records;
        let mut recs = [0u32; ALOCK_TXN_MAX_TX_RECORDS as usize];
        loop {
            // Distinct random records.
            let mut i = 0;
            while i < k {
                let r = (next_rand(&mut rng) % u64::from(n)) as u32;
                if !recs[..i].contains(&r) {
                    recs[i] = r;
                    i += 1;
                }
            }
            let recs = &recs[..k];
            let audit = (next_rand(&mut rng) % 100) < u64::from(self.p.read_pct);
            let upgrade = next_rand(&mut rng);
            let mut torn = 0u64;
            let res = tx.run(|tx| {
                // Under RESTART a transaction may go on restarting: give up
                // once the run is over.
                if self.p.mode == ALOCK_TXN_RESTART && tx.restarts() > 0 && self.stop.requested() {
                    return Err(GAVE_UP);
                }
                if audit {
                    self.audit(tx, recs, &mut torn)
                } else {
                    self.update(tx, recs, upgrade, &mut rng, &mut torn)
                }
            });
            errors += torn;
            // Committed or aborted: `run` has finished the transaction.
            let restarts = u64::from(tx.last_restarts());
            if let Err(e) = res {
                if e != GAVE_UP {
                    pr_err!("txn thread {}: transaction failed: {:?}\n", idx, e);
                    errors += 1;
                }
            }
            max_restarts = max_restarts.max(restarts);
            if self.p.mode != ALOCK_TXN_RESTART && restarts > u64::from(self.p.exclusive_after) {
                errors += 1;
            }
            if res.is_err() || self.stop.due() {
                break;
            }
        }
        (max_restarts, errors)
    }
}

impl Job for TxnJob<'_> {
    fn run(&self, idx: u32) {
        let (max_restarts, errors) = self.run_thread(idx);
        let st = &self.stats[idx as usize];
        st.max_restarts.store(max_restarts, Ordering::Relaxed);
        st.errors.store(errors, Ordering::Relaxed);
    }
}

/// Checks the input fields of a request.
pub fn validate(args: &AlockTxn) -> Result {
    let ok = (ALOCK_TXN_RESTART..=ALOCK_TXN_WAIT).contains(&args.mode)
        && (1..=ALOCK_STRESS_MAX_THREADS).contains(&args.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&args.duration_ms)
        && args.flags & !ALOCK_STRESS_FLAGS == 0
        && (2..=ALOCK_TXN_MAX_RECORDS).contains(&args.records)
        && (2..=ALOCK_TXN_MAX_TX_RECORDS.min(args.records)).contains(&args.tx_records)
        && args.read_pct <= 100
        && args.exclusive_after <= ALOCK_TXN_MAX_EXCLUSIVE_AFTER
        && args.wait_timeout_us <= ALOCK_TXN_MAX_WAIT_US
        && args.cs_spins <= ALOCK_STRESS_MAX_CS_SPINS;
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Runs one `ALOCK_IOC_TXN` request and fills in its results; `EINTR`
/// (with the results so far) if a signal cut it short.
pub fn run(args: &mut AlockTxn) -> Result {
    validate(args)?;
    let exclusive_after = match args.exclusive_after {
        0 => DEFAULT_EXCLUSIVE_AFTER,
        n => n,
    };
    let wait_us = match args.wait_timeout_us {
        0 => DEFAULT_WAIT_US,
        n => n,
    };
    let policy = match args.mode {
        ALOCK_TXN_RESTART => Policy::Restart,
        ALOCK_TXN_EXCLUSIVE => Policy::Exclusive {
            after: exclusive_after,
        },
        _ => Policy::Wait {
            after: exclusive_after,
            // SAFETY: `__usecs_to_jiffies` has no preconditions.
            timeout: unsafe { bindings::__usecs_to_jiffies(wait_us) },
        },
    };
    let mgr = LockManager::new(args.records, policy)?;
    let mut accounts = KVVec::with_capacity(args.records as usize, GFP_KERNEL)?;
    for _ in 0..args.records {
        accounts.push(
            Account {
                balance: AtomicU64::new(INITIAL_BALANCE),
                mirror: AtomicU64::new(!INITIAL_BALANCE),
            },
            GFP_KERNEL,
        )?;
    }
    let stats = kvec_from_fn(args.threads as usize, ThreadStat::default)?;
    let timed = Timed::start();
    let job = TxnJob {
        mgr: &mgr,
        accounts,
        stop: timed.stop_after(args.duration_ms),
        p: Params {
            mode: args.mode,
            tx_records: args.tx_records as usize,
            read_pct: args.read_pct,
            exclusive_after,
            cs_spins: args.cs_spins,
            seed: if args.seed == 0 {
                DEFAULT_SEED
            } else {
                args.seed
            },
        },
        stats,
    };
    let out = timed.run_for(&job, args.threads, args.flags, args.duration_ms, &job.stop)?;
    args.elapsed_ns = out.elapsed_ns;

    let mut errors = spread(&job.stats, |s| &s.errors).sum;
    let max_restarts = spread(&job.stats, |s| &s.max_restarts).max;
    let mut sum = 0u64;
    let mut torn = 0u64;
    for (r, a) in job.accounts.iter().enumerate() {
        sum = sum.wrapping_add(a.balance.load(Ordering::Relaxed));
        if !a.consistent() {
            torn += 1;
        }
        if let Some(l) = mgr.lock(r as u32) {
            if l.readers() != 0 || l.is_write_locked() || l.has_waiters() {
                pr_err!("txn: record {} still locked after the run\n", r);
                errors += 1;
            }
        }
    }
    let want = INITIAL_BALANCE.wrapping_mul(u64::from(args.records));
    if sum != want {
        pr_err!("txn: accounts sum to {} instead of {}\n", sum, want);
        errors += 1;
    }
    errors += torn;
    let s = mgr.stats();
    args.commits = s.commits;
    args.restarts = s.restarts;
    args.waits = s.waits;
    args.timeouts = s.timeouts;
    args.exclusive = s.exclusive;
    args.max_restarts = max_restarts;
    args.errors = errors;
    if errors != 0 {
        pr_err!(
            "txn mode {}: {} errors in {} commits ({} torn at the end, max {} restarts)\n",
            args.mode,
            errors,
            s.commits,
            torn,
            max_restarts
        );
    }
    out.status()
}
