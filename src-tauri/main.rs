// No console window on Windows release builds; the command line still gets one when run from a shell.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    linkdrop::main()
}
