//! The module's statistics in debugfs (`/sys/kernel/debug/alock/`, see
//! [`crate::abi::DEBUGFS_DIR`]): reading the directory into a
//! [`Snapshot`], and printing it as tables, JSON or CSV, with per-second
//! rates against an earlier snapshot for `stats --watch`.
//!
//! The directory holds `enabled` (`0` or `1`: whether the fast paths
//! count their acquisitions; everything else counts always) and tables:
//! every other regular file.  In a table, lines starting with `#` are
//! comments (the first one describes the file), every other line is a
//! row `<name> <field>=<value> ...`: a value is a decimal u64, a word
//! (`[A-Za-z0-9_.-]+`, such as `state=up`), or for a field whose name
//! ends in `_hist` the 40 comma-separated counts of a log2 latency
//! histogram ([`crate::hist`]).  Files and fields this tool does not know
//! are shown like the others; a line that does not parse is skipped with
//! a warning.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{json, Map, Value as Json};

use crate::dev::Error;
use crate::fmt::{align_left, csv_field};
use crate::hist::{fmt_opt_ns, Hist, BUCKETS, PERCENTILES};

/// The file that switches the fast-path counts on and off.
pub const ENABLED_FILE: &str = "enabled";

/// Tables shown first, in this order (the others follow by name).
pub const KNOWN_FILES: [&str; 4] = ["locks", "rdma", "table", "prwlocks"];

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A decimal counter or number.
    Num(u64),
    /// A word such as `up`.
    Word(String),
    /// A `*_hist` field: a log2 latency histogram.
    Hist(Hist),
}

/// One row of a table: its name and fields, in the file's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The first word of the line (`prwlock_read`, `peer1`, `key3`).
    pub name: String,
    /// `field=value` pairs.
    pub fields: Vec<(String, Value)>,
}

impl Row {
    /// The value of `field`, if the row has it.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, v)| v)
    }
}

/// One statistics file.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The file's name (`locks`).
    pub file: String,
    /// Its first comment, without the `#`.
    pub title: Option<String>,
    /// Its rows, in the file's order.
    pub rows: Vec<Row>,
}

/// The whole directory at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// What `enabled` says (`None`: missing or unreadable).
    pub enabled: Option<bool>,
    /// The tables: [`KNOWN_FILES`] first, then the others by name.
    pub tables: Vec<Table>,
}

/// What `enabled` holds: `0` or `1` (surrounding white space ignored).
pub fn parse_enabled(text: &str) -> Option<bool> {
    match text.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// One row line, or why it is not one.
pub fn parse_line(line: &str) -> Result<Row, String> {
    let mut words = line.split_ascii_whitespace();
    let name = words.next().ok_or("empty line")?;
    if name.contains('=') {
        return Err(format!("no row name before `{name}`"));
    }
    let mut fields: Vec<(String, Value)> = Vec::new();
    for w in words {
        let (field, val) = w
            .split_once('=')
            .ok_or_else(|| format!("`{w}` is not field=value"))?;
        if !is_word(field) {
            return Err(format!("bad field name `{field}`"));
        }
        if fields.iter().any(|(f, _)| f == field) {
            return Err(format!("field `{field}` twice"));
        }
        let value = if field.ends_with("_hist") {
            let counts = val
                .split(',')
                .map(|c| c.parse::<u64>())
                .collect::<Result<Vec<u64>, _>>()
                .map_err(|_| format!("{field}: not comma-separated counts"))?;
            if counts.len() != BUCKETS {
                return Err(format!(
                    "{field}: {} counts, {BUCKETS} expected",
                    counts.len()
                ));
            }
            Value::Hist(Hist { buckets: counts })
        } else if !val.is_empty() && val.bytes().all(|b| b.is_ascii_digit()) {
            Value::Num(
                val.parse()
                    .map_err(|_| format!("{field}: {val} does not fit 64 bits"))?,
            )
        } else if is_word(val) {
            Value::Word(val.to_string())
        } else {
            return Err(format!("{field}: bad value `{val}`"));
        };
        fields.push((field.to_string(), value));
    }
    Ok(Row {
        name: name.to_string(),
        fields,
    })
}

/// Parse the text of statistics file `file`; each line skipped is
/// described in `warnings` (`locks:3: ...`).
pub fn parse_table(file: &str, text: &str, warnings: &mut Vec<String>) -> Table {
    let mut t = Table {
        file: file.to_string(),
        title: None,
        rows: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(c) = l.strip_prefix('#') {
            if t.title.is_none() {
                t.title = Some(c.trim().to_string());
            }
            continue;
        }
        match parse_line(l) {
            Ok(r) => t.rows.push(r),
            Err(e) => warnings.push(format!("{file}:{}: {e}; line skipped", n + 1)),
        }
    }
    t
}

/// The error for a statistics directory that cannot be read.
fn dir_error(dir: &Path, e: &io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::PermissionDenied => Error::Failed(format!(
            "permission denied reading {}: debugfs is only readable by root; run alockctl as root",
            dir.display()
        )),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => Error::Failed(format!(
            "{} not found: debugfs must be mounted at /sys/kernel/debug (mount -t debugfs none /sys/kernel/debug) and alock.ko loaded",
            dir.display()
        )),
        _ => Error::Io(format!("cannot read {}: {e}", dir.display())),
    }
}

