#! /usr/bin/env python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Checks the ICV of every ESP packet in a capture, independently of the
switch: nfv-esp-pcap.py PCAP SPI:KEY:SALT[:esn]...

Each SA is given by its SPI (hexadecimal), its AES-GCM key and 4-byte salt
(hexadecimal, RFC 4106 section 8.1) and ":esn" for 64-bit sequence numbers
(the high half is taken as 0: a test never sends 2^32 packets).  For each
ESP packet (IP protocol 50, or inside UDP port 4500, RFC 3948) it
authenticates and decrypts the payload with Python's cryptography package
(nonce salt || IV, AAD SPI || sequence number, RFC 4106 sections 4 and 5)
and prints one line: "N good, N bad, N unknown SPI, next headers: H,...".
Exits 1 if any ICV is bad or any SPI unknown."""

import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, UDP, rdpcap


def main():
    sas = {}
    for arg in sys.argv[2:]:
        fields = arg.split(":")
        spi = int(fields[0], 16)
        sas[spi] = (AESGCM(bytes.fromhex(fields[1])), bytes.fromhex(fields[2]),
                    len(fields) > 3 and fields[3] == "esn")
    good = bad = unknown = 0
    next_headers = set()
    for packet in rdpcap(sys.argv[1]):
        if IP not in packet:
            continue
        ip = packet.getlayer(IP)
        if ip.frag or ip.flags.MF:
            continue
        if ip.proto == 50:
            esp = bytes(ip.payload)
        elif ip.proto == 17 and packet.getlayer(UDP).dport == 4500:
            esp = bytes(packet.getlayer(UDP).payload)
        else:
            continue
        spi, seq = struct.unpack("!II", esp[:8])
        if spi not in sas:
            unknown += 1
            continue
        aead, salt, esn = sas[spi]
        aad = esp[:4] + (b"\0\0\0\0" if esn else b"") + esp[4:8]
        try:
            plain = aead.decrypt(salt + esp[8:16], esp[16:], aad)
            good += 1
            next_headers.add(plain[-1])
        except InvalidTag:
            bad += 1
    print("%d good, %d bad, %d unknown SPI, next headers: %s"
          % (good, bad, unknown, ",".join(str(h) for h in sorted(next_headers))))
    sys.exit(1 if bad or unknown else 0)


if __name__ == "__main__":
    main()
