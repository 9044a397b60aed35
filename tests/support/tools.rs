//! Whether a program the tests need (Graphviz's `dot`, Chromium) is installed: shared by every
//! test that runs one (included with `#[path]`).

use std::process::Command;

/// Whether `program` runs here. Where it is missing the test is skipped with a note on
/// standard error, unless `NABLA_REQUIRE_TOOLS` is set (`.ci/run` sets it and installs the
/// tools), where a missing tool fails the test.
pub fn have(program: &str) -> bool {
    let runs = Command::new(program)
        .arg(if program == "dot" { "-V" } else { "--version" })
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        assert!(
            std::env::var_os("NABLA_REQUIRE_TOOLS").is_none(),
            "{program} is required (NABLA_REQUIRE_TOOLS is set) but does not run; `.ci/run` \
             installs it"
        );
        eprintln!("skipped: {program} is not installed (`.ci/run` installs it)");
    }
    runs
}
