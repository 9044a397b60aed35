//! The SVG pictures of `nabla_models::plot`, parsed as XML: a self-contained `<svg>` root with
//! a size, the texts a reader needs (legend values, counts and rates, class names, markers,
//! axis titles), one drawn point per data point, and errors that say what was wrong.
//!
//! Set `NABLA_PLOT_DIR` to a folder to also write every picture there, to look at.

use nabla_models::metrics::{
    BinStrategy, ConfusionMatrix, calibration_curve, one_vs_rest, precision_recall_curve, roc_auc,
    roc_curve,
};
use nabla_models::plot::{
    MAX_SCATTER_POINTS, PlotError, calibration_diagram, confusion_heatmap, history_curves,
    precision_recall_curves, predicted_vs_actual, residuals, roc_curves,
};
use nabla_models::train::{EpochRecord, History, NonFinite};

/// The SVG elements a picture may hold: shapes and text, nothing that loads anything.
const ALLOWED: [&str; 8] = [
    "svg", "rect", "line", "polyline", "polygon", "circle", "text", "path",
];

/// A parsed picture.
struct Picture {
    width: u32,
    height: u32,
    texts: Vec<String>,
    /// Every element: its name and attributes.
    elements: Vec<(String, Vec<(String, String)>)>,
}

impl Picture {
    /// Parses `svg`, checks that it is a self-contained SVG document, and writes it to
    /// `$NABLA_PLOT_DIR/name.svg` when that is set.
    fn parse(name: &str, svg: &str) -> Picture {
        if let Some(dir) = std::env::var_os("NABLA_PLOT_DIR") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.svg")), svg).unwrap();
        }
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let size = |a: &str| -> u32 {
            root.attribute(a)
                .unwrap_or_else(|| panic!("{name}: no {a}"))
                .parse()
                .unwrap()
        };
        let (width, height) = (size("width"), size("height"));
        assert!(width >= 400 && height >= 300, "{name}: {width} x {height}");
        assert_eq!(
            root.attribute("viewBox"),
            Some(format!("0 0 {width} {height}").as_str())
        );
        let mut elements = Vec::new();
        let mut texts = Vec::new();
        for node in doc.descendants().filter(|n| n.is_element()) {
            let tag = node.tag_name().name().to_string();
            assert!(ALLOWED.contains(&tag.as_str()), "{name}: <{tag}>");
            let attributes: Vec<(String, String)> = node
                .attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect();
            for (key, value) in &attributes {
                assert!(
                    !key.contains("href") && !value.contains("url("),
                    "{name}: {key}={value} refers outside the picture"
                );
            }
            if tag == "text" {
                texts.push(node.text().unwrap_or("").trim().to_string());
                assert_eq!(node.attribute("font-family"), Some("sans-serif"));
            }
            elements.push((tag, attributes));
        }
        Picture {
            width,
            height,
            texts,
            elements,
        }
    }

    /// Whether a text element reads exactly `text`.
    fn has_text(&self, text: &str) -> bool {
        self.texts.iter().any(|t| t == text)
    }

    /// Asserts that each of `texts` is the whole of some text element.
    fn assert_texts(&self, texts: &[&str]) {
        for text in texts {
            assert!(self.has_text(text), "no text {text:?} in {:?}", self.texts);
        }
    }

    /// The elements named `tag` whose `attribute` is `value`.
    fn count(&self, tag: &str, attribute: &str, value: &str) -> usize {
        self.elements
            .iter()
            .filter(|(t, attrs)| {
                t == tag && attrs.iter().any(|(k, v)| k == attribute && v == value)
            })
            .count()
    }

    /// The number of points of each polyline drawn in `colour`, longest first.
    fn polyline_points(&self, colour: &str) -> Vec<usize> {
        let mut counts: Vec<usize> = self
            .elements
            .iter()
            .filter(|(t, attrs)| {
                t == "polyline" && attrs.iter().any(|(k, v)| k == "stroke" && v == colour)
            })
            .map(|(_, attrs)| {
                let points = &attrs.iter().find(|(k, _)| k == "points").unwrap().1;
                points.split_whitespace().count()
            })
            .collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        counts
    }
}

