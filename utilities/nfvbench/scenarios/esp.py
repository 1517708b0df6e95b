# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""IPsec ESP in the DPDK datapath (Documentation/topics/nfv-esp.rst): the
encrypting and the decrypting path of one PMD thread, per frame size.

Encryption (esp-enc-SIZE, against vxlan-enc-SIZE in the same rounds):
frames of SIZE bytes (FCS counted, as everywhere in the harness) from the
pcap port rx0 on br0 go to VXLAN tunnel t0 (remote 10.0.0.2, key 100); its
underlay is bridge br-ul (address 10.0.0.1/24 on its tap device, in the
switch's own network namespace; the peer's MAC address set with
tnl/arp/set), whose rule sends what the tunnel gives it to the null port.
esp-enc has other_config:nfv-esp=true on t0 and an outbound SA for
10.0.0.2 (AES-128-GCM, ovs-tenantctl esp-add-sa), so each packet leaves as
tnl_push then esp_encrypt; vxlan-enc is the same tunnel without it (plain
VXLAN encapsulation).

Decryption (esp-dec-SIZE, against esp-fwd-SIZE): a pcap of ESP packets from
10.0.0.2 to 10.0.0.1, each the VXLAN packet esp-enc would send for a frame
of SIZE bytes, encrypted by this build's `ovstest test-esp encrypt` with
sequence numbers 1 to FLOWS; the inbound SA has replay_window 0 (anti-replay
off), so net_pcap's endless replay of the pcap is accepted.  br0's rules:
ip,nw_proto=50 -> esp_decrypt; decrypted packets come through the datapath
again with pkt_mark=0x45535000 and go to the null port.  esp-fwd forwards
the same ESP frames with one output rule.

