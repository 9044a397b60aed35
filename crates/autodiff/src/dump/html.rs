//! The walkthrough: one self-contained HTML page (styles, script and drawing inline; nothing
//! loaded, so it works from `file://`) with the graph drawn by [`layout`](super::layout), a
//! panel with every number of the node or edge clicked, and buttons that replay the forward
//! pass op by op and the backward pass edge by edge ([`GraphDump::forward_steps`],
//! [`GraphDump::backward_steps`]), showing at each input the running sum of what has arrived.
//!
//! The steps are computed here and embedded as JSON (written by hand: a few strings and
//! numbers); the script only switches classes and texts. See [`GraphDump::to_html`] for the
//! page's ids and classes.

use super::format::{gradients_title, no_gradient_reason};
use super::layout::{Layout, layout};
use super::steps::{BackwardStep, ForwardStep};
use super::{DumpEdge, DumpNode, Gradient, GraphDump, LocalDerivative, format_tensor, kind_word};
use crate::float::Float;
use crate::shape::ShapeDisplay;
use crate::tape::NodeKind;
use crate::tensor::Tensor;
use std::fmt::Write;

/// A node's box in the drawing.
const NODE_W: f64 = 196.0;
const NODE_H: f64 = 70.0;
/// Characters that fit on a box's lines (bold title; monospace numbers).
const TITLE_CHARS: usize = 24;
const LINE_CHARS: usize = 27;
/// Numbers a box shows in full; longer ones say how many elements there are.
const SHORT_CHARS: usize = 20;
/// Elements the panel writes out per tensor before saying how many it left out.
pub const PANEL_ELEMENTS: usize = 4096;
/// Length of an arrowhead.
const ARROW: f64 = 8.0;

const STYLE: &str = include_str!("walkthrough.css");
const SCRIPT: &str = include_str!("walkthrough.js");

impl<T: Float> GraphDump<T> {
    /// The graph as one self-contained HTML page: a walkthrough of the computation. Write it
    /// to a file and open it in a browser; it loads nothing, so it works offline and from
    /// `file://`.
    ///
    /// The graph is drawn top to bottom (inputs above the ops that use them) by a layered
    /// layout computed here, without Graphviz. Clicking a node shows, in the side panel, its
    /// op, name, scope, shape, full value and full gradient (up to [`PANEL_ELEMENTS`] numbers
    /// each) and its edges; clicking an arrow shows the edge's local derivative and
    /// contribution. **Forward** replays the ops in creation order ([`forward_steps`]);
    /// **Backward** serves the edges in the order backward did ([`backward_steps`]): the edge
    /// and the contribution it sends are highlighted, and the input shows its running sum.
    /// The arrow keys step too, and **Reset** goes back to the overview.
    ///
    /// What tests and scripts can rely on:
    /// - each node is `<g class="node …" id="node-I" data-index="I">` (its kind, `param`,
    ///   `const` or `op`, is a class too), each edge `<g class="edge" id="edge-E"
    ///   data-index="E" data-from="I" data-to="J">`, indices as in [`GraphDump::nodes`] and
    ///   [`GraphDump::edges`];
    /// - the buttons `#forward`, `#backward`, `#prev` and `#reset`; the step counter `#step`
    ///   (`forward step 2 of 5`, `backward step 3 of 6`), the step in words `#explain`, and
    ///   during backward `#partial-sum` (`grad so far = 1 + 2 = 3`, its `data-node` the
    ///   receiving node);
    /// - the state: the step's node has class `current`; during backward the edge served has
    ///   class `current` and the ones before it `served`, the sending op has class `source`,
    ///   and each node reached so far has `data-partial` (its running sum, as in its box);
    ///   during forward the ops not computed yet have class `pending`;
    /// - the panel `#panel` holds one `<section class="detail">` per node (`#detail-node-I`)
    ///   and per edge (`#detail-edge-E`); the one shown is the one not `hidden`;
    /// - the page replays steps from its address: `page.html#forward=2`, `#backward=3`,
    ///   optionally with `&node=I` or `&edge=E` to open one in the panel.
    ///
    /// The steps are embedded as JSON in `<script type="application/json" id="walk-data">`.
    ///
    /// [`forward_steps`]: GraphDump::forward_steps
    /// [`backward_steps`]: GraphDump::backward_steps
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor, dump::GraphDump};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::scalar(2.0)).named("x");
    /// let y = (x * x + x).named("y");
    /// let grads = tape.backward_retain_all(y);
    /// let page = GraphDump::new(&tape, Some(&grads)).to_html();
    /// assert!(page.starts_with("<!DOCTYPE html>"));
    /// assert!(page.contains(r#"id="node-0" data-index="0""#));
    /// assert!(page.contains(r##""sum":"#0 x: grad so far = 1 + 2 = 3""##));
    /// ```
    pub fn to_html(&self) -> String {
        render(self)
    }
}

