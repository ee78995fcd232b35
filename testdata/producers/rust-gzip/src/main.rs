//! rust-gzip compresses stdin to stdout with flate2's `GzEncoder` on its pure-Rust backend
//! (miniz_oxide), as maturin and most Rust tools do, to make test vectors for deltafetch.
//!
//! Usage: rust-gzip LEVEL < input > output.gz   (LEVEL 0 to 9; flate2's default is 6)
//!
//! The input is written in one `write_all`; the header is flate2's default (mtime 0, no name).
use std::io::{self, Read, Write};

fn main() {
    let level: u32 = match std::env::args().nth(1).and_then(|a| a.parse().ok()) {
        Some(level) if level <= 9 => level,
        _ => {
            eprintln!("usage: rust-gzip LEVEL < input > output.gz");
            std::process::exit(2);
        }
    };
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input).expect("read stdin");
    let stdout = io::stdout();
    let mut encoder = flate2::write::GzEncoder::new(stdout.lock(), flate2::Compression::new(level));
    encoder.write_all(&input).expect("compress");
    encoder.finish().expect("finish").flush().expect("flush");
}
