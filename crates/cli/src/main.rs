//! The `nabla` command.

fn main() {
    println!("nabla {}", env!("CARGO_PKG_VERSION"));
}
