/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/vswitchd/nfv-isolation.h"

#include <string.h>
#include "coverage.h"
#include "ofproto/connmgr.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nfv_isolation);

COVERAGE_DEFINE(isolation_admit);
COVERAGE_DEFINE(isolation_refuse);
COVERAGE_DEFINE(isolation_defer);
COVERAGE_DEFINE(isolation_throttle);

/* How many refusals of one bridge nfv/isolation-show remembers. */
#define ISOLATION_LAST_REFUSALS 4

/* Counters of one tenant bridge. */
struct isolation_stats {
    unsigned long long int admitted;
    unsigned long long int refused;
    unsigned long long int throttled; /* Times reading waited for tokens. */
    char *last[ISOLATION_LAST_REFUSALS]; /* Newest first; NULL if none. */
};

/* The policy in effect; starts unknown, so that connections wait until the
 * tenant module has read the database. */
static struct isolation_policy policy = {
    .known = false,
    .bridges = SHASH_INITIALIZER(&policy.bridges),
    .providers = SSET_INITIALIZER(&policy.providers),
};

/* Bridge name -> struct isolation_stats *, for the bridges of 'policy'. */
static struct shash stats = SHASH_INITIALIZER(&stats);

static struct vlog_rate_limit refuse_rl = VLOG_RATE_LIMIT_INIT(5, 20);
static struct vlog_rate_limit admit_rl = VLOG_RATE_LIMIT_INIT(10, 50);

/* Initializes 'p' as an empty, unknown policy. */
void
isolation_policy_init(struct isolation_policy *p)
{
    p->known = false;
    shash_init(&p->bridges);
    sset_init(&p->providers);
    p->tls_only = false;
}

static void
isolation_tenant_free(struct isolation_tenant *t)
{
    if (t) {
        free(t->name);
        free(t->identity);
        free(t);
    }
}

/* Frees what 'p' holds. */
void
isolation_policy_destroy(struct isolation_policy *p)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &p->bridges) {
        isolation_tenant_free(node->data);
    }
    shash_destroy(&p->bridges);
    sset_destroy(&p->providers);
}

/* Records in 'p' that bridge 'bridge' belongs to tenant 'tenant' (its
 * Tenant:name), whose certificates carry common name 'identity' (NULL if
 * the tenant has no row), or, with 'pending', that the tenant's row is not
 * known yet, and that the tenant's connections are read at most at
 * 'msg_rate' OpenFlow messages per second after a burst of 'msg_burst' (0:
 * no limit; 'msg_rate').  The first record of a bridge wins. */
void
isolation_policy_add(struct isolation_policy *p, const char *bridge,
                     const char *tenant, const char *identity, bool pending,
                     unsigned int msg_rate, unsigned int msg_burst)
{
    if (shash_find(&p->bridges, bridge)) {
        return;
    }

    struct isolation_tenant *t = xmalloc(sizeof *t);
    t->name = xstrdup(tenant);
    t->identity = nullable_xstrdup(identity);
    t->pending = pending;
    t->msg_rate = msg_rate;
    t->msg_burst = msg_rate ? msg_burst : 0;
    shash_add(&p->bridges, bridge, t);
}

static bool
isolation_tenant_equal(const struct isolation_tenant *a,
                       const struct isolation_tenant *b)
{
    return (!strcmp(a->name, b->name)
            && nullable_string_is_equal(a->identity, b->identity)
            && a->pending == b->pending
            && a->msg_rate == b->msg_rate
            && a->msg_burst == b->msg_burst);
}

static bool
isolation_policy_equal(const struct isolation_policy *a,
                       const struct isolation_policy *b)
{
    if (a->known != b->known || a->tls_only != b->tls_only
        || !sset_equals(&a->providers, &b->providers)
        || shash_count(&a->bridges) != shash_count(&b->bridges)) {
        return false;
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &a->bridges) {
        const struct isolation_tenant *other = shash_find_data(&b->bridges,
                                                               node->name);
        if (!other || !isolation_tenant_equal(node->data, other)) {
            return false;
        }
    }
    return true;
}

static void
isolation_stats_free(struct isolation_stats *s)
{
    for (size_t i = 0; i < ISOLATION_LAST_REFUSALS; i++) {
        free(s->last[i]);
    }
    free(s);
}

/* Makes 'p' the policy in effect and leaves 'p' empty (to be destroyed or
 * filled again by the caller).  If it differs from the policy in effect,
 * every open OpenFlow connection is judged again: a connection that the new
 * policy refuses is closed, one that waited is admitted or refused. */
