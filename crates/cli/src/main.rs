// The command line; with no command it starts the window (`linkdrop-desktop`).
fn main() -> std::process::ExitCode {
    linkdrop_cli::main()
}
