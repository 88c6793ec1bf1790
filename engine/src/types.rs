//! Validated value types: once a playbook value is one of these, backends
//! can write it into a config file or an argv without further checks.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A Linux interface name: 1–15 bytes, no `/`, `:`, whitespace or control
/// characters, not `.` or `..` (kernel `dev_valid_name`, plus `:` which
/// ifupdown and netifrc treat as an alias separator).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct InterfaceName(String);

impl InterfaceName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// netifrc's variable suffix: every byte outside `[A-Za-z0-9_]` becomes `_`.
    pub fn shell_var(&self) -> String {
        self.0
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect()
    }
}

impl FromStr for InterfaceName {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        if name.is_empty() {
            return Err("an interface name cannot be empty".into());
        }
        if name.len() > 15 {
            return Err(format!(
                "interface name `{name}` is {} bytes long; Linux allows at most 15",
                name.len()
            ));
        }
        if name == "." || name == ".." {
            return Err(format!("`{name}` is not a valid interface name"));
        }
        // `ifdown --force -a`, `ip link del -a`: a leading `-` is read as an option.
        if name.starts_with('-') {
            return Err(format!(
                "interface name `{name}` starts with `-`, which commands read as an option"
            ));
        }
        // The kernel allows more, but names end up in shell-sourced files
        // (netifrc, ifupdown hooks) and in match patterns (networkd `Name=`
        // globs, nft `iifname` wildcards, iptables `-i eth+`): letters,
        // digits and `_ . -` only.
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(format!(
                "interface name `{}` contains `{}`, which is not allowed",
                name.escape_debug(),
                bad.escape_debug()
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Ethernet MAC address, written lowercase with colons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Group (multicast/broadcast) bit set: not usable as an interface address.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }

    /// Locally administered bit set.
    pub fn is_local(self) -> bool {
        self.0[0] & 2 == 2
    }
}

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split([':', '-']).collect();
        let bad = || format!("`{text}` is not a MAC address (six hex pairs like `52:54:00:12:34:56`)");
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut bytes = [0u8; 6];
        for (byte, part) in bytes.iter_mut().zip(parts) {
            if part.len() != 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of the 17 characters (a MAC per lease, per TAP, per
        // guest: `to_string` then allocates once).
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b':'; 17];
        for (index, byte) in self.0.iter().enumerate() {
            text[index * 3] = HEX[usize::from(byte >> 4)];
            text[index * 3 + 1] = HEX[usize::from(byte & 0xf)];
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A DHCPv6 client's DUID (RFC 8415 §11), as dnsmasq's `id:` writes it:
/// hex pairs separated by `:` (`00:01:00:01:2b:8c:5e:a0:52:54:00:00:01:02`).
/// The first two bytes are its type: 1 (link-layer address plus time), 2
/// (enterprise number), 3 (link-layer address) or 4 (UUID); each type has
/// its least length (UUID: exactly 18 bytes), and no DUID is longer than 130.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duid(Vec<u8>);

impl Duid {
    /// The bytes, type first.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// What a DUID is, for its error messages.
pub const DUID_HINT: &str = "a DUID is the guest's DHCPv6 client identifier, as dnsmasq logs it with \
     `--log-dhcp` or dhclient keeps it (`default-duid`): hex pairs like `00:01:00:01:2b:8c:5e:a0:52:54:00:00:01:02`";

impl FromStr for Duid {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bytes: Option<Vec<u8>> = text
            .split(':')
            .map(|part| (part.len() == 2).then(|| u8::from_str_radix(part, 16).ok()).flatten())
            .collect();
        let Some(bytes) = bytes else {
            return Err(format!("`{text}` is not a DUID (hex pairs separated by `:`)"));
        };
        let kind = match bytes.as_slice() {
            [high, low, ..] => u16::from_be_bytes([*high, *low]),
            _ => return Err(format!("`{text}` is too short for a DUID")),
        };
        let (name, least) = match kind {
            1 => ("link-layer address plus time (type 1)", 9),
            2 => ("enterprise number (type 2)", 7),
            3 => ("link-layer address (type 3)", 5),
            4 => ("UUID (type 4)", 18),
            _ => {
                return Err(format!(
                    "`{text}` is a DUID of type {kind}, which RFC 8415 does not define (1, 2, 3 or 4)"
                ));
            }
        };
        if bytes.len() < least || (kind == 4 && bytes.len() != 18) {
            return Err(format!(
                "`{text}` is {} bytes long, too {} for a DUID of {name}, which has {}{least}",
                bytes.len(),
                if bytes.len() < least { "short" } else { "long" },
                if kind == 4 { "exactly " } else { "at least " },
            ));
        }
        if bytes.len() > 130 {
            return Err(format!(
                "`{text}` is {} bytes long; a DUID has at most 130",
                bytes.len()
            ));
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for Duid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.0.iter().map(|byte| format!("{byte:02x}")).collect();
        f.write_str(&words.join(":"))
    }
}

impl Serialize for Duid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A time in centiseconds (the kernel's bridge timer unit), written in
/// playbooks as seconds (`2`, `1.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Centiseconds(pub u32);

impl Centiseconds {
    /// From seconds with at most two decimals.
    pub fn from_seconds(seconds: f64) -> Result<Self, String> {
        let centis = (seconds * 100.0).round();
        if !(0.0..=4_294_967_295.0).contains(&centis) || ((seconds * 100.0) - centis).abs() > 1e-6 {
            return Err(format!(
                "`{seconds}` is not a time in seconds with at most two decimals"
            ));
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "range checked above"
        )]
        Ok(Self(centis as u32))
    }

    /// Whole seconds, if the value is a whole number of seconds.
    pub fn whole_seconds(self) -> Option<u32> {
        self.0.is_multiple_of(100).then_some(self.0 / 100)
    }

    /// Seconds as text: `2`, `1.5`, `0.25`.
    pub fn seconds_text(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        match frac {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }
}

/// A subnet written as its network address (`172.16.1.0/24`,
/// `fd00:1::/64`): a value with host bits set (`172.16.1.7/24`) is
/// refused, with the subnet it probably means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Subnet(pub ipnet::IpNet);

impl Subnet {
    /// Why `net` is not a subnet, and the subnet it probably means.
    pub fn check(net: ipnet::IpNet) -> Result<Self, (String, String)> {
        if net == net.trunc() {
            Ok(Self(net))
        } else {
            Err((
                format!("`{net}` has host bits set"),
                format!("the subnet is `{}`", net.trunc()),
            ))
        }
    }
}

/// A subnet for a host and its guests: at most a /29 (network, host,
/// broadcast and room for guests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuestSubnet(pub ipnet::Ipv4Net);

impl GuestSubnet {
    /// Why `net` cannot hold a host and guests, with a hint.
    pub fn check(net: ipnet::Ipv4Net) -> Result<Self, (String, String)> {
        let Subnet(_) = Subnet::check(ipnet::IpNet::V4(net))?;
        if net.prefix_len() > 29 {
            return Err((
                format!("`{net}` is too small for a host and guests"),
                "use a /24, e.g. `172.16.1.0/24`".to_owned(),
            ));
        }
        Ok(Self(net))
    }
}

/// The hint every IPv6 prefix error ends with: where a private prefix comes from.
pub const ULA_HINT: &str =
    "use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples";

/// An IPv6 prefix for a host and its guests (`subnet6`): a subnet that
/// routes (not link-local, multicast, loopback or unspecified) and leaves
/// room for a host and guests (at most a /120).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuestSubnet6(pub ipnet::Ipv6Net);

impl GuestSubnet6 {
    /// Why `net` cannot be a guest prefix, with a hint.
    pub fn check(net: ipnet::Ipv6Net) -> Result<Self, (String, String)> {
        let Subnet(_) = Subnet::check(ipnet::IpNet::V6(net))?;
        let first = net.network().segments()[0];
        let kind = if first & 0xffc0 == 0xfe80 {
            Some("link-local (every interface has its own, and no router forwards it)")
        } else if first & 0xff00 == 0xff00 {
            Some("multicast")
        } else if net.network().is_unspecified() || net.network().is_loopback() {
            Some("not a routable prefix")
        } else {
            None
        };
        if let Some(kind) = kind {
            return Err((format!("`{net}` is {kind}"), ULA_HINT.to_owned()));
        }
        if net.prefix_len() > 120 {
            return Err((
                format!("`{net}` is too small for a host and guests"),
                "use a /64, e.g. `fd42:4242:4242:1::/64`".to_owned(),
            ));
        }
        Ok(Self(net))
    }
}

/// Unix permission bits, written in playbooks as an octal string (`"0644"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileMode(pub u32);

impl FromStr for FileMode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let digits = text.strip_prefix("0o").unwrap_or(text);
        match u32::from_str_radix(digits, 8) {
            Ok(mode) if mode <= 0o7777 && !digits.is_empty() => Ok(Self(mode)),
            _ => Err(format!("`{text}` is not an octal file mode like `\"0644\"`")),
        }
    }
}

impl fmt::Display for FileMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

impl Serialize for FileMode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A user or group name as `useradd` accepts them (or a numeric id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AccountName(String);

impl AccountName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountName {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 32
            && !name.starts_with('-')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(format!("`{}` is not a valid user or group name", name.escape_debug()))
        }
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A service (init script or unit) name: what `rc-service`, `rc-update`
/// and `systemctl` take as an argument and what names its runlevel link.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceName(String);

impl ServiceName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ServiceName {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        if name.is_empty() || name.len() > 128 {
            return Err(format!("`{}` is not a service name", name.escape_debug()));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | ':')))
        {
            return Err(format!(
                "service name `{}` contains `{}`, which is not allowed",
                name.escape_debug(),
                bad.escape_debug()
            ));
        }
        if name.starts_with('-') {
            return Err(format!(
                "service name `{name}` starts with `-`, which `rc-service` and `systemctl` read as an option"
            ));
        }
        if name.chars().all(|c| c == '.') {
            return Err(format!(
                "`{name}` is not a service name (it names a directory, not a service)"
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DNS domain name (`lab.example`): labels of letters, digits and `-`
/// (not first or last), each at most 63 bytes, 253 in all (RFC 1035;
/// dnsmasq refuses a file with a longer label).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DomainName(String);

impl DomainName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DomainName {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() || name.len() > 253 {
            return Err(format!("`{}` is not a domain name", name.escape_debug()));
        }
        for label in name.split('.') {
            if label.len() > 63 {
                return Err(format!(
                    "`{name}` is not a domain name: the label `{label}` is {} bytes long, and DNS allows at most 63",
                    label.len()
                ));
            }
            let valid = !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                return Err(format!("`{}` is not a domain name", name.escape_debug()));
            }
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A guest's name: letters, digits, `-`, `_` and `.`, not starting with `-`
/// or `.`, at most 63 bytes. It becomes QEMU's `hostname=` (where `,` and
/// `=` would start new options), a DHCP host name and the seed of its MAC.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct VmName(String);

impl VmName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for VmName {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        if name.is_empty() || name.len() > 63 {
            return Err(format!(
                "VM name `{}` is {} bytes long; VM names are 1 to 63 bytes",
                name.escape_debug(),
                name.len()
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            let why = match bad {
                ',' | '=' => ", which QEMU reads as an option separator",
                _ => ", which is not allowed",
            };
            return Err(format!(
                "VM name `{}` contains `{}`{why}",
                name.escape_debug(),
                bad.escape_debug()
            ));
        }
        if name.starts_with(['-', '.']) {
            return Err(format!("VM name `{name}` starts with `{}`", &name[..1]));
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for VmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn macs_are_written_in_lower_case_hex_pairs() {
        for (text, written) in [
            ("52:54:00:AB:cd:0F", "52:54:00:ab:cd:0f"),
            ("00:00:00:00:00:00", "00:00:00:00:00:00"),
            ("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"),
        ] {
            assert_eq!(text.parse::<super::MacAddr>().unwrap().to_string(), written);
        }
        let mac = super::MacAddr([0x02, 0x10, 0x9a, 0x00, 0x7f, 0xe1]);
        assert_eq!(format!("[{mac}]"), "[02:10:9a:00:7f:e1]");
    }

    #[test]
    fn duids_by_type_and_length() {
        let duid = |text: &str| text.parse::<super::Duid>();
        assert_eq!(
            duid("00:01:00:01:2B:8C:5E:A0:52:54:00:00:01:02").unwrap().to_string(),
            "00:01:00:01:2b:8c:5e:a0:52:54:00:00:01:02"
        );
        assert_eq!(duid("00:03:00:01:52:54:00:00:01:02").unwrap().bytes().len(), 10);
        assert_eq!(
            duid("00:03:00:01:52:54:00:00:01:2").unwrap_err(),
            "`00:03:00:01:52:54:00:00:01:2` is not a DUID (hex pairs separated by `:`)"
        );
        assert_eq!(duid("00").unwrap_err(), "`00` is too short for a DUID");
        assert_eq!(
            duid("00:05:01:02:03").unwrap_err(),
            "`00:05:01:02:03` is a DUID of type 5, which RFC 8415 does not define (1, 2, 3 or 4)"
        );
        assert_eq!(
            duid("00:04:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f").unwrap_err(),
            "`00:04:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f` is 17 bytes long, too short for a DUID of UUID (type 4), which has exactly 18"
        );
        assert_eq!(
            duid("00:04:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11").unwrap_err(),
            "`00:04:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11` is 19 bytes long, too long for a DUID of UUID (type 4), which has exactly 18"
        );
        let long = format!("00:02{}", ":ab".repeat(129));
        assert_eq!(
            duid(&long).unwrap_err(),
            format!("`{long}` is 131 bytes long; a DUID has at most 130")
        );
    }

    use super::*;

    #[test]
    fn interface_names() {
        assert!("br0".parse::<InterfaceName>().is_ok());
        assert_eq!(
            "averyveryverylongname".parse::<InterfaceName>().unwrap_err(),
            "interface name `averyveryverylongname` is 21 bytes long; Linux allows at most 15"
        );
        assert_eq!(
            "eth0:1".parse::<InterfaceName>().unwrap_err(),
            "interface name `eth0:1` contains `:`, which is not allowed"
        );
        assert_eq!("br-lan".parse::<InterfaceName>().unwrap().shell_var(), "br_lan");
        // Names reach shell-sourced files and match globs: no shell or glob characters.
        for bad in [
            "eth0;reboot",
            "tap*",
            "!eth0",
            "a$b",
            "br`x`",
            "a|b",
            "tap?",
            "b[0]",
            "eth+",
        ] {
            assert!(bad.parse::<InterfaceName>().is_err(), "{bad} was accepted");
        }
        assert!("vm$".parse::<AccountName>().is_err());
        assert_eq!(
            "-a".parse::<InterfaceName>().unwrap_err(),
            "interface name `-a` starts with `-`, which commands read as an option"
        );
    }

    #[test]
    fn service_domain_and_vm_names() {
        assert!("dnsmasq".parse::<ServiceName>().is_ok());
        assert!("systemd-networkd.socket".parse::<ServiceName>().is_ok());
        assert_eq!(
            "-l".parse::<ServiceName>().unwrap_err(),
            "service name `-l` starts with `-`, which `rc-service` and `systemctl` read as an option"
        );
        assert!("..".parse::<ServiceName>().is_err());
        assert!(".".parse::<ServiceName>().is_err());
        assert!("a/b".parse::<ServiceName>().is_err());
        assert!("lab.example".parse::<DomainName>().is_ok());
        let long = "a".repeat(64);
        assert_eq!(
            format!("{long}.example").parse::<DomainName>().unwrap_err(),
            format!(
                "`{long}.example` is not a domain name: the label `{long}` is 64 bytes long, and DNS allows at most 63"
            )
        );
        assert!("-x.example".parse::<DomainName>().is_err());
        assert!("win7".parse::<VmName>().is_ok());
        assert_eq!(
            "guest,restrict=off,smb=/".parse::<VmName>().unwrap_err(),
            "VM name `guest,restrict=off,smb=/` contains `,`, which QEMU reads as an option separator"
        );
        assert!("-x".parse::<VmName>().is_err());
    }

    #[test]
    fn macs_and_times() {
        let mac: MacAddr = "00:26:C6:21:CF:02".parse().unwrap();
        assert_eq!(mac.to_string(), "00:26:c6:21:cf:02");
        assert!("01:00:5e:00:00:01".parse::<MacAddr>().unwrap().is_multicast());
        assert_eq!(Centiseconds::from_seconds(1.5).unwrap().seconds_text(), "1.5");
        assert_eq!(Centiseconds::from_seconds(2.0).unwrap().0, 200);
        assert!(Centiseconds::from_seconds(0.001).is_err());
        assert_eq!("0644".parse::<FileMode>().unwrap().to_string(), "0644");
    }
}
