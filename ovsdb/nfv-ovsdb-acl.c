/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/ovsdb/nfv-ovsdb-acl.h"
#include "nfv/lib/nfv-identity.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "coverage.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-error.h"
#include "ovsdb/monitor.h"
#include "ovsdb/ovsdb.h"
#include "ovsdb/row.h"
#include "ovsdb/server.h"
#include "ovsdb/table.h"
#include "ovsdb/transaction.h"
#include "sset.h"
#include "util.h"
#include "uuidset.h"

VLOG_DEFINE_THIS_MODULE(nfv_ovsdb_acl);

COVERAGE_DEFINE(nfv_acl_txn_refused);   /* Tenant transactions refused. */
COVERAGE_DEFINE(nfv_acl_rows_hidden);   /* Rows left out of select/wait. */
COVERAGE_DEFINE(nfv_acl_updates_hidden); /* Updates left out of monitors. */
COVERAGE_DEFINE(nfv_acl_method_refused); /* convert, lock... refused. */
COVERAGE_DEFINE(nfv_acl_value_refused);  /* Column allow-list refusals. */
COVERAGE_DEFINE(nfv_acl_session_dropped); /* Identity class changed. */

/* Databases and the names the ACL knows in them. */
#define ACL_VSWITCH_DB "Open_vSwitch"
#define ACL_TENANT_DB "NFV_Tenant"
#define ACL_SERVER_DB "_Server"

/* external_ids key naming a row's tenant (vswitchd/nfv-tenant.c). */
#define ACL_TAG "nfv-tenant"

/* Open_vSwitch other_config key: the provider's certificate CNs. */
#define ACL_PROVIDER_KEY "nfv-provider-identity"

/* Open_vSwitch other_config key: the directory under which each tenant has
 * its own directory for vhost-user server sockets, and its default. */
#define ACL_VHOST_DIR_KEY "nfv-tenant-vhost-dir"
#define ACL_VHOST_DIR_DEFAULT "/var/run/openvswitch/tenants"

enum acl_db_kind {
    ACL_DB_VSWITCH,     /* Tenant rows: bridges tagged, rows they reach. */
    ACL_DB_TENANT,      /* Own Tenant row and its VM_Ports, read-only. */
    ACL_DB_SERVER,      /* _Server: readable as is, read-only to tenants. */
    ACL_DB_OTHER        /* Anything else: nothing visible, read-only. */
};

/* Open_vSwitch tables that hold tenant rows.  Every other table
 * (Open_vSwitch, Manager, SSL, Datapath, CT_Zone, AutoAttach, ...) is the
 * provider's. */
static const char *const vswitch_tenant_tables[] = {
    "Bridge", "Port", "Interface", "Controller", "Flow_Table", "Mirror",
    "QoS", "Queue", "NetFlow", "sFlow", "IPFIX",
};

/* NFV_Tenant tables a tenant may read (its own rows). */
static const char *const nfv_tenant_tables[] = { "Tenant", "VM_Port" };

struct nfv_ovsdb_acl {
    char *tenant;               /* Tenant:name, "" if 'owns_nothing'. */
    char *who;                  /* "tenant red", for messages. */
    char *identity;             /* Certificate CN. */
    bool owns_nothing;          /* Unknown or ambiguous identity. */
    const struct ovsdb *db;     /* Database the ACL applies to. */
    const struct ovsdb_server *server;  /* Its server (other tenants). */
    enum acl_db_kind kind;

    struct uuidset pre;         /* Rows owned when the ACL was created. */
    struct uuidset owned;       /* Rows owned at the last refresh. */
    struct uuidset known;       /* Monitors: rows the client was sent. */
    bool known_init;            /* 'known' initialised from 'pre'. */
};

static enum acl_db_kind
acl_db_kind(const struct ovsdb *db)
{
    const char *name = db->schema->name;

    return (!strcmp(name, ACL_VSWITCH_DB) ? ACL_DB_VSWITCH
            : !strcmp(name, ACL_TENANT_DB) ? ACL_DB_TENANT
            : !strcmp(name, ACL_SERVER_DB) ? ACL_DB_SERVER
            : ACL_DB_OTHER);
}

static bool
name_in(const char *name, const char *const names[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(name, names[i])) {
            return true;
        }
    }
    return false;
}

/* Returns true if tenants can own rows of table 'name' in a database of
 * kind 'kind'. */
static bool
acl_is_tenant_table(enum acl_db_kind kind, const char *name)
{
    switch (kind) {
    case ACL_DB_VSWITCH:
        return name_in(name, vswitch_tenant_tables,
                       ARRAY_SIZE(vswitch_tenant_tables));
    case ACL_DB_TENANT:
        return name_in(name, nfv_tenant_tables,
                       ARRAY_SIZE(nfv_tenant_tables));
    case ACL_DB_SERVER:
    case ACL_DB_OTHER:
    default:
        return false;
    }
}

/* Returns the string value of 'column' in 'row' if it is a string column
 * with exactly one value, otherwise NULL. */
static const char *
acl_row_string(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_column *c
        = ovsdb_table_schema_get_column(row->table->schema, column);

    if (c && c->type.key.type == OVSDB_TYPE_STRING
        && c->type.value.type == OVSDB_TYPE_VOID
        && row->fields[c->index].n == 1) {
        return json_string(row->fields[c->index].keys[0].s);
    }
    return NULL;
}

/* Returns external_ids:nfv-tenant of 'row', or NULL if it has none (or its
 * table has no string-to-string external_ids). */
static const char *
acl_row_tag(const struct ovsdb_row *row)
{
    const struct ovsdb_column *c
        = ovsdb_table_schema_get_column(row->table->schema, "external_ids");

    if (!c || c->type.key.type != OVSDB_TYPE_STRING
        || c->type.value.type != OVSDB_TYPE_STRING) {
        return NULL;
    }

    const struct ovsdb_datum *d = &row->fields[c->index];
    for (unsigned int i = 0; i < d->n; i++) {
        if (!strcmp(json_string(d->keys[i].s), ACL_TAG)) {
            return json_string(d->values[i].s);
        }
    }
    return NULL;
}

/* Finds the tenant whose identity (Tenant:ovsdb_identity, or its name when
 * that is empty) is 'peer_id' in the NFV_Tenant database of 'server'.
 * Returns its name (to free), or NULL if there is none.  Sets '*n_matches'
 * to the number of tenants with that identity. */
static char *
acl_find_tenant(const struct ovsdb_server *server, const char *peer_id,
                size_t *n_matches)
{
    const struct ovsdb *tdb = shash_find_data(&server->dbs, ACL_TENANT_DB);
    char *tenant = NULL;

    *n_matches = 0;
    if (!tdb) {
        return NULL;
    }

    const struct ovsdb_table *table = ovsdb_get_table(tdb, "Tenant");
    if (!table) {
        return NULL;
    }

    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        const char *name = acl_row_string(row, "name");
        const char *identity = acl_row_string(row, "ovsdb_identity");

        if (!identity) {
            identity = name;
        }
        if (identity && name && !strcmp(identity, peer_id)) {
            if (!*n_matches) {
                tenant = xstrdup(name);
            }
            (*n_matches)++;
        }
    }
    return tenant;
}

/* Returns true if 'server' has provider identities configured
 * (Open_vSwitch other_config:nfv-provider-identity, comma-separated
 * certificate CNs); then sets '*is_provider' to whether 'peer_id' is one of
 * them. */
static bool
acl_provider_identities(const struct ovsdb_server *server,
                        const char *peer_id, bool *is_provider)
{
    const struct ovsdb *vdb = shash_find_data(&server->dbs, ACL_VSWITCH_DB);
    const struct ovsdb_table *table = vdb ? ovsdb_get_table(vdb,
                                                            ACL_VSWITCH_DB)
                                          : NULL;
    const struct ovsdb_column *c = table
        ? ovsdb_table_schema_get_column(table->schema, "other_config")
        : NULL;
    const char *list = NULL;

    *is_provider = false;
    if (!c || c->type.key.type != OVSDB_TYPE_STRING
        || c->type.value.type != OVSDB_TYPE_STRING) {
        return false;
    }

    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        const struct ovsdb_datum *d = &row->fields[c->index];
        for (unsigned int i = 0; i < d->n; i++) {
            if (!strcmp(json_string(d->keys[i].s), ACL_PROVIDER_KEY)) {
                list = json_string(d->values[i].s);
            }
        }
        break;                  /* One row. */
    }
    if (!list || !list[0]) {
        return false;
    }

    struct sset ids = SSET_INITIALIZER(&ids);
    nfv_identity_list_parse(list, &ids);
    *is_provider = sset_contains(&ids, peer_id);
    bool strict = !sset_is_empty(&ids);
    sset_destroy(&ids);
    return strict;
}