/// Read the statistics directory `dir`; the lines and files skipped are
/// described in the warnings.
pub fn read_dir(dir: &Path) -> Result<(Snapshot, Vec<String>), Error> {
    let entries = fs::read_dir(dir).map_err(|e| dir_error(dir, &e))?;
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| dir_error(dir, &e))?;
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let Ok(md) = fs::metadata(e.path()) else {
            continue;
        };
        // Only readable regular files: a write-only control file is no table.
        if name.starts_with('.') || !md.is_file() || md.permissions().mode() & 0o444 == 0 {
            continue;
        }
        files.push((name, e.path()));
    }
    let rank = |n: &str| {
        KNOWN_FILES
            .iter()
            .position(|k| *k == n)
            .unwrap_or(KNOWN_FILES.len())
    };
    files.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    let mut snap = Snapshot::default();
    let mut warnings = Vec::new();
    for (name, path) in files {
        let text = match fs::read(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                warnings.push(format!("cannot read {}: {e}; skipped", path.display()));
                continue;
            }
        };
        if name == ENABLED_FILE {
            snap.enabled = parse_enabled(&text);
            if snap.enabled.is_none() {
                warnings.push(format!(
                    "{}: `{}` is neither 0 nor 1",
                    path.display(),
                    text.trim()
                ));
            }
        } else {
            snap.tables.push(parse_table(&name, &text, &mut warnings));
        }
    }
    Ok((snap, warnings))
}

/// Switch the fast-path counts on or off: write `1` or `0` to `enabled`.
pub fn write_enabled(dir: &Path, on: bool) -> Result<(), Error> {
    fs::metadata(dir).map_err(|e| dir_error(dir, &e))?;
    let p = dir.join(ENABLED_FILE);
    fs::write(&p, if on { "1" } else { "0" }).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => Error::Failed(format!(
            "permission denied writing {}: switching the statistics needs root",
            p.display()
        )),
        io::ErrorKind::NotFound => Error::Failed(format!(
            "{} not found: this alock.ko has no statistics switch",
            p.display()
        )),
        _ => Error::Io(format!("cannot write {}: {e}", p.display())),
    })
}

/// The columns of a table: every field of its rows, in first-seen order.
pub fn columns(t: &Table) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in &t.rows {
        for (f, _) in &r.fields {
            if !cols.contains(f) {
                cols.push(f.clone());
            }
        }
    }
    cols
}

/// The previous snapshot and the seconds since it, for rates.
pub type Earlier<'a> = Option<(&'a Snapshot, f64)>;

/// Rows of `earlier` by (file, row name, how many rows of that name came
/// before it in the file): how a row is found again in a later snapshot.
fn index(s: &Snapshot) -> HashMap<(&str, &str, usize), &Row> {
    let mut m = HashMap::new();
    for t in &s.tables {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for r in &t.rows {
            let n = seen.entry(r.name.as_str()).or_default();
            m.insert((t.file.as_str(), r.name.as_str(), *n), r);
            *n += 1;
        }
    }
    m
}

