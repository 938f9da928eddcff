//! Latency histograms in the module's log2 convention (`struct
//! alock_hist`, ABI 8) and what is read from them: percentiles, the CDF
//! that `plot` draws, and compact durations for the tables.
//!
//! Bucket *i* of [`BUCKETS`] counts the latencies *v* (ns) with
//! `fls64(v) == i`: bucket 0 counts *v* = 0, bucket *i* (1..38) counts
//! 2^(i-1) <= *v* < 2^i and the last bucket everything from 2^38 ns up
//! (taken as [2^38, 2^39) here).  Inside a bucket the samples are taken
//! to be spread evenly, so a percentile is interpolated linearly between
//! the bucket's bounds.  A leaf module, like [`crate::fmt`]: it uses only
//! [`crate::abi`].

use serde::de::{Deserializer, Error as _};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::abi::{AlockHist, ALOCK_HIST_BUCKETS};

/// Buckets of a histogram (`ALOCK_HIST_BUCKETS`).
pub const BUCKETS: usize = ALOCK_HIST_BUCKETS as usize;

/// The percentiles reported everywhere: label, fraction, JSON/CSV suffix.
pub const PERCENTILES: [(&str, f64, &str); 4] = [
    ("p50", 0.5, "p50_ns"),
    ("p90", 0.9, "p90_ns"),
    ("p99", 0.99, "p99_ns"),
    ("p99.9", 0.999, "p999_ns"),
];

/// Lower and upper bound (ns) of bucket `i`: `[0, 0]` for bucket 0,
/// `[2^(i-1), 2^i)` for the others (the last one included).
pub fn bucket_bounds(i: usize) -> (f64, f64) {
    if i == 0 {
        (0.0, 0.0)
    } else {
        let lo = (1u64 << (i - 1)) as f64;
        (lo, 2.0 * lo)
    }
}

