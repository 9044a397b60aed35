//! Findings from the data alone: non-finite values, constant features, features on very
//! different scales, and skewed class shares.

use super::report::{Diagnosis, Severity};
use crate::data::Targets;
use crate::data::moments::column_moments;
use nabla_autodiff::Tensor;

/// A feature's standard deviation (or mean's magnitude) at or above this is far from unit
/// scale.
const LARGE_SCALE: f64 = 10.0;
/// Largest over smallest standard deviation at or above which features are on very different
/// scales.
const SCALE_RATIO: f64 = 10.0;
/// A class below this fraction of the even share (`1 / k`) is a skewed minority.
const MINORITY_OF_EVEN_SHARE: f64 = 0.5;
/// A multi-hot label on fewer (or more) than this share of rows is skewed.
const RARE_LABEL: f64 = 0.05;

/// Minimum, maximum, mean and population standard deviation of one feature column, over its
/// finite values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnStats {
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
    /// Mean of the finite values.
    pub mean: f64,
    /// Population standard deviation of the finite values.
    pub std: f64,
}

impl ColumnStats {
    /// Whether every finite value is the same.
    pub fn is_constant(&self) -> bool {
        self.min == self.max
    }
}

/// Per-column statistics of a `[rows, features]` matrix, with the columns' names.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStats {
    /// One entry per column.
    pub columns: Vec<ColumnStats>,
    /// The column names (`"column i"` when none were given).
    pub names: Vec<String>,
    /// Where the first non-finite value is (row, column) and how many there are.
    pub non_finite: Option<((usize, usize), usize)>,
}

impl FeatureStats {
    /// Statistics of `x` (`[rows, features]`), naming columns by `names` when given.
    ///
    /// # Panics
    /// If `x` is not 2-D (the estimators check this before diagnosing).
    pub fn of(x: &Tensor<f64>, names: Option<&[String]>) -> Self {
        assert_eq!(
            x.ndim(),
            2,
            "FeatureStats::of: features must be [rows, features], got {:?}",
            x.shape()
        );
        let cols = x.shape()[1];
        let non_finite = x.data().iter().position(|v| !v.is_finite()).map(|i| {
            let count = x.data().iter().filter(|v| !v.is_finite()).count();
            ((i / cols, i % cols), count)
        });
        let columns: Vec<ColumnStats> = column_moments(x)
            .into_iter()
            .map(|m| ColumnStats {
                min: m.min,
                max: m.max,
                mean: m.mean,
                std: m.std,
            })
            .collect();
        let names = match names {
            Some(n) if n.len() == cols => n.to_vec(),
            _ => (0..cols).map(|c| format!("column {c}")).collect(),
        };
        FeatureStats {
            columns,
            names,
            non_finite,
        }
    }

    /// The widest and the narrowest non-constant columns by standard deviation, when the
    /// features are far from unit scale or on very different scales.
    fn off_scale(&self) -> Option<(usize, usize)> {
        let varying = || {
            self.columns
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_constant())
        };
        let by_std =
            |a: &(usize, &ColumnStats), b: &(usize, &ColumnStats)| a.1.std.total_cmp(&b.1.std);
        let widest = varying().max_by(by_std)?;
        let narrowest = varying().min_by(by_std)?;
        let largest_mean = varying().map(|(_, s)| s.mean.abs()).fold(0.0, f64::max);
        let ratio = widest.1.std / narrowest.1.std.max(f64::MIN_POSITIVE);
        (ratio >= SCALE_RATIO || widest.1.std >= LARGE_SCALE || largest_mean >= LARGE_SCALE)
            .then_some((widest.0, narrowest.0))
    }
}

/// Non-finite feature values (an error).
pub(crate) fn non_finite(stats: &FeatureStats) -> Option<Diagnosis> {
    let ((row, col), count) = stats.non_finite?;
    Some(
        Diagnosis::new(
            "non-finite-values",
            Severity::Error,
            format!(
                "{count} feature value(s) are NaN or infinite, the first at row {row}, column \
                 {col} ({}); one such value makes the loss and every weight NaN",
                stats.names[col]
            ),
            "remove those rows or impute the values (for example with the column's mean) \
             before training",
        )
        .with_evidence("non-finite values", count as f64)
        .with_evidence("first row", row as f64)
        .with_evidence("first column", col as f64),
    )
}

