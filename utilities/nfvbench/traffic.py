# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Traffic for the benchmarks: packet builders and a pcap writer.

The harness replays these pcaps with DPDK's net_pcap (infinite_rx=1), so a
pcap holds exactly one packet per flow: N packets make N flows.  Builders
return whole Ethernet frames (bytes) without FCS; sizes are frame sizes
without FCS, so a "64-byte" frame here is the classic 64-byte wire frame
(60 bytes + 4 bytes of FCS added by a NIC): the size argument counts the
FCS, as traffic generators do.

Everything is built by hand with struct: generating a million frames takes
seconds, where scapy would take many minutes.  Scenarios that need
protocols above UDP/TCP (SIP, PPPoE, ...) may build frames with scapy and
pass bytes(frame) to write_pcap().
"""

import struct
import zlib

FCS_LEN = 4
ETH_HLEN = 14
IPV4_HLEN = 20
UDP_HLEN = 8
TCP_HLEN = 20
VXLAN_HLEN = 8

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def mac(n):
    """Locally administered unicast MAC address number 'n' (0 .. 2**40)."""
    return struct.pack("!BBI", 0x02, (n >> 32) & 0xff, n & 0xffffffff)


def ipv4(n):
    """IPv4 address number 'n' inside 10.0.0.0/8, as 4 bytes."""
    return struct.pack("!I", (10 << 24) | (n & 0xffffff))


def checksum(data):
    """RFC 1071 Internet checksum of 'data' (bytes)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _ipv4_header(src, dst, proto, payload_len, ttl=64, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, IPV4_HLEN + payload_len,
                      ident, 0x4000, ttl, proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]


def _l4_checksum(src, dst, proto, segment):
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, proto, len(segment))
    return checksum(pseudo + segment)


def udp_frame(size, flow, sport=None, dport=9, smac=1, dmac=2):
    """Ethernet/IPv4/UDP frame of 'size' bytes (FCS included, >= 64) for
    flow number 'flow': source address 10.x from 'flow', source port from
    'flow' unless 'sport' is given."""
    payload_len = max(size - FCS_LEN - ETH_HLEN - IPV4_HLEN - UDP_HLEN, 0)
    src, dst = ipv4(flow + 1), ipv4(0xfffffe)
    sport = 1024 + flow % 60000 if sport is None else sport
    payload = bytes(payload_len)
    udp = struct.pack("!HHHH", sport, dport, UDP_HLEN + payload_len, 0) + payload
    csum = _l4_checksum(src, dst, 17, udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    return (mac(dmac) + mac(smac) + b"\x08\x00"
            + _ipv4_header(src, dst, 17, len(udp)) + udp)


def tcp_frame(size, flow, flags=TCP_ACK, dport=80, smac=1, dmac=2,
              options=b""):
    """Ethernet/IPv4/TCP frame of 'size' bytes (FCS included) for flow
    number 'flow', with TCP 'flags' and raw TCP 'options' (padded to a
    multiple of 4 bytes)."""
    options += b"\x01" * (-len(options) % 4)
    hlen = TCP_HLEN + len(options)
    payload_len = max(size - FCS_LEN - ETH_HLEN - IPV4_HLEN - hlen, 0)
    src, dst = ipv4(flow + 1), ipv4(0xfffffe)
    sport = 1024 + flow % 60000
    tcp = (struct.pack("!HHIIBBHHH", sport, dport, flow, 0, (hlen // 4) << 4,
                       flags, 65535, 0, 0) + options + bytes(payload_len))
    csum = _l4_checksum(src, dst, 6, tcp)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    return (mac(dmac) + mac(smac) + b"\x08\x00"
            + _ipv4_header(src, dst, 6, len(tcp)) + tcp)


def vxlan_frame(inner, vni, outer_src=1, outer_dst=2, sport=None):
    """'inner' (an Ethernet frame, bytes) in VXLAN (RFC 7348) with 'vni',
    between underlay addresses 10.x numbered 'outer_src' and 'outer_dst';
    the outer UDP source port is a hash of the inner headers, as RFC 7348
    section 5 recommends, unless 'sport' is given."""
    src, dst = ipv4(outer_src), ipv4(outer_dst)
    sport = 49152 + (zlib.crc32(inner[:34]) & 0x3fff) if sport is None else sport
    vxlan = struct.pack("!II", 0x08000000, vni << 8) + inner
    udp = struct.pack("!HHHH", sport, 4789, UDP_HLEN + len(vxlan), 0) + vxlan
    return (mac(0x100 + outer_dst) + mac(0x100 + outer_src) + b"\x08\x00"
            + _ipv4_header(src, dst, 17, len(udp)) + udp)


IMIX = ((64, 7), (576, 4), (1500, 1))   # The simple IMIX: sizes and weights.


def imix_sizes(n):
    """'n' frame sizes following IMIX, interleaved."""
    pattern = [size for size, weight in IMIX for _ in range(weight)]
    return [pattern[i % len(pattern)] for i in range(n)]


def write_pcap(path, frames):
    """Writes 'frames' (an iterable of bytes) to 'path' as a classic
    libpcap file, link type Ethernet.  Returns the number of frames."""
    n = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for frame in frames:
            f.write(struct.pack("<IIII", n // 1000000, n % 1000000,
                                len(frame), len(frame)))
            f.write(frame)
            n += 1
    return n
