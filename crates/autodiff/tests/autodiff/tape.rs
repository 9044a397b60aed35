//! Behaviour of the tape and backward that every later crate leans on.

use nabla_autodiff::{BackwardOptions, CustomOp, Float, NodeKind, Scratch, Tape, Tensor};
use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape)
}

#[test]
fn reused_intermediate_gets_the_summed_gradient() {
    // h = x y; f = h h + h  =>  df/dx = (2h + 1) y, df/dy = (2h + 1) x.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(3.0));
    let y = tape.param(Tensor::scalar(-2.0));
    let h = x * y;
    let f = h * h + h;
    let g = f.backward();
    assert_eq!(f.item(), 30.0);
    assert_eq!(g[x].item(), (2.0 * -6.0 + 1.0) * -2.0);
    assert_eq!(g[y].item(), (2.0 * -6.0 + 1.0) * 3.0);
}

#[test]
fn backward_twice_gives_the_same_gradients() {
    let tape = Tape::<f64>::new();
    let x = tape.param(t(&[0.5, -1.5], &[2]));
    let f = (x * x).exp().sum();
    let first = f.backward();
    let second = f.backward();
    assert_eq!(first[x], second[x]);
    let expect: Vec<f64> = [0.5_f64, -1.5]
        .iter()
        .map(|v| 2.0 * v * (v * v).exp())
        .collect();
    assert_eq!(first[x].data(), expect.as_slice());
}

#[test]
fn broadcast_gradients_are_reduced_to_each_input_shape() {
    let tape = Tape::<f64>::new();
    let a = tape.param(t(&[1.0, 2.0, 3.0], &[3, 1]));
    let b = tape.param(t(&[1.0, 10.0, 100.0, 1000.0], &[1, 4]));
    let g = (a * b).sum().backward();
    assert_eq!(g[a].shape(), &[3, 1]);
    assert_eq!(g[a].data(), &[1111.0; 3]); // sum of b
    assert_eq!(g[b].shape(), &[1, 4]);
    assert_eq!(g[b].data(), &[6.0; 4]); // sum of a
}

/// A pass-through op that counts how often backward asks it for a gradient.
struct Counting(Rc<Cell<usize>>);

impl<T: Float> CustomOp<T> for Counting {
    fn name(&self) -> Cow<'_, str> {
        "counting".into()
    }
    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        scratch.copy_of(inputs[0])
    }
    fn vjp(
        &self,
        _: usize,
        _: &[&Tensor<T>],
        _: &Tensor<T>,
        g: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        self.0.set(self.0.get() + 1);
        Some(scratch.copy_of(g))
    }
}

#[test]
fn only_nodes_between_wanted_leaves_and_output_are_visited() {
    let on_path = Rc::new(Cell::new(0));
    let off_path = Rc::new(Cell::new(0));
    let no_param = Rc::new(Cell::new(0));
    let tape = Tape::<f64>::new();
    let w = tape.param(Tensor::scalar(2.0));
    let c = tape.constant(Tensor::scalar(5.0));
    let used = w.apply(Counting(on_path.clone()), &[]);
    let _dangling = w.apply(Counting(off_path.clone()), &[]) * 3.0; // not used by the output
    let constant_branch = c.apply(Counting(no_param.clone()), &[]); // no parameter upstream
    let out = used * constant_branch;
    let g = out.backward();
    assert_eq!(g[w].item(), 5.0);
    assert_eq!(on_path.get(), 1);
    assert_eq!(
        off_path.get(),
        0,
        "a node that does not reach the output was visited"
    );
    assert_eq!(
        no_param.get(),
        0,
        "a node with no parameter upstream was visited"
    );
}

#[test]
fn gradients_with_respect_to_chosen_vars_and_a_seed() {
    let tape = Tape::<f64>::new();
    let x = tape.constant(t(&[1.0, 2.0, 3.0], &[3]));
    let w = tape.param(Tensor::scalar(2.0));
    let y = x * w;
    let opts = BackwardOptions {
        seed: Some(t(&[1.0, 0.0, -1.0], &[3])),
        wrt: Some(&[x]),
        ..Default::default()
    };
    let g = tape.backward_with(y, opts);
    assert_eq!(g[x].data(), &[2.0, 0.0, -2.0]);
    assert!(g.get(w).is_none(), "only the asked-for var is returned");
}

#[test]
fn retain_all_keeps_intermediate_gradients() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(0.5));
    let h = x.tanh();
    let f = h * 4.0;
    assert!(
        f.backward().get(h).is_none(),
        "intermediates are dropped by default"
    );
    let opts = BackwardOptions {
        retain_all: true,
        ..Default::default()
    };
    let g = tape.backward_with(f, opts);
    assert_eq!(g[h].item(), 4.0);
    assert_eq!(g[f].item(), 1.0);
    assert!((g[x].item() - 4.0 * (1.0 - 0.5_f64.tanh().powi(2))).abs() < 1e-15);
}

