/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovs-vswitchd's NSOD module: reads the NSOD_Service and NSOD_Backend
 * tables of the NFV_Tenant database, resolves each backend's interface to
 * its OpenFlow port (Open_vSwitch database), hands the services to the
 * NSOD library (nsod/nsod.c), expires idle sessions and writes statistics
 * back.  Commands: "ovs-appctl nsod/show [SERVICE]" and
 * "ovs-appctl nsod/sessions SERVICE [MAX]". */

#include <config.h>

#include "nfv/vswitchd/nfv-nsod.h"

#include <string.h>

#include "flow.h"
#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

#include "nfv/nsod/nsod.h"
#include "nfv/ovsdb/nfv-tenant-idl.h"
#include "nfv/vswitchd/nfv.h"

VLOG_DEFINE_THIS_MODULE(nfv_nsod);

#define NSOD_RUN_INTERVAL 1000          /* ms between expiry scans. */
#define NSOD_STATS_INTERVAL 5000        /* ms between statistics writes. */

static char *db_remote;
static struct ovsdb_idl *nsod_idl;      /* NFV_Tenant: NSOD tables. */
static struct ovsdb_idl *ovs_idl;       /* Open_vSwitch: Interface ofport. */
static unsigned int nsod_seqno, ovs_seqno;
static long long int next_run, next_stats;
static struct ovsdb_idl_txn *stats_txn;

static void
nsod_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                  void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    nsod_show(argc > 1 ? argv[1] : NULL, &ds);
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

static void
nsod_unixctl_sessions(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    unsigned int max = 1000;

    if (argc > 2 && !str_to_uint(argv[2], 10, &max)) {
        unixctl_command_reply_error(conn, "MAX must be a number");
    } else if (!nsod_sessions(argv[1], max, &ds)) {
        ds_put_format(&ds, "no service %s", argv[1]);
        unixctl_command_reply_error(conn, ds_cstr(&ds));
    } else {
        unixctl_command_reply(conn, ds_cstr(&ds));
    }
    ds_destroy(&ds);
}

static void
nsod_module_init(const char *remote)
{
    db_remote = xstrdup(remote);
    unixctl_command_register("nsod/show", "[SERVICE]", 0, 1,
                             nsod_unixctl_show, NULL);
    unixctl_command_register("nsod/sessions", "SERVICE [MAX]", 1, 2,
                             nsod_unixctl_sessions, NULL);
}

static ofp_port_t
interface_ofport(const char *name)
{
    const struct ovsrec_interface *iface;

    OVSREC_INTERFACE_FOR_EACH (iface, ovs_idl) {
        if (!strcmp(iface->name, name)) {
            return (iface->n_ofport && *iface->ofport > 0
                    && *iface->ofport < ofp_to_u16(OFPP_MAX)
                    ? u16_to_ofp(*iface->ofport) : OFPP_NONE);
        }
    }
    return OFPP_NONE;
}

static int
compare_backends(const void *a_, const void *b_)
{
    const struct nsod_backend_config *a = a_, *b = b_;

    return strcmp(a->name, b->name);
}

/* Host patterns in the order they are tried: exact names first (by
 * name), then wildcards from the longest (most specific) suffix. */
static int
compare_host_patterns(const void *a_, const void *b_)
{
    const struct smap_node *const *a = a_, *const *b = b_;
    bool wa = (*a)->key[0] == '*', wb = (*b)->key[0] == '*';
    size_t la = strlen((*a)->key), lb = strlen((*b)->key);

    return (wa != wb ? wa - wb
            : wa && la != lb ? (la < lb ? 1 : -1)
            : strcmp((*a)->key, (*b)->key));
}

/* Builds the services from the database and hands them to the library;
 * datapath flows are then translated again (new pools). */
