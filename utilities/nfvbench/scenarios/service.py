# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Service traffic that NSOD classifies (SIP, PPPoE, L2TP), forwarded by a
plain output rule: the baseline that the nsod scenarios will be compared
with, measured on both switches today."""

from nfvbench.scenarios import Scenario
from nfvbench import traffic

P2P = ["priority=0,actions=drop",
       "priority=10,in_port={rx},actions=output:{tx}"]

SCENARIOS = [
    Scenario("sip-invite-1k", "SIP INVITEs over UDP (about 300 B), 1,000 "
             "clients and calls, plain output",
             lambda: (traffic.sip_invite_frame(i) for i in range(1000)), P2P),
    Scenario("pppoe-128-10k", "PPPoE session frames of 128 B, 10,000 "
             "subscribers (MAC address and session id), plain output",
             lambda: (traffic.pppoe_session_frame(128, i)
                      for i in range(10000)), P2P),
    Scenario("l2tp-128-10k", "L2TPv2 data over UDP 1701 of 128 B, 10,000 "
             "sessions in 157 tunnels, plain output",
             lambda: (traffic.l2tp_frame(128, i) for i in range(10000)), P2P),
]
