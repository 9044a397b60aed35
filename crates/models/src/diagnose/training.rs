//! After training: collapse to one class with its ranked causes, the accuracy paradox, a
//! non-finite loss, dead units, and vanishing or exploding gradients; with the checks of the
//! scores in [`evaluation`](super::evaluation).

use super::data::{self, FeatureStats, num};
use super::evaluation::{self, Scores};
use super::network::LayerActivity;
use super::report::{Diagnosis, Report, Severity};
use crate::estimator::OptimizerKind;
use crate::metrics::ConfusionMatrix;
use crate::train::History;

/// Predictions of a set count as collapsed when the rows predicted outside the dominant class
/// are at most this share of the rows that truly lie outside it.
const COLLAPSE_SHARE: f64 = 0.1;
/// Accuracy above the majority share by at most this is hardly better than always predicting
/// it (at or below the share is `below-majority-baseline`).
const PARADOX_MARGIN: f64 = 0.01;
/// A training loss within this relative distance of the prior's loss learned nothing.
const PRIOR_MARGIN: f64 = 0.05;
/// A layer with at least this share of dead units gets a warning (a hint from `DEAD_HINT`).
const DEAD_WARNING: f64 = 0.5;
/// See [`DEAD_WARNING`].
const DEAD_HINT: f64 = 0.25;
/// A layer's gradient norm below this fraction of the output layer's is vanishing.
const VANISHING_RATIO: f64 = 1e-3;
/// A layer's mean gradient norm over an epoch above this is exploding.
const EXPLODING_NORM: f64 = 1e3;

/// Predicted and true classes of the rows a model was judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassOutcome {
    /// The true class of each row.
    pub truth: Vec<usize>,
    /// The predicted class of each row.
    pub predicted: Vec<usize>,
    /// The class names, index order.
    pub class_names: Vec<String>,
    /// Which rows these are, for the messages: `"validation"`, `"test"`, `"training"`.
    pub set: String,
}

/// What [`diagnose_training`] reads: the history, and whatever else is known about the run.
/// The estimators' `diagnose` methods fill it in; every field but the history may be left
/// empty, which skips the findings that need it.
#[derive(Debug, Clone)]
pub struct TrainingRun<'a> {
    /// The training history (losses, the non-finite stop, gradient norms per layer).
    pub history: &'a History,
    /// Classes predicted on held-out (or training) rows, for classifiers.
    pub outcome: Option<ClassOutcome>,
    /// Class names and their shares among the training rows.
    pub class_shares: Vec<(String, f64)>,
    /// Whether the loss was weighted (or the rows resampled) to balance the classes.
    pub balanced: bool,
    /// Statistics of the training features, as passed to `fit`.
    pub features: Option<FeatureStats>,
    /// Dead units per hidden layer on the training rows (see [`dead_units`](super::dead_units)).
    pub layers: Vec<LayerActivity>,
    /// The optimiser used.
    pub optimizer: Option<OptimizerKind>,
    /// The training loss of always predicting the training class shares (the prior), for
    /// unweighted cross-entropy heads.
    pub prior_loss: Option<f64>,
    /// The metrics on the rows the model was judged on (R² and RMSE for regressors, accuracy
    /// and log loss for classifiers).
    pub scores: Option<Scores>,
}

impl<'a> TrainingRun<'a> {
    /// A run known only by its history.
    pub fn new(history: &'a History) -> Self {
        TrainingRun {
            history,
            outcome: None,
            class_shares: Vec::new(),
            balanced: false,
            features: None,
            layers: Vec::new(),
            optimizer: None,
            prior_loss: None,
            scores: None,
        }
    }
}

