//! Bundles edited with their checksum recomputed (refused by what they mean, not only by
//! their shape), signed bundles (`--sign-key` / `LEADSCORE_SIGN_KEY_FILE`), and the size
//! limits checked before a bundle, rules file or config file is parsed.

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use sha2::{Digest, Sha256};

use leadscore::bundle::Bundle;

use crate::common::{leadscore, run, sample_dir, text, without_scored_at};

fn fails_with(o: &Output, wanted: &[&str]) {
    let (out, err) = text(o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    for w in wanted {
        assert!(err.contains(w), "wanted {w:?} in:\n{err}");
    }
}

fn train_gbm(dir: &Path, extra: &[&str]) -> Output {
    let args =
        [&["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--model", "gbm"], extra]
            .concat();
    run(dir, &args)
}

fn score(dir: &Path, model: &str, extra: &[&str]) -> Output {
    run(dir, &[&["score", "--model", model, "--data", "data/open_leads.csv", "--out", "out.csv"], extra].concat())
}

/// Edits a bundle's JSON and recomputes its checksum the way the library does (the bundle
/// serialised with `checksum` and `signature` empty): what a forger without the key can do.
fn forge(from: &Path, to: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&fs::read_to_string(from).unwrap()).unwrap();
    edit(&mut v);
    let mut b: Bundle = serde_json::from_value(v).unwrap();
    let signature = b.signature.take();
    b.checksum = String::new();
    b.checksum = leadscore::bundle::hex(&Sha256::digest(serde_json::to_vec(&b).unwrap()));
    b.signature = signature;
    fs::write(to, serde_json::to_string_pretty(&b).unwrap()).unwrap();
}

#[test]
fn a_forged_leaf_of_1_7e308_with_a_recomputed_checksum_is_refused() {
    let dir = sample_dir();
    let d = dir.path();
    assert!(train_gbm(d, &["--out", "models/g.json"]).status.success());
    forge(&d.join("models/g.json"), &d.join("forged.json"), |v| {
        v["models"][0]["model"]["trees"]["trees"][3]["leaf_value"][1] = 1.7e308.into();
    });
    fails_with(
        &score(d, "forged.json", &[]),
        &[
            "forged.json: models[0].model.trees.trees[3].leaf_value[1]: 1.7e308 is beyond ±1e3 log-odds",
            "the bundle was damaged or edited after training",
        ],
    );
    assert!(!d.join("out.csv").exists());
    // The same edit within the bound still loads: the check is on meaning, not on change.
    forge(&d.join("models/g.json"), &d.join("nudged.json"), |v| {
        v["models"][0]["model"]["trees"]["trees"][3]["leaf_value"][1] = 0.5.into();
    });
    assert!(score(d, "nudged.json", &[]).status.success());
}

#[test]
fn an_empty_isotonic_calibrator_and_other_impossible_values_are_refused() {
    let dir = sample_dir();
    let d = dir.path();
    assert!(train_gbm(d, &["--out", "models/g.json"]).status.success());
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, &str); 6] = [
        (
            "empty isotonic",
            |v| v["models"][0]["model"]["calibrator"] = serde_json::json!({"Isotonic": {"x": [], "y": []}}),
            "models[0].model.calibrator.Isotonic: has no knots",
        ),
        (
            "isotonic knots unsorted",
            |v| {
                v["models"][0]["model"]["calibrator"] =
                    serde_json::json!({"Isotonic": {"x": [0.5, 0.2], "y": [0.1, 0.2]}})
            },
            "models[0].model.calibrator.Isotonic.x: knots must be strictly increasing probabilities in 0..1",
        ),
        (
            "isotonic output above 1",
            |v| {
                v["models"][0]["model"]["calibrator"] =
                    serde_json::json!({"Isotonic": {"x": [0.2, 0.5], "y": [0.1, 1.5]}})
            },
            "models[0].model.calibrator.Isotonic.y: outputs must be non-decreasing probabilities in 0..1",
        ),
        (
            "Platt slope absurd",
            |v| v["models"][0]["model"]["calibrator"] = serde_json::json!({"Platt": {"a": 1e300, "b": 0.0}}),
            "models[0].model.calibrator.Platt.a: 1e300 is beyond ±1e3",
        ),
        (
            "initial score absurd",
            |v| v["models"][0]["model"]["trees"]["init_score"] = (-1e9).into(),
            "models[0].model.trees.init_score",
        ),
        (
            "reference quantile outside 0..1",
            |v| v["reference"]["quantiles"][1000] = 1.5.into(),
            "reference.quantiles: must hold 1001 ascending probabilities in 0..1",
        ),
    ];
    for (what, edit, wanted) in cases {
        forge(&d.join("models/g.json"), &d.join("forged.json"), edit);
        let o = score(d, "forged.json", &[]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(wanted) && err.contains("restore it from a copy, or retrain"), "{what}: {err}");
        // inspect loads through the same checks.
        let o = run(d, &["inspect", "forged.json"]);
        assert_eq!(o.status.code(), Some(2), "{what}");
    }
}

