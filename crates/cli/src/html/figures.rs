//! The pictures of a report, drawn from a fitted model and labelled rows with the plots of
//! `nabla_models::plot`, the curves' points coming from `nabla_models::metrics`.

use nabla_autodiff::Float;
use nabla_models::data::{Dataset, Targets};
use nabla_models::estimator::{Classifier, Evaluation, Regressor};
use nabla_models::metrics::{
    self, BinStrategy, CalibrationCurve, MetricError, PrCurve, RocCurve, one_vs_rest,
};
use nabla_models::plot::{self, PlotError};
use nabla_models::train::History;
use std::error::Error;

/// Bins of the calibration diagram.
const CALIBRATION_BINS: usize = 10;

/// One picture of a report.
#[derive(Debug)]
pub struct Figure {
    /// Its file in the report's folder, and the id of its element in the page (without
    /// `.svg`): `loss`, `roc`, `confusion`, ...
    pub name: &'static str,
    /// Its heading.
    pub title: String,
    /// What it shows and how to read it.
    pub caption: String,
    /// The SVG document, or why it could not be drawn.
    pub svg: Result<String, String>,
}

impl Figure {
    fn new(
        name: &'static str,
        title: impl Into<String>,
        caption: impl Into<String>,
        svg: Result<String, PlotError>,
    ) -> Self {
        Figure {
            name,
            title: title.into(),
            caption: caption.into(),
            svg: svg.map_err(|e| e.to_string()),
        }
    }
}

/// The training curves of `history`.
pub fn history_figure(history: &History) -> Figure {
    Figure::new(
        "training",
        "Training curves",
        "Loss and each metric per epoch, on the training rows and, when some were held out, \
         on the validation rows. Vertical lines mark the epochs where the learning rate changed \
         and, when early stopping ended the run, the best epoch and the last.",
        plot::history_curves(history),
    )
}

/// ROC, precision-recall and calibration curves (the positive class of a binary model, each
/// class against the rest for several classes, each label of a multi-label model) and the
/// confusion matrix, of `model` on `data`.
pub fn classification_figures<T: Float>(
    model: &Classifier<T>,
    data: &Dataset,
    eval: &Evaluation,
) -> Result<Vec<Figure>, Box<dyn Error>> {
    let probs = model.predict_proba(data.features())?;
    let (rows, k) = (probs.shape()[0], probs.shape()[1]);
    let model_names = model.class_names().unwrap_or_default();
    // Each curve's 0/1 labels and scores.
    let mut sets: Vec<(String, Vec<usize>, Vec<f64>)> = Vec::new();
    match data.targets() {
        Targets::MultiHot { values, .. } => {
            for label in 0..k {
                let y = (0..rows)
                    .map(|r| usize::from(values.data()[r * k + label] > 0.5))
                    .collect();
                let score = (0..rows).map(|r| probs.data()[r * k + label]).collect();
                sets.push((name_of(model_names, label), y, score));
            }
        }
        targets => {
            let labels = labels_in_model_order(targets, model_names)?;
            let classes: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
            for class in classes {
                let (y, score) = one_vs_rest(&labels, probs.data(), k, class)?;
                sets.push((name_of(model_names, class), y, score));
            }
        }
    }
    let versus = if k == 2 && !matches!(data.targets(), Targets::MultiHot { .. }) {
        "the positive class"
    } else {
        "each class (or label) against the rest"
    };
    let roc: Vec<(String, RocCurve)> = curves_of(&sets, metrics::roc_curve);
    let pr: Vec<(String, PrCurve)> = curves_of(&sets, metrics::precision_recall_curve);
    let calibration: Vec<(String, CalibrationCurve)> = curves_of(&sets, |y, s| {
        metrics::calibration_curve(y, s, CALIBRATION_BINS, BinStrategy::Uniform)
    });
    let mut figures = vec![
        Figure::new(
            "roc",
            "ROC curve",
            format!(
                "True-positive rate against false-positive rate as the threshold moves, for \
                 {versus}; the legend gives the area under each curve (1 is perfect, 0.5 is \
                 chance, the dashed diagonal)."
            ),
            plot::roc_curves(&roc),
        ),
        Figure::new(
            "precision-recall",
            "Precision-recall curve",
            format!(
                "Precision against recall as the threshold moves, for {versus}; the legend \
                 gives the average precision. More telling than ROC when positives are rare."
            ),
            plot::precision_recall_curves(&pr),
        ),
    ];
    if let Some(confusion) = &eval.confusion {
        figures.push(Figure::new(
            "confusion",
            "Confusion matrix",
            "Rows: the actual class; columns: the predicted class. Each cell gives its count \
             and its share of the row (the recall on the diagonal); the colour follows the \
             share.",
            plot::confusion_heatmap(confusion),
        ));
    }
    figures.push(Figure::new(
        "calibration",
        "Calibration (reliability) diagram",
        format!(
            "For {versus}: the share of positives among the rows in each of \
             {CALIBRATION_BINS} bins of predicted probability, against the bin's mean \
             prediction. A calibrated model lies on the diagonal; below it, it is \
             over-confident."
        ),
        plot::calibration_diagram(&calibration),
    ));
    Ok(figures)
}

