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


def vlan_frame(frame, vid, tpid=0x8100):
    """'frame' (an Ethernet frame, bytes) with an 802.1Q tag (or 802.1ad,
    with tpid 0x88a8) of VLAN id 'vid' inserted after its addresses: 4
    bytes longer."""
    return frame[:12] + struct.pack("!HH", tpid, vid & 0xfff) + frame[12:]


def sip_invite_frame(flow, call=None):
    """Ethernet/IPv4/UDP frame carrying a SIP INVITE (RFC 3261) from client
    number 'flow' to port 5060, with Call-ID number 'call' (default
    'flow'): what NSOD's SIP classifier reads for call affinity."""
    call = flow if call is None else call
    src, dst = ipv4(flow + 1), ipv4(0xfffffe)
    sport = 1024 + flow % 60000
    body = ("INVITE sip:service@10.255.255.254 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %d.%d.%d.%d:%d;branch=z9hG4bK%08x\r\n"
            "From: <sip:user%d@example.net>;tag=%x\r\n"
            "To: <sip:service@example.net>\r\n"
            "Call-ID: %08x-nfvbench@example.net\r\n"
            "CSeq: 1 INVITE\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
            % (tuple(src) + (sport, flow, flow, flow, call))).encode()
    udp = struct.pack("!HHHH", sport, 5060, UDP_HLEN + len(body), 0) + body
    csum = _l4_checksum(src, dst, 17, udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    return (mac(2) + mac(0x1000 + flow) + b"\x08\x00"
            + _ipv4_header(src, dst, 17, len(udp)) + udp)


def pppoe_session_frame(size, flow):
    """PPPoE session frame (RFC 2516, Ethernet type 0x8864) of 'size' bytes
    (FCS included) from subscriber number 'flow' (its own MAC address and
    session id), carrying PPP (protocol 0x0021) IPv4/UDP."""
    inner_len = max(size - FCS_LEN - ETH_HLEN - 8, IPV4_HLEN + UDP_HLEN)
    payload_len = inner_len - IPV4_HLEN - UDP_HLEN
    src, dst = ipv4(flow + 1), ipv4(0xfffffe)
    udp = struct.pack("!HHHH", 1024 + flow % 60000, 9, UDP_HLEN + payload_len,
                      0) + bytes(payload_len)
    ip = _ipv4_header(src, dst, 17, len(udp)) + udp
    ppp = struct.pack("!H", 0x0021) + ip
    pppoe = struct.pack("!BBHH", 0x11, 0x00, 1 + flow % 65534, len(ppp)) + ppp
    return mac(2) + mac(0x2000 + flow) + b"\x88\x64" + pppoe


def l2tp_frame(size, flow):
    """L2TPv2 data message (RFC 2661) over UDP port 1701 of 'size' bytes
    (FCS included): tunnel id and session id from 'flow', carrying PPP
    (protocol 0x0021) IPv4/UDP."""
    inner_len = max(size - FCS_LEN - ETH_HLEN - IPV4_HLEN - UDP_HLEN - 6 - 4,
                    IPV4_HLEN + UDP_HLEN)
    payload_len = inner_len - IPV4_HLEN - UDP_HLEN
    in_src, in_dst = ipv4(0x800000 + flow), ipv4(0xfffffd)
    udp = struct.pack("!HHHH", 1024 + flow % 60000, 9, UDP_HLEN + payload_len,
                      0) + bytes(payload_len)
    ppp = b"\xff\x03\x00\x21" + _ipv4_header(in_src, in_dst, 17, len(udp)) + udp
    l2tp = struct.pack("!HHH", 0x0002, 1 + flow // 64 % 65534,
                       1 + flow % 64) + ppp
    src, dst = ipv4(flow % 256 + 1), ipv4(0xfffffe)
    outer = struct.pack("!HHHH", 1701, 1701, UDP_HLEN + len(l2tp), 0) + l2tp
    return (mac(2) + mac(0x3000 + flow % 256) + b"\x08\x00"
            + _ipv4_header(src, dst, 17, len(outer)) + outer)


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