/// The bucket a latency of `ns` falls in (`fls64`, capped at the last).
pub fn bucket_of(ns: u64) -> usize {
    ((u64::BITS - ns.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// A log2 latency histogram as results keep it.
///
/// `buckets` is empty when the run had no histogram of this class (a
/// results file from before ABI 8, or a lock kind without that class),
/// else it has [`BUCKETS`] counts (possibly all zero: no sample).  In
/// JSON it is an object with the raw `buckets` and the percentiles
/// (`p50_ns`, `p90_ns`, `p99_ns`, `p999_ns`; `null` without samples);
/// reading one back only takes the buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hist {
    /// Samples per bucket: none, or [`BUCKETS`].
    pub buckets: Vec<u64>,
}

impl Hist {
    /// The histogram the module returned.
    pub fn from_abi(h: &AlockHist) -> Self {
        Hist {
            buckets: h.count.to_vec(),
        }
    }

    /// A histogram of these counts, padded with zeros to [`BUCKETS`]
    /// (`None` for more than that).
    pub fn from_counts(counts: &[u64]) -> Option<Self> {
        if counts.len() > BUCKETS {
            return None;
        }
        let mut buckets = counts.to_vec();
        buckets.resize(BUCKETS, 0);
        Some(Hist { buckets })
    }

    /// Whether the run had this histogram at all (see the type).
    pub fn is_present(&self) -> bool {
        !self.buckets.is_empty()
    }

    /// Whether the run had no such histogram (`skip_serializing_if`).
    pub fn is_absent(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Whether it is absent or has no sample.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Samples, all buckets.
    pub fn total(&self) -> u64 {
        self.buckets.iter().fold(0u64, |a, &c| a.saturating_add(c))
    }

    /// Add `other`'s counts to these (an absent histogram takes them over).
    pub fn add(&mut self, other: &Hist) {
        if other.buckets.len() > self.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a = a.saturating_add(*b);
        }
    }

    /// Counts of `self` minus those of `earlier` (a later sample of the
    /// same counters; a bucket that went down counts 0).
    pub fn since(&self, earlier: &Hist) -> Hist {
        let buckets = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, &c)| c.saturating_sub(earlier.buckets.get(i).copied().unwrap_or(0)))
            .collect();
        Hist { buckets }
    }

    /// The latency (ns) below which a fraction `q` (0 < q <= 1) of the
    /// samples lie, interpolated linearly inside its bucket; `None`
    /// without samples.
    ///
    /// With *N* samples the rank is *r* = *q N*; the bucket is the first
    /// whose cumulative count reaches *r*, and the value lies the share
    /// `(r - before) / count` of the way from its lower to its upper
    /// bound (bucket 0 is 0 ns).
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * n as f64;
        // q N in floating point (0.99 * 100 may be 99.00000000000001):
        // a cumulative count within this of the rank reaches it.
        let slack = 1e-9 * n as f64;
        let mut before = 0u64;
        let mut last = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            if c == 0 {
                continue;
            }
            last = i;
            if (before + c) as f64 + slack >= rank {
                let (lo, hi) = bucket_bounds(i);
                let f = ((rank - before as f64) / c as f64).clamp(0.0, 1.0);
                return Some(lo + f * (hi - lo));
            }
            before += c;
        }
        // Rounding at q = 1: the top of the last bucket with samples.
        Some(bucket_bounds(last).1)
    }

    /// [`Self::percentile`] of each of [`PERCENTILES`], rounded to ns.
    pub fn percentiles(&self) -> [Option<u64>; 4] {
        PERCENTILES.map(|(_, q, _)| self.percentile(q).map(|v| v.round() as u64))
    }

    /// The CDF for a log-scale axis: (latency ns, fraction of samples at
    /// or below it), rising from the first bucket with samples to 1 at
    /// the top of the last, with `steps` points inside each bucket (the
    /// CDF is linear inside a bucket).  Samples of 0 ns are put at 1 ns,
    /// where a log axis can show them.  Empty without samples.
    pub fn cdf(&self, steps: usize) -> Vec<(f64, f64)> {
        let n = self.total();
        if n == 0 {
            return Vec::new();
        }
        let steps = steps.max(1);
        let n = n as f64;
        let mut pts = Vec::new();
        let mut before = 0u64;
        for (i, &c) in self.buckets.iter().enumerate() {
            if c == 0 {
                if before > 0 && pts.last().is_some_and(|p: &(f64, f64)| p.1 < 1.0) {
                    // A gap: the CDF stays flat up to the next samples.
                    pts.push((bucket_bounds(i).1.max(1.0), before as f64 / n));
                }
                continue;
            }
            if i == 0 {
                before += c;
                pts.push((1.0, before as f64 / n));
                continue;
            }
            let (lo, hi) = bucket_bounds(i);
            if pts.is_empty() {
                pts.push((lo, 0.0));
            }
            for s in 1..=steps {
                let f = s as f64 / steps as f64;
                pts.push((lo + f * (hi - lo), (before as f64 + f * c as f64) / n));
            }
            before += c;
            if before as f64 >= n {
                break;
            }
        }
        pts
    }
}

impl Serialize for Hist {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Hist", 1 + PERCENTILES.len())?;
        st.serialize_field("buckets", &self.buckets)?;
        let p = self.percentiles();
        st.serialize_field("p50_ns", &p[0])?;
        st.serialize_field("p90_ns", &p[1])?;
        st.serialize_field("p99_ns", &p[2])?;
        st.serialize_field("p999_ns", &p[3])?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Hist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// What is read back: the buckets (the percentiles follow from them).
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            buckets: Vec<u64>,
        }
        let raw = Raw::deserialize(d)?;
        if raw.buckets.is_empty() {
            return Ok(Hist::default());
        }
        Hist::from_counts(&raw.buckets).ok_or_else(|| {
            D::Error::custom(format!(
                "a latency histogram has {} buckets, at most {BUCKETS} expected",
                raw.buckets.len()
            ))
        })
    }
}

