/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/ovsdb/nfv-ovsdb-acl.h"
#include "nfv/lib/nfv-identity.h"

#include <string.h>

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

/* Databases and the names the ACL knows in them. */
#define ACL_VSWITCH_DB "Open_vSwitch"
#define ACL_TENANT_DB "NFV_Tenant"
#define ACL_SERVER_DB "_Server"

/* external_ids key naming a row's tenant (vswitchd/nfv-tenant.c). */
#define ACL_TAG "nfv-tenant"

/* Open_vSwitch other_config key: the provider's certificate CNs. */
#define ACL_PROVIDER_KEY "nfv-provider-identity"

enum acl_db_kind {
    ACL_DB_VSWITCH,     /* Tenant rows: bridges tagged, rows they reach. */
    ACL_DB_TENANT,      /* Own Tenant row and its VM_Ports, read-only. */
    ACL_DB_SERVER,      /* _Server: readable as is (upstream: read-only). */
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

    if (!acl || acl->kind == ACL_DB_SERVER || !op_name
        || !name_in(op_name, queries, ARRAY_SIZE(queries))
        || operation->type != JSON_OBJECT) {
        return NULL;
    }

    const struct json *table = shash_find_data(json_object(operation),
                                               "table");
    const char *name = (table && table->type == JSON_STRING
                        ? json_string(table) : "");
    struct ovsdb_error *error = NULL;
    if (acl->kind == ACL_DB_TENANT) {
        error = ovsdb_error(
            "permission error", "the %s database is read-only to tenants: "
            "%s may not change table %s", ACL_TENANT_DB, acl->who, name);
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

    if (acl->kind == ACL_DB_TENANT) {
        aux->error = ovsdb_error(
            "permission error", "the %s database is read-only to tenants: "
            "%s may not change table %s", ACL_TENANT_DB, acl->who,
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

    if (!acl || acl->kind == ACL_DB_SERVER) {
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