/// Findings after training, most serious first: a non-finite loss, a metric that is not
/// finite, an R² below zero, a collapse to one class (with its likely causes ranked),
/// accuracy at or below always predicting the majority class, the accuracy paradox, classes
/// never seen in training, dead units, and vanishing or exploding gradients.
///
/// ```
/// use nabla_models::diagnose::{TrainingRun, diagnose_training};
/// use nabla_models::train::{History, NonFinite};
/// let history = History {
///     non_finite: Some(NonFinite { epoch: 1, step: 4, learning_rate: 10.0, loss: f64::NAN }),
///     ..History::default()
/// };
/// let report = diagnose_training(&TrainingRun::new(&history));
/// let d = report.get("non-finite-loss").unwrap();
/// assert_eq!(d.evidence("step"), Some(4.0));
/// assert!(d.fix.contains("clip_norm"));
/// ```
pub fn diagnose_training(run: &TrainingRun<'_>) -> Report {
    let mut report = Report::default();
    report.diagnoses.extend(non_finite_loss(run));
    if let Some(scores) = &run.scores {
        report
            .diagnoses
            .extend(evaluation::non_finite_metrics(scores));
        report
            .diagnoses
            .extend(evaluation::r2_below_zero(scores, run.optimizer));
    }
    if let Some(outcome) = &run.outcome
        && let Ok(confusion) = ConfusionMatrix::new(
            &outcome.truth,
            &outcome.predicted,
            outcome.class_names.len().max(1),
        )
    {
        report.diagnoses.extend(collapse(run, outcome, &confusion));
        report
            .diagnoses
            .extend(evaluation::below_majority(outcome, &confusion));
        report
            .diagnoses
            .extend(accuracy_paradox(outcome, &confusion));
        report.diagnoses.extend(evaluation::unseen_classes(
            outcome,
            &confusion,
            &run.class_shares,
        ));
    }
    report.diagnoses.extend(dead_relu(&run.layers));
    report.diagnoses.extend(gradients(run));
    report
}

fn non_finite_loss(run: &TrainingRun<'_>) -> Option<Diagnosis> {
    let nf = run.history.non_finite.as_ref()?;
    let lr = nf.learning_rate;
    let what = if nf.loss.is_finite() {
        "the gradient"
    } else {
        "the loss"
    };
    let mut d = Diagnosis::new(
        "non-finite-loss",
        Severity::Error,
        format!(
            "{what} became non-finite ({}) at step {} (epoch {}) with learning rate {lr}; \
             training stopped there and the model keeps the weights from before that step",
            if nf.loss.is_finite() {
                "overflow".to_string()
            } else {
                format!("{}", nf.loss)
            },
            nf.step,
            nf.epoch
        ),
        format!(
            "lower the learning rate (to {} or below) or clip the gradients \
             (NetworkConfig::fit.clip_norm = Some(1.0)); standardise the features if they are \
             unscaled",
            num(lr / 10.0)
        ),
    )
    .with_evidence("step", nf.step as f64)
    .with_evidence("epoch", nf.epoch as f64)
    .with_evidence("learning rate", lr)
    .with_evidence("loss", nf.loss);
    d.causes.push(learning_rate_cause(
        run,
        &format!("{what} overflowed at step {}", nf.step),
    ));
    d.causes
        .extend(run.features.as_ref().and_then(data::feature_scales));
    Some(d)
}

/// How the training loss moved, and how sure that it points at the learning rate.
fn loss_behaviour(run: &TrainingRun<'_>) -> Option<(String, f64)> {
    let losses = run.history.series("loss");
    let (&first, &last) = (losses.first()?, losses.last()?);
    let (peak_epoch, &peak) = losses
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let floor = last.max(run.prior_loss.unwrap_or(0.0)).max(1e-12);
    // Without the prior's loss to compare with, a high first epoch is an ordinary start.
    let rose = peak_epoch > 0 || run.prior_loss.is_some();
    if peak > 10.0 * floor && peak_epoch + 1 < losses.len() && rose {
        return Some((
            format!(
                "the training loss spiked to {} in epoch {} ({}x its final {}): steps this \
                 large throw the weights far off",
                num(peak),
                peak_epoch + 1,
                num(peak / floor),
                num(last)
            ),
            0.95,
        ));
    }
    let min = losses.iter().copied().fold(f64::INFINITY, f64::min);
    if losses.len() >= 3 && last > first && last > 1.5 * min {
        return Some((
            format!(
                "the training loss diverged: from {} to {} (lowest {})",
                num(first),
                num(last),
                num(min)
            ),
            0.95,
        ));
    }
    let tail = &losses[losses.len() / 2..];
    if tail.len() >= 6 {
        let diffs: Vec<f64> = tail.windows(2).map(|w| w[1] - w[0]).collect();
        let flips = diffs.windows(2).filter(|w| w[0] * w[1] < 0.0).count();
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        let swing = diffs.iter().map(|d| d.abs()).sum::<f64>() / diffs.len() as f64;
        if flips * 2 >= diffs.len() - 1 && swing > 0.1 * mean {
            return Some((
                format!(
                    "the training loss oscillated over the second half of training: it \
                     changed direction {flips} times in {} epochs, by {} on average around {}",
                    tail.len(),
                    num(swing),
                    num(mean)
                ),
                0.85,
            ));
        }
        let change = (tail[0] - last).abs() / tail[0].abs().max(1e-12);
        let lr = run.optimizer.map(|o| o.learning_rate()).unwrap_or(0.0);
        let large = match run.optimizer {
            Some(OptimizerKind::Sgd { .. }) => lr >= 0.1,
            Some(_) => lr >= 0.01,
            None => false,
        };
        if change < 0.01 && large {
            return Some((
                format!(
                    "the training loss was stuck at {} over the second half of training \
                     (changed by {:.2}%) at a large learning rate of {lr}",
                    num(last),
                    100.0 * change
                ),
                0.6,
            ));
        }
    }
    None
}

