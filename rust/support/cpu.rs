// SPDX-License-Identifier: GPL-2.0

//! CPUs: iterators over the kernel's CPU masks, a [`CpuMask`] built on the
//! stack, the current CPU and a safe [`cpu_relax`].  The 6.12 `kernel`
//! crate has none of these.

use kernel::bindings;

/// `cpu_relax()`: a pause inside a busy-wait loop (`PAUSE` on x86, a yield
/// hint elsewhere).  It orders nothing; the loops that call it get their
/// ordering from the atomic loads they spin on.
#[inline(always)]
pub fn cpu_relax() {
    // SAFETY: `cpu_relax` has no preconditions and touches no memory.
    unsafe { bindings::cpu_relax() };
}

/// Returns the `i % online`-th online CPU.
pub fn nth_online_cpu(i: u32) -> u32 {
    // SAFETY: Reading the online count has no preconditions.
    let online = unsafe { bindings::num_online_cpus() }.max(1);
    let want = i % online;
    online_cpus().nth(want as usize).unwrap_or(0)
}

/// Iterator over the CPUs online at the time of each step.
pub fn online_cpus() -> impl Iterator<Item = u32> {
    // SAFETY: No preconditions; the mask is a kernel global.
    cpus_in(unsafe { bindings::cpu_online_mask() })
}

/// Iterator over the possible CPUs.
pub fn possible_cpus() -> impl Iterator<Item = u32> {
    // SAFETY: No preconditions; the mask is a kernel global.
    cpus_in(unsafe { bindings::cpu_possible_mask() })
}

/// Iterator over the CPUs set in one of the kernel's global masks.
fn cpus_in(mask: *const bindings::cpumask) -> impl Iterator<Item = u32> {
    let mut cpu: i32 = -1;
    core::iter::from_fn(move || {
        // SAFETY: `mask` is a kernel global; `cpumask_next` accepts -1 and
        // any CPU number below `nr_cpu_ids`.
        let next = unsafe { bindings::cpumask_next(cpu, mask) };
        // SAFETY: No preconditions.
        if next >= unsafe { bindings::get_nr_cpu_ids() } {
            None
        } else {
            cpu = next as i32;
            Some(next)
        }
    })
}

/// A `struct cpumask` built on the stack (`NR_CPUS` is small).
pub struct CpuMask(core::mem::MaybeUninit<bindings::cpumask>);

impl CpuMask {
    /// An empty mask.
    pub fn new() -> Self {
        Self(core::mem::MaybeUninit::zeroed())
    }

    /// Adds `cpu` (below `nr_cpu_ids`).
    pub fn set(&mut self, cpu: u32) {
        let w = core::ffi::c_ulong::BITS;
        // SAFETY: A zeroed cpumask is a valid (empty) one; `cpu` is below
        // `nr_cpu_ids <= NR_CPUS`, so the word index is in bounds.
        let bits = unsafe { &mut (*self.0.as_mut_ptr()).bits };
        bits[(cpu / w) as usize] |= 1 << (cpu % w);
    }

    /// Removes `cpu` (below `nr_cpu_ids`).
    pub fn clear(&mut self, cpu: u32) {
        let w = core::ffi::c_ulong::BITS;
        // SAFETY: As in `set`.
        let bits = unsafe { &mut (*self.0.as_mut_ptr()).bits };
        bits[(cpu / w) as usize] &= !(1 << (cpu % w));
    }

    /// Whether `cpu` (below `nr_cpu_ids`) is in the mask.
    pub fn contains(&self, cpu: u32) -> bool {
        let w = core::ffi::c_ulong::BITS;
        // SAFETY: As in `set`; reading the zeroed or set words.
        let bits = unsafe { &(*self.0.as_ptr()).bits };
        bits[(cpu / w) as usize] & (1 << (cpu % w)) != 0
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *const bindings::cpumask {
        self.0.as_ptr()
    }

    /// The C pointer, for C to fill in.
    pub fn as_mut_ptr(&mut self) -> *mut bindings::cpumask {
        self.0.as_mut_ptr()
    }
}

impl Default for CpuMask {
    fn default() -> Self {
        Self::new()
    }
}
