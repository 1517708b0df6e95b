#!/usr/bin/python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Frames for the fragmentation autotests (nfv-frag.at), built with scapy.

"make" commands print frames as hex, one per line, for
"ovs-appctl netdev-dummy/receive PORT HEX"; the others read pcap files.

  whole              the UDP datagram the fragments come from (3008 bytes
                     of IP), 10.0.0.1 -> 10.0.0.2, id 0x1234
  frags CASE         its fragments of 1000 bytes of data (4), as CASE says:
                       in-order, reverse, missing (the third left out),
                       overlap (the second overlaps the first),
                       duplicate (the second twice), bad (a non-last
                       fragment whose data is not a multiple of 8 bytes),
                       large (a datagram of 60000 bytes of IP, id 0x2345,
                       in fragments of 8192 bytes of data) or huge (65515
                       bytes of IP, id 0x3456: too big to reassemble with
                       its Ethernet header and headroom in a dp_packet)
  big LEN            one UDP frame of LEN bytes of IP, DF clear, from VM
                     port MAC 50:54:00:00:00:01 to 50:54:00:00:00:02
  show PCAP          per frame: IP length, flags, fragment offset (bytes)
  inner PCAP LEN     reassembles the outer fragments in PCAP and prints
                     "ok" if the VXLAN packet inside carries the frame
                     "big LEN" makes, byte for byte
"""

import logging
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.all import (Ether, IP, UDP, Raw, VXLAN, rdpcap,  # noqa: E402
                       defragment, fragment, raw)

SRC_MAC = "50:54:00:00:00:01"
DST_MAC = "50:54:00:00:00:02"


def whole(ip_len=3028, ident=0x1234):
    """The datagram of the 'frags' commands: 'ip_len' bytes of IP."""
    payload = bytes((i * 7) & 0xff for i in range(ip_len - 28))
    pkt = (Ether(src=SRC_MAC, dst=DST_MAC)
           / IP(src="10.0.0.1", dst="10.0.0.2", id=ident, flags=0)
           / UDP(sport=5000, dport=6000) / Raw(payload))
    return Ether(raw(pkt))


def frags(case):
    """Fragments of whole(), per 'case'."""
    if case in ("large", "huge"):
        ip_len, ident = (60000, 0x2345) if case == "large" else (65515,
                                                                 0x3456)
        return [Ether(src=SRC_MAC, dst=DST_MAC) / f
                for f in fragment(whole(ip_len, ident)[IP], fragsize=8192)]
    pieces = [Ether(src=SRC_MAC, dst=DST_MAC) / f
              for f in fragment(whole()[IP], fragsize=1000)]
    if case == "in-order":
        return pieces
    if case == "reverse":
        return list(reversed(pieces))
    if case == "missing":
        return pieces[:2] + pieces[3:]
    if case == "duplicate":
        return pieces[:2] + pieces[1:]
    if case == "overlap":
        second = pieces[1].copy()
        second[IP].frag -= 1            # 8 bytes into the first.
        del second[IP].chksum
        return [pieces[0], Ether(raw(second))] + pieces[2:]
    if case == "bad":
        first = pieces[0].copy()
        first[Raw].load = first[Raw].load[:-3]
        del first[IP].len
        del first[IP].chksum
        return [Ether(raw(first))]
    raise SystemExit("unknown case %s" % case)


def big(length):
    """A UDP frame of 'length' bytes of IP."""
    data = bytes((i * 13) & 0xff for i in range(length - 28))
    return Ether(raw(Ether(src=SRC_MAC, dst=DST_MAC)
                     / IP(src="10.0.0.1", dst="10.0.0.2", flags=0)
                     / UDP(sport=5001, dport=6001) / Raw(data)))


def main(argv):
    cmd = argv[1]
    if cmd == "whole":
        print(raw(whole()).hex())
    elif cmd == "frags":
        for f in frags(argv[2]):
            print(raw(f).hex())
    elif cmd == "big":
        print(raw(big(int(argv[2]))).hex())
    elif cmd == "show":
        for p in rdpcap(argv[2]):
            ip = p[IP]
            print("len=%d flags=%s offset=%d" % (ip.len, ip.flags,
                                                  ip.frag * 8))
    elif cmd == "inner":
        packets = defragment([p for p in rdpcap(argv[2]) if IP in p])
        want = raw(big(int(argv[3])))
        found = [p for p in packets
                 if VXLAN in p and raw(p[VXLAN].payload) == want]
        print("ok" if found else "not found")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
