# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""NSOD (the nsod(service=NAME) action): its cost per classifier at 10
sessions and at the most live sessions replayed traffic can carry, next to
the same frames forwarded by a plain rule and by a select group.

Backends: as in the NTT prototype, one VLAN id per NFV VM: four backends,
all on the null port (tx0, OpenFlow port 2), with VLAN ids 101 to 104 (NSOD
pushes a tag on an untagged frame and rewrites the tag of a tagged one).
So that every rule does the same rewrite work, the comparisons are:

  plain-*   mod_vlan_vid:101,output:2 (one VLAN id for all): the baseline
            of the nsod-* scenarios, in the same rounds;
  output-*  output:2 with no rewrite at all (5-tuple traffic only);
  select-*  group 1, type select, selection_method=dp_hash, four buckets
            mod_vlan_vid:101..104,output:2 (5-tuple traffic only): what
            upstream offers for spreading flows over VMs;
  nsod-*    nsod(service=bench) over the four backends (ours only).

Sizes: "10" is 10 sessions; "250k" is what the shared mempool of
ovs-vswitchd (262,144 mbufs) lets net_pcap hold; "1m" is 1,000,000 sessions
in one pcap, which needs a mempool of its own for the pcap port (MILLION
below); the VLAN classifier has at most 4,094 sessions ("4k"), one per VLAN
id.  Every frame of a pcap is its own session, so all sessions are live:
each is hit once per replay of the pcap, every 0.1-0.4 s at these rates
(idle timeout 60 s).
"""

import os
import re
import time

from nfvbench.scenarios import Scenario
from nfvbench import harness, traffic

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
SCHEMA = os.path.join(TOP, "ovsdb", "nfv-tenant.ovsschema")
SERVICE = "bench"
VLANS = (101, 102, 103, 104)

P2P = ["priority=0,actions=drop",
       "priority=10,in_port={rx},actions=output:{tx}"]
PLAIN = ["priority=0,actions=drop",
         "priority=10,in_port={rx},actions=mod_vlan_vid:%d,output:{tx}"
         % VLANS[0]]
SELECT = ["priority=0,actions=drop",
          "priority=10,in_port={rx},actions=group:1"]
GROUPS = ["group_id=1,type=select,selection_method=dp_hash,"
          + ",".join("bucket=actions=mod_vlan_vid:%d,output:2" % v
                     for v in VLANS)]
NSOD = ["priority=0,actions=drop",
        "priority=10,in_port={rx},actions=nsod(service=%s)" % SERVICE]

# A pcap of 1,000,000 frames: with per-port memory, netdev-dpdk sizes a
# port's mempool as n_rxq * n_rxq_desc + n_txq * n_txq_desc + ... + 16,384
# mbufs (dpdk_calculate_mbufs()).  n_rxq=256 (of which net_pcap, with one
# pcap, configures 1 queue: the others only size the mempool) and 4,096
# descriptors give 1,077,248 mbufs of about 2.5 KiB.
MILLION = dict(other_config={"per-port-memory": "true"},
               rx_options={"n_rxq": "256", "n_rxq_desc": "4096"},
               hugepages=3072, testpmd=False)


def _transact(run, ops):
    return run.tool("ovsdb-client", "transact",
                    "unix:%s/db.sock" % run.dir,
                    '["NFV_Tenant", %s]' % ", ".join(ops))


def _setup(classifier):
    """Serves NFV_Tenant from the run's ovsdb-server, creates service
    'bench' with the four backends and waits until ovs-vswitchd has it (a
    flow naming a service it does not have yet is refused)."""
    def setup(run):
        db = os.path.join(run.dir, "nfv-tenant.db")
        run.tool("ovsdb-tool", "create", db, SCHEMA)
        run.appctl("-t", "ovsdb-server", "ovsdb-server/add-db", db)
        ops = ['{"op": "insert", "table": "NSOD_Backend", "uuid-name": "vm%d",'
               ' "row": {"name": "vm%d", "interface": "tx0", "vlan": %d}}'
               % (i + 1, i + 1, vlan) for i, vlan in enumerate(VLANS)]
        ops.append('{"op": "insert", "table": "NSOD_Service", "row": '
                   '{"name": "%s", "classifier": "%s", "max_sessions": '
                   '2097152, "backends": ["set", [%s]]}}'
                   % (SERVICE, classifier,
                      ", ".join('["named-uuid", "vm%d"]' % (i + 1)
                                for i in range(len(VLANS)))))
        _transact(run, ops)
        deadline = time.time() + 30
        while True:
            show = run.appctl("nsod/show", SERVICE)
            if len(re.findall(r"backend vm\d: port 2,", show)) == len(VLANS):
                return
            if time.time() > deadline:
                raise harness.BenchError("NSOD service %s not configured "
                                         "after 30 s:\n%s" % (SERVICE, show))
            time.sleep(0.2)
    return setup


SERVICE_LINE = re.compile(r"packets (\d+), bytes \d+, sessions (\d+) "
                          r"\((\d+) placed\), classifier fallbacks (\d+), "
                          r"not stored \(table full\) (\d+), dropped "
                          r"\(no backend\) (\d+)")
BACKEND_LINE = re.compile(r"backend (\S+): port \d+, vlan (\d+), .*: packets "
                          r"(\d+), bytes \d+, sessions (\d+)")


def _check(sessions):
    """After the measurement: the service must hold 'sessions' live
    sessions, with no classifier fallback, and every backend must have
    received packets (with 1,000 sessions or more: a handful of keys may
    hash to three of the four backends, as the select group's may)."""
    def check(run):
        show = run.appctl("nsod/show", SERVICE)
        m = SERVICE_LINE.search(show)
        backends = BACKEND_LINE.findall(show)
        if not m or len(backends) != len(VLANS):
            raise harness.BenchError("unexpected nsod/show:\n" + show)
        packets, live, placed, fallbacks, full, dropped = map(int, m.groups())
        line = ("sessions %d (expected %d, %d placed), fallbacks %d, table "
                "full %d, no backend %d; per backend packets %% / sessions: %s"
                % (live, sessions, placed, fallbacks, full, dropped,
                   ", ".join("%s %.1f%% / %s" % (name, 100.0 * int(p)
                                                  / max(packets, 1), s)
                             for name, vlan, p, s in backends)))
        if (live != sessions or fallbacks or full or dropped
                or (sessions >= 1000
                    and not all(int(p) for _, _, p, _ in backends))):
            raise harness.BenchError("NSOD did not distribute as expected: "
                                     + line)
        return line
    return check


def _scenarios(tag, what, frames, sessions, with_select=False):
    """plain-TAG, nsod-TAG and, for 5-tuple traffic, output-TAG and
    select-TAG, on 'frames' (function () -> frames, one per session)."""
    classifier = tag.split("-")[0]
    big = MILLION if sessions > 250000 else {}
    found = []
    if with_select:
        found += [Scenario("output-" + tag, what + ", output only",
                           frames, P2P, **big),
                  Scenario("select-" + tag, what + ", select group "
                           "(dp_hash, 4 buckets mod_vlan_vid, output)",
                           frames, SELECT, groups=GROUPS, **big)]
    found += [Scenario("plain-" + tag, what + ", mod_vlan_vid then output",
                       frames, PLAIN, **big),
              Scenario("nsod-" + tag, what + ", nsod %s classifier to 4 "
                       "VLAN backends" % ("5tuple" if classifier == "5t"
                                          else classifier),
                       frames, NSOD, nfv_only=True, baseline="plain-" + tag,
                       setup=_setup("5tuple" if classifier == "5t"
                                    else classifier),
                       check=_check(sessions), **big)]
    return found


def _udp(n):
    return lambda: (traffic.udp_frame(64, i) for i in range(n))


def _vlan(n):
    # 64 B on the wire with the tag; VLAN ids 1..4094, one per frame.
    return lambda: (traffic.vlan_frame(traffic.udp_frame(60, i), 1 + i)
                    for i in range(n))


def _pppoe(n):
    return lambda: (traffic.pppoe_session_frame(128, i) for i in range(n))


def _l2tp(n):
    return lambda: (traffic.l2tp_frame(128, i) for i in range(n))


def _sip(n):
    return lambda: (traffic.sip_invite_frame(i) for i in range(n))


M = 1000000
SCENARIOS = (
    _scenarios("5t-10", "64 B UDP, 10 sessions", _udp(10), 10,
               with_select=True)
    # A control: the plain rule with the NSOD service configured but unused,
    # against the plain rule alone: what the NSOD module costs the PMD
    # thread without the action (ovs-vswitchd's main thread differs).
    + [Scenario("svc-5t-10", "64 B UDP, 10 sessions, mod_vlan_vid then "
                "output, NSOD service configured but not used", _udp(10),
                PLAIN, nfv_only=True, baseline="plain-5t-10",
                setup=_setup("5tuple"))]
    + _scenarios("5t-250k", "64 B UDP, 250,000 sessions", _udp(250000),
                 250000, with_select=True)
    + _scenarios("5t-1m", "64 B UDP, 1,000,000 sessions", _udp(M), M,
                 with_select=True)
    + _scenarios("vlan-10", "64 B 802.1Q-tagged UDP, 10 VLANs", _vlan(10), 10)
    + _scenarios("vlan-4k", "64 B 802.1Q-tagged UDP, 4,094 VLANs",
                 _vlan(4094), 4094)
    + _scenarios("pppoe-10", "128 B PPPoE session frames, 10 subscribers",
                 _pppoe(10), 10)
    + _scenarios("pppoe-1m", "128 B PPPoE session frames, 1,000,000 "
                 "subscribers", _pppoe(M), M)
    + _scenarios("l2tp-10", "128 B L2TPv2 data, 10 sessions", _l2tp(10), 10)
    + _scenarios("l2tp-1m", "128 B L2TPv2 data, 1,000,000 sessions",
                 _l2tp(M), M)
    + _scenarios("sip-10", "SIP INVITEs (about 300 B), 10 calls", _sip(10),
                 10)
    + _scenarios("sip-1m", "SIP INVITEs (about 300 B), 1,000,000 calls",
                 _sip(M), M)
)
