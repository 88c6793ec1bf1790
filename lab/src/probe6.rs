//! The lab's IPv6 probes and listeners, as [`crate::probe`]'s for IPv4:
//! a [`Listener6`] answers on TCP and UDP port [`PORT6`] with the source
//! address it saw (`seen 2001:db8:1::10\n`), so a probe learns *as whom*
//! it got through (NAT66 shows the host's uplink address); [`ping6`] runs
//! `ping -6 -c1 -W1`. Every probe gives up after [`crate::probe::TIMEOUT`].
//!
//! The IPv6 listeners have a port of their own: an IPv4 listener holds
//! [`crate::probe::PORT`] on `0.0.0.0`, which a dual-stack `[::]` socket on
//! the same port would collide with.

use std::io::{ErrorKind, Read, Write as _};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::namespace::Namespace;
use crate::probe::{TIMEOUT, in_netns};

/// The port every IPv6 listener answers on, TCP and UDP.
pub const PORT6: u16 = 7778;

/// What an IPv6 probe got back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome6 {
    /// The listener answered; it saw this source address (`None`: a ping).
    Answered(Option<Ipv6Addr>),
    /// The target's stack refused (TCP RST, ICMPv6 port unreachable).
    Refused,
    /// No answer within the timeout, or no route.
    Silent,
}

impl std::fmt::Display for Outcome6 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Answered(Some(seen)) => write!(f, "yes as {seen}"),
            Self::Answered(None) => f.write_str("yes"),
            Self::Refused => f.write_str("refused"),
            Self::Silent => f.write_str("no"),
        }
    }
}

/// Parse a listener's answer.
fn seen(answer: &str) -> Option<Ipv6Addr> {
    answer.trim().strip_prefix("seen ")?.parse().ok()
}

/// A TCP and UDP listener on [`PORT6`] in one namespace; stopped on drop.
pub struct Listener6 {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Listener6 {
    /// Listen in `netns`: TCP on every address, UDP on `udp` (the address
    /// probes ask for, so the reply leaves from it; elsewhere `::`).
    pub fn start(netns: &(impl Namespace + ?Sized), udp: Ipv6Addr) -> std::io::Result<Self> {
        let any = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, PORT6, 0, 0));
        let (tcp, udp) = in_netns(netns, || -> std::io::Result<_> {
            let tcp = TcpListener::bind(any)?;
            tcp.set_nonblocking(true)?;
            let udp = UdpSocket::bind(SocketAddrV6::new(udp, PORT6, 0, 0))?;
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

impl Drop for Listener6 {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// `ping -6 -c1 -W1 -n TARGET` from `netns`: did it answer?
pub fn ping6(from: &(impl Namespace + ?Sized), target: Ipv6Addr) -> bool {
    from.command_in(&["ping", "-6", "-c1", "-W1", "-n", &target.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A TCP connection from `from` to a [`Listener6`] at `target`.
pub fn tcp6(from: &(impl Namespace + ?Sized), target: Ipv6Addr) -> Outcome6 {
    in_netns(from, || {
        let address = SocketAddr::V6(SocketAddrV6::new(target, PORT6, 0, 0));
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(mut stream) => {
                let _ = stream.set_read_timeout(Some(TIMEOUT));
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                seen(&answer).map_or(Outcome6::Silent, |seen| Outcome6::Answered(Some(seen)))
            }
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => Outcome6::Refused,
            Err(_) => Outcome6::Silent,
        }
    })
}

/// A UDP datagram from `from` to a [`Listener6`] at `target`.
pub fn udp6(from: &(impl Namespace + ?Sized), target: Ipv6Addr) -> Outcome6 {
    in_netns(from, || {
        let Ok(socket) = UdpSocket::bind(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)) else {
            return Outcome6::Silent;
        };
        // Connected: an ICMPv6 port unreachable comes back as ECONNREFUSED.
        if socket.connect(SocketAddrV6::new(target, PORT6, 0, 0)).is_err()
            || socket.set_read_timeout(Some(TIMEOUT)).is_err()
            || socket.send(b"hello\n").is_err()
        {
            return Outcome6::Silent;
        }
        let mut buffer = [0_u8; 512];
        match socket.recv(&mut buffer) {
            Ok(length) => seen(&String::from_utf8_lossy(&buffer[..length]))
                .map_or(Outcome6::Silent, |seen| Outcome6::Answered(Some(seen))),
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => Outcome6::Refused,
            Err(_) => Outcome6::Silent,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listeners_answer_names_the_source() {
        assert_eq!(seen("seen 2001:db8:1::10\n"), Some("2001:db8:1::10".parse().unwrap()));
        assert_eq!(seen("seen 192.0.2.1\n"), None);
        assert_eq!(
            Outcome6::Answered(Some("fd42::2".parse().unwrap())).to_string(),
            "yes as fd42::2"
        );
        assert_eq!(Outcome6::Silent.to_string(), "no");
    }
}
