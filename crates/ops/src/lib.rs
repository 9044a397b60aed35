//! Dense layers, activations, losses and initialisers as nodes on the [`nabla_autodiff`] tape.
//!
//! Built only on the public extension point of `nabla-autodiff`, so that a user could have
//! written every op here.
