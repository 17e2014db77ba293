//! Joined tables read and indexed ([`JoinTable`]), applied to batches of leads
//! ([`Joiner`]), and what each join did ([`JoinReport`]); see [`super`] for the flow.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use super::{loose, JoinError, JoinRecord, JoinSpec, Unmatched, MAX_JOIN_ROWS};
use crate::data::load::{BatchReader, LoadError, ReadOptions};
use crate::data::typing::column_list;

/// Distinct unmatched keys kept per table as examples (counts stay exact beyond it).
const MAX_EXAMPLES: usize = 1_000;

/// A table read and indexed by its key.
pub struct JoinTable {
    spec: JoinSpec,
    left: String,
    right: String,
    /// Normalised key → row.
    index: HashMap<String, u32>,
    /// Loose key → the key as written, for near-duplicate hints.
    loose_keys: HashMap<String, String>,
    /// The table's non-key columns (named with the prefix), as text.
    columns: Vec<(String, Vec<Option<String>>)>,
    record: JoinRecord,
}

impl JoinTable {
    /// Reads and indexes the table of `spec` (its path as given).
    pub fn load(spec: &JoinSpec) -> Result<JoinTable, JoinError> {
        let (left, right) = spec.keys()?;
        let path = spec.file.as_path();
        let mut reader = BatchReader::open_with(path, 100_000, &ReadOptions { sha256: true, ..Default::default() })?;
        let mut df: Option<DataFrame> = None;
        while let Some(batch) = reader.next_batch()? {
            if reader.rows_read() > MAX_JOIN_ROWS {
                return Err(JoinError::TooLarge { file: path.to_path_buf(), max: MAX_JOIN_ROWS });
            }
            match df.as_mut() {
                None => df = Some(batch),
                Some(d) => {
                    d.vstack_mut(&batch).map_err(|source| JoinError::Polars { file: path.to_path_buf(), source })?;
                }
            }
        }
        let df = df.ok_or_else(|| LoadError::Empty { path: path.to_path_buf() })?;
        let sha256 = reader.sha256().unwrap_or_default().to_string();
        let key = df.column(&right).ok().and_then(|c| c.str().ok()).ok_or_else(|| JoinError::MissingKey {
            file: path.to_path_buf(),
            column: right.clone(),
            available: column_list(&df),
            hint: "set right_on to the table's key column".to_string(),
        })?;
        let mut index = HashMap::new();
        let mut loose_keys = HashMap::new();
        for (i, cell) in key.iter().enumerate() {
            let Some(k) = cell.and_then(|c| spec.normalise.apply(c)) else { continue };
            if let Some(&first) = index.get(&k) {
                return Err(JoinError::DuplicateKey {
                    file: path.to_path_buf(),
                    column: right.clone(),
                    key: cell.unwrap_or_default().to_string(),
                    first: first as usize + 1,
                    second: i + 1,
                });
            }
            index.insert(k, i as u32);
            loose_keys.entry(loose(cell.unwrap_or_default())).or_insert_with(|| cell.unwrap_or_default().to_string());
        }
        let mut columns = Vec::new();
        let mut names = vec![right.clone()];
        for c in df.columns() {
            if c.name().as_str() == right {
                continue;
            }
            names.push(c.name().to_string());
            let text = c.str().map_err(|source| JoinError::Polars { file: path.to_path_buf(), source })?;
            columns
                .push((format!("{}{}", spec.prefix, c.name()), text.iter().map(|v| v.map(str::to_string)).collect()));
        }
        let record = JoinRecord { spec: spec.clone(), sha256, columns: names, rows: df.height() };
        Ok(JoinTable { spec: spec.clone(), left, right, index, loose_keys, columns, record })
    }

    /// What a bundle records of this table.
    pub fn record(&self) -> &JoinRecord {
        &self.record
    }

    /// The columns this table adds to the leads.
    pub fn added_columns(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(n, _)| n.as_str())
    }
}

/// What one join did over the rows it saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JoinReport {
    /// The table.
    pub file: String,
    /// Key column of the leads.
    pub left_on: String,
    /// Key column of the table.
    pub right_on: String,
    /// Leads seen.
    pub rows: usize,
    /// Leads that found their row.
    pub matched: usize,
    /// Leads with a blank key (joined columns blank).
    pub blank_key: usize,
    /// First data row with a blank key.
    pub first_blank_row: Option<usize>,
    /// Leads whose key matches no row.
    pub unmatched: usize,
    /// Unmatched keys as written: (key, leads, first data row), most frequent first.
    pub unmatched_keys: Vec<(String, usize, usize)>,
    /// Unmatched keys of the leads whose loose form equals a key of the table:
    /// (the leads' spelling, the table's spelling, leads).
    pub near_duplicates: Vec<(String, String, usize)>,
}

