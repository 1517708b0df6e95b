#!/usr/bin/python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Frames for the NSOD autotests (nfv-nsod.at), built with scapy.

Each "make" command prints frames as hex, one per line, for
"ovs-appctl netdev-dummy/receive PORT HEX"; "show" prints what arrived in
a pcap file, one frame per line.

  udp N              N UDP frames, 10.0.0.1:(10000+i) -> 10.1.0.1:80
  tcp N              N TCP SYNs, 10.0.0.1:(20000+i) -> 10.1.0.1:80
  udp-port SPORT     one UDP frame 10.0.0.1:SPORT -> 10.1.0.1:80
  tcp-port SPORT     one TCP SYN 10.0.0.1:SPORT -> 10.1.0.1:80
  http-get SPORT HOST
                     HTTP GET with Host HOST, 10.0.0.1:SPORT -> 10.1.0.1:80
  tls-hello SPORT SNI
                     TLS ClientHello with server_name SNI, to port 443
  vlan VID...        one untagged-payload frame per 802.1Q VLAN id
  pppoe-padi MAC     PPPoE discovery PADI from client MAC
  pppoe-session MAC SESSION
                     PPPoE session frame (PPP IPv4) from client MAC
  l2tp TUNNEL SESSION SPORT
                     L2TPv2 data over UDP 1701 from source port SPORT
  sip CALL-ID SPORT [tcp]
                     SIP INVITE with Call-ID from source port SPORT
  show PCAP          per frame: vlan, destination MAC, L4 source port
  show-tags PCAP     per frame: every 802.1Q tag's VLAN id, destination
                     and source MAC, L4 source port, length
"""

import logging
import sys

# Scapy warns on stderr about interfaces that other tests create and delete
# while it reads the routing table; the tests check stderr.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

from scapy.all import (Ether, Dot1Q, IP, UDP, TCP, PPPoED, PPPoE, PPP,
                       Raw, rdpcap)

CLIENT = "00:00:00:00:01:01"
SWITCH = "00:00:00:00:02:02"


def emit(frame):
    print(bytes(frame).hex())


def ether(src=CLIENT):
    return Ether(src=src, dst=SWITCH)


def main(argv):
    cmd = argv[0]
    if cmd == "udp":
        for i in range(int(argv[1])):
            emit(ether() / IP(src="10.0.0.1", dst="10.1.0.1")
                 / UDP(sport=10000 + i, dport=80) / Raw(b"x" * 18))
    elif cmd == "tcp":
        for i in range(int(argv[1])):
            emit(ether() / IP(src="10.0.0.1", dst="10.1.0.1")
                 / TCP(sport=20000 + i, dport=80, flags="S"))
    elif cmd in ("udp-port", "tcp-port"):
        l4 = (UDP(sport=int(argv[1]), dport=80) if cmd == "udp-port"
              else TCP(sport=int(argv[1]), dport=80, flags="S"))
        emit(ether() / IP(src="10.0.0.1", dst="10.1.0.1") / l4)
    elif cmd == "http-get":
        sport, host = int(argv[1]), argv[2]
        req = ("GET / HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n"
               % host).encode()
        emit(ether() / IP(src="10.0.0.1", dst="10.1.0.1")
             / TCP(sport=sport, dport=80, flags="PA") / Raw(req))
    elif cmd == "tls-hello":
        sport, sni = int(argv[1]), argv[2].encode()
        name = b"\x00" + len(sni).to_bytes(2, "big") + sni
        ext = (b"\x00\x00" + (len(name) + 2).to_bytes(2, "big")
               + len(name).to_bytes(2, "big") + name)
        body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01"
                + b"\x01\x00" + len(ext).to_bytes(2, "big") + ext)
        hs = b"\x01" + len(body).to_bytes(3, "big") + body
        record = b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs
        emit(ether() / IP(src="10.0.0.1", dst="10.1.0.1")
             / TCP(sport=sport, dport=443, flags="PA") / Raw(record))
    elif cmd == "vlan":
        for vid in argv[1:]:
            emit(ether() / Dot1Q(vlan=int(vid))
                 / IP(src="10.0.0.1", dst="10.1.0.1") / UDP(sport=1, dport=2))
    elif cmd == "pppoe-padi":
        emit(Ether(src=argv[1], dst="ff:ff:ff:ff:ff:ff")
             / PPPoED(code=0x09, sessionid=0) / Raw(b"\x01\x01\x00\x00"))
    elif cmd == "pppoe-session":
        emit(Ether(src=argv[1], dst=SWITCH)
             / PPPoE(sessionid=int(argv[2])) / PPP(proto=0x0021)
             / IP(src="100.64.0.9", dst="8.8.8.8") / UDP(sport=5, dport=53))
    elif cmd == "l2tp":
        tunnel, session, sport = (int(x) for x in argv[1:4])
        l2tp = bytes([0x00, 0x02]) + tunnel.to_bytes(2, "big") \
            + session.to_bytes(2, "big") + b"\xff\x03\x00\x21"
        emit(ether() / IP(src="192.0.2.1", dst="192.0.2.2")
             / UDP(sport=sport, dport=1701) / Raw(l2tp))
    elif cmd == "sip":
        call_id, sport = argv[1], int(argv[2])
        sip = ("INVITE sip:bob@example.com SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 10.0.0.1:%d\r\n"
               "From: <sip:alice@example.com>;tag=1\r\n"
               "To: <sip:bob@example.com>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: 1 INVITE\r\n"
               "Content-Length: 0\r\n\r\n" % (sport, call_id)).encode()
        l4 = (TCP(sport=sport, dport=5060, flags="PA")
              if len(argv) > 3 and argv[3] == "tcp"
              else UDP(sport=sport, dport=5060))
        emit(ether() / IP(src="10.0.0.1", dst="10.1.0.5") / l4 / Raw(sip))
    elif cmd == "show":
        for p in rdpcap(argv[1]):
            vlan = p[Dot1Q].vlan if Dot1Q in p else "none"
            sport = (p[UDP].sport if UDP in p
                     else p[TCP].sport if TCP in p else "-")
            print("vlan=%s dst=%s sport=%s" % (vlan, p[Ether].dst, sport))
    elif cmd == "show-tags":
        for p in rdpcap(argv[1]):
            tags, layer = [], p[Ether].payload
            while isinstance(layer, Dot1Q):
                tags.append(str(layer.vlan))
                layer = layer.payload
            sport = (p[UDP].sport if UDP in p
                     else p[TCP].sport if TCP in p else "-")
            print("tags=%s dst=%s src=%s sport=%s len=%d"
                  % (",".join(tags) or "none", p[Ether].dst, p[Ether].src,
                     sport, len(p)))
    else:
        sys.stderr.write("unknown command %s\n" % cmd)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
