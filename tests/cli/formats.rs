//! The same history as CSV, typed Parquet and NDJSON trains the same model.

use crate::common::*;
use polars::prelude::*;
use std::fs::File;

#[test]
fn csv_parquet_and_ndjson_give_the_same_model() {
    let dir = sample_dir();
    let csv = dir.path().join("data/history.csv");
    // Let Polars infer real types (integers, floats) so the Parquet file is typed like a real export.
    let mut df = CsvReadOptions::default()
        .with_infer_schema_length(Some(10_000))
        .try_into_reader_with_file_path(Some(csv.clone()))
        .unwrap()
        .finish()
        .unwrap();
    assert!(df.column("visits").unwrap().dtype().is_integer());
    ParquetWriter::new(File::create(dir.path().join("h.parquet")).unwrap()).finish(&mut df).unwrap();
    JsonWriter::new(File::create(dir.path().join("h.ndjson")).unwrap())
        .with_json_format(JsonFormat::JsonLines)
        .finish(&mut df)
        .unwrap();
    let mut models = Vec::new();
    for f in ["data/history.csv", "h.parquet", "h.ndjson"] {
        let out = format!("{f}.json").replace('/', "_");
        let o = run(dir.path(), &["train", "--data", f, "--target", "converted", "--id", "lead_id", "--out", &out]);
        assert!(o.status.success(), "{f}: {:?}", text(&o));
        let b: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(&out)).unwrap()).unwrap();
        models.push((b["schema"].clone(), b["pipeline"].clone(), b["models"][0]["model"].clone()));
    }
    assert_eq!(models[0], models[1], "CSV vs Parquet");
    assert_eq!(models[0], models[2], "CSV vs NDJSON");

    // Scoring reads Parquet input and writes Parquet output.
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "data_history.csv.json",
            "--data",
            "h.parquet",
            "--out",
            "s.parquet",
            "--batch-rows",
            "100",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let scored = ParquetReader::new(File::open(dir.path().join("s.parquet")).unwrap()).finish().unwrap();
    assert_eq!(scored.height(), 800);
    let names: Vec<&str> = scored.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["lead_id", "probability", "percentile", "grade", "reasons", "model_id", "scored_at"]);
}