void
isolation_set_policy(struct isolation_policy *p)
{
    bool changed = !isolation_policy_equal(&policy, p);

    isolation_policy_destroy(&policy);
    isolation_policy_init(&policy);
    policy.known = p->known;
    policy.tls_only = p->tls_only;
    shash_swap(&policy.bridges, &p->bridges);
    sset_swap(&policy.providers, &p->providers);
    p->known = p->tls_only = false;

    /* Counters live as long as their bridge is a tenant bridge. */
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &stats) {
        if (!shash_find(&policy.bridges, node->name)) {
            isolation_stats_free(node->data);
            shash_delete(&stats, node);
        }
    }

    if (changed) {
        VLOG_DBG("policy changed: %"PRIuSIZE" tenant bridges%s",
                 shash_count(&policy.bridges),
                 policy.known ? "" : " (database not read yet)");
        connmgr_recheck_admission();
    }
}

static struct isolation_stats *
isolation_stats_get(const char *bridge)
{
    struct isolation_stats *s = shash_find_data(&stats, bridge);

    if (!s) {
        s = xzalloc(sizeof *s);
        shash_add(&stats, bridge, s);
    }
    return s;
}

/* Returns the transport of an OpenFlow target, active or passive: "ssl",
 * "tcp" or "unix", or NULL for any other. */
static const char *
isolation_transport(const char *target)
{
    static const char *const transports[] = { "ssl", "tcp", "unix" };

    if (target[0] == 'p') {
        target++;
    }
    for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
        size_t n = strlen(transports[i]);

        if (!strncmp(target, transports[i], n) && target[n] == ':') {
            return transports[i];
        }
    }
    return NULL;
}

/* Returns why 'info''s connection to a bridge of 't' must be refused, as a
 * new string, or NULL if it is admitted, setting '*as' to what it was
 * admitted as.  Returns NULL without setting '*as' if the tenant's row is not
 * read yet, so that the connection must wait. */
static char *
isolation_judge(const struct connmgr_conn_info *info,
                const struct isolation_tenant *t, const char **as)
{
    const char *transport = isolation_transport(info->service);

    if (!transport) {
        return xasprintf("connection type of \"%s\" is not allowed on "
                         "tenant bridges", info->service);
    } else if (!strcmp(transport, "unix")) {
        *as = "local";
        return NULL;
    } else if (t->pending) {
        return NULL;
    } else if (!strcmp(transport, "tcp")) {
        if (policy.tls_only) {
            return xstrdup("plain TCP is forbidden on tenant bridges "
                           "(Open_vSwitch other_config:nfv-tenant-tls-only)");
        }
        *as = "plain TCP";
        return NULL;
    }

    /* SSL: the peer's certificate must name the tenant or the provider. */
    if (!info->peer_id) {
        return xstrdup("peer certificate has no common name");
    } else if (t->identity && !strcmp(info->peer_id, t->identity)) {
        *as = "tenant";
        return NULL;
    } else if (sset_contains(&policy.providers, info->peer_id)) {
        *as = "provider";
        return NULL;
    } else if (t->identity) {
        return xasprintf("certificate CN \"%s\" is neither tenant %s's "
                         "identity \"%s\" nor a provider identity",
                         info->peer_id, t->name, t->identity);
    } else {
        return xasprintf("certificate CN \"%s\" is not a provider identity "
                         "(tenant %s has no row)", info->peer_id, t->name);
    }
}

/* The admission function registered with the connection manager. */
static enum connmgr_admission
isolation_admit(const struct connmgr_conn_info *info,
                struct connmgr_conn_limits *limits)
{
    const char *transport = isolation_transport(info->service);
    bool local = transport && !strcmp(transport, "unix");

    if (!policy.known && !local) {
        /* Whether the bridge is a tenant's is not known yet. */
        COVERAGE_INC(isolation_defer);
        return CONNMGR_DEFER;
    }

    const struct isolation_tenant *t = shash_find_data(&policy.bridges,
                                                       info->bridge);
    if (!t) {
        /* Not a tenant's bridge (or local, before the policy is known):
         * upstream's behaviour. */
        return CONNMGR_ADMIT;
    }

    const char *as = NULL;
    char *why = isolation_judge(info, t, &as);
    if (!why && !as) {
        /* The tenant's row is not read yet. */
        COVERAGE_INC(isolation_defer);
        return CONNMGR_DEFER;
    }

    struct isolation_stats *s = isolation_stats_get(info->bridge);
    if (!why) {
        COVERAGE_INC(isolation_admit);
        s->admitted++;
        VLOG_INFO_RL(&admit_rl, "%s: admitted OpenFlow connection %s "
                     "(via %s) as %s", info->bridge, info->peer,
                     info->service, as);
        /* The tenant's own controllers are held to its message rate; the
         * provider's and local ones are not. */
        if (!strcmp(as, "tenant") || !strcmp(as, "plain TCP")) {
            limits->msg_rate = t->msg_rate;
            limits->msg_burst = t->msg_burst;
        }
        return CONNMGR_ADMIT;
    }

