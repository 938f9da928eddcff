//! Opening `/dev/alock`, checking that the module speaks this tool's ABI,
//! and issuing its ioctls.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::abi::{self, AlockAbi, AlockAbiEntry, AlockVersion, IoctlArg};

/// What went wrong, worded for the person at the terminal: [`fmt::Display`]
/// gives one line that says what to do.
#[derive(Debug)]
pub enum Error {
    /// The device does not exist or has no driver: the module is not loaded.
    NotLoaded(PathBuf),
    /// The caller may not open the device.
    Permission(PathBuf),
    /// Any other failure to open the device.
    Open(PathBuf, io::Error),
    /// The module reports another ABI version.
    AbiVersion {
        /// The module's `ALOCK_ABI_VERSION`.
        module: u32,
    },
    /// The module's command table disagrees with this tool's header.
    AbiMismatch(String),
    /// A command failed for a reason worth its own message (e.g. a cluster
    /// join that timed out).
    Failed(String),
    /// An ioctl failed.
    Ioctl(&'static str, io::Error),
    /// A run completed but the module counted violations.
    Violations(String),
    /// Bad arguments found after parsing (ranges that depend on each other).
    Usage(String),
    /// Reading or writing result files and plots.
    Io(String),
}

impl Error {
    /// Exit status for this error: 2 for usage errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

impl Error {
    /// Whether an ioctl was interrupted by a signal (`EINTR`).
    pub fn is_eintr(&self) -> bool {
        matches!(self, Error::Ioctl(_, e) if e.raw_os_error() == Some(libc::EINTR))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotLoaded(p) => write!(
                f,
                "{} not found: the alock module is not loaded (load it with `insmod alock.ko`)",
                p.display()
            ),
            Error::Permission(p) => write!(
                f,
                "permission denied opening {}: run alockctl as root (or give your user access to the device)",
                p.display()
            ),
            Error::Open(p, e) => write!(f, "cannot open {}: {e}", p.display()),
            Error::AbiVersion { module } => write!(
                f,
                "the alock module speaks ABI v{module}, this alockctl speaks v{}: use the alockctl built with that module (make payload)",
                abi::ALOCK_ABI_VERSION
            ),
            Error::AbiMismatch(m) => write!(
                f,
                "{m}: the alock module and alockctl were built from different headers; rebuild both (make payload)"
            ),
            Error::Failed(m) => write!(f, "{m}"),
            Error::Ioctl(cmd, e) => match e.raw_os_error() {
                Some(libc::EINVAL) => write!(
                    f,
                    "{cmd}: the module rejected the arguments (EINVAL); see `alockctl help` for the ranges"
                ),
                Some(libc::ENOTTY) => write!(
                    f,
                    "{cmd}: the module does not know this command (ENOTTY); rebuild alockctl with the module"
                ),
                _ => write!(f, "{cmd} failed: {e}"),
            },
            Error::Violations(m) => write!(f, "{m}"),
            Error::Usage(m) => write!(f, "{m}"),
            Error::Io(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// An open `/dev/alock` whose module passed the version and ABI checks.
#[derive(Debug)]
pub struct Device {
    file: File,
    version: AlockVersion,
    table: Vec<AlockAbiEntry>,
}

/// Map the error of `open(path)` to a one-line [`Error`].
pub fn open_error(path: &Path, e: io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENXIO) | Some(libc::ENODEV) => {
            Error::NotLoaded(path.to_path_buf())
        }
        Some(libc::EACCES) | Some(libc::EPERM) => Error::Permission(path.to_path_buf()),
        _ => Error::Open(path.to_path_buf(), e),
    }
}

/// Check a module's command table against [`abi::COMMANDS`]: every command
/// of this tool must be there with the same argument size.  Returns the
/// number of commands in the table that this tool does not know.
pub fn check_table(table: &[AlockAbiEntry]) -> Result<usize, Error> {
    for (name, cmd) in abi::COMMANDS {
        match table.iter().find(|e| abi::ioc_nr(e.cmd) == abi::ioc_nr(cmd)) {
            None => {
                return Err(Error::AbiMismatch(format!(
                    "the module has no {name}"
                )))
            }
            Some(e) if e.cmd != cmd || e.arg_size != abi::ioc_size(cmd) => {
                return Err(Error::AbiMismatch(format!(
                    "{name} is {:#x} (argument {} bytes) in the module but {cmd:#x} ({} bytes) in alockctl",
                    e.cmd,
                    e.arg_size,
                    abi::ioc_size(cmd)
                )))
            }
            Some(_) => {}
        }
    }
    Ok(table
        .iter()
        .filter(|e| abi::command_name(e.cmd).is_none())
        .count())
}

impl Device {
    /// Open `path`, then check the module's ABI version and command table
    /// before anything else.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| open_error(path, e))?;
        let mut dev = Device {
            file,
            version: AlockVersion::default(),
            table: Vec::new(),
        };
        let mut v = AlockVersion::default();
        dev.ioctl("ALOCK_IOC_VERSION", abi::ALOCK_IOC_VERSION, &mut v)
            .map_err(|e| match e {
                Error::Ioctl(_, ref io) if io.raw_os_error() == Some(libc::ENOTTY) => {
                    Error::AbiMismatch("the module does not know ALOCK_IOC_VERSION".into())
                }
                other => other,
            })?;
        if v.abi_version != abi::ALOCK_ABI_VERSION {
            return Err(Error::AbiVersion {
                module: v.abi_version,
            });
        }
        dev.version = v;
        let mut entries = vec![AlockAbiEntry::default(); abi::ALOCK_ABI_MAX_ENTRIES as usize];
        let mut q = AlockAbi {
            entries: entries.as_mut_ptr() as u64,
            nr_entries: abi::ALOCK_ABI_MAX_ENTRIES,
            entry_size: std::mem::size_of::<AlockAbiEntry>() as u32,
        };
        dev.ioctl("ALOCK_IOC_ABI", abi::ALOCK_IOC_ABI, &mut q)?;
        entries.truncate(q.nr_entries.min(abi::ALOCK_ABI_MAX_ENTRIES) as usize);
        check_table(&entries)?;
        dev.table = entries;
        Ok(dev)
    }

