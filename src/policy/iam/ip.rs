//! IP addresses and CIDR ranges (the `IpAddress` / `NotIpAddress` operators and
//! `aws:SourceIp`-style keys).
//!
//! spec: IAM User Guide, "Condition operators" (IP address condition operators: "RFC 4632
//! CIDR format"; IPv4 and IPv6).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 network as written: address and prefix length. The address may have bits
/// set after the prefix (`203.0.113.7/24`); they are ignored when matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `203.0.113.0/24`, `2001:DB8::/32` or a bare address (`/32`, `/128`). The prefix
    /// is decimal digits only; no surrounding spaces.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?))
            }
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    fn mask_v4(&self) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    fn mask_v6(&self) -> u128 {
        u128::MAX
            .checked_shl(128 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    /// Whether `ip` lies in this network (an IPv4 address never lies in an IPv6 network
    /// and vice versa).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = self.mask_v4();
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = self.mask_v6();
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// The same network with the bits after the prefix cleared, when any were set.
    pub fn canonical(&self) -> Option<Cidr> {
        let addr = match self.addr {
            IpAddr::V4(v) => {
                let x = u32::from(v);
                let net = x & self.mask_v4();
                (net != x).then(|| IpAddr::V4(Ipv4Addr::from(net)))?
            }
            IpAddr::V6(v) => {
                let x = u128::from(v);
                let net = x & self.mask_v6();
                (net != x).then(|| IpAddr::V6(Ipv6Addr::from(net)))?
            }
        };
        Some(Cidr {
            addr,
            prefix: self.prefix,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a request's IP address (a bare address; a CIDR's network address is accepted too).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse().ok().or_else(|| Cidr::parse(s).map(|c| c.addr))
}

/// RFC 1918, loopback, link-local, CGNAT and IPv6 unique-local / link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            v.is_loopback() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let net = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(net.contains("203.0.113.7".parse().unwrap()));
        assert!(!net.contains("203.0.114.7".parse().unwrap()));
        let one = Cidr::parse("203.0.113.7").unwrap();
        assert_eq!(one.prefix, 32);
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:1234:5679::1".parse().unwrap()));
        assert!(!v6.contains("203.0.113.7".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0.0/+8").is_none());
        assert!(Cidr::parse(" 10.0.0.0/8").is_none());
        assert!(Cidr::parse("10.0.0.0/").is_none());
    }

    #[test]
    fn canonical_and_private() {
        let c = Cidr::parse("203.0.113.7/24").unwrap();
        assert_eq!(c.canonical().unwrap().to_string(), "203.0.113.0/24");
        assert_eq!(Cidr::parse("203.0.113.0/24").unwrap().canonical(), None);
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().canonical(), None);
        assert!(is_private(Cidr::parse("10.1.0.0/16").unwrap().addr));
        assert!(!is_private(Cidr::parse("203.0.113.0/24").unwrap().addr));
    }
}
