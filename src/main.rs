//! The `strata` binary: parses the command line and runs one command.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(strata::cli::run(&args));
}
