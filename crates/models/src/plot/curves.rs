//! What ROC, precision-recall and calibration pictures share: one curve per `(label,
//! curve)` on `[0, 1]` by `[0, 1]` axes, each checked and summed up in its legend entry.

use super::PlotError;
use super::figure::{Figure, Look, Panel, Series};

/// A kind of curve drawn on `[0, 1]` by `[0, 1]` axes.
pub(crate) trait UnitCurve {
    /// The plotting function, for errors.
    const PLOT: &'static str;
    /// The picture's title for one curve and for several.
    const TITLES: (&'static str, &'static str);
    /// The field holding the x coordinates, and the x axis title.
    const X: (&'static str, &'static str);
    /// The field holding the y coordinates, and the y axis title.
    const Y: (&'static str, &'static str);
    /// The fewest points a curve may have.
    const MIN_POINTS: usize;
    /// The legend text of the dashed diagonal, if there is one.
    const DIAGONAL: Option<&'static str>;

    /// The x and y coordinates.
    fn coordinates(&self) -> (&[f64], &[f64]);

    /// What the legend entry adds after the label, in brackets (such as `AUC 0.953`).
    fn summary(&self) -> String;

    /// Checks anything beyond the coordinates, for the curve called `label` of `points`
    /// points.
    fn check(&self, _label: &str, _points: usize) -> Result<(), PlotError> {
        Ok(())
    }

    /// The series of the `i`-th curve, from its checked points and legend text.
    fn series(i: usize, legend: String, points: Vec<(f64, f64)>) -> Series {
        Series::new(legend, points, Look::curve(i))
    }
}

/// The picture of `curves`: each checked, drawn in the palette's colours, and listed in the
/// legend as `label (summary)`.
pub(crate) fn unit_curves<C: UnitCurve>(curves: &[(String, C)]) -> Result<String, PlotError> {
    require_curves(C::PLOT, curves)?;
    let mut series = Vec::with_capacity(curves.len());
    for (i, (label, curve)) in curves.iter().enumerate() {
        let (x, y) = curve.coordinates();
        let points = unit_points(C::PLOT, label, (C::X.0, x), (C::Y.0, y), C::MIN_POINTS)?;
        curve.check(label, points.len())?;
        series.push(C::series(
            i,
            format!("{label} ({})", curve.summary()),
            points,
        ));
    }
    let panel = Panel::unit_square(C::X.1, C::Y.1, C::DIAGONAL, series);
    let title = if curves.len() == 1 {
        C::TITLES.0
    } else {
        C::TITLES.1
    };
    Figure::single(title, panel).render(C::PLOT)
}

/// Refuses an empty list of curves.
fn require_curves<T>(plot: &'static str, curves: &[T]) -> Result<(), PlotError> {
    if curves.is_empty() {
        return Err(PlotError::Empty {
            plot,
            message: "no curves were passed; pass at least one (label, curve) pair".into(),
        });
    }
    Ok(())
}

/// Checks that a curve's two coordinate lists pair up into at least `min_points` points, each
/// a finite number in `[0, 1]`, and returns the points.
fn unit_points(
    plot: &'static str,
    label: &str,
    (x_name, x): (&str, &[f64]),
    (y_name, y): (&str, &[f64]),
    min_points: usize,
) -> Result<Vec<(f64, f64)>, PlotError> {
    if x.len() != y.len() {
        return Err(PlotError::LengthMismatch {
            plot,
            message: format!(
                "curve \"{label}\" has {} {x_name} values and {} {y_name} values; a curve needs \
                 one {y_name} per {x_name}",
                x.len(),
                y.len()
            ),
        });
    }
    if x.len() < min_points {
        return Err(PlotError::Empty {
            plot,
            message: format!(
                "curve \"{label}\" has {} points but at least {min_points} are needed; build it \
                 with the matching function of nabla_models::metrics",
                x.len()
            ),
        });
    }
    for (name, values) in [(x_name, x), (y_name, y)] {
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            return Err(PlotError::InvalidValue {
                plot,
                message: format!(
                    "curve \"{label}\": {name}[{i}] is {v}, but every {name} value must be a \
                     finite number in [0, 1]"
                ),
            });
        }
    }
    Ok(x.iter().copied().zip(y.iter().copied()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_plot_and_say_what_is_needed() {
        let e = unit_points("roc_curves", "a", ("fpr", &[0.0, 1.0]), ("tpr", &[0.0]), 2);
        assert_eq!(
            e.unwrap_err().to_string(),
            "roc_curves: curve \"a\" has 2 fpr values and 1 tpr values; a curve needs one tpr \
             per fpr"
        );
        let e = unit_points(
            "roc_curves",
            "a",
            ("fpr", &[0.0, 1.5]),
            ("tpr", &[0.0, 1.0]),
            2,
        );
        assert!(matches!(e, Err(PlotError::InvalidValue { .. })));
        let e = unit_points(
            "roc_curves",
            "a",
            ("fpr", &[0.0, f64::NAN]),
            ("tpr", &[0.0, 1.0]),
            2,
        );
        assert!(e.unwrap_err().to_string().contains("fpr[1] is NaN"));
        let e = unit_points("roc_curves", "a", ("fpr", &[0.0]), ("tpr", &[0.0]), 2);
        assert!(matches!(e, Err(PlotError::Empty { .. })));
        assert_eq!(
            require_curves::<u8>("roc_curves", &[])
                .unwrap_err()
                .to_string(),
            "roc_curves: no curves were passed; pass at least one (label, curve) pair"
        );
    }
}
