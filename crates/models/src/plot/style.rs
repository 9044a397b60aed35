//! The look every picture shares: size, palette, fonts and how numbers are written.

use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform, IntoFont, RGBColor, TextStyle};

/// Width of every picture, in pixels.
pub(crate) const WIDTH: u32 = 640;

/// Height of a single-chart picture with a one-row legend, in pixels. More legend rows,
/// notes or panels make a picture taller; a large confusion matrix makes it wider.
pub(crate) const HEIGHT: u32 = 480;

/// The colours of successive curves: Okabe and Ito's palette for colour-blind readers, with
/// its black and yellow (the least visible on white) last. Curves past the eighth reuse the
/// colours with dashed lines (see `Look::curve`).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xD5, 0x5E, 0x00), // vermilion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xC8, 0xB4, 0x00), // yellow, darkened to show on white
];

/// Text.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text: notes, marker labels.
pub(crate) const MUTED: RGBColor = RGBColor(0x5A, 0x5A, 0x5A);
/// Axis lines.
pub(crate) const AXIS: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
/// Reference lines: chance, perfect calibration, y = x, zero residual.
pub(crate) const REFERENCE: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Font sizes in pixels (the `font-size` written into the SVG).
pub(crate) const TITLE_PX: f64 = 16.0;
/// Axis titles.
pub(crate) const AXIS_PX: f64 = 13.0;
/// Tick labels.
pub(crate) const TICK_PX: f64 = 11.0;
/// Legend entries.
pub(crate) const LEGEND_PX: f64 = 12.0;
/// Notes under the chart and labels beside marker lines.
pub(crate) const NOTE_PX: f64 = 11.0;

/// The sans-serif font at `px` pixels in `colour`. plotters writes `size / 1.24` as the SVG
/// `font-size`, hence the factor.
pub(crate) fn font(px: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    ("sans-serif", px * 1.24).into_font().color(colour)
}

/// [`font`] in bold.
pub(crate) fn bold(px: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    ("sans-serif", px * 1.24, FontStyle::Bold)
        .into_font()
        .color(colour)
}

/// `style` anchored at `h`, `v` of the text.
pub(crate) fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// `style` turned to read upwards.
pub(crate) fn upright(style: TextStyle<'static>) -> TextStyle<'static> {
    style.transform(FontTransform::Rotate270)
}

/// A generous estimate of the width of `text` in a sans-serif font of `px` pixels (DejaVu
/// Sans, the widest common default, averages about 0.6 em a character), for laying out
/// legends and label areas without measuring fonts.
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.6
}

/// A number written short for a label: up to 3 significant digits, trailing zeros dropped,
/// in exponent form (`1e-3`, `2.5e-4`) when it is below 0.01 or from 10 000 up.
pub(crate) fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs();
    if (0.01..1e4).contains(&magnitude) {
        let decimals = (2 - magnitude.log10().floor() as i32).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    } else {
        let text = format!("{v:.2e}");
        let (mantissa, exponent) = text.split_once('e').expect("exponent form");
        format!("{}e{exponent}", trim_zeros(mantissa.to_string()))
    }
}

/// `text` without trailing zeros after a decimal point (and without the point if nothing is
/// left after it).
fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `text`, cut to `max` characters ending in an ellipsis when longer.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// A rate as a whole percentage, never rounding a non-zero rate to `0%` or a rate below 1 to
/// `100%`.
pub(crate) fn percent(rate: f64) -> String {
    match rate {
        r if r > 0.0 && r < 0.005 => "<1%".to_string(),
        r if r < 1.0 && r > 0.995 => ">99%".to_string(),
        r => format!("{:.0}%", r * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_three_significant_digits() {
        assert_eq!(short_number(0.001), "1e-3");
        assert_eq!(short_number(0.0005), "5e-4");
        assert_eq!(short_number(0.000_25), "2.5e-4");
        assert_eq!(short_number(3.000_000_000_000_000_4e-4), "3e-4");
        assert_eq!(short_number(0.1), "0.1");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(0.300_000_000_000_000_04), "0.3");
        assert_eq!(short_number(12.5), "12.5");
        assert_eq!(short_number(1234.0), "1234");
        assert_eq!(short_number(-0.125), "-0.125");
        assert_eq!(short_number(25_000.0), "2.5e4");
        assert_eq!(short_number(0.0), "0");
    }

    #[test]
    fn percentages_do_not_round_to_the_ends() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.001), "<1%");
        assert_eq!(percent(0.954), "95%");
        assert_eq!(percent(0.999), ">99%");
        assert_eq!(percent(1.0), "100%");
    }
}
