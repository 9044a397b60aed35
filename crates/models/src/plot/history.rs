//! [`history_curves`]: loss and metrics against epoch.

use super::PlotError;
use super::figure::{Axis, CHART_HEIGHT, Figure, Look, Panel, Rule, Series, Stroke};
use super::style::{MUTED, PALETTE, short_number};
use crate::train::History;

/// The height of each panel when there is more than one.
const PANEL_HEIGHT: u32 = 300;
/// Beyond this many learning-rate changes (a schedule that changes it every epoch), they are
/// marked by short ticks at the top of each panel, without text, and summed up in a note.
const MAX_LR_LINES: usize = 12;

/// The training curves of a run, as an SVG document: a panel of the loss against epoch
/// (training, and validation when there is validation data), then a panel for each metric
/// (training and `val_` values), one above the other, sharing a legend.
///
/// Vertical lines mark, in every panel:
/// - each epoch whose learning rate differs from the previous epoch's (dotted grey, written
///   beside the line in the loss panel as e.g. `lr 1e-3 -> 5e-4`; when lines are too close
///   together for their text, some are left unwritten). A schedule that changes the rate in
///   more than 12 epochs gets short ticks at the top of each panel instead, and a note with
///   the first and last rates;
/// - when training stopped early ([`History::stopped_early`]), the best epoch (the lowest
///   validation loss, or training loss without validation data; dashed green,
///   `best epoch 12 (lowest val_loss)`) and the last epoch (dashed vermilion,
///   `stopped at 22`), or, when it stopped on a non-finite loss or gradient, the epoch
///   where that happened.
///
/// Losses and metrics that are not finite are left out (the line breaks there) and counted in
/// a note under the chart. Long runs are drawn with at most four points per pixel column.
///
/// ```
/// use nabla_models::plot::history_curves;
/// use nabla_models::train::{EpochRecord, History};
/// let epochs = (1..=20)
///     .map(|epoch| EpochRecord {
///         epoch,
///         loss: 1.0 / epoch as f64,
///         metrics: vec![("accuracy".into(), 1.0 - 0.5 / epoch as f64)],
///         val_loss: Some(1.2 / epoch as f64 + 0.002 * epoch as f64),
///         val_metrics: vec![("accuracy".into(), 0.9 - 0.5 / epoch as f64)],
///         learning_rate: if epoch <= 10 { 1e-3 } else { 5e-4 },
///     })
///     .collect();
/// let history = History {
///     epochs,
///     stopped_early: Some("early stopping: val_loss did not improve".into()),
///     ..History::default()
/// };
/// let svg = history_curves(&history)?;
/// assert!(svg.contains("lr 1e-3 -&gt; 5e-4"));
/// assert!(svg.contains("stopped at 20"));
/// # Ok::<(), nabla_models::plot::PlotError>(())
/// ```
///
/// # Errors
/// If the history has no epochs.
pub fn history_curves(history: &History) -> Result<String, PlotError> {
    const PLOT: &str = "history_curves";
    let (Some(first), Some(last)) = (history.epochs.first(), history.epochs.last()) else {
        return Err(PlotError::Empty {
            plot: PLOT,
            message: "the history has no epochs; train first and pass the History that fit \
                      returned"
                .into(),
        });
    };
    let end = history
        .non_finite
        .as_ref()
        .map_or(last.epoch, |nf| nf.epoch.max(last.epoch));
    let x = Axis::fit("epoch", [first.epoch as f64, end as f64], true);
    let (rules, lr_note) = rules(history);
    let mut names = vec!["loss".to_string()];
    for record in &history.epochs {
        for (name, _) in record.metrics.iter().chain(&record.val_metrics) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let height = if names.len() == 1 {
        CHART_HEIGHT
    } else {
        PANEL_HEIGHT
    };
    let mut non_finite = 0;
    let mut panels = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let lines = [
            ("training", name.clone(), Look::curve(0)),
            ("validation", format!("val_{name}"), Look::curve(1)),
        ];
        let mut series = Vec::new();
        for (legend, key, look) in lines {
            let values: Vec<Option<f64>> = history.epochs.iter().map(|e| e.get(&key)).collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            non_finite += values.iter().flatten().filter(|v| !v.is_finite()).count();
            let points = history
                .epochs
                .iter()
                .zip(&values)
                .map(|(e, v)| (e.epoch as f64, v.unwrap_or(f64::NAN)))
                .collect();
            series.push(Series::new(legend, points, look));
        }
        let y = Axis::fit(
            name,
            series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            false,
        );
        let mut panel_rules = rules.clone();
        if i > 0 {
            // The learning rates are written in the first panel only.
            panel_rules.iter_mut().for_each(|r| r.text = None);
        }
        panels.push(Panel {
            rules: panel_rules,
            height,
            ..Panel::new(x.clone(), y, series)
        });
    }
    let mut notes: Vec<String> = lr_note.into_iter().collect();
    if non_finite > 0 {
        notes.push(format!(
            "{non_finite} non-finite value{} not drawn (the lines break there)",
            if non_finite == 1 { " is" } else { "s are" }
        ));
    }
    Figure {
        title: "Training history".into(),
        panels,
        notes,
    }
    .render(PLOT)
}

