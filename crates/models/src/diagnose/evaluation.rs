//! After training, from how the model scored on the rows it was judged on: a metric that is
//! not finite, an R² below zero, classes never seen in training, and accuracy at or below
//! always predicting the most common class.

use super::data::num;
use super::report::{Diagnosis, Severity};
use super::training::ClassOutcome;
use crate::estimator::OptimizerKind;
use crate::metrics::ConfusionMatrix;

/// How many classes a message names before it summarises the rest.
const NAMED_CLASSES: usize = 5;

/// Metrics measured on a set of rows, for [`diagnose_training`](super::diagnose_training).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Which rows these are, for the messages: `"test"`, `"held-out"`, `"training"`.
    pub set: String,
    /// Each metric by name, as printed: `"R²"`, `"RMSE"`, `"accuracy"`, `"log loss"`.
    pub values: Vec<(String, f64)>,
}

impl Scores {
    /// A metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(k, _)| k == name).map(|&(_, v)| v)
    }
}

/// `non-finite-metric`: a metric that is NaN or infinite says nothing about the model.
pub(crate) fn non_finite_metrics(scores: &Scores) -> Option<Diagnosis> {
    let bad: Vec<&(String, f64)> = scores
        .values
        .iter()
        .filter(|(_, v)| !v.is_finite())
        .collect();
    if bad.is_empty() {
        return None;
    }
    let listed: Vec<String> = bad.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let mut d = Diagnosis::new(
        "non-finite-metric",
        Severity::Error,
        format!(
            "the {} {} not finite ({}): the predictions, or the sums behind the metric, \
             overflowed, so these numbers say nothing about the model",
            scores.set,
            if bad.len() == 1 {
                "metric is"
            } else {
                "metrics are"
            },
            listed.join(", ")
        ),
        "look for huge values in the target and the features (a value near 1e308 overflows \
         when squared) and rescale or drop them; keep the target standardised \
         (RegressorConfig::standardize_target) and the features too (NetworkConfig::standardize); \
         if the training loss became non-finite, lower the learning rate",
    );
    for (k, v) in bad {
        d = d.with_evidence(k.clone(), *v);
    }
    Some(d)
}

/// `r2-below-zero`: the regressor predicts worse than the mean of the rows it is judged on.
pub(crate) fn r2_below_zero(
    scores: &Scores,
    optimizer: Option<OptimizerKind>,
) -> Option<Diagnosis> {
    let r2 = scores.get("R²").filter(|r| r.is_finite() && *r < 0.0)?;
    let rmse = scores.get("RMSE").filter(|v| v.is_finite());
    let lr = optimizer.map(|o| o.learning_rate());
    let mut d = Diagnosis::new(
        "r2-below-zero",
        Severity::Error,
        format!(
            "{} R² is {}: the predictions are further from the truth than the rows' own mean \
             is (always predicting the mean scores R² 0){}",
            scores.set,
            num(r2),
            rmse.map(|v| format!("; RMSE {} in the target's units", num(v)))
                .unwrap_or_default()
        ),
        format!(
            "standardise the features and the target (NetworkConfig::standardize and \
             RegressorConfig::standardize_target, both on by default); train for more epochs \
             (FitOptions::epochs); lower the learning rate{}; and check the target: that it is \
             the column meant, and free of outliers and codes such as -999",
            lr.map(|lr| format!(" (to {})", num(lr / 10.0)))
                .unwrap_or_default()
        ),
    )
    .with_evidence("R²", r2);
    if let Some(v) = rmse {
        d = d.with_evidence("RMSE", v);
    }
    Some(d)
}

/// `unseen-classes`: rows judged of classes the training rows never showed the model.
pub(crate) fn unseen_classes(
    outcome: &ClassOutcome,
    confusion: &ConfusionMatrix,
    class_shares: &[(String, f64)],
) -> Option<Diagnosis> {
    if class_shares.len() != confusion.n_classes() {
        return None;
    }
    let unseen: Vec<usize> = (0..confusion.n_classes())
        .filter(|&c| class_shares[c].1 == 0.0 && confusion.support(c) > 0)
        .collect();
    if unseen.is_empty() {
        return None;
    }
    let rows: usize = unseen.iter().map(|&c| confusion.support(c)).sum();
    let total = confusion.total();
    let named: Vec<&str> = unseen
        .iter()
        .take(NAMED_CLASSES)
        .map(|&c| outcome.class_names[c].as_str())
        .collect();
    let more = unseen.len().saturating_sub(NAMED_CLASSES);
    Some(
        Diagnosis::new(
            "unseen-classes",
            Severity::Warning,
            format!(
                "{rows} of the {total} {} rows belong to {} {} with no training row ({}{}): the \
                 model was never shown {} and cannot learn to predict {}",
                outcome.set,
                unseen.len(),
                if unseen.len() == 1 {
                    "class"
                } else {
                    "classes"
                },
                named.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                if unseen.len() == 1 { "it" } else { "them" },
                if unseen.len() == 1 { "it" } else { "them" },
            ),
            "give every class rows in the training split (split with data::stratified_split, \
             and collect more rows of the rare classes: a class needs several rows to be \
             learned), or merge or drop the classes that are too rare",
        )
        .with_evidence("rows of unseen classes", rows as f64)
        .with_evidence("unseen classes", unseen.len() as f64),
    )
}