/* Computes into 'owned' the rows of 'acl''s tenant in its database: in
 * Open_vSwitch, every Bridge with external_ids:nfv-tenant equal to the
 * tenant's name and every row of a tenant table (vswitch_tenant_tables)
 * reachable from them through references; in NFV_Tenant, the Tenant row of
 * that name and the VM_Port rows it references. */
static void
acl_compute_owned(const struct nfv_ovsdb_acl *acl, struct uuidset *owned)
{
    const char *root_name;

    uuidset_clear(owned);
    if (acl->owns_nothing) {
        return;
    }
    switch (acl->kind) {
    case ACL_DB_VSWITCH:
        root_name = "Bridge";
        break;
    case ACL_DB_TENANT:
        root_name = "Tenant";
        break;
    case ACL_DB_SERVER:
    case ACL_DB_OTHER:
    default:
        return;
    }

    const struct ovsdb_table *root = ovsdb_get_table(acl->db, root_name);
    if (!root) {
        return;
    }

    /* Roots. */
    size_t n = 0, allocated = 0;
    const struct ovsdb_row **stack = NULL;
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &root->rows) {
        const char *owner = (acl->kind == ACL_DB_VSWITCH
                             ? acl_row_tag(row)
                             : acl_row_string(row, "name"));
        if (owner && !strcmp(owner, acl->tenant)) {
            uuidset_insert(owned, ovsdb_row_get_uuid(row));
            if (n >= allocated) {
                stack = x2nrealloc(stack, &allocated, sizeof *stack);
            }
            stack[n++] = row;
        }
    }

    /* Rows they reach, in tenant tables other than the roots' table. */
    while (n) {
        row = stack[--n];

        const struct shash_node *node;
        SHASH_FOR_EACH (node, &row->table->schema->columns) {
            const struct ovsdb_column *c = node->data;
            const struct ovsdb_datum *d = &row->fields[c->index];
            const struct ovsdb_base_type *bases[2] = { &c->type.key,
                                                       &c->type.value };

            for (int b = 0; b < 2; b++) {
                const struct ovsdb_base_type *base = bases[b];
                if (!ovsdb_base_type_is_ref(base)
                    || !strcmp(base->uuid.refTableName, root_name)
                    || !acl_is_tenant_table(acl->kind,
                                            base->uuid.refTableName)) {
                    continue;
                }

                const struct ovsdb_table *ref
                    = ovsdb_get_table(acl->db, base->uuid.refTableName);
                if (!ref) {
                    continue;
                }
                const union ovsdb_atom *atoms = b ? d->values : d->keys;
                for (unsigned int i = 0; i < d->n; i++) {
                    const struct uuid *uuid = &atoms[i].uuid;
                    const struct ovsdb_row *target;

                    if (uuidset_contains(owned, uuid)) {
                        continue;
                    }
                    target = ovsdb_table_get_row(ref, uuid);
                    if (target) {
                        uuidset_insert(owned, uuid);
                        if (n >= allocated) {
                            stack = x2nrealloc(stack, &allocated,
                                               sizeof *stack);
                        }
                        stack[n++] = target;
                    }
                }
            }
        }
    }
    free(stack);
}

/* Returns the access control of a client of database 'db' whose peer
 * identity is 'peer_id' (jsonrpc_session_get_id(): the CN of its TLS
 * certificate, NULL for unix:, tcp: and other streams), connected to
 * 'session' (may be NULL: ovsdb-tool, tests).
 *
 * Returns NULL (full access: the provider, RFC 7047 as upstream) for a
 * NULL 'peer_id' or 'session', for a provider identity (Open_vSwitch
 * other_config:nfv-provider-identity), and, while no provider identity is
 * configured, for every identity that is no tenant's.  Otherwise returns
 * an ACL, which the caller frees with nfv_ovsdb_acl_destroy(), with the
 * rows its tenant owns now: the tenant whose identity (Tenant:
 * ovsdb_identity, or Tenant:name) is 'peer_id'; an identity that several
 * tenants have, or (with provider identities configured) no tenant and no
 * provider has, owns nothing (logged). */
/* Returns true if the client with certificate CN 'peer_id' is restricted:
 * a tenant's identity (stored, malloc'd, in '*tenant', with the number of
 * tenants that have it in '*n_matches'), or, once provider identities are
 * configured, an identity that is neither a tenant's nor the provider's
 * ('*tenant' NULL).  Returns false, '*tenant' NULL, for the provider. */
static bool
acl_restricted(const struct ovsdb_server *server, const char *peer_id,
               char **tenant, size_t *n_matches)
{
    bool is_provider;
    bool strict = acl_provider_identities(server, peer_id, &is_provider);

    *tenant = NULL;
    *n_matches = 0;
    if (is_provider) {
        return false;
    }
    *tenant = acl_find_tenant(server, peer_id, n_matches);
    return *tenant || strict;
}

struct nfv_ovsdb_acl *
nfv_ovsdb_acl_create(const struct ovsdb_session *session,
                     const struct ovsdb *db, const char *peer_id)
{
    static struct vlog_rate_limit unknown_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    static struct vlog_rate_limit shared_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    size_t n_matches;
    char *tenant;

    if (!session || !session->server || !db || !peer_id || !peer_id[0]) {
        return NULL;
    }
    if (!acl_restricted(session->server, peer_id, &tenant, &n_matches)) {
        return NULL;
    }

    struct nfv_ovsdb_acl *acl = xzalloc(sizeof *acl);
    acl->identity = xstrdup(peer_id);
    if (!tenant) {
        acl->tenant = xstrdup("");
        acl->who = xasprintf("identity %s (no tenant, no provider)",
                             peer_id);
        acl->owns_nothing = true;
        VLOG_WARN_RL(&unknown_rl, "OVSDB client with certificate CN %s is "
                     "no tenant and no provider (%s): it sees and may "
                     "change nothing", peer_id, ACL_PROVIDER_KEY);
    } else {
        acl->tenant = tenant;
        acl->who = xasprintf("tenant %s", tenant);
        acl->owns_nothing = n_matches > 1;
        if (acl->owns_nothing) {
            VLOG_WARN_RL(&shared_rl, "OVSDB identity %s is the identity of %"
                         PRIuSIZE" tenants: its clients see and may "
                         "change nothing", peer_id, n_matches);
        }
    }
    acl->db = db;
    acl->server = session->server;
    acl->kind = acl_db_kind(db);
    uuidset_init(&acl->pre);
    uuidset_init(&acl->owned);
    uuidset_init(&acl->known);
    acl_compute_owned(acl, &acl->pre);
    return acl;
}

/* Returns false if the client of 'session' whose TLS certificate CN is
 * 'peer_id' (NULL or "" for none) is a tenant's, or an identity that is no
 * tenant's nor the provider's, and JSON-RPC method 'method' is one such a
 * client may not call: "convert" (it would replace a database's schema,
 * ovsdb-server(1)), "lock", "steal" and "unlock" (RFC 7047 section 4.1.8
 * to 4.1.10: it could take the lock ovs-vswitchd holds on the database).
 * Returns true otherwise.  The caller answers a refused request with a
 * JSON-RPC error "permission error". */
bool
nfv_ovsdb_acl_method_allowed(const struct ovsdb_session *session,
                             const char *peer_id, const char *method)
{
    static const char *const refused[] = {
        "convert", "lock", "steal", "unlock",
    };
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    if (!method || !name_in(method, refused, ARRAY_SIZE(refused))
        || !session || !session->server || !peer_id || !peer_id[0]) {
        return true;
    }

    size_t n_matches;
    char *tenant;
    bool allowed = !acl_restricted(session->server, peer_id, &tenant,
                                   &n_matches);
    if (!allowed) {
        COVERAGE_INC(nfv_acl_method_refused);
        VLOG_INFO_RL(&rl, "\"%s\" refused to the client with certificate "
                     "CN %s (%s)", method, peer_id,
                     tenant ? "a tenant's identity" : "no provider identity");
    }
    free(tenant);
    return allowed;
}

