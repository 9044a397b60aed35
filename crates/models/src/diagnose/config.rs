//! Before training: the head (output units, activation, loss) against the targets, the
//! targets against their encoding's rules, and hints from the data.

use super::data::{self, FeatureStats};
use super::encoding::{TargetEncoding, infer_encoding, recommend_head};
use super::report::{Diagnosis, Report, Severity};
use crate::data::{Dataset, Targets};
use crate::head::{Head, Loss};
use nabla_autodiff::Tensor;
use nabla_ops::Activation;

/// Checks a head against the targets and features it is about to be trained on: every error,
/// warning and hint of the [module documentation](super), in that order.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::data::Targets;
/// use nabla_models::diagnose::{Severity, check_configuration};
/// use nabla_models::head::Head;
/// let x = Tensor::from_vec(vec![0.5, -1.0, 1.5, 0.0], &[4, 1]);
/// let y = Targets::labels(vec![0, 1, 1, 0], &["no", "yes"])?;
/// let report = check_configuration(&Head::regression(1), &y, &x);
/// let d = report.get("regression-instead-of-classification").unwrap();
/// assert_eq!(d.severity, Severity::Warning);
/// assert!(d.fix.contains("1 sigmoid unit + binary cross-entropy"));
/// assert!(check_configuration(&Head::binary(), &y, &x).is_empty());
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
pub fn check_configuration(head: &Head, targets: &Targets, features: &Tensor<f64>) -> Report {
    check(head, targets, &FeatureStats::of(features, None))
}

/// [`check_configuration`] on a data set's features and targets, naming features by their
/// column names.
pub fn check_dataset(head: &Head, data: &Dataset) -> Report {
    let stats = FeatureStats::of(data.features(), Some(data.feature_names()));
    check(head, data.targets(), &stats)
}

pub(crate) fn check(head: &Head, targets: &Targets, stats: &FeatureStats) -> Report {
    let encoding = infer_encoding(targets);
    let mut report = Report::default();
    report.diagnoses.extend(target_errors(targets));
    report
        .diagnoses
        .extend(head_errors(head, targets, encoding));
    report
        .diagnoses
        .extend(head_warnings(head, targets, encoding));
    report.diagnoses.extend(data::non_finite(stats));
    report.diagnoses.extend(non_finite_targets(targets));
    report.diagnoses.extend(data::constant_features(stats));
    report.diagnoses.extend(data::feature_scales(stats));
    if !matches!(targets, Targets::Continuous(_))
        && let Some(shares) = data::class_shares(targets)
    {
        let multi = matches!(encoding, TargetEncoding::MultiHot { .. });
        report
            .diagnoses
            .extend(data::class_imbalance(&shares, multi));
    }
    report
}

/// Labels out of range and one-hot rows that do not hold a single 1.
fn target_errors(targets: &Targets) -> Option<Diagnosis> {
    match targets {
        Targets::Labels {
            indices,
            class_names,
        } => {
            let k = class_names.len();
            let bad: Vec<usize> = (0..indices.len()).filter(|&r| indices[r] >= k).collect();
            let &first = bad.first()?;
            let largest = bad.iter().map(|&r| indices[r]).max().unwrap_or(0);
            Some(
                Diagnosis::new(
                    "label-out-of-range",
                    Severity::Error,
                    format!(
                        "{} of {} rows have a label outside 0..{k} (the {k} class names): row \
                         {first} has label {}, the largest is {largest}",
                        bad.len(),
                        indices.len(),
                        indices[first]
                    ),
                    format!(
                        "labels index into the class names: give one name per class (at least \
                         {}) or re-encode the labels as 0..{}",
                        largest + 1,
                        k.saturating_sub(1)
                    ),
                )
                .with_evidence("rows out of range", bad.len() as f64)
                .with_evidence("largest label", largest as f64)
                .with_evidence("classes", k as f64),
            )
        }
        Targets::OneHot {
            values,
            class_names,
        } => {
            let k = class_names.len().max(1);
            let sums: Vec<f64> = values
                .data()
                .chunks_exact(k)
                .map(|r| r.iter().sum())
                .collect();
            let bad: Vec<usize> = (0..sums.len()).filter(|&r| sums[r] != 1.0).collect();
            let &first = bad.first()?;
            Some(
                Diagnosis::new(
                    "one-hot-row-sum",
                    Severity::Error,
                    format!(
                        "{} of {} one-hot rows do not sum to 1: row {first} sums to {}; \
                         categorical cross-entropy reads each row as one class's probability 1",
                        bad.len(),
                        sums.len(),
                        data::num(sums[first])
                    ),
                    "rows with several 1s mean several labels per row: load them as \
                     Targets::multi_hot (sigmoid units + binary cross-entropy); rows without a \
                     1 have no class: drop them or give them a class",
                )
                .with_evidence("rows not summing to 1", bad.len() as f64)
                .with_evidence("first bad row", first as f64)
                .with_evidence("its sum", sums[first]),
            )
        }
        _ => None,
    }
}