/// The first colour of the palette, which the first curve and the scatter markers use.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";

fn epoch(epoch: usize, loss: f64, val_loss: f64, lr: f64) -> EpochRecord {
    EpochRecord {
        epoch,
        loss,
        metrics: vec![("accuracy".into(), 1.0 - loss / 2.0)],
        val_loss: Some(val_loss),
        val_metrics: vec![("accuracy".into(), 1.0 - val_loss / 2.0)],
        learning_rate: lr,
    }
}

/// 22 epochs: validation loss lowest at epoch 12, the learning rate halved at epoch 11 and
/// again at 17, stopped early after epoch 22.
fn early_stopped_history() -> History {
    let epochs = (1..=22)
        .map(|e| {
            let x = e as f64;
            let lr = match e {
                1..=10 => 1e-3,
                11..=16 => 5e-4,
                _ => 2.5e-4,
            };
            epoch(e, 1.0 / x + 0.1, 0.3 + 0.004 * (x - 12.0).powi(2), lr)
        })
        .collect();
    History {
        epochs,
        stopped_early: Some("early stopping: val_loss did not improve for 10 epochs".into()),
        ..History::default()
    }
}

#[test]
fn history_marks_the_best_and_last_epochs_and_each_learning_rate_change() {
    let history = early_stopped_history();
    let p = Picture::parse("history", &history_curves(&history).unwrap());
    assert_eq!(p.width, 640);
    p.assert_texts(&[
        "Training history",
        "training",
        "validation",
        "best epoch 12 (lowest val_loss)",
        "stopped at 22",
        "learning-rate change",
        "lr 1e-3 -> 5e-4",
        "lr 5e-4 -> 2.5e-4",
        "epoch",
        "loss",
        "accuracy",
    ]);
    // Two panels, each with a training and a validation line through all 22 epochs (plus a
    // legend sample of each colour).
    assert_eq!(p.polyline_points(BLUE), [22, 22, 2]);
    assert_eq!(p.polyline_points(ORANGE), [22, 22, 2]);
    // The learning rates are written in the first panel only.
    assert_eq!(p.texts.iter().filter(|t| t.starts_with("lr ")).count(), 2);
}

#[test]
fn history_without_validation_or_early_stop_has_no_stop_markers() {
    let mut history = early_stopped_history();
    history.stopped_early = None;
    for e in &mut history.epochs {
        e.val_loss = None;
        e.val_metrics.clear();
        e.metrics.clear();
        e.learning_rate = 0.01;
    }
    let p = Picture::parse("history_plain", &history_curves(&history).unwrap());
    assert_eq!(p.height, 480);
    assert!(p.has_text("training") && !p.has_text("validation"));
    assert!(
        !p.texts
            .iter()
            .any(|t| t.contains("best epoch") || t.contains("stopped"))
    );
    assert!(!p.texts.iter().any(|t| t.starts_with("lr ")));
    assert_eq!(p.polyline_points(BLUE), [22, 2]);
    // Without validation data the best epoch is the lowest training loss: the last.
    history.stopped_early = Some("stopped".into());
    let p = Picture::parse("history_train_only", &history_curves(&history).unwrap());
    p.assert_texts(&["best epoch 22 (lowest loss)", "stopped at 22"]);
}

#[test]
fn history_breaks_lines_at_non_finite_values_and_marks_a_divergence() {
    let mut history = early_stopped_history();
    history.epochs.truncate(8);
    history.epochs[3].val_loss = Some(f64::NAN);
    history.non_finite = Some(NonFinite {
        epoch: 9,
        step: 90,
        learning_rate: 1e-3,
        loss: f64::INFINITY,
    });
    let p = Picture::parse("history_non_finite", &history_curves(&history).unwrap());
    p.assert_texts(&[
        "1 non-finite value is not drawn (the lines break there)",
        "non-finite loss in epoch 9",
    ]);
    // The validation loss line breaks around epoch 4: 3 points, then 4.
    assert_eq!(p.polyline_points(ORANGE)[..3], [8, 4, 3]);
}