/* Frees 'acl' (may be NULL). */
void
nfv_ovsdb_acl_destroy(struct nfv_ovsdb_acl *acl)
{
    if (acl) {
        uuidset_destroy(&acl->pre);
        uuidset_destroy(&acl->owned);
        uuidset_destroy(&acl->known);
        free(acl->tenant);
        free(acl->who);
        free(acl->identity);
        free(acl);
    }
}

/* Returns the name of 'acl''s tenant (NULL if 'acl' is NULL). */
const char *
nfv_ovsdb_acl_tenant(const struct nfv_ovsdb_acl *acl)
{
    return acl ? acl->tenant : NULL;
}

/* Recomputes the rows 'acl''s tenant owns now, for
 * nfv_ovsdb_acl_row_visible() and nfv_ovsdb_acl_monitor_type().  Does
 * nothing if 'acl' is NULL. */
void
nfv_ovsdb_acl_refresh(struct nfv_ovsdb_acl *acl)
{
    if (acl) {
        if (!acl->known_init) {
            struct uuidset_node *node;

            UUIDSET_FOR_EACH (node, &acl->pre) {
                uuidset_insert(&acl->known, &node->uuid);
            }
            acl->known_init = true;
        }
        acl_compute_owned(acl, &acl->owned);
    }
}

/* Returns true if the client of 'acl' may see 'row' (always with a NULL
 * 'acl') in the transaction 'acl' was created for: only rows its tenant
 * owned when the transaction began.  Ownership in the middle of a
 * transaction is not used, since the transaction itself could change it
 * (a row re-tagged by an operation, then read by a later "select", then
 * the transaction aborted), and so a row the transaction inserts is not
 * seen by its own later "select".  RFC 7047 section 5.2.7 ("wait"): rows
 * it may not see do not exist for it. */
bool
nfv_ovsdb_acl_row_visible(struct nfv_ovsdb_acl *acl,
                          const struct ovsdb_row *row)
{
    return (!acl
            || acl->kind == ACL_DB_SERVER
            || uuidset_contains(&acl->pre, ovsdb_row_get_uuid(row)));
}

/* Returns true if an "update", "mutate" or "delete" (RFC 7047 sections
 * 5.2.3 to 5.2.5) of the client of 'acl' may match 'row' (always with a
 * NULL 'acl'): a row its tenant owned when the transaction began, or one
 * the transaction itself inserted.  Any other row does not exist for the
 * tenant, as for "select": it is neither changed nor counted, so that a
 * query's "count" (even one that changes nothing) and its outcome tell
 * nothing about rows the tenant may not see.  (A row that is neither owned
 * nor new but is already part of the transaction could only be one the
 * transaction changed some other way; nfv_ovsdb_acl_check_txn() refuses
 * that.) */
bool
nfv_ovsdb_acl_row_in_scope(struct nfv_ovsdb_acl *acl,
                           const struct ovsdb_row *row)
{
    if (!acl || acl->kind == ACL_DB_SERVER
        || uuidset_contains(&acl->pre, ovsdb_row_get_uuid(row))) {
        return true;
    }
    if (!row->txn_row) {
        COVERAGE_INC(nfv_acl_rows_hidden);
    }
    return row->txn_row != NULL;
}

/* Returns the identity class of the client with certificate CN 'peer_id'
 * of 'session', malloc'd: "provider", "tenant <name>", or "nobody" (an
 * identity several tenants share, or that is neither a tenant's nor, once
 * provider identities are configured, the provider's). */
static char *
acl_class(const struct ovsdb_session *session, const char *peer_id)
{
    size_t n_matches;
    char *tenant;
    char *class;

    if (!session || !session->server || !peer_id || !peer_id[0]
        || !acl_restricted(session->server, peer_id, &tenant, &n_matches)) {
        return xstrdup("provider");
    }
    class = (tenant && n_matches == 1
             ? xasprintf("tenant %s", tenant) : xstrdup("nobody"));
    free(tenant);
    return class;
}

/* Records in '*classp', if it is NULL, the identity class of the client of
 * 'session' with certificate CN 'peer_id': the caller has just created a
 * monitor for it, which serves the rows of that class.  Does nothing for a
 * client without a certificate (NULL 'peer_id': unix:, tcp:), which is the
 * provider whatever the databases say. */
void
nfv_ovsdb_acl_session_note(const struct ovsdb_session *session,
                           const char *peer_id, char **classp)
{
    if (!*classp && peer_id && peer_id[0]) {
        *classp = acl_class(session, peer_id);
    }
}

/* Returns true if the session 'session' of the client with certificate CN
 * 'peer_id' has monitors ('monitoring') created for an identity class
 * ('*classp', nfv_ovsdb_acl_session_note()) that is no longer its own:
 * the provider changed Open_vSwitch other_config:nfv-provider-identity or a
 * Tenant's name or ovsdb_identity.  Its monitors would go on serving the
 * rows of the old class, so the caller drops the connection; the client
 * reconnects and monitors again with its new class.  Without monitors,
 * clears '*classp' (transactions look the class up each time).  Logs and
 * counts each dropped session. */
bool
nfv_ovsdb_acl_session_stale(const struct ovsdb_session *session,
                            const char *peer_id, bool monitoring,
                            char **classp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    if (!monitoring) {
        free(*classp);
        *classp = NULL;
        return false;
    }
    if (!*classp || !peer_id || !peer_id[0]) {
        return false;
    }

    char *class = acl_class(session, peer_id);
    bool stale = strcmp(class, *classp) != 0;
    if (stale) {
        COVERAGE_INC(nfv_acl_session_dropped);
        VLOG_INFO_RL(&rl, "client with certificate CN %s is now %s, its "
                     "monitors were created for %s: disconnecting it so "
                     "that it monitors again", peer_id, class, *classp);
        free(*classp);
        *classp = NULL;
    }
    free(class);
    return stale;
}

/* Removes from 'rows', the result of a query on 'table' (RFC 7047 section
 * 5.2.2, "select"), the rows the client of 'acl' may not see, keeping the
 * others in order.  Does nothing if 'acl' is NULL. */
void
nfv_ovsdb_acl_filter_rows(struct nfv_ovsdb_acl *acl,
                          const struct ovsdb_table *table OVS_UNUSED,
                          struct ovsdb_row_set *rows)
{
    if (!acl || acl->kind == ACL_DB_SERVER) {
        return;
    }

    size_t n = 0;
    for (size_t i = 0; i < rows->n_rows; i++) {
        if (nfv_ovsdb_acl_row_visible(acl, rows->rows[i])) {
            rows->rows[n++] = rows->rows[i];
        }
    }
    COVERAGE_ADD(nfv_acl_rows_hidden, rows->n_rows - n);
    rows->n_rows = n;
}

/* Checks operation 'operation' (RFC 7047 section 5.2), named 'op_name',
 * that the client of 'acl' ran in a "transact" request, right after it
 * ran and before its result is returned: an "update", "mutate" or
 * "delete" on a table the client may not change (a provider table, or any
 * table of a database that is read-only to tenants) is refused even if it
 * changed nothing, so that its "count" tells nothing about rows the client
 * may not see.  Returns NULL if 'acl' is NULL or the operation may stand,
 * otherwise a "permission error" (the caller returns it in place of the
 * operation's result and aborts the transaction). */
