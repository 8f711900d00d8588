package decode

import "strconv"

// LinkType is a LINKTYPE_ value from a pcap header or a pcapng interface
// description block (https://www.tcpdump.org/linktypes.html).
type LinkType uint32

// The link types wiretale decodes. Others are counted and reported as
// undecoded.
const (
	LinkNull       LinkType = 0   // BSD loopback, host-order address family
	LinkEthernet   LinkType = 1   // IEEE 802.3 Ethernet
	LinkRawOpenBSD LinkType = 12  // raw IP (DLT_RAW on OpenBSD, written as 12 by some tools)
	LinkRawAlt     LinkType = 14  // raw IP (DLT_RAW on BSD/OS)
	LinkRaw        LinkType = 101 // raw IPv4 or IPv6
	LinkLoop       LinkType = 108 // OpenBSD loopback, network-order address family
	LinkLinuxSLL   LinkType = 113 // Linux cooked capture v1 (tcpdump -i any, older libpcap)
	LinkIPv4       LinkType = 228 // raw IPv4
	LinkIPv6       LinkType = 229 // raw IPv6
	LinkLinuxSLL2  LinkType = 276 // Linux cooked capture v2 (tcpdump -i any, libpcap ≥ 1.10)
)

// Known reports whether Decode understands frames of this link type.
func (lt LinkType) Known() bool {
	switch lt {
	case LinkNull, LinkEthernet, LinkRawOpenBSD, LinkRawAlt, LinkRaw, LinkLoop,
		LinkLinuxSLL, LinkIPv4, LinkIPv6, LinkLinuxSLL2:
		return true
	}
	return false
}

// HasVLANTags reports whether frames of this link type show the 802.1Q tags
// they carried. Cooked captures lose them (the kernel strips tags into
// metadata that libpcap only re-inserts for Ethernet captures) and raw-IP
// captures have no link header at all.
func (lt LinkType) HasVLANTags() bool { return lt == LinkEthernet }

// String returns the name tcpdump and capinfos use for the link type.
func (lt LinkType) String() string {
	switch lt {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRawOpenBSD, LinkRawAlt, LinkRaw:
		return "raw-ip"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux-sll"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux-sll2"
	}
	return "linktype-" + strconv.FormatUint(uint64(lt), 10)
}
