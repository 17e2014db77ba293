//! The checks a bundle passes at load, after its checksum (and signature, when a key is
//! given): first its **shape** (indices in range, one coefficient per design column, the
//! primary model present), then its **meaning**: every number a prediction is made of lies
//! where training can put it, so a bundle edited with its checksum recomputed cannot move
//! scores silently, and every probability stays in 0..1 by construction.
//!
//! The bounds, and why they are safe for any bundle training writes:
//!
//! | field | bound |
//! |---|---|
//! | tree leaf values, the trees' initial score | finite, \|v\| <= [`MAX_LEAF_LOG_ODDS`] (1e3 log-odds, after the learning rate) |
//! | logistic coefficients and intercept | finite, \|w\| <= [`MAX_WEIGHT`] (1e6, standardised scale) |
//! | standardisation (design means and deviations), medians | finite; deviations > 0 |
//! | Platt calibration `a`, `b` | finite, \|a\|, \|b\| <= [`MAX_PLATT`] (1e3) |
//! | isotonic calibration | at least one knot, as many outputs as knots, knots strictly increasing in 0..1, outputs non-decreasing in 0..1 |
//! | reference quantiles | 1,001 of them, ascending, in 0..1 |
//! | grade cut-offs | 0 <= C <= B <= A <= 1 |
//! | training missing shares | in 0..1 |
//!
//! A log-odds of 40 is already a probability a double cannot tell from 1; a leaf of 1e3
//! after shrinkage is a thousand times past what a boosted tree fitted to 0/1 outcomes can
//! reach, so anything beyond is damage. (Bounded leaves also keep the trees' sum finite: a
//! 64 MiB bundle holds far fewer than 1e300 leaves.)

use crate::data::typing::ColumnKind;
use crate::features::pipeline::{DesignRole, Encoding};
use crate::models::gbm::GbmScorerModel;
use crate::models::FittedModel;
use leadscore_gbm::Calibrator;

use super::{Bundle, REFERENCE_QUANTILES};

/// Largest tree leaf value (and initial score), in log-odds after the learning rate.
pub const MAX_LEAF_LOG_ODDS: f64 = 1e3;
/// Largest logistic coefficient or intercept (standardised columns).
pub const MAX_WEIGHT: f64 = 1e6;
/// Largest Platt slope or intercept.
pub const MAX_PLATT: f64 = 1e3;

/// A field whose value no training could have written.
#[derive(Debug, Clone, PartialEq)]
pub struct Implausible {
    /// Where, as a path into the bundle's JSON: `models[1].model.calibrator.Isotonic.x`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn implausible(field: impl Into<String>, problem: impl Into<String>) -> Implausible {
    Implausible { field: field.into(), problem: problem.into() }
}

/// A number for a message: scientific notation when it is huge or tiny.
fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn in_unit(v: f64) -> bool {
    (0.0..=1.0).contains(&v)
}

/// The shape checks: what the scorer indexes must exist. `Err` says what is inconsistent.
pub fn shape(b: &Bundle) -> Result<(), String> {
    if b.models.is_empty() {
        return Err("no models".into());
    }
    let n_cols = b.pipeline.columns.len();
    for d in &b.pipeline.design {
        if d.source >= n_cols {
            return Err("feature pipeline has an invalid design column".into());
        }
        let fits = match (&b.pipeline.columns[d.source].encoding, d.role) {
            (Encoding::Number { .. }, DesignRole::Value | DesignRole::MissingIndicator) => true,
            (Encoding::Categorical { levels, .. }, DesignRole::Level(l)) => l < levels.len(),
            (Encoding::Categorical { .. }, DesignRole::Other | DesignRole::MissingLevel) => true,
            _ => false,
        };
        if !fits {
            return Err(format!(
                "design column for \"{}\" does not match its encoding",
                b.pipeline.columns[d.source].name
            ));
        }
    }
    for c in &b.pipeline.columns {
        let number = matches!(c.encoding, Encoding::Number { .. });
        let numeric_kind = matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean | ColumnKind::Date);
        if number != numeric_kind || matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore) {
            return Err(format!("column \"{}\" has kind {} but a mismatched encoding", c.name, c.kind.as_str()));
        }
    }
    for entry in &b.models {
        model_shape(b, &entry.model)?;
    }
    if !b.models.iter().any(|m| m.model.kind() == b.primary) {
        return Err(format!("primary model \"{}\" is not in the bundle", b.primary));
    }
    segments_shape(b)
}