struct ovsdb_error *
nfv_ovsdb_acl_check_op(const struct nfv_ovsdb_acl *acl, const char *op_name,
                       const struct json *operation)
{
    static const char *const queries[] = { "update", "mutate", "delete" };

    /* In _Server an "insert" is refused here too: upstream refuses every
     * write to a reserved database with "not allowed" before the
     * transaction check runs, and a tenant gets the ACL's answer. */
    if (!acl || !op_name || operation->type != JSON_OBJECT
        || (!name_in(op_name, queries, ARRAY_SIZE(queries))
            && (acl->kind != ACL_DB_SERVER || strcmp(op_name, "insert")))) {
        return NULL;
    }

    const struct json *table = shash_find_data(json_object(operation),
                                               "table");
    const char *name = (table && table->type == JSON_STRING
                        ? json_string(table) : "");
    struct ovsdb_error *error = NULL;
    if (acl->kind == ACL_DB_TENANT || acl->kind == ACL_DB_SERVER) {
        error = ovsdb_error(
            "permission error", "the %s database is read-only to tenants: "
            "%s may not change table %s", acl->db->schema->name, acl->who,
            name);
    } else if (acl->kind != ACL_DB_VSWITCH) {
        error = ovsdb_error(
            "permission error", "database %s is the provider's: %s may not "
            "change table %s", acl->db->schema->name, acl->who, name);
    } else if (!acl_is_tenant_table(acl->kind, name)) {
        error = ovsdb_error(
            "permission error", "table %s is provider configuration: %s "
            "may not change it", name, acl->who);
    }
    if (error) {
        COVERAGE_INC(nfv_acl_txn_refused);
    }
    return error;
}

/* Column allow-list: what a tenant may write in its own rows.
 *
 * A tenant's own rows still name host resources (an interface type names a
 * host netdev or NIC, a controller target a local socket or a listening
 * port, options a vhost-user socket path), so, in the rows a tenant inserts
 * or changes, it may write only the columns listed in 'acl_column_rules',
 * and only values their check accepts.  Documentation/topics/
 * nfv-isolation.rst, "Which values a tenant may write", lists the same. */

/* Returns NULL if 'new' (the row after the transaction; 'old' is the row
 * before it, NULL for an insert) may have 'datum' in the rule's column,
 * otherwise a malloc'd reason. */
typedef char *acl_value_check_func(const struct nfv_ovsdb_acl *,
                                   const struct ovsdb_row *old,
                                   const struct ovsdb_row *new,
                                   const struct ovsdb_datum *);

struct acl_column_rule {
    const char *table;
    const char *column;
    acl_value_check_func *check;  /* NULL: any value the schema allows. */
    bool on_insert;               /* Check inserts even with the default. */
};

/* Returns the value of string-to-string map 'd' for 'key', or NULL. */
static const char *
acl_map_get(const struct ovsdb_datum *d, const char *key)
{
    for (unsigned int i = 0; i < d->n; i++) {
        if (!strcmp(json_string(d->keys[i].s), key)) {
            return json_string(d->values[i].s);
        }
    }
    return NULL;
}

/* Returns column 'name' of 'row', NULL if its table has none. */
static const struct ovsdb_datum *
acl_row_datum(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c
        = ovsdb_table_schema_get_column(row->table->schema, name);
    return c ? &row->fields[c->index] : NULL;
}

/* Returns true if 'd' is a map from strings to strings. */
static bool
acl_is_string_map(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c
        = ovsdb_table_schema_get_column(row->table->schema, name);
    return (c && c->type.key.type == OVSDB_TYPE_STRING
            && c->type.value.type == OVSDB_TYPE_STRING);
}

/* Calls 'cb' for each key of string map column 'column' that the change
 * from 'old' (NULL: empty) to 'new' adds, removes or gives another value,
 * with its new value (NULL if removed).  Returns the first reason 'cb'
 * returns, or NULL. */
static char *
acl_map_changes(const struct ovsdb_row *old, const struct ovsdb_row *new,
                const char *column,
                char *(*cb)(const char *key, const char *value))
{
    const struct ovsdb_datum *o = old ? acl_row_datum(old, column) : NULL;
    const struct ovsdb_datum *n = acl_row_datum(new, column);
    char *reason = NULL;

    for (unsigned int i = 0; !reason && i < n->n; i++) {
        const char *key = json_string(n->keys[i].s);
        const char *value = json_string(n->values[i].s);
        const char *before = o ? acl_map_get(o, key) : NULL;

        if (!before || strcmp(before, value)) {
            reason = cb(key, value);
        }
    }
    for (unsigned int i = 0; o && !reason && i < o->n; i++) {
        const char *key = json_string(o->keys[i].s);

        if (!acl_map_get(n, key)) {
            reason = cb(key, NULL);
        }
    }
    return reason;
}

static bool
acl_has_prefix(const char *s, const char *const prefixes[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(s, prefixes[i], strlen(prefixes[i]))) {
            return true;
        }
    }
    return false;
}

/* external_ids: any key but the provider's "nfv-" keys and "iface-id".
 * ("nfv-tenant", the tenant tag, has its own rules in acl_check_change():
 * never changed, and on insert only the tenant's own name.)  "iface-id"
 * binds an interface to a VM_Port, and vswitchd/nfv-tenant.c moves a port
 * bound to a tenant's VM_Port onto that tenant's integration bridge: the
 * provider (Nova, its agent) plugs VM ports, so a tenant may neither set,
 * change nor remove it. */
static char *
acl_external_id_cb(const char *key, const char *value OVS_UNUSED)
{
    if (!strcmp(key, "iface-id")) {
        return xstrdup("key \"iface-id\" is the provider's (it binds an "
                       "interface to a VM_Port)");
    }
    return (!strncmp(key, "nfv-", 4) && strcmp(key, ACL_TAG)
            ? xasprintf("key \"%s\": \"nfv-\" keys are the provider's", key)
            : NULL);
}

static char *
acl_check_external_ids(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                       const struct ovsdb_row *old,
                       const struct ovsdb_row *new,
                       const struct ovsdb_datum *d OVS_UNUSED)
{
    return (acl_is_string_map(new, "external_ids")
            ? acl_map_changes(old, new, "external_ids", acl_external_id_cb)
            : NULL);
}

/* Returns a reason if 'value' is not an integer in [min, max]. */
static char *
acl_check_int(const char *key, const char *value, long long int min,
              long long int max)
{
    long long int x;

    if (!value) {
        return NULL;
    }
    if (!str_to_llong(value, 10, &x) || x < min || x > max) {
        return xasprintf("key \"%s\" must be an integer from %lld to %lld",
                         key, min, max);
    }
    return NULL;
}

/* Bridge other_config: its own L2 behaviour only (MAC learning, multicast
 * snooping, spanning tree), with table sizes bounded. */
static char *
acl_bridge_other_config_cb(const char *key, const char *value)
{
    static const char *const prefixes[] = { "stp-", "rstp-" };

    if (!strcmp(key, "mac-table-size")
        || !strcmp(key, "mcast-snooping-table-size")) {
        return acl_check_int(key, value, 1, 65536);
    } else if (!strcmp(key, "mac-aging-time")
               || !strcmp(key, "mcast-snooping-aging-time")) {
        return acl_check_int(key, value, 1, 86400);
    } else if (!strcmp(key, "forward-bpdu")
               || !strcmp(key, "mcast-snooping-disable-flood-unregistered")
               || acl_has_prefix(key, prefixes, ARRAY_SIZE(prefixes))) {
        return NULL;
    }
    return xasprintf("key \"%s\" is not one a tenant may set (allowed: "
                     "mac-table-size, mac-aging-time, forward-bpdu, "
                     "mcast-snooping-table-size, mcast-snooping-aging-time, "
                     "mcast-snooping-disable-flood-unregistered, stp-*, "
                     "rstp-*)", key);
}

static char *
acl_check_bridge_other_config(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                              const struct ovsdb_row *old,
                              const struct ovsdb_row *new,
                              const struct ovsdb_datum *d OVS_UNUSED)
{
    return acl_map_changes(old, new, "other_config",
                           acl_bridge_other_config_cb);
}

/* Port other_config: bonding, LACP, spanning tree, snooping per port. */
static char *
acl_port_other_config_cb(const char *key, const char *value OVS_UNUSED)
{
    static const char *const prefixes[] = {
        "lacp-", "bond-", "stp-", "rstp-", "mcast-snooping-",
    };

    if (!strcmp(key, "priority-tags")
        || acl_has_prefix(key, prefixes, ARRAY_SIZE(prefixes))) {
        return NULL;
    }
    return xasprintf("key \"%s\" is not one a tenant may set (allowed: "
                     "priority-tags, lacp-*, bond-*, stp-*, rstp-*, "
                     "mcast-snooping-*)", key);
}

