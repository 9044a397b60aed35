//! The DOT is well-formed (balanced braces, closed strings, every edge between declared nodes)
//! and a 3-layer network's dump groups each layer under its scope.

use nabla_autodiff::dump::{Gradient, GraphDump};
use nabla_autodiff::{Tape, Tensor, Var};
use std::collections::HashSet;

/// Deterministic weights in [-0.5, 0.5).
fn weights(rows: usize, cols: usize, seed: usize) -> Tensor<f64> {
    Tensor::from_fn(&[rows, cols], |i| {
        ((i * 37 + seed * 11) % 23) as f64 / 23.0 - 0.5
    })
}

/// A 3-16-8-1 tanh network on 4 samples with a mean squared error, each layer in a scope
/// nested under "mlp". Returns the first layer's weight and the loss.
fn three_layer_net(tape: &Tape<f64>) -> (Var<'_, f64>, Var<'_, f64>) {
    let x = tape.constant(weights(4, 3, 0)).named("x");
    let dims = [3, 16, 8, 1];
    let mut h = x;
    let mut first_w = None;
    {
        let _mlp = tape.scope("mlp");
        for layer in 0..3 {
            let _layer = tape.scope(&format!("layer{}", layer + 1));
            let w = tape
                .param(weights(dims[layer], dims[layer + 1], layer + 1))
                .named("W");
            let b = tape.param(Tensor::zeros(&[dims[layer + 1]])).named("b");
            first_w.get_or_insert(w);
            h = h.matmul(w) + b;
            if layer < 2 {
                h = h.tanh();
            }
        }
    }
    // A name with a quote, a backslash and a line break, which DOT must escape.
    let y = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.5], &[4, 1]));
    let y = y.named("target \"y\"\\\nfrom data");
    let loss = (h - y).powf(2.0).mean().named("loss");
    (first_w.expect("three layers"), loss)
}

/// The network's dump after backward, every gradient kept.
fn dumped_net() -> GraphDump<f64> {
    let tape = Tape::<f64>::new();
    let (_, loss) = three_layer_net(&tape);
    let grads = tape.backward_retain_all(loss);
    GraphDump::new(&tape, Some(&grads))
}

/// Checks what Graphviz would reject or misdraw: unbalanced braces, unclosed strings, raw line
/// breaks inside strings, edges to undeclared nodes, nodes declared twice. Returns the maximum
/// brace depth.
fn check_dot(dot: &str) -> Result<usize, String> {
    if !dot.starts_with("digraph ") {
        return Err("does not start with `digraph`".into());
    }
    let (mut depth, mut max_depth, mut in_string, mut escaped) = (0_i32, 0, false, false);
    let mut outside = String::new(); // the text with string contents removed
    for c in dot.chars() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                (_, '\n') => return Err("a line break inside a quoted string".into()),
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err("a `}` closes nothing".into());
        }
        max_depth = max_depth.max(depth);
        outside.push(c);
    }
    if in_string || depth != 0 {
        return Err(format!(
            "unclosed string ({in_string}) or braces (depth {depth})"
        ));
    }
    let mut declared = HashSet::new();
    let mut edges = Vec::new();
    // Node statements and edges start with a node id: `n` (a node) or `e` (an arrow's label)
    // and digits.
    let id = |s: &str| -> String {
        let s = s.trim();
        let digits: String = s[1..].chars().take_while(char::is_ascii_digit).collect();
        format!("{}{digits}", &s[..1])
    };
    for line in outside.lines().map(str::trim) {
        let is_id =
            line.starts_with(['n', 'e']) && line[1..].starts_with(|c: char| c.is_ascii_digit());
        if !is_id {
            continue;
        }
        match line.split_once("->") {
            Some((from, to)) => edges.push((id(from), id(to))),
            None => {
                if !declared.insert(id(line)) {
                    return Err(format!("node {line} declared twice"));
                }
            }
        }
    }
    for (from, to) in &edges {
        if !declared.contains(from) || !declared.contains(to) {
            return Err(format!("edge {from} -> {to} joins an undeclared node"));
        }
    }
    Ok(max_depth as usize)
}

#[test]
fn the_checker_rejects_broken_dot() {
    assert!(check_dot("digraph g {\n  n0 [label=\"a\"];\n  n0 -> n1;\n}\n").is_err());
    assert!(check_dot("digraph g {\n  n0 [label=\"a\"];\n  n0 -> e1;\n}\n").is_err());
    assert!(check_dot("digraph g {\n  n0 [label=\"a}\"];\n").is_err());
    assert!(check_dot("digraph g {\n  n0 [label=\"a\nb\"];\n}\n").is_err());
    assert!(check_dot("digraph g {\n  n0 [label=\"a\\\"\"];\n  n0 -> n0;\n}\n").is_ok());
}