    /// What `ALOCK_IOC_VERSION` returned.
    pub fn version(&self) -> &AlockVersion {
        &self.version
    }

    /// The module's command table (`ALOCK_IOC_ABI`).
    pub fn table(&self) -> &[AlockAbiEntry] {
        &self.table
    }

    /// Runs a command whose run a signal may cut short: `Ok(true)` if
    /// it returned `EINTR` (the module then filled in partial results).
    pub fn run<T: IoctlArg>(
        &self,
        name: &'static str,
        cmd: u32,
        arg: &mut T,
    ) -> Result<bool, Error> {
        match self.ioctl(name, cmd, arg) {
            Ok(()) => Ok(false),
            Err(e) if e.is_eintr() => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Issue one ioctl.  `name` names the command in error messages.
    pub fn ioctl<T: IoctlArg>(
        &self,
        name: &'static str,
        cmd: u32,
        arg: &mut T,
    ) -> Result<(), Error> {
        debug_assert_eq!(abi::ioc_size(cmd) as usize, std::mem::size_of::<T>());
        // `AlockAbi::entries` is the only embedded pointer; `open` points it
        // at a live buffer of `nr_entries` entries.  `arg` is an exclusive
        // reference to one of the `#[repr(C)]` argument structures of `abi`
        // (enforced by the sealed `IoctlArg`).
        // SAFETY: `arg`'s size is the one encoded in `cmd` (checked above and
        // in tests/abi.rs); the kernel reads and writes at most that many bytes.
        let r = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                cmd as libc::c_ulong,
                arg as *mut T as *mut libc::c_void,
            )
        };
        ioctl_result(name, r)
    }

