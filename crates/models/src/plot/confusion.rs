//! [`confusion_heatmap`]: a confusion matrix as a heat map.

use super::PlotError;
use super::figure::{Area, Canvas, Drawn, TITLE_HEIGHT};
use super::style::{
    AXIS, AXIS_PX, HEIGHT, INK, NOTE_PX, TICK_PX, WIDTH, anchored, bold, font, percent, shorten,
    text_width, upright,
};
use crate::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Class names longer than this are cut, ending in an ellipsis.
const MAX_NAME: usize = 18;
/// Cells smaller than this (in pixels) show only the count, not the rate.
const TWO_LINE_CELL: u32 = 44;
/// The smallest side of the grid, and the smallest side of a cell.
const MIN_GRID: u32 = 360;
/// The smallest side of a cell.
const MIN_CELL: u32 = 30;
/// Width of the colour bar and the room for its labels.
const COLOUR_BAR: u32 = 14;
/// Room right of the grid for the colour bar, its ticks and title.
const COLOUR_BAR_AREA: u32 = 90;
/// Gap between the grid and the labels, bars and titles around it.
const GAP: u32 = 8;
/// Empty space around the drawing.
const MARGIN: u32 = 16;

/// ColorBrewer's 9-class "Blues", light to dark: the cell colour for a rate of 0, 1/8, ..., 1.
const BLUES: [RGBColor; 9] = [
    RGBColor(0xF7, 0xFB, 0xFF),
    RGBColor(0xDE, 0xEB, 0xF7),
    RGBColor(0xC6, 0xDB, 0xEF),
    RGBColor(0x9E, 0xCA, 0xE1),
    RGBColor(0x6B, 0xAE, 0xD6),
    RGBColor(0x42, 0x92, 0xC6),
    RGBColor(0x21, 0x71, 0xB5),
    RGBColor(0x08, 0x51, 0x9C),
    RGBColor(0x08, 0x30, 0x6B),
];
/// The colour of zero counts and their shares.
const ZERO_INK: RGBColor = RGBColor(0x8C, 0x8C, 0x8C);
/// The colour of a row with no samples, whose rates are undefined.
const NO_SUPPORT: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);

/// The confusion matrix as an SVG heat map: a row per actual class, a column per predicted
/// class, each cell coloured by its share of the row (the count divided by the class's
/// support, so the diagonal holds each class's recall) on a light-to-dark blue scale shown in
/// a colour bar, and labelled with its count and that share (`41` over `95%`), in white on
/// dark cells. The axes carry the class names ([`ConfusionMatrix::class_names`], else
/// `0`, `1`, ...), cut to 18 characters.
///
/// The grid is at least 360 pixels square and its cells at least 30 pixels, so a matrix of
/// more than 12 classes makes the picture larger than 640 by 480; cells smaller than 44 pixels
/// (more than 8 classes) show the count only, with a note saying so. A class with no actual
/// samples has a grey row without shares.
///
/// ```
/// use nabla_models::metrics::ConfusionMatrix;
/// use nabla_models::plot::confusion_heatmap;
/// let m = ConfusionMatrix::new(&[0, 0, 0, 1, 1], &[0, 0, 1, 1, 1], 2)?
///     .with_class_names(&["ham", "spam"])?;
/// let svg = confusion_heatmap(&m)?;
/// assert!(svg.contains("67%") && svg.contains("spam"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Only if drawing fails; every confusion matrix can be drawn.
pub fn confusion_heatmap(matrix: &ConfusionMatrix) -> Result<String, PlotError> {
    const PLOT: &str = "confusion_heatmap";
    let k = matrix.n_classes();
    let names: Vec<String> = match matrix.class_names() {
        Some(names) => names.iter().map(|n| shorten(n, MAX_NAME)).collect(),
        None => (0..k).map(|i| i.to_string()).collect(),
    };
    let grid = Grid::new(k, &names);
    let mut notes = Vec::new();
    if !grid.two_lines() {
        notes.push(
            "Cells show counts only; their colour is the count's share of its row (actual class)."
                .to_string(),
        );
    }
    let empty: Vec<&str> = (0..k)
        .filter(|&c| matrix.support(c) == 0)
        .map(|c| names[c].as_str())
        .collect();
    if !empty.is_empty() {
        notes.push(format!(
            "No actual samples of {}: grey row{}, no shares.",
            empty.join(", "),
            if empty.len() == 1 { "" } else { "s" }
        ));
    }
    if matrix
        .class_names()
        .is_some_and(|n| n.iter().any(|n| n.chars().count() > MAX_NAME))
    {
        notes.push(format!("Class names are cut to {MAX_NAME} characters."));
    }
    let canvas = Canvas {
        title: "Confusion matrix",
        legend: &[],
        notes: &notes,
        width: grid.width(),
        body_height: grid.height(),
    };
    canvas.render(PLOT, |area| grid.draw(area, matrix, &names))
}

