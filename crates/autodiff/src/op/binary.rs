//! The element-wise functions of two tensors, broadcast together, as a table: one row per
//! function gives its name, `f(a, b)` and the two partial derivatives in terms of `a`, `b`
//! and the output `y`, each `const c` or an expression in the [`Elem`](super::Elem)
//! vocabulary. Broadcasting is undone once, in the shared vector-Jacobian product: each
//! input's gradient is summed back to its own shape.

use super::Elem;
use super::elementwise::Num;
use super::unary::linear;
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::broadcast_or_panic;
use crate::tape::Var;
use crate::tensor::Tensor;

macro_rules! binary_ops {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident {
            method: $method:ident,
            name: $name:literal,
            rules: [$rule_a:literal, $rule_b:literal],
            f: |$fa:ident, $fb:ident| $f:expr,
            da: [$($da:tt)+],
            db: [$($db:tt)+]
        }
    )+) => {
        /// An element-wise function of two tensors; one variant per row of the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Binary {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Binary {
            /// The name shown in graph dumps and shape panics.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $( Binary::$variant => $name, )+
                }
            }

            /// `dL/da` (`i` = 0) or `dL/db` in symbols (`g` the output's gradient, `y` the
            /// output), summed back to the input's shape where it was broadcast.
            pub(crate) fn rule(self, i: usize, shapes: &[&[usize]]) -> String {
                let (name, rule) = match (self, i) {
                    $( (Binary::$variant, 0) => ("a", $rule_a), )+
                    $( (Binary::$variant, _) => ("b", $rule_b), )+
                };
                let mut text = format!("dL/d{name} = {rule}");
                if let [a, b] = shapes {
                    let out = crate::shape::broadcast_shapes(a, b);
                    let own = shapes[i.min(1)];
                    if out.as_deref() != Some(own) {
                        text += &format!(", summed to {}", crate::shape::ShapeDisplay(own));
                    }
                }
                text
            }

            /// `f` over `a` and `b` broadcast together, one loop per variant.
            pub(crate) fn forward<T: Float>(self, a: &Tensor<T>, b: &Tensor<T>, s: &mut Scratch<T>) -> Tensor<T> {
                let buf = s.take(a.numel().max(b.numel()));
                match self {
                    $( Binary::$variant => a.zip_map_in(b, buf, $name, |$fa, $fb| $f), )+
                }
            }

            /// The fast vector-Jacobian product for input `i`: `g` times the partial
            /// derivative, summed back to that input's shape.
            pub(crate) fn vjp<T: Float>(
                self,
                i: usize,
                a: &Tensor<T>,
                b: &Tensor<T>,
                y: &Tensor<T>,
                g: &Tensor<T>,
                s: &mut Scratch<T>,
            ) -> Tensor<T> {
                let full = match (self, i) {
                    $(
                        (Binary::$variant, 0) => binary_ops!(@fast s, a, b, y, g, $($da)+),
                        (Binary::$variant, _) => binary_ops!(@fast s, a, b, y, g, $($db)+),
                    )+
                };
                let x = if i == 0 { a } else { b };
                match full {
                    None if g.shape() == x.shape() => s.copy_of(g),
                    None => s.sum_to_shape(g, x.shape()),
                    Some(d) if d.shape() == x.shape() => d,
                    Some(d) => {
                        let summed = s.sum_to_shape(&d, x.shape());
                        s.recycle(d);
                        summed
                    }
                }
            }

            /// The recorded vector-Jacobian product for input `i`: differentiable again.
            pub(crate) fn vjp_graph<'t, T: Float>(
                self,
                i: usize,
                a: Var<'t, T>,
                b: Var<'t, T>,
                y: Var<'t, T>,
                g: Var<'t, T>,
            ) -> Var<'t, T> {
                let full = match (self, i) {
                    $(
                        (Binary::$variant, 0) => binary_ops!(@graph a, b, y, g, $($da)+),
                        (Binary::$variant, _) => binary_ops!(@graph a, b, y, g, $($db)+),
                    )+
                };
                let x = if i == 0 { a } else { b };
                full.sum_to_shape(&x.shape())
            }
        }

        #[allow(clippy::should_implement_trait)]
        impl<'t, T: Float> Var<'t, T> {
            $(
                $(#[doc = $doc])+
                pub fn $method(self, other: Var<'t, T>) -> Self {
                    self.record_binary(Binary::$variant, other)
                }
            )+
        }
    };

    // A constant partial: `None` for 1 (the gradient passes as it is), else `g c`.
    (@fast $s:ident, $a:ident, $b:ident, $y:ident, $g:ident, const $c:expr) => {{
        let c: T = $c;
        if c == T::ONE { None } else { Some($s.map($g, move |g| g * c)) }
    }};
    (@fast $s:ident, $a:ident, $b:ident, $y:ident, $g:ident,
        |$pa:pat_param, $pb:pat_param, $py:pat_param| $e:expr) => {{
        let partial = move |a: T, b: T, y: T| {
            let ($pa, $pb, $py) = (Num(a), Num(b), Num(y));
            let d: Num<T> = $e;
            d.0
        };
        let mut d = if $a.shape() == $b.shape() {
            $s.zip3_map($a, $b, $y, partial)
        } else {
            // Broadcast both sides to the output's shape before taking partials.
            let ab = $s.broadcast_to($a, $y.shape());
            let bb = $s.broadcast_to($b, $y.shape());
            let d = $s.zip3_map(&ab, &bb, $y, partial);
            $s.recycle(ab);
            $s.recycle(bb);
            d
        };
        d.zip_assign($g, "binary vjp", |d, g| d * g);
        Some(d)
    }};
    (@graph $a:ident, $b:ident, $y:ident, $g:ident, const $c:expr) => {
        linear($g, $c)
    };
    (@graph $a:ident, $b:ident, $y:ident, $g:ident,
        |$pa:pat_param, $pb:pat_param, $py:pat_param| $e:expr) => {{
        let ($pa, $pb, $py) = ($a, $b, $y);
        $g * $e
    }};
}