fn render<T: Float>(dump: &GraphDump<T>) -> String {
    let forward = dump.forward_steps();
    let backward = dump.backward_steps();
    let pairs: Vec<(usize, usize)> = dump.edges.iter().map(|e| (e.from, e.to)).collect();
    let drawing = layout(dump.nodes.len(), (NODE_W, NODE_H), &pairs);
    let served_at = served_at(dump, &backward);
    let title = gradients_title(dump);

    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<title>nabla walkthrough: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        esc(&title)
    );
    header(&mut out, dump, &title, &forward, &backward);
    out.push_str("<main>\n<div id=\"graph\">\n");
    svg(&mut out, dump, &drawing, &backward);
    out.push_str("</div>\n<aside id=\"panel\">\n");
    out.push_str(
        "<p id=\"hint\">Click a box or an arrow to see all its numbers here. Forward \u{25b6} \
         replays the ops in the order they ran; Backward \u{25b6} serves the edges in the order \
         backward did, each adding its contribution to its input's running sum (the arrow keys \
         step too).</p>\n",
    );
    for node in &dump.nodes {
        node_detail(&mut out, dump, node, &forward, &served_at);
    }
    for (e, edge) in dump.edges.iter().enumerate() {
        edge_detail(&mut out, dump, e, edge, &served_at);
    }
    out.push_str("</aside>\n</main>\n<script type=\"application/json\" id=\"walk-data\">");
    out.push_str(&steps_json(dump, &forward, &backward));
    let _ = write!(
        out,
        "</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// The title, the buttons, the step counter and the step's words.
fn header<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    title: &str,
    forward: &[ForwardStep],
    backward: &[BackwardStep<T>],
) {
    let _ = writeln!(
        out,
        "<header>\n<h1>nabla walkthrough <span>{} nodes, {} edges; {}</span></h1>",
        dump.nodes.len(),
        dump.edges.len(),
        esc(title)
    );
    out.push_str(
        "<div id=\"controls\">\
         <button id=\"reset\" title=\"back to the overview\">Reset</button>\
         <button id=\"prev\" title=\"one step back (left arrow)\">\u{25c0} Undo</button>\
         <button id=\"forward\" title=\"compute the next op\">Forward \u{25b6}</button>\
         <button id=\"backward\" title=\"serve the next edge backward\">Backward \u{25b6}</button>",
    );
    let _ = writeln!(
        out,
        "<span id=\"step\">overview</span><span id=\"counts\">{} forward steps, {} backward \
         steps</span></div>",
        forward.len(),
        backward.len()
    );
    out.push_str(
        "<p id=\"explain\"></p>\n<p id=\"partial-sum\"></p>\n<p id=\"legend\">\
         <span class=\"key param\">parameter</span><span class=\"key const\">constant</span>\
         <span class=\"key op\">op</span><span class=\"key now\">this step</span>\
         <span class=\"key from\">sends back</span><span class=\"key served\">served</span>\
         </p>\n</header>\n",
    );
}

