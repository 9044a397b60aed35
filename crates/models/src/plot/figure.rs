//! What every picture is made of: a title, a legend above the chart, the chart (one or more
//! panels of lines and markers on x-y axes, or a body a plot draws itself), and notes below.

use super::PlotError;
use super::style::{
    AXIS, AXIS_PX, GRID, HEIGHT, INK, LEGEND_PX, MUTED, NOTE_PX, PALETTE, REFERENCE, TICK_PX,
    TITLE_PX, WIDTH, anchored, bold, font, short_number, shorten, text_width, upright,
};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// A region of the picture, in pixels from its top left corner.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What drawing on an [`Area`] returns.
pub(crate) type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// A panel's chart: data coordinates on both axes, with our own tick positions.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// Height of the title band.
pub(crate) const TITLE_HEIGHT: u32 = 34;
/// Height of one legend row.
const LEGEND_ROW: u32 = 20;
/// Height of one note line.
const NOTE_ROW: u32 = 16;
/// Empty space at the left and right of the picture.
const SIDE: u32 = 16;
/// Legend entries longer than this are cut, so that one fits across the picture.
const MAX_LEGEND_CHARS: usize = 72;
/// Width of a legend entry's sample line.
const SWATCH: i32 = 26;
/// The height of a single chart, so that with the title and one legend row the picture is
/// [`HEIGHT`] tall.
pub(crate) const CHART_HEIGHT: u32 = HEIGHT - TITLE_HEIGHT - LEGEND_ROW - 6;
/// Room below a chart for the x tick labels and the x axis title.
const X_LABEL_AREA: u32 = 46;
/// Room above and to the right of a chart.
const CHART_MARGIN: u32 = 12;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stroke {
    /// Unbroken.
    Solid,
    /// Dashes of 6 pixels, 4 apart.
    Dashed,
    /// Dots: dashes of 2 pixels, 3 apart.
    Dotted,
}

impl Stroke {
    /// Dash length and gap in pixels, for broken lines.
    fn dashes(self) -> Option<(i32, i32)> {
        match self {
            Stroke::Solid => None,
            Stroke::Dashed => Some((6, 4)),
            Stroke::Dotted => Some((2, 3)),
        }
    }
}

/// How a series, a marker line or a legend entry looks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Look {
    /// A line.
    Line {
        /// Its colour.
        colour: RGBColor,
        /// Unbroken, dashed or dotted.
        stroke: Stroke,
        /// Its width in pixels.
        width: u32,
    },
    /// A filled circle at each point.
    Markers {
        /// Their colour.
        colour: RGBColor,
        /// Their radius in pixels.
        radius: u32,
        /// Their opacity, so that overlapping markers show density.
        opacity: f64,
    },
    /// A line through the points and a circle at each.
    LineMarkers {
        /// Their colour.
        colour: RGBColor,
        /// How the line is drawn.
        stroke: Stroke,
    },
}

impl Look {
    /// The look of the `i`-th curve of a picture: the palette's colours in turn, dashed
    /// the second time round, so that up to 16 curves stay apart.
    pub(crate) fn curve(i: usize) -> Look {
        let (colour, stroke) = curve_colour(i);
        Look::Line {
            colour,
            stroke,
            width: 2,
        }
    }

    /// The `i`-th curve of a picture drawn as a line with markers.
    pub(crate) fn curve_with_markers(i: usize) -> Look {
        let (colour, stroke) = curve_colour(i);
        Look::LineMarkers { colour, stroke }
    }

    /// A thin dashed grey reference line (chance, perfect calibration, `y = x`).
    pub(crate) fn reference() -> Look {
        Look::Line {
            colour: REFERENCE,
            stroke: Stroke::Dashed,
            width: 1,
        }
    }
}

/// The colour and stroke of the `i`-th curve.
fn curve_colour(i: usize) -> (RGBColor, Stroke) {
    let stroke = if (i / PALETTE.len()) % 2 == 0 {
        Stroke::Solid
    } else {
        Stroke::Dashed
    };
    (PALETTE[i % PALETTE.len()], stroke)
}

/// An entry of the legend.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    /// Its text.
    pub label: String,
    /// The sample drawn before the text.
    pub look: Look,
}

