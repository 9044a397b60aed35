//! The report's `index.html`: one self-contained page (styles inline, pictures inline as SVG,
//! no scripts, no network requests) that reads the same from `file://` as from a server.

use super::figures::Figure;
use crate::outcome::Outcome;
use std::fmt::Write;

/// The page's styles: readable type, tables with lines between rows, diagnoses coloured by
/// severity, pictures that shrink to the window.
const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2328;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 0 0 0.4em; }
.subtitle { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { text-align: left; padding: 0.3em 1em 0.3em 0; border-bottom: 1px solid #eaeef2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.diagnosis { border-left: 4px solid #8c959f; background: #f6f8fa; padding: 0.5em 0.9em;
             margin: 0.6em 0; }
.diagnosis.error { border-color: #cf222e; }
.diagnosis.warning { border-color: #bf8700; }
.diagnosis.hint { border-color: #0969da; }
.diagnosis .code { font-family: ui-monospace, monospace; font-weight: 600; }
.diagnosis .fix { margin: 0.3em 0 0; }
.diagnosis .cause { margin: 0.3em 0 0 1.2em; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure.plot { margin: 0; flex: 1 1 480px; max-width: 100%; }
figure.plot svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #59636e; font-size: 0.9em; margin-top: 0.3em; }
.not-drawn { color: #cf222e; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
";

/// The page for `outcome` with its `figures`, and the data summary `inspect` prints.
pub fn render(outcome: &Outcome, inspect: Option<&str>, figures: &[Figure]) -> String {
    let mut page = String::new();
    let data = &outcome.data;
    let title = format!(
        "nabla {}: {} → {}",
        outcome.command,
        data.file,
        data.target.join(", ")
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        page,
        "<p class=\"subtitle\">{} rows, {} features; target {} ({}){}</p>",
        data.rows,
        data.features,
        escape(&data.target.join(", ")),
        escape(&data.encoding),
        outcome
            .output
            .as_deref()
            .map(|o| format!("; output: {}", escape(o)))
            .unwrap_or_default()
    );
    metrics_section(&mut page, outcome);
    diagnoses_section(&mut page, outcome);
    plots_section(&mut page, figures);
    run_section(&mut page, outcome);
    if let Some(text) = inspect {
        let _ = writeln!(
            page,
            "<h2 id=\"data\">Data</h2>\n<p>What <code>nabla inspect</code> says about the \
             file: every column, how it is encoded, the target, and the checks.</p>\n\
             <pre id=\"data-summary\">{}</pre>",
            escape(text.trim_end())
        );
    }
    page.push_str("</body>\n</html>\n");
    page
}

fn metrics_section(page: &mut String, outcome: &Outcome) {
    let rows = match outcome.evaluated_on {
        "test" => "the held-out test rows",
        _ => "the evaluated file's rows",
    };
    let _ = writeln!(
        page,
        "<h2 id=\"metrics\">Metrics</h2>\n<p>On {rows}.</p>\n<table id=\"metrics-table\">\n\
         <tr><th>metric</th><th>value</th></tr>"
    );
    for (name, value) in &outcome.metrics {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"number\">{value:.4}</td></tr>",
            escape(&metric_label(name))
        );
    }
    for (label, value) in &outcome.per_label_accuracy {
        let _ = writeln!(
            page,
            "<tr><td>accuracy of label {}</td><td class=\"number\">{value:.4}</td></tr>",
            escape(label)
        );
    }
    page.push_str("</table>\n");
}

/// How a metric's key reads in the table.
fn metric_label(key: &str) -> String {
    match key {
        "log_loss" => "log loss".into(),
        "roc_auc" => "ROC AUC".into(),
        "r2" => "R²".into(),
        "rmse" => "RMSE (target units)".into(),
        "mae" => "MAE (target units)".into(),
        "median_absolute_error" => "median absolute error (target units)".into(),
        other => other.replace('_', " "),
    }
}

fn diagnoses_section(page: &mut String, outcome: &Outcome) {
    page.push_str("<h2 id=\"diagnoses\">Diagnoses</h2>\n");
    if outcome.diagnoses.is_empty() {
        page.push_str("<p>None: the checks before and after training found nothing.</p>\n");
        return;
    }
    for d in &outcome.diagnoses {
        let _ = writeln!(
            page,
            "<div class=\"diagnosis {}\"><span class=\"code\">{}[{}]</span> ({}): {}",
            d.severity,
            d.severity,
            escape(d.code),
            d.when,
            escape(&d.finding)
        );
        for (i, cause) in d.causes.iter().enumerate() {
            let _ = writeln!(
                page,
                "<p class=\"cause\">cause {} [{}]: {}<br>fix: {}</p>",
                i + 1,
                escape(cause.code),
                escape(&cause.finding),
                escape(&cause.fix)
            );
        }
        let _ = writeln!(
            page,
            "<p class=\"fix\"><b>fix:</b> {}</p></div>",
            escape(&d.fix)
        );
    }
}

fn plots_section(page: &mut String, figures: &[Figure]) {
    page.push_str("<h2 id=\"plots\">Plots</h2>\n<div class=\"plots\">\n");
    for figure in figures {
        let _ = writeln!(
            page,
            "<figure class=\"plot\" id=\"plot-{}\">\n<h3>{}</h3>",
            figure.name,
            escape(&figure.title)
        );
        match &figure.svg {
            Ok(svg) => {
                page.push_str(inline_svg(svg));
                let _ = writeln!(
                    page,
                    "\n<figcaption>{} (<a href=\"{}.svg\">{}.svg</a>)</figcaption>",
                    escape(&figure.caption),
                    figure.name,
                    figure.name
                );
            }
            Err(why) => {
                let _ = writeln!(
                    page,
                    "<p class=\"not-drawn\">Not drawn: {}</p>",
                    escape(why)
                );
            }
        }
        page.push_str("</figure>\n");
    }
    page.push_str("</div>\n");
}

fn run_section(page: &mut String, outcome: &Outcome) {
    page.push_str("<h2 id=\"configuration\">Configuration</h2>\n<table id=\"settings\">\n");
    let mut row = |name: &str, value: &str| {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(name),
            escape(value)
        );
    };
    if let Some(split) = &outcome.split {
        let text = format!(
            "{} training rows, {} test rows",
            split.train_rows, split.test_rows
        );
        row("split", &text);
    }
    if let Some(training) = &outcome.training {
        let text = format!(
            "{} epochs, {} steps{}",
            training.epochs,
            training.steps,
            training
                .stopped_early
                .as_deref()
                .map(|why| format!("; stopped early: {why}"))
                .unwrap_or_default()
        );
        row("training", &text);
    }
    for (name, value) in &outcome.settings {
        let flag = match outcome.command {
            "train" => format!("--{name}"),
            _ => name.to_string(),
        };
        row(&flag, value);
    }
    if let Some(path) = &outcome.saved_model {
        row("saved model", path);
    }
    page.push_str("</table>\n");
}

/// An SVG document as an element of the page: without an XML declaration, which may only
/// open a file.
fn inline_svg(svg: &str) -> &str {
    let svg = svg.trim_start();
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(svg, |(_, body)| body.trim_start()),
        None => svg,
    }
}

/// `text` safe inside HTML elements and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_xml_declarations_are_dropped() {
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
        assert_eq!(
            inline_svg("<?xml version=\"1.0\"?>\n<svg></svg>"),
            "<svg></svg>"
        );
        assert_eq!(inline_svg("<svg></svg>"), "<svg></svg>");
    }
}
