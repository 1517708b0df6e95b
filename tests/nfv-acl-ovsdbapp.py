# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""A tenant's controller through ovsdbapp (tests/nfv-tenant-ovsdb-acl.at).

usage: nfv-acl-ovsdbapp.py REMOTE PRIVKEY CERT CACERT TENANT FOREIGN-BRIDGE
                           FOREIGN-PORT

Connects to REMOTE (ssl:) with the certificate of TENANT's controller
through ovsdbapp's generic backend (its Connection and Backend, the
db_list/db_set/db_create/db_destroy commands) and prints one line per step:
what it lists, what it changes in its own rows, and the error it gets for
rows of other owners (FOREIGN-BRIDGE, FOREIGN-PORT: names of another
tenant's rows, which it must not find) and for values outside the tenant
column allow-list.  ovsdbapp's Open_vSwitch API (ovs-vsctl-like commands)
is not used: its transactions increment the Open_vSwitch root row's
next_cfg, a row a tenant does not see.
"""

import json
import re
import sys

import ovs.stream
from ovsdbapp import api
from ovsdbapp.backend import ovs_idl
from ovsdbapp.backend.ovs_idl import connection
from ovsdbapp.backend.ovs_idl import idlutils


class TenantApi(ovs_idl.Backend, api.API):
    """ovsdbapp's generic commands, rows looked up by name as ovs-vsctl
    does."""
    lookup_table = idlutils._LOOKUP_TABLE


TABLES = ("Bridge", "Port", "Interface", "Controller", "QoS", "Queue",
          "Open_vSwitch")


def attempt(what, command):
    """Runs ovsdbapp 'command' and prints 'what' with the outcome."""
    try:
        result = command.execute(check_error=True, log_errors=False)
    except idlutils.RowNotFound as e:
        print("%s: not found (%s)" % (what, e))
        return None
    except RuntimeError as e:
        # The server's error object, UUIDs filtered.
        text = str(e)
        if text.startswith("OVSDB Error: "):
            text = text[len("OVSDB Error: "):]
        try:
            error = json.loads(text)
            line = "%s: %s" % (error.get("error"), error.get("details"))
        except ValueError:
            line = "error: %s" % e
        print("%s: %s" % (what, re.sub(
            r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<uuid>", line)))
        return None
    print("%s: ok" % what)
    return result


def names(tapi, table):
    rows = tapi.db_list(table, columns=["name"]).execute(check_error=True)
    return " ".join(sorted(r["name"] for r in rows))


def main(argv):
    remote, key, cert, cacert, tenant, foreign_br, foreign_port = argv[1:8]
    ovs.stream.Stream.ssl_set_private_key_file(key)
    ovs.stream.Stream.ssl_set_certificate_file(cert)
    ovs.stream.Stream.ssl_set_ca_cert_file(cacert)

    helper = idlutils.get_schema_helper(remote, "Open_vSwitch")
    for table in TABLES:
        helper.register_table(table)
    idl = connection.OvsdbIdl(remote, helper)
    tapi = TenantApi(connection.Connection(idl, timeout=30))

    br = "br-int-" + tenant
    port = tenant + "-app"

    print("bridges: %s" % names(tapi, "Bridge"))
    print("ports: %s" % names(tapi, "Port"))
    ovs_rows = tapi.db_list("Open_vSwitch").execute(check_error=True)
    print("Open_vSwitch rows: %d" % len(ovs_rows))

    # Its own rows.
    attempt("db_set %s other_config:mac-aging-time" % br,
            tapi.db_set("Bridge", br,
                        ("other_config", {"mac-aging-time": "120"})))
    with tapi.create_transaction(check_error=True) as txn:
        iface = txn.add(tapi.db_create("Interface", name=port,
                                       type="internal"))
        new_port = txn.add(tapi.db_create("Port", name=port,
                                          interfaces=[iface]))
        txn.add(tapi.db_add("Bridge", br, "ports", new_port))
    print("db_create %s on %s: ok" % (port, br))
    print("ports: %s" % names(tapi, "Port"))
    got = tapi.db_get("Bridge", br, "other_config").execute(check_error=True)
    print("other_config of %s: %s" % (br, got))

    # Values outside the allow-list in its own rows.
    attempt("db_set %s type=dpdk" % port,
            tapi.db_set("Interface", port, ("type", "dpdk")))
    attempt("db_set %s fail_mode=standalone" % br,
            tapi.db_set("Bridge", br, ("fail_mode", "standalone")))

    # Other owners' rows: absent, by name and by UUID.
    attempt("db_set %s" % foreign_br,
            tapi.db_set("Bridge", foreign_br,
                        ("other_config", {"mac-aging-time": "120"})))
    attempt("db_destroy %s" % foreign_port,
            tapi.db_destroy("Port", foreign_port))
    attempt("db_list %s" % foreign_br,
            tapi.db_list("Bridge", [foreign_br], columns=["name"]))

    # A row that would belong to nobody.
    attempt("db_create orphan port",
            tapi.db_create("Port", name=tenant + "-orphan"))

    # Its own port removed and destroyed.
    port_uuid = tapi.lookup("Port", port).uuid
    with tapi.create_transaction(check_error=True) as txn:
        txn.add(tapi.db_remove("Bridge", br, "ports", port_uuid))
        txn.add(tapi.db_destroy("Port", port))
    print("db_destroy %s: ok" % port)
    print("ports: %s" % names(tapi, "Port"))

    tapi.ovsdb_connection.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