#[test]
fn history_ticks_a_learning_rate_that_changes_every_epoch() {
    let epochs = (1..=100)
        .map(|e| {
            epoch(
                e,
                2.0 / e as f64,
                2.2 / e as f64,
                1e-2 * 0.95f64.powi(e as i32 - 1),
            )
        })
        .collect();
    let history = History {
        epochs,
        ..History::default()
    };
    let p = Picture::parse("history_decay", &history_curves(&history).unwrap());
    p.assert_texts(&[
        "learning-rate change",
        "The learning rate changed in 99 epochs, from 0.01 to 6.23e-5: ticks at the top of each \
         panel mark them.",
    ]);
    assert!(!p.texts.iter().any(|t| t.starts_with("lr ")));
}

#[test]
fn history_of_one_epoch_draws_dots() {
    let history = History {
        epochs: vec![epoch(1, 0.7, 0.8, 1e-3)],
        ..History::default()
    };
    let p = Picture::parse("history_one_epoch", &history_curves(&history).unwrap());
    // A dot per panel for the training values, and for the validation ones.
    assert_eq!(p.count("circle", "fill", BLUE), 2);
    assert_eq!(p.count("circle", "fill", ORANGE), 2);
}

#[test]
fn history_errors_when_there_are_no_epochs() {
    let e = history_curves(&History::default()).unwrap_err();
    assert!(matches!(e, PlotError::Empty { .. }));
    assert_eq!(
        e.to_string(),
        "history_curves: the history has no epochs; train first and pass the History that fit \
         returned"
    );
}

/// Twelve rows with tied scores (the table the curve tests check against scikit-learn).
const Y: [usize; 12] = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1];
const S: [f64; 12] = [
    0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.55, 0.2, 0.55, 0.7, 0.05, 0.3,
];

/// Three classes, probabilities row after row, from a small deterministic generator.
fn three_classes() -> (Vec<usize>, Vec<f64>) {
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let mut y = Vec::new();
    let mut probs = Vec::new();
    for i in 0..90 {
        let class = i % 3;
        let mut row = [next(), next(), next()];
        row[class] += 0.4 + 0.3 * class as f64;
        let sum: f64 = row.iter().sum();
        y.push(class);
        probs.extend(row.iter().map(|v| v / sum));
    }
    (y, probs)
}

#[test]
fn roc_legend_gives_each_curves_auc_which_equals_roc_auc() {
    let curve = roc_curve(&Y, &S).unwrap();
    let auc = roc_auc(&Y, &S).unwrap();
    assert!((curve.auc() - auc).abs() < 1e-12);
    let points = curve.fpr.len();
    let p = Picture::parse("roc", &roc_curves(&[("model".into(), curve)]).unwrap());
    p.assert_texts(&[
        "ROC curve",
        &format!("model (AUC {auc:.3})"),
        "chance (AUC 0.5)",
        "False positive rate",
        "True positive rate",
        "0.0",
        "1.0",
    ]);
    assert_eq!(p.polyline_points(BLUE), [points, 2]);
}

#[test]
fn roc_draws_one_curve_per_class_one_against_the_rest() {
    let (y, probs) = three_classes();
    let mut curves = Vec::new();
    let mut aucs = Vec::new();
    for (class, name) in ["setosa", "versicolor", "virginica"].iter().enumerate() {
        let (labels, scores) = one_vs_rest(&y, &probs, 3, class).unwrap();
        aucs.push(roc_auc(&labels, &scores).unwrap());
        curves.push((name.to_string(), roc_curve(&labels, &scores).unwrap()));
    }
    let p = Picture::parse("roc_classes", &roc_curves(&curves).unwrap());
    p.assert_texts(&["ROC curves"]);
    for ((name, curve), auc) in curves.iter().zip(&aucs) {
        assert!((curve.auc() - auc).abs() < 1e-12);
        p.assert_texts(&[&format!("{name} (AUC {auc:.3})")]);
    }
    assert_eq!(p.polyline_points(ORANGE)[0], curves[1].1.fpr.len());
}

