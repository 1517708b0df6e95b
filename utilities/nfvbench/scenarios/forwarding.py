# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Plain forwarding and flow-lookup scenarios (the DPDK datapath itself)."""

from nfvbench.scenarios import Scenario
from nfvbench import traffic

# One OpenFlow rule: everything from the pcap port goes to the null port.
P2P = ["priority=0,actions=drop",
       "priority=10,in_port={rx},actions=output:{tx}"]

# Rules that make the datapath keep one megaflow per UDP source port: the
# drop rule for source port 1 forces tp_src into every megaflow's mask.
PER_PORT_MEGAFLOWS = ["priority=0,actions=drop",
                      "priority=20,udp,in_port={rx},tp_src=1,actions=drop",
                      "priority=10,in_port={rx},actions=output:{tx}"]

# The exact-match cache off, so that every packet is a megaflow (dpcls)
# lookup; SMC stays off as by default.
NO_EMC = {"emc-insert-inv-prob": "0"}


def _udp(size, n):
    return lambda: (traffic.udp_frame(size, i) for i in range(n))


SCENARIOS = [
    Scenario("p2p-64", "64 B UDP, 1 flow, one output rule",
             _udp(64, 1), P2P),
    Scenario("p2p-1500", "1500 B UDP, 1 flow, one output rule",
             _udp(1500, 1), P2P),
    Scenario("p2p-imix-1k", "IMIX (7:4:1 of 64/576/1500 B), 1,000 flows",
             lambda: (traffic.udp_frame(size, i) for i, size in
                      enumerate(traffic.imix_sizes(1000))), P2P),
    Scenario("megaflow-10k", "64 B UDP, 10,000 flows, 10,000 megaflows, "
             "EMC off (dpcls lookups)",
             _udp(64, 10000), PER_PORT_MEGAFLOWS, other_config=NO_EMC),
    # net_pcap holds every frame of the pcap in an mbuf of the switch's rx
    # mempool (at most 262,144 mbufs in ovs-vswitchd), so a replayed pcap
    # carries at most ~100,000 flows.
    Scenario("flows-100k", "64 B UDP, 100,000 flows (EMC thrashing), "
             "one megaflow",
             lambda: (traffic.udp_frame(64, i, sport=1024 + i % 50000)
                      for i in range(100000)), P2P),
    Scenario("tcp-syn-10k", "64 B TCP, 10,000 flows, 1 in 10 a SYN",
             lambda: (traffic.tcp_frame(64, i, flags=traffic.TCP_SYN
                                        if i % 10 == 0 else traffic.TCP_ACK)
                      for i in range(10000)), P2P),
    Scenario("vxlan-64-10k", "VXLAN-encapsulated 64 B UDP (114 B outer), "
             "10,000 inner flows, forwarded as plain packets",
             lambda: (traffic.vxlan_frame(traffic.udp_frame(64, i), 1000 + i % 16)
                      for i in range(10000)), P2P),
]
