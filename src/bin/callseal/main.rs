//! `callseal`: the operators' command line.
//!
//! ```text
//! callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin) [...]
//! callseal policy validate FILE... [--type kms-key] [--format text|json|sarif]
//! ```

mod decrypt;
mod output;
mod policy;

const USAGE: &str = "usage: callseal <command> [args]\n\ncommands:\n  decrypt   decrypt an AWS Encryption SDK message (data key from a file or stdin, never argv)\n  policy    validate IAM / KMS key policies (`callseal policy validate --help`)\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("decrypt") => decrypt::run(&args[1..]),
        Some("policy") => policy::run(&args[1..]),
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
