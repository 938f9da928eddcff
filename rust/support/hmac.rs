// SPDX-License-Identifier: GPL-2.0

//! HMAC-SHA256 (RFC 2104) over the kernel's SHA-256 library
//! (`lib/crypto/sha256.c`, `CONFIG_CRYPTO_LIB_SHA256`, built in wherever
//! anything selects it, as the x86 defconfig does), a comparison of tags
//! in constant time, and random words.
//!
//! The 6.12 `kernel` crate has no crypto; the crypto API's `hmac(sha256)`
//! transform would need `CONFIG_CRYPTO_HMAC` and an allocation per use.
//! The messages this module authenticates are short (the cluster's
//! handshake, under [`MAX_MSG`] bytes), so each HMAC is two calls of the
//! library's one-shot `sha256()` over a buffer on the stack:
//! `H((K ^ opad) || H((K ^ ipad) || m))`.

use core::ffi::c_uint;

use kernel::bindings;

/// Bytes of a SHA-256 digest.
pub const DIGEST: usize = 32;
/// SHA-256's block size: keys are padded (or hashed) to it.
const BLOCK: usize = 64;
/// Longest message (all parts together) [`hmac_sha256`] takes.
pub const MAX_MSG: usize = 192;

extern "C" {
    /// `lib/crypto/sha256.c`: the digest of `len` bytes at `data`.
    fn sha256(data: *const u8, len: c_uint, out: *mut u8);
}

/// The SHA-256 digest of `data` (at most `u32::MAX` bytes).
fn digest(data: &[u8]) -> [u8; DIGEST] {
    let mut out = [0u8; DIGEST];
    // SAFETY: `data` is valid for its length, which the callers keep far
    // below `c_uint::MAX`; `out` has room for a digest; the library
    // function only reads and writes those and may run in any context.
    unsafe { sha256(data.as_ptr(), data.len() as c_uint, out.as_mut_ptr()) };
    out
}

/// Overwrites `b` with zeros in a way the compiler keeps (the kernel's
/// `memzero_explicit`).
pub fn wipe(b: &mut [u8]) {
    for x in b.iter_mut() {
        // SAFETY: `x` is a valid, exclusive reference.
        unsafe { core::ptr::write_volatile(x, 0) };
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// HMAC-SHA256 of the concatenation of `parts` under `key`; `None` if the
/// parts are longer than [`MAX_MSG`] together.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<[u8; DIGEST]> {
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..DIGEST].copy_from_slice(&digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    // Inner: (K ^ ipad) || m.
    let mut buf = [0u8; BLOCK + MAX_MSG];
    for (b, x) in buf.iter_mut().zip(k.iter()) {
        *b = x ^ 0x36;
    }
    let mut n = BLOCK;
    for p in parts {
        let end = n.checked_add(p.len()).filter(|&e| e <= buf.len());
        let Some(end) = end else {
            wipe(&mut k);
            wipe(&mut buf);
            return None;
        };
        buf[n..end].copy_from_slice(p);
        n = end;
    }
    let inner = digest(&buf[..n]);
    // Outer: (K ^ opad) || inner.
    for (b, x) in buf.iter_mut().zip(k.iter()) {
        *b = x ^ 0x5c;
    }
    buf[BLOCK..BLOCK + DIGEST].copy_from_slice(&inner);
    let out = digest(&buf[..BLOCK + DIGEST]);
    wipe(&mut k);
    wipe(&mut buf);
    Some(out)
}

/// Whether `a` and `b` are equal, in time that depends only on their
/// lengths (a tag compared byte by byte with an early exit tells a forger
/// how many leading bytes were right).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut d = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        d |= x ^ y;
    }
    // SAFETY: A read of a local through a valid pointer; it keeps the
    // compiler from turning the loop into an early-exit comparison.
    unsafe { core::ptr::read_volatile(&d) == 0 }
}

/// A random 64-bit word from the kernel's CRNG (`get_random_u64`).
pub fn random_u64() -> u64 {
    // SAFETY: `get_random_u64` may be called from any context.
    unsafe { bindings::get_random_u64() }
}

/// Known-answer tests of RFC 4231 (test cases 1, 2 and 6: a short key, a
/// short ASCII key, a key longer than a block), run at module load so
/// that a wrong HMAC cannot join a cluster of right ones unnoticed.
pub fn self_test() -> bool {
    fn hex(s: &str) -> [u8; DIGEST] {
        let mut out = [0u8; DIGEST];
        let b = s.as_bytes();
        let v = |c: u8| match c {
            b'0'..=b'9' => c - b'0',
            _ => c - b'a' + 10,
        };
        for (i, o) in out.iter_mut().enumerate() {
            *o = (v(b[2 * i]) << 4) | v(b[2 * i + 1]);
        }
        out
    }
    let k1 = [0x0bu8; 20];
    let t1 = hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    let t2 = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    let k6 = [0xaau8; 131];
    let t6 = hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    hmac_sha256(&k1, &[b"Hi ", b"There"]) == Some(t1)
        && hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]) == Some(t2)
        && hmac_sha256(
            &k6,
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        ) == Some(t6)
}