/// The drawing: arrows first, boxes over them, and the contribution tags on top.
fn svg<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    drawing: &Layout,
    backward: &[BackwardStep<T>],
) {
    let (w, h) = drawing.size;
    let _ = writeln!(
        out,
        "<svg id=\"drawing\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" \
         role=\"img\" aria-label=\"the computation graph\">"
    );
    for (e, edge) in dump.edges.iter().enumerate() {
        edge_svg(out, dump, e, edge, &drawing.routes[e]);
    }
    let output = dump.backward.and_then(|b| b.output);
    for node in &dump.nodes {
        node_svg(out, dump, node, drawing.boxes[node.index], output);
    }
    // Tags for the edges backward serves: what each sends back.
    for step in backward {
        let text = format!("sends back {}", short(&step.contribution));
        let (x, y) = tag_anchor(&drawing.routes[step.edge]);
        let width = text.chars().count() as f64 * 6.7 + 12.0;
        // Beside the arrow rather than over it, inside the drawing.
        let left = (x + 8.0).min(w - width - 2.0).max(2.0);
        let _ = writeln!(
            out,
            "<g class=\"tag\" id=\"tag-{e}\" data-edge=\"{e}\"><rect x=\"{left:.1}\" \
             y=\"{:.1}\" width=\"{width:.1}\" height=\"18\" rx=\"4\"/><text x=\"{:.1}\" \
             y=\"{:.1}\">{}</text></g>",
            y - 9.0,
            left + width / 2.0,
            y + 4.0,
            esc(&text),
            e = step.edge,
        );
    }
    out.push_str("</svg>\n");
}

fn node_svg<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    node: &DumpNode<T>,
    (x, y): (f64, f64),
    output: Option<usize>,
) {
    let class = match node.kind {
        NodeKind::Parameter => "param",
        NodeKind::Constant => "const",
        NodeKind::Operation => "op",
    };
    let extra = if output == Some(node.index) {
        " output"
    } else {
        ""
    };
    let what = match node.kind {
        NodeKind::Operation => node.op.clone(),
        kind => kind_word(kind).to_owned(),
    };
    let sub = format!("{what} \u{b7} {}", shape_words(node.value.shape()));
    let grad = match &node.gradient {
        Gradient::Computed(g) => format!("grad {}", short(g)),
        Gradient::NoGradient => "no grad".into(),
        Gradient::NotKept => "grad not kept".into(),
        Gradient::NotComputed => "grad not computed".into(),
    };
    let cx = x + NODE_W / 2.0;
    let _ = writeln!(
        out,
        "<g class=\"node {class}{extra}\" id=\"node-{i}\" data-index=\"{i}\" tabindex=\"0\">\
         <title>{tip}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" \
         rx=\"9\"/><text class=\"title\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text><text class=\"sub\" \
         x=\"{cx:.1}\" y=\"{:.1}\">{}</text><text class=\"val\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text>\
         <text class=\"grad\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text></g>",
        y + 17.0,
        esc(&fit(&dump.label(node.index), TITLE_CHARS)),
        y + 33.0,
        esc(&fit(&sub, LINE_CHARS)),
        y + 49.0,
        esc(&fit(&format!("value {}", short(&node.value)), LINE_CHARS)),
        y + 64.0,
        esc(&fit(&grad, LINE_CHARS)),
        i = node.index,
        tip = esc(&definition(dump, node)),
    );
}

fn edge_svg<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    e: usize,
    edge: &DumpEdge<T>,
    route: &[(f64, f64)],
) {
    let class = if edge.contribution.tensor().is_some() {
        "edge"
    } else {
        "edge nograd"
    };
    let d = path(route);
    let &(ex, ey) = route.last().expect("a route has two ends");
    let _ = writeln!(
        out,
        "<g class=\"{class}\" id=\"edge-{e}\" data-index=\"{e}\" data-from=\"{}\" data-to=\"{}\">\
         <title>{} \u{2192} {}</title><path class=\"hit\" d=\"{d}\"/><path class=\"line\" \
         d=\"{d}\"/><path class=\"head\" d=\"M{:.1} {:.1} L{:.1} {:.1} L{ex:.1} {ey:.1} Z\"/></g>",
        edge.from,
        edge.to,
        esc(&dump.label(edge.from)),
        esc(&dump.label(edge.to)),
        ex - 4.5,
        ey - ARROW,
        ex + 4.5,
        ey - ARROW,
    );
}