    COVERAGE_INC(isolation_refuse);
    s->refused++;
    VLOG_WARN_RL(&refuse_rl, "%s: refused OpenFlow connection %s (via %s) "
                 "to tenant %s's bridge: %s", info->bridge, info->peer,
                 info->service, t->name, why);
    free(s->last[ISOLATION_LAST_REFUSALS - 1]);
    memmove(&s->last[1], &s->last[0],
            (ISOLATION_LAST_REFUSALS - 1) * sizeof s->last[0]);
    s->last[0] = xasprintf("%s (via %s): %s", info->peer, info->service, why);
    free(why);
    return CONNMGR_REFUSE;
}

/* The throttle function registered with the connection manager: reading
 * from a tenant's connection waits for its message rate. */
static void
isolation_throttled(const struct connmgr_conn_info *info,
                    const struct connmgr_conn_limits *limits)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    COVERAGE_INC(isolation_throttle);
    if (shash_find(&policy.bridges, info->bridge)) {
        isolation_stats_get(info->bridge)->throttled++;
    }
    VLOG_INFO_RL(&rl, "%s: OpenFlow connection %s (via %s) reached its "
                 "tenant's message rate (%u/s, burst %u): reading it waits",
                 info->bridge, info->peer, info->service, limits->msg_rate,
                 limits->msg_burst);
}

/* "ovs-appctl nfv/isolation-show [BRIDGE]": the node-wide settings, then
 * per tenant bridge (or just BRIDGE) its tenant, identity and counters. */
static void
isolation_unixctl_show(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    if (argc > 1 && !shash_find(&policy.bridges, argv[1])) {
        unixctl_command_reply_error(conn, "no such tenant bridge");
        return;
    }
    if (argc == 1) {
        if (!policy.known) {
            ds_put_cstr(&ds, "policy: not known yet (connections wait)\n");
        }
        ds_put_cstr(&ds, "provider identities:");
        const char **ids = sset_sort(&policy.providers);
        for (size_t i = 0; i < sset_count(&policy.providers); i++) {
            ds_put_format(&ds, " \"%s\"", ids[i]);
        }
        free(ids);
        ds_put_format(&ds, "%s\nplain TCP on tenant bridges: %s\n",
                      sset_is_empty(&policy.providers) ? " (none)" : "",
                      policy.tls_only ? "refused" : "allowed");
    }

    const struct shash_node **nodes = shash_sort(&policy.bridges);
    for (size_t i = 0; i < shash_count(&policy.bridges); i++) {
        const struct isolation_tenant *t = nodes[i]->data;
        const struct isolation_stats *s = shash_find_data(&stats,
                                                          nodes[i]->name);

        if (argc > 1 && strcmp(argv[1], nodes[i]->name)) {
            continue;
        }
        ds_put_format(&ds, "bridge %s: tenant %s, ", nodes[i]->name,
                      t->name);
        if (t->pending) {
            ds_put_cstr(&ds, "identity not known yet");
        } else if (t->identity) {
            ds_put_format(&ds, "identity \"%s\"", t->identity);
        } else {
            ds_put_cstr(&ds, "no tenant row (provider only)");
        }
        ds_put_format(&ds, ": admitted %llu, refused %llu\n",
                      s ? s->admitted : 0, s ? s->refused : 0);
        if (t->msg_rate) {
            ds_put_format(&ds, "  OpenFlow messages from the tenant: %u/s, "
                          "burst %u; reading waited %llu times\n",
                          t->msg_rate, t->msg_burst ? t->msg_burst
                          : t->msg_rate, s ? s->throttled : 0);
        }
        for (size_t j = 0; s && j < ISOLATION_LAST_REFUSALS && s->last[j];
             j++) {
            ds_put_format(&ds, "  refused %s\n", s->last[j]);
        }
    }
    free(nodes);

    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

static void
isolation_init(const char *remote OVS_UNUSED)
{
    unixctl_command_register("nfv/isolation-show", "[bridge]", 0, 1,
                             isolation_unixctl_show, NULL);
    connmgr_set_admission_hook(isolation_admit);
    connmgr_set_throttle_hook(isolation_throttled);
}

static void
isolation_destroy(void)
{
    struct shash_node *node;

    connmgr_set_admission_hook(NULL);
    connmgr_set_throttle_hook(NULL);
    SHASH_FOR_EACH (node, &stats) {
        isolation_stats_free(node->data);
    }
    shash_clear(&stats);
    isolation_policy_destroy(&policy);
    isolation_policy_init(&policy);
}

const struct nfv_module nfv_isolation_module = {
    .name = "isolation",
    .init = isolation_init,
    .destroy = isolation_destroy,
};
