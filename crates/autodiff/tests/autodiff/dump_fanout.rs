//! A node that feeds several ops gets the sum of what each sends back, and the dump lists the
//! terms: f = sum(x e^x + x^2 + tanh(x) x), whose gradient is
//! e^x (1 + x) + 2x + tanh(x) + x (1 - tanh^2 x).

use nabla_autodiff::dump::{GraphDump, format_tensor};
use nabla_autodiff::{Tape, Tensor, Var};

/// f(x) = sum(x e^x + x^2 + tanh(x) x), recorded so that x feeds five ops: exp, the first mul,
/// pow, tanh and the second mul.
fn record<'t>(tape: &'t Tape<f64>, x: &[f64]) -> (Var<'t, f64>, Var<'t, f64>) {
    let x = tape
        .param(Tensor::from_vec(x.to_vec(), &[x.len()]))
        .named("x");
    let f = (x * x.exp() + x.powf(2.0) + x.tanh() * x).sum().named("f");
    (x, f)
}

fn f_plain(x: &[f64]) -> f64 {
    x.iter().map(|&v| v * v.exp() + v * v + v.tanh() * v).sum()
}

/// Each path's share of df/dx, in the order the consumers were recorded.
fn hand_contributions(v: f64) -> [f64; 5] {
    let t = v.tanh();
    [
        v * v.exp(),       // through exp: (d f / d e^x = x) * e^x
        v.exp(),           // through x * e^x, as its left factor
        2.0 * v,           // through x^2
        v * (1.0 - t * t), // through tanh: (d f / d tanh = x) * (1 - tanh^2)
        t,                 // through tanh(x) * x, as its right factor
    ]
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

const X: [f64; 3] = [-1.5, 0.25, 2.0];

#[test]
fn the_gradient_matches_the_hand_derivation_and_finite_differences() {
    let tape = Tape::<f64>::new();
    let (x, f) = record(&tape, &X);
    assert!(close(f.item(), f_plain(&X), 1e-14));
    let grads = f.backward();
    for (k, &v) in X.iter().enumerate() {
        let t = v.tanh();
        let hand = v.exp() * (1.0 + v) + 2.0 * v + t + v * (1.0 - t * t);
        assert!(close(grads[x].data()[k], hand, 1e-12), "element {k}");
        let eps = 1e-6;
        let (mut up, mut down) = (X, X);
        up[k] += eps;
        down[k] -= eps;
        let numeric = (f_plain(&up) - f_plain(&down)) / (2.0 * eps);
        assert!(
            close(grads[x].data()[k], numeric, 1e-7),
            "element {k}: {numeric}"
        );
    }
}

#[test]
fn the_dump_lists_each_contribution_and_they_add_up_to_the_gradient() {
    let tape = Tape::<f64>::new();
    let (x, f) = record(&tape, &X);
    let grads = tape.backward_retain_all(f);
    let dump = GraphDump::new(&tape, Some(&grads));

    let parts: Vec<_> = dump.contributions_to(x.id()).collect();
    let consumers: Vec<&str> = parts.iter().map(|e| dump.nodes[e.to].op.as_str()).collect();
    assert_eq!(consumers, ["exp", "mul", "pow 2", "tanh", "mul"]);
    assert_eq!(parts[1].input_index, 0);
    assert_eq!(parts[4].input_index, 1);

    let gradient = dump.node(x.id()).unwrap().gradient.tensor().unwrap();
    assert_eq!(gradient, &grads[x]);
    for (k, &v) in X.iter().enumerate() {
        let hand = hand_contributions(v);
        let mut total = 0.0;
        for (part, want) in parts.iter().zip(hand) {
            let got = part.contribution.tensor().unwrap().data()[k];
            assert!(close(got, want, 1e-12), "element {k}: {got} vs {want}");
            total += got;
        }
        assert!(close(total, gradient.data()[k], 1e-12), "element {k}");
    }

    // The text writes x's gradient as the sum of those five terms, each with its source.
    let terms: Vec<String> = parts
        .iter()
        .map(|e| {
            let source = &dump.nodes[e.to];
            let c = format_tensor(e.contribution.tensor().unwrap());
            format!("{c} (from #{} {})", source.index, source.op)
        })
        .collect();
    let line = format!(
        "grad = {}\n         = {}",
        terms.join("\n         + "),
        format_tensor(gradient)
    );
    let text = dump.to_text();
    assert!(text.contains(&line), "missing\n{line}\nin\n{text}");
    assert!(
        line.contains("(from #1 exp)\n         + [")
            && line.contains("(from #6 mul)\n         = [")
    );
    // The DOT draws the same sum, one term per line.
    assert!(dump.to_dot().contains(&terms.join("\\n+ ")));
}

#[test]
fn a_large_input_lists_the_sources_and_summarises_the_total() {
    let xs: Vec<f64> = (0..12).map(|i| f64::from(i) / 4.0 - 1.5).collect();
    let tape = Tape::<f64>::new();
    let (x, f) = record(&tape, &xs);
    let grads = tape.backward_retain_all(f);
    // Twelve elements are written in full by default; a limit of 8 summarises them.
    let dump = GraphDump::new(&tape, Some(&grads));
    let full = format_tensor(&grads[x]);
    assert!(full.starts_with('[') && dump.to_text().contains(&full));
    let dump = dump.with_full_limit(8);
    let line = "grad = sum of 5 contributions (from #1 exp, #2 mul, #3 pow 2, #5 tanh, #6 mul) \
                = shape [12]: min ";
    assert!(dump.to_text().contains(line), "{}", dump.to_text());
    let sum: Vec<f64> = (0..xs.len())
        .map(|k| {
            dump.contributions_to(x.id())
                .map(|e| e.contribution.tensor().unwrap().data()[k])
                .sum()
        })
        .collect();
    for (k, (s, g)) in sum.iter().zip(grads[x].data()).enumerate() {
        assert!(close(*s, *g, 1e-12), "element {k}");
    }
}