/// Points drawn one way, with an optional legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// The legend text; none for no entry.
    pub legend: Option<String>,
    /// The points in data coordinates, in drawing order. A non-finite coordinate breaks a line
    /// there, and is not drawn as a marker.
    pub points: Vec<(f64, f64)>,
    /// How they are drawn.
    pub look: Look,
}

impl Series {
    /// A series with a legend entry.
    pub(crate) fn new(legend: impl Into<String>, points: Vec<(f64, f64)>, look: Look) -> Series {
        Series {
            legend: Some(legend.into()),
            points,
            look,
        }
    }

    /// The dashed grey diagonal from `(lo, lo)` to `(hi, hi)`, labelled `legend`.
    pub(crate) fn diagonal(legend: &str, lo: f64, hi: f64) -> Series {
        Series::new(legend, vec![(lo, lo), (hi, hi)], Look::reference())
    }
}

/// A vertical line across a panel at `x`, optionally with text beside its top.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Where, in data coordinates.
    pub x: f64,
    /// How the line looks (a [`Look::Line`]).
    pub look: Look,
    /// The legend text; none for no entry.
    pub legend: Option<String>,
    /// Text written upwards along the line's left side, from its top; left out when it would
    /// touch the text of the previous rule.
    pub text: Option<String>,
    /// How far down from the top the line reaches, as a share of the panel's height: 1 for
    /// the full height, less for a tick.
    pub reach: f64,
}

/// One axis: its title, its range and where its ticks are.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// The axis title.
    pub label: String,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    decimals: usize,
}

impl Axis {
    /// The axis of a probability or rate: `[0, 1]` with a little room on either side so that
    /// lines along the edges stay visible, ticks every 0.2.
    pub(crate) fn unit(label: &str) -> Axis {
        Axis {
            label: label.to_string(),
            lo: -0.02,
            hi: 1.02,
            ticks: (0..=5).map(|i| f64::from(i) * 0.2).collect(),
            decimals: 1,
        }
    }

    /// An axis that holds every finite value of `values` with 5% room on either side, ticks at
    /// round numbers (whole numbers only when `whole`). Without finite values it spans
    /// `[0, 1]`.
    pub(crate) fn fit(label: &str, values: impl IntoIterator<Item = f64>, whole: bool) -> Axis {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let (lo, hi) = match (lo.is_finite(), lo == hi) {
            (false, _) => (0.0, 1.0),
            (true, true) if whole => (lo - 1.0, hi + 1.0),
            (true, true) => {
                let room = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
                (lo - room, hi + room)
            }
            (true, false) => {
                let room = (hi - lo) * 0.05;
                (lo - room, hi + room)
            }
        };
        Axis::spanning(label, lo, hi, whole)
    }

    /// The axis from `lo` to `hi`, ticks at round numbers (whole numbers only when `whole`).
    pub(crate) fn spanning(label: &str, lo: f64, hi: f64, whole: bool) -> Axis {
        let raw = (hi - lo) / 6.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = magnitude
            * match raw / magnitude {
                r if r < 1.5 => 1.0,
                r if r < 3.0 => 2.0,
                r if r < 7.0 => 5.0,
                _ => 10.0,
            };
        let step = if whole { step.max(1.0).round() } else { step };
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        Axis {
            label: label.to_string(),
            lo,
            hi,
            ticks: (first..=last).map(|k| k as f64 * step).collect(),
            decimals: (-step.log10().floor()).max(0.0) as usize,
        }
    }

    /// The same axis with another title.
    pub(crate) fn labelled(self, label: &str) -> Axis {
        Axis {
            label: label.to_string(),
            ..self
        }
    }

