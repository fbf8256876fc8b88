//! The `newsfold` binary: parses the command line and hands over to [`newsfold::cli`].
fn main() {
    std::process::exit(newsfold::cli::main());
}