/// The joins of a run, applied batch by batch.
pub struct Joiner {
    tables: Vec<JoinTable>,
    reports: Vec<JoinReport>,
    /// Unmatched key → (leads, first row), per table.
    unmatched: Vec<HashMap<String, (usize, usize)>>,
}

impl Joiner {
    /// Loads every table of `specs` (paths as given).
    pub fn load(specs: &[JoinSpec]) -> Result<Joiner, JoinError> {
        let tables = specs.iter().map(JoinTable::load).collect::<Result<Vec<_>, _>>()?;
        let reports = tables
            .iter()
            .map(|t| JoinReport {
                file: t.spec.file.display().to_string(),
                left_on: t.left.clone(),
                right_on: t.right.clone(),
                ..JoinReport::default()
            })
            .collect();
        let unmatched = vec![HashMap::new(); tables.len()];
        Ok(Joiner { tables, reports, unmatched })
    }

    /// Loads the tables a bundle joined at training, from the paths it recorded, and checks
    /// them against what it recorded ([`Joiner::check_against`]): the one way `evaluate` and
    /// `drift` re-apply a bundle's joins (`score` also takes them from the command line).
    /// `None` for a bundle without joins; otherwise the joiner and the notes of the check.
    pub fn load_recorded(records: &[JoinRecord]) -> Result<Option<(Joiner, Vec<String>)>, JoinError> {
        if records.is_empty() {
            return Ok(None);
        }
        let specs: Vec<JoinSpec> = records.iter().map(|r| r.spec.clone()).collect();
        let joiner = Joiner::load(&specs)?;
        let notes = joiner.check_against(records)?;
        Ok(Some((joiner, notes)))
    }

    /// Whether there is nothing to join.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// What the bundle records of each table.
    pub fn records(&self) -> Vec<JoinRecord> {
        self.tables.iter().map(|t| t.record.clone()).collect()
    }

    /// `df` (rows `first_row..` of `leads`) with every table's columns appended.
    pub fn apply(&mut self, df: DataFrame, leads: &Path, first_row: usize) -> Result<DataFrame, JoinError> {
        let mut df = df;
        for (t, table) in self.tables.iter().enumerate() {
            let report = &mut self.reports[t];
            let unmatched = &mut self.unmatched[t];
            let file = &table.spec.file;
            for (name, _) in &table.columns {
                if df.column(name).is_ok() {
                    return Err(JoinError::Clash {
                        file: file.clone(),
                        column: name.clone(),
                        leads: leads.to_path_buf(),
                    });
                }
            }
            let key = df.column(&table.left).ok().and_then(|c| c.str().ok()).ok_or_else(|| JoinError::MissingKey {
                file: leads.to_path_buf(),
                column: table.left.clone(),
                available: column_list(&df),
                hint: format!("the join with {} needs it (set left_on)", file.display()),
            })?;
            let mut at: Vec<Option<u32>> = Vec::with_capacity(df.height());
            for (i, cell) in key.iter().enumerate() {
                let row = first_row + i;
                report.rows += 1;
                let Some(k) = cell.and_then(|c| table.spec.normalise.apply(c)) else {
                    report.blank_key += 1;
                    report.first_blank_row.get_or_insert(row);
                    at.push(None);
                    continue;
                };
                match table.index.get(&k) {
                    Some(&r) => {
                        report.matched += 1;
                        at.push(Some(r));
                    }
                    None => {
                        let written = cell.unwrap_or_default().trim().to_string();
                        if table.spec.unmatched == Unmatched::Error {
                            let hint = match table.loose_keys.get(&loose(&written)) {
                                Some(s) => format!(" (it has \"{s}\": set normalise = \"loose\" to match them)"),
                                None => String::new(),
                            };
                            return Err(JoinError::Unmatched {
                                leads: leads.to_path_buf(),
                                column: table.left.clone(),
                                row,
                                key: written,
                                file: file.clone(),
                                hint,
                            });
                        }
                        report.unmatched += 1;
                        if let Some(e) = unmatched.get_mut(&written) {
                            e.0 += 1;
                        } else if unmatched.len() < MAX_EXAMPLES {
                            unmatched.insert(written, (1, row));
                        }
                        at.push(None);
                    }
                }
            }
            let mut added = Vec::with_capacity(table.columns.len());
            for (name, values) in &table.columns {
                let v: Vec<Option<&str>> = at.iter().map(|r| r.and_then(|r| values[r as usize].as_deref())).collect();
                added.push(Column::new(name.as_str().into(), v));
            }
            df.hstack_mut(&added).map_err(|source| JoinError::Polars { file: file.clone(), source })?;
        }
        Ok(df)
    }

