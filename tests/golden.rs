//! One test per golden case directory under tests/cases/, plus a test that
//! every directory there is listed (a golden nobody runs asserts nothing).

use crate::support::golden::Case;

macro_rules! golden_cases {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                Case::new($dir).check();
            }
        )*

        const CASES: &[&str] = &[$($dir),*];
    };
}

golden_cases! {
    generic_modules => "generic-modules",
    systemd_services => "systemd-services",
}

#[test]
fn every_case_directory_has_a_test() {
    let mut directories: Vec<String> = fs_err::read_dir(crate::support::repo().join("tests/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    directories.sort();
    let mut listed: Vec<String> = CASES.iter().map(|case| (*case).to_owned()).collect();
    listed.sort();
    assert_eq!(directories, listed, "tests/cases/ and golden_cases! disagree");
}
