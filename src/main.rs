//! sitetwin binary: parse the command line and hand off to the library.

fn main() -> std::process::ExitCode {
    sitetwin::cli::run()
}