binary_ops! {
    /// Element-wise `a + b` with broadcasting (the `+` operator).
    Add {
        method: add,
        name: "add",
        rules: ["g", "g"],
        f: |a, b| a + b,
        da: [const T::ONE],
        db: [const T::ONE]
    }
    /// Element-wise `a - b` with broadcasting (the `-` operator).
    Sub {
        method: sub,
        name: "sub",
        rules: ["g", "-g"],
        f: |a, b| a - b,
        da: [const T::ONE],
        db: [const -T::ONE]
    }
    /// Element-wise `a * b` with broadcasting (the `*` operator).
    Mul {
        method: mul,
        name: "mul",
        rules: ["g ⊙ b", "g ⊙ a"],
        f: |a, b| a * b,
        da: [|_, b, _| b],
        db: [|a, _, _| a]
    }
    /// Element-wise `a / b` with broadcasting (the `/` operator).
    Div {
        method: div,
        name: "div",
        rules: ["g / b", "-g ⊙ y / b"],
        f: |a, b| a / b,
        da: [|_, b, _| b.reciprocal()],
        db: [|_, b, y| -(y / b)]
    }
    /// Element-wise maximum with broadcasting; on ties the gradient is split evenly.
    Maximum {
        method: maximum,
        name: "maximum",
        rules: [
            "g where a > b (half where equal), else 0",
            "g where b > a (half where equal), else 0"
        ],
        f: |a, b| a.max(b),
        da: [|a, b, _| tie_split(a - b)],
        db: [|a, b, _| tie_split(b - a)]
    }
    /// Element-wise minimum with broadcasting; on ties the gradient is split evenly.
    Minimum {
        method: minimum,
        name: "minimum",
        rules: [
            "g where a < b (half where equal), else 0",
            "g where b < a (half where equal), else 0"
        ],
        f: |a, b| a.min(b),
        da: [|a, b, _| tie_split(b - a)],
        db: [|a, b, _| tie_split(a - b)]
    }
}

/// 1 where `d > 0`, 1/2 where `d == 0`, 0 elsewhere: the share of a maximum's gradient that
/// goes to the side leading by `d` (a constant).
fn tie_split<T: Float, S: Elem<T>>(d: S) -> S {
    d.above(T::ZERO) + d.equal_to(T::ZERO) * T::HALF
}

impl<'t, T: Float> Var<'t, T> {
    fn record_binary(self, b: Binary, other: Var<'t, T>) -> Self {
        let other = self.tape.own(other, b.name());
        self.tape.with_shapes(self.key, other, |l, r| {
            broadcast_or_panic(b.name(), l, r);
        });
        self.tape
            .record(super::Op::Binary(b), smallvec::smallvec![self.key, other])
    }
}
