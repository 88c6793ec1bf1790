//! Values after templating, each with the position of the YAML it came from.
//!
//! A template renders to text or to a native value (`{{ vms }}` is a list);
//! either way the result is an [`Arg`] that keeps the position of the YAML
//! value it came from, and [`FromArg`] converts it into its type with that
//! position on failure. [`At`] is a typed value with its position. This file
//! is a leaf: it knows YAML nodes' keys and positions, nothing of modules,
//! templates or the model.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use minijinja::Value;
use minijinja::value::ValueKind;

use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Result};
use crate::root::SysPath;
use crate::source::Pos;
use crate::types::{
    AccountName, Centiseconds, DomainName, FileMode, GuestSubnet, GuestSubnet6, InterfaceName, MacAddr, ServiceName,
    Subnet, VmName,
};
use crate::yaml::Key;

/// A templated value with the position of the YAML it came from.
#[derive(Clone, Debug)]
pub struct Arg {
    /// Where the value was written.
    pub pos: Pos,
    /// The value.
    pub value: ArgValue,
}

/// A templated value's shape.
#[derive(Clone, Debug)]
pub enum ArgValue {
    /// A scalar (string, number, bool, none).
    Scalar(Value),
    /// A list.
    Seq(Vec<Arg>),
    /// A mapping.
    Map(Vec<(Key, Arg)>),
}

impl Arg {
    /// Build from a native template value; nested items share `pos`.
    pub fn from_value(pos: &Pos, value: &Value) -> Self {
        let value = match value.kind() {
            ValueKind::Seq | ValueKind::Iterable => ArgValue::Seq(
                value
                    .try_iter()
                    .map(|items| items.map(|item| Self::from_value(pos, &item)).collect())
                    .unwrap_or_default(),
            ),
            ValueKind::Map => ArgValue::Map(
                value
                    .try_iter()
                    .map(|keys| {
                        keys.map(|key| {
                            let item = value.get_item(&key).unwrap_or_default();
                            (
                                Key {
                                    name: key.to_string(),
                                    pos: pos.clone(),
                                },
                                Self::from_value(pos, &item),
                            )
                        })
                        .collect()
                    })
                    .unwrap_or_default(),
            ),
            _ => ArgValue::Scalar(value.clone()),
        };
        Self {
            pos: pos.clone(),
            value,
        }
    }

    /// Back to a template value (for `loop` items and `vars`).
    pub fn to_value(&self) -> Value {
        match &self.value {
            ArgValue::Scalar(value) => value.clone(),
            ArgValue::Seq(items) => Value::from(items.iter().map(Self::to_value).collect::<Vec<_>>()),
            ArgValue::Map(entries) => {
                map_value(entries.iter().map(|(key, value)| (key.name.clone(), value.to_value())))
            }
        }
    }

    /// Is this null/none (an omitted optional value)?
    pub fn is_none(&self) -> bool {
        matches!(&self.value, ArgValue::Scalar(value) if value.is_none() || value.is_undefined())
    }

    /// Describe the value for "expected X, found Y".
    pub fn describe(&self) -> String {
        match &self.value {
            ArgValue::Seq(_) => "a list".into(),
            ArgValue::Map(_) => "a mapping".into(),
            ArgValue::Scalar(value) => match value.kind() {
                ValueKind::String => format!("the string `{}`", value.as_str().unwrap_or_default()),
                ValueKind::Bool => format!("the boolean `{value}`"),
                ValueKind::Number => format!("the number `{value}`"),
                ValueKind::None | ValueKind::Undefined => "nothing (null)".into(),
                _ => format!("`{value}`"),
            },
        }
    }

    /// A type error at this value.
    pub fn type_error(&self, expected: &str) -> Error {
        Error::at(
            &self.pos,
            ErrorKind::Type {
                expected: expected.to_owned(),
                found: self.describe(),
            },
        )
    }

    /// The scalar as text (strings, numbers, bools), or a type error.
    pub fn text(&self, expected: &str) -> Result<String> {
        match &self.value {
            ArgValue::Scalar(value) => match value.kind() {
                ValueKind::String => Ok(value.as_str().unwrap_or_default().to_owned()),
                ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
                _ => Err(self.type_error(expected)),
            },
            _ => Err(self.type_error(expected)),
        }
    }