static char *
acl_check_port_other_config(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                            const struct ovsdb_row *old,
                            const struct ovsdb_row *new,
                            const struct ovsdb_datum *d OVS_UNUSED)
{
    return acl_map_changes(old, new, "other_config",
                           acl_port_other_config_cb);
}

/* Prefixes of the bridge and port names ovs-vswitchd gives what it
 * provisions (br-int-<t>, br-tun-<t>, br-cloud, pt-, pi-, ex- and tn-<t>,
 * cl-, pc- and pb- for inter-cloud) and of the bridges Neutron makes
 * (br-int, br-tun, br-ex): a tenant inserts none of them, even one whose
 * name makes them look like its own prefix (a tenant named "br"). */
static const char *const acl_reserved_prefixes[] = {
    "br-", "pt-", "pi-", "ex-", "tn-", "cl-", "pc-", "pb-",
};

/* Returns true if 'name' begins with "<other>-" for a tenant 'other' of
 * 'acl''s server whose name is longer than 'acl''s tenant's ("red-blue"
 * for tenant "red"): then the name is that tenant's. */
static bool
acl_name_is_longer_tenants(const struct nfv_ovsdb_acl *acl, const char *name)
{
    const struct ovsdb *tdb = shash_find_data(&acl->server->dbs,
                                              ACL_TENANT_DB);
    const struct ovsdb_table *table = (tdb ? ovsdb_get_table(tdb, "Tenant")
                                       : NULL);
    size_t len = strlen(acl->tenant);
    const struct ovsdb_row *row;

    if (!table) {
        return false;
    }
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        const char *other = acl_row_string(row, "name");
        size_t other_len = other ? strlen(other) : 0;

        if (other_len > len && !strncmp(name, other, other_len)
            && name[other_len] == '-') {
            return true;
        }
    }
    return false;
}

/* Port and Interface names: "<tenant>-..." on insert, so that a tenant
 * never takes (nor learns, through a unique-index violation) the name of a
 * host netdev or another owner's port, and fixed once inserted: a rename
 * could give a port the name of a host NIC (which ovs-vswitchd would then
 * open on the tenant's bridge), a name the provider is about to use, or
 * rename a port the provider put on the tenant's bridge.  (The check runs
 * only when the name changes.)  Nor a name that is also another tenant's
 * ("red-blue-..." when tenant "red-blue" exists, for tenant "red") or in
 * the provisioning's namespace (acl_reserved_prefixes). */
static char *
acl_check_name(const struct nfv_ovsdb_acl *acl, const struct ovsdb_row *old,
               const struct ovsdb_row *new, const struct ovsdb_datum *d)
{
    const char *table = new->table->schema->name;
    size_t len = strlen(acl->tenant);
    const char *name;

    if (old) {
        return xasprintf("%s names are fixed once inserted: a tenant may "
                         "not rename one", table);
    }
    name = d->n == 1 ? json_string(d->keys[0].s) : "";
    if (strncmp(name, acl->tenant, len) || name[len] != '-'
        || !name[len + 1]) {
        return xasprintf("the %s names a tenant inserts begin with \"%s-\"",
                         table, acl->tenant);
    }
    for (size_t i = 0; i < ARRAY_SIZE(acl_reserved_prefixes); i++) {
        const char *prefix = acl_reserved_prefixes[i];

        if (!strncmp(name, prefix, strlen(prefix))) {
            return xasprintf("%s name \"%s\": names that begin with "
                             "\"%s\" are ovs-vswitchd's and Neutron's",
                             table, name, prefix);
        }
    }
    if (acl_name_is_longer_tenants(acl, name)) {
        return xasprintf("%s name \"%s\" begins with another tenant's "
                         "prefix", table, name);
    }
    return NULL;
}

/* Returns true if IPv4 address 'a' (network order) is in 127.0.0.0/8 or
 * is 0.0.0.0. */
static bool
acl_ip4_is_local(ovs_be32 a)
{
    return (ntohl(a) >> 24) == 127 || !a;
}

/* Returns true if 'a4' (if nonnull) or 'a6' (if nonnull) is an address of
 * one of this host's interfaces now (getifaddrs()).  An IPv4-mapped or
 * IPv4-compatible 'a6' is compared as IPv4. */
static bool
acl_addr_is_own(const struct in_addr *a4, const struct in6_addr *a6)
{
    struct ifaddrs *ifa_list, *ifa;
    struct in_addr v4;
    bool own = false;

    if (a6 && (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6))) {
        memcpy(&v4.s_addr, &a6->s6_addr[12], sizeof v4.s_addr);
        a4 = &v4;
        a6 = NULL;
    }
    if (getifaddrs(&ifa_list)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        VLOG_WARN_RL(&rl, "getifaddrs failed (%s): cannot tell whether a "
                     "tenant's target is this host's address",
                     ovs_strerror(errno));
        return false;
    }
    for (ifa = ifa_list; ifa && !own; ifa = ifa->ifa_next) {
        const struct sockaddr *sa = ifa->ifa_addr;

        if (!sa) {
            continue;
        }
        if (a4 && sa->sa_family == AF_INET) {
            const struct sockaddr_in *sin = ALIGNED_CAST(
                const struct sockaddr_in *, sa);
            own = sin->sin_addr.s_addr == a4->s_addr;
        } else if (a6 && sa->sa_family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = ALIGNED_CAST(
                const struct sockaddr_in6 *, sa);
            own = !memcmp(&sin6->sin6_addr, a6, sizeof *a6);
        }
    }
    freeifaddrs(ifa_list);
    return own;
}

/* Checks 'host' (the 'len' bytes of a "HOST[:PORT]", an IPv6 address in
 * brackets) of a target a tenant writes: it must be a numeric address
 * (IPv4 in any form inet_aton() accepts, or IPv6) of another host.
 * Returns NULL if it is, otherwise a malloc'd reason naming 'target':
 *
 *   - empty, "localhost", a loopback or unspecified address in any form
 *     ("127.1", "2130706433", "0", "::1", "::ffff:127.0.0.1"...);
 *
 *   - any other host name: what it resolves to is up to the resolver when
 *     ovs-vswitchd connects (the host's own name maps to 127.0.1.1 on
 *     Debian, and DNS may change), so only numeric addresses are checked
 *     and accepted;
 *
 *   - an address of one of this host's interfaces (at the time of the
 *     check). */
static char *
acl_check_host(const char *what, const char *target, const char *host,
               size_t len)
{
    char *h = xmemdup0(host, len);
    struct in6_addr a6;
    struct in_addr a4;
    char *reason = NULL;

    if (h[0] == '[' && len >= 2 && h[len - 1] == ']') {
        memmove(h, h + 1, len - 2);
        h[len - 2] = '\0';
    }
    if (inet_aton(h, &a4)) {
        if (acl_ip4_is_local(a4.s_addr)) {
            reason = xasprintf("%s \"%s\": a loopback or unspecified "
                               "address is not allowed", what, target);
        } else if (acl_addr_is_own(&a4, NULL)) {
            reason = xasprintf("%s \"%s\": an address of this host is not "
                               "allowed", what, target);
        }
    } else if (inet_pton(AF_INET6, h, &a6) == 1) {
        ovs_be32 v4;

        memcpy(&v4, &a6.s6_addr[12], sizeof v4);
        if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6)
            || ((IN6_IS_ADDR_V4MAPPED(&a6) || IN6_IS_ADDR_V4COMPAT(&a6))
                && acl_ip4_is_local(v4))) {
            reason = xasprintf("%s \"%s\": a loopback or unspecified "
                               "address is not allowed", what, target);
        } else if (acl_addr_is_own(NULL, &a6)) {
            reason = xasprintf("%s \"%s\": an address of this host is not "
                               "allowed", what, target);
        }
    } else {
        size_t n = strlen(h);

        while (n && h[n - 1] == '.') {
            h[--n] = '\0';
        }
        if (!h[0] || !strcasecmp(h, "localhost")
            || (n > 10 && !strcasecmp(h + n - 10, ".localhost"))) {
            reason = xasprintf("%s \"%s\": a loopback or unspecified "
                               "address is not allowed", what, target);
        } else {
            reason = xasprintf("%s \"%s\": a host name is not allowed "
                               "(a tenant's targets are numeric IPv4 or "
                               "IPv6 addresses)", what, target);
        }
    }
    free(h);
    return reason;
}

