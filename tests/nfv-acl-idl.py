#! /usr/bin/env python3
# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""The Python IDL as a tenant's OVSDB client (nfv-tenant-ovsdb-acl.at).

usage: nfv-acl-idl.py SCHEMA REMOTE KEY CERT CACERT COMMAND...

Connects to REMOTE (ssl:) with the given private key, certificate and CA
certificate, waits for the database's contents, then runs each COMMAND:

  show             prints, per table with rows, the sorted names (or the
                   number of rows for tables without a name column)
  set-other BR K=V sets other_config:K=V on bridge BR; prints the status
  add-port BR P    adds port P (with internal interface P) to bridge BR
  orphan-port P    inserts port P referenced by no bridge
  wait-bridge BR   waits until bridge BR appears (a monitor update)
  wait-no-bridge BR  waits until bridge BR is gone
"""

import json
import re
import sys

import ovs.db.idl
import ovs.poller
import ovs.stream
import ovs.vlog


def run_until(idl, cond, what):
    for _ in range(2000):
        idl.run()
        if cond():
            return
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(10)
        poller.block()
    sys.stderr.write("timed out waiting for %s\n" % what)
    sys.exit(1)


def commit(idl, txn):
    status = txn.commit_block()
    line = "status: %s" % ovs.db.idl.Transaction.status_to_string(status)
    if status == ovs.db.idl.Transaction.ERROR:
        # The error object, its details up to the rule, UUIDs filtered.
        error = json.loads(txn.get_error())
        details = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
                         "<uuid>", error.get("details", ""))
        line += " (%s: %s)" % (error.get("error"),
                               details.split(" (")[0])
    print(line)
    sys.stdout.flush()


def bridge(idl, name):
    for row in idl.tables["Bridge"].rows.values():
        if row.name == name:
            return row
    sys.stderr.write("no bridge %s\n" % name)
    sys.exit(1)


def show(idl):
    for name in sorted(idl.tables):
        table = idl.tables[name]
        if not table.rows:
            continue
        if "name" in table.columns:
            names = sorted(str(r.name) for r in table.rows.values())
            print("%s: %s" % (name, " ".join(names)))
        else:
            print("%s: %d rows" % (name, len(table.rows)))
    sys.stdout.flush()


def main(argv):
    schema, remote, key, cert, cacert = argv[1:6]
    commands = argv[6:]
    ovs.vlog.Vlog.init(None)
    ovs.stream.Stream.ssl_set_private_key_file(key)
    ovs.stream.Stream.ssl_set_certificate_file(cert)
    ovs.stream.Stream.ssl_set_ca_cert_file(cacert)

    helper = ovs.db.idl.SchemaHelper(schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper, leader_only=False)
    seqno = idl.change_seqno
    run_until(idl, lambda: idl.has_ever_connected()
              and idl.change_seqno != seqno, "the initial contents")

    while commands:
        cmd = commands.pop(0)
        if cmd == "show":
            show(idl)
        elif cmd == "set-other":
            br, kv = commands.pop(0), commands.pop(0)
            k, v = kv.split("=", 1)
            txn = ovs.db.idl.Transaction(idl)
            row = bridge(idl, br)
            other = dict(row.other_config)
            other[k] = v
            row.other_config = other
            commit(idl, txn)
        elif cmd == "add-port":
            br, p = commands.pop(0), commands.pop(0)
            txn = ovs.db.idl.Transaction(idl)
            iface = txn.insert(idl.tables["Interface"])
            iface.name = p
            iface.type = "internal"
            port = txn.insert(idl.tables["Port"])
            port.name = p
            port.interfaces = [iface]
            row = bridge(idl, br)
            row.addvalue("ports", port.uuid)
            commit(idl, txn)
        elif cmd == "orphan-port":
            p = commands.pop(0)
            txn = ovs.db.idl.Transaction(idl)
            iface = txn.insert(idl.tables["Interface"])
            iface.name = p
            iface.type = "internal"
            port = txn.insert(idl.tables["Port"])
            port.name = p
            port.interfaces = [iface]
            commit(idl, txn)
        elif cmd == "wait-bridge":
            br = commands.pop(0)
            run_until(idl, lambda: any(r.name == br for r in
                                       idl.tables["Bridge"].rows.values()),
                      "bridge %s" % br)
            print("bridge %s appeared" % br)
        elif cmd == "wait-no-bridge":
            br = commands.pop(0)
            run_until(idl, lambda: all(r.name != br for r in
                                       idl.tables["Bridge"].rows.values()),
                      "bridge %s gone" % br)
            print("bridge %s gone" % br)
        else:
            sys.stderr.write("unknown command %s\n" % cmd)
            return 1
        sys.stdout.flush()
    idl.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