fn non_finite_targets(targets: &Targets) -> Option<Diagnosis> {
    let Targets::Continuous(v) = targets else {
        return None;
    };
    let count = v.data().iter().filter(|x| !x.is_finite()).count();
    let first = v.data().iter().position(|x| !x.is_finite())?;
    let cols = v.shape().get(1).copied().unwrap_or(1).max(1);
    Some(
        Diagnosis::new(
            "non-finite-values",
            Severity::Error,
            format!(
                "{count} target value(s) are NaN or infinite, the first at row {}, column {}",
                first / cols,
                first % cols
            ),
            "drop the rows whose target is missing before training",
        )
        .with_evidence("non-finite values", count as f64),
    )
}

/// The output units the targets call for under this loss.
fn expected_units(encoding: TargetEncoding, loss: Loss) -> Vec<usize> {
    let categorical = matches!(
        loss,
        Loss::CategoricalCrossEntropy { .. } | Loss::SparseCategoricalCrossEntropy { .. }
    );
    match encoding {
        TargetEncoding::Continuous { columns } => vec![columns],
        TargetEncoding::Binary if categorical => vec![2],
        TargetEncoding::Binary => vec![1, 2],
        TargetEncoding::OneHot { classes } | TargetEncoding::IntegerLabels { classes } => {
            if classes == 2 && !categorical {
                vec![1, 2]
            } else if loss.is_cross_entropy() {
                vec![classes]
            } else {
                vec![1, classes]
            }
        }
        TargetEncoding::MultiHot { labels } => vec![labels],
    }
}

/// "the 3 classes (setosa, versicolor, virginica)" or "the binary 0/1 target".
fn describe_targets(targets: &Targets, encoding: TargetEncoding) -> String {
    let names = match targets.class_names() {
        Some(n) if n.len() <= 10 => format!(" ({})", n.join(", ")),
        _ => String::new(),
    };
    match encoding {
        TargetEncoding::Continuous { columns } => format!("{columns} continuous target column(s)"),
        TargetEncoding::Binary if matches!(targets, Targets::Continuous(_)) => {
            "a target column holding only 0 and 1".to_string()
        }
        TargetEncoding::Binary => format!("2 classes{names}"),
        TargetEncoding::OneHot { classes } => format!("{classes} one-hot classes{names}"),
        TargetEncoding::IntegerLabels { classes } => format!("{classes} classes{names}"),
        TargetEncoding::MultiHot { labels } => format!("{labels} multi-hot labels{names}"),
    }
}

fn use_head(recommended: Head) -> String {
    format!(
        "use {recommended} (a Classifier picks it when config.head is None; nabla fuses the \
         output activation with the loss, so keep from_logits false)"
    )
}

fn head_errors(head: &Head, targets: &Targets, encoding: TargetEncoding) -> Vec<Diagnosis> {
    use Activation::{Sigmoid, Softmax};
    let recommended = recommend_head(encoding);
    let mut out = Vec::new();
    let probability_loss = head.loss.is_cross_entropy() && !head.loss.from_logits();
    if head.activation == Softmax && head.units == 1 {
        out.push(Diagnosis::new(
            "softmax-single-unit",
            Severity::Error,
            format!(
                "the head is {head}: a softmax over one unit always outputs 1, so the loss \
                 and its gradient carry nothing and every row gets the same prediction"
            ),
            use_head(recommended),
        ));
    } else if matches!(head.activation, Sigmoid | Softmax) && head.loss.from_logits() {
        out.push(Diagnosis::new(
            "activation-applied-twice",
            Severity::Error,
            format!(
                "the head is {head}: the loss applies {} to its input itself, so the output's \
                 {} is applied twice and the probabilities are squeezed towards the middle",
                head.activation, head.activation
            ),
            format!(
                "keep the {} output and set from_logits: false (nabla fuses them into one \
                 exact with-logits node), or use a linear output with the with-logits loss; \
                 for these targets: {}",
                head.activation,
                use_head(recommended)
            ),
        ));
    } else if probability_loss && !reads_probabilities(head.activation, head.loss) {
        let needs = if matches!(head.loss, Loss::BinaryCrossEntropy { .. }) {
            "a probability per unit (sigmoid)"
        } else {
            "a probability distribution over the classes (softmax)"
        };
        let act = match head.activation {
            Activation::Identity => "linear".to_string(),
            a => a.to_string(),
        };
        out.push(Diagnosis::new(
            "output-not-probabilities",
            Severity::Error,
            format!(
                "the head is {head}: {} expects {needs}, but a {act} output is not one; the \
                 logarithm is then taken of values outside (0, 1)",
                head.loss
            ),
            use_head(recommended),
        ));
    }
    let expected = expected_units(encoding, head.loss);
    if !expected.contains(&head.units) {
        let wanted: Vec<String> = expected.iter().map(usize::to_string).collect();
        out.push(
            Diagnosis::new(
                "units-mismatch",
                Severity::Error,
                format!(
                    "the head has {} output unit(s) but the targets are {}, which call for {} \
                     unit(s) under {}",
                    head.units,
                    describe_targets(targets, encoding),
                    wanted.join(" or "),
                    head.loss
                ),
                use_head(recommended),
            )
            .with_evidence("output units", head.units as f64)
            .with_evidence("expected units", expected[expected.len() - 1] as f64),
        );
    }
    out
}