/// A duration in ns, compact with its unit: `0ns`, `850ns`, `1.54µs`,
/// `12.3µs`, `4.1ms`, `2.50s`.
pub fn fmt_ns(ns: f64) -> String {
    if ns < 999.5 {
        format!("{ns:.0}ns")
    } else if ns < 9_995.0 {
        format!("{:.2}µs", ns / 1e3)
    } else if ns < 999_950.0 {
        format!("{:.1}µs", ns / 1e3)
    } else if ns < 999_950_000.0 {
        format!("{:.1}ms", ns / 1e6)
    } else {
        format!("{:.2}s", ns / 1e9)
    }
}

/// [`fmt_ns`] without trailing zeros, for axis labels: `1µs`, `10µs`,
/// `2.5ms`, `100ns`.
pub fn fmt_ns_short(ns: f64) -> String {
    let s = fmt_ns(ns);
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num = if num.contains('.') {
        num.trim_end_matches('0').trim_end_matches('.')
    } else {
        num
    };
    format!("{num}{unit}")
}

/// A percentile for a table: [`fmt_ns`], or `-` for none.
pub fn fmt_opt_ns(v: Option<u64>) -> String {
    v.map(|v| fmt_ns(v as f64)).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    fn hist(pairs: &[(usize, u64)]) -> Hist {
        let mut h = Hist {
            buckets: vec![0; BUCKETS],
        };
        for &(i, c) in pairs {
            h.buckets[i] = c;
        }
        h
    }

    #[test]
    fn buckets_follow_fls64() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 1);
        assert_eq!(bucket_of(1023), 10);
        assert_eq!(bucket_of(1024), 11);
        assert_eq!(bucket_of(1 << 38), 39);
        assert_eq!(bucket_of(u64::MAX), 39);
        assert_eq!(bucket_bounds(0), (0.0, 0.0));
        assert_eq!(bucket_bounds(1), (1.0, 2.0));
        assert_eq!(bucket_bounds(11), (1024.0, 2048.0));
        assert_eq!(bucket_bounds(39).0, (1u64 << 38) as f64);
        for v in [1u64, 5, 1000, 1 << 20, (1 << 20) + 7] {
            let (lo, hi) = bucket_bounds(bucket_of(v));
            assert!(lo <= v as f64 && (v as f64) < hi, "{v}");
        }
    }

    #[test]
    fn percentiles_interpolate_inside_the_bucket() {
        // 100 samples in [1024, 2048).
        let h = hist(&[(11, 100)]);
        assert_eq!(h.percentile(0.5), Some(1536.0));
        assert!(approx(h.percentile(0.9), 1945.6));
        assert!(approx(h.percentile(0.99), 2037.76));
        assert_eq!(
            h.percentiles(),
            [Some(1536), Some(1946), Some(2038), Some(2047)]
        );
        // 50 at 0 ns, 40 in [512, 1024), 9 in [4096, 8192), 1 in [2^20, 2^21).
        let h = hist(&[(0, 50), (10, 40), (13, 9), (21, 1)]);
        assert_eq!(h.total(), 100);
        // Rank 50 is the last sample of bucket 0.
        assert_eq!(h.percentile(0.5), Some(0.0));
        // Rank 90: the top of bucket 10.
        assert_eq!(h.percentile(0.9), Some(1024.0));
        // Rank 99: the top of bucket 13.
        assert_eq!(h.percentile(0.99), Some(8192.0));
        // Rank 99.9: 0.9 of the way through bucket 21.
        assert!(approx(h.percentile(0.999), 1048576.0 * 1.9));
        assert_eq!(h.percentile(1.0), Some(2097152.0));
        // Rank 30 of 60 in bucket 10 ([512, 1024)): a quarter in.
        let h = hist(&[(10, 40), (11, 20)]);
        assert_eq!(h.percentile(0.5), Some(512.0 + 0.75 * 512.0));
        // One sample: every percentile inside its bucket.
        let h = hist(&[(4, 1)]);
        assert_eq!(h.percentiles(), [Some(12), Some(15), Some(16), Some(16)]);
    }

    #[test]
    fn empty_histograms_have_no_percentiles() {
        assert_eq!(Hist::default().percentile(0.5), None);
        assert_eq!(hist(&[]).percentiles(), [None; 4]);
        assert!(hist(&[]).is_empty() && hist(&[]).is_present());
        assert!(!Hist::default().is_present());
        assert!(Hist::default().cdf(4).is_empty());
        assert_eq!(fmt_opt_ns(None), "-");
    }

    #[test]
    fn cdf_rises_to_one() {
        let h = hist(&[(0, 1), (3, 1), (5, 2)]);
        let c = h.cdf(2);
        // 0 ns at 1 ns; flat through buckets 1 and 2; bucket 3 [4, 8) in
        // two steps; flat through bucket 4 [8, 16); bucket 5 [16, 32) in
        // two steps.
        assert_eq!(
            c,
            vec![
                (1.0, 0.25),
                (2.0, 0.25),
                (4.0, 0.25),
                (6.0, 0.375),
                (8.0, 0.5),
                (16.0, 0.5),
                (24.0, 0.75),
                (32.0, 1.0)
            ]
        );
        let c = hist(&[(11, 4)]).cdf(4);
        assert_eq!(c.first(), Some(&(1024.0, 0.0)));
        assert_eq!(c.last(), Some(&(2048.0, 1.0)));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn add_since_and_counts() {
        let mut a = Hist::default();
        a.add(&hist(&[(2, 3)]));
        a.add(&hist(&[(2, 1), (7, 5)]));
        assert_eq!(a, hist(&[(2, 4), (7, 5)]));
        assert_eq!(a.since(&hist(&[(2, 1), (7, 9)])), hist(&[(2, 3)]));
        assert_eq!(Hist::from_counts(&[1, 2]).unwrap().buckets.len(), BUCKETS);
        assert!(Hist::from_counts(&[0; 41]).is_none());
        let abi = AlockHist {
            count: std::array::from_fn(|i| i as u64),
        };
        assert_eq!(Hist::from_abi(&abi).buckets[39], 39);
    }

    #[test]
    fn json_has_buckets_and_percentiles() {
        let h = hist(&[(11, 100)]);
        let j = serde_json::to_value(&h).unwrap();
        assert_eq!(j["buckets"].as_array().unwrap().len(), BUCKETS);
        assert_eq!(j["buckets"][11], 100);
        assert_eq!(j["p50_ns"], 1536);
        assert_eq!(j["p999_ns"], 2047);
        let back: Hist = serde_json::from_value(j).unwrap();
        assert_eq!(back, h);
        let j = serde_json::to_value(hist(&[])).unwrap();
        assert!(j["p99_ns"].is_null());
        let short: Hist = serde_json::from_str(r#"{"buckets": [0, 3]}"#).unwrap();
        assert_eq!(short.total(), 3);
        assert_eq!(short.buckets.len(), BUCKETS);
        assert!(serde_json::from_str::<Hist>(&format!("{{\"buckets\": {:?}}}", [1; 41])).is_err());
    }

    #[test]
    fn durations_are_compact() {
        assert_eq!(fmt_ns(0.0), "0ns");
        assert_eq!(fmt_ns(850.0), "850ns");
        assert_eq!(fmt_ns(1536.0), "1.54µs");
        assert_eq!(fmt_ns(12_345.0), "12.3µs");
        assert_eq!(fmt_ns(4_100_000.0), "4.1ms");
        assert_eq!(fmt_ns(2.5e9), "2.50s");
        assert_eq!(fmt_opt_ns(Some(2047)), "2.05µs");
        assert_eq!(fmt_ns_short(1000.0), "1µs");
        assert_eq!(fmt_ns_short(100_000.0), "100µs");
        assert_eq!(fmt_ns_short(2_500_000.0), "2.5ms");
        assert_eq!(fmt_ns_short(100.0), "100ns");
        assert_eq!(fmt_ns_short(1e9), "1s");
    }
}
