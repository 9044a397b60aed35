//! Pictures of training and of a model's predictions, as SVG documents drawn with `plotters`.
//!
//! Each function returns the whole SVG document as a `String` (an `<svg>` root with `width`,
//! `height` and `viewBox`), ready to write to a `.svg` file or to put inline in an HTML page.
//! The documents are self-contained: no fonts, images, scripts or links are referred to, and
//! all text (titles, axis titles, tick labels, legends, notes) is real `<text>` in the generic
//! `sans-serif` family, which the viewer renders with its own default font.
//!
//! - [`history_curves`]: loss and each metric against epoch, training and validation, with
//!   the epochs where the learning rate changed, and where early stopping stopped and the best
//!   epoch was, marked.
//! - [`roc_curves`] and [`precision_recall_curves`]: one curve per entry (per class, one
//!   against the rest, for a multi-class model: see [`one_vs_rest`](crate::metrics::one_vs_rest)),
//!   each with its AUC or average precision in the legend.
//! - [`confusion_heatmap`]: the confusion matrix, cells coloured by the share of their row.
//! - [`calibration_diagram`]: a reliability diagram, with each curve's expected calibration
//!   error in the legend.
//! - [`predicted_vs_actual`] and [`residuals`]: for regression.
//!
//! The pictures are 640 pixels wide and 480 tall for a single chart; more legend rows, notes
//! or panels make them taller, and a confusion matrix of many classes wider. Curves take their
//! colours from Okabe and Ito's colour-blind-safe palette.
//!
//! What is not drawable is never drawn silently wrong: curves (ROC, precision-recall,
//! calibration) whose points are not finite numbers in `[0, 1]`, or whose coordinate lists
//! differ in length, are refused with a [`PlotError`], because the AUC or average precision
//! printed beside them would be wrong. Data points (regression values, a history's losses and
//! metrics) that are not finite are left out, and a note under the chart says how many. Large
//! inputs are thinned so that the files stay small (at most a few hundred kilobytes): scatter
//! plots show at most [`MAX_SCATTER_POINTS`] points, an evenly spaced sample (every k-th
//! pair, so the same input gives the same picture) with a note saying so; curves are drawn
//! with at most four points per pixel column (the first, lowest, highest and last), which
//! draws the same line.
//!
//! ```
//! use nabla_models::metrics::roc_curve;
//! use nabla_models::plot::roc_curves;
//! let curve = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
//! let svg = roc_curves(&[("model".to_string(), curve)])?;
//! assert!(svg.starts_with("<svg"));
//! assert!(svg.contains("model (AUC 0.750)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod calibration;
mod confusion;
mod curves;
mod figure;
mod history;
mod precision_recall;
mod regression;
mod roc;
mod style;

use std::fmt;

pub use calibration::calibration_diagram;
pub use confusion::confusion_heatmap;
pub use history::history_curves;
pub use precision_recall::precision_recall_curves;
pub use regression::{MAX_SCATTER_POINTS, predicted_vs_actual, residuals};
pub use roc::roc_curves;

/// Why a picture could not be drawn. Every variant names the plotting function; the
/// [`Display`](fmt::Display) form says what was passed and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlotError {
    /// There is nothing to draw: no curves, no values, no epochs.
    Empty {
        /// The plotting function.
        plot: &'static str,
        /// What was empty and what is needed.
        message: String,
    },
    /// Two lists that go together have different lengths.
    LengthMismatch {
        /// The plotting function.
        plot: &'static str,
        /// Which lists, their lengths, and what is needed.
        message: String,
    },
    /// A value cannot be drawn: it is not finite, or outside the range the picture needs.
    InvalidValue {
        /// The plotting function.
        plot: &'static str,
        /// Which value, where, and what is needed.
        message: String,
    },
    /// `plotters` failed while drawing (not expected when writing SVG to a string).
    Drawing {
        /// The plotting function.
        plot: &'static str,
        /// The error `plotters` reported.
        message: String,
    },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (plot, message) = match self {
            PlotError::Empty { plot, message }
            | PlotError::LengthMismatch { plot, message }
            | PlotError::InvalidValue { plot, message } => (plot, message),
            PlotError::Drawing { plot, message } => {
                return write!(f, "{plot}: drawing failed: {message}");
            }
        };
        write!(f, "{plot}: {message}")
    }
}

impl std::error::Error for PlotError {}