#[test]
fn a_signed_bundle_loads_with_its_key_and_a_wrong_signature_is_refused() {
    let dir = sample_dir();
    let d = dir.path();
    fs::write(d.join("team.key"), format!("{}\n", "5e".repeat(32))).unwrap();
    fs::write(d.join("other.key"), "another key of at least thirty-two bytes\n").unwrap();
    let o = train_gbm(d, &["--out", "models/s.json", "--sign-key", "team.key"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let b: Value = serde_json::from_str(&fs::read_to_string(d.join("models/s.json")).unwrap()).unwrap();
    assert_eq!(b["signature"]["algorithm"], "hmac-sha256");

    // Good signature: loads with the key (flag or environment), and without one.
    assert!(score(d, "models/s.json", &["--sign-key", "team.key"]).status.success());
    let o = leadscore()
        .current_dir(d)
        .env("LEADSCORE_SIGN_KEY_FILE", "team.key")
        .args(["score", "--model", "models/s.json", "--data", "data/open_leads.csv", "--out", "env.csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(without_scored_at(&d.join("out.csv")), without_scored_at(&d.join("env.csv")));
    assert!(score(d, "models/s.json", &[]).status.success());
    let o = run(d, &["inspect", "models/s.json", "--sign-key", "team.key"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let key_id = b["signature"]["key_id"].as_str().unwrap();
    assert!(text(&o).0.contains(&format!("  signed (hmac-sha256, key id {key_id})")), "{}", text(&o).0);
    let evaluate = ["evaluate", "--data", "data/history.csv", "--model", "models/s.json", "--sign-key", "team.key"];
    assert!(run(d, &evaluate).status.success());

    // Edited after signing, checksum recomputed: the signature no longer matches.
    forge(&d.join("models/s.json"), &d.join("edited.json"), |v| {
        v["grades"]["a"] = 0.99.into();
    });
    assert!(score(d, "edited.json", &[]).status.success(), "without a key only the meaning is checked");
    fails_with(
        &score(d, "edited.json", &["--sign-key", "team.key"]),
        &["edited.json: the signature does not match the bundle's content", "refusing it"],
    );
    fails_with(
        &run(d, &["evaluate", "--data", "data/history.csv", "--model", "edited.json", "--sign-key", "team.key"]),
        &["edited.json: the signature does not match"],
    );
    fails_with(
        &run(d, &["thresholds", "--data", "data/history.csv", "--model", "edited.json", "--sign-key", "team.key"]),
        &["edited.json: the signature does not match"],
    );
    // A signature forged with another key, and a key that is not the signer's.
    fails_with(
        &score(d, "models/s.json", &["--sign-key", "other.key"]),
        &["signed with another key", "other.key has id"],
    );
    // An unsigned bundle when a key is given.
    assert!(train_gbm(d, &["--out", "models/u.json"]).status.success());
    fails_with(
        &score(d, "models/u.json", &["--sign-key", "team.key"]),
        &["models/u.json: the bundle is not signed, but a signing key was given (team.key"],
    );
    // A key too short to be a secret, and a missing key file, stop before any work.
    fs::write(d.join("short.key"), "abc\n").unwrap();
    fails_with(
        &train_gbm(d, &["--out", "models/x.json", "--sign-key", "short.key"]),
        &["short.key: the signing key is 3 bytes"],
    );
    fails_with(&score(d, "models/s.json", &["--sign-key", "missing.key"]), &["missing.key"]);
    assert!(!d.join("models/x.json").exists());
}

#[test]
fn the_format_1_0_fixture_still_loads_after_the_meaning_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/score/bundle_format_1.0_logistic.json");
    let b = Bundle::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.format_version, "1.0");
    assert!(b.signature.is_none());
}

#[cfg(unix)]
#[test]
fn oversized_bundles_rules_and_configs_are_refused_from_their_size_before_parsing() {
    let dir = sample_dir();
    let d = dir.path();
    let sparse = |name: &str, bytes: u64| fs::File::create(d.join(name)).unwrap().set_len(bytes).unwrap();
    // 200 MiB, sparse: took 10.7 s and 3.4 GB to refuse before the limit.
    sparse("huge.json", 200 << 20);
    fails_with(
        &score(d, "huge.json", &[]),
        &["huge.json: the file is 200.0 MiB (209715200 bytes), but a model bundle may be at most 64.0 MiB"],
    );
    fails_with(&run(d, &["inspect", "huge.json"]), &["a model bundle may be at most 64.0 MiB"]);
    sparse("huge.toml", 2 << 20);
    fails_with(
        &run(d, &["rules", "check", "huge.toml"]),
        &["huge.toml: the file is 2.0 MiB", "a rules file may be at most 1.0 MiB"],
    );
    fails_with(
        &run(d, &["score", "--rules", "huge.toml", "--data", "data/open_leads.csv", "--out", "r.csv"]),
        &["a rules file may be at most 1.0 MiB"],
    );
    fails_with(
        &run(d, &["train", "--data", "data/history.csv", "--target", "converted", "--config", "huge.toml"]),
        &["huge.toml: the file is 2.0 MiB", "a config file may be at most 1.0 MiB"],
    );
}
