//! # Notebook: which of our points rules earn their points?
//!
//! Teams argue about hand-made point rules ("+15 for a director title, -20 for a personal
//! e-mail address"). This notebook puts the team's own rules file next to the team's own lead
//! history and asks, of every rule:
//!
//! 1. How many leads did it fire for, and how did they convert compared with the leads it did
//!    not fire for (lift over the base rate)?
//! 2. What weight does the history give the rule once the other rules are accounted for? A
//!    logistic regression on the "rule fired" indicators (the same linfa-logistic fit that
//!    `leadscore train` uses, L2 = 1) gives each rule a log-odds effect; scaled onto the
//!    team's points (one least-squares factor for all rules) that is the points the history
//!    suggests.
//! 3. Would re-weighting the same rules rank leads better? The team's rule score against the
//!    re-weighted rules, both scored out of fold (5 folds, seeded), by AUC.
//!
//! It reads, it does not change anything: the verdicts are for the people who own the rules.
//!
//! ```text
//! cargo run --release --example rules_audit                  # the shipped sample (data/, examples/rules/sample.toml)
//! cargo run --release --example rules_audit -- --data ../shared/datasets/xeducation-leads/Leads.csv \
//!     --rules examples/rules/xeducation.toml --target Converted --missing Select --config examples/xeducation.toml
//! ```
//! Flags: `--data FILE --rules FILE --target COLUMN [--activities LOG --as-of YYYY-MM-DD]
//! [--missing TOKEN,...] [--config TRAIN.toml]`. With `--config`, rules that read columns the
//! training config excludes (known only after contact) are named: their AUC gets credit for
//! what sales already did, which a model trained with that config cannot. Rules that fire for fewer than 30 labelled leads are listed but
//! not judged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use leadscore::config::TrainConfig;
use leadscore::data::load::read_table;
use leadscore::data::typing::{read_labels, LeadFrame, MissingTokens};
use leadscore::evaluation::metrics::roc_auc;
use leadscore::features::FeatureMatrix;
use leadscore::models::logistic::{LogisticParams, ValidLogisticParams};
use leadscore::rules::RulesPlan;
use rand::seq::SliceRandom;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Fewest labelled leads a rule must fire for before its numbers are judged.
const MIN_FIRED: usize = 30;
/// Folds for the out-of-fold comparison.
const FOLDS: usize = 5;

struct Args {
    data: PathBuf,
    rules: PathBuf,
    target: String,
    activities: Option<PathBuf>,
    as_of: NaiveDate,
    missing: Vec<String>,
    config: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        data: "data/history.csv".into(),
        rules: "examples/rules/sample.toml".into(),
        target: "converted".into(),
        activities: None,
        as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid date"),
        missing: Vec::new(),
        config: None,
    };
    let mut sample = true;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        sample = false;
        match flag.as_str() {
            "--data" => a.data = value.into(),
            "--rules" => a.rules = value.into(),
            "--target" => a.target = value,
            "--activities" => a.activities = Some(value.into()),
            "--as-of" => {
                a.as_of = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                    .with_context(|| format!("--as-of {value}: expected YYYY-MM-DD"))?
            }
            "--missing" => a.missing = value.split(',').map(str::to_string).collect(),
            "--config" => a.config = Some(value.into()),
            _ => bail!("unknown flag {flag} (see the notebook's header for its flags)"),
        }
    }
    if sample {
        a.activities = Some("data/activities.csv".into());
    }
    Ok(a)
}

/// One rule as the audit sees it.
struct RuleStats {
    line: usize,
    kind: String,
    reason: String,
    /// Sum of the points it gave, over the leads it fired for.
    points_sum: f64,
    /// Indicator column over the labelled leads.
    fired: Vec<f64>,
}

fn rate(y: &[bool], pick: impl Fn(usize) -> bool) -> (usize, f64) {
    let (mut n, mut pos) = (0usize, 0usize);
    for (i, &c) in y.iter().enumerate() {
        if pick(i) {
            n += 1;
            pos += c as usize;
        }
    }
    (n, if n == 0 { f64::NAN } else { pos as f64 / n as f64 })
}

