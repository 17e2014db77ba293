//! `leadscore check-data`: lead hygiene — duplicate people, junk and spam entries, values
//! spelt several ways (within a column and across joined tables); a cleaned copy with a
//! `hygiene_flags` column. Exit 1 when anything was found.

use std::path::PathBuf;

use clap::Args;
use polars::prelude::*;

use super::{check_outputs, print_out, Outcome};
use leadscore::data::load::read_table;
use leadscore::data::output::{commit_all, BatchWriter, Staged};
use leadscore::hygiene::{check_data, HygieneColumns};
use leadscore::present::hygiene::render_hygiene;

/// Arguments of `leadscore check-data`.
#[derive(Debug, Args)]
pub struct CheckDataArgs {
    /// Leads or contacts to check (CSV, Parquet or NDJSON).
    pub file: PathBuf,
    /// Id column (left out of the same-value check).
    #[arg(long)]
    pub id: Option<String>,
    /// A joined table whose same-named columns are compared for spellings (repeatable).
    #[arg(long = "join", value_name = "FILE")]
    pub join: Vec<PathBuf>,
    /// E-mail column [default: found by name: email, e-mail, ...].
    #[arg(long)]
    pub email: Option<String>,
    /// Name column(s), comma-separated [default: name, first_name, last_name, ...].
    #[arg(long, value_delimiter = ',')]
    pub name: Vec<String>,
    /// Company column [default: company, account, ...].
    #[arg(long)]
    pub company: Option<String>,
    /// Phone column [default: phone, mobile, ...].
    #[arg(long)]
    pub phone: Option<String>,
    /// Write a copy of the file with a `hygiene_flags` column (flags separated by `;`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the report to this file too (.json for JSON, else text).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// Runs `check-data`.
pub fn run(args: CheckDataArgs) -> anyhow::Result<Outcome> {
    let mut inputs = vec![("FILE", Some(args.file.as_path()))];
    inputs.extend(args.join.iter().map(|j| ("--join", Some(j.as_path()))));
    check_outputs(&[("--out", args.out.as_deref()), ("--report", args.report.as_deref())], &inputs)?;
    let df = read_table(&args.file)?;
    let mut cols = HygieneColumns::detect(&df, args.id.as_deref());
    let exists = |c: &str| -> anyhow::Result<String> {
        df.column(c).map(|_| c.to_string()).map_err(|_| {
            anyhow::anyhow!(
                "{}: column \"{c}\" not found (columns: {})",
                args.file.display(),
                leadscore::data::typing::column_list(&df)
            )
        })
    };
    if let Some(id) = &args.id {
        exists(id)?;
    }
    if let Some(e) = &args.email {
        cols.email = Some(exists(e)?);
    }
    if !args.name.is_empty() {
        cols.names = args.name.iter().map(|n| exists(n)).collect::<anyhow::Result<_>>()?;
    }
    if let Some(c) = &args.company {
        cols.company = Some(exists(c)?);
    }
    if let Some(p) = &args.phone {
        cols.phone = Some(exists(p)?);
    }
    let others =
        args.join.iter().map(|j| Ok((j.display().to_string(), read_table(j)?))).collect::<anyhow::Result<Vec<_>>>()?;
    let report = check_data(&args.file.display().to_string(), &df, &cols, &others);
    let text = render_hygiene(&report);
    let mut staged = Vec::new();
    if let Some(out) = &args.out {
        let flags: Vec<String> =
            report.flags.iter().map(|f| f.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(";")).collect();
        let mut clean = df.clone();
        clean.with_column(Column::new("hygiene_flags".into(), flags))?;
        let mut w = BatchWriter::create(out)?;
        w.write(&mut clean)?;
        staged.push(w.finish_staged()?);
    }
    if let Some(path) = &args.report {
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let body = if is_json { format!("{}\n", serde_json::to_string_pretty(&report)?) } else { text.clone() };
        staged.push(Staged::bytes(path, body.as_bytes())?);
    }
    commit_all(staged)?;
    print_out(&text)?;
    Ok(if report.found_problems() { Outcome::Problems } else { Outcome::Ok })
}
