# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""TCP MSS clamping (clamp_mss): its cost on ordinary TCP segments and on
SYNs, each next to the same frames forwarded by a plain output rule."""

from nfvbench.scenarios import Scenario
from nfvbench import traffic

# clamp_mss belongs in TCP flows: the rule matches tcp, as the plain one it
# is compared with does.  (Without a TCP match the megaflow would have to
# match the IP protocol and the SYN bit only because of clamp_mss, which
# takes the traffic off the datapath's "simple match" fast path; the
# mss-ack-any scenario measures that case.)
P2P = ["priority=0,actions=drop",
       "priority=10,tcp,in_port={rx},actions=output:{tx}"]
CLAMP = ["priority=0,actions=drop",
         "priority=10,tcp,in_port={rx},actions=clamp_mss(1360),output:{tx}"]
P2P_ANY = ["priority=0,actions=drop",
           "priority=10,in_port={rx},actions=output:{tx}"]
CLAMP_ANY = ["priority=0,actions=drop",
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
    Scenario("tcp-ack-any-1k", "64 B TCP ACKs, 1,000 flows, plain output "
             "from a rule that does not match tcp", _ack, P2P_ANY),
    Scenario("mss-ack-any-1k", "64 B TCP ACKs, 1,000 flows, clamp_mss(1360) "
             "then output from a rule that does not match tcp", _ack,
             CLAMP_ANY, nfv_only=True, baseline="tcp-ack-any-1k"),
    Scenario("mss-ack-1k", "64 B TCP ACKs, 1,000 flows, clamp_mss(1360) "
             "then output", _ack, CLAMP, nfv_only=True,
             baseline="tcp-ack-1k"),
    Scenario("tcp-syn-1k", "78 B TCP SYNs with MSS 1460, 1,000 flows, "
             "plain output", _syn, P2P),
    Scenario("mss-syn-1k", "78 B TCP SYNs with MSS 1460, 1,000 flows, "
             "clamp_mss(1360) then output (every packet rewritten)",
             _syn, CLAMP, nfv_only=True, baseline="tcp-syn-1k"),
]