/// A model's inputs must be the pipeline's outputs.
fn model_shape(b: &Bundle, model: &FittedModel) -> Result<(), String> {
    match model {
        FittedModel::Logistic(m) => {
            if m.coefficients.len() != b.pipeline.design.len() {
                return Err(format!(
                    "logistic model has {} coefficients for {} design columns",
                    m.coefficients.len(),
                    b.pipeline.design.len()
                ));
            }
        }
        FittedModel::Gbm(m) => {
            m.trees.validate(b.pipeline.columns.len()).map_err(|e| format!("boosted trees: {e}"))?;
            let cats = b.pipeline.categorical_columns();
            for (j, &is_cat) in m.trees.is_categorical().iter().enumerate() {
                if is_cat != cats.contains(&j) {
                    return Err(format!("boosted trees treat column {j} differently from the pipeline"));
                }
            }
        }
    }
    Ok(())
}

/// The segments: distinct values in ascending order (routing searches them), and, when
/// routed, one model per bundle model, of the same kinds in the same order.
fn segments_shape(b: &Bundle) -> Result<(), String> {
    let Some(s) = &b.segments else { return Ok(()) };
    if s.column.trim().is_empty() {
        return Err("segments: the segment column is blank".into());
    }
    if !s.segments.windows(2).all(|w| w[0].value < w[1].value) || s.segments.iter().any(|g| g.value.trim().is_empty()) {
        return Err("segments: the segment values must be distinct, non-blank and in ascending order".into());
    }
    for g in &s.segments {
        if g.evaluations.len() != b.models.len() {
            return Err(format!(
                "segment \"{}\" has {} evaluations for {} models",
                g.value,
                g.evaluations.len(),
                b.models.len()
            ));
        }
        if !s.routed {
            continue;
        }
        let kinds_match =
            g.models.len() == b.models.len() && g.models.iter().zip(&b.models).all(|(m, e)| m.kind() == e.model.kind());
        if !kinds_match {
            return Err(format!("segment \"{}\" does not hold one model per model of the bundle", g.value));
        }
        for m in &g.models {
            model_shape(b, m).map_err(|e| format!("segment \"{}\": {e}", g.value))?;
        }
    }
    Ok(())
}

/// The meaning checks (the table in the module docs); run after [`shape`].
pub fn meaning(b: &Bundle) -> Result<(), Implausible> {
    pipeline(b)?;
    for (i, entry) in b.models.iter().enumerate() {
        model_meaning(&format!("models[{i}].model"), &entry.model)?;
    }
    reference("reference", b.reference.as_ref())?;
    grades("grades", &b.grades)?;
    if let Some(s) = &b.segments {
        for (k, g) in s.segments.iter().enumerate() {
            for (i, m) in g.models.iter().enumerate() {
                model_meaning(&format!("segments.segments[{k}].models[{i}]"), m)?;
            }
            reference(&format!("segments.segments[{k}].reference"), g.reference.as_ref())?;
            grades(&format!("segments.segments[{k}].grades"), &g.grades)?;
        }
        reference("segments.reference", s.reference.as_ref())?;
    }
    Ok(())
}

/// A model's numbers within what training can reach; `field` locates it in the bundle.
fn model_meaning(field: &str, model: &FittedModel) -> Result<(), Implausible> {
    match model {
        FittedModel::Logistic(m) => {
            // A fitted, L2-penalised model on standardised columns never comes near
            // these; larger values can only be damage, and would overflow the margin.
            let bad = |w: f64| w.is_nan() || w.abs() > MAX_WEIGHT;
            if let Some(j) = m.coefficients.iter().position(|&w| bad(w)) {
                let problem = format!("{} is beyond ±{MAX_WEIGHT:e} or not a number", num(m.coefficients[j]));
                return Err(implausible(format!("{field}.coefficients[{j}]"), problem));
            }
            if bad(m.intercept) {
                let problem = format!("{} is beyond ±{MAX_WEIGHT:e} or not a number", num(m.intercept));
                return Err(implausible(format!("{field}.intercept"), problem));
            }
            Ok(())
        }
        FittedModel::Gbm(m) => gbm(field, m),
    }
}

fn reference(field: &str, r: Option<&crate::bundle::ScoreReference>) -> Result<(), Implausible> {
    if let Some(r) = r {
        let sorted = r.quantiles.windows(2).all(|w| w[0] <= w[1]);
        if r.quantiles.len() != REFERENCE_QUANTILES || !sorted || !r.quantiles.iter().all(|&q| in_unit(q)) {
            let problem = format!("must hold {REFERENCE_QUANTILES} ascending probabilities in 0..1");
            return Err(implausible(format!("{field}.quantiles"), problem));
        }
    }
    Ok(())
}

