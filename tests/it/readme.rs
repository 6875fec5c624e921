//! The README's example outputs are the CLI's: every ```console block whose
//! commands start with `$ hookscope` is run (through bash, with this build's
//! `hookscope` first on PATH) and its output compared line for line.

use std::path::Path;

/// (command, expected output) pairs from the README's console blocks.
fn examples(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_console = false;
    let mut current: Option<(String, String)> = None;
    let mut continued = false;
    // A block inside a list item is indented as its fence is.
    let mut indent = 0;
    for raw in readme.lines() {
        if raw.trim_start().starts_with("```") {
            if in_console && let Some(done) = current.take() {
                out.push(done);
            }
            in_console = raw.trim() == "```console";
            indent = raw.len() - raw.trim_start().len();
            continue;
        }
        if !in_console {
            continue;
        }
        let line = raw.get(indent..).unwrap_or(raw.trim_start());
        if continued {
            let (cmd, _) = current.as_mut().expect("a command being continued");
            cmd.push('\n');
            cmd.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(cmd) = line.strip_prefix("$ ") {
            if let Some(done) = current.take() {
                out.push(done);
            }
            continued = cmd.ends_with('\\');
            current = Some((cmd.to_owned(), String::new()));
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    out.retain(|(cmd, _)| cmd.starts_with("hookscope "));
    out
}

#[test]
fn the_readme_examples_print_what_the_cli_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let found = examples(&readme);
    assert!(found.len() >= 3, "the README shows CLI examples: {found:?}");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_hookscope")).parent().unwrap().to_owned();
    let home = tempfile::tempdir().unwrap();
    for (cmd, expected) in found {
        let out = std::process::Command::new("bash")
            .args(["-c", &cmd])
            .env("PATH", format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default()))
            .env("HOOKSCOPE_HOME", home.path())
            .env_remove("HOOKSCOPE_DB")
            .output()
            .unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(printed, expected, "the README's output for `{cmd}` is not what the CLI prints");
    }
}
