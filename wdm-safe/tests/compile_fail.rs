//! Each rule a type of the layer claims is tried from safe code, and must not compile
//! (trybuild, with the expected compiler errors in tests/compile-fail/*.stderr).

#[test]
fn misuse_of_the_layer_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
}