/// Out-of-fold linear scores of a logistic regression on `x` (column-major, `n` rows).
fn out_of_fold(x: &FeatureMatrix, y: &[bool], fit: &ValidLogisticParams, seed: u64) -> Result<Vec<f64>> {
    let n = x.n_rows;
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0usize; n];
    for (k, &i) in order.iter().enumerate() {
        fold[i] = k % FOLDS;
    }
    let mut out = vec![0.0; n];
    for f in 0..FOLDS {
        let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
        let test: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
        let model = fit.fit(&x.select_rows(&train), &train.iter().map(|&i| y[i]).collect::<Vec<_>>())?;
        for (&i, m) in test.iter().zip(model.margins(&x.select_rows(&test))) {
            out[i] = m;
        }
    }
    Ok(out)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    println!("# Which of our points rules earn their points?\n");
    println!("history: {}\nrules:   {}", args.data.display(), args.rules.display());

    // -- Load: the rules (with the activity log, if any) and the labelled history. --------
    let plan = RulesPlan::load(&args.rules, args.activities.as_deref(), args.as_of, None)?;
    let df = read_table(&args.data)?;
    let frame = LeadFrame { df: &df, path: &args.data, first_row: 1 };
    let missing = MissingTokens::new(&args.missing);
    let labels = read_labels(&frame, &args.target, &[], &missing)?;
    let breakdowns = plan.scorer().evaluate(&frame)?;
    let rows: Vec<usize> = labels.rows.iter().map(|r| r.0).collect();
    let y: Vec<bool> = labels.rows.iter().map(|r| r.1).collect();
    let n = y.len();
    let base = y.iter().filter(|&&c| c).count() as f64 / n as f64;
    println!("{n} labelled leads ({} without an outcome left out), {:.1}% converted\n", labels.skipped, 100.0 * base);

    // -- Which rules fired for which lead. ------------------------------------------------
    let mut by_line: BTreeMap<usize, RuleStats> = BTreeMap::new();
    for (k, &r) in rows.iter().enumerate() {
        for item in &breakdowns[r].items {
            let s = by_line.entry(item.line).or_insert_with(|| RuleStats {
                line: item.line,
                kind: format!("{:?}", item.kind).to_lowercase(),
                reason: item.reason.clone(),
                points_sum: 0.0,
                fired: vec![0.0; n],
            });
            s.fired[k] = 1.0;
            s.points_sum += item.points;
        }
    }
    let rules: Vec<RuleStats> = by_line.into_values().collect();
    if rules.is_empty() {
        bail!("no rule fired for any labelled lead: nothing to audit");
    }

    // -- The history's weights for the same rules. ---------------------------------------
    let fit = LogisticParams { l2: 1.0, max_iterations: 500, tolerance: 1e-6 }.check()?;
    let x = FeatureMatrix {
        n_rows: n,
        names: rules.iter().map(|r| format!("line {}", r.line)).collect(),
        data: rules.iter().flat_map(|r| r.fired.iter().copied()).collect(),
    };
    let model = fit.fit(&x, &y)?;
    let fired_n: Vec<usize> = rules.iter().map(|r| r.fired.iter().filter(|&&v| v > 0.0).count()).collect();
    let mean_points: Vec<f64> =
        rules.iter().zip(&fired_n).map(|(r, &f)| if f == 0 { 0.0 } else { r.points_sum / f as f64 }).collect();
    // One factor from log-odds to the team's points: least squares over the judged rules.
    let judged: Vec<usize> = (0..rules.len()).filter(|&j| fired_n[j] >= MIN_FIRED).collect();
    let (num, den) = judged.iter().fold((0.0, 0.0), |(a, b), &j| {
        let w = model.coefficients[j];
        (a + mean_points[j] * w, b + w * w)
    });
    let scale = if den > 0.0 && num > 0.0 { Some(num / den) } else { None };

    println!("## 1-2. Each rule: how its leads converted, and the weight history gives it\n");
    println!(
        "{:>5}  {:<11} {:<38} {:>6} {:>7} {:>8} {:>8} {:>5} {:>7} {:>8} {:>9}",
        "line", "kind", "rule", "fired", "share", "conv.", "others", "lift", "points", "log-odds", "suggested"
    );
    for (j, r) in rules.iter().enumerate() {
        let (_, with) = rate(&y, |i| r.fired[i] > 0.0);
        let (_, without) = rate(&y, |i| r.fired[i] == 0.0);
        let reason: String = r.reason.chars().take(38).collect();
        let suggested = match (scale, fired_n[j] >= MIN_FIRED) {
            (Some(s), true) => format!("{:+.1}", s * model.coefficients[j]),
            (_, false) => "too rare".to_string(),
            (None, true) => "-".to_string(),
        };
        println!(
            "{:>5}  {:<11} {:<38} {:>6} {:>6.1}% {:>7.1}% {:>7.1}% {:>5.2} {:>+7.1} {:>+8.2} {:>9}",
            r.line,
            r.kind,
            reason,
            fired_n[j],
            100.0 * fired_n[j] as f64 / n as f64,
            100.0 * with,
            100.0 * without,
            with / base,
            mean_points[j],
            model.coefficients[j],
            suggested
        );
    }
    println!(
        "\n`fired`: labelled leads the rule fired for; `conv.` / `others`: conversion of those leads and of the \
         rest; `lift`: `conv.` over the base rate; `points`: average points it gave them (after decay and caps); \
         `log-odds`: its weight in a logistic regression on all rules' fired indicators."
    );
    match scale {
        Some(s) => println!(
            "`suggested` = log-odds effect x {s:.1} points (the one factor that best matches your points \
             over the {} rules fired for at least {MIN_FIRED} leads).",
            judged.len()
        ),
        None => println!(
            "No positive factor maps the history's weights onto your points: overall, your points and \
             the history disagree in direction, so no `suggested` column is given."
        ),
    }

    // -- Verdicts. ------------------------------------------------------------------------
    println!("\n### What the history says\n");
    let mut said = false;
    for (j, r) in rules.iter().enumerate() {
        if fired_n[j] < MIN_FIRED {
            continue;
        }
        let w = model.coefficients[j];
        let p = mean_points[j];
        let (_, with) = rate(&y, |i| r.fired[i] > 0.0);
        let name = format!("line {} ({}, {:+.1} points)", r.line, r.reason, p);
        if p != 0.0 && p.signum() != w.signum() && w.abs() >= 0.2 {
            said = true;
            println!(
                "- {name} works against you: its leads convert at {:.1}% against {:.1}% overall, and with the \
                 other rules held fixed the history gives it {w:+.2} log-odds.",
                100.0 * with,
                100.0 * base
            );
            continue;
        }
        let Some(s) = scale else { continue };
        let suggested = s * w;
        if (p - suggested).abs() < 5.0 || p.signum() != suggested.signum() {
            continue;
        }
        if p.abs() >= 2.0 * suggested.abs() {
            said = true;
            println!("- {name} is over-weighted: the history suggests {suggested:+.1}.");
        } else if suggested.abs() >= 2.0 * p.abs() {
            said = true;
            println!("- {name} is under-weighted: the history suggests {suggested:+.1}.");
        }
    }
    if !said {
        println!(
            "- Every judged rule points the way the history does, within a factor of two of its suggested points."
        );
    }

    // -- 3. Would re-weighting the same rules rank leads better? -------------------------
    let team: Vec<f64> = rows.iter().map(|&r| breakdowns[r].total).collect();
    let team_auc = roc_auc(&team, &y)?;
    let reweighted = out_of_fold(&x, &y, &fit, 42)?;
    let reweighted_auc = roc_auc(&reweighted, &y)?;
    println!("\n## 3. Your weights or the history's, for the same rules\n");
    println!("{:<44} {:>7}", "score", "AUC");
    println!("{:<44} {:>7.4}", "your rule score (total, 0-100)", team_auc);
    println!("{:<44} {:>7.4}", format!("same rules, re-weighted ({FOLDS}-fold out of fold)"), reweighted_auc);
    println!(
        "\nRe-weighting your own rules would change the AUC by {:+.4}. A trained model \
         (`leadscore train`) can also use what no rule mentions; `leadscore evaluate` compares it with \
         your rules on leads it did not train on.",
        reweighted_auc - team_auc
    );
    let read: Vec<String> =
        plan.rules.lead_columns().into_iter().map(|(c, _)| c).filter(|c| plan.rules.id.as_ref() != Some(c)).collect();
    println!("\nColumns the rules read: {}.", read.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "));
    if let Some(path) = &args.config {
        let cfg = TrainConfig::from_file(path)?;
        let late: Vec<&String> = read.iter().filter(|c| cfg.data.exclude.contains(c)).collect();
        if late.is_empty() {
            println!("None of them is excluded by {}.", path.display());
        } else {
            println!(
                "Caution: {} excludes {} (known only after contact), which the rules read. Both AUCs above get \
                 credit for what those columns record; a model trained with that config does not.",
                path.display(),
                late.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
            );
        }
    } else {
        println!("If any of them is filled in after first contact, both AUCs get credit for what sales already did.");
    }
    Ok(())
}
