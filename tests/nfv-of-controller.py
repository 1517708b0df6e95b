#!/usr/bin/env python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""A small OpenFlow 1.3 controller over SSL for the tenant isolation system
test (nfv-system-isolation.at).

It connects to a bridge's passive (pssl:) controller listener with a
tenant's certificate and either floods the switch or probes it:

  flood  Installs one flow that sends UDP to port 9999 to the controller,
         then, for --duration seconds, keeps as many OpenFlow messages in
         flight as the connection takes: --flows flow-mods (each a new
         flow, so that the tenant's flow limit is reached and the rest fail
         with OFPFMFC_TABLE_FULL), then echo, barrier and multipart (desc,
         port desc) requests in turn.  It counts the packet-ins it
         receives, the errors by type and code, and the replies; every
         message has the next xid, and the switch handles them in order, so
         the highest xid answered is the number of messages handled.

  probe  For --duration seconds, every --interval seconds, sends an echo
         request and then a barrier request and measures the round trip of
         each.

  udp    Not OpenFlow: from a VM, sends --rate 64-byte UDP datagrams per
         second to --to port 9999 for --duration seconds (what the flood's
         flow sends to the controller) and prints how many it sent.

flood and probe print one JSON object with the figures on stdout.
"""

import argparse
import json
import select
import socket
import ssl
import struct
import sys
import time

OFP_VERSION = 4                 # OpenFlow 1.3

OFPT_HELLO = 0
OFPT_ERROR = 1
OFPT_ECHO_REQUEST = 2
OFPT_ECHO_REPLY = 3
OFPT_FEATURES_REQUEST = 5
OFPT_FEATURES_REPLY = 6
OFPT_SET_CONFIG = 9
OFPT_PACKET_IN = 10
OFPT_FLOW_MOD = 14
OFPT_MULTIPART_REQUEST = 18
OFPT_MULTIPART_REPLY = 19
OFPT_BARRIER_REQUEST = 20
OFPT_BARRIER_REPLY = 21

OFPMP_DESC = 0
OFPMP_PORT_DESC = 13

OFPET_FLOW_MOD_FAILED = 5
OFPFMFC_TABLE_FULL = 1

OFPP_CONTROLLER = 0xfffffffd
OFPP_ANY = 0xffffffff
OFPG_ANY = 0xffffffff
OFPCML_NO_BUFFER = 0xffff
NO_BUFFER = 0xffffffff

PACKET_IN_UDP_PORT = 9999


def header(msg_type, length, xid):
    return struct.pack("!BBHI", OFP_VERSION, msg_type, length, xid)


def message(msg_type, xid, body=b""):
    return header(msg_type, 8 + len(body), xid) + body


def oxm(field, value, fmt):
    """One OpenFlow basic OXM TLV, without mask."""
    payload = struct.pack("!" + fmt, value)
    return struct.pack("!HBB", 0x8000, field << 1, len(payload)) + payload


def match_udp(udp_src=None, udp_dst=None):
    """An ofp_match for IPv4 UDP with the given ports, padded to 8."""
    fields = oxm(5, 0x0800, "H") + oxm(10, 17, "B")     # eth_type, ip_proto
    if udp_src is not None:
        fields += oxm(15, udp_src, "H")
    if udp_dst is not None:
        fields += oxm(16, udp_dst, "H")
    body = struct.pack("!HH", 1, 4 + len(fields)) + fields
    return body + b"\0" * (-len(body) % 8)


def flow_add(xid, priority, match, actions=b""):
    """An OFPFC_ADD flow-mod in table 0; 'actions' applied if not empty."""
    instructions = b""
    if actions:
        instructions = struct.pack("!HH4x", 4, 8 + len(actions)) + actions
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, priority,
                       NO_BUFFER, OFPP_ANY, OFPG_ANY, 0)
    return message(OFPT_FLOW_MOD, xid, body + match + instructions)


def output_controller():
    return struct.pack("!HHIH6x", 0, 16, OFPP_CONTROLLER, OFPCML_NO_BUFFER)


class Connection(object):
    """A non-blocking SSL OpenFlow connection that reads whole messages."""

    def __init__(self, port, key, cert, ca):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_cert_chain(cert, key)
        ctx.load_verify_locations(ca)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = ctx.wrap_socket(raw)
        self.sock.setblocking(False)
        self.rbuf = b""
        self.wbuf = b""
        self.chunk = b""        # What SSL_write was last given, if pending.

    def queue(self, data):
        self.wbuf += data

    def flush(self):
        """Writes what the socket takes now."""
        while self.chunk or self.wbuf:
            if not self.chunk:
                self.chunk, self.wbuf = self.wbuf[:16384], self.wbuf[16384:]
            try:
                n = self.sock.send(self.chunk)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError,
                    BlockingIOError):
                return
            self.chunk = self.chunk[n:]

    def receive(self):
        """Returns the whole messages readable now, as (type, xid, body).
        Reads at most 1 MB at a time, so that a switch that sends faster
        than this reads cannot keep the caller from its other work."""
        chunks = [self.rbuf]
        for _ in range(16):
            try:
                data = self.sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                break
            if not data:
                raise EOFError("switch closed the connection")
            chunks.append(data)
        buf = b"".join(chunks)
        msgs = []
        ofs = 0
        while len(buf) - ofs >= 8:
            _, msg_type, length, xid = struct.unpack_from("!BBHI", buf, ofs)
            if length < 8:
                raise ValueError("bad OpenFlow length %d" % length)
            if len(buf) - ofs < length:
                break
            msgs.append((msg_type, xid, buf[ofs + 8:ofs + length]))
            ofs += length
        self.rbuf = buf[ofs:]
        return msgs

    def wait(self, timeout):
        if self.sock.pending():
            return
        wlist = [self.sock] if (self.chunk or self.wbuf) else []
        select.select([self.sock], wlist, [], timeout)


def handshake(conn, miss_send_len):
    """Hello, features, and the miss_send_len that a service (pssl:)
    connection needs to get packet-ins.  Returns the next xid."""
    conn.queue(message(OFPT_HELLO, 1))
    conn.queue(message(OFPT_FEATURES_REQUEST, 2))
    conn.queue(message(OFPT_SET_CONFIG, 3, struct.pack("!HH", 0,
                                                       miss_send_len)))
    conn.queue(message(OFPT_BARRIER_REQUEST, 4))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conn.flush()
        for msg_type, xid, body in conn.receive():
            if msg_type == OFPT_ERROR:
                raise RuntimeError("error %s during handshake"
                                   % (struct.unpack("!HH", body[:4]),))
            if msg_type == OFPT_ECHO_REQUEST:
                conn.queue(message(OFPT_ECHO_REPLY, xid, body))
            if msg_type == OFPT_BARRIER_REPLY and xid == 4:
                return 5
        conn.wait(0.1)
    raise RuntimeError("no handshake within 10 s")


def flood(conn, args):
    xid = handshake(conn, OFPCML_NO_BUFFER)
    start = time.monotonic()
    base = xid
    conn.queue(flow_add(xid, 100, match_udp(udp_dst=PACKET_IN_UDP_PORT),
                        output_controller()))
    xid += 1

    counts = {"packet_in": 0, "table_full": 0, "other_errors": 0,
              "echo_reply": 0, "barrier_reply": 0, "multipart_reply": 0}
    sent = {"flow_mod": 1, "echo": 0, "barrier": 0, "multipart": 0}
    handled = 0             # Highest xid answered, from 'base'.
    handled_at = []         # (seconds since start, messages handled)
    cycle = 0
    end = start + args.duration
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Keep the connection full.
        while len(conn.wbuf) < 65536:
            if sent["flow_mod"] <= args.flows:
                conn.queue(flow_add(xid, 10, match_udp(udp_src=sent[
                    "flow_mod"])))
                sent["flow_mod"] += 1
            elif cycle % 3 == 0:
                conn.queue(message(OFPT_ECHO_REQUEST, xid))
                sent["echo"] += 1
            elif cycle % 3 == 1:
                conn.queue(message(OFPT_BARRIER_REQUEST, xid))
                sent["barrier"] += 1
            else:
                mp_type = OFPMP_DESC if cycle % 2 else OFPMP_PORT_DESC
                conn.queue(message(OFPT_MULTIPART_REQUEST, xid,
                                   struct.pack("!HH4x", mp_type, 0)))
                sent["multipart"] += 1
            if sent["flow_mod"] > args.flows:
                cycle += 1
            xid += 1
        conn.flush()
        for msg_type, rxid, body in conn.receive():
            if msg_type == OFPT_PACKET_IN:
                counts["packet_in"] += 1
                continue
            if msg_type == OFPT_ECHO_REQUEST:
                # The switch's own keepalive: not one of ours.
                conn.queue(message(OFPT_ECHO_REPLY, rxid, body))
                continue
            if msg_type == OFPT_ERROR:
                err_type, err_code = struct.unpack("!HH", body[:4])
                if (err_type, err_code) == (OFPET_FLOW_MOD_FAILED,
                                            OFPFMFC_TABLE_FULL):
                    counts["table_full"] += 1
                else:
                    counts["other_errors"] += 1
            elif msg_type == OFPT_ECHO_REPLY:
                counts["echo_reply"] += 1
            elif msg_type == OFPT_BARRIER_REPLY:
                counts["barrier_reply"] += 1
            elif msg_type == OFPT_MULTIPART_REPLY:
                counts["multipart_reply"] += 1
            else:
                continue
            if rxid >= base and rxid - base + 1 > handled:
                handled = rxid - base + 1
                handled_at.append((round(time.monotonic() - start, 3),
                                   handled))
        conn.wait(min(0.05, max(0.0, end - time.monotonic())))

    elapsed = time.monotonic() - start
    return {"seconds": round(elapsed, 3), "sent": sent,
            "messages_sent": xid - base, "messages_handled": handled,
            "handled_per_second": round(handled / elapsed, 1),
            "received": counts,
            "handled_at": handled_at[-1:] if handled_at else []}


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def probe(conn, args):
    xid = handshake(conn, 0)
    rtts = {"echo": [], "barrier": []}
    lost = 0
    end = time.monotonic() + args.duration
    while time.monotonic() < end:
        for kind, msg_type, reply_type in (
                ("echo", OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY),
                ("barrier", OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY)):
            sent_at = time.monotonic()
            conn.queue(message(msg_type, xid))
            got = False
            while time.monotonic() - sent_at < 2.0 and not got:
                conn.flush()
                for rtype, rxid, body in conn.receive():
                    if rtype == OFPT_ECHO_REQUEST:
                        conn.queue(message(OFPT_ECHO_REPLY, rxid, body))
                    elif rtype == reply_type and rxid == xid:
                        rtts[kind].append((time.monotonic() - sent_at)
                                          * 1000.0)
                        got = True
                if not got:
                    conn.wait(0.01)
            if not got:
                lost += 1
            xid += 1
        time.sleep(args.interval)

    result = {"lost": lost}
    for kind, values in rtts.items():
        result[kind] = {
            "n": len(values),
            "min_ms": round(min(values), 3) if values else None,
            "median_ms": round(percentile(values, 0.5), 3) if values
            else None,
            "p99_ms": round(percentile(values, 0.99), 3) if values else None,
            "max_ms": round(max(values), 3) if values else None,
        }
    return result


def udp(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    sent = 0
    while True:
        now = time.monotonic()
        if now >= start + args.duration:
            break
        # Catch up with the rate, in batches, then sleep a little.
        due = int((now - start) * args.rate)
        while sent < due:
            try:
                sock.sendto(b"x" * 64, (args.to, PACKET_IN_UDP_PORT))
            except OSError:
                pass            # E.g. ENOBUFS: the flood is what it is.
            sent += 1
        time.sleep(0.002)
    return sent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("flood", "probe", "udp"))
    parser.add_argument("--port", type=int,
                        help="the bridge's pssl: port on 127.0.0.1")
    parser.add_argument("--key")
    parser.add_argument("--cert")
    parser.add_argument("--ca")
    parser.add_argument("--to", help="udp: destination address")
    parser.add_argument("--rate", type=int, default=20000,
                        help="udp: datagrams per second (default 20000)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--flows", type=int, default=1000,
                        help="flow-mods the flood sends (default 1000)")
    parser.add_argument("--interval", type=float, default=0.02,
                        help="seconds between probes (default 0.02)")
    args = parser.parse_args()

    if args.mode == "udp":
        if not args.to:
            parser.error("udp needs --to")
        print(udp(args))
        return 0
    if None in (args.port, args.key, args.cert, args.ca):
        parser.error("%s needs --port, --key, --cert and --ca" % args.mode)
    try:
        conn = Connection(args.port, args.key, args.cert, args.ca)
        result = flood(conn, args) if args.mode == "flood" else probe(
            conn, args)
    except (OSError, EOFError, ValueError, RuntimeError) as e:
        sys.stderr.write("nfv-of-controller: %s\n" % e)
        return 1
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
