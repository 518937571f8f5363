//! The dependency rules of ARCHITECTURE.md, checked on `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};

/// `cargo metadata` of the workspace (its own packages only).
fn metadata() -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("metadata json")
}

fn workspace_deps() -> BTreeMap<String, BTreeSet<String>> {
    metadata()["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|d| d["kind"].is_null() || d["kind"] == "build") // normal + build, not dev
                .map(|d| d["name"].as_str().expect("name").to_owned())
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

fn who_depends_on(deps: &BTreeMap<String, BTreeSet<String>>, pred: impl Fn(&str) -> bool) -> BTreeSet<String> {
    deps.iter().filter(|(_, d)| d.iter().any(|n| pred(n))).map(|(p, _)| p.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn dependency_rules_hold() {
    let deps = workspace_deps();
    assert_eq!(
        who_depends_on(&deps, |n| n == "tauri" || n.starts_with("tauri-")),
        set(&["spo-desktop"]),
        "only the shell knows tauri"
    );
    assert_eq!(
        who_depends_on(&deps, |n| n.starts_with("sqlx")),
        set(&["spo-store", "spo-sync"]),
        "only the local storage and the team database know sqlx"
    );
    assert_eq!(
        who_depends_on(&deps, |n| n == "rusqlite"),
        set(&["spo-store"]),
        "only the local storage knows rusqlite (its bulk reads and run records)"
    );
    assert_eq!(
        who_depends_on(&deps, |n| n.starts_with("keyring") || n.ends_with("keyring-store")),
        set(&["spo-secrets"]),
        "only spo-secrets knows the keychain"
    );
    assert!(
        who_depends_on(&deps, |n| n == "tauri-plugin-shell" || n == "tauri-plugin-fs").is_empty(),
        "no shell or fs plugins"
    );

    let internal =
        |p: &str| -> BTreeSet<String> { deps[p].iter().filter(|d| d.starts_with("spo-")).cloned().collect() };
    assert_eq!(internal("spo-ui"), set(&["spo-ipc"]), "the UI knows only the IPC contract");
    assert!(internal("spo-ipc").is_empty());
    assert!(internal("spo-domain").is_empty());
    assert_eq!(
        deps["spo-domain"].iter().filter(|d| !d.starts_with("spo-")).cloned().collect::<BTreeSet<_>>(),
        set(&["serde", "serde_json", "thiserror"]),
        "the domain has no IO dependencies"
    );
    assert_eq!(deps["spo-ipc"], set(&["serde"]), "the IPC crate is serde only (it builds for wasm32)");
    for adapter in ["spo-store", "spo-secrets", "spo-salla", "spo-sync"] {
        assert_eq!(internal(adapter), set(&["spo-domain"]), "{adapter} depends on the domain only");
    }
    assert!(internal("spo-salla-sim").is_empty(), "the simulated Salla is self-contained");
    assert_eq!(internal("spo-extract"), set(&["spo-domain"]), "extraction depends on the domain only");
    assert!(internal("spo-fetch").is_empty(), "the fetcher is self-contained: no storage, no domain, no UI");
    assert!(internal("spo-tavily").is_empty(), "the search client is self-contained");
    assert!(internal("spo-llm").is_empty(), "the language-model client is self-contained");
    assert!(internal("spo-agents").is_empty(), "the scheduler is self-contained: jobs are handed to it");
    assert_eq!(
        deps["spo-extract"].iter().filter(|d| !d.starts_with("spo-")).cloned().collect::<BTreeSet<_>>(),
        set(&["ego-tree", "scraper", "serde_json", "thiserror"]),
        "extraction is pure: an HTML parser (and the tree it builds) and JSON, no network, no clock, no storage"
    );
    assert_eq!(
        who_depends_on(&deps, |n| n == "spo-salla-sim"),
        set(&["spo-app"]),
        "only the app (for the demo store) links the simulator outside tests"
    );
    assert_eq!(internal("spo-desktop"), set(&["spo-app", "spo-ipc"]), "the shell talks to spo-app only");
    assert_eq!(internal("spo-cli"), set(&["spo-app", "spo-ipc"]), "the CLI talks to spo-app only");
}

#[test]
fn the_demo_server_s_fault_injection_is_for_tests_only() {
    let meta = metadata();
    let mut dev_users = BTreeSet::new();
    for p in meta["packages"].as_array().expect("packages") {
        for d in p["dependencies"].as_array().expect("deps") {
            let faults = d["features"].as_array().is_some_and(|f| f.iter().any(|f| f == "faults"));
            if d["name"] != "spo-salla-sim" || !faults {
                continue;
            }
            let name = p["name"].as_str().expect("name").to_owned();
            assert_eq!(d["kind"], "dev", "{name} enables the demo server's fault injection outside its tests");
            dev_users.insert(name);
        }
    }
    assert!(dev_users.contains("spo-app"), "the app's tests inject faults: {dev_users:?}");
}

#[test]
fn unsafe_code_is_forbidden_everywhere_but_the_allocator_call() {
    let meta = metadata();
    let mut own_lints = BTreeSet::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("name");
        let manifest = std::fs::read_to_string(p["manifest_path"].as_str().expect("manifest")).expect("Cargo.toml");
        if !manifest.contains("[lints]\nworkspace = true") {
            own_lints.insert(name.to_owned());
        }
    }
    assert_eq!(
        own_lints,
        set(&["spo-memory"]),
        "every crate takes the workspace's lints (unsafe_code = forbid) except spo-memory, whose one \
         foreign call returns freed memory to the system"
    );
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/memory/src/lib.rs")).expect("lib");
    assert_eq!(lib.matches("unsafe {").count(), 1, "spo-memory holds exactly one unsafe block");
}
