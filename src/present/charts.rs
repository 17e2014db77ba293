//! The charts of the evaluation report, drawn with plotters into SVG strings that the
//! HTML page ([`super::html`]) inlines: ROC curves, cumulative gains, lift by decile,
//! calibration curves (one series per scorer, side by side on the same axes) and, per
//! scorer, the score distributions of converted vs dead leads on the 0–100 scale.
//!
//! Input is the already computed numbers (curves, deciles, calibration tables); nothing
//! is computed here but what a picture needs (downsampling, histogram counts).

use plotters::prelude::*;

use crate::evaluation::metrics::{CalibrationTable, Decile, RocCurve};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (520, 380);

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the {chart} chart: {source}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// plotters' error.
    #[source]
    pub source: DrawingAreaErrorKind<std::io::Error>,
}

/// Series colours, one per scorer in order (colour-blind-safe Okabe–Ito palette).
pub const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// The colour of the `i`-th scorer.
pub fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// Keeps at most `max` points (always the first and last) so a curve over many distinct
/// scores stays a small path.
fn thin(points: Vec<(f64, f64)>, max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max {
        return points;
    }
    let step = points.len().div_ceil(max);
    let last = *points.last().expect("non-empty: len > max >= 0");
    let mut out: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// What every chart has: an SVG canvas with a caption, described axes over `x` and `y`
/// with a light grid, and a legend at `legend`.
struct Frame<'s> {
    /// Chart id for errors.
    chart: &'static str,
    /// Title.
    caption: &'s str,
    /// x-axis range.
    x: std::ops::Range<f64>,
    /// y-axis range.
    y: std::ops::Range<f64>,
    /// x-axis label.
    x_desc: &'s str,
    /// y-axis label.
    y_desc: &'s str,
    /// Whole-number x labels, this many (bar charts by bin); `None`: plotters' default labels.
    x_labels: Option<usize>,
    /// Where the legend goes.
    legend: SeriesLabelPosition,
}

/// Draws `frame`, then `draw`'s series, then the legend; returns the SVG text.
fn framed(
    frame: Frame,
    draw: impl FnOnce(&mut Chart) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> Result<String, ChartError> {
    let Frame { chart, caption, x, y, x_desc, y_desc, x_labels, legend } = frame;
    let err = |source| ChartError { chart, source };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut c = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        let mut mesh = c.configure_mesh();
        mesh.x_desc(x_desc).y_desc(y_desc);
        if let Some(n) = x_labels {
            mesh.x_labels(n).x_label_formatter(&|x| format!("{:.0}", x));
        }
        mesh.light_line_style(RGBColor(235, 235, 235)).draw().map_err(err)?;
        draw(&mut c).map_err(err)?;
        c.configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// What a line chart on the unit square shows.
struct LineSpec<'s> {
    /// Chart id for errors.
    chart: &'static str,
    /// Title.
    caption: &'s str,
    /// x-axis label.
    x_desc: &'s str,
    /// y-axis label.
    y_desc: &'s str,
    /// Grey reference line and its legend label (the diagonal: chance, or perfect calibration).
    reference: (&'s str, Vec<(f64, f64)>),
}

/// Draws a line chart on the unit square, one coloured series per scorer; `extra` draws more.
fn line_chart(
    spec: LineSpec,
    series: &[(String, Vec<(f64, f64)>)],
    extra: &dyn Fn(&mut Chart) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> Result<String, ChartError> {
    let LineSpec { chart, caption, x_desc, y_desc, reference } = spec;
    let frame = Frame {
        chart,
        caption,
        x: 0.0..1.0,
        y: 0.0..1.0,
        x_desc,
        y_desc,
        x_labels: None,
        legend: SeriesLabelPosition::LowerRight,
    };
    framed(frame, |c| {
        let (label, r) = reference;
        c.draw_series(LineSeries::new(r, RGBColor(150, 150, 150).stroke_width(1)))?
            .label(label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(150, 150, 150)));
        for (i, (name, pts)) in series.iter().enumerate() {
            let col = colour(i);
            c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2)));
        }
        extra(c)
    })
}