#[test]
#[should_panic(expected = "backward: the output has shape [2], not one element")]
fn backward_from_a_vector_without_seed_explains_itself() {
    let tape = Tape::<f64>::new();
    let x = tape.param(t(&[1.0, 2.0], &[2]));
    (x * 2.0).backward();
}

#[test]
fn detach_stops_the_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(3.0));
    let f = x * x.detach(); // d/dx = detached x = 3, not 2x = 6
    assert_eq!(f.backward()[x].item(), 3.0);
    assert_eq!(x.detach().kind(), NodeKind::Constant);
}

#[test]
fn no_grad_records_no_graph() {
    let tape = Tape::<f32>::new();
    let w = tape.param(Tensor::full(&[2], 3.0));
    let y = {
        let _guard = tape.no_grad();
        assert!(!tape.is_recording());
        (w * w).sum()
    };
    assert!(tape.is_recording(), "the guard restores recording");
    assert_eq!(y.item(), 18.0);
    assert_eq!(y.kind(), NodeKind::Constant);
    assert!(y.backward().is_empty());
}

#[test]
fn clearing_keeps_memory_for_the_next_step() {
    let mut tape = Tape::<f32>::new();
    let w = std::sync::Arc::new(Tensor::<f32>::ones(&[16, 16]));
    let mut spare_after = Vec::new();
    for _ in 0..3 {
        let wv = tape.param(&w);
        let x = tape.constant(Tensor::ones(&[4, 16]));
        let loss = x.matmul(wv).relu().mean();
        let g = loss.backward();
        assert_eq!(g[wv].shape(), &[16, 16]);
        tape.recycle(g);
        tape.clear();
        spare_after.push(tape.spare_elements());
    }
    assert!(tape.is_empty());
    assert!(spare_after[0] > 0);
    assert_eq!(
        spare_after[2], spare_after[1],
        "memory grew in a steady loop"
    );
    // The tape gave back its share of the parameter, so it can be updated in place.
    assert_eq!(std::sync::Arc::strong_count(&w), 1);
}

#[test]
fn tapes_live_side_by_side() {
    let a = Tape::<f64>::new();
    let b = Tape::<f64>::new();
    let x = a.param(Tensor::scalar(2.0));
    let y = b.param(Tensor::scalar(3.0));
    let fa = x * x;
    let fb = y * y * y;
    assert_eq!(fa.backward()[x].item(), 4.0);
    assert_eq!(fb.backward()[y].item(), 27.0);
}

#[test]
#[should_panic(expected = "the operands belong to different tapes")]
fn mixing_tapes_is_refused() {
    let a = Tape::<f64>::new();
    let b = Tape::<f64>::new();
    let _ = a.param(Tensor::scalar(1.0)) + b.param(Tensor::scalar(1.0));
}

#[test]
#[allow(clippy::op_ref)] // the reference forms are what this test checks
fn operator_overloads_cover_refs_and_scalars_on_both_sides() {
    let tape = Tape::<f64>::new();
    let a = tape.param(Tensor::scalar(4.0));
    let b = tape.param(Tensor::scalar(2.0));
    assert_eq!((&a + &b).item(), 6.0);
    assert_eq!((&a - &b).item(), 2.0);
    assert_eq!((a * 2.0).item(), 8.0);
    assert_eq!((2.0 * a).item(), 8.0);
    assert_eq!((1.0 - a).item(), -3.0);
    assert_eq!((a / 3.0).item(), 4.0 / 3.0);
    assert_eq!((8.0 / a).item(), 2.0);
    assert_eq!((-&a).item(), -4.0);
    let f = (8.0 / a) + (1.0 - b) * a; // d/da = -8/a^2 + (1 - b) = -0.5 - 1
    assert_eq!(f.backward()[a].item(), -1.5);
}

#[test]
fn gradients_index_panic_names_the_var() {
    let tape = Tape::<f64>::new();
    let c = tape.constant(Tensor::scalar(1.0)).named("data");
    let w = tape.param(Tensor::scalar(1.0));
    let g = (c * w).backward();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g[c].item())).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("no gradient for var 'data'"), "{msg}");
}

#[test]
fn a_small_network_trains_in_f32() {
    // Fit y = 2 x1 - x2 with a linear model by plain gradient descent.
    let xs = Tensor::<f32>::from_vec(vec![1., 0., 0., 1., 1., 1., 2., 1.], &[4, 2]);
    let ys = Tensor::<f32>::from_vec(vec![2., -1., 1., 3.], &[4, 1]);
    let mut w = Tensor::<f32>::zeros(&[2, 1]);
    let mut tape = Tape::new();
    for _ in 0..200 {
        let wv = tape.param(w.clone());
        let err = tape.constant(xs.clone()).matmul(wv) - tape.constant(ys.clone());
        let g = (err * err).mean().backward();
        let step = &g[wv] * 0.1;
        tape.clear();
        w = &w - &step;
    }
    assert!(
        (w.data()[0] - 2.0).abs() < 1e-3 && (w.data()[1] + 1.0).abs() < 1e-3,
        "{w}"
    );
}
