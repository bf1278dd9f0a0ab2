//! `callseal`: the operators' command line.
//!
//! ```text
//! callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin) [...]
//! callseal policy validate FILE... [--type kms-key] [--format text|json|sarif]
//! callseal seal --bucket B (--key K | --prefix P)      (built with feature `sealer`)
//! bootstrap                    (this binary so named: `callseal seal --lambda`, a Lambda package)
//! ```

mod decrypt;
mod output;
mod policy;
#[cfg(feature = "sealer")]
mod seal;

const USAGE: &str = "usage: callseal <command> [args]\n\ncommands:\n  decrypt   decrypt an AWS Encryption SDK message (data key from a file or stdin, never argv)\n  policy    validate IAM / KMS key policies (`callseal policy validate --help`)\n  seal      seal Amazon Connect's S3 objects as ESDK messages under a KMS key (`callseal seal --help`; feature `sealer`)\n";

fn main() {
    #[cfg(feature = "sealer")]
    if invoked_as_bootstrap() {
        std::process::exit(seal::run(&["--lambda".to_string()]));
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("decrypt") => decrypt::run(&args[1..]),
        Some("policy") => policy::run(&args[1..]),
        #[cfg(feature = "sealer")]
        Some("seal") => seal::run(&args[1..]),
        #[cfg(not(feature = "sealer"))]
        Some("seal") => {
            eprintln!("callseal: this build has no sealer (cargo build --features sealer)");
            2
        }
        Some("--version") | Some("-V") => {
            println!("callseal {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("--help") | Some("-h") | None => {
            print!("{USAGE}");
            if args.is_empty() {
                2
            } else {
                0
            }
        }
        Some(other) => {
            eprintln!("callseal: unknown command `{other}`\n\n{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

/// Lambda's provided.al2023 runtime starts the package's `bootstrap` with no arguments.
#[cfg(feature = "sealer")]
fn invoked_as_bootstrap() -> bool {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    std::path::Path::new(&argv0).file_name() == Some(std::ffi::OsStr::new("bootstrap"))
}
