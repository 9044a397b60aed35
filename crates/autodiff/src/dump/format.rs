//! How dumps write numbers, tensors, gradients and edges: the wording both renderers share.

use super::{BackwardInfo, DumpEdge, DumpNode, Gradient, GraphDump, LocalDerivative};
use crate::float::Float;
use crate::shape::ShapeDisplay;
use crate::tape::NodeKind;
use crate::tensor::Tensor;

/// Tensors with at most this many elements are written in full by default; larger ones are
/// summarised. [`GraphDump::full_limit`] sets it per dump.
pub const FULL_LIMIT: usize = 64;

/// Tensors of at most this many elements stay on one line; larger matrices get a line per row.
const ONE_LINE: usize = 8;

/// How many leading elements a summary shows.
const SUMMARY_ELEMENTS: usize = 3;

/// How the pieces of a description are laid out in each rendering.
pub(super) struct Style {
    /// Before each term after the first of a gradient that is a sum of contributions.
    plus: &'static str,
    /// Before the total of such a sum.
    equals: &'static str,
    /// After the shape in a tensor summary.
    head: &'static str,
    /// Between the statistics and the first elements in a tensor summary.
    parts: &'static str,
    /// Whether a matrix written a row per line starts on a line of its own, after its shape.
    rows_below: bool,
    /// Matrices of at most this many elements stay on one line; larger ones go a row per line.
    one_line: usize,
    /// Vectors longer than this are wrapped, this many elements per line.
    per_line: usize,
    /// Whether a gradient of several elements starts on the line below `grad (from …) =`,
    /// rather than being followed by `(from …)`.
    total_below: bool,
    /// Matrices with more columns than this are summarised whatever the limit (pictures stay
    /// narrow; the text dump and the walkthrough show them whole).
    max_columns: usize,
    /// Between the factors of `local * upstream = contribution`.
    times: &'static str,
    /// Before the contribution in `local * upstream = contribution`.
    gives: &'static str,
}

/// The text dump: summaries on one line, the terms of a sum aligned under each other.
pub(super) const TEXT: Style = Style {
    plus: "\n + ",
    equals: "\n = ",
    head: ": ",
    parts: ", ",
    rows_below: true,
    one_line: ONE_LINE,
    per_line: usize::MAX,
    total_below: false,
    max_columns: usize::MAX,
    times: " * ",
    gives: " = ",
};

/// DOT labels: everything broken over short lines, to keep the boxes narrow.
pub(super) const DOT: Style = Style {
    plus: "\n+ ",
    equals: "\n= ",
    head: "\n",
    parts: "\n",
    rows_below: false,
    one_line: 4,
    per_line: 4,
    total_below: true,
    max_columns: 8,
    times: "\n* ",
    gives: "\n= ",
};

/// Writes a tensor the way the text dump does: every element (to 4 significant digits) when it
/// has at most [`FULL_LIMIT`] elements, a matrix of more than 8 a row per line with its columns
/// aligned under a line with its shape; otherwise its shape, min, mean, max and first few elements. Values that are
/// rounding noise next to the tensor's largest (below 16 ulps of it) print as `0`, and so does
/// `-0`.
///
/// ```
/// use nabla_autodiff::{Tensor, dump::format_tensor};
/// assert_eq!(format_tensor(&Tensor::scalar(0.377540668798_f64)), "0.3775");
/// assert_eq!(format_tensor(&Tensor::from_vec(vec![1.0_f64, -2.5, 3.0, 4e-7], &[2, 2])), "[[1, -2.5], [3, 4e-7]]");
/// assert_eq!(format_tensor(&Tensor::from_vec(vec![-0.0_f64, 0.5, 1e-18], &[3])), "[0, 0.5, 0]");
/// assert_eq!(
///     format_tensor(&Tensor::<f64>::arange(0.0, 100.0, 1.0)),
///     "shape [100]: min 0, mean 49.5, max 99, first [0, 1, 2, ...]"
/// );
/// ```
pub fn format_tensor<T: Float>(t: &Tensor<T>) -> String {
    tensor_text(t, &TEXT, FULL_LIMIT)
}

