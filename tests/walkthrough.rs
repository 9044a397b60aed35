//! The HTML walkthrough (`dump::html`) of the logistic-regression example: its steps follow
//! backward with the hand-computed numbers, and in headless Chromium (installed by `.ci/run`)
//! the page replayed to a step shows the expected node highlighted and the expected running
//! sum.

#[allow(dead_code)] // the example's main is not called here
#[path = "../examples/logistic_regression_graph.rs"]
mod example;

#[path = "support/browser.rs"]
mod browser;
#[path = "support/tools.rs"]
mod tools;

use example::{EXAMPLE, record};
use nabla::autodiff::dump::GraphDump;
use nabla::autodiff::{Tape, Tensor};
use std::path::Path;

#[test]
fn the_steps_follow_backward_with_the_hand_computed_numbers() {
    let tape = Tape::<f64>::new();
    let n = record(&tape, EXAMPLE);
    let grads = tape.backward_retain_all(n.loss);
    let dump = GraphDump::new(&tape, Some(&grads));
    let e = EXAMPLE;
    let p = 1.0 / (1.0 + (-(e.w1 * e.x1 + e.w2 * e.x2)).exp());
    let index = |v: nabla::autodiff::Var<'_, f64>| dump.node(v.id()).unwrap().index;

    // Forward: the ops in the order they were recorded.
    let forward: Vec<usize> = dump.forward_steps().iter().map(|s| s.node).collect();
    assert_eq!(forward, [n.w1x1, n.w2x2, n.z, n.p, n.loss].map(index));

    // Backward: from L back, each op's inputs in argument order; the label y gets nothing.
    let steps = dump.backward_steps();
    let served: Vec<(usize, usize)> = steps.iter().map(|s| (s.input, s.consumer)).collect();
    assert_eq!(
        served,
        [
            (n.p, n.loss),
            (n.z, n.p),
            (n.w1x1, n.z),
            (n.w2x2, n.z),
            (n.w2, n.w2x2),
            (n.w1, n.w1x1),
        ]
        .map(|(a, b)| (index(a), index(b)))
    );
    let expected = [
        -e.y / p + (1.0 - e.y) / (1.0 - p), // dL/dp = -1.472
        p - e.y,                            // dL/dz = -0.3208
        p - e.y,
        p - e.y,
        e.x2 * (p - e.y), // 0.3208
        e.x1 * (p - e.y), // -0.6416
    ];
    for (step, want) in steps.iter().zip(expected) {
        assert!((step.contribution.item() - want).abs() < 1e-12, "{step:?}");
        // Every node here has one consumer: its one contribution is its gradient.
        assert_eq!((step.term, step.terms), (1, 1));
        assert_eq!(
            Some(&step.partial),
            dump.nodes[step.input].gradient.tensor()
        );
    }
    assert!((steps[5].partial.item() - (-0.641_642_601_6)).abs() < 1e-9);
}

/// Where paths meet: y = x * x + x at x = 2 sends x three contributions, 1 (through the add)
/// then 2 and 2 (through the product), and the page shows the sum growing: 1, 1 + 2 = 3,
/// 3 + 2 = 5.
fn meeting_paths_page() -> String {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(2.0)).named("x");
    let y = (x * x + x).named("y");
    let grads = tape.backward_retain_all(y);
    nabla::autodiff::dump::html(&tape, Some(&grads))
}

