//! The front door, end to end: the binary as a learner runs it.

use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ai-from-scratch"))
}

#[test]
fn tour_runs_chapter_0_and_reports_the_isa() {
    let out = cli().args(["tour", "--chapter", "0"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Chapter 0"), "{text}");
    assert!(text.contains("gradient check"), "{text}");
    assert!(text.contains("FAIL, as it should"), "the tour's wrong-gradient demo must fail:\n{text}");
}

#[test]
fn aifs_isa_caps_the_whole_run() {
    let out = cli().args(["tour", "--chapter", "0"]).env("AIFS_ISA", "scalar").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SIMD path: scalar"), "{text}");
}

#[test]
fn debug_builds_warn_loudly() {
    let out = cli().args(["tour", "--chapter", "0"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.contains("DEBUG build"), cfg!(debug_assertions), "{err}");
}

#[test]
fn unknown_suite_and_chapter_are_clear_errors() {
    let out = cli().args(["bench", "nonsense"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown bench suite 'nonsense'"));

    let out = cli().args(["tour", "--chapter", "42"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no chapter 42"));

    let out = cli().args(["--no-such-flag"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}

#[test]
fn info_json_is_machine_readable() {
    let out = cli().args(["info", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["fma_peak_gflops"].as_f64().unwrap() > 0.0);
    assert_eq!(v["threads"], 1);
}
