//! Generates the `/dev/alock` ABI types from `include/uapi/linux/alock.h`
//! with bindgen into `$OUT_DIR/alock_uapi.rs`, which `src/abi.rs`
//! includes.  The header is the one source of every structure, enumerator
//! and numeric `#define`; only what C cannot express as a plain value (the
//! `_IOWR(...)` command numbers, name tables, helpers) is written by hand
//! in `src/abi.rs`.

use std::env;
use std::path::PathBuf;

use bindgen::callbacks::{IntKind, ParseCallbacks};

/// Renames and types the generated items the way `alockctl` uses them.
#[derive(Debug)]
struct Names;

impl ParseCallbacks for Names {
    /// `struct alock_foo_bar` becomes `AlockFooBar` (and the enum type
    /// `alock_lock_id` becomes `AlockLockId`); other names stay.
    fn item_name(&self, name: &str) -> Option<String> {
        name.starts_with("alock_").then(|| {
            name.split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect()
        })
    }

    /// Feature bits are 64-bit (`__u64 features`, `1ULL << n`); every
    /// other macro keeps bindgen's default (`u32` for these values).
    fn int_macro(&self, name: &str, _value: i64) -> Option<IntKind> {
        name.starts_with("ALOCK_FEAT_").then_some(IntKind::U64)
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let header = manifest.join("../../include/uapi/linux/alock.h");
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rerun-if-changed=build.rs");

    let bindings = bindgen::Builder::default()
        .header(header.to_str().expect("header path is UTF-8"))
        // Only the header's own items (and the __u32-style typedefs they
        // use), not everything <linux/ioctl.h> and <linux/types.h> declare.
        .allowlist_file(".*/uapi/linux/alock\\.h")
        .parse_callbacks(Box::new(Names))
        // Enumerators as plain constants (ALOCK_LOCK_MCS: AlockLockId = u32),
        // as the fields holding them are __u32.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .derive_default(true)
        // bindgen cannot derive `Default` for an array over 32 long (the
        // `char` names, `struct alock_hist`'s 40 buckets) and would write
        // an undocumented `unsafe` zero fill instead: src/abi.rs
        // implements it for these.
        .no_default(
            "alock_selftest|alock_cluster_status|alock_hist|alock_stress|alock_mrlock|alock_rwstress|alock_dlock_run",
        )
        .derive_debug(true)
        .derive_copy(true)
        .derive_partialeq(true)
        .derive_eq(true)
        .generate()
        .unwrap_or_else(|e| {
            panic!(
                "bindgen could not generate the ABI from {} (libclang-dev installed?): {e}",
                header.display()
            )
        });

    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("alock_uapi.rs");
    bindings
        .write_to_file(&out)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