    /// The lowest and highest value the axis shows.
    pub(crate) fn bounds(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The tick label of `v`.
    fn format(&self, v: f64) -> String {
        let magnitude = v.abs();
        if magnitude >= 1e5 || (magnitude > 0.0 && self.decimals > 4) {
            short_number(v)
        } else {
            // Avoid "-0.0".
            let v = if magnitude < 10f64.powi(-(self.decimals as i32)) / 2.0 {
                0.0
            } else {
                v
            };
            format!("{v:.*}", self.decimals)
        }
    }

    /// The widest tick label's estimated width in pixels.
    fn label_width(&self) -> f64 {
        self.ticks
            .iter()
            .map(|&t| text_width(&self.format(t), TICK_PX))
            .fold(0.0, f64::max)
    }
}

/// An axis is a plotters coordinate whose grid lines and tick labels are at its ticks.
impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// One chart: axes, reference lines, data series and vertical marker lines.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// Reference lines, drawn first and listed last in the legend.
    pub guides: Vec<Series>,
    /// The data.
    pub series: Vec<Series>,
    /// Vertical marker lines, drawn last.
    pub rules: Vec<Rule>,
    /// The panel's height in pixels, axes and labels included.
    pub height: u32,
    /// Whether the plotting area is made square (for `[0, 1]` by `[0, 1]` charts).
    pub square: bool,
}

impl Panel {
    /// A panel of [`CHART_HEIGHT`] with no guides or rules.
    pub(crate) fn new(x: Axis, y: Axis, series: Vec<Series>) -> Panel {
        Panel {
            x,
            y,
            guides: Vec::new(),
            series,
            rules: Vec::new(),
            height: CHART_HEIGHT,
            square: false,
        }
    }

    /// A square panel of two `[0, 1]` axes with a dashed diagonal labelled `diagonal`, for
    /// ROC curves and reliability diagrams.
    pub(crate) fn unit_square(
        x_label: &str,
        y_label: &str,
        diagonal: Option<&str>,
        series: Vec<Series>,
    ) -> Panel {
        Panel {
            guides: diagonal
                .map(|d| Series::diagonal(d, 0.0, 1.0))
                .into_iter()
                .collect(),
            square: true,
            ..Panel::new(Axis::unit(x_label), Axis::unit(y_label), series)
        }
    }

    /// The width of the room left of the plotting area for tick labels and the axis title.
    fn y_label_area(&self) -> u32 {
        (self.y.label_width() + 12.0 + AXIS_PX * 1.8).ceil() as u32
    }

    /// Draws the panel on `area`, with `y_label_area` pixels left of the plotting area.
    fn draw(&self, area: &Area, y_label_area: u32) -> Drawn {
        let (width, height) = area.dim_in_pixel();
        let plot_width = width.saturating_sub(y_label_area + CHART_MARGIN + SIDE);
        let plot_height = height.saturating_sub(X_LABEL_AREA + CHART_MARGIN);
        let extra = if self.square {
            plot_width.saturating_sub(plot_height) / 2
        } else {
            0
        };
        let mut chart = ChartBuilder::on(area)
            .margin_top(CHART_MARGIN)
            .margin_left(SIDE / 2 + extra)
            .margin_right(CHART_MARGIN + SIDE / 2 + extra)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(self.x.clone(), self.y.clone())?;
        let x_format = |v: &f64| self.x.format(*v);
        let y_format = |v: &f64| self.y.format(*v);
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_desc(self.x.label.as_str())
            .y_desc(self.y.label.as_str())
            .axis_desc_style(font(AXIS_PX, &INK))
            .label_style(font(TICK_PX, &INK))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()?;
        let columns = (plot_width - 2 * extra).max(1) as usize;
        for series in self.guides.iter().chain(&self.series) {
            draw_series(&mut chart, series, (self.x.lo, self.x.hi), columns)?;
        }
        self.draw_rules(&mut chart)
    }

    /// Draws the vertical marker lines and their texts.
    fn draw_rules(&self, chart: &mut Chart) -> Drawn {
        let text_style = upright(anchored(font(NOTE_PX, &MUTED), HPos::Right, VPos::Bottom));
        let mut last_text_at: Option<i32> = None;
        for rule in &self.rules {
            let bottom = self.y.hi - rule.reach * (self.y.hi - self.y.lo);
            let line = vec![(rule.x, bottom), (rule.x, self.y.hi)];
            draw_series(
                chart,
                &Series {
                    legend: None,
                    points: line,
                    look: rule.look,
                },
                (self.x.lo, self.x.hi),
                1,
            )?;
            let Some(text) = &rule.text else { continue };
            let (at, _) = chart.backend_coord(&(rule.x, self.y.hi));
            let free = last_text_at.is_none_or(|last| at - last >= (NOTE_PX * 1.5) as i32);
            if free {
                last_text_at = Some(at);
                chart.draw_series(std::iter::once(
                    EmptyElement::at((rule.x, self.y.hi))
                        + Text::new(text.clone(), (-3, 6), text_style.clone()),
                ))?;
            }
        }
        Ok(())
    }
}