/// Whether a probability-input loss gets what it reads from this activation (softmax with
/// binary cross-entropy is left to the warnings).
fn reads_probabilities(activation: Activation, loss: Loss) -> bool {
    match loss {
        Loss::BinaryCrossEntropy { .. } => {
            matches!(activation, Activation::Sigmoid | Activation::Softmax)
        }
        _ => activation == Activation::Softmax,
    }
}

fn head_warnings(head: &Head, targets: &Targets, encoding: TargetEncoding) -> Vec<Diagnosis> {
    let recommended = recommend_head(encoding);
    let mut out = Vec::new();
    let continuous = matches!(targets, Targets::Continuous(_));
    if encoding.is_classes() && !head.loss.is_cross_entropy() {
        if continuous && let TargetEncoding::IntegerLabels { .. } = encoding {
            let distinct = distinct_values(targets);
            out.push(
                Diagnosis::new(
                    "few-distinct-integer-targets",
                    Severity::Warning,
                    format!(
                        "the continuous target holds only {} distinct non-negative integers \
                         ({}); if these are classes, a regression treats them as ordered and \
                         equally spaced and predicts values between them",
                        distinct.len(),
                        distinct
                            .iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!(
                        "if the values are classes, load the column as labels \
                         (CsvOptions::labels) and use a Classifier ({recommended}); if they \
                         are counts or ratings, keep the Regressor"
                    ),
                )
                .with_evidence("distinct values", distinct.len() as f64),
            );
        } else {
            let act = match head.activation {
                Activation::Identity => "linear".to_string(),
                a => a.to_string(),
            };
            let mut fix = use_head(recommended);
            if continuous {
                fix = format!(
                    "load the target as labels (CsvOptions::labels) and use a Classifier: {fix}"
                );
            }
            out.push(Diagnosis::new(
                "regression-instead-of-classification",
                Severity::Warning,
                format!(
                    "the targets are {} but the head is {head}: a {act} output with a \
                     regression loss does regression on class codes; its outputs are not \
                     probabilities and the loss barely penalises confident mistakes",
                    describe_targets(targets, encoding)
                ),
                fix,
            ));
        }
    }
    let exclusive_multi_class = !continuous
        && matches!(
            encoding,
            TargetEncoding::OneHot { classes } | TargetEncoding::IntegerLabels { classes }
                if classes >= 3
        );
    if head.activation == Activation::Softmax
        && matches!(head.loss, Loss::BinaryCrossEntropy { .. })
        && exclusive_multi_class
    {
        out.push(Diagnosis::new(
            "softmax-with-binary-cross-entropy",
            Severity::Warning,
            format!(
                "the head is {head} on {}: binary cross-entropy scores each of the {} columns \
                 as a separate yes/no question, so per-element accuracy looks inflated (a \
                 model that answers no everywhere is already {:.0}% right)",
                describe_targets(targets, encoding),
                head.units,
                100.0 * (1.0 - 1.0 / head.units.max(1) as f64)
            ),
            use_head(recommended),
        ));
    }
    if let TargetEncoding::MultiHot { .. } = encoding
        && (head.activation == Activation::Softmax
            || matches!(
                head.loss,
                Loss::CategoricalCrossEntropy { .. } | Loss::SparseCategoricalCrossEntropy { .. }
            ))
    {
        out.push(Diagnosis::new(
            "softmax-on-multi-hot",
            Severity::Warning,
            format!(
                "the targets are {} (rows may carry several labels) but the head is {head}: a \
                 softmax makes the labels compete for one unit of probability, so two true \
                 labels can each get at most 0.5",
                describe_targets(targets, encoding)
            ),
            use_head(recommended),
        ));
    }
    out
}

fn distinct_values(targets: &Targets) -> Vec<f64> {
    let mut seen: Vec<f64> = Vec::new();
    for &v in targets.to_columns().data() {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.sort_by(f64::total_cmp);
    seen
}
