//! Writing to standard output so that a closed pipe (`nabla inspect ... | head`) ends the
//! program quietly instead of panicking, as `println!` would.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether [`say!`] prints: off when standard output is kept for JSON (`--format json`).
static TEXT: AtomicBool = AtomicBool::new(true);

/// Stops [`say!`] printing, so that standard output holds only what is written with
/// [`write`] (the JSON of `--format json`).
pub fn keep_stdout_for_json() {
    TEXT.store(false, Ordering::Relaxed);
}

/// Whether [`say!`] prints.
pub fn text_enabled() -> bool {
    TEXT.load(Ordering::Relaxed)
}

/// Writes `text` to standard output. A reader that has gone away ends the program with
/// status 0 (it asked for no more); any other failure ends it with an error.
pub fn write(text: fmt::Arguments<'_>) {
    if let Err(e) = io::stdout().lock().write_fmt(text) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` that ends quietly on a closed pipe (see [`write`]) and prints nothing when
/// standard output is kept for JSON (see [`keep_stdout_for_json`]).
macro_rules! say {
    () => {
        if $crate::output::text_enabled() {
            $crate::output::write(format_args!("\n"))
        }
    };
    ($($arg:tt)*) => {
        if $crate::output::text_enabled() {
            $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
        }
    };
}

pub(crate) use say;
