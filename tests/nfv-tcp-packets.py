#!/usr/bin/env python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""TCP packets for the clamp_mss tests, built and read with scapy.

  nfv-tcp-packets.py hex NAME     print packet NAME as hex, for
                                  "ovs-appctl netdev-dummy/receive"
  nfv-tcp-packets.py list         print every packet NAME
  nfv-tcp-packets.py show PCAP    one line per packet in PCAP: its name
                                  (the IP id tells), TCP flags, MSS option
                                  and whether its TCP checksum is right
"""

import logging
import sys

# Scapy warns on stderr about interfaces that other tests create and delete
# while it reads the routing table; the tests check stderr.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

from scapy.all import (IP, TCP, UDP, Ether, IPv6, Raw, bytes_hex,
                       rdpcap)

ETH = dict(src="50:54:00:00:00:01", dst="50:54:00:00:00:02")


def v4(name, **kw):
    return Ether(**ETH) / IP(src="10.0.0.1", dst="10.0.0.2",
                             id=PACKETS_ORDER.index(name) + 1, **kw)


def v6(name):
    return Ether(**ETH) / IPv6(src="fd00::1", dst="fd00::2",
                               fl=PACKETS_ORDER.index(name) + 1)


def build(name):
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
            ("NOP", None), ("WScale", 7)]
    if name == "syn":
        return v4(name) / TCP(sport=40000, dport=5201, flags="S",
                              options=opts)
    if name == "synack-odd":
        # One NOP first puts the MSS value at an odd offset.
        return v4(name) / TCP(sport=5201, dport=40000, flags="SA",
                              options=[("NOP", None)] + opts)
    if name == "syn-small":
        return v4(name) / TCP(sport=40001, dport=5201, flags="S",
                              options=[("MSS", 1200)])
    if name == "syn-nomss":
        return v4(name) / TCP(sport=40002, dport=5201, flags="S",
                              options=[("WScale", 7)])
    if name == "ack":
        return v4(name) / TCP(sport=40000, dport=5201, flags="A",
                              options=[("MSS", 1460)])
    if name == "syn6":
        return v6(name) / TCP(sport=40003, dport=5201, flags="S",
                              options=opts)
    if name == "udp":
        return v4(name) / UDP(sport=40004, dport=5201) / Raw(b"x" * 16)
    if name in BROKEN:
        # Built by hand: scapy would fix up the broken parts.  Each carries
        # an MSS option of 1460 after (or beyond) the broken part.
        raw = bytearray(bytes(TCP(sport=40005, dport=5201, flags="S")))
        raw[12] = (15 if name == "syn-badoff" else 7) << 4
        raw += BROKEN[name]
        return v4(name, proto=6) / Raw(bytes(raw))
    raise KeyError(name)


# Options of the broken SYNs: an option of length 0; an option running
# past the header; a data offset (60 bytes) past the end of the packet.
BROKEN = {
    "syn-badlen": bytes.fromhex("0800020405b40100"),
    "syn-overrun": bytes.fromhex("01010828020405b4"),
    "syn-badoff": bytes.fromhex("020405b401010100"),
}

PACKETS_ORDER = ["syn", "synack-odd", "syn-small", "syn-nomss", "ack",
                 "syn6", "udp", "syn-badlen", "syn-overrun", "syn-badoff"]


def name_of(pkt):
    if IP in pkt:
        return PACKETS_ORDER[pkt[IP].id - 1]
    return PACKETS_ORDER[pkt[IPv6].fl - 1]


def show(pcap):
    for pkt in rdpcap(pcap):
        name = name_of(pkt)
        if TCP not in pkt or name in BROKEN:
            # Not (well-formed) TCP: report whether it changed at all.
            same = bytes(pkt) == bytes(build(name))
            print("%s: %s" % (name, "unchanged" if same else "CHANGED"))
            continue
        tcp = pkt[TCP]
        mss = [v for k, v in tcp.options if k == "MSS"]
        fresh = pkt.copy()
        del fresh[TCP].chksum
        fresh = fresh.__class__(bytes(fresh))
        good = fresh[TCP].chksum == tcp.chksum
        print("%s: flags=%s mss=%s csum=%s"
              % (name, tcp.flags, mss[0] if mss else "none",
                 "ok" if good else "BAD"))


def main(argv):
    if len(argv) == 3 and argv[1] == "hex":
        print(bytes_hex(build(argv[2])).decode())
    elif len(argv) == 2 and argv[1] == "list":
        print("\n".join(PACKETS_ORDER))
    elif len(argv) == 3 and argv[1] == "show":
        show(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
