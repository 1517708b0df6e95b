# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""TCP MSS clamping (clamp_mss): its cost on ordinary TCP segments and on
SYNs, each next to the same frames forwarded by a plain output rule."""

from nfvbench.scenarios import Scenario
from nfvbench import traffic

P2P = ["priority=0,actions=drop",
       "priority=10,in_port={rx},actions=output:{tx}"]
CLAMP = ["priority=0,actions=drop",
         "priority=10,in_port={rx},actions=clamp_mss(1360),output:{tx}"]

# MSS 1460, SACK permitted, window scale 7: what Linux offers on MTU 1500.
SYN_OPTIONS = b"\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07"
FLOWS = 1000


def _ack():
    return (traffic.tcp_frame(64, i) for i in range(FLOWS))


def _syn():
    return (traffic.tcp_frame(78, i, flags=traffic.TCP_SYN,
                              options=SYN_OPTIONS) for i in range(FLOWS))


SCENARIOS = [
    Scenario("tcp-ack-1k", "64 B TCP ACKs, 1,000 flows, plain output",
             _ack, P2P),
    Scenario("mss-ack-1k", "64 B TCP ACKs, 1,000 flows, clamp_mss(1360) "
             "then output", _ack, CLAMP, nfv_only=True,
             baseline="tcp-ack-1k"),
    Scenario("tcp-syn-1k", "78 B TCP SYNs with MSS 1460, 1,000 flows, "
             "plain output", _syn, P2P),
    Scenario("mss-syn-1k", "78 B TCP SYNs with MSS 1460, 1,000 flows, "
             "clamp_mss(1360) then output (every packet rewritten)",
             _syn, CLAMP, nfv_only=True, baseline="tcp-syn-1k"),
]
