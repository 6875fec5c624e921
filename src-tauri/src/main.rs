//! Hookscope's desktop window: the core (store, capture listener, control
//! operations) runs in-process on Tauri's runtime, the UI reaches it through a
//! few one-line commands, and new deliveries arrive as coalesced events.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod core;
mod log;

use tauri::Manager as _;

// The same allocator as the `hookscope` binary: the capture path runs here too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `$HOOKSCOPE_HOME/desktop` when HOOKSCOPE_HOME is set.
fn own_folder() -> Option<std::path::PathBuf> {
    std::env::var_os("HOOKSCOPE_HOME").filter(|h| !h.is_empty()).map(|h| std::path::PathBuf::from(h).join("desktop"))
}

/// WebKit's defaults suit a browser tab among many; this is one page that
/// stays open all day. Accelerated compositing keeps GPU-side layers (and,
/// without a GPU, Mesa's software GL) that a list and a text view don't
/// need — off, the web process took 213 MiB PSS → about 120 under Xvfb —
/// and the document-viewer cache model keeps WebKit's memory caches small.
#[cfg(target_os = "linux")]
fn lighten(window: &tauri::WebviewWindow) {
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt as _, WebContextExt as _, WebViewExt};
    let _ = window.with_webview(|webview| {
        let view = webview.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn lighten(_window: &tauri::WebviewWindow) {}

fn main() {
    // Kept alive for the whole run: dropping it flushes and stops the log writer.
    let _log = log::init(&hookscope::app::home_dir());
    tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            // With HOOKSCOPE_HOME set, everything of the app's is under it
            // (a throwaway home for a test, a second profile); else the
            // platform's folders.
            let own = own_folder();
            let settings_path = match &own {
                Some(dir) => dir.join("settings.json"),
                None => app.path().app_config_dir()?.join("settings.json"),
            };
            app.manage(core::Core::new(settings_path));
            // The window is made here (`create: false` in tauri.conf.json) so
            // that WebKit's storage can follow HOOKSCOPE_HOME.
            if let Some(config) = app.config().app.windows.iter().find(|w| w.label == "main") {
                let mut window = tauri::WebviewWindowBuilder::from_config(app.handle(), config)?;
                if let Some(dir) = &own {
                    window = window.data_directory(dir.join("webview"));
                }
                let window = window.build()?;
                lighten(&window);
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let remembered = handle.state::<core::Core>().settings().capture_port;
                core::start(&handle, core::first_capture_addr(remembered)).await;
            });
            Ok(())
        })
        // The list is generated from src/commands.rs by build.rs.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handler.rs")))
        .run(tauri::generate_context!())
        .expect("Hookscope's window could not start");
}
