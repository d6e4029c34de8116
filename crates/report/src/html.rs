//! The page around the content: styles, uPlot (inlined or linked), the
//! chart data and the script that draws it.

use crate::assets::{UPLOT_CSS, UPLOT_JS, UPLOT_VERSION};
use crate::data::Assets;
use crate::text::{esc, script_json};

/// The charts' script, shared by every page.
pub(crate) const REPORT_JS: &str = include_str!("../assets/report.js");
/// The pages' own stylesheet.
pub(crate) const REPORT_CSS: &str = include_str!("../assets/report.css");

/// A whole page. `data` is the chart data's JSON; without it the page has
/// no script at all.
pub(crate) fn page(title: &str, assets: &Assets, body: &str, data: Option<&str>) -> String {
    let mut out = String::with_capacity(body.len() + data.map_or(0, str::len) + 64 * 1024);
    out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // No favicon request.
    out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
    out.push_str(&format!("<title>{}</title>\n", esc(title)));
    let charts = data.is_some();
    match assets {
        Assets::Inline => {
            if charts {
                out.push_str(&format!(
                    "<!-- uPlot {UPLOT_VERSION}, MIT licence (c) Leon Sorokin: https://github.com/leeoniya/uPlot -->\n<style>{UPLOT_CSS}</style>\n"
                ));
            }
        }
        Assets::Linked(prefix) => {
            if charts {
                out.push_str(&format!(
                    "<link rel=\"stylesheet\" href=\"{}/uplot.css\">\n",
                    esc(prefix)
                ));
            }
        }
    }
    out.push_str(&format!(
        "<style>{REPORT_CSS}</style>\n</head>\n<body>\n<main>\n"
    ));
    out.push_str(body);
    out.push_str("</main>\n");
    if let Some(json) = data {
        out.push_str("<script type=\"application/json\" id=\"erglink-data\">");
        out.push_str(&script_json(json));
        out.push_str("</script>\n");
        match assets {
            Assets::Inline => out.push_str(&format!("<script>{UPLOT_JS}</script>\n")),
            Assets::Linked(prefix) => out.push_str(&format!(
                "<script src=\"{}/uplot.js\"></script>\n",
                esc(prefix)
            )),
        }
        out.push_str(&format!("<script>{REPORT_JS}</script>\n"));
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_pages_fetch_nothing_and_linked_ones_name_the_assets() {
        let inline = page(
            "t <x>",
            &Assets::Inline,
            "<p>hi</p>",
            Some("{\"a\":\"</script>\"}"),
        );
        assert!(inline.contains("<title>t &lt;x&gt;</title>"));
        assert!(!inline.contains(" src="), "no script fetched");
        assert!(!inline.contains("stylesheet"), "no style fetched");
        assert!(inline.contains("uPlot"));
        assert_eq!(
            inline.matches("</script>").count(),
            3,
            "the data cannot close its element"
        );
        let linked = page("t", &Assets::Linked("/assets".into()), "", Some("{}"));
        assert!(linked.contains("<script src=\"/assets/uplot.js\">"));
        assert!(linked.contains("href=\"/assets/uplot.css\""));
        assert!(!linked.contains("var uPlot"));
        let plain = page("t", &Assets::Inline, "", None);
        assert!(!plain.contains("<script"));
    }
}