/// [`format_tensor`] in the given style, writing in full tensors of at most `limit` elements.
pub(super) fn tensor_text<T: Float>(t: &Tensor<T>, style: &Style, limit: usize) -> String {
    if t.numel() == 0 {
        return format!("empty, shape {}", ShapeDisplay(t.shape()));
    }
    let noise = noise_level(t);
    let num = |x: T| number(x, noise);
    let narrow = t.ndim() < 2 || t.shape()[t.ndim() - 1] <= style.max_columns;
    if t.numel() <= limit && (narrow || t.numel() <= ONE_LINE) {
        return match t.shape() {
            [rows, columns] if *rows > 1 && t.numel() > style.one_line => {
                let matrix = matrix_rows(t.data(), *columns, &num);
                match style.rows_below {
                    true => format!("shape {}:\n{matrix}", ShapeDisplay(t.shape())),
                    false => matrix,
                }
            }
            [n] if *n > style.per_line => wrapped(t.data(), style.per_line, &num),
            shape => nested(t.data(), shape, &num),
        };
    }
    let first: Vec<String> = t.data()[..SUMMARY_ELEMENTS]
        .iter()
        .map(|&x| num(x))
        .collect();
    format!(
        "shape {}{head}min {}, mean {}, max {}{sep}first [{}, ...]",
        ShapeDisplay(t.shape()),
        num(t.min()),
        num(t.mean()),
        num(t.max()),
        first.join(", "),
        head = style.head,
        sep = style.parts
    )
}

/// The size below which a value of `t` is rounding noise: 16 ulps of its largest magnitude.
fn noise_level<T: Float>(t: &Tensor<T>) -> f64 {
    let largest = t
        .data()
        .iter()
        .map(|x| x.to_f64().abs())
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    largest * T::EPSILON.to_f64() * 16.0
}

/// A matrix a row per line (`[[a, b],` then ` [c, d]]`), each column right-aligned.
fn matrix_rows<T: Float>(data: &[T], columns: usize, num: &impl Fn(T) -> String) -> String {
    let cells: Vec<String> = data.iter().map(|&x| num(x)).collect();
    let mut widths = vec![0; columns];
    for (k, cell) in cells.iter().enumerate() {
        widths[k % columns] = widths[k % columns].max(cell.chars().count());
    }
    let rows: Vec<String> = cells
        .chunks(columns)
        .map(|row| {
            let row: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell:>w$}"))
                .collect();
            format!("[{}]", row.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(",\n "))
}

/// A vector `per_line` elements a line (`[a, b,` then ` c]`), for narrow pictures.
fn wrapped<T: Float>(data: &[T], per_line: usize, num: &impl Fn(T) -> String) -> String {
    let lines: Vec<String> = data
        .chunks(per_line.max(1))
        .map(|chunk| chunk.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", "))
        .collect();
    format!("[{}]", lines.join(",\n "))
}

