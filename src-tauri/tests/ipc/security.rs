//! Golden checks of the security baseline (reliability.md R11–R13).

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn one_capability_for_the_main_window_granting_exactly_the_app_commands() {
    let dir = root().join("src-tauri/capabilities");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("capabilities dir").collect();
    assert_eq!(files.len(), 1, "one capability per window; there is one window");
    let cap = json("src-tauri/capabilities/main.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert!(cap.get("remote").is_none(), "no remote capability");
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("str").to_owned())
        .collect();
    granted.sort();
    let mut expected: Vec<String> =
        spo_ipc::commands::ALL.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    expected.extend(["core:event:allow-listen".to_owned(), "core:event:allow-unlisten".to_owned()]);
    expected.sort();
    assert_eq!(granted, expected, "the main window gets the app's commands and event listening, nothing else");
}

#[test]
fn config_sets_a_strict_csp_and_frozen_prototypes() {
    let conf = json("tauri.conf.json");
    assert_eq!(conf["identifier"], spo_app::IDENTIFIER, "keychain service and data folder follow the identifier");
    let sec = &conf["app"]["security"];
    assert_eq!(sec["freezePrototype"], true);
    assert_eq!(sec["capabilities"], serde_json::json!(["main"]));
    let csp = &sec["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self' 'wasm-unsafe-eval'");
    // 'self' lets the page fetch its own wasm module; ipc: carries the commands.
    assert_eq!(csp["connect-src"], "'self' ipc: http://ipc.localhost");
    assert_eq!(csp["object-src"], "'none'");
    // Every source in every directive is local: no remote host, no inline code, no eval.
    let allowed = ["'self'", "'none'", "'wasm-unsafe-eval'", "data:", "ipc:", "http://ipc.localhost"];
    for (directive, value) in csp.as_object().expect("csp as an object") {
        for source in value.as_str().expect("string").split_whitespace() {
            assert!(allowed.contains(&source), "{directive}: {source} is not allowed in the CSP");
        }
    }
    assert!(conf["build"].get("devUrl").is_none(), "the window always loads the bundled UI");
    let windows = conf["app"]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0]["label"], "main");
}

#[test]
fn tauri_is_recent_enough() {
    // GHSA-7gmj-67g7-phm9 is fixed in 2.11.1.
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("\nname = \"tauri\"\n"))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_owned())
        .expect("tauri in Cargo.lock");
    let parts: Vec<u64> = version.split(['.', '-']).take(3).map(|x| x.parse().expect("number")).collect();
    assert!(parts[0] == 2 && (parts[1] > 11 || (parts[1] == 11 && parts[2] >= 1)), "tauri {version} < 2.11.1");
}