/// Draws `series` on `chart`; lines are thinned to at most four points per pixel column of the
/// `columns` the x range `(lo, hi)` spans. A line's lone finite point (between non-finite
/// ones, or a series of one point) is drawn as a dot, so that it does not vanish.
fn draw_series(chart: &mut Chart, series: &Series, (lo, hi): (f64, f64), columns: usize) -> Drawn {
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let (line, markers) = match series.look {
        Look::Line {
            colour,
            stroke,
            width,
        } => (Some((colour, stroke, width)), None),
        Look::Markers {
            colour,
            radius,
            opacity,
        } => (None, Some((colour.mix(opacity).filled(), radius))),
        Look::LineMarkers { colour, stroke } => {
            (Some((colour, stroke, 2)), Some((colour.filled(), 4)))
        }
    };
    if let Some((colour, stroke, width)) = line {
        for run in series.points.split(|p| !finite(p)) {
            if let ([point], None) = (run, markers) {
                chart.draw_series(std::iter::once(Circle::new(
                    *point,
                    width + 1,
                    colour.filled(),
                )))?;
            } else {
                draw_line(chart, &thin(run, (lo, hi), columns), colour, stroke, width)?;
            }
        }
    }
    if let Some((style, radius)) = markers {
        let points = series.points.iter().filter(|p| finite(p));
        chart.draw_series(points.map(|&p| Circle::new(p, radius, style)))?;
    }
    Ok(())
}

/// Draws a line through `points` in data coordinates.
fn draw_line(
    chart: &mut Chart,
    points: &[(f64, f64)],
    colour: RGBColor,
    stroke: Stroke,
    width: u32,
) -> Drawn {
    if points.len() < 2 {
        return Ok(());
    }
    let style = colour.stroke_width(width);
    match stroke.dashes() {
        None => chart.draw_series(LineSeries::new(points.iter().copied(), style))?,
        Some((dash, gap)) => chart.draw_series(DashedLineSeries::new(
            points.iter().copied(),
            dash,
            gap,
            style,
        ))?,
    };
    Ok(())
}

/// `points` with at most four per pixel column of the `columns` that `(lo, hi)` spans: of each
/// run of consecutive points in the same column, the first, the lowest, the highest and the
/// last, in their order. The line through them covers the same pixels as the line through all
/// of them.
pub(crate) fn thin(points: &[(f64, f64)], (lo, hi): (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 4 * columns {
        return points.to_vec();
    }
    let column = |x: f64| ((x - lo) / (hi - lo) * columns as f64).floor() as i64;
    let mut kept = Vec::with_capacity(4 * columns);
    for run in points.chunk_by(|a, b| column(a.0) == column(b.0)) {
        let by_y = |a: &(usize, &(f64, f64)), b: &(usize, &(f64, f64))| a.1.1.total_cmp(&b.1.1);
        let lowest = run.iter().enumerate().min_by(by_y).map_or(0, |(i, _)| i);
        let highest = run.iter().enumerate().max_by(by_y).map_or(0, |(i, _)| i);
        let mut keep = [0, lowest, highest, run.len() - 1];
        keep.sort_unstable();
        let mut previous = None;
        for i in keep {
            if previous != Some(i) {
                kept.push(run[i]);
                previous = Some(i);
            }
        }
    }
    kept
}

/// A picture of titled panels stacked top to bottom, sharing one legend.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    /// The title.
    pub title: String,
    /// The panels, top to bottom.
    pub panels: Vec<Panel>,
    /// Lines of small text below the panels.
    pub notes: Vec<String>,
}

impl Figure {
    /// A picture of one panel.
    pub(crate) fn single(title: impl Into<String>, panel: Panel) -> Figure {
        Figure {
            title: title.into(),
            panels: vec![panel],
            notes: Vec::new(),
        }
    }