/// Per-second rates of the numeric fields of each row of `now` that
/// changed since `earlier`, in row order (a counter that went down, as
/// after a module reload, has none).
fn rates<'a>(now: &'a Snapshot, earlier: Earlier<'_>) -> Vec<Vec<HashMap<&'a str, f64>>> {
    let prev = earlier.map(|(s, secs)| (index(s), secs));
    now.tables
        .iter()
        .map(|t| {
            let mut seen: HashMap<&str, usize> = HashMap::new();
            t.rows
                .iter()
                .map(|r| {
                    let n = seen.entry(r.name.as_str()).or_default();
                    let key = (t.file.as_str(), r.name.as_str(), *n);
                    *n += 1;
                    let mut out = HashMap::new();
                    let Some((idx, secs)) = &prev else {
                        return out;
                    };
                    let Some(old) = idx.get(&key) else {
                        return out;
                    };
                    for (f, v) in &r.fields {
                        if let (Value::Num(a), Some(Value::Num(b))) = (v, old.get(f)) {
                            if a > b && *secs > 0.0 {
                                out.insert(f.as_str(), (a - b) as f64 / secs);
                            }
                        }
                    }
                    out
                })
                .collect()
        })
        .collect()
}

/// A rate, compact: `+12/s`, `+3.5k/s`, `+0.25/s`.
pub fn fmt_rate(r: f64) -> String {
    let v = if r >= 1e6 {
        format!("{:.1}M", r / 1e6)
    } else if r >= 1e4 {
        format!("{:.1}k", r / 1e3)
    } else if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.2}")
    };
    format!("+{v}/s")
}

/// What `enabled` says, for a person.
pub fn enabled_line(e: Option<bool>) -> &'static str {
    match e {
        Some(true) => "on (fast-path acquisitions are counted)",
        Some(false) => "off (fast-path acquisitions are not counted; `alockctl stats --enable`)",
        None => "unknown (no readable `enabled` file)",
    }
}

/// The snapshot as tables: the `enabled` state, then one table per
/// file (`_hist` fields as their p50 and p99); with `earlier`, the
/// numeric fields that changed also show their rate (`1200 (+40/s)`).
pub fn render(s: &Snapshot, earlier: Earlier<'_>) -> String {
    let mut out = format!("fast-path counting: {}\n", enabled_line(s.enabled));
    let rates = rates(s, earlier);
    for (t, trates) in s.tables.iter().zip(&rates) {
        out.push('\n');
        match &t.title {
            Some(title) if !title.is_empty() => {
                let _ = writeln!(out, "{}: {title}", t.file);
            }
            _ => {
                let _ = writeln!(out, "{}", t.file);
            }
        }
        if t.rows.is_empty() {
            out.push_str("(no rows)\n");
            continue;
        }
        let cols = columns(t);
        let mut head = vec!["name".to_string()];
        for c in &cols {
            match c.strip_suffix("_hist") {
                Some(p) => head.extend([format!("{p} p50"), format!("{p} p99")]),
                None => head.push(c.clone()),
            }
        }
        let mut lines = vec![head];
        for (r, rr) in t.rows.iter().zip(trates) {
            let mut line = vec![r.name.clone()];
            for c in &cols {
                match r.get(c) {
                    Some(Value::Hist(h)) => {
                        let p = h.percentiles();
                        line.extend([fmt_opt_ns(p[0]), fmt_opt_ns(p[2])]);
                    }
                    Some(Value::Num(n)) => line.push(match rr.get(c.as_str()) {
                        Some(rate) => format!("{n} ({})", fmt_rate(*rate)),
                        None => n.to_string(),
                    }),
                    Some(Value::Word(w)) => line.push(w.clone()),
                    None if c.ends_with("_hist") => line.extend(["-".into(), "-".into()]),
                    None => line.push("-".into()),
                }
            }
            lines.push(line);
        }
        out.push_str(&align_left(&lines, 1));
    }
    out
}