/// The SVG path of a route: smooth vertical curves between layers, straight through a
/// waypoint's layer, stopping short of the end for the arrowhead.
fn path(route: &[(f64, f64)]) -> String {
    let n = route.len();
    let mut points = route.to_vec();
    points[n - 1].1 -= ARROW - 1.0;
    let mut d = format!("M{:.1} {:.1}", points[0].0, points[0].1);
    for i in 1..n {
        let (a, b) = (points[i - 1], points[i]);
        // Route points 1, 2 are one waypoint's top and bottom, 3, 4 the next one's...
        if i % 2 == 0 && i < n - 1 {
            let _ = write!(d, " L{:.1} {:.1}", b.0, b.1);
        } else {
            let k = (b.1 - a.1) / 2.0;
            let _ = write!(
                d,
                " C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
                a.0,
                a.1 + k,
                b.0,
                b.1 - k,
                b.0,
                b.1
            );
        }
    }
    d
}

/// Where an edge's tag goes: halfway along its last leg, near the op that sends it back.
fn tag_anchor(route: &[(f64, f64)]) -> (f64, f64) {
    let (a, b) = (route[route.len() - 2], route[route.len() - 1]);
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// The backward step (from 1) at which each edge was served.
fn served_at<T: Float>(dump: &GraphDump<T>, backward: &[BackwardStep<T>]) -> Vec<Option<usize>> {
    let mut at = vec![None; dump.edges.len()];
    for (k, step) in backward.iter().enumerate() {
        at[step.edge] = Some(k + 1);
    }
    at
}

/// `#5 w1*x1 = mul(#0 w1, #2 x1)` for an op, `#0 w1: parameter` for a leaf.
fn definition<T: Float>(dump: &GraphDump<T>, node: &DumpNode<T>) -> String {
    if node.kind == NodeKind::Operation {
        let args: Vec<String> = node.inputs.iter().map(|&i| dump.label(i)).collect();
        format!(
            "{} = {}({})",
            dump.label(node.index),
            node.op,
            args.join(", ")
        )
    } else {
        format!("{}: {}", dump.label(node.index), kind_word(node.kind))
    }
}

fn node_detail<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    node: &DumpNode<T>,
    forward: &[ForwardStep],
    served_at: &[Option<usize>],
) {
    let i = node.index;
    let _ = writeln!(
        out,
        "<section class=\"detail\" id=\"detail-node-{i}\" data-index=\"{i}\" hidden>\n<h2>{}</h2>",
        esc(&definition(dump, node))
    );
    let scope = node.scope.map_or("(none)", |s| dump.scopes[s].as_str());
    let step = forward
        .iter()
        .position(|s| s.node == i)
        .map_or("(a leaf: given, not computed)".to_owned(), |k| {
            format!("step {} of {}", k + 1, forward.len())
        });
    let _ = writeln!(
        out,
        "<table class=\"facts\"><tr><th>op</th><td>{}</td></tr><tr><th>name</th><td>{}</td></tr>\
         <tr><th>kind</th><td>{}</td></tr><tr><th>scope</th><td>{}</td></tr><tr><th>shape</th>\
         <td>{}</td></tr><tr><th>forward</th><td>{step}</td></tr></table>",
        esc(&node.op),
        esc(node.name.as_deref().unwrap_or("(none)")),
        kind_word(node.kind),
        esc(scope),
        ShapeDisplay(node.value.shape()),
    );
    out.push_str("<h3>value</h3>\n");
    tensor_html(out, &node.value);
    // What backward computes is hidden while the forward pass is replayed.
    out.push_str(FORWARD_NOTE);
    out.push_str("<div class=\"backward-only\">\n<h3>gradient</h3>\n");
    match &node.gradient {
        Gradient::Computed(g) => {
            if dump.backward.and_then(|b| b.output) == Some(i) {
                out.push_str("<p>the seed: d output / d output</p>\n");
            }
            tensor_html(out, g);
        }
        other => {
            let _ = writeln!(out, "<p>{}</p>", esc(&gradient_words(other, node)));
        }
    }
    let into: Vec<usize> = (0..dump.edges.len())
        .filter(|&e| dump.edges[e].to == i)
        .collect();
    let from: Vec<usize> = (0..dump.edges.len())
        .filter(|&e| dump.edges[e].from == i)
        .collect();
    for (heading, list, other_end) in [
        ("inputs (edges in)", &into, true),
        (
            "used by (edges out; backward sends its gradient along these)",
            &from,
            false,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{heading}</h3>\n<ul class=\"edges\">");
        for &e in list {
            let edge = &dump.edges[e];
            let end = if other_end { edge.from } else { edge.to };
            let when = served_at[e].map_or(String::new(), |k| format!(" (backward step {k})"));
            let _ = writeln!(
                out,
                "<li><span class=\"link\" data-show=\"edge-{e}\">{} {}</span>{when}: local \
                 derivative {}; sends back {}</li>",
                if other_end { "from" } else { "to" },
                esc(&dump.label(end)),
                esc(&local_words(edge)),
                esc(&contribution_words(dump, edge)),
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n</section>\n");
}

/// What the panel says instead of gradients during the forward replay.
const FORWARD_NOTE: &str = "<p class=\"forward-only\" hidden>Gradients come in the backward \
                            pass: press Backward \u{25b6}.</p>\n";

fn edge_detail<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    e: usize,
    edge: &DumpEdge<T>,
    served_at: &[Option<usize>],
) {
    let _ = writeln!(
        out,
        "<section class=\"detail\" id=\"detail-edge-{e}\" data-index=\"{e}\" hidden>\n<h2>\
         <span class=\"link\" data-show=\"node-{f}\">{}</span> \u{2192} <span class=\"link\" \
         data-show=\"node-{t}\">{}</span></h2>",
        esc(&dump.label(edge.from)),
        esc(&dump.label(edge.to)),
        f = edge.from,
        t = edge.to,
    );
    let when = served_at[e].map_or("not served (no gradient flows here)".to_owned(), |k| {
        format!("backward step {k}")
    });
    let _ = writeln!(
        out,
        "<table class=\"facts\"><tr><th>argument</th><td>{} of {}</td></tr><tr><th>backward</th>\
         <td>{when}</td></tr></table>",
        edge.input_index,
        esc(&dump.label(edge.to)),
    );
    let _ = writeln!(
        out,
        "<h3>local derivative d({}) / d({})</h3>",
        esc(&dump.label(edge.to)),
        esc(&dump.label(edge.from))
    );
    match &edge.local {
        LocalDerivative::Elementwise(d) => tensor_html(out, d),
        _ => {
            let _ = writeln!(out, "<p>{}</p>", esc(&local_words(edge)));
        }
    }
    out.push_str(FORWARD_NOTE);
    out.push_str(
        "<div class=\"backward-only\">\n<h3>contribution sent back (the consumer's gradient \
         times the local derivative)</h3>\n",
    );
    match &edge.contribution {
        Gradient::Computed(c) => tensor_html(out, c),
        _ => {
            let _ = writeln!(out, "<p>{}</p>", esc(&contribution_words(dump, edge)));
        }
    }
    out.push_str("</div>\n</section>\n");
}

/// Writes every element of `t` (up to [`PANEL_ELEMENTS`]) as tables: a row for a vector, a
/// grid for a matrix, one grid per leading index for more axes.
fn tensor_html<T: Float>(out: &mut String, t: &Tensor<T>) {
    let shape = t.shape();
    if t.numel() == 0 {
        let _ = writeln!(out, "<p>empty, shape {}</p>", ShapeDisplay(shape));
        return;
    }
    if shape.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"tensor\"><span class=\"num\">{}</span></p>",
            number(t.data()[0])
        );
        return;
    }
    let cols = shape[shape.len() - 1];
    let rows = if shape.len() >= 2 {
        shape[shape.len() - 2]
    } else {
        1
    };
    let lead = &shape[..shape.len().saturating_sub(2)];
    let data = t.data();
    let mut shown = 0;
    out.push_str("<div class=\"tensor\">\n");
    for (s, block) in data.chunks(rows * cols).enumerate() {
        if shown >= PANEL_ELEMENTS {
            break;
        }
        if !lead.is_empty() {
            let _ = writeln!(out, "<p class=\"slice\">[{}, :, :]</p>", unravel(s, lead));
        }
        out.push_str("<table>");
        if shape.len() >= 2 {
            out.push_str("<tr><th></th>");
            for c in 0..cols {
                let _ = write!(out, "<th>{c}</th>");
            }
            out.push_str("</tr>");
        }
        for (r, row) in block.chunks(cols).enumerate() {
            if shown >= PANEL_ELEMENTS {
                break;
            }
            out.push_str("<tr>");
            if shape.len() >= 2 {
                let _ = write!(out, "<th>{r}</th>");
            }
            let room = (PANEL_ELEMENTS - shown).min(row.len());
            for &x in &row[..room] {
                let _ = write!(out, "<td>{}</td>", number(x));
            }
            if room < row.len() {
                out.push_str("<td class=\"cut\">\u{2026}</td>");
            }
            shown += room;
            out.push_str("</tr>");
        }
        out.push_str("</table>\n");
    }
    if shown < t.numel() {
        let _ = writeln!(
            out,
            "<p class=\"more\">\u{2026} and {} more elements not shown (of {}, shape {})</p>",
            t.numel() - shown,
            t.numel(),
            ShapeDisplay(shape)
        );
    }
    out.push_str("</div>\n");
}

