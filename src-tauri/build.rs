fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui/dist");
    // Every app command needs an explicit permission (allow-<command>) granted by a capability:
    // without an app manifest Tauri would allow every registered command in every window.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(spo_ipc::commands::ALL)),
    )
    .expect("failed to run tauri-build");
}
