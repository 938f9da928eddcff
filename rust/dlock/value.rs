// SPDX-License-Identifier: GPL-2.0

//! The value a key's lock protects: 16 bytes of its line (the tests keep
//! an owner tag and a counter there) with `vstamp`, the key's era at the
//! value's last write-back.
//!
//! * Lock-and-fetch: a remote acquire reads the value with the line words
//!   it needs anyway (one READ from `l_tail` to `epoch`, posted with the
//!   tail CAS); [`Handle::value`] reads it only if the acquire did not.
//! * Write-back-and-release: [`Handle::set_value`] keeps the value, and the
//!   release WRITEs it (with `vstamp`) in the same post as its tail CAS.
//! * Torn values: recovery ([`super::recovery`]) moves a key to a new era
//!   when a node died holding it or queued in it; a value whose `vstamp`
//!   is not the key's era was last written before that, and its holder
//!   may have died in the middle of a critical section
//!   ([`Handle::torn`]).  The next write-back stamps it with the new era.

use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use kernel::prelude::*;

use super::table::{Handle, Held, Table, Value};
use super::window::{epoch_of, line, COUNTER, EPOCH, LINE_READ, L_TAIL, OWNER, VSTAMP, WB_SRC};
use crate::rdma::Xfer;

impl Handle<'_> {
    /// The READ of key `k`'s line from `l_tail` to `epoch` into the
    /// scratch space: `l_tail` at [`LINE_READ`] + 0, `victim` + 8,
    /// `wphase` + 16, the value + 24, `vstamp` + 40, `epoch` + 48.
    pub(super) fn line_xfer(&self, k: u32) -> Xfer {
        Xfer {
            remote: line(k) + L_TAIL,
            local: self.scratch() + LINE_READ,
            len: (EPOCH + 8 - L_TAIL) as u32,
        }
    }

    /// The READ of key `k`'s value, `vstamp` and `epoch` into the scratch
    /// space, where [`Handle::line_value`] finds them (a READ of the whole
    /// line would put them there too).
    pub(super) fn value_read(&self, k: u32) -> Xfer {
        Xfer {
            remote: line(k) + OWNER,
            local: self.scratch() + LINE_READ + (OWNER - L_TAIL),
            len: (EPOCH + 8 - OWNER) as u32,
        }
    }

    /// The words of a READ of a line in the scratch space at `off` (from
    /// `l_tail`).
    pub(super) fn scratch_word(&self, off: u64) -> u64 {
        self.t
            .word(self.scratch() + LINE_READ + off - L_TAIL)
            .load(Acquire)
    }

    /// The era and closing flag in the scratch space after a READ of a
    /// line (`None`: a torn copy).
    pub(super) fn line_epoch(&self) -> Option<(u64, bool)> {
        epoch_of(self.scratch_word(EPOCH))
    }

    /// The value, its `vstamp` and the key's era in the scratch space
    /// after a READ of a line; `None` if the epoch word is a torn copy.
    /// A closing word names the next era, but a remote thread that holds
    /// the key while it closes entered through the queue of the era
    /// before (a hand-off without a READ; a reader): its value is that
    /// era's, and so is the stamp of its write-back (torn after the reset
    /// if its node is lost in between).
    pub(super) fn line_value(&self) -> Option<(Value, u64, u64)> {
        let (era, closing) = self.line_epoch()?;
        let era = Table::queue_era(era, closing);
        Some((
            [self.scratch_word(OWNER), self.scratch_word(COUNTER)],
            self.scratch_word(VSTAMP),
            era,
        ))
    }

    /// Records what an acquire or a read found in `h`.
    pub(super) fn take_value(h: &mut Held, v: Option<(Value, u64, u64)>) {
        if let Some((val, stamp, era)) = v {
            h.value = Some(val);
            h.era = Some(era);
            h.torn = stamp != era;
        }
    }

    /// The value of `h`'s key: what the acquire fetched, else read now
    /// (CPU loads at the home, an RDMA READ elsewhere).
    pub fn value(&self, h: &mut Held) -> Result<Value> {
        if let Some(v) = h.value {
            return Ok(v);
        }
        let t = self.t;
        let line = line(h.key);
        let home = t.home(h.key);
        let v = if home == t.me {
            let era = epoch_of(t.word(line + EPOCH).load(Acquire)).map_or(0, |e| e.0);
            (
                [
                    t.word(line + OWNER).load(Acquire),
                    t.word(line + COUNTER).load(Acquire),
                ],
                t.word(line + VSTAMP).load(Acquire),
                era,
            )
        } else {
            let x = self.value_read(h.key);
            self.verbs(1, 0, 0);
            t.peer(home)?.read(x.remote, x.local, x.len, self.wait)?;
            self.line_value().ok_or(EIO)?
        };
        Self::take_value(h, Some(v));
        Ok(v.0)
    }

    /// Whether the value of `h`'s key may be torn: the key was reset
    /// (a node holding or waiting for it died) since the value was last
    /// written back.  Known once the value was read ([`Handle::value`]).
    pub fn torn(&self, h: &Held) -> bool {
        h.torn
    }

    /// Writes `v` as the value of `h`'s key now (CPU stores at the home,
    /// an RDMA WRITE elsewhere); `EPERM` for a lock held shared.
    pub fn store_value(&self, h: &mut Held, v: Value) -> Result {
        if h.shared {
            return Err(EPERM);
        }
        h.value = Some(v);
        match self.value_xfer(h, v) {
            None => Ok(()),
            Some(x) => {
                self.verbs(0, 1, 0);
                self.t
                    .peer(self.t.home(h.key))?
                    .write(x.remote, x.local, x.len, self.wait)
            }
        }
    }

    /// Makes `v` the value of `h`'s key when it is released (in the same
    /// post as the release where the release goes to the home); a lock
    /// held shared writes nothing back.
    pub fn set_value(&self, h: &mut Held, v: Value) {
        h.value = Some(v);
        h.write_back = Some(v);
    }

    /// The write-back of `h` for the release: `None` if there is none;
    /// at the home it is stored here and now (CPU), elsewhere the WRITE
    /// to post before the release, its source in the scratch space.
    pub(super) fn write_back(&self, h: &Held) -> Option<Xfer> {
        let v = h.write_back?;
        self.value_xfer(h, v)
    }

    /// Stores `v` (and the key's era as its `vstamp`, where the era is
    /// known) at the home, or makes the WRITE that does.
    fn value_xfer(&self, h: &Held, v: Value) -> Option<Xfer> {
        let t = self.t;
        let line = line(h.key);
        if t.home(h.key) == t.me {
            let era = epoch_of(t.word(line + EPOCH).load(Acquire)).map_or(0, |e| e.0);
            t.word(line + OWNER).store(v[0], Release);
            t.word(line + COUNTER).store(v[1], Release);
            t.word(line + VSTAMP).store(era, Release);
            return None;
        }
        let s = self.scratch() + WB_SRC;
        t.word(s).store(v[0], Relaxed);
        t.word(s + 8).store(v[1], Relaxed);
        let len = match h.era {
            Some(era) => {
                t.word(s + 16).store(era, Relaxed);
                24
            }
            None => 16,
        };
        // Pairs with the DMA sync of the WRITE's source.
        core::sync::atomic::fence(Release);
        Some(Xfer {
            remote: line + OWNER,
            local: s,
            len,
        })
    }

    /// The critical section of the tests on `h` (held): the owner word
    /// must be free on entry; it is set to `tag` and the counter
    /// incremented (one store or WRITE), and the owner cleared with the
    /// release (write-back).  Returns whether the owner word was free, or
    /// the value torn: a key reset after a lost node may still hold the
    /// tag of a holder that died inside its critical section (its WRITE
    /// landed, its release never came), which is no overlap.
    pub fn critical(&self, h: &mut Held, tag: u64) -> Result<bool> {
        let v = self.value(h)?;
        let n = v[1].wrapping_add(1);
        self.store_value(h, [tag, n])?;
        self.set_value(h, [0, n]);
        Ok(v[0] == 0 || self.torn(h))
    }
}