#[test]
fn a_three_layer_network_dumps_to_well_formed_nested_dot() {
    let tape = Tape::<f64>::new();
    let (w1, loss) = three_layer_net(&tape);
    let grads = tape.backward_retain_all(loss);
    let dump = GraphDump::new(&tape, Some(&grads));
    assert_eq!(
        dump.scopes,
        ["mlp", "mlp/layer1", "mlp/layer2", "mlp/layer3"]
    );
    let dot = dump.to_dot();

    // graph { mlp { layer { node attributes } } }: depth 3 at most, so the layers nest in mlp.
    assert_eq!(check_dot(&dot), Ok(3), "{dot}");
    assert_eq!(dot.matches("subgraph cluster_").count(), 4);
    let mlp = dot.find("label=\"mlp\"").unwrap();
    for layer in 1..=3 {
        let at = dot.find(&format!("label=\"layer{layer}\"")).unwrap();
        assert!(at > mlp);
    }
    // Each arrow a gradient flows along runs through its label, a node declared in the
    // consumer's cluster: `n<from> -> e<k>` and `e<k> -> n<to>`. The others are dashed.
    let labelled: Vec<usize> = (0..dump.edges.len())
        .filter(|&k| dot.contains(&format!(" -> e{k} ")))
        .collect();
    assert_eq!(
        labelled.len(),
        dump.edges.len() - 2,
        "x and y get no gradient"
    );
    assert_eq!(
        dot.matches(" -> ").count(),
        dump.edges.len() + labelled.len()
    );
    for &k in &labelled {
        let edge = &dump.edges[k];
        assert!(dot.contains(&format!("  n{} -> e{k} [arrowhead=none", edge.from)));
        assert!(dot.contains(&format!("  e{k} -> n{};", edge.to)));
        let declared = dot.find(&format!("e{k} [label=")).unwrap();
        let consumer = dot.find(&format!("n{} [label=", edge.to)).unwrap();
        let cluster_of = |at: usize| dot[..at].rfind("subgraph cluster_");
        assert_eq!(cluster_of(declared), cluster_of(consumer), "edge {k}");
    }
    // A label states the rule and the numbers: the output layer's bias.
    assert!(
        dot.contains("dL/db = g, summed to [1]\\nsends back [-1.336]"),
        "{dot}"
    );
    assert!(dot.contains("target \\\"y\\\"\\\\\\nfrom data (constant)"));

    // The first layer's weight has 48 elements, and its gradient is backward's.
    let w = dump.node(w1.id()).unwrap();
    assert_eq!(dump.scopes[w.scope.unwrap()], "mlp/layer1");
    assert_eq!(w.gradient, Gradient::Computed(grads[w1].clone()));
    // 16 columns are too wide for a picture: the DOT summarises them, the text has them all.
    assert!(
        dot.contains("#1 W (parameter)\\nvalue shape [3, 16]\\nmin "),
        "{dot}"
    );
    assert!(
        dump.to_text()
            .contains("#1 W: parameter  value shape [3, 16]:\n    [[")
    );
    let short = dump.clone().with_full_limit(32).to_dot();
    assert!(short.contains("#1 W (parameter)\\nvalue shape [3, 16]\\nmin "));
}

#[test]
fn the_text_dump_has_a_section_per_layer() {
    let text = dumped_net().to_text();
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        headings,
        [
            "== mlp/layer1 ==",
            "== mlp/layer2 ==",
            "== mlp/layer3 ==",
            "== (no scope) =="
        ]
    );
    // Every node line is short enough to read: no tensor is printed whole.
    let longest = text.lines().map(str::len).max().unwrap();
    assert!(longest < 250, "a {longest}-character line");
}

#[test]
fn graphviz_accepts_the_dot_when_it_is_installed() {
    let dot = dumped_net().to_dot();
    let run = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = run else {
        eprintln!("skipped: Graphviz `dot` is not installed");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "dot says: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

/// The fan-out graph of `x e^x + x^2 + tanh(x) x` on three elements, drawn by Graphviz,
/// stays under 1400 pixels wide: edge labels break their numbers over short lines.
#[test]
fn the_fan_out_picture_stays_narrow() {
    let tape = Tape::<f64>::new();
    let x = tape
        .param(Tensor::from_vec(vec![0.5, -1.0, 2.0], &[3]))
        .named("x");
    let f = (x * x.exp() + x.powf(2.0) + x.tanh() * x).sum().named("f");
    let grads = tape.backward_retain_all(f);
    let dump = GraphDump::new(&tape, Some(&grads));
    assert!(dump.to_dot().contains(
        "dL/dx = g ⊙ 2x\\nlocal [1, -2, 4]\\nsends back [1, -2, 4]\\n* [1, 1, 1]\\n= [1, -2, 4]"
    ));
    if let Some(pixels) = drawn_width(&dump) {
        assert!(pixels <= 1400.0, "{pixels} px wide");
    }
}

/// The scoped 3-16-8-1 network, drawn by Graphviz, stays under 1400 pixels wide: each layer's
/// cluster starts below the one before it, and wide tensors break over short lines.
#[test]
fn the_three_layer_picture_stays_narrow() {
    if let Some(pixels) = drawn_width(&dumped_net()) {
        assert!(pixels <= 1400.0, "{pixels} px wide");
    }
}

/// The width in pixels (at 96 per inch) of the dump drawn by Graphviz; `None` when Graphviz
/// is not installed (and the test may skip).
fn drawn_width(dump: &GraphDump<f64>) -> Option<f64> {
    if !crate::tools::have("dot") {
        return None;
    }
    let svg = dump.to_svg().expect("Graphviz draws the graph");
    let width = svg
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split("pt").next())
        .unwrap();
    Some(width.parse::<f64>().unwrap() * 96.0 / 72.0)
}
