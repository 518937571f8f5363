//! IPC contract tests on Tauri's mock runtime: the production handler list, real use cases on a
//! fresh SQLite file, arguments and responses serialised with the same `spo_ipc` types the UI uses.
//! Plus golden checks of the security configuration and the crate dependency rules.

mod architecture;
mod security;
mod source_rules;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use spo_desktop::{build_app, AppState};
use spo_ipc::commands::{self, UpdateSettingsArgs};
use spo_ipc::{DoctorReport, ErrorCode, IpcError, Language, Settings, SettingsPatch, StoreSummary, Theme};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Harness {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = spo_app::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = tauri::async_runtime::block_on(spo_app::App::open(paths, Arc::new(spo_secrets::MemoryStore::new())))
        .expect("open app");
    let tauri_app = build_app(mock_builder())
        .manage(AppState::new(app))
        .build(mock_context(noop_assets()))
        .expect("build mock app");
    let webview = tauri::WebviewWindowBuilder::new(&tauri_app, "main", Default::default()).build().expect("webview");
    Harness { _dir: dir, _app: tauri_app, webview }
}

impl Harness {
    fn invoke_raw(&self, cmd: &str, args: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
        tauri::test::get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<serde_json::Value>().expect("json body"))
    }

    fn invoke<A: Serialize, R: DeserializeOwned>(&self, cmd: &str, args: &A) -> Result<R, IpcError> {
        let args = serde_json::to_value(args).expect("serialise args");
        match self.invoke_raw(cmd, args) {
            Ok(v) => Ok(serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("{cmd}: response does not match the DTO: {e}\n{v}"))),
            Err(v) => Err(serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("{cmd}: error is not an IpcError: {e}\n{v}"))),
        }
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[test]
fn every_contract_command_is_registered() {
    let h = harness();
    for cmd in commands::ALL {
        // Arguments deliberately wrong for commands that take some: a registered command answers
        // with an argument error, an unregistered one with "not found".
        let res = h.invoke_raw(cmd, serde_json::json!({}));
        if let Err(e) = &res {
            let text = e.to_string();
            assert!(!text.contains("not found"), "{cmd} is in spo_ipc::commands::ALL but not registered: {text}");
        }
    }
    let unknown = h.invoke_raw("definitely_not_a_command", serde_json::json!({}));
    assert!(unknown.is_err(), "unknown commands must fail");
}

#[test]
fn app_info_matches_the_build() {
    let h = harness();
    let info: spo_ipc::AppInfo = h.invoke(commands::APP_INFO, &NoArgs {}).expect("app_info");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.identifier, spo_app::IDENTIFIER);
}

#[test]
fn doctor_round_trips_through_the_dto() {
    let h = harness();
    let report: DoctorReport = h.invoke(commands::DOCTOR, &NoArgs {}).expect("doctor");
    assert_eq!(report.database.integrity, "ok");
    assert!(report.database.path.ends_with("spo.sqlite3"));
    assert!(report.keychain.available, "in-memory store in this test");
}

#[test]
fn settings_update_uses_the_ui_argument_shape() {
    let h = harness();
    let s: Settings = h.invoke(commands::GET_SETTINGS, &NoArgs {}).expect("get");
    assert_eq!(s.language, Language::Ar);
    let args = UpdateSettingsArgs { patch: SettingsPatch { language: Some(Language::En), theme: Some(Theme::Dark) } };
    let s: Settings = h.invoke(commands::UPDATE_SETTINGS, &args).expect("update");
    assert_eq!((s.language, s.theme), (Language::En, Theme::Dark));
    let s: Settings = h.invoke(commands::GET_SETTINGS, &NoArgs {}).expect("get again");
    assert_eq!(s.language, Language::En, "the change was stored");
}

#[test]
fn invalid_input_comes_back_as_a_typed_error() {
    let h = harness();
    let args = UpdateSettingsArgs { patch: SettingsPatch::default() };
    let err = h.invoke::<_, Settings>(commands::UPDATE_SETTINGS, &args).expect_err("empty patch");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // A misspelt field is rejected by the command, not silently ignored.
    let res = h.invoke_raw(commands::UPDATE_SETTINGS, serde_json::json!({"patch": {"lang": "en"}}));
    assert!(res.is_err(), "unknown fields must be rejected");
}

#[test]
fn list_stores_is_empty_on_a_fresh_install() {
    let h = harness();
    let stores: Vec<StoreSummary> = h.invoke(commands::LIST_STORES, &NoArgs {}).expect("list");
    assert!(stores.is_empty());
}

#[test]
fn demo_store_and_products_through_ipc() {
    let h = harness();
    let connected: spo_ipc::ConnectedStore = h.invoke(commands::CONNECT_DEMO_STORE, &NoArgs {}).expect("connect demo");
    assert!(connected.imported > 0);
    let args = commands::ListProductsArgs {
        query: spo_ipc::ProductQuery {
            store_id: connected.store.id.clone(),
            search: "قهوة".into(),
            limit: 10,
            offset: 0,
            ..Default::default()
        },
    };
    let page: spo_ipc::ProductPage = h.invoke(commands::LIST_PRODUCTS, &args).expect("list products");
    assert!(page.total > 0 && page.items.len() <= 10);
    assert!(page.items.iter().all(|p| p.name.contains("قهوة")));
    let bad = commands::ListProductsArgs { query: spo_ipc::ProductQuery { limit: 0, ..args.query } };
    let err = h.invoke::<_, spo_ipc::ProductPage>(commands::LIST_PRODUCTS, &bad).expect_err("limit 0");
    assert_eq!(err.code, ErrorCode::InvalidInput);
}