/// The multi-index `i, j` of the `s`-th block over the leading axes `lead`.
fn unravel(mut s: usize, lead: &[usize]) -> String {
    let mut index = vec![0; lead.len()];
    for (slot, &extent) in index.iter_mut().zip(lead).rev() {
        *slot = s % extent;
        s /= extent;
    }
    index
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One number as the dumps write it (4 significant digits).
fn number<T: Float>(x: T) -> String {
    format_tensor(&Tensor::scalar(x))
}

/// A tensor in a box: in full if short enough, else how many elements it has.
fn short<T: Float>(t: &Tensor<T>) -> String {
    let text = format_tensor(t);
    if text.chars().count() <= SHORT_CHARS {
        text
    } else {
        format!("({} numbers)", t.numel())
    }
}

/// `scalar` or the shape.
fn shape_words(shape: &[usize]) -> String {
    if shape.is_empty() {
        "scalar".into()
    } else {
        ShapeDisplay(shape).to_string()
    }
}

/// `s` cut to `chars` characters, with an ellipsis when cut.
fn fit(s: &str, chars: usize) -> String {
    if s.chars().count() <= chars {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(chars - 1).collect();
        cut.push('\u{2026}');
        cut
    }
}

fn gradient_words<T: Float>(g: &Gradient<T>, node: &DumpNode<T>) -> String {
    match g {
        Gradient::Computed(t) => format_tensor(t),
        Gradient::NotComputed => "not computed yet (the dump was taken before backward)".into(),
        Gradient::NotKept => {
            "not kept by backward (Tape::backward_retain_all keeps every gradient)".into()
        }
        Gradient::NoGradient => format!("no gradient ({})", no_gradient_reason(node)),
    }
}

fn local_words<T: Float>(edge: &DumpEdge<T>) -> String {
    match &edge.local {
        LocalDerivative::Elementwise(d) => format_tensor(d),
        LocalDerivative::Jacobian => match &edge.rule {
            Some(rule) => format!("a Jacobian; the contribution follows {rule}"),
            None => {
                "a Jacobian (not shown: the contribution is its vector-Jacobian product)".into()
            }
        },
        LocalDerivative::NotNeeded => "not needed (no gradient flows to this input)".into(),
    }
}

fn contribution_words<T: Float>(dump: &GraphDump<T>, edge: &DumpEdge<T>) -> String {
    match &edge.contribution {
        Gradient::Computed(c) => format_tensor(c),
        Gradient::NotKept => format!(
            "not known ({}'s gradient was not kept)",
            dump.label(edge.to)
        ),
        other => gradient_words(other, &dump.nodes[edge.from]),
    }
}

/// The step data for the script, as JSON.
fn steps_json<T: Float>(
    dump: &GraphDump<T>,
    forward: &[ForwardStep],
    backward: &[BackwardStep<T>],
) -> String {
    let output = dump.backward.and_then(|b| b.output);
    let mut json = String::from("{\"output\":");
    match output {
        Some(o) => {
            let seed = dump.nodes[o]
                .gradient
                .tensor()
                .map(short)
                .unwrap_or_default();
            let _ = write!(
                json,
                "{o},\"seed\":{},\"seedText\":{}",
                json_str(&seed),
                json_str(&format!(
                    "backward starts at {} with its gradient d output / d output = {seed} (the \
                     seed)",
                    dump.label(o)
                ))
            );
        }
        None => json.push_str("null,\"seed\":\"\",\"seedText\":\"\""),
    }
    json.push_str(",\"forward\":[");
    for (k, step) in forward.iter().enumerate() {
        let node = &dump.nodes[step.node];
        let text = format!(
            "{} = {}",
            definition(dump, node),
            format_tensor(&node.value)
        );
        let edges: Vec<String> = step.edges.iter().map(usize::to_string).collect();
        let _ = write!(
            json,
            "{}{{\"node\":{},\"edges\":[{}],\"text\":{}}}",
            if k > 0 { "," } else { "" },
            step.node,
            edges.join(","),
            json_str(&text)
        );
    }
    json.push_str("],\"backward\":[");
    let mut previous: Vec<Option<&Tensor<T>>> = vec![None; dump.nodes.len()];
    for (k, step) in backward.iter().enumerate() {
        let sum = format!(
            "{}: {}",
            dump.label(step.input),
            running_sum(previous[step.input], step)
        );
        previous[step.input] = Some(&step.partial);
        let _ = write!(
            json,
            "{}{{\"edge\":{},\"input\":{},\"consumer\":{},\"term\":{},\"terms\":{},\"short\":{},\
             \"sum\":{},\"text\":{}}}",
            if k > 0 { "," } else { "" },
            step.edge,
            step.input,
            step.consumer,
            step.term,
            step.terms,
            json_str(&short(&step.partial)),
            json_str(&sum),
            json_str(&served_words(dump, step)),
        );
    }
    json.push_str("]}");
    json
}

/// `grad so far = c`, then `grad so far = previous + c = sum` (when all three are small, else
/// just the sum).
fn running_sum<T: Float>(previous: Option<&Tensor<T>>, step: &BackwardStep<T>) -> String {
    let small = |t: &Tensor<T>| t.numel() <= super::FULL_LIMIT;
    match previous {
        Some(p) if small(p) && small(&step.contribution) => format!(
            "grad so far = {} + {} = {}",
            format_tensor(p),
            format_tensor(&step.contribution),
            format_tensor(&step.partial)
        ),
        _ => format!("grad so far = {}", format_tensor(&step.partial)),
    }
}

/// What a backward step does, in words.
fn served_words<T: Float>(dump: &GraphDump<T>, step: &BackwardStep<T>) -> String {
    let edge = &dump.edges[step.edge];
    let consumer = dump.label(step.consumer);
    let input = dump.label(step.input);
    let upstream = dump.nodes[step.consumer].gradient.tensor();
    let how = match (&edge.local, upstream) {
        (LocalDerivative::Elementwise(d), Some(g)) => format!(
            "local derivative {} \u{d7} {consumer}'s gradient {} = {}",
            format_tensor(d),
            format_tensor(g),
            format_tensor(&step.contribution)
        ),
        _ => match &edge.rule {
            Some(rule) => format!(
                "{rule}, with g = {consumer}'s gradient: {}",
                format_tensor(&step.contribution)
            ),
            None => format!(
                "the vector-Jacobian product of {consumer}'s gradient = {}",
                format_tensor(&step.contribution)
            ),
        },
    };
    let count = if step.completes() {
        format!(
            "contribution {} of {}: its gradient is complete",
            step.term, step.terms
        )
    } else {
        format!("contribution {} of {}", step.term, step.terms)
    };
    format!("{consumer} sends {input} its share: {how} ({count})")
}

/// A JSON string literal; `<`, `>` and `&` are escaped too, so the JSON can sit in a script
/// element.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '&' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for HTML (element content and attribute values).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    fn page() -> String {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::scalar(2.0)).named("x");
        let y = (x * x + x).named("y");
        let grads = tape.backward_retain_all(y);
        GraphDump::new(&tape, Some(&grads)).to_html()
    }

    #[test]
    fn the_page_holds_the_drawing_the_panel_and_the_steps() {
        let page = page();
        for id in [
            "forward",
            "backward",
            "prev",
            "reset",
            "step",
            "panel",
            "partial-sum",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "#{id} missing");
        }
        for i in 0..3 {
            assert!(page.contains(&format!("id=\"node-{i}\" data-index=\"{i}\"")));
            assert!(page.contains(&format!("id=\"detail-node-{i}\"")));
        }
        assert!(page.contains("id=\"edge-3\" data-index=\"3\" data-from=\"0\" data-to=\"2\""));
        // The steps: the add's two edges, then the product's; x's sums 1, 1 + 2, 3 + 2.
        assert!(page.contains(
            "\"backward\":[{\"edge\":2,\"input\":1,\"consumer\":2,\"term\":1,\"terms\":1,\
             \"short\":\"1\",\"sum\":\"#1 mul: grad so far = 1\""
        ));
        assert!(page.contains("\"sum\":\"#0 x: grad so far = 3 + 2 = 5\""));
        assert!(page.contains(
            "\"forward\":[{\"node\":1,\"edges\":[0,1],\"text\":\"#1 mul = mul(#0 x, #0 x) = 4\"}"
        ));
        assert!(page.contains(
            "y sends #0 x its share: local derivative 1 \u{d7} #2 y's gradient 1 = 1 \
             (contribution 1 of 3)"
        ));
        // The box of x and its full gradient in the panel.
        assert!(page.contains("<text class=\"grad\" x=\"") && page.contains(">grad 5</text>"));
        assert!(
            page.contains("<h3>gradient</h3>\n<p class=\"tensor\"><span class=\"num\">5</span>")
        );
        // Nothing is loaded from anywhere.
        for outside in ["http:", "https:", "src=", "href=", "@import", "url("] {
            assert!(!page.contains(outside), "the page refers to {outside}");
        }
    }

    #[test]
    fn a_page_before_backward_has_forward_steps_only() {
        let tape = Tape::<f32>::new();
        let x = tape.param(Tensor::scalar(2.0)).named("x");
        let _ = (x * x).exp();
        let page = GraphDump::new(&tape, None).to_html();
        assert!(page.contains("{\"output\":null,"));
        assert!(page.contains("\"backward\":[]}"));
        assert!(page.contains("\"forward\":[{\"node\":1,\"edges\":[0,1],"));
        assert!(page.contains(">grad not computed</text>"));
        assert!(page.contains("<p>not computed yet (the dump was taken before backward)</p>"));
    }

    #[test]
    fn tensors_are_written_in_full_up_to_the_cap() {
        let mut out = String::new();
        tensor_html(
            &mut out,
            &Tensor::from_vec(vec![1.0, 2.5, -3.0, 4e-7, 5.0, 6.0], &[2, 3]),
        );
        assert_eq!(
            out,
            "<div class=\"tensor\">\n<table><tr><th></th><th>0</th><th>1</th><th>2</th></tr>\
             <tr><th>0</th><td>1</td><td>2.5</td><td>-3</td></tr><tr><th>1</th><td>4e-7</td>\
             <td>5</td><td>6</td></tr></table>\n</div>\n"
        );
        let mut out = String::new();
        tensor_html(
            &mut out,
            &Tensor::<f32>::arange(0.0, 8.0, 1.0).reshape(&[2, 2, 2]),
        );
        assert!(out.contains("<p class=\"slice\">[1, :, :]</p>"), "{out}");
        assert!(out.contains("<td>7</td>"));
        let big = Tensor::<f64>::zeros(&[3, 2000]);
        let mut out = String::new();
        tensor_html(&mut out, &big);
        assert_eq!(out.matches("<td>").count(), PANEL_ELEMENTS);
        assert!(out.contains("and 1904 more elements not shown (of 6000, shape [3, 2000])"));
    }

    #[test]
    fn json_strings_and_html_are_escaped() {
        assert_eq!(
            json_str("a\"b\\c\n</script>"),
            "\"a\\\"b\\\\c\\n\\u003c/script\\u003e\""
        );
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(fit("abcdef", 4), "abc\u{2026}");
        assert_eq!(unravel(5, &[2, 3]), "1, 2");
    }
}