    /// The legend entries of every series, guide and rule, each label once, series first.
    fn legend(&self) -> Vec<LegendEntry> {
        let mut entries: Vec<LegendEntry> = Vec::new();
        let series = self.panels.iter().flat_map(|p| &p.series);
        let guides = self.panels.iter().flat_map(|p| &p.guides);
        let rules = self
            .panels
            .iter()
            .flat_map(|p| &p.rules)
            .map(|r| (&r.legend, r.look));
        for (label, look) in series
            .chain(guides)
            .map(|s| (&s.legend, s.look))
            .chain(rules)
        {
            let Some(label) = label else { continue };
            let label = shorten(label, MAX_LEGEND_CHARS);
            if !entries.iter().any(|e| e.label == label) {
                entries.push(LegendEntry { label, look });
            }
        }
        entries
    }

    /// The SVG document.
    pub(crate) fn render(&self, plot: &'static str) -> Result<String, PlotError> {
        let heights: Vec<u32> = self.panels.iter().map(|p| p.height).collect();
        let y_label_area = self
            .panels
            .iter()
            .map(Panel::y_label_area)
            .max()
            .unwrap_or(0);
        let canvas = Canvas {
            title: &self.title,
            legend: &self.legend(),
            notes: &self.notes,
            width: WIDTH,
            body_height: heights.iter().sum(),
        };
        canvas.render(plot, |body| {
            let mut rest = body.clone();
            for (panel, &height) in self.panels.iter().zip(&heights) {
                let (area, below) = rest.split_vertically(height);
                panel.draw(&area, y_label_area)?;
                rest = below;
            }
            Ok(())
        })
    }
}

/// The frame of a picture: a title, a legend and notes around a body its plot draws.
pub(crate) struct Canvas<'a> {
    /// The title, centred at the top.
    pub title: &'a str,
    /// The legend, in centred rows under the title; none when empty.
    pub legend: &'a [LegendEntry],
    /// Lines of small text at the bottom.
    pub notes: &'a [String],
    /// The picture's width.
    pub width: u32,
    /// The height of the body.
    pub body_height: u32,
}

impl Canvas<'_> {
    /// The SVG document: the frame drawn around what `body` draws on the area it is given
    /// (`width` by `body_height`).
    pub(crate) fn render(
        &self,
        plot: &'static str,
        body: impl FnOnce(&Area) -> Drawn,
    ) -> Result<String, PlotError> {
        let rows = legend_rows(self.legend, f64::from(self.width - 2 * SIDE));
        let legend_height = if rows.is_empty() {
            0
        } else {
            rows.len() as u32 * LEGEND_ROW + 6
        };
        let notes_height = if self.notes.is_empty() {
            0
        } else {
            self.notes.len() as u32 * NOTE_ROW + 12
        };
        let top = TITLE_HEIGHT + legend_height;
        let height = top + self.body_height + notes_height;
        let mut svg = String::new();
        let drawn = (|| {
            let root = SVGBackend::with_string(&mut svg, (self.width, height)).into_drawing_area();
            root.fill(&WHITE)?;
            root.draw(&Text::new(
                self.title.to_string(),
                (self.width as i32 / 2, 10),
                anchored(bold(TITLE_PX, &INK), HPos::Center, VPos::Top),
            ))?;
            for (r, row) in rows.iter().enumerate() {
                let y = (TITLE_HEIGHT + r as u32 * LEGEND_ROW + LEGEND_ROW / 2) as i32;
                let total: f64 = row.iter().map(|(_, w)| w).sum();
                let mut x = ((f64::from(self.width) - total) / 2.0).round() as i32;
                for &(entry, w) in row {
                    draw_legend_entry(&root, entry, (x, y))?;
                    x += w.round() as i32;
                }
            }
            let (_, below_top) = root.split_vertically(top);
            let (body_area, notes_area) = below_top.split_vertically(self.body_height);
            body(&body_area)?;
            for (i, note) in self.notes.iter().enumerate() {
                notes_area.draw(&Text::new(
                    note.clone(),
                    (SIDE as i32, 8 + (i as u32 * NOTE_ROW) as i32),
                    anchored(font(NOTE_PX, &MUTED), HPos::Left, VPos::Top),
                ))?;
            }
            root.present()
        })();
        drawn.map_err(|e| PlotError::Drawing {
            plot,
            message: e.to_string(),
        })?;
        Ok(svg)
    }
}

