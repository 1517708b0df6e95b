/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_OVSDB_ACL_H
#define NFV_OVSDB_ACL_H 1

/* Tenant isolation in ovsdb-server (Documentation/topics/nfv-isolation.rst,
 * section "OVSDB").
 *
 * A client whose TLS certificate CN equals a Tenant's 'ovsdb_identity' in
 * the NFV_Tenant database served by the same ovsdb-server is that tenant's
 * client.  It sees, in "transact" select and wait and in every kind of
 * monitor, only the rows its tenant owns, and a transaction of it that
 * changes anything else is refused.  Every other client (unix socket, tcp:,
 * ssl: with any other CN, or no NFV_Tenant database) is the provider: no
 * ACL, upstream behaviour.
 *
 * Upstream calls these functions from ovsdb/execution.c, ovsdb/monitor.c
 * and ovsdb/jsonrpc-server.c (patch 0010); a NULL ACL means full access
 * everywhere, so every function accepts NULL and then does nothing. */

#include <stdbool.h>

#include "openvswitch/compiler.h"

struct ovsdb;
struct ovsdb_error;
struct ovsdb_row;
struct ovsdb_row_set;
struct ovsdb_session;
struct ovsdb_table;
struct ovsdb_txn;
struct uuid;

struct nfv_ovsdb_acl;

struct nfv_ovsdb_acl *nfv_ovsdb_acl_create(const struct ovsdb_session *,
                                           const struct ovsdb *,
                                           const char *peer_id);
void nfv_ovsdb_acl_destroy(struct nfv_ovsdb_acl *);
bool nfv_ovsdb_acl_method_allowed(const struct ovsdb_session *,
                                  const char *peer_id, const char *method);
const char *nfv_ovsdb_acl_tenant(const struct nfv_ovsdb_acl *);
void nfv_ovsdb_acl_refresh(struct nfv_ovsdb_acl *);

/* Sessions: a session whose monitors were created for an identity class
 * that is no longer its own is dropped. */
void nfv_ovsdb_acl_session_note(const struct ovsdb_session *,
                                const char *peer_id, char **classp);
bool nfv_ovsdb_acl_session_stale(const struct ovsdb_session *,
                                 const char *peer_id, bool monitoring,
                                 char **classp);

/* "transact" (RFC 7047 section 4.1.3, operations section 5.2). */
void nfv_ovsdb_acl_filter_rows(struct nfv_ovsdb_acl *,
                               const struct ovsdb_table *,
                               struct ovsdb_row_set *);
bool nfv_ovsdb_acl_row_visible(struct nfv_ovsdb_acl *,
                               const struct ovsdb_row *);
bool nfv_ovsdb_acl_row_in_scope(struct nfv_ovsdb_acl *,
                                const struct ovsdb_row *);
struct json;
struct ovsdb_error *nfv_ovsdb_acl_check_op(const struct nfv_ovsdb_acl *,
                                           const char *op_name,
                                           const struct json *operation)
    OVS_WARN_UNUSED_RESULT;
struct ovsdb_error *nfv_ovsdb_acl_check_txn(struct nfv_ovsdb_acl *,
                                            const struct ovsdb_txn *)
    OVS_WARN_UNUSED_RESULT;

/* "monitor" (RFC 7047 section 4.1.5), "monitor_cond" and
 * "monitor_cond_since" (ovsdb-server(7)). */
int nfv_ovsdb_acl_monitor_type(struct nfv_ovsdb_acl *,
                               const struct ovsdb_table *,
                               const struct uuid *, int type);

#endif /* nfv-ovsdb-acl.h */
