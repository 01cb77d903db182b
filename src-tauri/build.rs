fn main() {
    // Listing the app's commands makes each one need an explicit permission in a capability, so the
    // webview can call exactly what tauri.conf.json grants and nothing more.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "list_profiles",
            "share_file",
            "share_page",
            "choose_files",
            "endpoint_is_insecure",
            "create_request",
            "list_requests",
            "refresh_requests",
            "close_request",
            "delete_arrival",
            "save_arrivals",
            "open_arrival",
            "share_arrival",
            "cancel_share",
            "copy_link",
            "history_page",
            "history_counts",
            "reissue_link",
            "revoke_link",
            "forget_link",
            "settings_profiles",
            "save_profile",
            "remove_profile",
            "set_default_profile",
            "check_profile",
            "provider_presets",
            "parse_expiry",
            "aws_profiles",
            "take_pending_shares",
            "desktop_prefs",
            "set_share_shortcut",
            "set_start_at_login",
        ]),
    ))
    .expect("failed to run the Tauri build script");
}