/* Returns the length of the host part of "HOST[:PORT]" in 's' (IPv6 in
 * brackets). */
static size_t
acl_host_len(const char *s)
{
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        return end ? end - s + 1 : strlen(s);
    }
    return strcspn(s, ":");
}

/* Controller:target: an active "ssl:" or "tcp:" connection to a numeric
 * address that is not this host's (acl_check_host()).  No "unix:" (another bridge's or daemon's local socket),
 * no "punix:" (a socket file where the tenant chooses), no "pssl:" or
 * "ptcp:" (a listening port on the host: the provider assigns those). */
static char *
acl_check_controller_target(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                            const struct ovsdb_row *old OVS_UNUSED,
                            const struct ovsdb_row *new OVS_UNUSED,
                            const struct ovsdb_datum *d)
{
    const char *target = d->n == 1 ? json_string(d->keys[0].s) : "";
    const char *host;

    if (!strncmp(target, "ssl:", 4) || !strncmp(target, "tcp:", 4)) {
        host = target + 4;
    } else {
        return xasprintf("target \"%s\": only active \"ssl:\" and \"tcp:\" "
                         "targets are allowed (no unix:, punix:, pssl:, "
                         "ptcp:)", target);
    }
    return acl_check_host("target", target, host, acl_host_len(host));
}

/* NetFlow, sFlow and IPFIX targets: "HOST:PORT" collectors at numeric
 * addresses that are not this host's (acl_check_host()). */
static char *
acl_check_collectors(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                     const struct ovsdb_row *old OVS_UNUSED,
                     const struct ovsdb_row *new OVS_UNUSED,
                     const struct ovsdb_datum *d)
{
    for (unsigned int i = 0; i < d->n; i++) {
        const char *target = json_string(d->keys[i].s);
        const char *host = !strncmp(target, "udp:", 4) ? target + 4 : target;
        char *reason = acl_check_host("collector", target, host,
                                      acl_host_len(host));

        if (reason) {
            return reason;
        }
    }
    return NULL;
}

/* Returns Open_vSwitch other_config:'key' in 'db', or NULL. */
static const char *
acl_ovs_config(const struct ovsdb *db, const char *key)
{
    const struct ovsdb_table *table = ovsdb_get_table(db, ACL_VSWITCH_DB);
    const struct ovsdb_row *row;

    if (!table) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        return (acl_is_string_map(row, "other_config")
                ? acl_map_get(acl_row_datum(row, "other_config"), key)
                : NULL);
    }
    return NULL;
}

/* Returns true if 'path' is "<dir>/<tenant>/<name>...", every component
 * after 'dir' non-empty and neither "." nor "..". */
static bool
acl_path_in_dir(const char *path, const char *dir, const char *tenant)
{
    size_t dlen = strlen(dir);

    while (dlen > 1 && dir[dlen - 1] == '/') {
        dlen--;
    }
    if (strncmp(path, dir, dlen) || path[dlen] != '/') {
        return false;
    }

    size_t tlen = strlen(tenant);
    const char *p = path + dlen + 1;
    int n = 0;

    for (;;) {
        size_t len = strcspn(p, "/");

        if (!len || (len == 1 && p[0] == '.')
            || (len == 2 && p[0] == '.' && p[1] == '.')
            || (!n && (len != tlen || strncmp(p, tenant, len)))) {
            return false;
        }
        n++;
        if (!p[len]) {
            return n >= 2;
        }
        p += len + 1;
    }
}

/* Interface:type and Interface:options, checked together: a tenant's
 * interface is "internal" (no options), "patch" (options:peer only, naming
 * an interface of the same tenant) or "dpdkvhostuserclient" (options:
 * vhost-server-path inside the tenant's own directory, tx-retries-max).
 * Every other type names a host resource (a netdev, a tap, a NIC by its
 * dpdk-devargs) or is a tunnel whose key could reach another tenant's
 * network: the provider's. */
static char *
acl_check_interface(const struct nfv_ovsdb_acl *acl,
                    const struct ovsdb_row *old OVS_UNUSED,
                    const struct ovsdb_row *new,
                    const struct ovsdb_datum *d OVS_UNUSED)
{
    const char *type = acl_row_string(new, "type");
    const struct ovsdb_datum *options = acl_row_datum(new, "options");

    if (!type || !options || !acl_is_string_map(new, "options")) {
        return NULL;
    }
    if (!strcmp(type, "internal")) {
        return (options->n ? xstrdup("an \"internal\" interface has no "
                                     "options") : NULL);
    } else if (!strcmp(type, "patch")) {
        const char *peer = acl_map_get(options, "peer");

        if (options->n != (peer ? 1 : 0)) {
            return xstrdup("a \"patch\" interface has only options:peer");
        }
        if (peer) {
            const struct ovsdb_table *ifaces = ovsdb_get_table(acl->db,
                                                               "Interface");
            const struct ovsdb_row *row;

            HMAP_FOR_EACH (row, hmap_node, &ifaces->rows) {
                const char *name = acl_row_string(row, "name");
                if (name && !strcmp(name, peer) && row != new
                    && uuidset_contains(&acl->owned,
                                        ovsdb_row_get_uuid(row))) {
                    return NULL;
                }
            }
            return xasprintf("options:peer \"%s\" is no other interface of "
                             "%s", peer, acl->who);
        }
        return NULL;
    } else if (!strcmp(type, "dpdkvhostuserclient")) {
        const char *config = acl_ovs_config(acl->db, ACL_VHOST_DIR_KEY);
        char *dir = xstrdup(config && config[0] ? config
                            : ACL_VHOST_DIR_DEFAULT);
        size_t len = strlen(dir);
        char *reason = NULL;

        while (len > 1 && dir[len - 1] == '/') {
            dir[--len] = '\0';
        }
        for (unsigned int i = 0; !reason && i < options->n; i++) {
            const char *key = json_string(options->keys[i].s);
            const char *value = json_string(options->values[i].s);

            if (!strcmp(key, "vhost-server-path")) {
                if (!acl_path_in_dir(value, dir, acl->tenant)) {
                    reason = xasprintf("options:vhost-server-path \"%s\" is "
                                       "not inside %s/%s/", value, dir,
                                       acl->tenant);
                }
            } else if (strcmp(key, "tx-retries-max")) {
                reason = xasprintf("options:%s: a \"dpdkvhostuserclient\" "
                                   "interface of a tenant has only "
                                   "vhost-server-path and tx-retries-max",
                                   key);
            }
        }
        free(dir);
        return reason;
    }
    return xasprintf("type \"%s\" is the provider's (a tenant's interfaces "
                     "are internal, patch or dpdkvhostuserclient)", type);
}

/* Interface:mtu_request: 68 to 9000, on "internal" interfaces only (the
 * MTU of a DPDK port sizes the provider's hugepage memory pools). */
static char *
acl_check_mtu(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
              const struct ovsdb_row *old OVS_UNUSED,
              const struct ovsdb_row *new, const struct ovsdb_datum *d)
{
    const char *type = acl_row_string(new, "type");

    if (!d->n) {
        return NULL;
    }
    if (!type || strcmp(type, "internal")) {
        return xstrdup("only an \"internal\" interface's MTU may be set");
    }
    if (d->keys[0].integer < 68 || d->keys[0].integer > 9000) {
        return xstrdup("the MTU must be from 68 to 9000");
    }
    return NULL;
}

/* QoS:type: queueing disciplines on the tenant's own ports. */
static char *
acl_check_qos_type(const struct nfv_ovsdb_acl *acl OVS_UNUSED,
                   const struct ovsdb_row *old OVS_UNUSED,
                   const struct ovsdb_row *new OVS_UNUSED,
                   const struct ovsdb_datum *d)
{
    static const char *const types[] = {
        "linux-htb", "linux-hfsc", "linux-sfq", "linux-codel",
        "linux-fq_codel", "linux-netem", "linux-noop", "egress-policer",
        "trtcm-policer",
    };
    const char *type = d->n == 1 ? json_string(d->keys[0].s) : "";

    return (name_in(type, types, ARRAY_SIZE(types)) ? NULL
            : xasprintf("QoS type \"%s\" is not one a tenant may use", type));
}