#[test]
fn roc_refuses_curves_that_would_give_a_wrong_auc() {
    let long = "a label that goes on and on, longer than the legend has room for in one row";
    let p = Picture::parse(
        "roc_long_label",
        &roc_curves(&[(long.into(), roc_curve(&Y, &S).unwrap())]).unwrap(),
    );
    assert!(
        p.texts
            .iter()
            .any(|t| t.starts_with("a label that goes") && t.ends_with('…'))
    );
    let e = roc_curves(&[]).unwrap_err();
    assert!(matches!(e, PlotError::Empty { .. }));
    let mut curve = roc_curve(&Y, &S).unwrap();
    curve.tpr.pop();
    let e = roc_curves(&[("m".into(), curve.clone())]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "roc_curves: curve \"m\" has 8 fpr values and 7 tpr values; a curve needs one tpr per fpr"
    );
    curve.fpr.pop();
    curve.tpr[2] = f64::NAN;
    let e = roc_curves(&[("m".into(), curve)]).unwrap_err();
    assert!(matches!(e, PlotError::InvalidValue { .. }), "{e}");
    assert!(e.to_string().contains("tpr[2] is NaN"), "{e}");
}

#[test]
fn precision_recall_legend_gives_the_average_precision_of_the_steps() {
    let curve = precision_recall_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
    // scikit-learn's average_precision_score of these rows: 0.8333...
    assert!((curve.average_precision() - 5.0 / 6.0).abs() < 1e-12);
    let points = curve.recall.len();
    let p = Picture::parse(
        "precision_recall",
        &precision_recall_curves(&[("model".into(), curve)]).unwrap(),
    );
    p.assert_texts(&[
        "Precision-recall curve",
        "model (AP 0.833)",
        "Recall",
        "Precision",
    ]);
    // A step line: two corners per point but the last.
    assert_eq!(p.polyline_points(BLUE), [2 * points - 1, 2]);
}

#[test]
fn precision_recall_draws_a_curve_per_class() {
    let (y, probs) = three_classes();
    let curves: Vec<_> = (0..3)
        .map(|class| {
            let (labels, scores) = one_vs_rest(&y, &probs, 3, class).unwrap();
            let curve = precision_recall_curve(&labels, &scores).unwrap();
            (format!("class {class}"), curve)
        })
        .collect();
    let p = Picture::parse(
        "precision_recall_classes",
        &precision_recall_curves(&curves).unwrap(),
    );
    for (name, curve) in &curves {
        p.assert_texts(&[&format!("{name} (AP {:.3})", curve.average_precision())]);
    }
    let e = precision_recall_curves(&[]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("precision_recall_curves: no curves")
    );
}