Every frame carries SIZE - 4 + 16 bytes of ESP payload (the IP payload that
is encrypted: outer UDP, VXLAN and the frame without FCS); the check hooks
verify that the SA carried the packets with no drop.
"""

import os
import re
import subprocess
import time

from nfvbench.scenarios import Scenario
from nfvbench import harness, traffic

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
SCHEMA = os.path.join(TOP, "ovsdb", "nfv-tenant.ovsschema")

SIZES = (64, 512, 1400)
FLOWS = 1000            # Inner UDP flows; ESP packets (sequence numbers).
VNI = 100
LOCAL, PEER = 1, 2      # Underlay addresses: traffic.ipv4(n), 10.0.0.n.
LOCAL_IP, PEER_IP = "10.0.0.1", "10.0.0.2"
PEER_MAC = "02:00:00:00:01:02"
# Benchmark keys only (AES-128-GCM): never use them for anything else.
KEY = "000102030405060708090a0b0c0d0e0f"
SALT = "c0ffee01"
SPI_OUT, SPI_IN = 0x1001, 0x2001
ESP_MARK = "0x45535000"


def esp_payload(size):
    """Bytes of ESP payload in a packet made from a frame of 'size' bytes
    (FCS counted): UDP and VXLAN headers and the frame without FCS."""
    return size - traffic.FCS_LEN + traffic.UDP_HLEN + traffic.VXLAN_HLEN


def _inner(size):
    return lambda: (traffic.udp_frame(size, i) for i in range(FLOWS))


def _esp(size):
    """ESP packets from PEER to LOCAL: the VXLAN packets of the frames of
    _inner(size), encrypted with sequence numbers 1 to FLOWS by
    ovstest test-esp encrypt (lib/nfv-esp.c's own esp_encrypt_packet())."""
    def frames():
        plain = "".join(traffic.vxlan_frame(f, VNI, outer_src=PEER,
                                            outer_dst=LOCAL, sport=49152
                                            + i % 1024).hex() + "\n"
                        for i, f in enumerate(_inner(size)()))
        ovstest = os.path.join(harness.BUILD, "tests", "ovstest")
        p = subprocess.run([ovstest, "test-esp", "encrypt", "--key=" + KEY,
                            "--salt=" + SALT, "--remote=" + LOCAL_IP,
                            "--spi=%#x" % SPI_IN, "--seq=1"],
                           input=plain, capture_output=True, text=True)
        lines = p.stdout.split()
        if p.returncode or len(lines) != FLOWS or lines[0].startswith("drop"):
            raise harness.BenchError("ovstest test-esp encrypt failed: %s %s"
                                     % (p.stderr.strip(), p.stdout[:200]))
        return (bytes.fromhex(line) for line in lines)
    return frames


def _tenantctl(run, *args):
    env = dict(run.env, PYTHONPATH=os.path.join(TOP, "upstream-src", "python"))
    cmd = [os.path.join(harness.BUILD, "nfv", "utilities", "ovs-tenantctl"),
           "--db=unix:%s/db.sock" % run.dir, "--timeout=30"] + list(args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        raise harness.BenchError("%s failed: %s" % (" ".join(cmd[:1] + cmd[3:5]),
                                                    p.stderr.strip()))


def _nfv_tenant(run):
    """Serves NFV_Tenant from the run's ovsdb-server."""
    db = os.path.join(run.dir, "nfv-tenant.db")
    run.tool("ovsdb-tool", "create", db, SCHEMA)
    run.appctl("-t", "ovsdb-server", "ovsdb-server/add-db", db)


def _esp_show(run, name):
    """nfv/esp-show for SA 'name', or "" while there is none."""
    return run.tool("ovs-appctl", "--timeout=30", "nfv/esp-show", name,
                    check=False)


def _wait(what, fn, timeout=30):
    deadline = time.time() + timeout
    while True:
        last = fn()
        if last is True:
            return
        if time.time() > deadline:
            raise harness.BenchError("%s not ready after %d s: %s"
                                     % (what, timeout, last))
        time.sleep(0.2)


def _underlay(run):
    """br-ul's tap device gets LOCAL_IP (in the switch's namespace), the
    route to the peer goes through it and the peer's MAC is known."""
    run.netns_exec("ip", "addr", "add", LOCAL_IP + "/24", "dev", "br-ul")
    run.netns_exec("ip", "link", "set", "br-ul", "up")

    def route():
        # ovs-router learns the address asynchronously.
        p = subprocess.run([harness._tool(run.switch.bindir, "ovs-appctl"),
                            "--timeout=30", "ovs/route/add", PEER_IP + "/32",
                            "br-ul"], env=run.env, capture_output=True,
                           text=True)
        return True if p.returncode == 0 else p.stderr.strip()
    _wait("route to the peer", route)
    run.appctl("tnl/arp/set", "br-ul", PEER_IP, PEER_MAC)


def _setup_enc(esp):
    def setup(run):
        _underlay(run)
        if esp:
            _nfv_tenant(run)
            _tenantctl(run, "esp-add-sa", "bench-out", "outbound",
                       "%#x" % SPI_OUT, PEER_IP, KEY, SALT)

            def reserved():
                show = _esp_show(run, "bench-out")
                return (True if re.search(r"reserved up to [1-9]", show)
                        else show)
            _wait("outbound SA", reserved)
    return setup


def _setup_dec(run):
    _nfv_tenant(run)
    _tenantctl(run, "esp-add-sa", "bench-in", "inbound", "%#x" % SPI_IN,
               PEER_IP, KEY, SALT, "--replay-window=0")
    _wait("inbound SA", lambda: "bench-in: inbound" in _esp_show(
        run, "bench-in") or "no SA")


SA_LINE = re.compile(r"packets (\d+) bytes (\d+) .*\n  drops: (.*)")


def _check_sa(name, size, datapath):
    """After the measurement: SA 'name' carried packets of the expected
    payload and dropped none; the datapath flows have 'datapath' (a
    datapath action's name)."""
    def check(run):
        show = run.appctl("nfv/esp-show", name)
        m = SA_LINE.search(show)
        if not m:
            raise harness.BenchError("unexpected nfv/esp-show:\n" + show)
        packets, nbytes = int(m.group(1)), int(m.group(2))
        drops = [(k, int(v)) for k, v in
                 re.findall(r"(\w+) (\d+)", m.group(3)) if int(v)]
        flows = run.appctl("dpctl/dump-flows")
        line = ("SA %s: %d packets, %d bytes of ESP payload each, drops %s; "
                "datapath flow with %s"
                % (name, packets, nbytes // max(packets, 1),
                   ", ".join("%s %d" % d for d in drops) or "none", datapath))
        # The two counters are read one after the other while packets flow.
        if (not packets or drops
                or abs(nbytes / packets - esp_payload(size)) >= 1
                or datapath not in flows):
            raise harness.BenchError("ESP did not work as expected: %s\n%s"
                                     % (line, flows))
        return line
    return check


def _check_plain_vxlan(run):
    flows = run.appctl("dpctl/dump-flows")
    if "tnl_push" not in flows or "esp_encrypt" in flows:
        raise harness.BenchError("expected plain tnl_push:\n" + flows)
    return "datapath flow with tnl_push, no esp_encrypt"


def _tunnel(esp):
    return [["add-port", "br0", "t0", "--", "set", "Interface", "t0",
             "type=vxlan", "options:remote_ip=" + PEER_IP,
             "options:key=%d" % VNI, "ofport_request=3"]
            + (["other_config:nfv-esp=true"] if esp else [])]


TO_TUNNEL = ["priority=0,actions=drop",
             "priority=10,in_port={rx},actions=output:3"]
UNDERLAY = ["priority=0,actions=drop",
            "priority=10,in_port=LOCAL,ip,actions=output:{tx}"]
DECRYPT = ["priority=0,actions=drop",
           "priority=10,in_port={rx},ip,nw_proto=50,actions=esp_decrypt",
           "priority=20,ip,pkt_mark=%s,actions=output:{tx}" % ESP_MARK]
P2P = ["priority=0,actions=drop",
       "priority=10,in_port={rx},actions=output:{tx}"]


def _scenarios(size):
    what = "%d B UDP frames, %d flows" % (size, FLOWS)
    enc = dict(tx_bridge="br-ul", tx_flows=UNDERLAY, netns=True,
               testpmd=False)
    return [
        Scenario("vxlan-enc-%d" % size, what + ", into a VXLAN tunnel "
                 "(plain, no nfv-esp) over br-ul to the null port",
                 _inner(size), TO_TUNNEL, vsctl=_tunnel(False),
                 setup=_setup_enc(False), check=_check_plain_vxlan, **enc),
        Scenario("esp-enc-%d" % size, what + ", into a VXLAN tunnel with "
                 "nfv-esp=true (AES-128-GCM) over br-ul to the null port",
                 _inner(size), TO_TUNNEL, vsctl=_tunnel(True),
                 setup=_setup_enc(True), nfv_only=True,
                 baseline="vxlan-enc-%d" % size,
                 check=_check_sa("bench-out", size, "esp_encrypt"), **enc),
        Scenario("esp-fwd-%d" % size, "ESP (AES-128-GCM) of VXLAN of %s, "
                 "%d sequence numbers, one output rule" % (what, FLOWS),
                 _esp(size), P2P, testpmd=False),
        Scenario("esp-dec-%d" % size, "ESP (AES-128-GCM) of VXLAN of %s, "
                 "%d sequence numbers, esp_decrypt then (pkt_mark) output"
                 % (what, FLOWS), _esp(size), DECRYPT, nfv_only=True,
                 baseline="esp-fwd-%d" % size, setup=_setup_dec,
                 check=_check_sa("bench-in", size, "esp_decrypt"),
                 testpmd=False),
    ]


SCENARIOS = [sc for size in SIZES for sc in _scenarios(size)]
