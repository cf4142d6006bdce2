//! The gateway alone, for a server without a display: the same commands as `sitetwin gateway`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    sitetwin_gateway::cli::main(sitetwin_gateway::cli::GatewayArgs::parse())
}