fn learning_rate_cause(run: &TrainingRun<'_>, finding: &str) -> Diagnosis {
    let fix = match run.optimizer {
        Some(OptimizerKind::Sgd { lr, .. }) => format!(
            "train with Adam at learning rate 1e-3 for 200 epochs (OptimizerKind::adam(1e-3), \
             NetworkConfig's defaults) instead of SGD at {lr}, or lower SGD's rate to {}",
            num(lr / 10.0)
        ),
        Some(o) => format!(
            "lower the learning rate from {} to {}",
            o.learning_rate(),
            num(o.learning_rate() / 10.0)
        ),
        None => "lower the learning rate tenfold".to_string(),
    };
    let mut d = Diagnosis::new("learning-rate", Severity::Hint, finding, fix);
    if let Some(o) = run.optimizer {
        d = d.with_evidence("learning rate", o.learning_rate());
    }
    d
}

/// Collapse: nearly every row predicted as one class.
fn collapse(
    run: &TrainingRun<'_>,
    outcome: &ClassOutcome,
    confusion: &ConfusionMatrix,
) -> Option<Diagnosis> {
    let k = confusion.n_classes();
    let rows = confusion.total();
    let dominant = (0..k).max_by_key(|&c| confusion.predicted(c))?;
    let truly_other = rows - confusion.support(dominant);
    let predicted_other = rows - confusion.predicted(dominant);
    if truly_other == 0 || predicted_other as f64 > COLLAPSE_SHARE * truly_other as f64 {
        return None;
    }
    let name = &outcome.class_names[dominant];
    let mut d = Diagnosis::new(
        "collapsed-predictions",
        Severity::Error,
        format!(
            "the model predicts class {name} for {} of {rows} {} rows, though only {} of them \
             are {name}: it has collapsed to one class",
            rows - predicted_other,
            outcome.set,
            confusion.support(dominant)
        ),
        String::new(),
    )
    .with_evidence(
        format!("share predicted {name}"),
        1.0 - predicted_other as f64 / rows as f64,
    )
    .with_evidence(
        format!("true share of {name}"),
        confusion.support(dominant) as f64 / rows as f64,
    );
    let mut causes: Vec<(f64, Diagnosis)> = Vec::new();
    let lr = loss_behaviour(run);
    let lr_trouble = lr.is_some();
    if let Some((finding, score)) = lr {
        causes.push((score, learning_rate_cause(run, &finding)));
    }
    if let Some(scales) = run.features.as_ref().and_then(data::feature_scales) {
        causes.push((if lr_trouble { 0.9 } else { 0.7 }, scales));
    }
    if !run.balanced
        && let Some(imbalance) = data::class_imbalance(&run.class_shares, false)
    {
        let even = 1.0 / run.class_shares.len() as f64;
        let min = run.class_shares.iter().map(|s| s.1).fold(1.0, f64::min);
        causes.push((0.5 + 0.4 * (1.0 - min / even), imbalance));
    }
    if let Some(layer) = run.layers.iter().find(|l| l.dead_share() >= 0.9) {
        causes.push((
            0.75,
            Diagnosis::new(
                "dead-relu",
                Severity::Hint,
                format!(
                    "{} of the {} units of layer {} ({}) never activate on the training rows, \
                     so the network's output hardly depends on its input",
                    layer.dead, layer.units, layer.index, layer.name
                ),
                "retrain with a smaller learning rate and standardised features (dead units \
                 do not recover); a leaky ReLU keeps a gradient for negative inputs",
            )
            .with_evidence("dead share", layer.dead_share()),
        ));
    }
    if let Some(v) = vanishing(run) {
        causes.push((
            0.85,
            Diagnosis {
                severity: Severity::Hint,
                ..v
            },
        ));
    }
    let epochs = run.history.epochs.len();
    if let (Some(prior), Some(last)) = (run.prior_loss, run.history.last().map(|e| e.loss))
        && (last - prior).abs() <= PRIOR_MARGIN * prior
    {
        causes.push((
            if causes.is_empty() { 0.8 } else { 0.3 },
            Diagnosis::new(
                "underfitting",
                Severity::Hint,
                format!(
                    "the final training loss {} is that of always predicting the class shares \
                     ({}): the network learned nothing beyond the prior",
                    num(last),
                    num(prior)
                ),
                format!(
                    "train longer ({epochs} epochs now; try {}) or widen the hidden layers{}",
                    (2 * epochs).max(200),
                    if causes.is_empty() {
                        ""
                    } else {
                        ", once the other causes are ruled out"
                    }
                ),
            )
            .with_evidence("final training loss", last)
            .with_evidence("prior loss", prior),
        ));
    }
    causes.sort_by(|a, b| b.0.total_cmp(&a.0));
    d.causes = causes.into_iter().map(|(_, c)| c).collect();
    d.fix = if d.causes.is_empty() {
        "check the targets and train longer".to_string()
    } else {
        let steps: Vec<String> = d
            .causes
            .iter()
            .enumerate()
            .map(|(i, c)| format!("({}) {}", i + 1, c.fix))
            .collect();
        format!(
            "apply the causes' fixes, most likely first: {}",
            steps.join("; ")
        )
    };
    Some(d)
}

