# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Benchmark scenarios.

A scenario is one workload measured on every switch under test.  Each
module in this package defines a list SCENARIOS of Scenario objects; the
harness finds them all, so a feature adds its workloads by adding a module
here (e.g. scenarios/nsod.py), never by copying the harness.
"""

import importlib
import pkgutil


class Scenario:
    """One benchmark workload.

    name        short unique name, used on the command line and in tables.
    description one line for the table and the documentation.
    frames      function () -> iterable of Ethernet frames (bytes): the pcap
                replayed by net_pcap; one frame per flow.
    flows       OpenFlow flows for bridge br0, ovs-ofctl syntax; {rx} and
                {tx} stand for the OpenFlow ports of the pcap and null
                devices.
    other_config  Open_vSwitch other_config keys to set (dict).
    vsctl       extra ovs-vsctl commands run after the ports are added,
                each a list of arguments.
    testpmd     True if dpdk-testpmd io forwarding on the same devices is a
                meaningful ceiling for this scenario.
    nfv_only    True if the flows use the fork's own actions (clamp_mss,
                nsod, ...): upstream's switch cannot run them, so only ours
                is measured; compare with the plain scenario named in
                'baseline' instead.
    baseline    name of the scenario with the same frames and plain
                forwarding, for nfv_only scenarios.
    groups      OpenFlow groups for br0 (ovs-ofctl add-groups syntax,
                OpenFlow 1.5), added before the flows, which may then use
                them (the flows are then added with OpenFlow 1.5 too).
    setup       function (SwitchRun) -> None, called after the ports are
                added and before the groups and flows: configuration the
                flows need beyond Open_vSwitch (e.g. NSOD services in the
                NFV_Tenant database, a tunnel's underlay address and
                route).  The fork's databases only in nfv_only scenarios:
                upstream's switch has none of them.
    check       function (SwitchRun) -> str, called after the measurement
                while the switch still runs: checks the action did its work
                (raises harness.BenchError if not) and returns one line of
                evidence for the log and results.json ("check").
    rx_options  Interface options of the pcap port (dict), set when it is
                added (e.g. n_rxq_desc).
    hugepages   2 MiB hugepages the scenario needs (default: the harness's
                2048).
    tx_bridge   bridge of the null port (default br0): another name makes
                the harness create that bridge too (netdev, fail-mode
                secure) with the null port as its OpenFlow port 2, e.g. a
                tunnel's underlay bridge; the rate is what that port sends.
    tx_flows    OpenFlow flows for tx_bridge, like 'flows' (the bridge's
                own port is LOCAL).
    netns       True to run ovs-vswitchd in a network namespace of its own
                (IPv6 off): bridges' tap devices can then get addresses and
                routes (SwitchRun.netns_exec()) without touching the host.
    """

    def __init__(self, name, description, frames, flows,
                 other_config=None, vsctl=(), testpmd=True, nfv_only=False,
                 baseline=None, groups=(), setup=None, check=None,
                 rx_options=None, hugepages=None, tx_bridge="br0",
                 tx_flows=(), netns=False):
        self.name = name
        self.description = description
        self.frames = frames
        self.flows = flows
        self.other_config = dict(other_config or {})
        self.vsctl = list(vsctl)
        self.testpmd = testpmd
        self.nfv_only = nfv_only
        self.baseline = baseline
        self.groups = list(groups)
        self.setup = setup
        self.check = check
        self.rx_options = dict(rx_options or {})
        self.hugepages = hugepages
        self.tx_bridge = tx_bridge
        self.tx_flows = list(tx_flows)
        self.netns = netns


def all_scenarios():
    """Every scenario of every module in this package, in module order."""
    found = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        module = importlib.import_module("%s.%s" % (__name__, mod))
        found.extend(getattr(module, "SCENARIOS", []))
    names = [s.name for s in found]
    dups = set(n for n in names if names.count(n) > 1)
    if dups:
        raise ValueError("duplicate scenario names: %s" % ", ".join(sorted(dups)))
    return found
