//! Formatting helpers shared by the printers and serialisers: errno
//! names, CSV fields and column alignment.  A leaf module: it uses no
//! other module of the crate.

use std::fmt::Write as _;

/// The symbolic name of an errno (either sign): `ETIMEDOUT`, or `errno N`
/// for one this tool does not name.
pub fn errno_name(e: i32) -> String {
    const NAMES: [(i32, &str); 30] = [
        (libc::EPERM, "EPERM"),
        (libc::ENOENT, "ENOENT"),
        (libc::EINTR, "EINTR"),
        (libc::EIO, "EIO"),
        (libc::ENXIO, "ENXIO"),
        (libc::EAGAIN, "EAGAIN"),
        (libc::ENOMEM, "ENOMEM"),
        (libc::EACCES, "EACCES"),
        (libc::EFAULT, "EFAULT"),
        (libc::EBUSY, "EBUSY"),
        (libc::ENODEV, "ENODEV"),
        (libc::EINVAL, "EINVAL"),
        (libc::ENOSPC, "ENOSPC"),
        (libc::EPIPE, "EPIPE"),
        (libc::ERANGE, "ERANGE"),
        (libc::EPROTO, "EPROTO"),
        (libc::EOPNOTSUPP, "EOPNOTSUPP"),
        (libc::EADDRINUSE, "EADDRINUSE"),
        (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (libc::ENETDOWN, "ENETDOWN"),
        (libc::ENETUNREACH, "ENETUNREACH"),
        (libc::ENETRESET, "ENETRESET"),
        (libc::ECONNABORTED, "ECONNABORTED"),
        (libc::ECONNRESET, "ECONNRESET"),
        (libc::ENOTCONN, "ENOTCONN"),
        (libc::ETIMEDOUT, "ETIMEDOUT"),
        (libc::ECONNREFUSED, "ECONNREFUSED"),
        (libc::EHOSTUNREACH, "EHOSTUNREACH"),
        (libc::ECANCELED, "ECANCELED"),
        (libc::EREMOTEIO, "EREMOTEIO"),
    ];
    let e = e.saturating_abs();
    NAMES
        .iter()
        .find(|(n, _)| *n == e)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| format!("errno {e}"))
}

/// One CSV field, quoted when it holds a comma, a quote or a newline.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Align cells in columns: the first column left-aligned, the others
/// right-aligned, two spaces apart, a rule under the header.
pub fn align(lines: &[Vec<String>]) -> String {
    align_left(lines, 1)
}

/// Like [`align`], with the first `left` columns left-aligned.
pub fn align_left(lines: &[Vec<String>], left: usize) -> String {
    let ncol = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0; ncol];
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (n, l) in lines.iter().enumerate() {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            let sep = if i == 0 { "" } else { "  " };
            if i < left {
                let _ = write!(s, "{sep}{c:<w$}", w = width[i]);
            } else {
                let _ = write!(s, "{sep}{c:>w$}", w = width[i]);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        if n == 0 {
            let total = width.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(-libc::ETIMEDOUT), "ETIMEDOUT");
        assert_eq!(errno_name(libc::ECONNRESET), "ECONNRESET");
        assert_eq!(errno_name(-4095), "errno 4095");
        assert_eq!(errno_name(i32::MIN), format!("errno {}", i32::MAX));
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn columns_are_aligned_under_a_rule() {
        let lines = vec![
            vec!["name".to_string(), "n".to_string()],
            vec!["a".to_string(), "100".to_string()],
        ];
        assert_eq!(align(&lines), "name    n\n---------\na     100\n");
        assert_eq!(align_left(&lines, 2), "name  n\n---------\na     100\n");
    }
}