/* The allow-list.  Every column of a tenant table that is not listed is the
 * provider's (or written only by ovs-vswitchd): Bridge name, datapath_type,
 * datapath_id, fail_mode, auto_attach, status...; Port bond_fake_iface...;
 * Interface other_config, bfd, cfm_*, lldp, status...; Controller
 * local_ip, local_netmask, local_gateway, other_config...; Flow_Table
 * flow_limit; sFlow agent; IPFIX other_config.
 *
 * The columns that carry a tenant's limits, or that vswitchd/nfv-tenant.c
 * sets from its Tenant row, are the provider's too: Bridge controller and
 * flow_tables, Controller controller_rate_limit and controller_burst_limit,
 * Flow_Table overflow_policy.  ovs-vswitchd would apply a tenant's value
 * before nfv-tenant.c restores the provider's (flows past the limit added,
 * controllers reconnecting). */
static const struct acl_column_rule acl_column_rules[] = {
    /* Bridge: its references (checked by ownership), OpenFlow versions,
     * its L2 protocols. */
    { "Bridge", "ports", NULL, false },
    { "Bridge", "mirrors", NULL, false },
    { "Bridge", "netflow", NULL, false },
    { "Bridge", "sflow", NULL, false },
    { "Bridge", "ipfix", NULL, false },
    { "Bridge", "protocols", NULL, false },
    { "Bridge", "stp_enable", NULL, false },
    { "Bridge", "rstp_enable", NULL, false },
    { "Bridge", "mcast_snooping_enable", NULL, false },
    { "Bridge", "flood_vlans", NULL, false },
    { "Bridge", "other_config", acl_check_bridge_other_config, false },
    { "Bridge", "external_ids", acl_check_external_ids, false },

    { "Port", "name", acl_check_name, true },
    { "Port", "interfaces", NULL, false },
    { "Port", "qos", NULL, false },
    { "Port", "tag", NULL, false },
    { "Port", "trunks", NULL, false },
    { "Port", "vlan_mode", NULL, false },
    { "Port", "mac", NULL, false },
    { "Port", "protected", NULL, false },
    { "Port", "bond_mode", NULL, false },
    { "Port", "bond_updelay", NULL, false },
    { "Port", "bond_downdelay", NULL, false },
    { "Port", "lacp", NULL, false },
    { "Port", "other_config", acl_check_port_other_config, false },
    { "Port", "external_ids", acl_check_external_ids, false },

    { "Interface", "name", acl_check_name, true },
    { "Interface", "type", acl_check_interface, true },
    { "Interface", "options", acl_check_interface, false },
    { "Interface", "mtu_request", acl_check_mtu, false },
    { "Interface", "mac", NULL, false },
    { "Interface", "ofport_request", NULL, false },
    { "Interface", "ingress_policing_rate", NULL, false },
    { "Interface", "ingress_policing_burst", NULL, false },
    { "Interface", "ingress_policing_kpkts_rate", NULL, false },
    { "Interface", "ingress_policing_kpkts_burst", NULL, false },
    { "Interface", "external_ids", acl_check_external_ids, false },

    { "Controller", "target", acl_check_controller_target, true },
    { "Controller", "type", NULL, false },
    { "Controller", "connection_mode", NULL, false },
    { "Controller", "max_backoff", NULL, false },
    { "Controller", "inactivity_probe", NULL, false },
    { "Controller", "enable_async_messages", NULL, false },
    { "Controller", "controller_queue_id", NULL, false },
    { "Controller", "external_ids", acl_check_external_ids, false },

    { "Flow_Table", "name", NULL, false },
    { "Flow_Table", "groups", NULL, false },
    { "Flow_Table", "prefixes", NULL, false },
    { "Flow_Table", "external_ids", acl_check_external_ids, false },

    { "Mirror", "name", NULL, false },
    { "Mirror", "select_all", NULL, false },
    { "Mirror", "select_dst_port", NULL, false },
    { "Mirror", "select_src_port", NULL, false },
    { "Mirror", "select_vlan", NULL, false },
    { "Mirror", "output_port", NULL, false },
    { "Mirror", "output_vlan", NULL, false },
    { "Mirror", "snaplen", NULL, false },
    { "Mirror", "external_ids", acl_check_external_ids, false },

    { "QoS", "type", acl_check_qos_type, true },
    { "QoS", "queues", NULL, false },
    { "QoS", "other_config", NULL, false },
    { "QoS", "external_ids", acl_check_external_ids, false },

    { "Queue", "dscp", NULL, false },
    { "Queue", "other_config", NULL, false },
    { "Queue", "external_ids", acl_check_external_ids, false },

    { "NetFlow", "targets", acl_check_collectors, true },
    { "NetFlow", "active_timeout", NULL, false },
    { "NetFlow", "add_id_to_interface", NULL, false },
    { "NetFlow", "engine_id", NULL, false },
    { "NetFlow", "engine_type", NULL, false },
    { "NetFlow", "external_ids", acl_check_external_ids, false },

    { "sFlow", "targets", acl_check_collectors, true },
    { "sFlow", "sampling", NULL, false },
    { "sFlow", "polling", NULL, false },
    { "sFlow", "header", NULL, false },
    { "sFlow", "external_ids", acl_check_external_ids, false },

    { "IPFIX", "targets", acl_check_collectors, true },
    { "IPFIX", "sampling", NULL, false },
    { "IPFIX", "obs_domain_id", NULL, false },
    { "IPFIX", "obs_point_id", NULL, false },
    { "IPFIX", "cache_active_timeout", NULL, false },
    { "IPFIX", "cache_max_flows", NULL, false },
    { "IPFIX", "external_ids", acl_check_external_ids, false },
};

static const struct acl_column_rule *
acl_column_rule(const char *table, const char *column)
{
    for (size_t i = 0; i < ARRAY_SIZE(acl_column_rules); i++) {
        const struct acl_column_rule *r = &acl_column_rules[i];
        if (!strcmp(r->table, table) && !strcmp(r->column, column)) {
            return r;
        }
    }
    return NULL;
}

/* Checks the columns a tenant's transaction writes in 'new' (inserted if
 * 'old' is NULL, otherwise changed from 'old') against the allow-list.
 * Returns NULL if they pass, otherwise a "permission error" naming the
 * rule. */
static struct ovsdb_error *
acl_check_values(const struct nfv_ovsdb_acl *acl, const struct ovsdb_row *old,
                 const struct ovsdb_row *new)
{
    const char *table = new->table->schema->name;
    const struct uuid *uuid = ovsdb_row_get_uuid(new);
    const struct shash_node *node;

    SHASH_FOR_EACH (node, &new->table->schema->columns) {
        const struct ovsdb_column *c = node->data;
        const struct ovsdb_datum *d = &new->fields[c->index];
        const struct acl_column_rule *rule;

        if (c->index == OVSDB_COL_UUID || c->index == OVSDB_COL_VERSION) {
            continue;
        }
        rule = acl_column_rule(table, c->name);
        if (old ? ovsdb_datum_equals(&old->fields[c->index], d, &c->type)
                : (!rule || !rule->on_insert)
                  && ovsdb_datum_is_default(d, &c->type)) {
            continue;
        }
        if (!rule) {
            COVERAGE_INC(nfv_acl_value_refused);
            return ovsdb_error(
                "permission error", "%s may not write column %s of table %s "
                "(row "UUID_FMT"): tenant column allow-list: %s:%s is the "
                "provider's", acl->who, c->name, table, UUID_ARGS(uuid),
                table, c->name);
        }

        char *reason = rule->check ? rule->check(acl, old, new, d) : NULL;
        if (reason) {
            struct ovsdb_error *error = ovsdb_error(
                "permission error", "%s may not write column %s of table %s "
                "(row "UUID_FMT"): tenant column allow-list rule %s:%s: %s",
                acl->who, c->name, table, UUID_ARGS(uuid), table, c->name,
                reason);
            free(reason);
            COVERAGE_INC(nfv_acl_value_refused);
            return error;
        }
    }
    return NULL;
}

/* State of nfv_ovsdb_acl_check_txn(). */
struct acl_check {
    struct nfv_ovsdb_acl *acl;
    struct uuidset inserted;    /* Rows the transaction inserts. */
    struct ovsdb_error *error;
};

