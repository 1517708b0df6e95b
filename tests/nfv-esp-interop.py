#!/usr/bin/python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""ESP interoperability with scapy for the autotests (nfv-esp.at).

Frames are hex Ethernet frames, one per line, as "ovstest test-esp
encrypt" and "decrypt" read and write them.

  frames             prints the plain frames: VXLAN-in-UDP and keyed GRE
                     tunnel packets (192.0.2.1 -> 192.0.2.2, DF) whose ESP
                     payloads need 0, 1, 2 and 3 bytes of padding, and a
                     1400-byte one of each
  encrypt OPTIONS    encrypts each frame on stdin with scapy's ESP
                     (transport mode, AES-GCM): frame i gets sequence
                     number SEQ + i, and as IV that sequence number (64
                     bits, big-endian), as ovstest test-esp does
  decrypt OPTIONS    decrypts each frame on stdin with scapy, expecting
                     sequence number SEQ + i (for the high bits with ESN);
                     prints the plain frame or "drop: auth_failed"
  tamper             flips one bit of the last byte (the ICV) of each frame
  show               prints each ESP frame's transport and SPI, after
                     checking its IP total length and checksum (and UDP
                     length and zero checksum): "esp spi=0x1000" or
                     "udp 4500>4500 esp spi=0x1000"

OPTIONS, as for "ovstest test-esp encrypt": --key=HEX (16 or 32 bytes),
--salt=HEX (4 bytes), --spi=N, --seq=N (low 32 bits of the first sequence
number, default 1), --esn[=HIGH] (64-bit sequence numbers, the first one's
high 32 bits), --udp-encap (RFC 3948, port --port, default 4500); --remote
is accepted and ignored.
"""

import argparse
import logging
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.all import (GRE, ICMP, IP, UDP, VXLAN, Ether, Raw,  # noqa: E402
                       raw)
from scapy.layers.ipsec import (ESP, IPSecIntegrityError,  # noqa: E402
                                SecurityAssociation)

MAC_A = "50:54:00:00:00:01"
MAC_B = "50:54:00:00:00:02"
LOCAL = "192.0.2.1"
PEER = "192.0.2.2"


def frames():
    """The plain frames.  The ESP payload (everything after the outer IP
    header) plus the 2 trailer bytes is 0, 1, 2 or 3 bytes short of a
    multiple of 4 for the first four of each kind."""
    outer = Ether(src=MAC_A, dst=MAC_B) / IP(src=LOCAL, dst=PEER, id=7,
                                               flags="DF", ttl=64)
    inner = Ether(src="f0:00:00:00:00:01", dst="f0:00:00:00:00:02")
    result = []
    for n in (0, 1, 2, 3, 1300):
        vxlan = (outer / UDP(sport=49152 + n, dport=4789, chksum=0)
                 / VXLAN(vni=100)
                 / inner / IP(src="10.0.0.1", dst="10.0.0.2")
                 / ICMP(id=1, seq=n) / Raw((bytes(range(256)) * 6)[:n]))
        result.append(Ether(raw(vxlan)))
    for n in (0, 1, 2, 3, 1300):
        gre = (outer / GRE(key_present=1, key=7, proto=0x6558) / inner
               / IP(src="10.0.0.1", dst="10.0.0.2")
               / UDP(sport=5000, dport=6000)
               / Raw((bytes(range(256)) * 6)[:n]))
        result.append(Ether(raw(gre)))
    return result


def parse_options(args):
    p = argparse.ArgumentParser(prog="nfv-esp-interop.py")
    p.add_argument("--key", required=True)
    p.add_argument("--salt", required=True)
    p.add_argument("--spi", default="0x1000")
    p.add_argument("--seq", type=lambda s: int(s, 0), default=1)
    p.add_argument("--esn", nargs="?", const="0", default=None)
    p.add_argument("--udp-encap", action="store_true")
    p.add_argument("--port", type=lambda s: int(s, 0), default=4500)
    p.add_argument("--remote")
    opts = p.parse_args(args)
    opts.key = bytes.fromhex(opts.key)
    opts.salt = bytes.fromhex(opts.salt)
    opts.spi = int(opts.spi, 0)
    high = int(opts.esn, 0) if opts.esn is not None else 0
    opts.first = (high << 32) | opts.seq
    return opts


def security_association(opts):
    nat_t = (UDP(sport=opts.port, dport=opts.port) if opts.udp_encap
             else None)
    return SecurityAssociation(ESP, spi=opts.spi, crypt_algo="AES-GCM",
                               crypt_key=opts.key + opts.salt,
                               auth_algo=None, esn_en=opts.esn is not None,
                               esn=0, nat_t_header=nat_t)


def hex_frames():
    for line in sys.stdin:
        line = line.strip()
        if line:
            yield bytes.fromhex(line)


def encrypt(opts):
    sa = security_association(opts)
    for i, frame in enumerate(hex_frames()):
        seq = opts.first + i
        # Through the attributes, not the arguments: scapy takes a 0
        # argument for "not given".
        sa.seq_num = seq & 0xffffffff
        sa.esn = seq >> 32
        enc = sa.encrypt(IP(frame[14:]), iv=seq.to_bytes(8, "big"))
        if opts.udp_encap:
            # scapy 2.5.0 leaves the NAT-T UDP length at 8 (fixed after
            # 2.5.0 by secdev/scapy PR #4125).
            enc[UDP].len = None
        print((frame[:14] + raw(enc)).hex())


def decrypt(opts):
    sa = security_association(opts)
    for i, frame in enumerate(hex_frames()):
        sa.esn = (opts.first + i) >> 32
        try:
            dec = sa.decrypt(IP(frame[14:]))
        except IPSecIntegrityError:
            print("drop: auth_failed")
            continue
        print((frame[:14] + raw(dec)).hex())


def tamper():
    for frame in hex_frames():
        print((frame[:-1] + bytes([frame[-1] ^ 0x01])).hex())


def show():
    for frame in hex_frames():
        ip = IP(frame[14:])
        words = []
        if ip.len != len(frame) - 14:
            words.append("BAD-IP-LENGTH")
        if ip.chksum != _ip_checksum(ip):
            words.append("BAD-IP-CHECKSUM")
        esp = raw(ip.payload)
        if ip.proto == 17:
            udp = UDP(esp[:8])
            words.append("udp %d>%d" % (udp.sport, udp.dport))
            if udp.len != len(esp) or udp.chksum != 0:
                words.append("BAD-UDP")
            esp = esp[8:]
        elif ip.proto != 50:
            words.append("proto %d" % ip.proto)
        words.append("esp spi=%#x" % int.from_bytes(esp[:4], "big"))
        print(" ".join(words))


def _ip_checksum(ip):
    """The IPv4 header checksum 'ip' should have."""
    header = bytearray(raw(ip)[:ip.ihl * 4])
    header[10:12] = b"\0\0"
    total = sum(int.from_bytes(header[i:i + 2], "big")
                for i in range(0, len(header), 2))
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "frames":
        for f in frames():
            print(raw(f).hex())
    elif cmd == "encrypt":
        encrypt(parse_options(args))
    elif cmd == "decrypt":
        decrypt(parse_options(args))
    elif cmd == "tamper":
        tamper()
    elif cmd == "show":
        show()
    else:
        sys.exit("%s: unknown command" % cmd)


if __name__ == "__main__":
    main()