/// Constant feature columns (a hint).
pub(crate) fn constant_features(stats: &FeatureStats) -> Option<Diagnosis> {
    let constant: Vec<usize> = (0..stats.columns.len())
        .filter(|&c| stats.columns[c].is_constant())
        .collect();
    if constant.is_empty() {
        return None;
    }
    let shown: Vec<String> = constant
        .iter()
        .take(8)
        .map(|&c| format!("{} (always {})", stats.names[c], stats.columns[c].min))
        .collect();
    let more = if constant.len() > 8 { ", ..." } else { "" };
    Some(
        Diagnosis::new(
            "constant-features",
            Severity::Hint,
            format!(
                "{} of {} features never change: {}{more}; they carry no information",
                constant.len(),
                stats.columns.len(),
                shown.join(", ")
            ),
            "drop the constant columns (they are harmless to training but cost inputs)",
        )
        .with_evidence("constant features", constant.len() as f64),
    )
}

/// Features far from unit scale or on very different scales (a hint; also a cause of
/// collapse).
pub(crate) fn feature_scales(stats: &FeatureStats) -> Option<Diagnosis> {
    let (w, n) = stats.off_scale()?;
    let (ws, ns) = (stats.columns[w], stats.columns[n]);
    let largest = stats
        .columns
        .iter()
        .map(|s| s.min.abs().max(s.max.abs()))
        .fold(0.0, f64::max);
    Some(
        Diagnosis::new(
            "feature-scales",
            Severity::Hint,
            format!(
                "features are on very different scales: {} ranges {} to {} (standard deviation \
                 {}) while {} ranges {} to {} (standard deviation {}); unscaled inputs make \
                 first-layer pre-activations and gradients huge, so one learning rate cannot \
                 suit every weight",
                stats.names[w],
                num(ws.min),
                num(ws.max),
                num(ws.std),
                stats.names[n],
                num(ns.min),
                num(ns.max),
                num(ns.std)
            ),
            "standardise the features: leave NetworkConfig::standardize on (the default), or \
             fit data::Standardizer on the training split and transform every split with it \
             (mean 0, standard deviation 1 per column)",
        )
        .with_evidence("largest standard deviation", ws.std)
        .with_evidence("smallest standard deviation", ns.std)
        .with_evidence("largest absolute value", largest),
    )
}

/// Class (or label) shares of class targets, with the class names; `None` for continuous
/// targets and for labels out of range.
pub(crate) fn class_shares(targets: &Targets) -> Option<Vec<(String, f64)>> {
    if let Targets::Labels {
        indices,
        class_names,
    } = targets
        && indices.iter().any(|&i| i >= class_names.len())
    {
        return None;
    }
    let counts = targets.class_counts()?;
    let names = targets.class_names()?;
    let rows = targets.n_rows().max(1) as f64;
    Some(
        names
            .iter()
            .zip(counts)
            .map(|(n, c)| (n.clone(), c as f64 / rows))
            .collect(),
    )
}

/// Skewed class shares (a hint; also a cause of collapse). `multi_label` reads the shares as
/// per-label frequencies.
/// Up to twice this many classes are listed by name with their shares; above that, this many
/// of the smallest and of the largest.
const LISTED_SHARES: usize = 5;