/// The legend entries, each with its width, in rows no wider than `width`.
fn legend_rows(legend: &[LegendEntry], width: f64) -> Vec<Vec<(&LegendEntry, f64)>> {
    let mut rows: Vec<Vec<(&LegendEntry, f64)>> = Vec::new();
    let mut used = 0.0;
    for entry in legend {
        let w = f64::from(SWATCH) + 6.0 + text_width(&entry.label, LEGEND_PX) + 18.0;
        match rows.last_mut() {
            Some(row) if used + w <= width => row.push((entry, w)),
            _ => {
                rows.push(vec![(entry, w)]);
                used = 0.0;
            }
        }
        used += w;
    }
    rows
}

/// Draws a legend entry whose sample starts at `x` with its middle at `y`.
fn draw_legend_entry(area: &Area, entry: &LegendEntry, (x, y): (i32, i32)) -> Drawn {
    let line = |colour: RGBColor, stroke: Stroke, width: u32| -> Drawn {
        let style = colour.stroke_width(width);
        match stroke.dashes() {
            None => area.draw(&PathElement::new(vec![(x, y), (x + SWATCH, y)], style)),
            Some((dash, gap)) => {
                let mut from = x;
                while from < x + SWATCH {
                    let to = (from + dash).min(x + SWATCH);
                    area.draw(&PathElement::new(vec![(from, y), (to, y)], style))?;
                    from = to + gap;
                }
                Ok(())
            }
        }
    };
    let middle = (x + SWATCH / 2, y);
    match entry.look {
        Look::Line {
            colour,
            stroke,
            width,
        } => line(colour, stroke, width)?,
        Look::Markers { colour, radius, .. } => {
            area.draw(&Circle::new(middle, radius + 1, colour.filled()))?
        }
        Look::LineMarkers { colour, stroke } => {
            line(colour, stroke, 2)?;
            area.draw(&Circle::new(middle, 4, colour.filled()))?;
        }
    }
    area.draw(&Text::new(
        entry.label.clone(),
        (x + SWATCH + 6, y),
        anchored(font(LEGEND_PX, &INK), HPos::Left, VPos::Center),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        let axis = Axis::spanning("loss", 0.13, 0.91, false);
        let labels: Vec<String> = axis.ticks.iter().map(|&t| axis.format(t)).collect();
        assert_eq!(
            labels,
            ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]
        );
        let epochs = Axis::fit("epoch", [1.0, 2.0, 3.0], true);
        assert!(epochs.ticks.iter().all(|t| t.fract() == 0.0));
        let single = Axis::fit("epoch", [1.0], true);
        assert_eq!(single.ticks, [0.0, 1.0, 2.0]);
        let unit = Axis::unit("rate");
        let labels: Vec<String> = unit.ticks.iter().map(|&t| unit.format(t)).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let empty = Axis::fit("x", [f64::NAN], false);
        assert_eq!((empty.lo, empty.hi), (0.0, 1.0));
    }

    #[test]
    fn thinning_keeps_the_ends_and_extremes_of_each_column() {
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|i| (f64::from(i) / 1000.0, if i % 2 == 0 { 0.0 } else { 1.0 }))
            .collect();
        let thinned = thin(&points, (0.0, 1.0), 10);
        assert!(thinned.len() <= 40, "{} points", thinned.len());
        assert_eq!(thinned[0], points[0]);
        assert_eq!(thinned.last(), points.last());
        assert!(thinned.iter().any(|p| p.1 == 1.0) && thinned.iter().any(|p| p.1 == 0.0));
        let few = &points[..30];
        assert_eq!(thin(few, (0.0, 1.0), 10), few);
    }

    #[test]
    fn legend_rows_wrap_at_the_width() {
        let entry = |label: &str| LegendEntry {
            label: label.to_string(),
            look: Look::curve(0),
        };
        let legend = [
            entry("a long label number one"),
            entry("two"),
            entry("three"),
        ];
        let rows = legend_rows(&legend, 250.0);
        assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), [1, 2]);
        assert!(legend_rows(&[], 600.0).is_empty());
    }
}
