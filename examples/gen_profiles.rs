//! Writes a realistic `config` + `credentials` pair with N profiles (see `mfatui::sample`).
//!
//! Usage: cargo run --release --example gen_profiles -- N DIR

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(dir)) = (
        args.next().and_then(|n| n.parse::<usize>().ok()),
        args.next(),
    ) else {
        eprintln!("usage: gen_profiles N DIR");
        std::process::exit(2);
    };
    let (config, credentials) = mfatui::sample::generate(n);
    std::fs::create_dir_all(&dir).expect("create DIR");
    std::fs::write(format!("{dir}/config"), config).expect("write config");
    std::fs::write(format!("{dir}/credentials"), credentials).expect("write credentials");
}