/// The marker lines: learning-rate changes, and the best and last epochs when training
/// stopped early; and a note when the learning rate changed too often to write each change.
fn rules(history: &History) -> (Vec<Rule>, Option<String>) {
    let changes: Vec<(usize, f64, f64)> = history
        .epochs
        .windows(2)
        .map(|pair| (pair[1].epoch, pair[0].learning_rate, pair[1].learning_rate))
        .filter(|&(_, before, after)| {
            before.is_finite()
                && after.is_finite()
                && (after - before).abs() > 1e-12 * before.abs().max(after.abs())
        })
        .collect();
    let many = changes.len() > MAX_LR_LINES;
    let mut rules: Vec<Rule> = changes
        .iter()
        .map(|&(epoch, before, after)| Rule {
            x: epoch as f64,
            look: Look::Line {
                colour: MUTED,
                stroke: if many { Stroke::Solid } else { Stroke::Dotted },
                width: 1,
            },
            legend: Some("learning-rate change".into()),
            text: (!many)
                .then(|| format!("lr {} -> {}", short_number(before), short_number(after))),
            reach: if many { 0.04 } else { 1.0 },
        })
        .collect();
    let note = match (changes.first(), changes.last()) {
        (Some(first), Some(last)) if many => Some(format!(
            "The learning rate changed in {} epochs, from {} to {}: ticks at the top of each \
             panel mark them.",
            changes.len(),
            short_number(first.1),
            short_number(last.2)
        )),
        _ => None,
    };
    if history.stopped_early.is_none() {
        return (rules, note);
    }
    let marker = |x: usize, colour, legend: String| Rule {
        x: x as f64,
        look: Look::Line {
            colour,
            stroke: Stroke::Dashed,
            width: 2,
        },
        legend: Some(legend),
        text: None,
        reach: 1.0,
    };
    let key = if history.epochs.iter().any(|e| e.val_loss.is_some()) {
        "val_loss"
    } else {
        "loss"
    };
    let best = history
        .epochs
        .iter()
        .filter_map(|e| e.get(key).filter(|v| v.is_finite()).map(|v| (e.epoch, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((epoch, _)) = best {
        rules.push(marker(
            epoch,
            PALETTE[2],
            format!("best epoch {epoch} (lowest {key})"),
        ));
    }
    let stop = match &history.non_finite {
        Some(nf) => marker(
            nf.epoch,
            PALETTE[6],
            format!(
                "non-finite {} in epoch {}",
                if nf.loss.is_finite() {
                    "gradient"
                } else {
                    "loss"
                },
                nf.epoch
            ),
        ),
        None => {
            let last = history.epochs.last().map_or(0, |e| e.epoch);
            marker(last, PALETTE[3], format!("stopped at {last}"))
        }
    };
    rules.push(stop);
    (rules, note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::EpochRecord;

    fn history(rates: &[f64]) -> History {
        let epochs = rates
            .iter()
            .enumerate()
            .map(|(i, &learning_rate)| EpochRecord {
                epoch: i + 1,
                loss: 1.0 / (i + 1) as f64,
                metrics: Vec::new(),
                val_loss: None,
                val_metrics: Vec::new(),
                learning_rate,
            })
            .collect();
        History {
            epochs,
            ..History::default()
        }
    }

    #[test]
    fn a_rule_marks_each_learning_rate_change() {
        let (rules, note) = rules(&history(&[0.1, 0.1, 0.05, 0.05, 0.05 + 1e-18, 0.01]));
        assert!(note.is_none());
        let marked: Vec<(f64, Option<&str>)> =
            rules.iter().map(|r| (r.x, r.text.as_deref())).collect();
        assert_eq!(
            marked,
            [
                (3.0, Some("lr 0.1 -> 0.05")),
                (6.0, Some("lr 0.05 -> 0.01"))
            ]
        );
    }

    #[test]
    fn an_early_stop_marks_the_best_and_the_last_epoch() {
        let mut h = history(&[0.1; 5]);
        h.epochs[1].loss = 0.01;
        h.stopped_early = Some("early stopping".into());
        let (rules, _) = rules(&h);
        let legends: Vec<(f64, &str)> = rules
            .iter()
            .map(|r| (r.x, r.legend.as_deref().unwrap()))
            .collect();
        assert_eq!(
            legends,
            [(2.0, "best epoch 2 (lowest loss)"), (5.0, "stopped at 5")]
        );
    }
}