/// Accuracy no better than always predicting the most common class.
fn accuracy_paradox(outcome: &ClassOutcome, confusion: &ConfusionMatrix) -> Option<Diagnosis> {
    let k = confusion.n_classes();
    let rows = confusion.total().max(1) as f64;
    let majority = (0..k).max_by_key(|&c| confusion.support(c))?;
    let share = confusion.support(majority) as f64 / rows;
    let accuracy = confusion.accuracy();
    // At or below the share is `below-majority-baseline`'s, a more serious finding.
    if accuracy > share + PARADOX_MARGIN || accuracy <= share {
        return None;
    }
    let d = Diagnosis::new(
        "accuracy-paradox",
        Severity::Warning,
        format!(
            "{} accuracy {accuracy:.3} is within {PARADOX_MARGIN} of {share:.3}, the share of \
             class {} (always predicting it scores that); per class: {}",
            outcome.set,
            outcome.class_names[majority],
            evaluation::class_scores(outcome, confusion)
        ),
        "judge the model by per-class recall and F1 (Classifier::evaluate's confusion matrix), \
         not accuracy; see the collapse and imbalance diagnoses for what to change",
    )
    .with_evidence("accuracy", accuracy)
    .with_evidence("majority share", share);
    Some(evaluation::with_class_evidence(d, outcome, confusion))
}

fn dead_relu(layers: &[LayerActivity]) -> Vec<Diagnosis> {
    layers
        .iter()
        .filter(|l| l.dead_share() >= DEAD_HINT)
        .map(|l| {
            let severity = if l.dead_share() >= DEAD_WARNING {
                Severity::Warning
            } else {
                Severity::Hint
            };
            Diagnosis::new(
                "dead-relu",
                severity,
                format!(
                    "{} of the {} units ({:.0}%) of layer {} ({}) output 0 on every training \
                     row: they never activate, get no gradient and do not recover",
                    l.dead,
                    l.units,
                    100.0 * l.dead_share(),
                    l.index,
                    l.name
                ),
                "lower the learning rate and standardise the features, then retrain; a leaky \
                 ReLU (Activation::LeakyRelu(0.01)) keeps a small gradient for negative inputs",
            )
            .with_evidence("layer", l.index as f64)
            .with_evidence("dead units", l.dead as f64)
            .with_evidence("dead share", l.dead_share())
        })
        .collect()
}

fn gradients(run: &TrainingRun<'_>) -> Vec<Diagnosis> {
    exploding(run).into_iter().chain(vanishing(run)).collect()
}