pub(crate) fn class_imbalance(shares: &[(String, f64)], multi_label: bool) -> Option<Diagnosis> {
    if shares.len() < 2 {
        return None;
    }
    let skewed = if multi_label {
        shares
            .iter()
            .any(|&(_, s)| !(RARE_LABEL..=1.0 - RARE_LABEL).contains(&s))
    } else {
        let even = 1.0 / shares.len() as f64;
        shares
            .iter()
            .any(|&(_, s)| s < MINORITY_OF_EVEN_SHARE * even)
    };
    if !skewed {
        return None;
    }
    let show = |list: &[&(String, f64)]| {
        list.iter()
            .map(|(n, s)| format!("{n} {s:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let listed = if shares.len() <= 2 * LISTED_SHARES {
        show(&shares.iter().collect::<Vec<_>>())
    } else {
        let mut sorted: Vec<&(String, f64)> = shares.iter().collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
        format!(
            "the {LISTED_SHARES} smallest of {} are {}, the {LISTED_SHARES} largest {}",
            shares.len(),
            show(&sorted[..LISTED_SHARES]),
            show(&sorted[sorted.len() - LISTED_SHARES..])
        )
    };
    let what = if multi_label {
        "label frequencies"
    } else {
        "class shares"
    };
    let mut d = Diagnosis::new(
        "class-imbalance",
        Severity::Hint,
        format!(
            "{what} are skewed: {listed}; a model can score well by rarely predicting the rare {}",
            if multi_label { "labels" } else { "classes" }
        ),
        "weight the loss by class (ClassifierConfig::class_weights = ClassWeights::Balanced) \
         or resample the training rows (data::upsample), and judge the model by per-class \
         recall and F1 rather than accuracy",
    );
    for (n, s) in shares {
        d = d.with_evidence(format!("share of {n}"), *s);
    }
    Some(d)
}

/// A number printed with about four significant digits, without trailing zeros (in
/// scientific notation below 0.001 and from a million).
pub(crate) fn num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() < 1e-3 || v.abs() >= 1e6 {
        return format!("{v:.3e}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_skip_non_finite_values_and_report_the_first() {
        let x = Tensor::from_vec(vec![1.0, f64::NAN, 3.0, 5.0, 5.0, f64::INFINITY], &[3, 2]);
        let s = FeatureStats::of(&x, None);
        assert_eq!(s.non_finite, Some(((0, 1), 2)));
        assert_eq!(
            (s.columns[0].min, s.columns[0].max, s.columns[0].mean),
            (1.0, 5.0, 3.0)
        );
        // column 0: 1, 3, 5 -> squared deviations 4 + 0 + 4 over 3 rows
        assert!((s.columns[0].std - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!(s.columns[1].is_constant(), "only the finite 5 remains");
        let d = non_finite(&s).unwrap();
        assert!(d.finding.contains("2 feature value(s)") && d.finding.contains("row 0, column 1"));
    }

    #[test]
    fn scale_hint_needs_a_ratio_of_ten_or_a_large_scale() {
        // standard deviations 1 and 0.2: ratio 5, no hint
        let near = Tensor::from_vec(vec![-1.0, -0.2, 1.0, 0.2], &[2, 2]);
        assert!(feature_scales(&FeatureStats::of(&near, None)).is_none());
        // standard deviations 1 and 0.1: ratio 10, a hint naming both columns
        let far = Tensor::from_vec(vec![-1.0, -0.1, 1.0, 0.1], &[2, 2]);
        let d = feature_scales(&FeatureStats::of(&far, None)).unwrap();
        assert_eq!(d.evidence("largest standard deviation"), Some(1.0));
        assert!(
            d.finding.contains("column 0 ranges -1 to 1"),
            "{}",
            d.finding
        );
        // one column far from zero (mean 50) is off scale too
        let shifted = Tensor::from_vec(vec![49.0, 51.0], &[2, 1]);
        assert!(feature_scales(&FeatureStats::of(&shifted, None)).is_some());
    }

    #[test]
    fn imbalance_below_half_the_even_share() {
        let shares = |a: f64| vec![("a".to_string(), a), ("b".to_string(), 1.0 - a)];
        assert!(class_imbalance(&shares(0.26), false).is_none());
        let d = class_imbalance(&shares(0.05), false).unwrap();
        assert_eq!(d.evidence("share of a"), Some(0.05));
        assert!(class_imbalance(&shares(0.06), true).is_none());
        assert!(class_imbalance(&shares(0.04), true).is_some());
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(num(4254.0), "4254");
        assert_eq!(num(0.0011), "0.0011");
        assert_eq!(num(-1.0), "-1");
        assert_eq!(num(9.845e-8), "9.845e-8");
        assert_eq!(num(1356583.0), "1.357e6");
        assert_eq!(num(569.357), "569.4");
    }

    #[test]
    fn many_classes_list_only_the_smallest_and_largest_shares() {
        // 12 classes: k0 holds 0.67, k1..k11 0.03 each (below half the even share, 1/24).
        let shares: Vec<(String, f64)> = (0..12)
            .map(|c| (format!("k{c}"), if c == 0 { 0.67 } else { 0.03 }))
            .collect();
        let d = class_imbalance(&shares, false).unwrap();
        assert_eq!(
            d.finding,
            "class shares are skewed: the 5 smallest of 12 are k1 0.030, k2 0.030, k3 0.030, \
             k4 0.030, k5 0.030, the 5 largest k8 0.030, k9 0.030, k10 0.030, k11 0.030, k0 \
             0.670; a model can score well by rarely predicting the rare classes"
        );
        assert_eq!(d.evidence("share of k11"), Some(0.03));
    }
}
