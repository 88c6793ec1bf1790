//! Probes and listeners of the lab, IPv4 and IPv6 alike, run by this
//! process inside the lab's namespaces (a thread joins a namespace with
//! `setns(2)`, which moves that thread only; sockets it opens stay in that
//! namespace).
//!
//! A [`Listener`] answers on TCP and UDP with the source address it saw
//! (`seen 192.168.1.10\n`, `seen 2001:db8:1::10\n`), so a probe learns not
//! only *whether* it got through but *as whom*: masqueraded (the host's
//! uplink address), routed (its own address), or NATed again by the LAN
//! router. [`tcp`] and [`udp`] return that [`Outcome`]; [`dns`] asks a DNS
//! question on UDP 53 and [`tcp_connect`] opens TCP 53, where a refusal
//! (RST, ICMP port unreachable) still proves the firewall let the packet
//! in; [`ping`] runs `ping -c1 -W1` (`-6` for IPv6) in the namespace. Every
//! probe gives up after [`TIMEOUT`].
//!
//! The listeners of each family have a port of their own ([`port`]): an
//! IPv4 listener holds [`PORT`] on `0.0.0.0`, which a dual-stack `[::]`
//! socket on the same port would collide with.

use std::fmt;
use std::io::{ErrorKind, Read, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::namespace::Namespace;

/// The port every IPv4 listener answers on, TCP and UDP.
pub const PORT: u16 = 7777;
/// The port every IPv6 listener answers on, TCP and UDP.
pub const PORT6: u16 = 7778;
/// How long a probe waits for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(1);

/// The port the listeners of `address`'s family answer on.
pub fn port(address: IpAddr) -> u16 {
    match address {
        IpAddr::V4(_) => PORT,
        IpAddr::V6(_) => PORT6,
    }
}

/// The unspecified address (`0.0.0.0`, `::`) of `address`'s family.
fn unspecified(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    }
}

/// Run `work` on a thread that has joined `netns`.
pub fn in_netns<T: Send>(netns: &(impl Namespace + ?Sized), work: impl FnOnce() -> T + Send) -> T {
    let path = format!("/run/netns/{}", netns.name());
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let file = fs_err::File::open(&path).expect("open the namespace");
                rustix::thread::move_into_link_name_space(
                    file.as_fd(),
                    Some(rustix::thread::LinkNameSpaceType::Network),
                )
                .unwrap_or_else(|error| panic!("setns {path}: {error}"));
                work()
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// What a probe got back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The listener answered; it saw this source address (`None`: the
    /// target answers without saying, like a DNS server or a ping).
    Answered(Option<IpAddr>),
    /// The target's stack refused (TCP RST, ICMP port unreachable): the
    /// packet got in, nothing listens there.
    Refused,
    /// No answer within [`TIMEOUT`], or no route.
    Silent,
}

impl Outcome {
    /// The packet reached the target's stack (answered or refused).
    pub fn delivered(self) -> bool {
        !matches!(self, Self::Silent)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Answered(Some(seen)) => write!(f, "yes as {seen}"),
            Self::Answered(None) => f.write_str("yes"),
            Self::Refused => f.write_str("refused"),
            Self::Silent => f.write_str("no"),
        }
    }
}

/// Parse a listener's answer.
fn seen(answer: &str) -> Option<IpAddr> {
    answer.trim().strip_prefix("seen ")?.parse().ok()
}