static const char *
acl_rule_text(void)
{
    return "a tenant's rows are its bridges (external_ids:" ACL_TAG "=<its "
           "name>) and the Port, Interface, Controller, Flow_Table, Mirror, "
           "QoS, Queue, NetFlow, sFlow and IPFIX rows they reference";
}

/* Returns true if a table of 'db' other than 'table' has a row 'uuid'.
 * Ownership is kept by UUID, so a tenant may not insert a row (RFC 7047
 * section 5.2.1, with the "uuid" member ovsdb-server accepts) that takes the
 * UUID of another table's row: it would pass as that row. */
static bool
acl_uuid_elsewhere(const struct ovsdb *db, const struct ovsdb_table *table,
                   const struct uuid *uuid)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &db->tables) {
        const struct ovsdb_table *other = node->data;

        if (other != table && ovsdb_table_get_row(other, uuid)) {
            return true;
        }
    }
    return false;
}

static bool
acl_check_change(const struct ovsdb_row *old, const struct ovsdb_row *new,
                 const unsigned long int *changed OVS_UNUSED, void *aux_)
{
    struct acl_check *aux = aux_;
    struct nfv_ovsdb_acl *acl = aux->acl;
    const struct ovsdb_row *row = new ? new : old;
    const char *table = row->table->schema->name;
    const struct uuid *uuid = ovsdb_row_get_uuid(row);

    if (aux->error) {
        /* ovsdb_txn_for_each_change() stops only the current table's
         * rows: keep the first error. */
        return false;
    }
    if (acl->kind == ACL_DB_TENANT || acl->kind == ACL_DB_SERVER) {
        aux->error = ovsdb_error(
            "permission error", "the %s database is read-only to tenants: "
            "%s may not change table %s", acl->db->schema->name, acl->who,
            table);
    } else if (acl->kind != ACL_DB_VSWITCH) {
        aux->error = ovsdb_error(
            "permission error", "database %s is the provider's: %s "
            "may not change table %s", acl->db->schema->name, acl->who,
            table);
    } else if (!acl_is_tenant_table(acl->kind, table)) {
        aux->error = ovsdb_error(
            "permission error", "table %s is provider configuration: "
            "%s may not change it", table, acl->who);
    } else if (old && !uuidset_contains(&acl->pre, uuid)) {
        aux->error = ovsdb_error(
            "permission error", "row "UUID_FMT" of table %s does not belong "
            "to %s (%s)", UUID_ARGS(uuid), table, acl->who,
            acl_rule_text());
    } else if (old && new
               && !nullable_string_is_equal(acl_row_tag(old),
                                            acl_row_tag(new))) {
        aux->error = ovsdb_error(
            "permission error", "%s may not change external_ids:%s "
            "of row "UUID_FMT" of table %s", acl->who, ACL_TAG,
            UUID_ARGS(uuid), table);
    } else if (!old && acl_row_tag(new)
               && strcmp(acl_row_tag(new), acl->tenant)) {
        aux->error = ovsdb_error(
            "permission error", "%s may not insert a row of table %s "
            "with external_ids:%s=%s", acl->who, table, ACL_TAG,
            acl_row_tag(new));
    } else if (!old && acl_uuid_elsewhere(acl->db, row->table, uuid)) {
        aux->error = ovsdb_error(
            "permission error", "%s may not insert a row of table %s with "
            "UUID "UUID_FMT", the UUID of a row of another table", acl->who,
            table, UUID_ARGS(uuid));
    } else if (new && !uuidset_contains(&acl->owned, uuid)) {
        aux->error = ovsdb_error(
            "permission error", "row "UUID_FMT" of table %s would not belong "
            "to %s after this transaction (%s)", UUID_ARGS(uuid),
            table, acl->who, acl_rule_text());
    } else if (new) {
        aux->error = acl_check_values(acl, old, new);
    }
    if (!old) {
        uuidset_insert(&aux->inserted, uuid);
    }
    return !aux->error;
}

/* Checks the changes 'txn' makes on behalf of the client of 'acl' (all of
 * a "transact" request, RFC 7047 section 4.1.3, after its operations ran
 * and before it commits).  A tenant's transaction may change (insert,
 * update, mutate, delete) only rows of tenant tables that its tenant owned
 * before it and still owns after it, may not change a row's
 * external_ids:nfv-tenant (nor insert one naming another tenant), and may
 * not make a row that existed and was not its own become its own (a
 * reference from its rows to another owner's row).
 *
 * Returns NULL if 'acl' is NULL or the transaction passes, otherwise an
 * error "permission error" (RFC 7047 section 3.1 error object: the caller
 * adds it to the results and aborts the transaction) whose details name the
 * rule. */
struct ovsdb_error *
nfv_ovsdb_acl_check_txn(struct nfv_ovsdb_acl *acl, const struct ovsdb_txn *txn)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct acl_check aux;

    if (!acl) {
        return NULL;
    }

    nfv_ovsdb_acl_refresh(acl);
    aux.acl = acl;
    aux.error = NULL;
    uuidset_init(&aux.inserted);
    ovsdb_txn_for_each_change(txn, acl_check_change, &aux);
    if (!aux.error) {
        struct uuidset_node *node;

        UUIDSET_FOR_EACH (node, &acl->owned) {
            if (!uuidset_contains(&acl->pre, &node->uuid)
                && !uuidset_contains(&aux.inserted, &node->uuid)) {
                aux.error = ovsdb_error(
                    "permission error", "%s may not reference row "
                    UUID_FMT", which belongs to another owner (%s)",
                    acl->who, UUID_ARGS(&node->uuid), acl_rule_text());
                break;
            }
        }
    }
    uuidset_destroy(&aux.inserted);

    if (aux.error) {
        char *details = ovsdb_error_to_string(aux.error);
        COVERAGE_INC(nfv_acl_txn_refused);
        VLOG_INFO_RL(&rl, "%s: transaction of %s (CN %s) refused: %s",
                     acl->db->schema->name, acl->who, acl->identity,
                     details);
        free(details);
    }
    return aux.error;
}

/* Returns how a monitor of the client of 'acl' reports a change of the row
 * 'uuid' of 'table' that upstream would report as 'type' (an enum
 * ovsdb_monitor_selection: OJMS_INITIAL, OJMS_INSERT, OJMS_MODIFY,
 * OJMS_DELETE or OJMS_NONE), given which rows the client was sent before
 * and which it may see now (nfv_ovsdb_acl_refresh() before composing an
 * update): a row that becomes visible is an insert, one that stops being
 * visible a delete, one never visible nothing (OJMS_NONE).  RFC 7047
 * section 4.1.5 (<row-update>), ovsdb-server(7) (<row-update2>).  Returns
 * 'type' if 'acl' is NULL. */
int
nfv_ovsdb_acl_monitor_type(struct nfv_ovsdb_acl *acl,
                           const struct ovsdb_table *table OVS_UNUSED,
                           const struct uuid *uuid, int type)
{
    if (!acl || acl->kind == ACL_DB_SERVER) {
        return type;
    }

    bool old_vis = ((type & (OJMS_MODIFY | OJMS_DELETE))
                    && uuidset_contains(&acl->known, uuid));
    bool new_vis = ((type & (OJMS_INITIAL | OJMS_INSERT | OJMS_MODIFY))
                    && uuidset_contains(&acl->owned, uuid));
    int result;

    switch (type) {
    case OJMS_INITIAL:
    case OJMS_INSERT:
        result = new_vis ? type : OJMS_NONE;
        break;
    case OJMS_MODIFY:
        result = (old_vis && new_vis ? OJMS_MODIFY
                  : new_vis ? OJMS_INSERT
                  : old_vis ? OJMS_DELETE
                  : OJMS_NONE);
        break;
    case OJMS_DELETE:
        result = old_vis ? OJMS_DELETE : OJMS_NONE;
        break;
    case OJMS_NONE:
    default:
        result = type;
        break;
    }

    if (result & (OJMS_INITIAL | OJMS_INSERT | OJMS_MODIFY)) {
        if (!uuidset_contains(&acl->known, uuid)) {
            uuidset_insert(&acl->known, uuid);
        }
    } else if (result == OJMS_DELETE) {
        uuidset_find_and_delete(&acl->known, uuid);
    } else if (type != OJMS_NONE) {
        COVERAGE_INC(nfv_acl_updates_hidden);
    }
    return result;
}