fn exploding(run: &TrainingRun<'_>) -> Option<Diagnosis> {
    let h = run.history;
    let (epoch, layer, norm) = h.grad_norms.iter().enumerate().find_map(|(e, norms)| {
        let (layer, &norm) = norms.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        (norm > EXPLODING_NORM).then_some((e, layer, norm))
    })?;
    Some(
        Diagnosis::new(
            "exploding-gradients",
            Severity::Warning,
            format!(
                "the gradient norm of layer {} averaged {} over epoch {} (above {}): updates \
                 that large overshoot",
                h.grad_norm_layers[layer],
                num(norm),
                epoch + 1,
                EXPLODING_NORM
            ),
            "standardise the features, lower the learning rate, or clip the gradients \
             (NetworkConfig::fit.clip_norm = Some(1.0))",
        )
        .with_evidence("epoch", (epoch + 1) as f64)
        .with_evidence("gradient norm", norm),
    )
}

fn vanishing(run: &TrainingRun<'_>) -> Option<Diagnosis> {
    let h = run.history;
    let last = h.grad_norms.last()?;
    let &output = last.last()?;
    if output <= 0.0 {
        return None;
    }
    let dead = |i: usize| {
        run.layers
            .iter()
            .find(|l| h.grad_norm_layers[i].starts_with(&format!("{}:", l.index)))
            .is_some_and(|l| l.dead_share() >= 0.9)
    };
    let (i, &n) = last[..last.len() - 1]
        .iter()
        .enumerate()
        .find(|&(i, &n)| n < VANISHING_RATIO * output && !dead(i))?;
    Some(
        Diagnosis::new(
            "vanishing-gradients",
            Severity::Warning,
            format!(
                "in the last epoch the gradient norm of layer {} was {} against {} at the \
                 output layer ({} times smaller): the early layers barely learn",
                h.grad_norm_layers[i],
                num(n),
                num(output),
                num(output / n.max(f64::MIN_POSITIVE))
            ),
            "use ReLU-family hidden activations rather than sigmoid or tanh, fewer layers, or \
             He initialisation (Init::HeUniform)",
        )
        .with_evidence("layer gradient norm", n)
        .with_evidence("output gradient norm", output),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::EpochRecord;

    fn history(losses: &[f64]) -> History {
        History {
            epochs: losses
                .iter()
                .enumerate()
                .map(|(i, &loss)| EpochRecord {
                    epoch: i + 1,
                    loss,
                    metrics: vec![],
                    val_loss: None,
                    val_metrics: vec![],
                    learning_rate: 0.1,
                })
                .collect(),
            ..History::default()
        }
    }

    fn behaviour(losses: &[f64], optimizer: OptimizerKind) -> Option<(String, f64)> {
        let h = history(losses);
        let run = TrainingRun {
            optimizer: Some(optimizer),
            ..TrainingRun::new(&h)
        };
        loss_behaviour(&run)
    }

    #[test]
    fn the_loss_curve_tells_spikes_divergence_oscillation_and_plateaus_apart() {
        let sgd = OptimizerKind::sgd(1.0);
        // Peak 50 at epoch 2 against a final 0.2: 250 times.
        let (f, s) = behaviour(&[1.0, 50.0, 0.3, 0.2], sgd).unwrap();
        assert!(
            f.contains("spiked to 50 in epoch 2 (250x its final 0.2)"),
            "{f}"
        );
        assert_eq!(s, 0.95);
        // Rising from 1 to 3 with a lowest 0.9: diverged (3 > 1.5 * 0.9).
        let (f, _) = behaviour(&[1.0, 0.9, 2.0, 3.0], sgd).unwrap();
        assert!(f.contains("diverged: from 1 to 3 (lowest 0.9)"), "{f}");
        // Second half 1, 0.6, 1, 0.6, 1, 0.6: 5 moves of 0.4, 4 direction changes.
        let zigzag = [2.0, 1.8, 1.6, 1.4, 1.2, 1.1, 1.0, 0.6, 1.0, 0.6, 1.0, 0.6];
        let (f, s) = behaviour(&zigzag, sgd).unwrap();
        assert!(
            f.contains("changed direction 4 times in 6 epochs, by 0.4 on average around 0.8"),
            "{f}"
        );
        assert_eq!(s, 0.85);
        // Flat to 0.1% over the second half: a cause at SGD 1, not at SGD 0.01.
        let flat = [
            2.0, 1.0, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4995,
        ];
        let (f, s) = behaviour(&flat, sgd).unwrap();
        assert!(
            f.contains("stuck at 0.4995") && f.contains("(changed by 0.10%)"),
            "{f}"
        );
        assert_eq!(s, 0.6);
        assert!(behaviour(&flat, OptimizerKind::sgd(0.01)).is_none());
        // A smooth decrease is no learning-rate problem...
        let smooth: Vec<f64> = (0..12).map(|i| 1.0 / (1.0 + i as f64)).collect();
        assert!(behaviour(&smooth, sgd).is_none());
        // ...but a first epoch far above the loss of predicting the prior is a spike.
        let h = history(&[30.0, 0.25, 0.2]);
        let run = TrainingRun {
            prior_loss: Some(0.2),
            ..TrainingRun::new(&h)
        };
        assert!(
            loss_behaviour(&run)
                .unwrap()
                .0
                .contains("spiked to 30 in epoch 1")
        );
    }

    fn outcome(truth: &[usize], predicted: &[usize]) -> ClassOutcome {
        ClassOutcome {
            truth: truth.to_vec(),
            predicted: predicted.to_vec(),
            class_names: vec!["a".into(), "b".into()],
            set: "test".into(),
        }
    }

    #[test]
    fn collapse_allows_a_tenth_of_the_minority_and_the_paradox_one_point() {
        let h = History::default();
        // 20 rows truly b: 2 predicted b is a collapse (2 <= 0.1 * 20), 3 is not.
        let truth: Vec<usize> = (0..100).map(|i| usize::from(i < 20)).collect();
        let predict = |b: usize| -> Vec<usize> { (0..100).map(|i| usize::from(i < b)).collect() };
        for (b, collapsed) in [(2, true), (3, false)] {
            let run = TrainingRun {
                outcome: Some(outcome(&truth, &predict(b))),
                ..TrainingRun::new(&h)
            };
            let report = diagnose_training(&run);
            assert_eq!(
                report.contains("collapsed-predictions"),
                collapsed,
                "{b}: {report}"
            );
        }
        // Accuracy 0.82 (2 b rows right) against a majority share of 0.8: within a point? No.
        // Accuracy 0.81 (1 b row right): yes, with b's recall 0.05 and F1 2/21.
        let paradox = |b| {
            let run = TrainingRun {
                outcome: Some(outcome(&truth, &predict(b))),
                ..TrainingRun::new(&h)
            };
            diagnose_training(&run).get("accuracy-paradox").cloned()
        };
        assert!(paradox(2).is_none());
        let d = paradox(1).unwrap();
        assert_eq!(d.evidence("accuracy"), Some(0.81));
        assert_eq!(d.evidence("recall of b"), Some(0.05));
        assert!((d.evidence("F1 of b").unwrap() - 2.0 / 21.0).abs() < 1e-12);
    }

    #[test]
    fn gradient_norms_explode_above_a_thousand_and_vanish_below_a_thousandth() {
        let mut h = History {
            grad_norm_layers: vec!["0: dense 8 tanh".into(), "1: dense 1".into()],
            grad_norms: vec![vec![1500.0, 2.0], vec![1e-4, 0.5]],
            ..History::default()
        };
        let report = diagnose_training(&TrainingRun::new(&h));
        assert_eq!(
            report.codes(),
            vec!["exploding-gradients", "vanishing-gradients"]
        );
        let e = report.get("exploding-gradients").unwrap();
        assert_eq!(
            (e.evidence("epoch"), e.evidence("gradient norm")),
            (Some(1.0), Some(1500.0))
        );
        // 6e-4 is above 1e-3 * 0.5: no vanishing; and no epoch above 1000.
        h.grad_norms = vec![vec![999.0, 2.0], vec![6e-4, 0.5]];
        assert!(diagnose_training(&TrainingRun::new(&h)).is_empty());
        // A dead layer's zero gradient is left to the dead-relu diagnosis.
        h.grad_norms = vec![vec![0.0, 0.5]];
        let run = TrainingRun {
            layers: vec![LayerActivity {
                index: 0,
                name: "dense 8 relu".into(),
                units: 8,
                dead: 8,
            }],
            ..TrainingRun::new(&h)
        };
        assert_eq!(diagnose_training(&run).codes(), vec!["dead-relu"]);
    }
}
