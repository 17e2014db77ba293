//! Records the exact versions of the crates that shape leadscore's numbers (read from
//! Cargo.lock) so every model bundle can state them.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut found = Vec::new();
    let mut name = "";
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"');
        } else if let Some(v) = line.strip_prefix("version = ") {
            if ["polars", "linfa", "linfa-logistic", "ndarray", "serde_json"].contains(&name) {
                found.push(format!("{name}={}", v.trim_matches('"')));
            }
        }
    }
    println!("cargo:rustc-env=LEADSCORE_DEP_VERSIONS={}", found.join(","));
}
