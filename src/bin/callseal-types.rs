//! Writes the package's generated TypeScript types: the values callseal's wasm returns
//! (`MessageHeader`, `Finding`, `Decision`, ...), `CallsealErrorCode` and the suites, declared
//! from the Rust types that define them (ts-rs). Type declarations and one constant: nothing of
//! it is wasm code.
//!
//!   callseal-types [FILE]   (default: stdout; scripts/build-wasm.sh writes the package's copy,
//!                            tests/ts_types.rs holds pkg-config/src/lib/generated.ts to it)

use std::io::Write;

fn main() {
    let text = callseal::ts_types::module();
    match std::env::args_os().nth(1) {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("callseal-types: {}: {e}", path.to_string_lossy());
                std::process::exit(1);
            }
        }
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
}