/// Predicted against actual values and residuals against predictions, of `model` on `data`
/// (the first target column when there are several).
pub fn regression_figures<T: Float>(
    model: &Regressor<T>,
    data: &Dataset,
) -> Result<Vec<Figure>, Box<dyn Error>> {
    let predicted = model.predict(data.features())?;
    let actual = data.targets().to_columns();
    let outputs = actual.shape()[1];
    let column = |t: &nabla_autodiff::Tensor<f64>| -> Vec<f64> {
        t.data().iter().step_by(outputs.max(1)).copied().collect()
    };
    let (actual, predicted) = (column(&actual), column(&predicted));
    let which = if outputs > 1 {
        " (the first target column)"
    } else {
        ""
    };
    Ok(vec![
        Figure::new(
            "predicted-vs-actual",
            "Predicted against actual",
            format!(
                "Each row's prediction against its actual value{which}, in the target's \
                 units; a perfect model puts every point on the diagonal."
            ),
            plot::predicted_vs_actual(&actual, &predicted),
        ),
        Figure::new(
            "residuals",
            "Residuals",
            format!(
                "Actual minus predicted against the prediction{which}: a band around zero with \
                 no shape is what a good fit leaves; a curve or a funnel shows what it missed."
            ),
            plot::residuals(&actual, &predicted),
        ),
    ])
}

/// The curve `curve` computes from each set of 0/1 labels and scores, named; a set it cannot
/// draw a curve from (a class absent from the rows) is left out.
fn curves_of<C>(
    sets: &[(String, Vec<usize>, Vec<f64>)],
    curve: impl Fn(&[usize], &[f64]) -> Result<C, MetricError>,
) -> Vec<(String, C)> {
    sets.iter()
        .filter_map(|(name, y, s)| curve(y, s).ok().map(|c| (name.clone(), c)))
        .collect()
}

/// The class indices of `targets` in the model's order of classes (matched by name, as
/// `evaluate` matches them).
fn labels_in_model_order(
    targets: &Targets,
    model_names: &[String],
) -> Result<Vec<usize>, Box<dyn Error>> {
    let indices = targets
        .class_indices()
        .ok_or("the targets are not classes")?;
    let Some(names) = targets.class_names() else {
        return Ok(indices);
    };
    indices
        .iter()
        .map(|&i| {
            let name = &names[i];
            model_names.iter().position(|m| m == name).ok_or_else(|| {
                format!("class {name:?} of the rows is not one of the model's classes").into()
            })
        })
        .collect()
}

fn name_of(names: &[String], index: usize) -> String {
    names
        .get(index)
        .cloned()
        .unwrap_or_else(|| index.to_string())
}
