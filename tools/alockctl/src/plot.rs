//! Figures from saved results (plotters): throughput against threads per
//! lock, ratio bars against the baseline, lock-manager commits and
//! restarts, and the CDF of the acquire latency of every lock and class
//! with histograms (ABI 8).  SVG and PNG; text is laid out with a TrueType
//! font found on the system (no font is shipped with the tool).

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::cli::PlotFormat;
use crate::dev::Error;
use crate::hist::{fmt_ns_short, Hist};
use crate::results::{Results, RW_SECTIONS};

/// Where `plot` looks for a font when `ALOCKCTL_FONT` is not set.
pub const FONT_CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

const W: u32 = 960;
const H: u32 = 600;
const FONT: &str = "sans-serif";

type DynResult = Result<(), Box<dyn StdError>>;

/// Register a system TrueType font as plotters' "sans-serif" (once).
pub fn load_font() -> Result<(), Error> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let env = std::env::var("ALOCKCTL_FONT").ok();
            let paths: Vec<String> = match env {
                Some(p) => vec![p],
                None => FONT_CANDIDATES.iter().map(|s| s.to_string()).collect(),
            };
            for p in &paths {
                if let Ok(bytes) = std::fs::read(p) {
                    // plotters keeps fonts for the life of the program.
                    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                    if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_ok() {
                        return Ok(());
                    }
                }
            }
            Err(format!(
                "no usable TrueType font found (tried {}): install fonts-dejavu-core or set ALOCKCTL_FONT=/path/to/font.ttf",
                paths.join(", ")
            ))
        })
        .clone()
        .map_err(Error::Io)
}

/// One line of a line chart: its name and (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

/// A line chart of y against x, one line per series.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description.
    pub y_desc: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// A grouped bar chart: categories on x, one bar per series in each.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// Y axis description.
    pub y_desc: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// Bars: name and one value per category (NaN: none).
    pub series: Vec<(String, Vec<f64>)>,
    /// A horizontal reference line (1.0 for ratios).
    pub reference: Option<f64>,
}

/// Cumulative distributions of latencies: x (ns) on a log scale, y the
/// fraction of samples at or below x, one curve per series.
#[derive(Debug, Clone)]
pub struct CdfChart {
    /// Caption.
    pub title: String,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description.
    pub y_desc: String,
    /// The curves: name and (ns, fraction) points, x rising.
    pub series: Vec<Series>,
}

/// A figure to draw.
#[derive(Debug, Clone)]
pub enum Figure {
    /// Lines.
    Line(LineChart),
    /// Bars.
    Bar(BarChart),
    /// Latency CDF curves.
    Cdf(CdfChart),
}