static void
nsod_module_reconfigure(void)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const struct nfvrec_nsod_service *rec;
    size_t n = 0, allocated = 0;
    struct nsod_service_config *configs = NULL;

    NFVREC_NSOD_SERVICE_FOR_EACH (rec, nsod_idl) {
        if (!nsod_service_name_valid(rec->name, strlen(rec->name))) {
            VLOG_WARN_RL(&rl, "NSOD service \"%s\" ignored: a name is 1 to "
                         "%d letters, digits, '_', '-' or '.'", rec->name,
                         NSOD_NAME_MAX);
            continue;
        }
        if (n >= allocated) {
            configs = x2nrealloc(configs, &allocated, sizeof *configs);
        }

        struct nsod_service_config *sc = &configs[n++];
        memset(sc, 0, sizeof *sc);
        sc->name = rec->name;
        if (!rec->classifier
            || !nsod_classifier_from_string(rec->classifier,
                                            &sc->classifier)) {
            sc->classifier = NSOD_CLS_5TUPLE;
        }
        if (!rec->policy || !nsod_policy_from_string(rec->policy,
                                                     &sc->policy)) {
            sc->policy = NSOD_POLICY_MAGLEV;
        }
        sc->idle_timeout = (rec->n_idle_timeout ? *rec->idle_timeout
                            : NSOD_IDLE_TIMEOUT_DEFAULT);
        sc->max_sessions = (rec->n_max_sessions ? *rec->max_sessions
                            : NSOD_MAX_SESSIONS_DEFAULT);

        struct nsod_backend_config *bcs
            = xcalloc(MAX(rec->n_backends, 1), sizeof *bcs);
        for (size_t i = 0; i < rec->n_backends; i++) {
            const struct nfvrec_nsod_backend *b = rec->backends[i];
            struct nsod_backend_config *bc = &bcs[sc->n_backends];
            bool duplicate = false;

            for (size_t j = 0; j < sc->n_backends; j++) {
                duplicate |= !strcmp(bcs[j].name, b->name);
            }
            if (duplicate) {
                VLOG_WARN_RL(&rl, "NSOD service %s: second backend named "
                             "%s ignored", rec->name, b->name);
                continue;
            }
            bc->name = b->name;
            bc->pool = b->pool;
            bc->ofport = interface_ofport(b->interface);
            bc->vlan = b->n_vlan ? *b->vlan : -1;
            bc->has_mac = (b->mac
                           && eth_addr_from_string(b->mac, &bc->mac));
            if (b->mac && !bc->has_mac) {
                VLOG_WARN_RL(&rl, "NSOD backend %s: mac \"%s\" ignored: "
                             "expected xx:xx:xx:xx:xx:xx", b->name, b->mac);
            }
            bc->weight = b->n_weight ? *b->weight : 1;
            bc->state = (!b->state || !strcmp(b->state, "active")
                         ? NSOD_BACKEND_ACTIVE
                         : !strcmp(b->state, "draining")
                         ? NSOD_BACKEND_DRAINING : NSOD_BACKEND_DOWN);
            sc->n_backends++;
        }
        /* By name: backends get their ids, and translation its branches,
         * in a stable order. */
        qsort(bcs, sc->n_backends, sizeof *bcs, compare_backends);
        sc->backends = bcs;

        /* Host patterns pick pools only for the classifiers that see host
         * names, in the order compare_host_patterns() gives. */
        if (smap_count(&rec->hosts)
            && sc->classifier != NSOD_CLS_HTTP
            && sc->classifier != NSOD_CLS_TLS) {
            VLOG_WARN_RL(&rl, "NSOD service %s: hosts ignored: only the "
                         "http and tls classifiers see host names",
                         rec->name);
        } else if (smap_count(&rec->hosts)) {
            const struct smap_node **hosts = smap_sort(&rec->hosts);
            qsort(hosts, smap_count(&rec->hosts), sizeof *hosts,
                  compare_host_patterns);
            size_t n_hosts = MIN(smap_count(&rec->hosts), NSOD_MAX_HOSTS);
            const char **patterns = xcalloc(n_hosts, sizeof *patterns);
            const char **pools = xcalloc(n_hosts, sizeof *pools);

            for (size_t i = 0; i < n_hosts; i++) {
                patterns[i] = hosts[i]->key;
                pools[i] = hosts[i]->value;
            }
            sc->host_patterns = patterns;
            sc->host_pools = pools;
            sc->n_hosts = n_hosts;
            free(hosts);
        }
    }

    nsod_configure(configs, n);

    /* Only now can a flow-mod's service be checked: until the services are
     * known (after a restart, ovs-save restores flows at once), flows
     * naming any service are accepted and drop packets until it exists. */
    nsod_enable_checks();
    for (size_t i = 0; i < n; i++) {
        free(CONST_CAST(struct nsod_backend_config *, configs[i].backends));
        free(CONST_CAST(const char **, configs[i].host_patterns));
        free(CONST_CAST(const char **, configs[i].host_pools));
    }
    free(configs);
    nfv_revalidate();
}

