//! `leadscore pilot assign | analyze`: a live pilot with a control group.
//!
//! - `assign` gives each open lead an arm (treatment = worked in model order, control =
//!   worked by the rules) from a hash of its id and `--seed`; see [`leadscore::pilot::assign`].
//! - `analyze` reads the arms and outcomes and prints conversion per arm, the test of the
//!   difference, sales-cycle length per arm, and the sample size still needed.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::evaluate::write_atomic;
use super::{check_outputs, print_out, split_list, Outcome};
use leadscore::pilot::analyze::{analyze, AnalyzePlan, PilotReport};
use leadscore::pilot::files::{assign_file, read_outcomes, AnalyzeFiles, AssignPlan};

/// Arguments of `leadscore pilot`.
#[derive(Debug, Args)]
pub struct PilotArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PilotCommand,
}

/// `pilot` subcommands.
#[derive(Debug, Subcommand)]
pub enum PilotCommand {
    /// Assign open leads to treatment (model order) and control (rules), reproducibly.
    Assign(AssignArgs),
    /// Analyse a pilot: conversion per arm, the test of the difference, cycle length, power.
    Analyze(AnalyzeArgs),
}

/// Arguments of `pilot assign`.
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Open leads (CSV, Parquet or NDJSON).
    #[arg(long)]
    pub data: PathBuf,
    /// Assignment file to write (.csv, .parquet or .ndjson).
    #[arg(long)]
    pub out: PathBuf,
    /// Lead id column.
    #[arg(long, default_value = "lead_id")]
    pub id: String,
    /// Share of leads in the treatment arm.
    #[arg(long, default_value_t = 0.5)]
    pub treatment_share: f64,
    /// Column whose values are checked for balance between the arms (e.g. segment).
    #[arg(long)]
    pub stratify: Option<String>,
    /// Seed: the same seed and id always give the same arm.
    #[arg(long)]
    pub seed: u64,
}

/// Arguments of `pilot analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Pilot leads with outcomes (and the arm column unless --assignment is given).
    #[arg(long)]
    pub data: PathBuf,
    /// Assignment file from `pilot assign`, joined on --id.
    #[arg(long)]
    pub assignment: Option<PathBuf>,
    /// Lead id column.
    #[arg(long, default_value = "lead_id")]
    pub id: String,
    /// Arm column.
    #[arg(long, default_value = "arm")]
    pub arm_column: String,
    /// Outcome column; blank = still open (left out).
    #[arg(long, default_value = "converted")]
    pub target: String,
    /// Value(s) meaning converted, comma-separated (guessed when unambiguous).
    #[arg(long)]
    pub positive: Vec<String>,
    /// Creation date column.
    #[arg(long, default_value = "created_date")]
    pub created_column: String,
    /// Conversion date column.
    #[arg(long, default_value = "converted_date")]
    pub converted_date_column: String,
    /// Relative lift to power the sample size for (0.2 = +20%); default: the observed lift.
    #[arg(long)]
    pub lift: Option<f64>,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Power for the sample-size calculation.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Serialize)]
struct AnalyzeJson<'a> {
    open_leads: usize,
    undated_conversions: usize,
    warnings: &'a [String],
    #[serde(flatten)]
    report: &'a PilotReport,
}

/// Runs `pilot`.
pub fn run(args: PilotArgs) -> anyhow::Result<Outcome> {
    match args.command {
        PilotCommand::Assign(a) => run_assign(a),
        PilotCommand::Analyze(a) => run_analyze(a),
    }
}

fn run_assign(a: AssignArgs) -> anyhow::Result<Outcome> {
    check_outputs(&[("--out", Some(a.out.as_path()))], &[("--data", Some(a.data.as_path()))])?;
    let plan =
        AssignPlan { data: a.data, out: a.out, id: a.id, share: a.treatment_share, stratify: a.stratify, seed: a.seed };
    let s = assign_file(&plan)?;
    let mut out = format!(
        "assigned {} leads: {} treatment (model order), {} control (rules); seed {}, share {} -> {}\n",
        s.leads,
        s.treatment,
        s.control,
        plan.seed,
        plan.share,
        plan.out.display()
    );
    if plan.stratify.is_some() {
        out.push_str("stratum                    leads  treatment  control  treated  deviation (SE)\n");
        for b in &s.strata {
            out.push_str(&format!(
                "{:<24} {:>7} {:>10} {:>8} {:>7.1}% {:>+10.2}{}\n",
                b.stratum,
                b.leads,
                b.treatment,
                b.control,
                100.0 * b.share_treated,
                b.deviation_se,
                if b.deviation_se.abs() > 3.0 { "  <- unusual imbalance" } else { "" }
            ));
        }
    }
    print_out(&out)?;
    Ok(Outcome::Ok)
}

fn run_analyze(a: AnalyzeArgs) -> anyhow::Result<Outcome> {
    check_outputs(
        &[("--json", a.json.as_deref())],
        &[("--data", Some(a.data.as_path())), ("--assignment", a.assignment.as_deref())],
    )?;
    let plan = AnalyzePlan::new(a.alpha, a.power, a.lift)?;
    let files = AnalyzeFiles {
        data: a.data.clone(),
        assignment: a.assignment.clone(),
        id: a.id,
        arm: a.arm_column,
        target: a.target,
        positive: split_list(&a.positive),
        created: a.created_column,
        converted_date: a.converted_date_column,
    };
    let o = read_outcomes(&files)?;
    let r = analyze(&o.treatment, &o.control, &plan)?;
    let mut out = format!("{}: pilot outcomes", a.data.display());
    if o.open > 0 {
        out.push_str(&format!(" ({} leads still open left out)", o.open));
    }
    out.push('\n');
    super::print_warnings(&o.warnings);
    out.push_str(&r.render());
    if o.undated_conversions > 0 {
        out.push_str(&format!("{} converted leads lack a date and have no cycle length\n", o.undated_conversions));
    }
    if let Some(path) = &a.json {
        let doc = AnalyzeJson {
            open_leads: o.open,
            undated_conversions: o.undated_conversions,
            warnings: &o.warnings,
            report: &r,
        };
        write_atomic(path, format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes())?;
    }
    print_out(&out)?;
    Ok(Outcome::Ok)
}
