//! A grouped bar chart as a standalone SVG (hand-written: a few rectangles and labels, where a
//! plotting crate would cost more build time than the whole benchmark).

use super::*;

/// A grouped bar chart as a standalone SVG: one group per label, one bar per series.
pub(super) fn bar_chart(
    title: &str,
    unit: &str,
    groups: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    const COLOURS: [&str; 6] = [
        "#2563eb", "#d97706", "#16a34a", "#9333ea", "#6b7280", "#dc2626",
    ];
    let (width, height, left, bottom, top) = (860.0, 420.0, 70.0, 60.0, 50.0);
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(0.0_f64, |a, &b| a.max(b))
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let plot_w = width - left - 20.0 - 190.0;
    let plot_h = height - top - bottom;
    let group_w = plot_w / groups.len().max(1) as f64;
    let bar_w = group_w * 0.8 / series.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        xml(title)
    );
    for tick in 0..=4 {
        let v = max / 4.0 * f64::from(tick);
        let y = top + plot_h - plot_h * f64::from(tick) / 4.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            number(v)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"16\" y=\"{:.1}\" transform=\"rotate(-90 16 {:.1})\" text-anchor=\"middle\">{}</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        xml(unit)
    );
    for (g, label) in groups.iter().enumerate() {
        let gx = left + group_w * g as f64 + group_w * 0.1;
        for (s, (_, values)) in series.iter().enumerate() {
            let Some(Some(v)) = values.get(g) else {
                continue;
            };
            let h = plot_h * v / max;
            let x = gx + bar_w * s as f64;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}</title></rect>",
                top + plot_h - h,
                bar_w * 0.92,
                COLOURS[s % COLOURS.len()],
                number(*v)
            );
        }
        // "1 GiB · SeaweedFS": one line each, so that neighbouring labels never run together.
        let x = left + group_w * (g as f64 + 0.5);
        for (line, part) in label.split(" · ").enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                top + plot_h + 20.0 + 15.0 * line as f64,
                xml(part)
            );
        }
    }
    for (s, (name, _)) in series.iter().enumerate() {
        let y = top + 10.0 + 22.0 * s as f64;
        let x = left + plot_w + 20.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{y:.1}\">{}</text>",
            y - 10.0,
            COLOURS[s % COLOURS.len()],
            x + 18.0,
            xml(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

pub(super) fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub(super) fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
