# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Runs one switch (or dpdk-testpmd) on one scenario and measures it.

Every run uses the same devices: a DPDK net_pcap port replaying the
scenario's pcap endlessly (rx_pcap=...,infinite_rx=1) and a DPDK net_null
port that drops what it is sent and receives nothing (no-rx=1), so the
figures measure the switch, not a NIC, a VM or a flood to a tap device.
One PMD thread (or testpmd forwarding lcore) runs on core 1; everything
else stays on core 0.

A scenario may put the null port on a bridge of its own (tx_bridge, e.g.
the underlay bridge of a tunnel) and run ovs-vswitchd in a network
namespace of its own (netns), so that the bridge's tap device can have an
address and routes without touching the host's.

net_pcap keeps every frame of the pcap in an mbuf of the port's mempool.
ovs-vswitchd's shared mempool (262,144 mbufs) holds a pcap of about 250,000
frames; a scenario that replays more sets other_config:per-port-memory and
sizes the pcap port's own mempool with its rx_options (see
scenarios/nsod.py).
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

# Our build directory (nfv-bench --build): ovs-vswitchd and the tools of
# every switch, ovstest and ovs-tenantctl for scenarios that need them.
BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))), "upstream-build")
PMD_CORE_MASK = "0x2"
RX_DEVARGS = "net_pcap0,rx_pcap={pcap},infinite_rx=1"
TX_DEVARGS = "net_null0,no-rx=1"


class BenchError(Exception):
    """A run could not be set up or measured; the message says why."""


class Switch:
    """One Open vSwitch build under test: 'vswitchd' is its ovs-vswitchd
    binary; the database tools ('bindir', holding ovsdb-server, ovsdb-tool,
    ovs-vsctl, ovs-ofctl, ovs-appctl) and 'schema' are ours for every
    switch, since the schema is the same."""

    def __init__(self, label, vswitchd, bindir, schema):
        self.label = label
        self.vswitchd = vswitchd
        self.bindir = bindir
        self.schema = schema


def _tool(bindir, name):
    for sub in ("", "utilities", "ovsdb", "vswitchd"):
        path = os.path.join(bindir, sub, name)
        if os.access(path, os.X_OK):
            return path
    raise BenchError("%s not found under %s" % (name, bindir))