    /// What each join did so far.
    pub fn reports(&self) -> Vec<JoinReport> {
        let mut out = self.reports.clone();
        for (t, r) in out.iter_mut().enumerate() {
            let mut keys: Vec<(String, usize, usize)> =
                self.unmatched[t].iter().map(|(k, &(n, row))| (k.clone(), n, row)).collect();
            keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            r.near_duplicates = keys
                .iter()
                .filter_map(|(k, n, _)| self.tables[t].loose_keys.get(&loose(k)).map(|s| (k.clone(), s.clone(), *n)))
                .collect();
            r.unmatched_keys = keys;
        }
        out
    }
}

impl JoinReport {
    /// One warning per problem: blank keys, unmatched keys (with examples), near-duplicate
    /// spellings.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(row) = self.first_blank_row {
            out.push(format!(
                "join with {}: {} of {} rows have no \"{}\" (first at data row {row}); their columns from the table are blank",
                self.file, self.blank_key, self.rows, self.left_on
            ));
        }
        if self.unmatched > 0 {
            let shown: Vec<String> = self
                .unmatched_keys
                .iter()
                .take(5)
                .map(|(k, n, row)| format!("\"{k}\" ({n} rows, first at data row {row})"))
                .collect();
            out.push(format!(
                "join with {}: {} of {} rows have a \"{}\" that matches no \"{}\" of the table: {}{}; their columns from the table are blank",
                self.file,
                self.unmatched,
                self.rows,
                self.left_on,
                self.right_on,
                shown.join(", "),
                if self.unmatched_keys.len() > 5 { format!(" and {} more keys", self.unmatched_keys.len() - 5) } else { String::new() }
            ));
        }
        for (ours, theirs, n) in &self.near_duplicates {
            out.push(format!(
                "join with {}: \"{ours}\" ({n} rows) is spelt \"{theirs}\" in the table; fix one spelling or set normalise = \"loose\" in the join",
                self.file
            ));
        }
        out
    }
}