/// `below-majority-baseline`: accuracy no better than always predicting the most common class.
pub(crate) fn below_majority(
    outcome: &ClassOutcome,
    confusion: &ConfusionMatrix,
) -> Option<Diagnosis> {
    let k = confusion.n_classes();
    let rows = confusion.total();
    // The first of the most common classes.
    let majority = (0..k).max_by_key(|&c| (confusion.support(c), std::cmp::Reverse(c)))?;
    let share = confusion.support(majority) as f64 / rows.max(1) as f64;
    let accuracy = confusion.accuracy();
    if rows == 0 || accuracy > share {
        return None;
    }
    let present = (0..k).filter(|&c| confusion.support(c) > 0).count();
    let right = (0..k).map(|c| confusion.count(c, c)).sum::<usize>();
    let d = Diagnosis::new(
        "below-majority-baseline",
        Severity::Error,
        format!(
            "{} accuracy {accuracy:.3} ({right} of {rows} rows right) is at or below {share:.3}, \
             what always predicting the most common class, {}, scores: the model has learned \
             nothing a constant guess does not know; per class: {}",
            outcome.set,
            outcome.class_names[majority],
            class_scores(outcome, confusion)
        ),
        if present * 2 > rows {
            format!(
                "the {rows} rows hold {present} classes, most with a single row: a classifier \
                 needs several training rows of each class it should predict, so collect more \
                 rows per class, or merge the rare classes (or predict a coarser target)"
            )
        } else {
            "see the other diagnoses for the cause; the usual ones: unscaled features \
             (NetworkConfig::standardize), too high a learning rate, too few epochs \
             (FitOptions::epochs), or imbalanced classes (ClassifierConfig::class_weights = \
             ClassWeights::Balanced); judge the model by per-class recall and F1 meanwhile"
                .to_string()
        },
    )
    .with_evidence("accuracy", accuracy)
    .with_evidence("majority share", share);
    Some(with_class_evidence(d, outcome, confusion))
}

/// `d` with the recall and F1 of each class present among the judged rows as evidence.
pub(crate) fn with_class_evidence(
    mut d: Diagnosis,
    outcome: &ClassOutcome,
    confusion: &ConfusionMatrix,
) -> Diagnosis {
    for c in (0..confusion.n_classes()).filter(|&c| confusion.support(c) > 0) {
        let name = &outcome.class_names[c];
        d = d
            .with_evidence(format!("recall of {name}"), confusion.recall(c))
            .with_evidence(format!("F1 of {name}"), confusion.f1(c));
    }
    d
}