/// The snapshot as JSON: `{"enabled": bool|null, "<file>": [{"name":
/// ..., "<field>": number | string | {"buckets": [...], "p50_ns": ...,
/// "p90_ns": ..., "p99_ns": ..., "p999_ns": ...}}]}`; with `earlier`,
/// each row also has `"rates"` (per second, the numeric fields that
/// changed) and the object `"interval_s"`.
pub fn to_json(s: &Snapshot, earlier: Earlier<'_>) -> Json {
    let mut top = Map::new();
    top.insert("enabled".into(), json!(s.enabled));
    let rates = rates(s, earlier);
    for (t, trates) in s.tables.iter().zip(&rates) {
        let rows: Vec<Json> = t
            .rows
            .iter()
            .zip(trates)
            .map(|(r, rr)| {
                let mut o = Map::new();
                o.insert("name".into(), json!(r.name));
                for (f, v) in &r.fields {
                    let j = match v {
                        Value::Num(n) => json!(n),
                        Value::Word(w) => json!(w),
                        Value::Hist(h) => serde_json::to_value(h).expect("histogram serialises"),
                    };
                    o.insert(f.clone(), j);
                }
                if earlier.is_some() {
                    let m: Map<String, Json> =
                        rr.iter().map(|(f, r)| (f.to_string(), json!(r))).collect();
                    o.insert("rates".into(), Json::Object(m));
                }
                Json::Object(o)
            })
            .collect();
        top.insert(t.file.clone(), Json::Array(rows));
    }
    if let Some((_, secs)) = earlier {
        top.insert("interval_s".into(), json!(secs));
    }
    Json::Object(top)
}

/// CSV header of [`to_csv`].
pub const CSV_HEADER: &str = "file,name,field,value";

