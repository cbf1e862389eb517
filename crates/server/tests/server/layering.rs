//! The server's layers point one way: handlers (`src/api`, `src/http.rs`)
//! call the domain (`src/domain`), and nothing below the handlers names
//! them. Read from the sources, so a new import the wrong way fails here.

use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

#[test]
fn nothing_below_the_handlers_imports_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let below = [
        "domain",
        "state.rs",
        "revision.rs",
        "scheduler.rs",
        "demo.rs",
        "wake.rs",
        "principal.rs",
        "broadcast",
        "db.rs",
        "cache.rs",
        "validate.rs",
        "sockets.rs",
    ];
    let mut checked = 0;
    for name in below {
        let path = src.join(name);
        let files = if path.is_dir() {
            sources(&path)
        } else {
            vec![(
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            )]
        };
        for (file, text) in files {
            checked += 1;
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            for line in code.filter(|l| l.contains("crate::")) {
                assert!(
                    !line.contains("crate::api") && !line.contains("crate::http"),
                    "{file} reaches up into the handlers: {line}"
                );
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} files read: has the layout moved?"
    );
}
