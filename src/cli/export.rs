//! `leadscore export sql`: a bundle's model as one SQL statement that scores the leads of a
//! warehouse table (see [`leadscore::export`] for what is and is not exported).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};

use super::{check_outputs, print_out, Outcome};
use leadscore::bundle::Bundle;
use leadscore::data::output::{commit_all, Staged};
use leadscore::export::schema::{self, SCHEMAS};
use leadscore::export::{export_sql_with_rules, Dialect, RulesExport, SqlPlan, SqliteRegexp, DEFAULT_BATCH};
use leadscore::rules::RuleSet;

/// Arguments of `leadscore export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[command(subcommand)]
    pub what: ExportWhat,
}

/// What `export` writes.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The bundle's primary model as SQL: id, probability, percentile and grade per lead.
    Sql(SqlArgs),
    /// JSON Schemas (draft 2020-12) of the model bundle and of the rules file (its JSON form).
    Schema(SchemaArgs),
}

/// Arguments of `leadscore export schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write bundle.schema.json and rules.schema.json into this directory (created if needed).
    #[arg(long, conflicts_with_all = ["what", "out"], required_unless_present = "what")]
    pub out_dir: Option<PathBuf>,
    /// Only one schema: bundle or rules (with --out).
    #[arg(long, value_parser = ["bundle", "rules"], requires = "out")]
    pub what: Option<String>,
    /// Output file for --what.
    #[arg(long, requires = "what")]
    pub out: Option<PathBuf>,
    /// No summary line.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `leadscore export sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Model bundle written by `leadscore train`.
    #[arg(long)]
    pub model: PathBuf,
    /// SQL dialect: duckdb, postgres, sqlite, spark, bigquery or snowflake.
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Dialect,
    /// The table (or view) of leads to score: name, schema.name or catalog.schema.name.
    #[arg(long)]
    pub table: String,
    /// Write `CREATE VIEW NAME AS ...` instead of a bare SELECT.
    #[arg(long)]
    pub view: Option<String>,
    /// Id column of the table (default: the bundle's).
    #[arg(long)]
    pub id: Option<String>,
    /// Trees per partial sum (keeps every expression shallow).
    #[arg(long, default_value_t = DEFAULT_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub batch: u64,
    /// Rules file (TOML): adds rule_score, fit_score, engagement_score, rule_grade, rule_status,
    /// stage, action, persona and disqualified, computed as `score --rules` does.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// With --rules: the table holding the activity log (the columns of score's --activities file).
    #[arg(long)]
    pub activities_table: Option<String>,
    /// With --rules: age activity events at the end of this day (YYYY-MM-DD; default today, as score).
    #[arg(long, value_parser = super::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// SQLite: write `matches` as `cell REGEXP pattern`, for an application that registers a
    /// regexp() function with Rust's regex crate (SQLite has none by default).
    #[arg(long)]
    pub sqlite_regexp: bool,
    /// Add a `reasons` column: the top K pushes up and down per lead, as `score --reasons K`
    /// writes them (exact for logistic; boosted trees: an approximation, see the header).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=20))]
    pub reasons: u64,
    /// Output file (.sql).
    #[arg(long)]
    pub out: PathBuf,
    /// No summary line.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    Dialect::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.as_str()).collect();
        format!("\"{s}\" is not a dialect: use one of {}", names.join(", "))
    })
}

/// Runs `export`.
pub fn run(args: ExportArgs) -> anyhow::Result<Outcome> {
    match args.what {
        ExportWhat::Sql(a) => sql(a),
        ExportWhat::Schema(a) => schema(a),
    }
}

fn schema(a: SchemaArgs) -> anyhow::Result<Outcome> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for (name, make) in SCHEMAS {
        match (&a.out_dir, a.what.as_deref(), &a.out) {
            (Some(dir), _, _) => files.push((dir.join(name), schema::to_text(&make()))),
            (None, Some(what), Some(out)) if name.starts_with(what) => {
                files.push((out.clone(), schema::to_text(&make())))
            }
            _ => {}
        }
    }
    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("--out-dir {}: {e}", dir.display()))?;
    }
    let staged =
        files.iter().map(|(path, text)| Staged::bytes(path, text.as_bytes())).collect::<Result<Vec<_>, _>>()?;
    commit_all(staged)?;
    if !a.quiet {
        let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        print_out(&format!("wrote {} (JSON Schema draft 2020-12)\n", names.join(", ")))?;
    }
    Ok(Outcome::Ok)
}

fn sql(a: SqlArgs) -> anyhow::Result<Outcome> {
    check_outputs(&[("--out", Some(&a.out))], &[("--model", Some(&a.model)), ("--rules", a.rules.as_deref())])?;
    let started = Instant::now();
    let bundle = Bundle::load(&super::model_path(&a.model)?)?;
    let plan = SqlPlan {
        dialect: a.dialect,
        table: a.table,
        view: a.view,
        id_column: a.id,
        batch: a.batch as usize,
        reasons: a.reasons as usize,
    };
    let rules = a.rules.as_deref().map(RuleSet::load).transpose()?;
    let x = rules.as_ref().map(|rules| RulesExport {
        rules,
        activities_table: a.activities_table.clone(),
        as_of: a.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        sqlite_regexp: if a.sqlite_regexp { SqliteRegexp::RustFunction } else { SqliteRegexp::Refuse },
    });
    let e = export_sql_with_rules(&bundle, &a.model, &plan, x.as_ref())?;
    // The SQL reads one table: columns the bundle joined in from other tables at training
    // must already be in it (joined in the warehouse), or the query fails there.
    for j in &bundle.joins {
        let joined: Vec<&str> = j.columns.iter().skip(1).map(String::as_str).collect();
        super::print_warnings([&format!(
            "the bundle joined {} at training; the exported query reads its columns ({}) from {} itself: join the table in the warehouse first (e.g. a view over both)",
            j.spec.file.display(),
            joined.join(", "),
            plan.table
        )]);
    }
    Staged::bytes(&a.out, e.sql.as_bytes())?.commit()?;
    if !a.quiet {
        let trees = if e.trees > 0 { format!(", {} trees", e.trees) } else { String::new() };
        print_out(&format!(
            "wrote {} ({} SQL, model {}{trees}, {} KB) in {:.0} ms\n",
            a.out.display(),
            plan.dialect.as_str(),
            e.model,
            e.sql.len().div_ceil(1024),
            started.elapsed().as_secs_f64() * 1000.0
        ))?;
    }
    Ok(Outcome::Ok)
}
