//! The report's chart: bulk vs single wall time as the receipt count grows (log–log SVG).

use std::path::Path;

use plotters::prelude::*;

/// One line of the chart: a label and (receipts, seconds) points.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

pub const SINGLE: RGBColor = RGBColor(214, 39, 40);
pub const ISSUED: RGBColor = RGBColor(31, 119, 180);
pub const VIA_WEBHOOKS: RGBColor = RGBColor(44, 160, 44);
pub const VIA_POLLING: RGBColor = RGBColor(148, 103, 189);

fn seconds(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

pub fn draw(path: &Path, title: &str, series: &[Series]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("chart {}: {e}", path.display());
    let all: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .collect();
    let ymin = all.iter().copied().fold(f64::INFINITY, f64::min).max(0.01) / 2.0;
    let ymax = all.iter().copied().fold(0.0, f64::max).max(1.0) * 2.5;

    let root = SVGBackend::new(path, (960, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d((70f64..14_000f64).log_scale(), (ymin..ymax).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("receipts issued")
        .y_desc("wall time, first request to all issued (s, log)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(14)
        .y_label_formatter(&|y| format!("{y}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| err(&e))?;
    // Where each series writes its values, relative to its points, so labels do not collide.
    let offsets = [(0.72, 1.10), (1.06, 0.84), (1.06, 1.0), (1.06, 1.16)];
    for (i, s) in series.iter().enumerate() {
        let color = s.color;
        let (dx, dy) = offsets[i % offsets.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(s.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(|e| err(&e))?;
        chart
            .draw_series(s.points.iter().map(|&(x, y)| {
                Text::new(
                    seconds(y),
                    (x * dx, y * dy),
                    ("sans-serif", 13).into_font().color(&color),
                )
            }))
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
