//! [`predicted_vs_actual`] and [`residuals`]: scatter plots of a regressor's predictions.

use super::PlotError;
use super::figure::{Axis, Figure, Look, Panel, Series};
use super::style::{PALETTE, short_number};
use crate::metrics::{r2_score, rmse};

/// The most points a scatter plot draws. Beyond it an evenly spaced sample is drawn (every
/// k-th pair, the same for the same input), which keeps the file near 150 kB; the axes still
/// span every pair.
pub const MAX_SCATTER_POINTS: usize = 2000;

/// The predictions against the true values as an SVG document: one marker per pair,
/// predicted on the vertical axis and actual on the horizontal, both axes over the same
/// range, the dashed line `y = x` where perfect predictions lie, and the R² and number of
/// pairs in the legend.
///
/// Pairs with a non-finite value are left out and counted in a note; beyond
/// [`MAX_SCATTER_POINTS`] pairs an evenly spaced sample is drawn, with a note saying so.
///
/// ```
/// use nabla_models::plot::predicted_vs_actual;
/// let svg = predicted_vs_actual(&[1.0, 2.0, 3.0, 4.0], &[1.1, 1.9, 3.2, 3.8])?;
/// assert!(svg.contains("y = x"));
/// assert!(svg.contains("R² 0.980"));
/// # Ok::<(), nabla_models::plot::PlotError>(())
/// ```
///
/// # Errors
/// If the slices differ in length, are empty, or hold no pair of finite values.
pub fn predicted_vs_actual(actual: &[f64], predicted: &[f64]) -> Result<String, PlotError> {
    const PLOT: &str = "predicted_vs_actual";
    let pairs = Pairs::new(PLOT, actual, predicted)?;
    let points: Vec<(f64, f64)> = pairs.finite.clone();
    let values = points.iter().flat_map(|&(a, p)| [a, p]);
    let axis = Axis::fit("Actual", values, false);
    let y = axis.clone().labelled("Predicted");
    let x = axis;
    let (lo, hi) = x.bounds();
    let mut legend = format!("predictions (n = {}", points.len());
    let (a, p): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    if let Ok(r2) = r2_score(&a, &p) {
        legend += &format!(", R² {r2:.3}");
    }
    legend.push(')');
    pairs.figure(
        "Predicted against actual",
        Panel {
            guides: vec![Series::diagonal("y = x (perfect prediction)", lo, hi)],
            square: true,
            ..Panel::new(x, y, vec![pairs.scatter(legend, &points)])
        },
    )
}

/// The residuals (actual − predicted) against the predictions as an SVG document: one marker
/// per pair, a dashed line at zero, and the root mean squared error in the legend. A good
/// model's residuals scatter evenly around zero whatever the prediction; a funnel or a curve
/// shows what it misses.
///
/// Pairs with a non-finite value are left out and counted in a note; beyond
/// [`MAX_SCATTER_POINTS`] pairs an evenly spaced sample is drawn, with a note saying so.
///
/// # Errors
/// If the slices differ in length, are empty, or hold no pair of finite values.
pub fn residuals(actual: &[f64], predicted: &[f64]) -> Result<String, PlotError> {
    const PLOT: &str = "residuals";
    let pairs = Pairs::new(PLOT, actual, predicted)?;
    let points: Vec<(f64, f64)> = pairs.finite.iter().map(|&(a, p)| (p, a - p)).collect();
    let x = Axis::fit("Predicted", points.iter().map(|p| p.0), false);
    let largest = points.iter().fold(0.0f64, |m, p| m.max(p.1.abs()));
    let y = Axis::fit("Residual (actual - predicted)", [-largest, largest], false);
    let (a, p): (Vec<f64>, Vec<f64>) = pairs.finite.iter().copied().unzip();
    let rmse = rmse(&a, &p).map_err(|e| PlotError::InvalidValue {
        plot: PLOT,
        message: e.to_string(),
    })?;
    let legend = format!(
        "residuals (n = {}, RMSE {})",
        points.len(),
        short_number(rmse)
    );
    let (lo, hi) = x.bounds();
    pairs.figure(
        "Residuals against predicted",
        Panel {
            guides: vec![Series::new(
                "zero residual",
                vec![(lo, 0.0), (hi, 0.0)],
                Look::reference(),
            )],
            ..Panel::new(x, y, vec![pairs.scatter(legend, &points)])
        },
    )
}