#[test]
fn the_page_replays_steps_in_headless_chromium() {
    if !tools::have("chromium") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("nabla-walkthrough-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let neuron = dir.join("neuron.html");
    example::run(&["--html".to_string(), neuron.display().to_string()]).unwrap();
    let page = std::fs::read_to_string(&neuron).unwrap();
    assert!(
        !page.contains("http:") && !page.contains("https:"),
        "nothing is loaded"
    );

    // After 3 backward steps: L -> p, p -> z, z -> w1*x1 served; #5 w1*x1 has received p - y.
    let dom = dump_dom(&neuron, "backward=3");
    assert_eq!(with_class(&dom, "node", "current"), ["node-5"]);
    assert_eq!(with_class(&dom, "node", "source"), ["node-7"]);
    assert_eq!(with_class(&dom, "edge", "current"), ["edge-4"]);
    assert_eq!(with_class(&dom, "edge", "served"), ["edge-6", "edge-7"]);
    assert_eq!(
        text_of(&dom, "partial-sum"),
        "#5 w1*x1: grad so far = -0.3208"
    );
    assert_eq!(text_of(&dom, "step"), "backward step 3 of 6");
    assert_eq!(attribute(&dom, "node-5", "data-partial"), Some("-0.3208"));
    // Not reached yet: w1 waits for its gradient.
    assert!(classes(&dom, "node-0").contains(&"waiting"));
    assert!(dom.contains("<text class=\"grad\"") && dom.contains(">grad ?</text>"));
    // The panel shows the node of the step, with its full value and gradient.
    assert_eq!(shown_details(&dom), ["detail-node-5"]);

    // After all 6: w1 has x1 (p - y).
    let dom = dump_dom(&neuron, "backward=6");
    assert_eq!(with_class(&dom, "node", "current"), ["node-0"]);
    assert_eq!(text_of(&dom, "partial-sum"), "#0 w1: grad so far = -0.6416");
    assert_eq!(with_class(&dom, "edge", "served").len(), 5);

    // Forward step 2 computes w2*x2 from w2 and x2; z, p and L are not computed yet.
    let dom = dump_dom(&neuron, "forward=2");
    assert_eq!(with_class(&dom, "node", "current"), ["node-6"]);
    assert_eq!(
        with_class(&dom, "node", "pending"),
        ["node-7", "node-8", "node-9"]
    );
    assert_eq!(with_class(&dom, "edge", "active"), ["edge-2", "edge-3"]);
    assert_eq!(text_of(&dom, "step"), "forward step 2 of 5");
    assert_eq!(text_of(&dom, "partial-sum"), "");
    // Backward has not run in the replay: the panel hides every gradient and says so.
    let hidden = |dom: &str, class: &str| {
        let tags: Vec<&str> = dom
            .split(&format!("class=\"{class}\""))
            .skip(1)
            .map(|s| &s[..s.find('>').unwrap()])
            .collect();
        assert!(!tags.is_empty(), "no {class} in the page");
        tags.iter().all(|attrs| attrs.contains("hidden"))
    };
    assert!(hidden(&dom, "backward-only") && !hidden(&dom, "forward-only"));
    let dom = dump_dom(&neuron, "backward=1");
    assert!(!hidden(&dom, "backward-only") && hidden(&dom, "forward-only"));

    // Where paths meet, the running sum: after 3 steps x has 1 + 2.
    let meeting = dir.join("meeting.html");
    std::fs::write(&meeting, meeting_paths_page()).unwrap();
    let dom = dump_dom(&meeting, "backward=3&node=2");
    assert_eq!(with_class(&dom, "node", "current"), ["node-0"]);
    assert_eq!(with_class(&dom, "node", "source"), ["node-1"]);
    assert_eq!(
        text_of(&dom, "partial-sum"),
        "#0 x: grad so far = 1 + 2 = 3"
    );
    assert_eq!(attribute(&dom, "node-0", "data-partial"), Some("3"));
    assert!(classes(&dom, "node-0").contains(&"partial"));
    assert_eq!(shown_details(&dom), ["detail-node-2"]); // as the address asked
    let dom = dump_dom(&meeting, "backward=4");
    assert_eq!(
        text_of(&dom, "partial-sum"),
        "#0 x: grad so far = 3 + 2 = 5"
    );

    // The picture: inked, and the step's highlight in red.
    let (width, height) = (1200, 800);
    let pixels = screenshot(&neuron, "backward=3", width, height);
    let ink = pixels
        .chunks_exact(4)
        .filter(|p| p[0] < 128 && p[1] < 128 && p[2] < 128);
    assert!(ink.count() > 2000, "the screenshot is blank");
    let red = pixels
        .chunks_exact(4)
        .filter(|p| p[0] > 180 && p[1] < 90 && p[2] < 90)
        .count();
    assert!(red > 300, "no red highlight ({red} pixels)");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The address `file://page#fragment`.
fn url(page: &Path, fragment: &str) -> String {
    format!(
        "file://{}#{fragment}",
        page.canonicalize().unwrap().display()
    )
}

/// Virtual time for the page's script to run before Chromium reads the page.
const WAIT: &str = "--virtual-time-budget=2000";

/// The page's DOM after its script replayed the steps the fragment names.
fn dump_dom(page: &Path, fragment: &str) -> String {
    let args = [WAIT.to_string(), "--dump-dom".to_string()];
    let out = browser::chromium(&url(page, fragment), &args);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `width` x `height` screenshot of the page, as RGBA rows.
fn screenshot(page: &Path, fragment: &str, width: u32, height: u32) -> Vec<u8> {
    let shot = page.with_file_name("screenshot.png");
    browser::screenshot(
        &url(page, fragment),
        &shot,
        width,
        height,
        &[WAIT.to_string()],
    )
}

/// The opening tag of the element with this id.
fn tag<'d>(dom: &'d str, id: &str) -> &'d str {
    let at = dom
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let start = dom[..at].rfind('<').unwrap();
    let end = at + dom[at..].find('>').unwrap();
    &dom[start..=end]
}

/// The value of `name` in the opening tag of the element with this id.
fn attribute<'d>(dom: &'d str, id: &str, name: &str) -> Option<&'d str> {
    let tag = tag(dom, id);
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

fn classes<'d>(dom: &'d str, id: &str) -> Vec<&'d str> {
    attribute(dom, id, "class")
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

/// The ids of the `kind` elements (`node`, `edge`) that have `class`, in document order.
fn with_class(dom: &str, kind: &str, class: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find(&format!("<g class=\"{kind} ")) {
        let tag = &rest[at..at + rest[at..].find('>').unwrap()];
        let class_list = tag.split('"').nth(1).unwrap();
        if class_list.split_whitespace().any(|c| c == class) {
            let id = tag.split(" id=\"").nth(1).unwrap();
            ids.push(id[..id.find('"').unwrap()].to_string());
        }
        rest = &rest[at + 1..];
    }
    ids
}

/// The text of the element with this id (no markup inside).
fn text_of<'d>(dom: &'d str, id: &str) -> &'d str {
    let open = tag(dom, id);
    let start = dom.find(open).unwrap() + open.len();
    &dom[start..start + dom[start..].find('<').unwrap()]
}

/// The ids of the panel's details that are not hidden.
fn shown_details(dom: &str) -> Vec<String> {
    dom.split("<section class=\"detail\"")
        .skip(1)
        .map(|s| &s[..s.find('>').unwrap()])
        .filter(|attrs| !attrs.contains(" hidden"))
        .map(|attrs| {
            let id = attrs.split(" id=\"").nth(1).unwrap();
            id[..id.find('"').unwrap()].to_string()
        })
        .collect()
}
