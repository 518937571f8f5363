//! Rules of ARCHITECTURE.md checked on the source: no two modules of a crate import each other,
//! and the pricing lifecycle crosses the IPC and storage boundaries as enums, not text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository root (the desktop package's manifest lives there).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The crate's top-level module a file belongs to (`None` for the crate root).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.trim_end_matches(".rs").to_owned();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// The top-level modules each module names through `crate::…` (tests excluded).
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let Some(module) = module_of(src, &file) else { continue };
        let text = std::fs::read_to_string(&file).expect("read");
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let refs = graph.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                group.split('}').next().unwrap_or_default().split(',').map(|p| p.trim().to_owned()).collect()
            } else {
                vec![rest.to_owned()]
            };
            for n in names {
                let head: String = n.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if head.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && head != module && head != "self" {
                    refs.insert(head);
                }
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for krate in
        ["crates/app/src", "crates/store/src", "crates/domain/src", "crates/sync/src", "ui/src", "crates/cli/src"]
    {
        let graph = module_graph(&repo().join(krate));
        let mut cycles = Vec::new();
        for (a, refs) in &graph {
            for b in refs {
                if a < b && graph.get(b).is_some_and(|r| r.contains(a)) {
                    cycles.push(format!("{a} ↔ {b}"));
                }
            }
        }
        assert!(cycles.is_empty(), "{krate}: modules that import each other: {cycles:?}");
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("lib.rs"), "mod a; mod b;").expect("lib");
    std::fs::write(dir.path().join("a.rs"), "use crate::b::f;").expect("a");
    std::fs::write(dir.path().join("b.rs"), "pub fn f() { crate::a::g() }").expect("b");
    let g = module_graph(dir.path());
    assert!(g["a"].contains("b") && g["b"].contains("a"));
}

/// Salla's own vocabularies, kept as Salla spells them: an order status is a slug the merchant can
/// define (custom order statuses), and a product status is whatever Salla sends (`sale`, `out`,
/// `hidden`, and `deleted` in some answers); an import must never fail on a value Salla adds.
const SALLA_TEXT: &[&str] = &[
    "crates/store/src/orders.rs: ImportedOrder.status",
    "crates/store/src/products.rs: ImportedProduct.status",
    "crates/store/src/products.rs: ProductFilter.status",
    "crates/store/src/products.rs: ProductRow.status",
    "crates/ipc/src/dto/products.rs: ProductQuery.status",
    "crates/ipc/src/dto/products.rs: ProductItem.status",
];

#[test]
fn lifecycle_fields_cross_the_boundaries_as_enums() {
    // Compile-time: the decision lifecycle is typed on both sides of each boundary.
    fn _ipc(d: spo_ipc::Decision) -> (spo_ipc::DecisionStatus, spo_ipc::RiskLevel) {
        (d.status, d.risk)
    }
    fn _args(a: spo_ipc::commands::ListDecisionsArgs) -> Vec<spo_ipc::DecisionStatus> {
        a.statuses
    }
    let mut found = BTreeSet::new();
    for dir in ["crates/ipc/src", "crates/store/src"] {
        for file in rust_files(&repo().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("read");
            let rel = file.strip_prefix(repo()).expect("in repo").to_string_lossy().replace('\\', "/");
            let mut owner = String::new();
            for line in text.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum ")) {
                    owner = rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("").to_owned();
                    continue;
                }
                let Some(field) = line.strip_prefix("pub ") else { continue };
                let Some((name, ty)) = field.split_once(": ") else { continue };
                let lifecycle = ["status", "kind", "risk", "scope", "strategy", "state", "role", "phase", "method"]
                    .iter()
                    .any(|k| name == *k || name.ends_with(&format!("_{k}")))
                    || name == "availability";
                // A PostgreSQL role's name is an identifier, not a state.
                let identifier = name == "db_role";
                if lifecycle && !identifier && (ty.starts_with("String") || ty.starts_with("Option<String>")) {
                    found.insert(format!("{rel}: {owner}.{name}"));
                }
            }
        }
    }
    let allowed: BTreeSet<String> = SALLA_TEXT.iter().map(|s| (*s).to_owned()).collect();
    let new: Vec<&String> = found.difference(&allowed).collect();
    assert!(new.is_empty(), "text-typed status/kind fields (make them enums): {new:?}");
    let gone: Vec<&String> = allowed.difference(&found).collect();
    assert!(gone.is_empty(), "no longer text; remove them from SALLA_TEXT: {gone:?}");
    for typed in ["crates/store/src/pricing.rs: DecisionRow.risk", "crates/ipc/src/dto/pricing.rs: Decision.risk"] {
        assert!(!found.contains(typed), "{typed} must stay an enum");
    }
}