    /// Entries of a mapping, or a type error.
    pub fn entries(&self, expected: &str) -> Result<&[(Key, Arg)]> {
        match &self.value {
            ArgValue::Map(entries) => Ok(entries),
            _ => Err(self.type_error(expected)),
        }
    }

    /// Items of a list, or a type error.
    pub fn items(&self, expected: &str) -> Result<&[Arg]> {
        match &self.value {
            ArgValue::Seq(items) => Ok(items),
            _ => Err(self.type_error(expected)),
        }
    }

    fn parse_text<T: FromStr<Err = String>>(&self, expected: &str) -> Result<T> {
        let text = self.text(expected)?;
        text.parse()
            .map_err(|message: String| Error::at(&self.pos, ErrorKind::InvalidValue { message, hint: None }))
    }
}

/// Conversion of a templated value into a typed argument.
pub trait FromArg: Sized {
    /// Convert, with the value's position on failure.
    fn from_arg(arg: &Arg) -> Result<Self>;

    /// Convert an argument the caller owns (an [`Arg`] itself is moved,
    /// not copied: a list of 1,000 VMs).
    fn from_owned_arg(arg: Arg) -> Result<Self> {
        Self::from_arg(&arg)
    }
}

impl FromArg for String {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let text = arg.text("a string")?;
        if text.contains('\0') {
            return Err(arg.type_error("a string without NUL bytes"));
        }
        Ok(text)
    }
}

impl FromArg for bool {
    fn from_arg(arg: &Arg) -> Result<Self> {
        match &arg.value {
            ArgValue::Scalar(value) if value.kind() == ValueKind::Bool => Ok(value.is_true()),
            ArgValue::Scalar(value) => match value.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("yes" | "true" | "on" | "1") => Ok(true),
                Some("no" | "false" | "off" | "0") => Ok(false),
                _ => Err(arg.type_error("a boolean (`true` or `false`)")),
            },
            _ => Err(arg.type_error("a boolean (`true` or `false`)")),
        }
    }
}

fn integer(arg: &Arg, expected: &str) -> Result<i64> {
    match &arg.value {
        ArgValue::Scalar(value) if value.kind() == ValueKind::Number => {
            i64::try_from(value.clone()).map_err(|_| arg.type_error(expected))
        }
        ArgValue::Scalar(value) if value.kind() == ValueKind::String => value
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| arg.type_error(expected)),
        _ => Err(arg.type_error(expected)),
    }
}

macro_rules! integer_arg {
    ($($type:ty => $expected:literal),* $(,)?) => {$(
        impl FromArg for $type {
            fn from_arg(arg: &Arg) -> Result<Self> {
                let value = integer(arg, $expected)?;
                <$type>::try_from(value).map_err(|_| arg.type_error($expected))
            }
        }
    )*};
}

integer_arg! {
    u8 => "an integer from 0 to 255",
    u16 => "an integer from 0 to 65535",
    u32 => "a non-negative integer",
    i64 => "an integer",
}

impl FromArg for f64 {
    fn from_arg(arg: &Arg) -> Result<Self> {
        match &arg.value {
            ArgValue::Scalar(value) if value.kind() == ValueKind::Number => {
                f64::try_from(value.clone()).map_err(|_| arg.type_error("a number"))
            }
            ArgValue::Scalar(value) if value.kind() == ValueKind::String => value
                .as_str()
                .unwrap_or_default()
                .trim()
                .parse()
                .map_err(|_| arg.type_error("a number")),
            _ => Err(arg.type_error("a number")),
        }
    }
}

impl<T: FromArg> FromArg for Vec<T> {
    fn from_arg(arg: &Arg) -> Result<Self> {
        match &arg.value {
            ArgValue::Seq(items) => items.iter().map(T::from_arg).collect(),
            // A single value where a list is expected is a list of one (Ansible does the same).
            _ if arg.is_none() => Ok(Vec::new()),
            _ => Ok(vec![T::from_arg(arg)?]),
        }
    }
}

impl FromArg for Arg {
    fn from_arg(arg: &Arg) -> Result<Self> {
        Ok(arg.clone())
    }

    fn from_owned_arg(arg: Arg) -> Result<Self> {
        Ok(arg)
    }
}

