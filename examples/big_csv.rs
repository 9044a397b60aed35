//! Writes a large synthetic CSV file for measuring how fast nabla reads tables and how much
//! memory it takes: 11 numeric features on different scales and a continuous target `y` (a
//! linear function of the standardised features plus noise), six significant digits each.
//!
//! Run with `cargo run --release --example big_csv -- big.csv 2000000` (the 2M x 12 table of
//! the README's figures, about 200 MB). It refuses to overwrite an existing file.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::error::Error;
use std::io::{BufWriter, Write};

/// Each feature's scale, so that the columns are far from unit scale and from each other.
const SCALES: [f64; 11] = [1.0, 10.0, 100.0, 0.1, 1.0, 5.0, 50.0, 2.0, 3.0, 1.0, 7.0];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), rows) = (args.next(), args.next()) else {
        return Err("usage: big_csv FILE [ROWS] (ROWS defaults to 2000000)".into());
    };
    let rows: usize = match rows {
        Some(r) => r
            .parse()
            .map_err(|_| format!("ROWS is {r:?}; give a whole number such as 2000000"))?,
        None => 2_000_000,
    };
    let file = std::fs::File::create_new(&path)
        .map_err(|e| format!("{path}: cannot create it ({e}); pass the path of a new file"))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut rng = StdRng::seed_from_u64(0);
    let weights: Vec<f64> = (0..SCALES.len()).map(|_| normal(&mut rng)).collect();
    let names: Vec<String> = (0..SCALES.len()).map(|i| format!("x{i}")).collect();
    writeln!(out, "{},y", names.join(","))?;
    let mut line = String::with_capacity(128);
    for _ in 0..rows {
        line.clear();
        let mut y = 0.0;
        for (scale, w) in SCALES.iter().zip(&weights) {
            let z = normal(&mut rng);
            y += w * z;
            line.push_str(&six_digits(z * scale));
            line.push(',');
        }
        line.push_str(&six_digits(y + 0.1 * normal(&mut rng)));
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    eprintln!("wrote {rows} rows to {path}");
    Ok(())
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// `v` with six significant digits, as `printf("%.6g")` would write it in fixed notation.
fn six_digits(v: f64) -> String {
    let magnitude = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    let decimals = (5 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}