/* Writes every service's and backend's counters to their statistics
 * columns (one transaction; the previous one must have finished). */
static void
nsod_write_stats(void)
{
    if (stats_txn) {
        return;             /* The previous one is still on its way. */
    }

    const struct nfvrec_nsod_service *rec;
    bool any = false;

    stats_txn = ovsdb_idl_txn_create(nsod_idl);
    NFVREC_NSOD_SERVICE_FOR_EACH (rec, nsod_idl) {
        struct nsod_stats st;
        uint64_t fallbacks;
        const char *keys[5];
        int64_t values[5];
        size_t n = 0;

        if (!nsod_service_stats(rec->name, &st, &fallbacks)) {
            struct smap status = SMAP_INITIALIZER(&status);
            smap_add(&status, "state", "error");
            smap_add(&status, "error",
                     nsod_service_name_valid(rec->name, strlen(rec->name))
                     ? "not configured" : "invalid name");
            nfvrec_nsod_service_set_status(rec, &status);
            smap_destroy(&status);
            any = true;
            continue;
        }
        nfv_put_stat(keys, values, &n, "packets", st.packets);
        nfv_put_stat(keys, values, &n, "bytes", st.bytes);
        nfv_put_stat(keys, values, &n, "sessions", st.sessions);
        nfv_put_stat(keys, values, &n, "sessions_total",
                 st.sessions_total);
        nfv_put_stat(keys, values, &n, "fallbacks", fallbacks);
        nfvrec_nsod_service_set_statistics(rec, keys, values, n);

        const struct smap ok = SMAP_CONST1(&ok, "state", "ok");
        nfvrec_nsod_service_set_status(rec, &ok);
        any = true;

        for (size_t i = 0; i < rec->n_backends; i++) {
            const struct nfvrec_nsod_backend *b = rec->backends[i];

            if (nsod_backend_stats(rec->name, b->name, &st)) {
                n = 0;
                nfv_put_stat(keys, values, &n, "packets", st.packets);
                nfv_put_stat(keys, values, &n, "bytes", st.bytes);
                nfv_put_stat(keys, values, &n, "sessions", st.sessions);
                nfv_put_stat(keys, values, &n, "sessions_total",
                         st.sessions_total);
                nfvrec_nsod_backend_set_statistics(b, keys, values, n);
            }
        }
    }
    if (!any || ovsdb_idl_txn_commit(stats_txn) != TXN_INCOMPLETE) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }
}

/* Finishes the statistics transaction once the server has answered, so
 * that nsod_module_wait() waits on it only while it is in flight. */
static void
nsod_stats_txn_run(void)
{
    if (stats_txn && ovsdb_idl_txn_commit(stats_txn) != TXN_INCOMPLETE) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }
}

