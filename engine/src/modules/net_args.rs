//! Argument types shared by the network modules.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{AddressConfig, Route, Written};
use crate::value::{Arg, ArgValue, FromArg};

impl FromArg for AddressConfig {
    fn from_arg(arg: &Arg) -> Result<Self> {
        if let ArgValue::Scalar(value) = &arg.value
            && let Some(text) = value.as_str()
        {
            match text {
                "none" => return Ok(Self::None),
                "dhcp" => return Ok(Self::Dhcp),
                _ => {}
            }
        }
        let addresses = Vec::<IpNet>::from_arg(arg).map_err(|error| match error.kind {
            ErrorKind::InvalidValue { message, .. } => Error::at(
                error.pos.as_ref().unwrap_or(&arg.pos),
                ErrorKind::InvalidValue {
                    message,
                    hint: Some("`address` is `none`, `dhcp`, or addresses with prefix like `172.16.1.1/24`".into()),
                },
            ),
            _ => error,
        })?;
        Ok(Self::Static(addresses))
    }
}

/// A route as written: through a gateway, or (no `via`) on the link itself.
pub(super) enum RouteArg {
    /// `{to, via, metric}`.
    Via(Route),
    /// `{to}`: the destination is on the link.
    Link(IpNet),
}

impl FromArg for RouteArg {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let entries = arg.entries("a route (`to`, `via`, `metric`)")?;
        // Only `to` (not `default`): a route on the link. Anything else is a
        // route through a gateway, with its own errors (a missing `via`, a
        // misspelt key): a default route or a metric without a gateway is
        // not something every target writes the same way.
        let [(key, to)] = entries else {
            return Route::from_arg(arg).map(Self::Via);
        };
        if key.name != "to" || to.text("a destination")? == "default" {
            return Route::from_arg(arg).map(Self::Via);
        }
        Ok(Self::Link(IpNet::from_arg(to)?))
    }
}

impl FromArg for Route {
    fn from_arg(arg: &Arg) -> Result<Self> {
        let entries = arg.entries("a route (`to`, `via`, `metric`)")?;
        let mut to = None;
        let mut via = None;
        let mut metric = None;
        for (key, value) in entries {
            match key.name.as_str() {
                "to" => {
                    let text = value.text("a destination")?;
                    to = if text == "default" {
                        None
                    } else {
                        Some(IpNet::from_arg(value)?)
                    };
                }
                "via" => via = Some(IpAddr::from_arg(value)?),
                "metric" => metric = Some(u32::from_arg(value)?),
                _ => {
                    return Err(Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "a route",
                            suggestion: crate::error::suggest(&key.name, ["to", "via", "metric"]),
                            expected: vec!["to", "via", "metric"],
                        },
                    ));
                }
            }
        }
        let via = via.ok_or_else(|| {
            Error::at(
                &arg.pos,
                ErrorKind::MissingKey {
                    key: "via".into(),
                    context: "a route".into(),
                },
            )
        })?;
        Ok(Self { to, via, metric })
    }
}

/// An `address` argument read with where it was written: the configuration
/// and a [`Written`] with the value's position and one per static address.
pub(super) fn address(arg: Option<Arg>, default: AddressConfig) -> Result<(AddressConfig, Written)> {
    let Some(arg) = arg else {
        return Ok((default, Written::default()));
    };
    let config = AddressConfig::from_arg(&arg)?;
    let count = config.addresses().len();
    let addresses = match &arg.value {
        ArgValue::Seq(items) if items.len() == count => items.iter().map(|item| item.pos.clone()).collect(),
        _ => vec![arg.pos.clone(); count],
    };
    Ok((
        config,
        Written {
            mac: None,
            address: Some(arg.pos),
            addresses,
        },
    ))
}

/// Serialise an `address` argument as its configuration (for `-v`).
pub(super) fn address_only<S: serde::Serializer>(
    address: &(AddressConfig, Written),
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&address.0, serializer)
}