class SwitchRun:
    """A running ovsdb-server + ovs-vswitchd pair in a private directory."""

    def __init__(self, switch, workdir):
        self.switch = switch
        self.dir = tempfile.mkdtemp(prefix="run-", dir=workdir)
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_DBDIR=self.dir, OVS_SYSCONFDIR=self.dir)
        self.pids = {}
        self.netns = None

    def netns_exec(self, *cmd):
        """Runs 'cmd' in the switch's network namespace (or the host's)."""
        cmd = ((["ip", "netns", "exec", self.netns] if self.netns else [])
               + [str(c) for c in cmd])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if p.returncode:
            raise BenchError("%s failed: %s" % (" ".join(cmd), p.stderr.strip()))
        return p.stdout

    def tool(self, name, *args, check=True):
        cmd = [_tool(self.switch.bindir, name)] + [str(a) for a in args]
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True,
                           timeout=60)
        if check and p.returncode:
            raise BenchError("%s failed: %s" % (" ".join(cmd), p.stderr.strip()))
        return p.stdout

    def vsctl(self, *args, timeout=30):
        return self.tool("ovs-vsctl", "--timeout=%d" % timeout, *args)

    def appctl(self, *args):
        return self.tool("ovs-appctl", "--timeout=30", *args)

    def start(self, other_config, netns=False):
        """Starts ovsdb-server and ovs-vswitchd; with 'netns',
        ovs-vswitchd runs in a new network namespace (IPv6 off, so that
        its tap devices send nothing by themselves)."""
        if netns:
            self.netns = "nfvbench-%d-%s" % (os.getpid(),
                                             os.path.basename(self.dir)[4:])
            p = subprocess.run(["ip", "netns", "add", self.netns],
                               capture_output=True, text=True)
            if p.returncode:
                self.netns = None
                raise BenchError("ip netns add failed: %s" % p.stderr.strip())
            self.netns_exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                            "net.ipv6.conf.default.disable_ipv6=1")
        db = os.path.join(self.dir, "conf.db")
        self.tool("ovsdb-tool", "create", db, self.switch.schema)
        self.tool("ovsdb-server", "--detach", "--no-chdir", "--pidfile",
                  "--log-file", "--remote=punix:%s/db.sock" % self.dir, db)
        self.pids["ovsdb-server"] = self._pid("ovsdb-server")
        self.vsctl("--no-wait", "init")
        config = {"dpdk-init": "true",
                  "dpdk-extra": "--no-pci --log-level=pmd.*:error",
                  "pmd-cpu-mask": PMD_CORE_MASK}
        config.update(other_config)
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   *["other_config:%s=%s" % kv for kv in config.items()])
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        p = subprocess.run(prefix + [self.switch.vswitchd, "--detach", "--no-chdir",
                            "--pidfile", "--log-file",
                            "unix:%s/db.sock" % self.dir],
                           env=self.env, capture_output=True, text=True,
                           timeout=120)
        if p.returncode:
            raise BenchError("%s did not start: %s"
                             % (self.switch.vswitchd, p.stderr.strip()))
        self.pids["ovs-vswitchd"] = self._pid("ovs-vswitchd")

    def _pid(self, daemon):
        with open(os.path.join(self.dir, daemon + ".pid")) as f:
            return int(f.read())

    def stop(self):
        for daemon in ("ovs-vswitchd", "ovsdb-server"):
            pid = self.pids.get(daemon)
            if not pid:
                continue
            ctl = os.path.join(self.dir, "%s.%d.ctl" % (daemon, pid))
            args = ["exit", "--cleanup"] if daemon == "ovs-vswitchd" else ["exit"]
            try:
                self.tool("ovs-appctl", "-t", ctl, *args, check=False)
            except (BenchError, OSError, subprocess.TimeoutExpired):
                # No ovs-appctl (a rebuild under way?): never leave a
                # daemon behind.
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            _wait_gone(pid)
        if self.netns:
            subprocess.run(["ip", "netns", "del", self.netns],
                           capture_output=True)
            self.netns = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _wait_gone(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


TX_PKTS = re.compile(r"tx pkts=(\d+)")


def _tx_packets(run, bridge, ofport):
    """The live transmit counter of OpenFlow port 'ofport' of 'bridge' (the
    Interface statistics column is refreshed only every few seconds)."""
    m = TX_PKTS.search(run.tool("ovs-ofctl", "dump-ports", bridge, ofport))
    if not m:
        raise BenchError("no tx counter for port %s" % ofport)
    return int(m.group(1))


# "  Rx packets:          123456789  (12345 Kpps, 234 cycles/pkt)"
RX_LINE = re.compile(r"^\s*Rx packets:\s+(\d+)\s+\(\s*([\d.]+)\s+Kpps,\s+"
                     r"([\d.]+)\s+cycles/pkt\)", re.M)


def _pmd_fifo(pid, fifo=True):
    """Puts the PMD threads of process 'pid' in the SCHED_FIFO class, or
    back in SCHED_OTHER if 'fifo' is false (nfv-bench --pmd-fifo): on a
    machine that also runs other work, they then keep their core during the
    measurement, as an isolated core would give them."""
    task = "/proc/%d/task" % pid
    for tid in os.listdir(task):
        with open(os.path.join(task, tid, "comm")) as f:
            if f.read().startswith("pmd"):
                os.sched_setscheduler(
                    int(tid), os.SCHED_FIFO if fifo else os.SCHED_OTHER,
                    os.sched_param(50 if fifo else 0))


def measure_switch(switch, scenario, pcap, workdir, warmup, duration):
    """Runs 'switch' on 'scenario' replaying 'pcap'.  Returns a dict:
    mpps (packets the null port transmitted per second, millions),
    cycles_per_packet (the PMD thread's, from pmd-perf-show),
    rx_mpps (what the PMD received) and, if the scenario has a check
    hook, check (its line of evidence)."""
    run = SwitchRun(switch, workdir)
    txbr = scenario.tx_bridge
    try:
        run.start(scenario.other_config, netns=scenario.netns)
        for br in ["br0"] + ([txbr] if txbr != "br0" else []):
            run.vsctl("add-br", br, "--", "set", "bridge", br,
                      "datapath_type=netdev", "fail-mode=secure")
        # net_pcap reads the whole pcap into mbufs when the port starts.
        run.vsctl("add-port", "br0", "rx0", "--", "set", "Interface", "rx0",
                  "type=dpdk", "options:dpdk-devargs=" + RX_DEVARGS.format(pcap=pcap),
                  *["options:%s=%s" % kv for kv in scenario.rx_options.items()],
                  "ofport_request=1", timeout=180)
        run.vsctl("add-port", txbr, "tx0", "--", "set", "Interface", "tx0",
                  "type=dpdk", "options:dpdk-devargs=" + TX_DEVARGS,
                  "ofport_request=2")
        for cmd in scenario.vsctl:
            run.vsctl(*cmd)
        for iface in ("rx0", "tx0"):
            err = run.vsctl("get", "Interface", iface, "error").strip()
            if err not in ("[]", ""):
                raise BenchError("port %s: %s" % (iface, err))
        if scenario.setup:
            scenario.setup(run)
        # Groups need OpenFlow 1.5 (selection_method), and so do the flows
        # that use them.
        of15 = ["-O", "OpenFlow15"] if scenario.groups else []
        for br, cmd, lines in (("br0", "add-groups", scenario.groups),
                               ("br0", "add-flows", scenario.flows),
                               (txbr, "add-flows", scenario.tx_flows)):
            if lines:
                path = os.path.join(run.dir, "%s-%s.txt" % (br, cmd))
                with open(path, "w") as f:
                    f.write("\n".join(l.format(rx=1, tx=2) for l in lines)
                            + "\n")
                run.tool("ovs-ofctl", *of15, cmd, br, path)
        if os.environ.get("NFV_BENCH_PMD_FIFO"):
            _pmd_fifo(run._pid("ovs-vswitchd"))
        time.sleep(warmup)
        run.appctl("dpif-netdev/pmd-stats-clear")
        tx0 = _tx_packets(run, txbr, 2)
        t0 = time.time()
        time.sleep(duration)
        perf = run.appctl("dpif-netdev/pmd-perf-show")
        tx1 = _tx_packets(run, txbr, 2)
        elapsed = time.time() - t0
        if os.environ.get("NFV_BENCH_PMD_FIFO"):
            _pmd_fifo(run._pid("ovs-vswitchd"), False)
        m = RX_LINE.search(perf)
        if not m:
            raise BenchError("no 'Rx packets' line in pmd-perf-show:\n" + perf)
        if tx1 <= tx0:
            raise BenchError("nothing was forwarded to the null port")
        res = {"mpps": (tx1 - tx0) / elapsed / 1e6,
               "rx_mpps": float(m.group(2)) / 1e3,
               "cycles_per_packet": float(m.group(3))}
        if scenario.check:
            res["check"] = scenario.check(run)
        return res
    finally:
        run.stop()


# testpmd --stats-period prints, per port, "Rx-pps: N ... Tx-pps: N ...".
PPS_LINE = re.compile(r"Tx-pps:\s+(\d+)")
CYCLES_LINE = re.compile(r"CPU cycles/packet=([\d.]+)")


def measure_testpmd(testpmd, pcap, workdir, warmup, duration):
    """dpdk-testpmd io forwarding from the pcap port to the null port, on
    the same devices and core as the switches: the ceiling.  Returns the
    same dict as measure_switch() (cycles_per_packet from testpmd's own
    --record-core-cycles accounting)."""
    log = os.path.join(workdir, "testpmd.log")
    cmd = [testpmd, "--no-pci", "--in-memory", "-l", "0,1", "--main-lcore", "0",
           "--log-level=pmd.*:error",
           "--vdev=" + RX_DEVARGS.format(pcap=pcap), "--vdev=" + TX_DEVARGS,
           "--", "--forward-mode=io", "--auto-start", "--stats-period=1",
           "--record-core-cycles", "--nb-cores=1"]
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        try:
            time.sleep(warmup + duration)
        finally:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    with open(log) as f:
        text = f.read()
    # Samples arrive once a second, two ports each; port 1 is the null port.
    tx = [int(x) for x in PPS_LINE.findall(text)][1::2]
    samples = tx[int(warmup):]
    if not samples:
        raise BenchError("testpmd printed no rate (see %s):\n%s"
                         % (log, text[-2000:]))
    m = CYCLES_LINE.search(text)
    samples.sort()
    return {"mpps": samples[len(samples) // 2] / 1e6,
            "rx_mpps": None,
            "cycles_per_packet": float(m.group(1)) if m else None}
