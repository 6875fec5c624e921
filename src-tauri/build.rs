//! Tauri's build step, with the app's own commands listed so that the
//! capability file can allow exactly those and nothing else.

const COMMANDS: &[&str] = &[
    "status",
    "restart",
    "info",
    "list",
    "get",
    "body",
    "remove",
    "clear",
    "pin",
    "stats",
    "inspect",
    "endpoints",
    "put_endpoint",
    "delete_endpoint",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).expect("tauri build step failed");
}