/// Checked pairs of actual and predicted values.
struct Pairs {
    /// The plotting function, for errors.
    plot: &'static str,
    /// The pairs whose values are both finite.
    finite: Vec<(f64, f64)>,
    /// How many pairs were left out for a non-finite value.
    skipped: usize,
}

impl Pairs {
    /// Checks the slices and keeps the finite pairs.
    fn new(plot: &'static str, actual: &[f64], predicted: &[f64]) -> Result<Pairs, PlotError> {
        if actual.len() != predicted.len() {
            return Err(PlotError::LengthMismatch {
                plot,
                message: format!(
                    "actual has {} values and predicted {}; give one prediction per actual value",
                    actual.len(),
                    predicted.len()
                ),
            });
        }
        if actual.is_empty() {
            return Err(PlotError::Empty {
                plot,
                message: "actual and predicted are empty; pass at least one pair".into(),
            });
        }
        let finite: Vec<(f64, f64)> = actual
            .iter()
            .zip(predicted)
            .map(|(&a, &p)| (a, p))
            .filter(|(a, p)| a.is_finite() && p.is_finite())
            .collect();
        if finite.is_empty() {
            return Err(PlotError::InvalidValue {
                plot,
                message: format!(
                    "none of the {} pairs has both values finite; a model whose loss diverged \
                     predicts NaN or infinity",
                    actual.len()
                ),
            });
        }
        Ok(Pairs {
            plot,
            skipped: actual.len() - finite.len(),
            finite,
        })
    }

    /// The markers of `points` (at most [`MAX_SCATTER_POINTS`], evenly spaced).
    fn scatter(&self, legend: String, points: &[(f64, f64)]) -> Series {
        let shown = if points.len() <= MAX_SCATTER_POINTS {
            points.to_vec()
        } else {
            (0..MAX_SCATTER_POINTS)
                .map(|i| points[i * points.len() / MAX_SCATTER_POINTS])
                .collect()
        };
        let look = Look::Markers {
            colour: PALETTE[0],
            radius: 3,
            opacity: if shown.len() > 200 { 0.35 } else { 0.7 },
        };
        Series::new(legend, shown, look)
    }

    /// The picture of `panel`, with notes on what was left out.
    fn figure(&self, title: &str, panel: Panel) -> Result<String, PlotError> {
        let mut notes = Vec::new();
        if self.skipped > 0 {
            notes.push(format!(
                "{} pair{} with a non-finite value left out",
                self.skipped,
                if self.skipped == 1 { "" } else { "s" }
            ));
        }
        if self.finite.len() > MAX_SCATTER_POINTS {
            notes.push(format!(
                "showing {MAX_SCATTER_POINTS} of {} pairs, an evenly spaced sample",
                self.finite.len()
            ));
        }
        Figure {
            notes,
            ..Figure::single(title, panel)
        }
        .render(self.plot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_scatters_are_an_evenly_spaced_sample() {
        let n = 3 * MAX_SCATTER_POINTS;
        let actual: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let pairs = Pairs::new("test", &actual, &actual).unwrap();
        let shown = pairs.scatter(String::new(), &pairs.finite).points;
        assert_eq!(shown.len(), MAX_SCATTER_POINTS);
        assert!(shown.iter().enumerate().all(|(i, p)| p.0 == (3 * i) as f64));
    }

    #[test]
    fn non_finite_pairs_are_counted_and_left_out() {
        let pairs = Pairs::new("test", &[1.0, f64::NAN, 3.0], &[1.0, 2.0, f64::INFINITY]).unwrap();
        assert_eq!((pairs.finite.len(), pairs.skipped), (1, 2));
    }
}
