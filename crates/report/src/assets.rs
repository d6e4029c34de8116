//! The one charting library of every erglink page, vendored (see
//! `assets/uplot/VERSION`) so that reports and pages render with no network.

/// uPlot's IIFE build: defines the global `uPlot`.
pub const UPLOT_JS: &str = include_str!("../assets/uplot/uPlot.iife.min.js");
/// uPlot's stylesheet.
pub const UPLOT_CSS: &str = include_str!("../assets/uplot/uPlot.min.css");
/// uPlot's MIT licence, which must travel with the script.
pub const UPLOT_LICENSE: &str = include_str!("../assets/uplot/LICENSE");
/// The vendored release.
pub const UPLOT_VERSION: &str = "1.6.32";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_script_is_the_release_it_names() {
        assert!(UPLOT_JS.contains("uPlot"), "the IIFE defines uPlot");
        assert!(UPLOT_LICENSE.contains("MIT"));
        assert!(include_str!("../assets/uplot/VERSION").contains(UPLOT_VERSION));
        assert!(UPLOT_CSS.contains(".uplot"));
    }
}