/// A TCP and UDP listener on [`port`] in one namespace; stopped (sockets
/// closed) on drop, before the namespace goes.
pub struct Listener {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Listener {
    /// Listen in `netns`, in `udp`'s family: TCP on every address, UDP on
    /// `udp` (a reply leaves from the address the kernel picks for the
    /// route back, which must be the one the probe asked: where a
    /// namespace has two, like the internet's transfer net and its
    /// "public" address, bind the one probes ask for; elsewhere `0.0.0.0`
    /// or `::`).
    pub fn start(netns: &(impl Namespace + ?Sized), udp: impl Into<IpAddr>) -> std::io::Result<Self> {
        let udp = udp.into();
        let any = SocketAddr::new(unspecified(udp), port(udp));
        let (tcp, udp) = in_netns(netns, || -> std::io::Result<_> {
            let tcp = TcpListener::bind(any)?;
            tcp.set_nonblocking(true)?;
            let udp = UdpSocket::bind(SocketAddr::new(udp, port(udp)))?;
            udp.set_read_timeout(Some(Duration::from_millis(50)))?;
            Ok((tcp, udp))
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let tcp_stop = Arc::clone(&stop);
        let tcp_thread = std::thread::spawn(move || {
            while !tcp_stop.load(Ordering::Relaxed) {
                match tcp.accept() {
                    Ok((mut stream, peer)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.write_all(format!("seen {}\n", peer.ip()).as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        let udp_stop = Arc::clone(&stop);
        let udp_thread = std::thread::spawn(move || {
            let mut buffer = [0_u8; 512];
            while !udp_stop.load(Ordering::Relaxed) {
                if let Ok((_, peer)) = udp.recv_from(&mut buffer) {
                    let _ = udp.send_to(format!("seen {}\n", peer.ip()).as_bytes(), peer);
                }
            }
        });
        Ok(Self {
            stop,
            threads: vec![tcp_thread, udp_thread],
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The lab's listeners of `public`'s family: one in each of `machines`
/// (UDP on every address) and one in the internet, `(namespace, its
/// "public" address)`, whose UDP answers must leave from the address the
/// probes ask for.
pub fn listeners(
    machines: &[&dyn Namespace],
    (internet, public): (&dyn Namespace, IpAddr),
) -> std::io::Result<Vec<Listener>> {
    machines
        .iter()
        .map(|netns| Listener::start(*netns, unspecified(public)))
        .chain([Listener::start(internet, public)])
        .collect()
}

/// `ping -c1 -W1 -n TARGET` (`ping -6 …` for IPv6) from `netns`: did it answer?
pub fn ping(from: &(impl Namespace + ?Sized), target: impl Into<IpAddr>) -> bool {
    let target = target.into();
    let mut argv = vec!["ping"];
    if target.is_ipv6() {
        argv.push("-6");
    }
    let target = target.to_string();
    argv.extend(["-c1", "-W1", "-n", &target]);
    from.command_in(&argv)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A TCP connection from `from` to a [`Listener`] at `target`.
pub fn tcp(from: &(impl Namespace + ?Sized), target: impl Into<IpAddr>) -> Outcome {
    let target = target.into();
    in_netns(from, || {
        let address = SocketAddr::new(target, port(target));
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(mut stream) => {
                let _ = stream.set_read_timeout(Some(TIMEOUT));
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                // A connection that gives no answer is not the lab's listener.
                seen(&answer).map_or(Outcome::Silent, |seen| Outcome::Answered(Some(seen)))
            }
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => Outcome::Refused,
            Err(_) => Outcome::Silent,
        }
    })
}

/// A TCP connection from `from` to `target:port` (no listener of the lab's):
/// [`Outcome::Answered`] when it opens.
pub fn tcp_connect(from: &(impl Namespace + ?Sized), target: impl Into<IpAddr>, port: u16) -> Outcome {
    let address = SocketAddr::new(target.into(), port);
    in_netns(from, || match TcpStream::connect_timeout(&address, TIMEOUT) {
        Ok(_) => Outcome::Answered(None),
        Err(error) if error.kind() == ErrorKind::ConnectionRefused => Outcome::Refused,
        Err(_) => Outcome::Silent,
    })
}

/// One UDP datagram from `from` to `target:port` and the first answer.
fn udp_exchange(
    from: &(impl Namespace + ?Sized),
    target: IpAddr,
    port: u16,
    payload: &[u8],
) -> Result<Vec<u8>, Outcome> {
    in_netns(from, || {
        let socket = UdpSocket::bind(SocketAddr::new(unspecified(target), 0)).expect("bind a UDP socket");
        // Connected: an ICMP port unreachable comes back as ECONNREFUSED.
        socket
            .connect(SocketAddr::new(target, port))
            .map_err(|_| Outcome::Silent)?;
        socket.set_read_timeout(Some(TIMEOUT)).expect("a UDP read timeout");
        socket.send(payload).map_err(|_| Outcome::Silent)?;
        let mut buffer = [0_u8; 1500];
        match socket.recv(&mut buffer) {
            Ok(length) => Ok(buffer[..length].to_vec()),
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => Err(Outcome::Refused),
            Err(_) => Err(Outcome::Silent),
        }
    })
}

/// A UDP datagram from `from` to a [`Listener`] at `target`.
pub fn udp(from: &(impl Namespace + ?Sized), target: impl Into<IpAddr>) -> Outcome {
    let target = target.into();
    match udp_exchange(from, target, port(target), b"hello\n") {
        Ok(answer) => {
            seen(&String::from_utf8_lossy(&answer)).map_or(Outcome::Silent, |seen| Outcome::Answered(Some(seen)))
        }
        Err(outcome) => outcome,
    }
}

/// A DNS question (`NAME. IN A`) from `from` to `server` on UDP 53: any
/// answer with the question's id counts, whatever its code.
pub fn dns(from: &(impl Namespace + ?Sized), server: impl Into<IpAddr>, name: &str) -> Outcome {
    let id: [u8; 2] = [0x68, 0x6e];
    let mut query = id.to_vec();
    // Recursion desired, one question.
    query.extend_from_slice(&[0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    for label in name.split('.').filter(|label| !label.is_empty()) {
        query.push(u8::try_from(label.len()).expect("a short label"));
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0x00, 0x00, 0x01, 0x00, 0x01]);
    match udp_exchange(from, server.into(), 53, &query) {
        Ok(answer) if answer.len() >= 12 && answer[..2] == id && answer[2] & 0x80 != 0 => Outcome::Answered(None),
        Ok(_) => Outcome::Silent,
        Err(outcome) => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listeners_answer_names_the_source_in_either_family() {
        assert_eq!(seen("seen 2001:db8:1::10\n"), Some("2001:db8:1::10".parse().unwrap()));
        assert_eq!(seen("seen 192.0.2.1\n"), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(seen("hello\n"), None);
        assert_eq!(
            Outcome::Answered(Some("fd42::2".parse().unwrap())).to_string(),
            "yes as fd42::2"
        );
        assert_eq!(Outcome::Answered(None).to_string(), "yes");
        assert_eq!(Outcome::Silent.to_string(), "no");
        assert_eq!(port("2001:db8::1".parse().unwrap()), PORT6);
        assert_eq!(port("192.0.2.1".parse().unwrap()), PORT);
    }
}