fn grades(field: &str, g: &crate::bundle::GradeCuts) -> Result<(), Implausible> {
    if !(0.0 <= g.c && g.c <= g.b && g.b <= g.a && g.a <= 1.0) {
        let problem = format!("must satisfy 0 <= C <= B <= A <= 1 (found A {}, B {}, C {})", g.a, g.b, g.c);
        return Err(implausible(field, problem));
    }
    Ok(())
}

fn pipeline(b: &Bundle) -> Result<(), Implausible> {
    for (k, d) in b.pipeline.design.iter().enumerate() {
        if !d.mean.is_finite() {
            return Err(implausible(format!("pipeline.design[{k}].mean"), format!("{} is not finite", num(d.mean))));
        }
        if !(d.std.is_finite() && d.std > 0.0) {
            let problem = format!("{} must be finite and above 0", num(d.std));
            return Err(implausible(format!("pipeline.design[{k}].std"), problem));
        }
    }
    for (k, c) in b.pipeline.columns.iter().enumerate() {
        if let Encoding::Number { median, .. } = c.encoding {
            if !median.is_finite() {
                let field = format!("pipeline.columns[{k}] (\"{}\").encoding.median", c.name);
                return Err(implausible(field, format!("{median} is not finite")));
            }
        }
        if let Some(s) = c.missing_share.filter(|&s| !in_unit(s)) {
            let field = format!("pipeline.columns[{k}] (\"{}\").missing_share", c.name);
            return Err(implausible(field, format!("{s} is not a share in 0..1")));
        }
    }
    Ok(())
}

fn gbm(field: &str, m: &GbmScorerModel) -> Result<(), Implausible> {
    let init = m.trees.init_score();
    if init.is_nan() || init.abs() > MAX_LEAF_LOG_ODDS {
        let problem = format!("{} is beyond ±{MAX_LEAF_LOG_ODDS:e} log-odds or not a number", num(init));
        return Err(implausible(format!("{field}.trees.init_score"), problem));
    }
    if let Some((t, l, v)) = m.trees.leaves().find(|&(_, _, v)| v.is_nan() || v.abs() > MAX_LEAF_LOG_ODDS) {
        let problem = format!("{} is beyond ±{MAX_LEAF_LOG_ODDS:e} log-odds or not a number", num(v));
        return Err(implausible(format!("{field}.trees.trees[{t}].leaf_value[{l}]"), problem));
    }
    calibrator(&format!("{field}.calibrator"), &m.calibrator)
}

fn calibrator(field: &str, c: &Calibrator) -> Result<(), Implausible> {
    match c {
        Calibrator::Identity => Ok(()),
        Calibrator::Platt { a, b } => {
            for (name, v) in [("a", a), ("b", b)] {
                if !v.is_finite() || v.abs() > MAX_PLATT {
                    let problem = format!("{} is beyond ±{MAX_PLATT:e} or not finite", num(*v));
                    return Err(implausible(format!("{field}.Platt.{name}"), problem));
                }
            }
            Ok(())
        }
        Calibrator::Beta { a, b, c } => {
            for (name, v) in [("a", a), ("b", b), ("c", c)] {
                if !v.is_finite() || v.abs() > MAX_PLATT {
                    let problem = format!("{} is beyond ±{MAX_PLATT:e} or not finite", num(*v));
                    return Err(implausible(format!("{field}.Beta.{name}"), problem));
                }
            }
            if *a < 0.0 || *b < 0.0 {
                return Err(implausible(
                    format!("{field}.Beta"),
                    "a and b must be >= 0 (else the map is not monotone)",
                ));
            }
            Ok(())
        }
        Calibrator::Isotonic { x, y } => {
            let field = format!("{field}.Isotonic");
            if x.is_empty() {
                return Err(implausible(field, "has no knots (an isotonic calibrator needs at least one)"));
            }
            if x.len() != y.len() {
                return Err(implausible(field, format!("has {} knots but {} outputs", x.len(), y.len())));
            }
            if !x.iter().all(|&v| in_unit(v)) || x.windows(2).any(|w| w[0] >= w[1]) {
                return Err(implausible(
                    format!("{field}.x"),
                    "knots must be strictly increasing probabilities in 0..1",
                ));
            }
            if !y.iter().all(|&v| in_unit(v)) || y.windows(2).any(|w| w[0] > w[1]) {
                return Err(implausible(format!("{field}.y"), "outputs must be non-decreasing probabilities in 0..1"));
            }
            Ok(())
        }
    }
}
