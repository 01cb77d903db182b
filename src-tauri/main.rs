// No console window on Windows release builds; the command line still gets one when run from a shell.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The window (and every command of the command line).
fn main() -> std::process::ExitCode {
    linkdrop_desktop::main()
}
