//! Writing to standard output so that a closed pipe (`nabla inspect ... | head`) ends the
//! program quietly instead of panicking, as `println!` would.

use std::fmt;
use std::io::{self, Write};

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

/// `println!` that ends quietly on a closed pipe (see [`write`]).
macro_rules! say {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use say;