/// Short numbers for axis labels: 1.2M, 350k, 0.85.
pub fn si(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Distinct colours that read well on white (Tableau 10).
const COLORS: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn color(i: usize) -> RGBAColor {
    let (r, g, b) = COLORS[i % COLORS.len()];
    RGBColor(r, g, b).to_rgba()
}

fn draw_line<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LineChart) -> DynResult
where
    DB::ErrorType: 'static,
{
    let pts = c.series.iter().flat_map(|s| s.1.iter());
    let xmax = pts.clone().map(|p| p.0).fold(1.0, f64::max).ceil() as i32;
    let ymax = pts.map(|p| p.1).fold(0.0, f64::max).max(1e-9);
    let mut xs: Vec<i32> = c
        .series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0.round() as i32))
        .collect();
    xs.sort_unstable();
    xs.dedup();
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (0..xmax + xmax / 10 + 1).with_key_points(xs),
            0.0..ymax * 1.15,
        )?;
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .y_label_formatter(&|y| si(*y))
        .label_style((FONT, 16))
        .draw()?;
    for (i, (name, pts)) in c.series.iter().enumerate() {
        let col = color(i);
        let pts: Vec<(i32, f64)> = pts.iter().map(|&(x, y)| (x.round() as i32, y)).collect();
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(3)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], col.stroke_width(3)));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 5, col.filled())))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn draw_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &CdfChart) -> DynResult
where
    DB::ErrorType: 'static,
{
    let xs = c.series.iter().flat_map(|s| s.1.iter().map(|p| p.0));
    // Whole decades around the samples (at least 1 ns: a log axis).
    let lo = xs.clone().fold(f64::INFINITY, f64::min).max(1.0);
    let hi = xs.fold(1.0, f64::max).max(lo * 10.0);
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(20)
        // Room for the last decade's label, centred on the right edge.
        .margin_right(40)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .x_label_formatter(&|x| fmt_ns_short(*x))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style((FONT, 16))
        .draw()?;
    for (i, (name, pts)) in c.series.iter().enumerate() {
        let col = color(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(3)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], col.stroke_width(3)));
    }
    // CDFs rise to the right: the upper left is free.
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &BarChart) -> DynResult
where
    DB::ErrorType: 'static,
{
    let n = c.categories.len().max(1);
    let ymax = c
        .series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .chain(c.reference)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9);
    // x in thousandths of a category: category i is centred on 1000 * i.
    let n = n as i32;
    let keys: Vec<i32> = (0..n).map(|i| i * 1000).collect();
    let cats = c.categories.clone();
    let label = move |x: &i32| {
        if x % 1000 == 0 && *x >= 0 {
            cats.get((x / 1000) as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (-500..n * 1000 - 500).with_key_points(keys),
            0.0..ymax * 1.15,
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(c.y_desc.as_str())
        .x_label_formatter(&label)
        .y_label_formatter(&|y| si(*y))
        .label_style((FONT, 15))
        .draw()?;
    let w = 800 / c.series.len().max(1) as i32;
    for (j, (name, vals)) in c.series.iter().enumerate() {
        let col = color(j);
        chart
            .draw_series(
                vals.iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(i, &v)| {
                        let x0 = i as i32 * 1000 - 400 + j as i32 * w;
                        Rectangle::new([(x0, 0.0), (x0 + w * 9 / 10, v)], col.filled())
                    }),
            )?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], col.filled()));
    }
    if let Some(r) = c.reference {
        chart.draw_series(LineSeries::new(
            [(-500, r), (n * 1000 - 500, r)],
            BLACK.stroke_width(1),
        ))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn draw_to<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, f: &Figure) -> DynResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match f {
        Figure::Line(c) => draw_line(&root, c)?,
        Figure::Bar(c) => draw_bars(&root, c)?,
        Figure::Cdf(c) => draw_cdf(&root, c)?,
    }
    root.present()?;
    Ok(())
}

/// The series legend, the same on every figure (at `pos`).
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> DynResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(pos)
        .draw()?;
    Ok(())
}

/// Points per histogram bucket on a CDF curve.
const CDF_STEPS: usize = 8;

/// The figures for one results file, each with a file stem: those of
/// its scenario, then [`latency_cdf`]'s if it has latency samples.
pub fn figures(r: &Results) -> Vec<(String, Figure)> {
    let mut out = scenario_figures(r);
    out.extend(latency_cdf(r));
    out
}

/// The acquire-latency CDF of a results file, `<scenario>-latency-cdf`:
/// one curve per lock and class (`alock local`, `prwlock read`, `mcs
/// acquire`), the histograms of rows with the same lock and class (the
/// thread counts of a matrix, say) added together; `None` when no row
/// has a latency sample.
pub fn latency_cdf(r: &Results) -> Option<(String, Figure)> {
    let mut curves: Vec<(String, Hist)> = Vec::new();
    for row in &r.rows {
        for (class, h) in row.latencies() {
            let name = format!("{} {class}", row.rw_name());
            match curves.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sum)) => sum.add(h),
                None => curves.push((name, h.clone())),
            }
        }
    }
    let series: Vec<Series> = curves
        .into_iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(n, h)| (n, h.cdf(CDF_STEPS)))
        .collect();
    if series.is_empty() {
        return None;
    }
    Some((
        format!("{}-latency-cdf", r.scenario),
        Figure::Cdf(CdfChart {
            title: format!("{}: acquire latency CDF ({} CPUs)", r.scenario, r.nr_cpus),
            x_desc: "acquire latency (log scale)".into(),
            y_desc: "fraction of acquisitions".into(),
            series,
        }),
    ))
}

