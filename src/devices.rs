//! `vivid devices`: what this machine offers a show, section by section (monitors here;
//! each section its own function, printed one after the other).

/// The `monitors` section: one line per monitor (index, name, size, position, refresh
/// rate), the index and name being what a `[[window]]`'s `monitor` names. Without a window
/// system (no `DISPLAY`, or built without the window feature) it says so.
#[must_use]
pub fn monitors_section() -> String {
    let mut out = String::from("monitors:\n");
    #[cfg(feature = "window")]
    {
        use std::fmt::Write as _;
        match vivid::outputs::monitors::list_monitors() {
            Ok(list) if list.is_empty() => out.push_str("  none\n"),
            Ok(list) => {
                for m in list {
                    let _ = writeln!(out, "  {m}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  unavailable: {e}");
            }
        }
    }
    #[cfg(not(feature = "window"))]
    out.push_str("  unavailable: this vivid was built without the window feature\n");
    out
}

/// Every section, in order.
#[must_use]
pub fn report() -> String {
    monitors_section()
}
