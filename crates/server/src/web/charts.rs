//! Server-rendered SVG charts: horizontal bars with their values written beside them, so the figures are
//! readable without colour and the chart works with no script. Colours are presentation attributes (the
//! CSP allows no inline style); the data is also in a table next to each chart.

use std::fmt::Write;

/// NHS colours: green, warm yellow, red, orange.
pub const GREEN: &str = "#007f3b";
pub const YELLOW: &str = "#ffb81c";
pub const RED: &str = "#d5281b";
pub const ORANGE: &str = "#ed8b00";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart of `bars` (label, value, colour), titled `title` for assistive technology.
pub fn bars(id: &str, title: &str, bars: &[(String, usize, &str)]) -> String {
    let (label_w, bar_w, row_h) = (300usize, 360usize, 28usize);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = bars.len() * row_h + 8;
    let width = label_w + bar_w + 80;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"app-chart\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{}</title>",
        esc(title)
    );
    for (i, (label, value, colour)) in bars.iter().enumerate() {
        let y = i * row_h + 4;
        let w = if *value == 0 { 0 } else { (value * bar_w / max).max(2) };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            label_w - 8,
            y + 16,
            esc(label),
            label_w,
            row_h - 8,
            label_w + w + 6,
            y + 16,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars("c", "A & B", &[("<x>".into(), 10, GREEN), ("y".into(), 5, RED), ("z".into(), 0, GREEN)]);
        assert!(svg.contains("width=\"360\"") && svg.contains("width=\"180\"") && svg.contains("width=\"0\""));
        assert!(svg.contains("&lt;x&gt;") && svg.contains("A &amp; B"));
        assert!(!svg.contains("style="));
    }
}
