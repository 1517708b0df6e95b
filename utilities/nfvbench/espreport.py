#!/usr/bin/python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""The datapath table of utilities/nfv-esp-bench: ESP per PMD core.

Reads the results.json that utilities/nfv-bench wrote for the ESP scenarios
(scenarios/esp.py) and prints, per direction and frame size, the medians
over the rounds of: Mpps with ESP and of its baseline in the same rounds
(encrypt: the same VXLAN tunnel without nfv-esp; decrypt: the same ESP
frames forwarded by one output rule), PMD cycles per packet, MB/s of ESP
payload, Gbit/s of the frames carried, and the ratio of the MB/s to
"openssl speed -evp aes-128-gcm" at the same size (given with --openssl),
with the target at --target-size.  Exits 2 if a direction is below the
target there, 1 if figures are missing.

  espreport.py RESULTS.JSON --openssl 64=MBPS,512=MBPS,1400=MBPS
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from nfvbench import report                             # noqa: E402
from nfvbench.scenarios import esp                      # noqa: E402

DIRECTIONS = (("encrypt", "esp-enc-%d", "plain VXLAN"),
              ("decrypt", "esp-dec-%d", "forward ESP"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--openssl", default="",
                    help="SIZE=MB/s,... of openssl speed -evp aes-128-gcm")
    ap.add_argument("--target", type=float, default=0.60)
    ap.add_argument("--target-size", type=int, default=1400)
    args = ap.parse_args()

    with open(args.results) as f:
        data = json.load(f)
    results = data["results"]
    openssl = {}
    for item in filter(None, args.openssl.split(",")):
        size, mbps = item.split("=")
        openssl[int(size)] = float(mbps)

    print("ESP in the DPDK datapath, one PMD core, AES-128-GCM: medians of "
          "%d rounds of %g s (%s)" % (data["repeats"], data["duration"],
                                      data["machine"]))
    fmt = "%-8s %5s %7s %6s %6s %6s %5s %5s %8s %7s %8s %6s  %s"
    print(fmt % ("", "frame", "ESP", "Mpps", "Mpps", "Mpps", "cyc/", "cyc/",
                 "MB/s", "Gbit/s", "openssl", "ESP/", "target"))
    print(fmt % ("", "bytes", "payload", "ESP", "base", "ratio", "pkt",
                 "base", "payload", "frames", "MB/s", "openssl",
                 ">= %.2f" % args.target))
    status = 0
    for direction, pattern, base_name in DIRECTIONS:
        for size in esp.SIZES:
            name = pattern % size
            ours = results.get(name + "/ours")
            base = results.get(name + "/plain")
            if not ours:
                print("%-8s %5d  no result" % (direction, size))
                status = max(status, 1)
                continue
            payload = esp.esp_payload(size)
            mpps = statistics.median(r["mpps"] for r in ours)
            cyc = statistics.median(r["cycles_per_packet"] for r in ours)
            bmpps = (statistics.median(r["mpps"] for r in base)
                     if base else None)
            bcyc = (statistics.median(r["cycles_per_packet"] for r in base)
                    if base else None)
            ratio = report.paired_ratio(ours, base, "mpps")
            mbps = mpps * payload
            gbps = mpps * size * 8 / 1e3
            ossl = openssl.get(size)
            vs = mbps / ossl if ossl else None
            verdict = ""
            if size == args.target_size:
                if vs is None:
                    verdict = "?"
                    status = max(status, 1)
                elif vs >= args.target:
                    verdict = "ok"
                else:
                    verdict = "BELOW"
                    status = 2
            print(fmt % (direction, size, payload, "%.3f" % mpps,
                         "-" if bmpps is None else "%.2f" % bmpps,
                         "-" if ratio is None else "%.3f" % ratio,
                         "%.0f" % cyc, "-" if bcyc is None else "%.0f" % bcyc,
                         "%.1f" % mbps, "%.2f" % gbps,
                         "-" if ossl is None else "%.1f" % ossl,
                         "-" if vs is None else "%.2f" % vs, verdict))
    print("(base, in the same rounds: encrypt = the same tunnel without "
          "nfv-esp (plain VXLAN);\n decrypt = the same ESP frames forwarded "
          "by one output rule.  ESP payload: the IP payload\n encrypted, "
          "frame - 4 (FCS) + 16 (UDP, VXLAN) bytes; Gbit/s of the frames, "
          "FCS counted;\n openssl: -evp aes-128-gcm on buffers of the frame "
          "size, from the library rounds)")
    return status


if __name__ == "__main__":
    sys.exit(main())
