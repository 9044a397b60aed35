//! Rendering a dump's DOT to SVG with Graphviz's `dot` program, when it is installed.

use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};

/// Why a graph could not be rendered to SVG.
#[derive(Debug)]
pub enum RenderError {
    /// Graphviz's `dot` program is not installed (or not on `PATH`).
    DotNotFound,
    /// `dot` ran but failed.
    DotFailed {
        /// Its exit status.
        status: String,
        /// What it wrote to standard error.
        stderr: String,
    },
    /// `dot` could not be started or talked to.
    Io(std::io::Error),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::DotNotFound => write!(
                f,
                "drawing the graph as SVG needs Graphviz's `dot` program, which is not \
                 installed (or not on PATH); install Graphviz (`apt-get install graphviz` on \
                 Debian and Ubuntu, `brew install graphviz` on macOS, `winget install graphviz` \
                 on Windows), or write the DOT text instead and render it where Graphviz is"
            ),
            RenderError::DotFailed { status, stderr } => write!(
                f,
                "Graphviz's `dot` failed ({status}) on the graph: {}",
                stderr.trim()
            ),
            RenderError::Io(e) => write!(f, "could not run Graphviz's `dot`: {e}"),
        }
    }
}

impl std::error::Error for RenderError {}

/// Renders Graphviz DOT text to SVG with the `dot` program.
///
/// # Errors
/// [`RenderError::DotNotFound`] (with how to install Graphviz) when `dot` is not installed,
/// and [`RenderError::DotFailed`] when it rejects the input.
pub fn dot_to_svg(dot: &str) -> Result<String, RenderError> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RenderError::DotNotFound);
        }
        Err(e) => return Err(RenderError::Io(e)),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Written from a thread: a large graph could fill the output pipe while we still write.
    let input = dot.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(RenderError::Io)?;
    writer
        .join()
        .expect("the writer thread does not panic")
        .map_err(RenderError::Io)?;
    if !output.status.success() {
        return Err(RenderError::DotFailed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    String::from_utf8(output.stdout)
        .map_err(|e| RenderError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `dot` runs here. Where it is missing the test is skipped with a note, unless
    /// `NABLA_REQUIRE_TOOLS` is set (`.ci/run` sets it and installs Graphviz).
    fn have_dot() -> bool {
        let runs = !matches!(dot_to_svg("digraph {}"), Err(RenderError::DotNotFound));
        if !runs {
            assert!(
                std::env::var_os("NABLA_REQUIRE_TOOLS").is_none(),
                "Graphviz's dot is required (NABLA_REQUIRE_TOOLS is set) but not installed"
            );
            eprintln!("skipped: Graphviz's dot is not installed (`.ci/run` installs it)");
        }
        runs
    }

    #[test]
    fn renders_dot_to_svg_with_the_node_labels() {
        if !have_dot() {
            return;
        }
        let svg = dot_to_svg("digraph { a [label=\"x = 2\"]; a -> b; }").unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("x = 2"), "{svg}");
    }

    #[test]
    fn invalid_dot_is_reported_with_what_dot_said() {
        if !have_dot() {
            return;
        }
        let err = dot_to_svg("digraph { a -> }").unwrap_err();
        assert!(matches!(err, RenderError::DotFailed { .. }), "{err}");
        assert!(err.to_string().contains("syntax error"), "{err}");
    }

    #[test]
    fn the_missing_program_message_says_how_to_install_it() {
        let text = RenderError::DotNotFound.to_string();
        assert!(text.contains("apt-get install graphviz"), "{text}");
    }
}