/// "class a recall 1.000 F1 0.973, ..." for the classes present, the worst recalls first
/// after the majority when there are many, and a count of the rest.
pub(crate) fn class_scores(outcome: &ClassOutcome, confusion: &ConfusionMatrix) -> String {
    let mut present: Vec<usize> = (0..confusion.n_classes())
        .filter(|&c| confusion.support(c) > 0)
        .collect();
    if present.len() > NAMED_CLASSES {
        present.sort_by(|&a, &b| confusion.recall(a).total_cmp(&confusion.recall(b)));
    }
    let mut parts: Vec<String> = present
        .iter()
        .take(NAMED_CLASSES)
        .map(|&c| {
            format!(
                "class {} recall {:.3} F1 {:.3}",
                outcome.class_names[c],
                confusion.recall(c),
                confusion.f1(c)
            )
        })
        .collect();
    if present.len() > NAMED_CLASSES {
        parts.push(format!(
            "{} more classes (lowest recalls shown)",
            present.len() - NAMED_CLASSES
        ));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[(&str, f64)]) -> Scores {
        Scores {
            set: "test".into(),
            values: values.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
        }
    }

    fn outcome(truth: Vec<usize>, predicted: Vec<usize>, k: usize) -> ClassOutcome {
        ClassOutcome {
            truth,
            predicted,
            class_names: (0..k).map(|c| format!("c{c}")).collect(),
            set: "test".into(),
        }
    }

    #[test]
    fn non_finite_metrics_are_named_with_their_values() {
        let d = non_finite_metrics(&scores(&[("R²", f64::NAN), ("RMSE", f64::INFINITY)]));
        let d = d.unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert!(
            d.finding
                .starts_with("the test metrics are not finite (R² NaN, RMSE inf)"),
            "{d}"
        );
        assert_eq!(d.evidence("RMSE"), Some(f64::INFINITY));
        assert!(d.evidence("R²").unwrap().is_nan());
        let log_loss = non_finite_metrics(&scores(&[("accuracy", 0.5), ("log loss", f64::NAN)]));
        assert!(
            log_loss
                .unwrap()
                .finding
                .contains("metric is not finite (log loss NaN)")
        );
        assert!(non_finite_metrics(&scores(&[("R²", -3.0), ("RMSE", 1e300)])).is_none());
    }

    #[test]
    fn r2_below_zero_gives_the_numbers_and_a_tenth_of_the_learning_rate() {
        let s = scores(&[("R²", -0.5234), ("RMSE", 81.25)]);
        let d = r2_below_zero(&s, Some(OptimizerKind::adam(0.01))).unwrap();
        assert_eq!(
            d.finding,
            "test R² is -0.5234: the predictions are further from the truth than the rows' own \
             mean is (always predicting the mean scores R² 0); RMSE 81.25 in the target's units"
        );
        assert!(
            d.fix.contains("lower the learning rate (to 0.001)"),
            "{}",
            d.fix
        );
        assert!(d.fix.contains("FitOptions::epochs") && d.fix.contains("-999"));
        assert_eq!(
            (d.evidence("R²"), d.evidence("RMSE")),
            (Some(-0.5234), Some(81.25))
        );
        assert!(r2_below_zero(&scores(&[("R²", 0.0)]), None).is_none());
        assert!(r2_below_zero(&scores(&[("R²", f64::NAN)]), None).is_none());
    }

    #[test]
    fn unseen_classes_count_their_rows() {
        // Classes c2 and c3 have no training rows; the test has 1 row of c2 and 2 of c3.
        let o = outcome(vec![0, 1, 2, 3, 3], vec![0, 1, 0, 1, 1], 4);
        let cm = ConfusionMatrix::new(&o.truth, &o.predicted, 4).unwrap();
        let shares: Vec<(String, f64)> = [0.5, 0.5, 0.0, 0.0]
            .iter()
            .enumerate()
            .map(|(c, &s)| (format!("c{c}"), s))
            .collect();
        let d = unseen_classes(&o, &cm, &shares).unwrap();
        assert_eq!(
            d.finding,
            "3 of the 5 test rows belong to 2 classes with no training row (c2, c3): the model \
             was never shown them and cannot learn to predict them"
        );
        assert_eq!(d.evidence("rows of unseen classes"), Some(3.0));
        let seen = [0.25; 4]
            .iter()
            .map(|&s| ("c".to_string(), s))
            .collect::<Vec<_>>();
        assert!(unseen_classes(&o, &cm, &seen).is_none());
    }

    #[test]
    fn accuracy_at_the_majority_share_is_below_the_baseline_and_above_it_is_not() {
        // 8 rows of c0, 2 of c1. Always c0: accuracy 0.8 = the share.
        let truth: Vec<usize> = (0..10).map(|i| usize::from(i >= 8)).collect();
        let at = outcome(truth.clone(), vec![0; 10], 2);
        let cm = ConfusionMatrix::new(&at.truth, &at.predicted, 2).unwrap();
        let d = below_majority(&at, &cm).unwrap();
        assert_eq!(
            (d.evidence("accuracy"), d.evidence("majority share")),
            (Some(0.8), Some(0.8))
        );
        assert!(
            d.finding.starts_with(
                "test accuracy 0.800 (8 of 10 rows right) is at or below 0.800, what always \
                 predicting the most common class, c0, scores"
            ),
            "{d}"
        );
        assert!(d.fix.contains("ClassWeights::Balanced"), "{}", d.fix);
        let mut better = vec![0; 10];
        better[9] = 1;
        let above = outcome(truth, better, 2);
        let cm = ConfusionMatrix::new(&above.truth, &above.predicted, 2).unwrap();
        assert!(below_majority(&above, &cm).is_none());
    }

    #[test]
    fn a_thousand_classes_of_one_row_each_at_accuracy_zero() {
        let truth: Vec<usize> = (0..200).collect();
        let predicted: Vec<usize> = (0..200).map(|i| (i + 1) % 200).collect();
        let o = outcome(truth, predicted, 1000);
        let cm = ConfusionMatrix::new(&o.truth, &o.predicted, 1000).unwrap();
        let d = below_majority(&o, &cm).unwrap();
        assert_eq!(d.evidence("accuracy"), Some(0.0));
        assert_eq!(d.evidence("majority share"), Some(0.005));
        assert!(d.finding.contains("(0 of 200 rows right)"), "{d}");
        assert!(
            d.finding
                .contains("195 more classes (lowest recalls shown)"),
            "{d}"
        );
        assert!(
            d.fix
                .starts_with("the 200 rows hold 200 classes, most with a single row")
        );
        assert!(d.finding.len() < 600, "{} characters", d.finding.len());
    }
}
