//! How dumps write numbers, tensors, gradients and edges: the wording both renderers share.

use super::{BackwardInfo, DumpEdge, DumpNode, Gradient, GraphDump, LocalDerivative};
use crate::float::Float;
use crate::shape::ShapeDisplay;
use crate::tape::NodeKind;
use crate::tensor::Tensor;

/// Tensors with at most this many elements are written in full; larger ones are summarised.
pub const FULL_LIMIT: usize = 8;

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
}

/// The text dump: summaries on one line, the terms of a sum aligned under each other.
pub(super) const TEXT: Style = Style {
    plus: "\n         + ",
    equals: "\n         = ",
    head: ": ",
    parts: ", ",
};

/// DOT labels: everything broken over short lines, to keep the boxes narrow.
pub(super) const DOT: Style = Style {
    plus: "\n+ ",
    equals: "\n= ",
    head: "\n",
    parts: "\n",
};

/// Writes a tensor the way the text dump does: every element (to 4 significant digits, nested
/// brackets on one line) when it has at most [`FULL_LIMIT`] elements, otherwise its shape, min,
/// mean, max and first few elements.
///
/// ```
/// use nabla_autodiff::{Tensor, dump::format_tensor};
/// assert_eq!(format_tensor(&Tensor::scalar(0.377540668798_f64)), "0.3775");
/// assert_eq!(format_tensor(&Tensor::from_vec(vec![1.0_f32, -2.5, 3.0, 4e-7], &[2, 2])), "[[1, -2.5], [3, 4e-7]]");
/// assert_eq!(
///     format_tensor(&Tensor::<f64>::arange(0.0, 10.0, 1.0)),
///     "shape [10]: min 0, mean 4.5, max 9, first [0, 1, 2, ...]"
/// );
/// ```
pub fn format_tensor<T: Float>(t: &Tensor<T>) -> String {
    tensor_text(t, &TEXT)
}

/// [`format_tensor`] in the given style.
pub(super) fn tensor_text<T: Float>(t: &Tensor<T>, style: &Style) -> String {
    if t.numel() == 0 {
        return format!("empty, shape {}", ShapeDisplay(t.shape()));
    }
    if is_small(t) {
        return nested(t.data(), t.shape());
    }
    let first: Vec<String> = t.data()[..SUMMARY_ELEMENTS]
        .iter()
        .map(|&x| number(x))
        .collect();
    format!(
        "shape {}{head}min {}, mean {}, max {}{sep}first [{}, ...]",
        ShapeDisplay(t.shape()),
        number(t.min()),
        number(t.mean()),
        number(t.max()),
        first.join(", "),
        head = style.head,
        sep = style.parts
    )
}

/// Whether [`format_tensor`] writes every element of `t`.
pub(super) fn is_small<T: Float>(t: &Tensor<T>) -> bool {
    t.numel() <= FULL_LIMIT
}

/// A number to 4 significant digits, without trailing zeros; exponent form when very large or
/// very small.
fn number<T: Float>(x: T) -> String {
    let x = x.to_f64();
    if x == 0.0 || !x.is_finite() {
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

fn nested<T: Float>(data: &[T], shape: &[usize]) -> String {
    match shape.split_first() {
        None => number(data[0]),
        Some((&extent, rest)) => {
            let parts: Vec<String> = data
                .chunks(data.len() / extent)
                .map(|chunk| nested(chunk, rest))
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
    let total = tensor_text(g, style);
    if dump.backward.and_then(|b| b.output) == Some(node.index) {
        return format!("grad = {total} (the seed: d output / d output)");
    }
    let parts: Vec<&DumpEdge<T>> = dump.contributions_to(node.id).collect();
    match parts.len() {
        0 => format!("grad = {total}"),
        1 => format!("grad = {total} (from {})", dump.label(parts[0].to)),
        _ if is_small(g) => {
            let terms: Vec<String> = parts
                .iter()
                .map(|e| {
                    let c = e
                        .contribution
                        .tensor()
                        .expect("a listed edge carries a tensor");
                    format!("{} (from {})", tensor_text(c, style), dump.label(e.to))
                })
                .collect();
            format!("grad = {}{}{total}", terms.join(style.plus), style.equals)
        }
        n => {
            let from: Vec<String> = parts.iter().map(|e| dump.label(e.to)).collect();
            format!(
                "grad = sum of {n} contributions (from {}) = {total}",
                from.join(", ")
            )
        }
    }
}

/// The edge's local derivative in a few words.
pub(super) fn local_text<T: Float>(edge: &DumpEdge<T>, style: &Style) -> String {
    match &edge.local {
        LocalDerivative::Elementwise(d) => tensor_text(d, style),
        LocalDerivative::Jacobian => "Jacobian (not shown)".into(),
        LocalDerivative::NotNeeded => "not needed".into(),
    }
}

/// What the edge passed back, in a few words.
fn contribution_text<T: Float>(dump: &GraphDump<T>, edge: &DumpEdge<T>, style: &Style) -> String {
    match &edge.contribution {
        Gradient::Computed(c) => tensor_text(c, style),
        Gradient::NotComputed => "not computed yet".into(),
        Gradient::NotKept => format!(
            "not known ({}'s gradient was not kept)",
            dump.label(edge.to)
        ),
        Gradient::NoGradient => "nothing".into(),
    }
}

/// `local * upstream = contribution` when all three are small tensors of an element-wise edge,
/// else just the contribution.
pub(super) fn product_text<T: Float>(
    dump: &GraphDump<T>,
    edge: &DumpEdge<T>,
    style: &Style,
) -> String {
    let upstream = dump.nodes[edge.to].gradient.tensor();
    match (&edge.local, upstream, edge.contribution.tensor()) {
        (LocalDerivative::Elementwise(d), Some(g), Some(c)) if is_small(g) && is_small(c) => {
            format!(
                "{} * {} = {}",
                format_tensor(d),
                format_tensor(g),
                format_tensor(c)
            )
        }
        _ => contribution_text(dump, edge, style),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(number(0.0_f64), "0");
        assert_eq!(number(1.0_f64), "1");
        assert_eq!(number(-0.377540668798_f64), "-0.3775");
        assert_eq!(number(12345.678_f64), "12346");
        assert_eq!(number(9.99996_f64), "10");
        assert_eq!(number(0.0012345_f64), "0.001234");
        assert_eq!(number(1.5e-7_f64), "1.5e-7");
        assert_eq!(number(-2.0e9_f64), "-2e9");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f32::NEG_INFINITY), "-inf");
    }

    #[test]
    fn small_tensors_are_written_in_full_and_large_ones_summarised() {
        let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 1, 3]);
        assert_eq!(format_tensor(&t), "[[[1, 2, 3]], [[4, 5, 6]]]");
        assert_eq!(format_tensor(&Tensor::from_vec(vec![0.5], &[1])), "[0.5]");
        let big = Tensor::from_vec((0..20).map(|i| f64::from(i) - 5.0).collect(), &[4, 5]);
        assert_eq!(
            format_tensor(&big),
            "shape [4, 5]: min -5, mean 4.5, max 14, first [-5, -4, -3, ...]"
        );
        assert_eq!(
            tensor_text(&big, &DOT),
            "shape [4, 5]\nmin -5, mean 4.5, max 14\nfirst [-5, -4, -3, ...]"
        );
        assert_eq!(
            format_tensor(&Tensor::<f32>::zeros(&[0, 3])),
            "empty, shape [0, 3]"
        );
    }
}
