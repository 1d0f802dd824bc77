//! Trusted-proxy networks: normalised so IPv4-mapped IPv6 ranges mean the IPv4 addresses they map
//! (peers are compared in canonical form), and checked for covering a whole address family however
//! the list spells it (`0.0.0.0/0`, or `0.0.0.0/1,128.0.0.0/1`, or `::ffff:0:0/96`).

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Widest ranges trusted without a warning: a proxy is a handful of addresses, not a continent.
const WIDE_IPV4_PREFIX: u8 = 8;
const WIDE_IPV6_PREFIX: u8 = 32;

/// `::ffff:a.b.c.d/n` (n ≥ 96) becomes `a.b.c.d/(n-96)`; anything else is truncated to its network.
pub fn normalise(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        let mapped = Ipv6Net::new(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96);
        if let (Ok(mapped), Some(v4)) = (mapped, v6.addr().to_ipv4_mapped())
            && v6.prefix_len() >= 96
            && mapped.contains(&v6.addr())
            && let Ok(v4net) = Ipv4Net::new(v4, v6.prefix_len() - 96)
        {
            return IpNet::V4(v4net.trunc());
        }
    }
    net.trunc()
}

/// `Some("IPv4")` / `Some("IPv6")` when the networks together contain every address of a family.
pub fn covered_family(networks: &[IpNet]) -> Option<&'static str> {
    let merged = IpNet::aggregate(&networks.iter().copied().map(normalise).collect::<Vec<_>>());
    if merged
        .iter()
        .any(|net| matches!(net, IpNet::V4(v4) if v4.prefix_len() == 0))
    {
        return Some("IPv4");
    }
    if merged
        .iter()
        .any(|net| matches!(net, IpNet::V6(v6) if v6.prefix_len() == 0))
    {
        return Some("IPv6");
    }
    None
}

/// Networks wider than a /8 (IPv4) or /32 (IPv6), worth a warning.
pub fn wide(networks: &[IpNet]) -> Vec<IpNet> {
    networks
        .iter()
        .copied()
        .filter(|net| match net {
            IpNet::V4(v4) => v4.prefix_len() < WIDE_IPV4_PREFIX,
            IpNet::V6(v6) => v6.prefix_len() < WIDE_IPV6_PREFIX,
        })
        .collect()
}

/// An address or CIDR, normalised.
pub fn parse(entry: &str) -> Option<IpNet> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .ok()
        .map(normalise)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn nets(list: &str) -> Vec<IpNet> {
        list.split(',').map(|e| parse(e).unwrap()).collect()
    }

    #[test]
    fn every_spelling_of_everything_is_caught() {
        for list in [
            "0.0.0.0/0",
            "0.0.0.0/1,128.0.0.0/1",
            "128.0.0.0/2,0.0.0.0/1,192.0.0.0/2",
            "::ffff:0:0/96",
            "::ffff:0.0.0.0/97,128.0.0.0/1",
            "::/0",
            "::/1,8000::/1",
        ] {
            assert!(covered_family(&nets(list)).is_some(), "{list}");
        }
        for list in [
            "10.0.0.0/8",
            "0.0.0.0/1",
            "::/1",
            "10.0.0.0/8,::1",
            "::ffff:10.0.0.0/104",
        ] {
            assert_eq!(covered_family(&nets(list)), None, "{list}");
        }
    }

    #[test]
    fn mapped_ranges_mean_their_ipv4_addresses() {
        assert_eq!(parse("::ffff:10.0.0.0/104"), parse("10.0.0.0/8"));
        assert_eq!(parse("::ffff:192.168.1.7"), parse("192.168.1.7/32"));
        assert_eq!(parse("10.1.2.3/8"), parse("10.0.0.0/8"));
    }

    #[test]
    fn wide_ranges_are_named() {
        assert_eq!(wide(&nets("10.0.0.0/8,2001:db8::/32")), Vec::<IpNet>::new());
        assert_eq!(wide(&nets("10.0.0.0/7,2001::/16")).len(), 2);
    }

    proptest! {
        /// Splitting a family into random pieces never hides that the pieces cover it, and a list
        /// missing any piece never covers it.
        #[test]
        fn a_cover_split_into_pieces_is_still_a_cover(cuts in proptest::collection::vec(1u8..=24, 1..6), drop in any::<prop::sample::Index>()) {
            let mut pieces: Vec<Ipv4Net> = vec![Ipv4Net::new(Ipv4Addr::UNSPECIFIED, 0).unwrap()];
            for cut in cuts {
                // Split the first piece that is still wider than `cut` into its halves.
                if let Some(i) = pieces.iter().position(|p| p.prefix_len() < cut) {
                    let piece = pieces.remove(i);
                    pieces.extend(piece.subnets(piece.prefix_len() + 1).unwrap());
                }
            }
            let all: Vec<IpNet> = pieces.iter().copied().map(IpNet::V4).collect();
            prop_assert_eq!(covered_family(&all), Some("IPv4"));
            if all.len() > 1 {
                let mut missing = all.clone();
                missing.remove(drop.index(all.len()));
                prop_assert_eq!(covered_family(&missing), None);
            }
        }
    }
}
