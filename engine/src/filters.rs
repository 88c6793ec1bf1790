//! Template filters for networking, in the spirit of Ansible's `ipaddr`
//! family, implemented with `ipnet`.
//!
//! | filter | input | output |
//! |---|---|---|
//! | `host(n)` | `172.16.1.0/24` | `172.16.1.1/24` (n-th address with prefix; negative counts from the broadcast end) |
//! | `nthhost(n)` | `172.16.1.0/24` | `172.16.1.1` |
//! | `address` | `172.16.1.1/24` | `172.16.1.1` |
//! | `network` | `172.16.1.5/24` | `172.16.1.0` |
//! | `netmask` | `172.16.1.5/24` | `255.255.255.0` |
//! | `prefix` | `172.16.1.5/24` | `24` |
//! | `broadcast` | `172.16.1.5/24` | `172.16.1.255` |
//! | `cidr` | `172.16.1.5/24` | `172.16.1.0/24` |
//! | `ipaddr(q)` | any | Ansible's spelling: `ipaddr('network')`, `ipaddr(1)`, … |

use std::net::IpAddr;

use ipnet::IpNet;
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, Value};

/// Add the filters to an environment.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("host", |value: String, n: i64| host(&value, n, true));
    env.add_filter("nthhost", |value: String, n: i64| host(&value, n, false));
    env.add_filter("address", |value: String| query(&value, "address"));
    env.add_filter("network", |value: String| query(&value, "network"));
    env.add_filter("netmask", |value: String| query(&value, "netmask"));
    env.add_filter("prefix", |value: String| query(&value, "prefix"));
    env.add_filter("broadcast", |value: String| query(&value, "broadcast"));
    env.add_filter("cidr", |value: String| query(&value, "cidr"));
    env.add_filter("ipaddr", |value: String, which: Value| match which.kind() {
        ValueKind::Number => host(&value, i64::try_from(which)?, true),
        _ => query(&value, which.as_str().unwrap_or("address")),
    });
}

fn parse(value: &str) -> Result<IpNet, Error> {
    let text = value.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net);
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(IpNet::from(address));
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("`{value}` is not an IP address or network"),
    ))
}

fn host(value: &str, n: i64, with_prefix: bool) -> Result<Value, Error> {
    let net = parse(value)?;
    let network = net.network();
    let size: u128 = match net {
        IpNet::V4(net) => 1u128 << (32 - u32::from(net.prefix_len())),
        IpNet::V6(net) => 1u128
            .checked_shl(128 - u32::from(net.prefix_len()))
            .unwrap_or(u128::MAX),
    };
    let index = if n < 0 {
        size.checked_sub(u128::from(n.unsigned_abs()) + 1)
    } else {
        Some(u128::from(n.unsigned_abs()))
    };
    let out_of_range = || Error::new(ErrorKind::InvalidOperation, format!("host {n} is outside `{value}`"));
    let index = index.filter(|index| *index < size).ok_or_else(out_of_range)?;
    let address = match network {
        IpAddr::V4(base) => {
            let bits = u32::from(base) + u32::try_from(index).map_err(|_| out_of_range())?;
            IpAddr::from(std::net::Ipv4Addr::from(bits))
        }
        IpAddr::V6(base) => IpAddr::from(std::net::Ipv6Addr::from(u128::from(base) + index)),
    };
    Ok(Value::from(if with_prefix {
        format!("{address}/{}", net.prefix_len())
    } else {
        address.to_string()
    }))
}

fn query(value: &str, which: &str) -> Result<Value, Error> {
    let net = parse(value)?;
    Ok(match which {
        "address" => Value::from(net.addr().to_string()),
        "network" => Value::from(net.network().to_string()),
        "netmask" => Value::from(net.netmask().to_string()),
        "prefix" => Value::from(net.prefix_len()),
        "broadcast" => Value::from(net.broadcast().to_string()),
        "cidr" | "subnet" => Value::from(net.trunc().to_string()),
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown ipaddr query `{other}`"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expression: &str) -> String {
        let mut env = Environment::new();
        register(&mut env);
        env.compile_expression(expression)
            .unwrap()
            .eval(())
            .unwrap()
            .to_string()
    }

    #[test]
    fn network_filters() {
        assert_eq!(eval("'172.16.1.0/24' | host(1)"), "172.16.1.1/24");
        assert_eq!(eval("'172.16.1.0/24' | host(-1)"), "172.16.1.254/24");
        assert_eq!(eval("'172.16.1.0/24' | nthhost(100)"), "172.16.1.100");
        assert_eq!(eval("'172.16.1.7/24' | network"), "172.16.1.0");
        assert_eq!(eval("'172.16.1.7/24' | netmask"), "255.255.255.0");
        assert_eq!(eval("'172.16.1.7/24' | prefix"), "24");
        assert_eq!(eval("'172.16.1.7/24' | broadcast"), "172.16.1.255");
        assert_eq!(eval("'172.16.1.7/24' | address"), "172.16.1.7");
        assert_eq!(eval("'172.16.1.7/24' | cidr"), "172.16.1.0/24");
        assert_eq!(eval("'172.16.1.0/24' | ipaddr('netmask')"), "255.255.255.0");
        assert_eq!(eval("'172.16.1.0/24' | ipaddr(1)"), "172.16.1.1/24");
    }

    #[test]
    fn out_of_range_host_is_an_error() {
        let mut env = Environment::new();
        register(&mut env);
        let error = env
            .compile_expression("'172.16.1.0/30' | host(4)")
            .unwrap()
            .eval(())
            .unwrap_err();
        assert_eq!(error.detail(), Some("host 4 is outside `172.16.1.0/30`"));
    }
}