/// A number to 4 significant digits, without trailing zeros; exponent form when very large or
/// very small; `0` for a magnitude at or below `noise` (and for `-0`).
fn number<T: Float>(x: T, noise: f64) -> String {
    let x = x.to_f64();
    if x == 0.0 || x.abs() <= noise {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor();
    if (-3.0..5.0).contains(&magnitude) {
        let decimals = (3.0 - magnitude).max(0.0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_owned()
    } else {
        let s = format!("{x:.3e}");
        let (mantissa, exponent) = s.split_once('e').expect("exponent form has an e");
        format!("{}e{exponent}", trim_zeros(mantissa))
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn nested<T: Float>(data: &[T], shape: &[usize], num: &impl Fn(T) -> String) -> String {
    match shape.split_first() {
        None => num(data[0]),
        Some((&extent, rest)) => {
            let parts: Vec<String> = data
                .chunks(data.len() / extent)
                .map(|chunk| nested(chunk, rest, num))
                .collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Which gradients the dump shows: `gradients of #9 L`, or that there are none yet.
pub(super) fn gradients_title<T: Float>(dump: &GraphDump<T>) -> String {
    match dump.backward {
        None => "gradients not computed yet".into(),
        Some(BackwardInfo { output: Some(i) }) => format!("gradients of {}", dump.label(i)),
        Some(BackwardInfo { output: None }) => "gradients of an output not on this tape".into(),
    }
}

/// Why no gradient reaches `node`.
pub(super) fn no_gradient_reason<T: Float>(node: &DumpNode<T>) -> &'static str {
    if node.kind == NodeKind::Constant {
        "constant"
    } else if !node.requires_grad {
        "no parameter upstream"
    } else {
        "not on a path to the output"
    }
}

/// The node's gradient in words. Where several edges contributed, lists each term and its
/// source.
pub(super) fn gradient_text<T: Float>(
    dump: &GraphDump<T>,
    node: &DumpNode<T>,
    style: &Style,
) -> String {
    let g = match &node.gradient {
        Gradient::NotComputed => return "gradient not computed yet".into(),
        Gradient::NotKept => {
            return "gradient not kept (Tape::backward_retain_all keeps it)".into();
        }
        Gradient::NoGradient => return format!("no gradient ({})", no_gradient_reason(node)),
        Gradient::Computed(g) => g,
    };
    let total = tensor_text(g, style, dump.full_limit);
    if dump.backward.and_then(|b| b.output) == Some(node.index) {
        return format!("grad = {total} (the seed: d output / d output)");
    }
    let parts: Vec<&DumpEdge<T>> = dump.contributions_to(node.id).collect();
    match parts.len() {
        0 => format!("grad = {total}"),
        1 if style.total_below && g.numel() > 1 => {
            format!("grad (from {}) =\n{total}", dump.label(parts[0].to))
        }
        1 if total.contains('\n') => format!("grad (from {}) = {total}", dump.label(parts[0].to)),
        1 => format!("grad = {total} (from {})", dump.label(parts[0].to)),
        _ if g.numel() <= ONE_LINE => {
            let terms: Vec<String> = parts
                .iter()
                .map(|e| {
                    let c = e
                        .contribution
                        .tensor()
                        .expect("a listed edge carries a tensor");
                    let c = tensor_text(c, style, dump.full_limit);
                    format!("{c} (from {})", dump.label(e.to))
                })
                .collect();
            format!("grad = {}{}{total}", terms.join(style.plus), style.equals)
        }
        n => {
            let from: Vec<String> = parts.iter().map(|e| dump.label(e.to)).collect();
            // A matrix written a row per line starts on the line after the sum.
            let sep = if total.contains('\n') { "\n" } else { " " };
            format!(
                "grad = sum of {n} contributions (from {}) ={sep}{total}",
                from.join(", ")
            )
        }
    }
}

/// The edge's local derivative in a few words.
pub(super) fn local_text<T: Float>(
    dump: &GraphDump<T>,
    edge: &DumpEdge<T>,
    style: &Style,
) -> String {
    match &edge.local {
        LocalDerivative::Elementwise(d) => tensor_text(d, style, dump.full_limit),
        LocalDerivative::Jacobian => "Jacobian (not shown)".into(),
        LocalDerivative::NotNeeded => "not needed".into(),
    }
}

/// What the edge passed back, in a few words.
fn contribution_text<T: Float>(dump: &GraphDump<T>, edge: &DumpEdge<T>, style: &Style) -> String {
    match &edge.contribution {
        Gradient::Computed(c) => tensor_text(c, style, dump.full_limit),
        Gradient::NotComputed => "not computed yet".into(),
        Gradient::NotKept => format!(
            "not known ({}'s gradient was not kept)",
            dump.label(edge.to)
        ),
        Gradient::NoGradient => "nothing".into(),
    }
}

/// What an edge sent back: `local * upstream = contribution` when all three are small tensors
/// of an element-wise edge that fit on a line each; `local ⊙ g = contribution` for other
/// element-wise edges (the local derivative is written beside it, `g` at the consumer); the
/// contribution alone for an edge whose local derivative is a Jacobian.
pub(super) fn product_text<T: Float>(
    dump: &GraphDump<T>,
    edge: &DumpEdge<T>,
    style: &Style,
) -> String {
    let upstream = dump.nodes[edge.to].gradient.tensor();
    match (&edge.local, upstream, edge.contribution.tensor()) {
        (LocalDerivative::Elementwise(d), Some(g), Some(c))
            if g.numel() <= ONE_LINE && c.numel() <= ONE_LINE =>
        {
            let scalar = c.numel() == 1;
            let [d, g, c] = [d, g, c].map(|t| tensor_text(t, style, ONE_LINE));
            if [&d, &g, &c].iter().any(|t| t.contains('\n')) {
                // Matrices a row per line: the product is named, its factors are on the label
                // (`local`) and the consumer (`g`).
                return format!("local ⊙ g{}{c}", style.gives);
            }
            // Numbers fit on one line; vectors go a factor per line in narrow styles.
            let (times, gives) = match scalar {
                true => (TEXT.times, TEXT.gives),
                false => (style.times, style.gives),
            };
            format!("{d}{times}{g}{gives}{c}")
        }
        // Too many numbers to spell out the product: name it, and show what it gave.
        (LocalDerivative::Elementwise(_), Some(_), Some(c)) => {
            let c = tensor_text(c, style, dump.full_limit);
            format!("local ⊙ g{}{c}", style.gives)
        }
        _ => contribution_text(dump, edge, style),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(number(0.0_f64, 0.0), "0");
        assert_eq!(number(-0.0_f64, 0.0), "0");
        assert_eq!(number(1.0_f64, 0.0), "1");
        assert_eq!(number(-0.377540668798_f64, 0.0), "-0.3775");
        assert_eq!(number(12345.678_f64, 0.0), "12346");
        assert_eq!(number(9.99996_f64, 0.0), "10");
        assert_eq!(number(0.0012345_f64, 0.0), "0.001234");
        assert_eq!(number(1.5e-7_f64, 0.0), "1.5e-7");
        assert_eq!(number(1.5e-7_f64, 1e-6), "0");
        assert_eq!(number(-2.0e9_f64, 0.0), "-2e9");
        assert_eq!(number(f64::NAN, 0.0), "NaN");
        assert_eq!(number(f32::NEG_INFINITY, 0.0), "-inf");
    }

    #[test]
    fn small_tensors_are_written_in_full_and_large_ones_summarised() {
        let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 1, 3]);
        assert_eq!(format_tensor(&t), "[[[1, 2, 3]], [[4, 5, 6]]]");
        assert_eq!(format_tensor(&Tensor::from_vec(vec![0.5], &[1])), "[0.5]");
        let big = Tensor::from_vec((0..20).map(|i| f64::from(i) - 5.0).collect(), &[4, 5]);
        assert_eq!(
            format_tensor(&big),
            "shape [4, 5]:\n[[-5, -4, -3, -2, -1],\n [ 0,  1,  2,  3,  4],\n [ 5,  6,  7,  8,  9],\n [10, 11, 12, 13, 14]]"
        );
        assert_eq!(
            tensor_text(&big, &DOT, 8),
            "shape [4, 5]\nmin -5, mean 4.5, max 14\nfirst [-5, -4, -3, ...]"
        );
        assert_eq!(
            format_tensor(&Tensor::<f32>::zeros(&[0, 3])),
            "empty, shape [0, 3]"
        );
    }

    #[test]
    fn rounding_noise_next_to_the_largest_value_prints_as_zero() {
        // f32: 16 ulps of 0.5 is about 1e-6; the mean of a softmax gradient's row is noise.
        let t = Tensor::from_vec(vec![0.5_f32, -0.25, 3e-7, -0.25], &[4]);
        assert_eq!(format_tensor(&t), "[0.5, -0.25, 0, -0.25]");
        let big = Tensor::from_fn(&[100], |i| if i % 2 == 0 { 0.1_f64 } else { -0.1 });
        assert!(
            format_tensor(&big).contains("mean 0,"),
            "{}",
            format_tensor(&big)
        );
        // A small value in a tensor of small values is not noise.
        let small = Tensor::from_vec(vec![3e-7_f32, 1e-7], &[2]);
        assert_eq!(format_tensor(&small), "[3e-7, 1e-7]");
    }
}
