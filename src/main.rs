fn main() -> std::process::ExitCode {
    one_malloc_arena();
    threatbook::cli::main()
}

/// glibc gives each thread that allocates its own heap (arena), and what a thread frees
/// stays in its arena. Model files are parsed on worker threads, then the main thread
/// builds the model and the output: the workers' freed parse trees were pages the main
/// thread never reused. With one arena every thread reuses what another freed
/// (generated, 20,000 components: `check` 277 → 237 MB, `render` 610 → 540 MB and half
/// the system time); threatbook allocates from at most two threads at once.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}
