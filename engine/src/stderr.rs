//! Lines on stderr that never panic: a closed pipe (a log reader that restarted, `| head`)
//! or a full disk loses the line, not the run. `eprintln!` panics on a write error; every
//! line vivid prints — the monitor, the runners' reports, live reload — goes through
//! [`stderr_line!`](crate::stderr_line) instead.

use std::io::Write as _;

/// Writes `args` and a newline to stderr in one locked write; a failure is ignored.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// `eprintln!` that cannot panic: the line is lost if stderr cannot take it.
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {
        $crate::stderr::line(format_args!($($arg)*))
    };
}
