//! The `newsfold` binary: parses the command line and hands over to [`newsfold::cli`].
//!
//! mimalloc is the allocator: clustering makes and frees many small vectors per article,
//! and the system allocator's bookkeeping was a tenth of its time.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(newsfold::cli::main());
}
