//! Records the exact versions of the crates that shape leadscore's numbers (read from
//! Cargo.lock) so every model bundle can state them: polars reads the data, linfa fits the
//! logistic regression, serde_json writes the floats, and rand / rand_chacha decide every
//! split. Where Cargo.lock holds several versions of a crate (another dependency's copy), the
//! one matching our own requirement in Cargo.toml is recorded.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap_or_default();
    let crates = ["polars", "linfa", "linfa-logistic", "ndarray", "serde_json", "rand", "rand_chacha"];
    let mut found: Vec<(String, String)> = Vec::new();
    let mut name = "";
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"');
        } else if let Some(v) = line.strip_prefix("version = ") {
            if crates.contains(&name) {
                found.push((name.to_string(), v.trim_matches('"').to_string()));
            }
        }
    }
    // Our requirement for a crate: `name = "0.9"` or `name = { version = "0.9", ... }`.
    let requirement = |name: &str| -> Option<String> {
        manifest.lines().find_map(|l| {
            let rest = l.trim().strip_prefix(name)?.trim_start().strip_prefix('=')?.trim();
            let rest = rest.strip_prefix('{').map_or(rest, |r| r.split("version").nth(1).unwrap_or(""));
            rest.split('"').nth(1).map(str::to_string)
        })
    };
    let mut out = Vec::new();
    for c in crates {
        let versions: Vec<&String> = found.iter().filter(|(n, _)| n == c).map(|(_, v)| v).collect();
        let pick = match (versions.len(), requirement(c)) {
            (0, _) => None,
            (1, _) | (_, None) => versions.first().copied(),
            (_, Some(req)) => versions.iter().copied().find(|v| v.starts_with(&req)).or(versions.first().copied()),
        };
        if let Some(v) = pick {
            out.push(format!("{c}={v}"));
        }
    }
    println!("cargo:rustc-env=LEADSCORE_DEP_VERSIONS={}", out.join(","));
}