static void
nsod_module_run(void)
{
    if (!nfv_is_active()) {
        /* Standby (another ovs-vswitchd holds the lock): no writes.  The
         * configuration and sessions stay for when this one takes over. */
        nfv_db_probe_close(&nfv_tenant_db_probe);
        if (stats_txn) {
            ovsdb_idl_txn_destroy(stats_txn);
            stats_txn = NULL;
        }
        if (nsod_idl) {
            ovsdb_idl_run(nsod_idl);
            ovsdb_idl_run(ovs_idl);
        }
        return;
    }
    if (!nsod_idl) {
        if (!nfv_db_probe_run(&nfv_tenant_db_probe, db_remote,
                              "NFV_Tenant")) {
            return;
        }
        nsod_idl = ovsdb_idl_create(db_remote, &nfvrec_idl_class, false,
                                    true);
        ovsdb_idl_set_leader_only(nsod_idl, false);
        ovsdb_idl_add_table(nsod_idl, &nfvrec_table_nsod_service);
        ovsdb_idl_add_table(nsod_idl, &nfvrec_table_nsod_backend);
        for (size_t i = 0; i < NFVREC_NSOD_SERVICE_N_COLUMNS; i++) {
            ovsdb_idl_add_column(nsod_idl,
                                 &nfvrec_nsod_service_columns[i]);
        }
        for (size_t i = 0; i < NFVREC_NSOD_BACKEND_N_COLUMNS; i++) {
            ovsdb_idl_add_column(nsod_idl,
                                 &nfvrec_nsod_backend_columns[i]);
        }
        ovsdb_idl_omit_alert(nsod_idl, &nfvrec_nsod_service_col_statistics);
        ovsdb_idl_omit_alert(nsod_idl, &nfvrec_nsod_service_col_status);
        ovsdb_idl_omit_alert(nsod_idl, &nfvrec_nsod_backend_col_statistics);

        ovs_idl = ovsdb_idl_create(db_remote, &ovsrec_idl_class, false,
                                   true);
        ovsdb_idl_set_leader_only(ovs_idl, false);
        ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_name);
        ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_ofport);
        nsod_seqno = ovsdb_idl_get_seqno(nsod_idl);
        ovs_seqno = ovsdb_idl_get_seqno(ovs_idl);
    }

    ovsdb_idl_run(nsod_idl);
    ovsdb_idl_run(ovs_idl);
    unsigned int seqno = ovsdb_idl_get_seqno(nsod_idl);
    unsigned int seqno2 = ovsdb_idl_get_seqno(ovs_idl);
    if ((seqno != nsod_seqno || seqno2 != ovs_seqno)
        && ovsdb_idl_has_ever_connected(nsod_idl)
        && ovsdb_idl_has_ever_connected(ovs_idl)) {
        nsod_seqno = seqno;
        ovs_seqno = seqno2;
        nsod_module_reconfigure();
    }

    nsod_stats_txn_run();

    long long int now = time_msec();
    if (now >= next_run) {
        nsod_run(now);
        next_run = now + NSOD_RUN_INTERVAL;
    }
    if (now >= next_stats && ovsdb_idl_has_ever_connected(nsod_idl)) {
        nsod_write_stats();
        next_stats = now + NSOD_STATS_INTERVAL;
    }
}

static void
nsod_module_wait(void)
{
    nfv_db_probe_wait(&nfv_tenant_db_probe);
    if (nsod_idl) {
        ovsdb_idl_wait(nsod_idl);
        ovsdb_idl_wait(ovs_idl);
        if (!nfv_is_active()) {
            return;
        }
        if (stats_txn) {
            ovsdb_idl_txn_wait(stats_txn);
        }
        poll_timer_wait_until(next_run);
        if (ovsdb_idl_has_ever_connected(nsod_idl)) {
            poll_timer_wait_until(next_stats);
        }
    }
}

static void
nsod_module_destroy(void)
{
    if (stats_txn) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }
    ovsdb_idl_destroy(nsod_idl);
    ovsdb_idl_destroy(ovs_idl);
    nsod_idl = ovs_idl = NULL;
    nfv_db_probe_close(&nfv_tenant_db_probe);
    free(db_remote);
    db_remote = NULL;
}

const struct nfv_module nfv_nsod_module = {
    .name = "nsod",
    .init = nsod_module_init,
    .run = nsod_module_run,
    .wait = nsod_module_wait,
    .destroy = nsod_module_destroy,
};