/// A value with the position it was written at.
#[derive(Clone, Debug)]
pub struct At<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Pos,
}

impl<T: FromArg> FromArg for At<T> {
    fn from_arg(arg: &Arg) -> Result<Self> {
        Ok(Self {
            value: T::from_arg(arg)?,
            pos: arg.pos.clone(),
        })
    }
}

macro_rules! parsed_arg {
    ($($type:ty => $expected:literal),* $(,)?) => {$(
        impl FromArg for $type {
            fn from_arg(arg: &Arg) -> Result<Self> {
                arg.parse_text($expected)
            }
        }
    )*};
}

parsed_arg! {
    InterfaceName => "an interface name",
    ServiceName => "a service name",
    DomainName => "a domain name",
    VmName => "a VM name",
    MacAddr => "a MAC address",
    FileMode => "an octal file mode",
    AccountName => "a user or group name",
}

fn parse_std<T: FromStr>(arg: &Arg, expected: &str, what: &str) -> Result<T> {
    let text = arg.text(expected)?;
    text.trim().parse().map_err(|_| {
        Error::at(
            &arg.pos,
            ErrorKind::InvalidValue {
                message: format!("`{text}` is not {what}"),
                hint: None,
            },
        )
    })
}

impl FromArg for IpAddr {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(arg, "an IP address", "an IP address")
    }
}

impl FromArg for Ipv4Addr {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(arg, "an IPv4 address", "an IPv4 address")
    }
}

impl FromArg for IpNet {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(
            arg,
            "an address with prefix",
            "an address with a prefix length like `172.16.1.1/24`",
        )
    }
}

impl FromArg for Ipv4Net {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(
            arg,
            "an IPv4 address with prefix",
            "an IPv4 address with a prefix length like `172.16.1.1/24`",
        )
    }
}

impl FromArg for crate::types::Duid {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let text = arg.text("a DUID")?;
        text.trim().parse().map_err(|message: String| {
            Error::at(
                &arg.pos,
                ErrorKind::InvalidValue {
                    message,
                    hint: Some(crate::types::DUID_HINT.to_owned()),
                },
            )
        })
    }
}

impl FromArg for Ipv6Addr {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(arg, "an IPv6 address", "an IPv6 address")
    }
}

impl FromArg for Ipv6Net {
    fn from_arg(arg: &Arg) -> Result<Self> {
        parse_std(arg, "an IPv6 prefix", "an IPv6 prefix like `fd42:4242:4242:1::/64`")
    }
}

impl FromArg for GuestSubnet6 {
    fn from_arg(arg: &Arg) -> Result<Self> {
        Self::check(Ipv6Net::from_arg(arg)?).map_err(|(message, hint)| Error::invalid(&arg.pos, message, Some(hint)))
    }
}

impl FromArg for Subnet {
    fn from_arg(arg: &Arg) -> Result<Self> {
        Self::check(IpNet::from_arg(arg)?).map_err(|(message, hint)| Error::invalid(&arg.pos, message, Some(hint)))
    }
}

impl FromArg for GuestSubnet {
    fn from_arg(arg: &Arg) -> Result<Self> {
        Self::check(Ipv4Net::from_arg(arg)?).map_err(|(message, hint)| Error::invalid(&arg.pos, message, Some(hint)))
    }
}

impl FromArg for SysPath {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let text = arg.text("an absolute path")?;
        Self::new(&text).map_err(|message| Error::at(&arg.pos, ErrorKind::InvalidValue { message, hint: None }))
    }
}

impl FromArg for Centiseconds {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let seconds = f64::from_arg(arg).map_err(|_| arg.type_error("a time in seconds"))?;
        Self::from_seconds(seconds)
            .map_err(|message| Error::at(&arg.pos, ErrorKind::InvalidValue { message, hint: None }))
    }
}

/// A variable scope: names to values, in insertion order.
pub type Scope = IndexMap<String, Value>;

/// A scope as a template value.
pub fn scope_value(scope: &Scope) -> Value {
    map_value(scope.iter().map(|(name, value)| (name.clone(), value.clone())))
}

/// A mapping value from pairs, in order.
pub fn map_value(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::from_object(
        entries
            .into_iter()
            .map(|(name, value)| (Value::from(name), value))
            .collect::<IndexMap<Value, Value>>(),
    )
}
