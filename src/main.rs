fn main() -> std::process::ExitCode {
    tune_allocator();
    threatbook::cli::main()
}

/// Two settings of glibc's allocator, for a program that builds large structures in
/// phases (parse, model, view, text) and drops each before the next:
///
/// - glibc gives each thread that allocates its own heap (arena), and what a thread
///   frees stays in its arena. Model files are parsed on worker threads, then the main
///   thread builds the model and the output: the workers' freed parse trees were pages
///   the main thread never reused. With one arena every thread reuses what another
///   freed (generated, 20,000 components: `check` 277 → 237 MB, `render` 610 → 540 MB
///   and half the system time); threatbook allocates from at most two threads at once.
/// - Blocks of 256 KiB and more (texts of sections, reports, exports) get their own
///   pages, given back when freed. By default glibc raises that threshold to the size
///   of the largest block freed (up to 32 MiB), after which large texts come from the
///   heap and leave it fragmented (stride, 1,000 components: `render --format html`
///   216 → 195 MB, `evidence` 389 → 347 MB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets tuning parameters of the allocator; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
