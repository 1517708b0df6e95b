#!/usr/bin/python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""Real sessions for the NSOD system test (nfv-system-nsod.at).

  server NAME ADDRESS          (in a backend VM) TCP port 8080: answers each
                               line with "NAME\\n"; UDP port 5060: logs
                               "CALL-ID SOURCE-PORT" of each SIP request
                               to sip-NAME.log and answers "SIP/2.0 200 OK"
  client VIP N DIR             (in the client) opens N TCP connections to
                               VIP:8080, keeps them open, and works in
                               rounds: for round K it waits for DIR/goK,
                               asks every open connection who serves it,
                               opens N more if DIR/goK holds "open", and
                               writes DIR/roundK.txt ("SPORT NAME" per
                               connection, "SPORT -" if it broke), then
                               DIR/doneK.  Round 0 runs at once; the client
                               exits when DIR/stop exists.
  sip VIP CALL-ID SPORT METHOD (in the client) one SIP request over UDP
"""

import os
import socket
import sys
import threading
import time


def server(name, address):
    def tcp():
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, 8080))
        listener.listen(1024)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    def serve(conn):
        with conn:
            stream = conn.makefile("rb")
            for _ in stream:
                conn.sendall(name.encode() + b"\n")

    def udp():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address, 5060))
        while True:
            data, peer = sock.recvfrom(4096)
            for line in data.decode(errors="replace").split("\r\n"):
                if line.lower().startswith("call-id:"):
                    with open("sip-%s.log" % name, "a") as log:
                        log.write("%s %d\n" % (line[8:].strip(), peer[1]))
            sock.sendto(b"SIP/2.0 200 OK\r\n\r\n", peer)

    threading.Thread(target=tcp, daemon=True).start()
    udp()


def ask(conn):
    try:
        conn.sendall(b"who\n")
        conn.settimeout(3)
        reply = b""
        while not reply.endswith(b"\n"):
            data = conn.recv(64)
            if not data:
                return "-"
            reply += data
        return reply.decode().strip()
    except OSError:
        return "-"


def client(vip, n, directory):
    conns = []

    def open_n():
        for _ in range(n):
            conn = socket.create_connection((vip, 8080), timeout=5)
            conns.append((conn.getsockname()[1], conn))

    open_n()
    k = 0
    while not os.path.exists(os.path.join(directory, "stop")):
        go = os.path.join(directory, "go%d" % k)
        if k and not os.path.exists(go):
            time.sleep(0.05)
            continue
        if k and open(go).read().strip() == "open":
            open_n()
        lines = ["%d %s\n" % (sport, ask(conn)) for sport, conn in conns]
        with open(os.path.join(directory, "round%d.txt" % k), "w") as out:
            out.writelines(lines)
        open(os.path.join(directory, "done%d" % k), "w").close()
        k += 1


def sip(vip, call_id, sport, method):
    request = ("%s sip:bob@example.com SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 10.9.5.1:%d\r\n"
               "From: <sip:alice@example.com>;tag=1\r\n"
               "To: <sip:bob@example.com>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: 1 %s\r\n"
               "Content-Length: 0\r\n\r\n"
               % (method, sport, call_id, method)).encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", sport))
    # Over UDP a SIP client retransmits an unanswered request, first after
    # 500 ms (T1), doubling (RFC 3261 section 17.1.1.2, timer A).
    timeout = 0.5
    while True:
        sock.sendto(request, (vip, 5060))
        sock.settimeout(timeout)
        try:
            print(sock.recvfrom(4096)[0].decode().split("\r\n")[0])
            return
        except TimeoutError:
            if timeout >= 4:
                raise
            timeout *= 2


def main(argv):
    if argv[0] == "server":
        server(argv[1], argv[2])
    elif argv[0] == "client":
        client(argv[1], int(argv[2]), argv[3])
    elif argv[0] == "sip":
        sip(argv[1], argv[2], int(argv[3]), argv[4])
    else:
        sys.stderr.write("unknown command %s\n" % argv[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