#[test]
fn confusion_cells_show_counts_and_row_shares_with_class_names() {
    // Rows: 41 + 2 cat, 3 + 17 dog, 0 + 0 + 12 owl (and one owl called a cat).
    let mut y_true = vec![0; 43];
    let mut y_pred = vec![0; 41];
    y_pred.extend([1, 1]);
    y_true.extend(vec![1; 20]);
    y_pred.extend(vec![0; 3]);
    y_pred.extend(vec![1; 17]);
    y_true.extend(vec![2; 13]);
    y_pred.push(0);
    y_pred.extend(vec![2; 12]);
    let matrix = ConfusionMatrix::new(&y_true, &y_pred, 3)
        .unwrap()
        .with_class_names(&["cat", "dog", "owl"])
        .unwrap();
    let p = Picture::parse("confusion", &confusion_heatmap(&matrix).unwrap());
    assert_eq!((p.width, p.height), (640, 480));
    p.assert_texts(&[
        "Confusion matrix",
        "Predicted class",
        "Actual class",
        "cat",
        "dog",
        "owl",
        "41",
        "95%",
        "2",
        "5%",
        "3",
        "15%",
        "17",
        "85%",
        "12",
        "92%",
        "8%",
        "0%",
        "100%",
    ]);
    // Each name twice (rows and columns).
    assert_eq!(p.texts.iter().filter(|t| *t == "owl").count(), 2);
    // Nine cells, one count each: 41 2 0 / 3 17 0 / 1 0 12.
    let counts: Vec<&String> = p
        .texts
        .iter()
        .filter(|t| t.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(counts, ["41", "2", "0", "3", "17", "0", "1", "0", "12"]);
    // Dark cells (the diagonal) are written in white, light ones in dark ink.
    assert_eq!(p.count("text", "fill", "#FFFFFF"), 6);
}

#[test]
fn confusion_of_many_classes_stays_legible() {
    let k = 20;
    let y_true: Vec<usize> = (0..400).map(|i| i % k).collect();
    let y_pred: Vec<usize> = (0..400)
        .map(|i| if i % 7 == 0 { (i + 1) % k } else { i % k })
        .collect();
    let names: Vec<String> = (0..k).map(|c| format!("category number {c}")).collect();
    let matrix = ConfusionMatrix::new(&y_true, &y_pred, k)
        .unwrap()
        .with_class_names(&names)
        .unwrap();
    let p = Picture::parse("confusion_20", &confusion_heatmap(&matrix).unwrap());
    assert!(p.width > 640);
    p.assert_texts(&[
        "category number 0",
        "Cells show counts only; their colour is the count's share of its row (actual class).",
    ]);
    // Counts only: no per-cell shares (the colour bar's three are the only percentages).
    assert_eq!(p.texts.iter().filter(|t| t.ends_with('%')).count(), 3);
    // Cell texts are no smaller than 8 pixels.
    for (tag, attrs) in &p.elements {
        if tag == "text" {
            let size: f64 = attrs
                .iter()
                .find(|(k, _)| k == "font-size")
                .unwrap()
                .1
                .parse()
                .unwrap();
            assert!(size >= 8.0, "font-size {size}");
        }
    }
    // Markup in names is escaped, and long names are cut.
    let matrix = ConfusionMatrix::new(&[0, 1], &[0, 1], 2)
        .unwrap()
        .with_class_names(&["<a & b>", "a name far longer than eighteen characters"])
        .unwrap();
    let p = Picture::parse("confusion_names", &confusion_heatmap(&matrix).unwrap());
    p.assert_texts(&[
        "<a & b>",
        "a name far longer…",
        "Class names are cut to 18 characters.",
    ]);
    // A class without samples gets a note; unnamed classes are numbered.
    let matrix = ConfusionMatrix::new(&[0, 0, 1], &[0, 2, 1], 3).unwrap();
    let p = Picture::parse("confusion_unnamed", &confusion_heatmap(&matrix).unwrap());
    p.assert_texts(&[
        "0",
        "1",
        "2",
        "No actual samples of 2: grey row, no shares.",
    ]);
}

#[test]
fn calibration_diagram_has_a_marker_per_bin_and_the_ece() {
    let (y, probs) = three_classes();
    let (labels, scores) = one_vs_rest(&y, &probs, 3, 0).unwrap();
    let uniform = calibration_curve(&labels, &scores, 5, BinStrategy::Uniform).unwrap();
    let quantile = calibration_curve(&labels, &scores, 5, BinStrategy::Quantile).unwrap();
    let bins = uniform.prob_pred.len();
    let ece = uniform.expected_calibration_error();
    let p = Picture::parse(
        "calibration",
        &calibration_diagram(&[("uniform".into(), uniform), ("quantile".into(), quantile)])
            .unwrap(),
    );
    p.assert_texts(&[
        "Reliability diagram",
        &format!("uniform (ECE {ece:.3})"),
        "perfectly calibrated",
        "Mean predicted probability",
        "Fraction of positives",
    ]);
    // One marker per bin, and one in the legend.
    assert_eq!(p.count("circle", "fill", BLUE), bins + 1);
    let mut bad = calibration_curve(&labels, &scores, 5, BinStrategy::Uniform).unwrap();
    bad.counts.pop();
    let e = calibration_diagram(&[("b".into(), bad)]).unwrap_err();
    assert!(matches!(e, PlotError::LengthMismatch { .. }), "{e}");
}

#[test]
fn predicted_against_actual_draws_every_pair_and_the_diagonal() {
    let actual: Vec<f64> = (0..50).map(|i| f64::from(i) * 2.0).collect();
    let predicted: Vec<f64> = actual
        .iter()
        .enumerate()
        .map(|(i, a)| a + (i % 5) as f64 - 2.0)
        .collect();
    let p = Picture::parse(
        "predicted_vs_actual",
        &predicted_vs_actual(&actual, &predicted).unwrap(),
    );
    p.assert_texts(&[
        "Predicted against actual",
        "Actual",
        "Predicted",
        "y = x (perfect prediction)",
    ]);
    assert!(
        p.texts
            .iter()
            .any(|t| t.starts_with("predictions (n = 50, R² 0.99")),
        "{:?}",
        p.texts
    );
    assert_eq!(p.count("circle", "fill", BLUE), 50 + 1);
}

#[test]
fn residuals_draw_every_pair_around_zero() {
    let actual: Vec<f64> = (0..40).map(|i| f64::from(i).sin() * 10.0).collect();
    let predicted: Vec<f64> = actual.iter().map(|a| a * 0.9 + 0.5).collect();
    let p = Picture::parse("residuals", &residuals(&actual, &predicted).unwrap());
    p.assert_texts(&[
        "Residuals against predicted",
        "Predicted",
        "Residual (actual - predicted)",
        "zero residual",
    ]);
    assert!(
        p.texts
            .iter()
            .any(|t| t.starts_with("residuals (n = 40, RMSE "))
    );
    assert_eq!(p.count("circle", "fill", BLUE), 40 + 1);
}

#[test]
fn scatter_plots_skip_non_finite_pairs_and_sample_large_inputs() {
    let actual = [1.0, 2.0, f64::NAN, 4.0];
    let predicted = [1.5, f64::INFINITY, 3.0, 4.5];
    let p = Picture::parse(
        "residuals_non_finite",
        &residuals(&actual, &predicted).unwrap(),
    );
    p.assert_texts(&["2 pairs with a non-finite value left out"]);
    assert_eq!(p.count("circle", "fill", BLUE), 2 + 1);

    let n = 100_000;
    let actual: Vec<f64> = (0..n).map(|i| f64::from(i) / 1000.0).collect();
    let predicted: Vec<f64> = actual.iter().map(|a| a + (a * 7.0).sin()).collect();
    for (name, svg) in [
        (
            "predicted_vs_actual_large",
            predicted_vs_actual(&actual, &predicted).unwrap(),
        ),
        ("residuals_large", residuals(&actual, &predicted).unwrap()),
    ] {
        assert!(svg.len() < 300_000, "{name}: {} bytes", svg.len());
        let p = Picture::parse(name, &svg);
        p.assert_texts(&["showing 2000 of 100000 pairs, an evenly spaced sample"]);
        assert_eq!(p.count("circle", "fill", BLUE), MAX_SCATTER_POINTS + 1);
    }
}

#[test]
fn scatter_plots_refuse_mismatched_or_empty_input() {
    let e = residuals(&[1.0; 10], &[1.0; 9]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "residuals: actual has 10 values and predicted 9; give one prediction per actual value"
    );
    assert!(matches!(e, PlotError::LengthMismatch { .. }));
    let e = predicted_vs_actual(&[], &[]).unwrap_err();
    assert!(matches!(e, PlotError::Empty { .. }));
    let e = predicted_vs_actual(&[f64::NAN], &[1.0]).unwrap_err();
    assert!(matches!(e, PlotError::InvalidValue { .. }));
    assert!(
        e.to_string()
            .starts_with("predicted_vs_actual: none of the 1 pairs")
    );
}

#[test]
fn long_curves_are_thinned_to_a_small_file() {
    // 50 000 distinct scores: a precision-recall curve of 50 001 points.
    let n = 50_000;
    let labels: Vec<usize> = (0..n)
        .map(|i| usize::from(i % 3 == 0 || i % 7 == 0))
        .collect();
    let scores: Vec<f64> = (0..n)
        .map(|i| {
            (i as f64 * 0.618_033_988_7).fract() * 0.5
                + 0.5 * labels[i] as f64 * (i as f64 / n as f64)
        })
        .collect();
    let curve = precision_recall_curve(&labels, &scores).unwrap();
    assert!(curve.recall.len() > 40_000);
    let svg = precision_recall_curves(&[("big".into(), curve)]).unwrap();
    assert!(svg.len() < 100_000, "{} bytes", svg.len());
    Picture::parse("precision_recall_large", &svg);
}