/// ROC curves of every scorer.
pub fn roc_chart(series: &[(String, &RocCurve)]) -> Result<String, ChartError> {
    let s: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(n, r)| (n.clone(), thin(r.fpr.iter().copied().zip(r.tpr.iter().copied()).collect(), 600)))
        .collect();
    line_chart(
        LineSpec {
            chart: "ROC",
            caption: "ROC curve",
            x_desc: "false-positive rate (dead leads passed)",
            y_desc: "true-positive rate (conversions caught)",
            reference: ("chance", vec![(0.0, 0.0), (1.0, 1.0)]),
        },
        &s,
        &|_| Ok(()),
    )
}

/// Cumulative gains by decile: share of conversions caught when working the top x% of leads.
pub fn gains_chart(series: &[(String, &[Decile])]) -> Result<String, ChartError> {
    let s: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(n, d)| {
            let total = d.last().map_or(1, |x| x.cumulative_leads).max(1) as f64;
            let mut pts = vec![(0.0, 0.0)];
            pts.extend(d.iter().map(|x| (x.cumulative_leads as f64 / total, x.cumulative_gain)));
            (n.clone(), pts)
        })
        .collect();
    line_chart(
        LineSpec {
            chart: "gains",
            caption: "Cumulative gains",
            x_desc: "share of leads worked, best first",
            y_desc: "share of conversions caught",
            reference: ("random order", vec![(0.0, 0.0), (1.0, 1.0)]),
        },
        &s,
        &|_| Ok(()),
    )
}

/// Calibration curves (probability scorers): observed conversion rate against mean
/// predicted probability per bin, with a dot per bin.
pub fn calibration_chart(series: &[(String, &CalibrationTable)]) -> Result<String, ChartError> {
    let s: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(n, t)| {
            (format!("{n} (ECE {:.3})", t.ece), t.bins.iter().map(|b| (b.mean_predicted, b.observed_rate)).collect())
        })
        .collect();
    let dots = s.clone();
    line_chart(
        LineSpec {
            chart: "calibration",
            caption: "Calibration",
            x_desc: "mean predicted probability",
            y_desc: "observed conversion rate",
            reference: ("perfect calibration", vec![(0.0, 0.0), (1.0, 1.0)]),
        },
        &s,
        &move |c| {
            for (i, (_, pts)) in dots.iter().enumerate() {
                let col = colour(i);
                c.draw_series(pts.iter().map(|&p| Circle::new(p, 3, col.filled())))?;
            }
            Ok(())
        },
    )
}

/// Lift by decile: grouped bars, one colour per scorer, with the 1.0 (random) line.
pub fn lift_chart(series: &[(String, &[Decile])]) -> Result<String, ChartError> {
    let n_bins = series.iter().map(|(_, d)| d.len()).max().unwrap_or(10).max(1);
    let y_max = series.iter().flat_map(|(_, d)| d.iter().map(|x| x.lift)).fold(1.0f64, f64::max) * 1.1;
    let frame = Frame {
        chart: "lift",
        caption: "Lift by decile",
        x: 0.5..n_bins as f64 + 0.5,
        y: 0.0..y_max,
        x_desc: "decile (1 = highest scores)",
        y_desc: "lift (conversion rate / average)",
        x_labels: Some(n_bins),
        legend: SeriesLabelPosition::UpperRight,
    };
    framed(frame, |c| {
        let width = 0.8 / series.len().max(1) as f64;
        for (i, (name, d)) in series.iter().enumerate() {
            let col = colour(i);
            c.draw_series(d.iter().map(|x| {
                let left = x.bin as f64 - 0.4 + i as f64 * width;
                Rectangle::new([(left, 0.0), (left + width, x.lift)], col.filled())
            }))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], col.filled()));
        }
        c.draw_series(LineSeries::new(vec![(0.5, 1.0), (n_bins as f64 + 0.5, 1.0)], BLACK.stroke_width(1)))?;
        Ok(())
    })
}

