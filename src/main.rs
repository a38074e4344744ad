fn main() -> std::process::ExitCode {
    threatbook::cli::main()
}