impl Joiner {
    /// Checks the loaded tables against what training recorded: a column the model was
    /// trained with that a table no longer has is an error; a table whose bytes changed is
    /// a note (lookup tables are refreshed; the model reads today's values).
    pub fn check_against(&self, records: &[JoinRecord]) -> Result<Vec<String>, JoinError> {
        let mut notes = Vec::new();
        for (t, r) in self.tables.iter().zip(records) {
            let now = &t.record.columns;
            if let Some(c) = r.columns.iter().find(|c| !now.contains(c)) {
                return Err(JoinError::Schema {
                    file: t.spec.file.clone(),
                    column: c.clone(),
                    available: now.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "),
                });
            }
            if t.record.sha256 != r.sha256 {
                notes.push(format!(
                    "join with {}: the table changed since training ({} rows then, {} now); leads are scored with its current values",
                    t.spec.file.display(),
                    r.rows,
                    t.record.rows
                ));
            }
        }
        Ok(notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::join::KeyNormalise;
    use std::path::PathBuf;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn spec(file: PathBuf, on: &str) -> JoinSpec {
        JoinSpec {
            file,
            on: Some(on.into()),
            left_on: None,
            right_on: None,
            normalise: KeyNormalise::Trim,
            unmatched: Unmatched::Warn,
            prefix: String::new(),
        }
    }

    fn cells(df: &DataFrame, c: &str) -> Vec<Option<String>> {
        df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn many_to_one_left_join_keeps_order_and_counts_blank_and_unmatched_keys() {
        let dir = tempfile::tempdir().unwrap();
        let products = write(dir.path(), "products.csv", "product,price\nGTX Pro,4821\nMG Special,55\n");
        let leads =
            write(dir.path(), "deals.csv", "id,product\n1,MG Special\n2,GTXPro\n3,\n4, MG Special \n5,GTXPro\n");
        let df = crate::data::load::read_table(&leads).unwrap();
        let mut j = Joiner::load(&[spec(products.clone(), "product")]).unwrap();
        let out = j.apply(df, &leads, 1).unwrap();
        assert_eq!(out.height(), 5);
        assert_eq!(
            cells(&out, "price"),
            [Some("55".into()), None, None, Some("55".into()), None],
            "trim matches ' MG Special '; GTXPro matches nothing; blank stays blank"
        );
        let r = &j.reports()[0];
        assert_eq!((r.rows, r.matched, r.blank_key, r.unmatched), (5, 2, 1, 2));
        assert_eq!(r.first_blank_row, Some(3));
        assert_eq!(r.unmatched_keys, [("GTXPro".to_string(), 2, 2)]);
        assert_eq!(r.near_duplicates, [("GTXPro".to_string(), "GTX Pro".to_string(), 2)]);
        let w = r.warnings().join("\n");
        assert!(w.contains("\"GTXPro\" (2 rows, first at data row 2)"), "{w}");
        assert!(w.contains("is spelt \"GTX Pro\" in the table"), "{w}");
        // Loose keys match the two spellings.
        let mut s = spec(products, "product");
        s.normalise = KeyNormalise::Loose;
        let mut j = Joiner::load(&[s]).unwrap();
        let df = crate::data::load::read_table(&leads).unwrap();
        let out = j.apply(df, &leads, 1).unwrap();
        assert_eq!(cells(&out, "price")[1].as_deref(), Some("4821"));
        assert_eq!(j.reports()[0].unmatched, 0);
    }

    #[test]
    fn duplicate_right_key_clash_missing_key_and_unmatched_error_name_file_key_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let dup = write(dir.path(), "acc.csv", "account,sector\nAcme,retail\nBeta,tech\nacme ,x\n");
        let mut s = spec(dup.clone(), "account");
        s.normalise = KeyNormalise::Case;
        let e = Joiner::load(&[s]).err().unwrap().to_string();
        assert_eq!(
            e,
            format!("{}: key \"acme \" of column \"account\" appears in rows 1 and 3; a joined table needs one row per key (remove the duplicate, or choose a finer key)", dup.display())
        );
        let acc = write(dir.path(), "acc2.csv", "account,sector\nAcme,retail\n");
        let leads = write(dir.path(), "l.csv", "id,account,sector\n1,Acme,x\n");
        let df = crate::data::load::read_table(&leads).unwrap();
        let e = Joiner::load(&[spec(acc.clone(), "account")]).unwrap().apply(df.clone(), &leads, 1).err().unwrap();
        assert!(e.to_string().contains("column \"sector\" is also a column of"), "{e}");
        let mut s = spec(acc.clone(), "account");
        s.prefix = "account_".into();
        let out = Joiner::load(&[s]).unwrap().apply(df.clone(), &leads, 1).unwrap();
        assert_eq!(cells(&out, "account_sector"), [Some("retail".into())]);
        let e = Joiner::load(&[spec(acc.clone(), "company")]).err().unwrap().to_string();
        assert!(e.contains("join key column \"company\" not found"), "{e}");
        let mut s = spec(acc, "account");
        s.unmatched = Unmatched::Error;
        s.prefix = "a_".into();
        let leads = write(dir.path(), "l2.csv", "id,account\n1,Acme\n2,ACME Inc\n");
        let df = crate::data::load::read_table(&leads).unwrap();
        let e = Joiner::load(&[s]).unwrap().apply(df, &leads, 1).err().unwrap().to_string();
        assert_eq!(
            e,
            format!("{}: column \"account\", row 2: \"ACME Inc\" matches no row of {}; add it there, or set unmatched = \"warn\" in the join", leads.display(), dir.path().join("acc2.csv").display())
        );
    }

    #[test]
    fn spec_needs_on_or_both_sides_and_parses_from_toml() {
        let s: JoinSpec =
            toml::from_str("file = \"a.csv\"\nleft_on = \"x\"\nright_on = \"y\"\nnormalise = \"loose\"\n").unwrap();
        assert_eq!(s.keys().unwrap(), ("x".to_string(), "y".to_string()));
        assert_eq!(s.normalise, KeyNormalise::Loose);
        let s: JoinSpec = toml::from_str("file = \"a.csv\"\nleft_on = \"x\"\n").unwrap();
        assert!(s.keys().is_err());
        assert!(toml::from_str::<JoinSpec>("file = \"a.csv\"\non = \"x\"\nnormalize = \"case\"\n").is_err());
        assert_eq!(s.resolved(Some(Path::new("/cfg"))).file, PathBuf::from("/cfg/a.csv"));
        assert_eq!(KeyNormalise::Loose.apply(" GTX-Pro "), Some("gtxpro".into()));
        assert_eq!(KeyNormalise::Case.apply("  "), None);
    }
}
