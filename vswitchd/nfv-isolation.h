/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_VSWITCHD_NFV_ISOLATION_H
#define NFV_VSWITCHD_NFV_ISOLATION_H 1

/* Tenant isolation, OpenFlow side (Documentation/topics/nfv-isolation.rst).
 *
 * Every OpenFlow connection to a tenant's bridge is admitted only if it is
 * local (unix:/punix:), or over SSL with a peer certificate whose common
 * name is the tenant's identity or one of the provider's identities, or
 * over plain TCP while the node does not forbid it.  The tenant's own
 * connections (its certificate, or plain TCP) are read at most at the
 * tenant's OpenFlow message rate.  The module registers
 * itself with upstream's connection manager (patch 0009,
 * connmgr_set_admission_hook()); the tenant module (nfv-tenant.c), which
 * reads the databases, tells it which bridges belong to which tenant through
 * isolation_set_policy(). */

#include <stdbool.h>
#include "openvswitch/shash.h"
#include "sset.h"
#include "nfv/vswitchd/nfv.h"

/* The owner of one tenant bridge. */
struct isolation_tenant {
    char *name;                 /* Tenant:name. */
    char *identity;             /* CN its certificates carry; NULL if the
                                 * tenant has no row (only the provider and
                                 * local connections are admitted). */
    bool pending;               /* The NFV_Tenant database is not read yet:
                                 * connections wait (deferred). */
    unsigned int msg_rate;      /* OpenFlow messages/s read from each of
                                 * the tenant's connections (0: no limit). */
    unsigned int msg_burst;     /* Burst of them (0: 'msg_rate'). */
};

/* What the module enforces. */
struct isolation_policy {
    bool known;                 /* False until the Open_vSwitch database has
                                 * been read: every connection but local
                                 * (unix:) ones waits. */
    struct shash bridges;       /* Bridge name -> struct isolation_tenant *. */
    struct sset providers;      /* CNs admitted on every tenant bridge. */
    bool tls_only;              /* Refuse tcp:/ptcp: on tenant bridges. */
};

void isolation_policy_init(struct isolation_policy *);
void isolation_policy_destroy(struct isolation_policy *);
void isolation_policy_add(struct isolation_policy *, const char *bridge,
                          const char *tenant, const char *identity,
                          bool pending, unsigned int msg_rate,
                          unsigned int msg_burst);
void isolation_set_policy(struct isolation_policy *);

extern const struct nfv_module nfv_isolation_module;

#endif /* nfv-isolation.h */