/// The layout of the heat map in pixels.
struct Grid {
    /// The number of classes.
    k: u32,
    /// The side of a cell.
    cell: u32,
    /// Room left of the grid for the class names and the axis title.
    left: u32,
    /// Room below the grid for the class names and the axis title.
    below: u32,
    /// Whether the column names are turned to read upwards (when they do not fit across).
    upright_columns: bool,
}

impl Grid {
    /// The layout for `k` classes named `names`.
    fn new(k: usize, names: &[String]) -> Grid {
        let k = k as u32;
        let cell = (MIN_GRID / k).max(MIN_CELL);
        let widest = names
            .iter()
            .map(|n| text_width(n, TICK_PX))
            .fold(0.0, f64::max)
            .ceil() as u32;
        let upright_columns = widest + 4 > cell;
        let column_labels = if upright_columns {
            widest
        } else {
            TICK_PX as u32
        };
        Grid {
            k,
            cell,
            left: MARGIN + (AXIS_PX * 1.6) as u32 + widest + GAP,
            below: GAP + column_labels + GAP + (AXIS_PX * 1.6) as u32,
            upright_columns,
        }
    }

    /// Whether cells are big enough for the count and the rate.
    fn two_lines(&self) -> bool {
        self.cell >= TWO_LINE_CELL
    }

    /// The side of the grid.
    fn side(&self) -> u32 {
        self.cell * self.k
    }

    /// The picture's width: at least [`WIDTH`], the drawing centred in it.
    fn width(&self) -> u32 {
        WIDTH.max(self.content_width())
    }

    /// The width of the drawing: names, grid and colour bar.
    fn content_width(&self) -> u32 {
        self.left + self.side() + GAP + COLOUR_BAR_AREA + MARGIN
    }

    /// The height of the drawing: the grid, the names and title below it.
    fn content_height(&self) -> u32 {
        GAP + self.side() + self.below
    }

    /// The body's height: at least what makes the picture [`HEIGHT`] tall, the drawing
    /// centred in it.
    fn height(&self) -> u32 {
        self.content_height().max(HEIGHT - TITLE_HEIGHT)
    }

    /// Draws the heat map on the body area.
    fn draw(&self, area: &Area, matrix: &ConfusionMatrix, names: &[String]) -> Drawn {
        let x0 = ((self.width() - self.content_width()) / 2 + self.left) as i32;
        let y0 = (GAP + (self.height() - self.content_height()) / 2) as i32;
        let (cell, side, k) = (self.cell as i32, self.side() as i32, self.k as usize);
        let count_px = (f64::from(self.cell) * 0.36).min(15.0);
        for actual in 0..k {
            let support = matrix.support(actual);
            for predicted in 0..k {
                let count = matrix.count(actual, predicted);
                let rate = (support > 0).then(|| count as f64 / support as f64);
                let background = rate.map_or(NO_SUPPORT, shade);
                // Zero counts in grey, so that the counts that matter stand out.
                let ink = if count == 0 {
                    &ZERO_INK
                } else {
                    ink_on(background)
                };
                let (x, y) = (x0 + predicted as i32 * cell, y0 + actual as i32 * cell);
                area.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    background.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    WHITE.stroke_width(1),
                ))?;
                let centre = (x + cell / 2, y + cell / 2);
                let count_text = count.to_string();
                // Shrink the count until it fits across the cell.
                let px =
                    count_px.min(f64::from(self.cell) * 0.85 / (0.6 * count_text.len() as f64));
                match rate.filter(|_| self.two_lines()) {
                    Some(rate) => {
                        let style = anchored(bold(px, ink), HPos::Center, VPos::Bottom);
                        area.draw(&Text::new(count_text, (centre.0, centre.1 + 1), style))?;
                        let style = anchored(font(px * 0.85, ink), HPos::Center, VPos::Top);
                        area.draw(&Text::new(percent(rate), (centre.0, centre.1 + 3), style))?;
                    }
                    None => {
                        let style = anchored(bold(px, ink), HPos::Center, VPos::Center);
                        area.draw(&Text::new(count_text, centre, style))?;
                    }
                }
            }
        }
        area.draw(&Rectangle::new(
            [(x0, y0), (x0 + side, y0 + side)],
            AXIS.stroke_width(1),
        ))?;
        self.draw_names(area, names, (x0, y0))?;
        self.draw_colour_bar(area, (x0 + side + GAP as i32, y0))
    }

    /// Draws the class names beside the rows and below the columns, and the axis titles.
    fn draw_names(&self, area: &Area, names: &[String], (x0, y0): (i32, i32)) -> Drawn {
        let (cell, side) = (self.cell as i32, self.side() as i32);
        let gap = GAP as i32;
        let tick = font(TICK_PX, &INK);
        for (i, name) in names.iter().enumerate() {
            let middle = i as i32 * cell + cell / 2;
            let row = anchored(tick.clone(), HPos::Right, VPos::Center);
            area.draw(&Text::new(name.clone(), (x0 - gap, y0 + middle), row))?;
            let column = if self.upright_columns {
                upright(anchored(tick.clone(), HPos::Right, VPos::Center))
            } else {
                anchored(tick.clone(), HPos::Center, VPos::Top)
            };
            area.draw(&Text::new(
                name.clone(),
                (x0 + middle, y0 + side + gap),
                column,
            ))?;
        }
        let title = font(AXIS_PX, &INK);
        let bottom = y0 + (self.side() + self.below) as i32 - 4;
        area.draw(&Text::new(
            "Predicted class",
            (x0 + side / 2, bottom),
            anchored(title.clone(), HPos::Center, VPos::Bottom),
        ))?;
        area.draw(&Text::new(
            "Actual class",
            (x0 - self.left as i32 + MARGIN as i32, y0 + side / 2),
            upright(anchored(title, HPos::Center, VPos::Top)),
        ))
    }

    /// Draws the colour bar with its top left corner at `(x, y)`.
    fn draw_colour_bar(&self, area: &Area, (x, y): (i32, i32)) -> Drawn {
        let side = self.side() as i32;
        let steps = 64;
        for s in 0..steps {
            let top = y + side * s / steps;
            let bottom = y + side * (s + 1) / steps;
            let rate = 1.0 - (f64::from(s) + 0.5) / f64::from(steps);
            let bar = [(x, top), (x + COLOUR_BAR as i32, bottom)];
            area.draw(&Rectangle::new(bar, shade(rate).filled()))?;
        }
        let frame = [(x, y), (x + COLOUR_BAR as i32, y + side)];
        area.draw(&Rectangle::new(frame, AXIS.stroke_width(1)))?;
        for (rate, label) in [(1.0, "100%"), (0.5, "50%"), (0.0, "0%")] {
            let at = y + ((1.0 - rate) * f64::from(side)).round() as i32;
            let tick_end = x + COLOUR_BAR as i32 + 4;
            area.draw(&PathElement::new(
                vec![(x + COLOUR_BAR as i32, at), (tick_end, at)],
                AXIS,
            ))?;
            let style = anchored(font(TICK_PX, &INK), HPos::Left, VPos::Center);
            area.draw(&Text::new(label, (tick_end + 3, at), style))?;
        }
        area.draw(&Text::new(
            "share of actual class",
            (x + COLOUR_BAR as i32 + 44, y + side / 2),
            upright(anchored(font(NOTE_PX, &INK), HPos::Center, VPos::Top)),
        ))
    }
}

