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
    gentoo_bridged => "gentoo-bridged",
    debian_bridged => "debian-bridged",
    networkd_bridged => "networkd-bridged",
    gentoo_host_only => "gentoo-host-only",
    debian_host_only => "debian-host-only",
    networkd_host_only => "networkd-host-only",
    gentoo_private => "gentoo-private",
    debian_private => "debian-private",
    networkd_private => "networkd-private",
    gentoo_user_content => "gentoo-user-content",
    gentoo_nat => "gentoo-nat",
    debian_nat => "debian-nat",
    gentoo_internal => "gentoo-internal",
    debian_internal => "debian-internal",
    gentoo_scenario5_ufw => "gentoo-scenario5-ufw",
    debian_scenario5_ufw => "debian-scenario5-ufw",
    gentoo_scenario5_nftables => "gentoo-scenario5-nftables",
    debian_scenario5_nftables => "debian-scenario5-nftables",
    gentoo_mac_nat => "gentoo-mac-nat",
    debian_mac_nat => "debian-mac-nat",
    fedora_laptop => "fedora-laptop",
    ubuntu_desktop_laptop => "ubuntu-desktop-laptop",
    ubuntu_coexistence => "ubuntu-coexistence",
    debian_docker_bridged => "debian-docker-bridged",
    debian_docker_mac_nat => "debian-docker-mac-nat",
    issue_10_debian_installer_stanza => "issue-10-debian-installer-stanza",
    issue_10_static_bridge_no_gateway => "issue-10-static-bridge-no-gateway",
    issue_10_ufw_low_level => "issue-10-ufw-low-level",
    issue_10_gentoo_leftovers => "issue-10-gentoo-leftovers",
    debian_combined_iptables => "debian-combined-iptables",
    debian_combined_nftables => "debian-combined-nftables",
    debian_combined_ufw => "debian-combined-ufw",
    mode_only_change => "mode-only-change",
    debian_nat_ipv6 => "debian-nat-ipv6",
    debian_nat_ipv6_duid => "debian-nat-ipv6-duid",
    gentoo_routed_ipv6 => "gentoo-routed-ipv6",
    networkd_nat_ipv6 => "networkd-nat-ipv6",
    networkd_host_only_ipv6 => "networkd-host-only-ipv6",
    debian_internal_ipv6_ufw => "debian-internal-ipv6-ufw",
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

#[test]
fn user_content_survives_byte_for_byte() {
    let case = crate::support::repo().join("tests/cases/gentoo-user-content");
    let before = fs_err::read_to_string(case.join("before/etc/conf.d/net")).unwrap();
    let after = fs_err::read_to_string(case.join("expected/etc/conf.d/net")).unwrap();
    assert!(
        !before.ends_with('\n'),
        "the case must keep a last line without a newline"
    );
    assert!(after.starts_with(&before), "the user's part of /etc/conf.d/net changed");
    assert!(
        after[before.len()..].starts_with("\n# BEGIN hostnet network\n"),
        "{after}"
    );
}
