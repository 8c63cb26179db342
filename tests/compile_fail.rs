//! The misuses the handle guidance forbids do not compile (trybuild, with the expected
//! compiler errors checked in tests/compile-fail/*.stderr).

#[test]
fn handle_misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
}