/// The snapshot as CSV lines (no header): one per field,
/// `file,name,field,value`; `enabled` as `enabled,,,1`; a histogram as
/// its percentiles (`rtt_hist.p50_ns`, ...; empty without samples).
pub fn to_csv(s: &Snapshot) -> String {
    let mut out = String::new();
    let en = s.enabled.map(|e| (e as u8).to_string()).unwrap_or_default();
    let _ = writeln!(out, "{ENABLED_FILE},,,{en}");
    for t in &s.tables {
        for r in &t.rows {
            let pre = format!("{},{}", csv_field(&t.file), csv_field(&r.name));
            for (f, v) in &r.fields {
                match v {
                    Value::Num(n) => {
                        let _ = writeln!(out, "{pre},{f},{n}");
                    }
                    Value::Word(w) => {
                        let _ = writeln!(out, "{pre},{f},{w}");
                    }
                    Value::Hist(h) => {
                        for ((_, _, suffix), p) in PERCENTILES.iter().zip(h.percentiles()) {
                            let p = p.map(|v| v.to_string()).unwrap_or_default();
                            let _ = writeln!(out, "{pre},{f}.{suffix},{p}");
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist_text(pairs: &[(usize, u64)]) -> String {
        let mut b = vec![0u64; BUCKETS];
        for &(i, c) in pairs {
            b[i] = c;
        }
        b.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn lines_parse_into_typed_fields() {
        let r = parse_line("prwlock_write acquisitions=4 contended=4 rounds=4").unwrap();
        assert_eq!(r.name, "prwlock_write");
        assert_eq!(
            r.fields,
            [
                ("acquisitions".to_string(), Value::Num(4)),
                ("contended".to_string(), Value::Num(4)),
                ("rounds".to_string(), Value::Num(4))
            ]
        );
        let line = format!(
            "peer1 node=1 state=up reads=18446744073709551615 rtt_hist={}",
            hist_text(&[(11, 100)])
        );
        let r = parse_line(&line).unwrap();
        assert_eq!(r.get("state"), Some(&Value::Word("up".into())));
        assert_eq!(r.get("reads"), Some(&Value::Num(u64::MAX)));
        let Some(Value::Hist(h)) = r.get("rtt_hist") else {
            panic!("{r:?}")
        };
        assert_eq!(h.percentiles()[0], Some(1536));
        // A row may have no field; words may have dots and dashes.
        assert!(parse_line("idle").unwrap().fields.is_empty());
        assert_eq!(
            parse_line("x v=1.5-rc").unwrap().get("v"),
            Some(&Value::Word("1.5-rc".into()))
        );
    }

    #[test]
    fn bad_lines_are_errors() {
        for (line, why) in [
            ("a=1 b=2", "no row name"),
            ("x acquisitions", "not field=value"),
            ("x n=1 n=2", "twice"),
            ("x n=18446744073709551616", "64 bits"),
            ("x state=up!", "bad value"),
            ("x =3", "bad field name"),
            ("x rtt_hist=1,2,3", "3 counts, 40 expected"),
            ("x rtt_hist=up", "not comma-separated"),
        ] {
            let e = parse_line(line).unwrap_err();
            assert!(e.contains(why), "{line}: {e}");
        }
    }

    #[test]
    fn tables_keep_good_lines_and_warn_about_bad_ones() {
        let text = "# lock acquisitions by kind\n# second comment\n\nmcs acquisitions=10 contended=2\nbroken line=\nalock_local acquisitions=7 handoffs=3\n";
        let mut w = Vec::new();
        let t = parse_table("locks", text, &mut w);
        assert_eq!(t.title.as_deref(), Some("lock acquisitions by kind"));
        assert_eq!(t.rows.len(), 2);
        assert_eq!(columns(&t), ["acquisitions", "contended", "handoffs"]);
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("locks:5: line: bad value"), "{w:?}");
        assert_eq!(parse_enabled("1\n"), Some(true));
        assert_eq!(parse_enabled(" 0 "), Some(false));
        assert_eq!(parse_enabled("yes"), None);
    }

    fn snap(acq: u64) -> Snapshot {
        let mut w = Vec::new();
        Snapshot {
            enabled: Some(true),
            tables: vec![parse_table(
                "locks",
                &format!(
                    "# locks\nmcs acquisitions={acq} state=up\nmcs acquisitions=5\npeer wait_hist={}\n",
                    hist_text(&[(0, 1), (10, 1)])
                ),
                &mut w,
            )],
        }
    }

    #[test]
    fn tables_render_with_percentiles_and_rates() {
        let t = render(&snap(10), None);
        assert!(t.starts_with("fast-path counting: on"), "{t}");
        assert!(t.contains("\nlocks: locks\n"), "{t}");
        let lines: Vec<Vec<&str>> = t.lines().map(|l| l.split_whitespace().collect()).collect();
        let head = lines
            .iter()
            .position(|l| l.first() == Some(&"name"))
            .unwrap();
        assert_eq!(
            lines[head],
            [
                "name",
                "acquisitions",
                "state",
                "wait",
                "p50",
                "wait",
                "p99"
            ]
        );
        assert_eq!(lines[head + 2], ["mcs", "10", "up", "-", "-"]);
        assert_eq!(lines[head + 3], ["mcs", "5", "-", "-", "-"]);
        // 2 samples: 0 ns and one in [512, 1024): p50 0, p99 at 0.98 of it.
        assert_eq!(lines[head + 4], ["peer", "-", "-", "0ns", "1.01µs"]);
        // 2 s later, the first mcs row counted 30 more: +15/s; the second
        // (matched by its place among the rows of that name) did not change.
        let earlier = snap(10);
        let t = render(&snap(40), Some((&earlier, 2.0)));
        assert!(t.contains("40 (+15/s)"), "{t}");
        assert!(!t.contains("5 (+"), "{t}");
    }

    #[test]
    fn json_shape() {
        let earlier = snap(10);
        let j = to_json(&snap(10), None);
        assert_eq!(j["enabled"], true);
        assert_eq!(j["locks"][0]["name"], "mcs");
        assert_eq!(j["locks"][0]["acquisitions"], 10);
        assert_eq!(j["locks"][0]["state"], "up");
        assert_eq!(j["locks"][2]["wait_hist"]["buckets"][10], 1);
        assert_eq!(j["locks"][2]["wait_hist"]["p50_ns"], 0);
        assert_eq!(j["locks"][2]["wait_hist"]["p90_ns"], 922);
        assert!(j["locks"][0].get("rates").is_none());
        let j = to_json(&snap(12), Some((&earlier, 0.5)));
        assert_eq!(j["interval_s"], 0.5);
        assert_eq!(j["locks"][0]["rates"]["acquisitions"], 4.0);
        assert_eq!(j["locks"][1]["rates"], json!({}));
        let j = to_json(&Snapshot::default(), None);
        assert_eq!(j, json!({"enabled": null}));
    }

    #[test]
    fn csv_lines() {
        let c = to_csv(&snap(3));
        assert!(
            c.starts_with("enabled,,,1\nlocks,mcs,acquisitions,3\nlocks,mcs,state,up\n"),
            "{c}"
        );
        assert!(c.contains("locks,peer,wait_hist.p50_ns,0\n"), "{c}");
        assert!(c.contains("locks,peer,wait_hist.p999_ns,1023\n"), "{c}");
        assert_eq!(fmt_rate(15.0), "+15/s");
        assert_eq!(fmt_rate(0.25), "+0.25/s");
        assert_eq!(fmt_rate(35_000.0), "+35.0k/s");
    }
}