/// The colour of a rate in `[0, 1]`, interpolated along [`BLUES`].
fn shade(rate: f64) -> RGBColor {
    let position = rate.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let below = (position.floor() as usize).min(BLUES.len() - 2);
    let t = position - below as f64;
    let (a, b) = (BLUES[below], BLUES[below + 1]);
    let mix =
        |from: u8, to: u8| (f64::from(from) + (f64::from(to) - f64::from(from)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// White or the usual dark ink, whichever contrasts more with `background`.
fn ink_on(background: RGBColor) -> &'static RGBColor {
    let contrast = |a: f64, b: f64| (a.max(b) + 0.05) / (a.min(b) + 0.05);
    let l = luminance(background);
    if contrast(l, 1.0) > contrast(l, luminance(INK)) {
        &WHITE
    } else {
        &INK
    }
}

/// The relative luminance of `colour` (WCAG), from 0 for black to 1 for white.
fn luminance(colour: RGBColor) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(colour.0) + 0.7152 * linear(colour.1) + 0.0722 * linear(colour.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_run_from_the_lightest_to_the_darkest_blue() {
        assert_eq!(shade(0.0), BLUES[0]);
        assert_eq!(shade(1.0), BLUES[8]);
        assert_eq!(shade(0.5), BLUES[4]);
        assert!(luminance(shade(0.0)) > 0.9);
        assert!(luminance(shade(1.0)) < 0.05);
        assert!(luminance(WHITE) > 0.99 && luminance(BLACK) < 0.01);
    }

    #[test]
    fn long_names_are_cut_and_many_classes_widen_the_grid() {
        assert_eq!(shorten("short", MAX_NAME), "short");
        assert_eq!(
            shorten("a very long class name indeed", MAX_NAME)
                .chars()
                .count(),
            MAX_NAME
        );
        let names: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let grid = Grid::new(20, &names);
        assert_eq!(grid.cell, MIN_CELL);
        assert!(!grid.two_lines());
        assert!(grid.width() > WIDTH);
        let grid = Grid::new(3, &names[..3]);
        assert!(grid.two_lines() && !grid.upright_columns);
        assert_eq!(grid.width(), WIDTH);
    }
}
