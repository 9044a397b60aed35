//! What the tests that render pages in headless Chromium share (the root crate's
//! `tests/walkthrough.rs` and the command's `crates/cli/tests/cli.rs` include this file, with
//! `tools.rs` to skip where Chromium is missing).

use std::path::Path;
use std::process::{Command, Output};

/// Headless Chromium on `url` with `args` (`--dump-dom`, `--screenshot=...`); fails the test
/// unless it succeeds.
pub fn chromium(url: &str, args: &[String]) -> Output {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "{out:?}");
    out
}

/// A `width` x `height` screenshot of `url` (in a file `shot`), as RGBA rows.
pub fn screenshot(url: &str, shot: &Path, width: u32, height: u32, args: &[String]) -> Vec<u8> {
    let size = [
        format!("--screenshot={}", shot.display()),
        format!("--window-size={width},{height}"),
    ];
    chromium(url, &[args, &size[..]].concat());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (width, height));
    match info.color_type {
        png::ColorType::Rgba => pixels,
        png::ColorType::Rgb => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => panic!("unexpected screenshot colour type {other:?}"),
    }
}