/// Share of each class's leads per 10-point band of the 0–100 scale (bands `[0,10]`, `(10,20]`, …).
pub fn distribution(points: &[f64], labels: &[bool]) -> ([f64; 10], [f64; 10]) {
    let (mut conv, mut dead) = ([0.0; 10], [0.0; 10]);
    for (&p, &y) in points.iter().zip(labels) {
        let b = ((p / 10.0).ceil() as i64 - 1).clamp(0, 9) as usize;
        if y {
            conv[b] += 1.0;
        } else {
            dead[b] += 1.0;
        }
    }
    let (nc, nd) = (conv.iter().sum::<f64>().max(1.0), dead.iter().sum::<f64>().max(1.0));
    (conv.map(|c| c / nc), dead.map(|d| d / nd))
}

/// Score distributions of one scorer: share of converted and of dead leads per 10-point band.
pub fn distribution_chart(name: &str, index: usize, points: &[f64], labels: &[bool]) -> Result<String, ChartError> {
    let (conv, dead) = distribution(points, labels);
    let y_max = conv.iter().chain(&dead).fold(0.05f64, |a, &b| a.max(b)) * 1.15;
    let col = colour(index);
    let caption = format!("Scores: {name}");
    let frame = Frame {
        chart: "distribution",
        caption: &caption,
        x: 0.0..100.0,
        y: 0.0..y_max,
        x_desc: "score (probability x 100, or points)",
        y_desc: "share of leads in each group",
        x_labels: None,
        legend: SeriesLabelPosition::UpperRight,
    };
    framed(frame, |c| {
        let grey = RGBColor(120, 120, 120);
        c.draw_series((0..10).map(|b| {
            Rectangle::new([(b as f64 * 10.0 + 0.5, 0.0), (b as f64 * 10.0 + 5.0, dead[b])], grey.mix(0.7).filled())
        }))?
        .label("dead")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], grey.filled()));
        c.draw_series(
            (0..10).map(|b| {
                Rectangle::new([(b as f64 * 10.0 + 5.0, 0.0), (b as f64 * 10.0 + 9.5, conv[b])], col.filled())
            }),
        )?
        .label("converted")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], col.filled()));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_ends_and_bounds_size() {
        let pts: Vec<(f64, f64)> = (0..1001).map(|i| (i as f64, i as f64)).collect();
        let t = thin(pts, 100);
        assert!(t.len() <= 102, "{}", t.len());
        assert_eq!(t[0], (0.0, 0.0));
        assert_eq!(*t.last().unwrap(), (1000.0, 1000.0));
    }

    #[test]
    fn distribution_shares_per_band() {
        let (c, d) = distribution(&[0.0, 10.0, 10.5, 95.0, 100.0, 250.0], &[true, true, false, true, false, false]);
        assert_eq!(c[0], 2.0 / 3.0);
        assert_eq!(c[9], 1.0 / 3.0);
        assert_eq!(d[1], 1.0 / 3.0);
        assert_eq!(d[9], 2.0 / 3.0);
    }

    #[test]
    fn charts_are_svg_with_their_series() {
        let roc =
            RocCurve { fpr: vec![0.0, 0.5, 1.0], tpr: vec![0.0, 1.0, 1.0], thresholds: vec![f64::INFINITY, 0.5, 0.1] };
        let svg = roc_chart(&[("logistic".to_string(), &roc)]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("logistic") && svg.contains("ROC curve"));
        let svg = distribution_chart("rules", 1, &[10.0, 90.0], &[false, true]).unwrap();
        assert!(svg.contains("converted") && svg.contains("dead"));
    }
}