    /// Issue a command that has no argument (`_IO`, size 0, such as
    /// `ALOCK_IOC_CLUSTER_LEAVE`): the kernel gets a null pointer.
    pub fn ioctl_none(&self, name: &'static str, cmd: u32) -> Result<(), Error> {
        debug_assert_eq!(abi::ioc_size(cmd), 0);
        // SAFETY: the command encodes no argument (size 0: asserted above,
        // LEAVE's encoding checked in tests/abi.rs), so the kernel reads and
        // writes no user memory; the null pointer only fills the argument.
        let r = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                cmd as libc::c_ulong,
                std::ptr::null_mut::<libc::c_void>(),
            )
        };
        ioctl_result(name, r)
    }
}

/// `Ok` for a non-negative ioctl return, else the `errno` as an [`Error`].
fn ioctl_result(name: &'static str, r: libc::c_int) -> Result<(), Error> {
    if r < 0 {
        Err(Error::Ioctl(name, io::Error::last_os_error()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<AlockAbiEntry> {
        abi::COMMANDS
            .iter()
            .map(|&(_, cmd)| AlockAbiEntry {
                cmd,
                arg_size: abi::ioc_size(cmd),
            })
            .collect()
    }

    #[test]
    fn matching_table_passes() {
        assert_eq!(check_table(&table()).unwrap(), 0);
    }

    #[test]
    fn unknown_commands_are_counted() {
        let mut t = table();
        t.push(AlockAbiEntry {
            cmd: abi::ioc(3, abi::ALOCK_IOC_MAGIC, 0x11, 24),
            arg_size: 24,
        });
        assert_eq!(check_table(&t).unwrap(), 1);
    }

    #[test]
    fn size_change_is_reported() {
        let mut t = table();
        t[3].arg_size += 8;
        t[3].cmd = abi::ioc(3, abi::ALOCK_IOC_MAGIC, 3, t[3].arg_size as usize);
        let e = check_table(&t).unwrap_err().to_string();
        assert!(e.contains("ALOCK_IOC_STRESS"), "{e}");
        assert!(e.contains("408 bytes"), "{e}");
    }

    #[test]
    fn missing_command_is_reported() {
        let mut t = table();
        t.remove(5);
        let e = check_table(&t).unwrap_err().to_string();
        assert!(e.contains("has no ALOCK_IOC_TXN"), "{e}");
    }

    #[test]
    fn open_errors_are_one_line_and_say_what_to_do() {
        let p = Path::new("/dev/alock");
        let e = open_error(p, io::Error::from_raw_os_error(libc::ENOENT)).to_string();
        assert!(
            e.contains("alock module is not loaded") && e.contains("insmod"),
            "{e}"
        );
        let e = open_error(p, io::Error::from_raw_os_error(libc::EACCES)).to_string();
        assert!(e.contains("permission denied") && e.contains("root"), "{e}");
        let e = Error::AbiVersion { module: 1 }.to_string();
        let want = format!("v{}", abi::ALOCK_ABI_VERSION);
        assert!(e.contains("ABI v1") && e.contains(&want), "{e}");
        for e in [
            open_error(p, io::Error::from_raw_os_error(libc::ENXIO)),
            Error::AbiVersion { module: 3 },
        ] {
            assert!(!e.to_string().contains('\n'));
            assert_eq!(e.exit_code(), 1);
        }
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
    }

    #[test]
    fn opening_a_missing_device_says_module_not_loaded() {
        let e = Device::open(Path::new("/nonexistent/alock")).unwrap_err();
        assert!(matches!(e, Error::NotLoaded(_)), "{e:?}");
    }

    #[test]
    fn opening_a_non_alock_file_is_an_abi_error() {
        // /dev/null accepts open but not our ioctls (ENOTTY).
        let e = Device::open(Path::new("/dev/null")).unwrap_err();
        assert!(matches!(e, Error::AbiMismatch(_)), "{e:?}");
    }
}