/// The figures of the scenario: throughput, ratios, policies, sections.
fn scenario_figures(r: &Results) -> Vec<(String, Figure)> {
    let mut out = Vec::new();
    let locks = r.locks();
    let groups = r.groups();
    let sc = r.scenario.as_str();
    let per_sec = match sc {
        "txn" => "commits/s",
        "mrlock" => "requests/s",
        _ => "ops/s",
    };
    if sc == "rw" {
        for sec in &RW_SECTIONS {
            let rows: Vec<_> = r.rows.iter().filter(|x| x.group == sec.group).collect();
            if rows.is_empty() {
                continue;
            }
            let (what, vals): (&str, Vec<f64>) = match sec.group {
                "read-cost" => (
                    "ns per read lock+unlock",
                    rows.iter().map(|x| x.ns_per_op()).collect(),
                ),
                "write-idle" => (
                    "us per write acquisition",
                    rows.iter().map(|x| x.write_acquire_ns() / 1e3).collect(),
                ),
                "wake" => (
                    "us until the last reader is in",
                    rows.iter().map(|x| x.ns_per_op() / 1e3).collect(),
                ),
                _ => ("reads/s", rows.iter().map(|x| x.rate).collect()),
            };
            out.push((
                format!("rw-{}", sec.group),
                Figure::Bar(BarChart {
                    title: format!("rw: {} ({} CPUs)", sec.title, r.nr_cpus),
                    y_desc: what.into(),
                    categories: rows.iter().map(|x| x.rw_name()).collect(),
                    series: vec![(what.into(), vals)],
                    reference: None,
                }),
            ));
        }
        return out;
    }
    if sc == "stress" {
        let cats: Vec<String> = r
            .rows
            .iter()
            .map(|x| format!("{} x{}", x.lock, x.threads))
            .collect();
        out.push((
            "stress-throughput".into(),
            Figure::Bar(BarChart {
                title: format!("stress runs ({} CPUs)", r.nr_cpus),
                y_desc: "operations/s".into(),
                categories: cats,
                series: vec![("ops/s".into(), r.rows.iter().map(|x| x.rate).collect())],
                reference: None,
            }),
        ));
        return out;
    }
    if let Some(base) = &r.baseline {
        for g in &groups {
            let series: Vec<Series> = locks
                .iter()
                .map(|l| {
                    let pts = r
                        .rows
                        .iter()
                        .filter(|x| &x.group == g && &x.lock == l)
                        .map(|x| (x.threads as f64, x.rate))
                        .collect();
                    (l.clone(), pts)
                })
                .collect();
            out.push((
                format!("{sc}-throughput-{}", stem(g)),
                Figure::Line(LineChart {
                    title: format!("{sc}: throughput vs threads ({g}, {} CPUs)", r.nr_cpus),
                    x_desc: "threads".into(),
                    y_desc: per_sec.into(),
                    series,
                }),
            ));
        }
        let mut keys: Vec<(String, u32)> = Vec::new();
        for x in &r.rows {
            if !keys.contains(&(x.group.clone(), x.threads)) {
                keys.push((x.group.clone(), x.threads));
            }
        }
        let series = locks
            .iter()
            .filter(|l| *l != base)
            .map(|l| {
                let vals = keys
                    .iter()
                    .map(|(g, t)| {
                        r.rows
                            .iter()
                            .find(|x| &x.group == g && x.threads == *t && &x.lock == l)
                            .and_then(|x| x.ratio)
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                (l.clone(), vals)
            })
            .collect();
        out.push((
            format!("{sc}-ratio"),
            Figure::Bar(BarChart {
                title: format!("{sc}: throughput relative to {base}"),
                y_desc: format!("ratio to {base}"),
                categories: keys.iter().map(|(g, t)| format!("{g} x{t}")).collect(),
                series,
                reference: Some(1.0),
            }),
        ));
    } else {
        for (what, stem_, f) in [
            ("commits/s", "commits", 0usize),
            ("restarts/s", "restarts", 1usize),
        ] {
            let series = locks
                .iter()
                .map(|l| {
                    let vals = groups
                        .iter()
                        .map(|g| {
                            r.rows
                                .iter()
                                .find(|x| &x.group == g && &x.lock == l)
                                .map(|x| if f == 0 { x.rate } else { x.restart_rate() })
                                .unwrap_or(f64::NAN)
                        })
                        .collect();
                    (l.clone(), vals)
                })
                .collect();
            out.push((
                format!("{sc}-{stem_}"),
                Figure::Bar(BarChart {
                    title: format!("{sc}: {what} by policy ({} CPUs)", r.nr_cpus),
                    y_desc: what.into(),
                    categories: groups.clone(),
                    series,
                    reference: None,
                }),
            ));
        }
    }
    out
}

/// A group name usable in a file name: `spins=0` -> `spins0`.
fn stem(g: &str) -> String {
    g.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// Draw every figure of `r` into `dir`; returns the files written.
pub fn plot(r: &Results, dir: &Path, format: PlotFormat) -> Result<Vec<PathBuf>, Error> {
    load_font()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, fig) in figures(r) {
        if matches!(format, PlotFormat::Svg | PlotFormat::All) {
            let p = dir.join(format!("{name}.svg"));
            draw_to(SVGBackend::new(&p, (W, H)).into_drawing_area(), &fig)
                .map_err(|e| Error::Io(format!("cannot draw {}: {e}", p.display())))?;
            written.push(p);
        }
        if matches!(format, PlotFormat::Png | PlotFormat::All) {
            let p = dir.join(format!("{name}.png"));
            draw_to(BitMapBackend::new(&p, (W, H)).into_drawing_area(), &fig)
                .map_err(|e| Error::Io(format!("cannot draw {}: {e}", p.display())))?;
            written.push(p);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_labels() {
        assert_eq!(si(6_157_337.0), "6.2M");
        assert_eq!(si(33_792.0), "34k");
        assert_eq!(si(950.0), "950");
        assert_eq!(si(0.85), "0.85");
        assert_eq!(si(0.0), "0");
    }

    #[test]
    fn latency_cdf_has_a_curve_per_lock_and_class() {
        use crate::abi::{AlockDlockRun, AlockStress};
        use crate::results::Row;
        let mut d = AlockDlockRun {
            lock: crate::abi::ALOCK_DLOCK_ALOCK,
            local_pct: 50,
            ..AlockDlockRun::default()
        };
        d.local_lat.count[11] = 4;
        d.remote_lat.count[15] = 2;
        let mut s = AlockStress {
            lock: 4,
            ..AlockStress::default()
        };
        s.lat.count[8] = 3;
        let mut s2 = s;
        s2.lat.count[8] = 1;
        s2.lat.count[9] = 4;
        let r = Results {
            scenario: "stress".into(),
            rows: vec![
                Row::from_dlock(&d, false),
                Row::from_stress(&s, false),
                Row::from_stress(&s2, false),
                // No sample: no curve.
                Row::from_stress(
                    &AlockStress {
                        lock: 1,
                        ..AlockStress::default()
                    },
                    false,
                ),
            ],
            ..Results::default()
        };
        let (name, fig) = latency_cdf(&r).unwrap();
        assert_eq!(name, "stress-latency-cdf");
        let Figure::Cdf(c) = fig else {
            panic!("not a CDF")
        };
        let names: Vec<&str> = c.series.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["alock local", "alock remote", "mcs acquire"]);
        // The two mcs runs added: 4 of 8 samples in [128, 256).
        let mcs = &c.series[2].1;
        assert_eq!(mcs.first(), Some(&(128.0, 0.0)));
        assert_eq!(mcs[CDF_STEPS], (256.0, 0.5));
        assert_eq!(mcs.last(), Some(&(512.0, 1.0)));
        // Results without histograms: no CDF figure.
        let old = Results {
            rows: vec![Row::default()],
            ..r.clone()
        };
        assert!(latency_cdf(&old).is_none());
        assert_eq!(figures(&r).last().unwrap().0, "stress-latency-cdf");
    }

    #[test]
    fn stems_are_file_names() {
        assert_eq!(stem("spins=200"), "spins200");
        assert_eq!(stem("records=4096"), "records4096");
        assert_eq!(stem("high"), "high");
    }
}
