/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_NSOD_NSOD_H
#define NFV_NSOD_NSOD_H 1

/* NSOD, the Network Service-Oriented Distributor: the services and their
 * session tables, shared by ovs-vswitchd's main thread (configuration,
 * expiry, statistics), its translation threads (the nsod action's
 * translation) and the PMD threads (per-packet distribution).
 *
 * A service has a name, a classifier (nsod-classify.h: what a session is),
 * a policy that places new sessions on backends, an idle timeout and a
 * pool of backends.  A backend is an OpenFlow port of an NFV VM plus the
 * rewrite on the way there (VLAN id, destination MAC), a weight and a
 * state:
 *
 *   - active: takes new sessions and keeps its own;
 *   - draining: takes no new session, keeps its own until they end;
 *   - down: takes nothing; its sessions move to active backends on their
 *     next packet.
 *
 * With the "http" and "tls" classifiers a service may also have pools:
 * backends with a pool name receive only connections whose HTTP Host or
 * TLS SNI matches one of the service's host patterns for that pool.  A
 * connection starts in the default pool (backends without a pool name):
 * its handshake carries no host name.  The first segment that names a
 * host of another pool moves the session there, once; later segments
 * follow it.  Pools therefore suit backends that see connections
 * transparently (bump-in-the-wire functions that pick up a connection
 * mid-stream); a backend that terminates TCP belongs in the default pool.
 *
 * A session, once placed, stays on its backend: adding a backend or
 * changing weights moves none (the session table is consulted before the
 * policy).  The session table is one concurrent hash map per service,
 * shared by all PMD threads, so affinity holds across them.
 *
 * Threads: nsod_configure(), nsod_run() and the statistics functions run in
 * the main thread; nsod_service_find*() and nsod_pick() may run in any
 * thread (RCU). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "nfv/nsod/nsod-classify.h"

struct ds;
struct nsod_service;

enum nsod_policy {
    NSOD_POLICY_MAGLEV,         /* Weighted consistent hashing (default). */
    NSOD_POLICY_ROUND_ROBIN,    /* Weighted round robin. */
    NSOD_POLICY_LEAST_SESSIONS, /* Fewest live sessions per unit weight. */
};

enum nsod_backend_state {
    NSOD_BACKEND_ACTIVE,
    NSOD_BACKEND_DRAINING,
    NSOD_BACKEND_DOWN,
};

#define NSOD_NAME_MAX 64                /* Bytes in a service name. */
#define NSOD_MAX_BACKENDS 64            /* Per service. */
#define NSOD_MAGLEV_SIZE 65537          /* Maglev lookup table entries. */
#define NSOD_IDLE_TIMEOUT_DEFAULT 60000 /* ms. */
#define NSOD_MAX_SESSIONS_DEFAULT 1048576

struct nsod_backend_config {
    const char *name;           /* Unique in the service, its identity. */
    const char *pool;           /* NULL or "": the default pool. */
    ofp_port_t ofport;          /* OFPP_NONE: not attached (as down). */
    int vlan;                   /* VLAN id to set (pushing a tag), or -1. */
    bool has_mac;
    struct eth_addr mac;        /* Destination MAC to set, if has_mac. */
    uint32_t weight;            /* 1..65535. */
    enum nsod_backend_state state;
};

struct nsod_service_config {
    const char *name;           /* 1 to NSOD_NAME_MAX bytes. */
    enum nsod_classifier classifier;
    enum nsod_policy policy;
    long long idle_timeout;     /* ms, > 0. */
    uint32_t max_sessions;      /* > 0. */
    const struct nsod_backend_config *backends;
    size_t n_backends;          /* At most NSOD_MAX_BACKENDS. */

    /* Classifiers "http" and "tls" only: host name patterns (exact, or
     * "*.example.com") and the pool each one's connections go to. */
    const char *const *host_patterns;
    const char *const *host_pools;
    size_t n_hosts;             /* At most NSOD_MAX_HOSTS. */
};

#define NSOD_MAX_HOSTS 64

/* Returns true if the 'len' bytes at 'name' are a valid service name: 1 to
 * NSOD_NAME_MAX letters, digits, '_', '-' or '.'.  Any thread. */
bool nsod_service_name_valid(const char *name, size_t len);

/* Configuration (main thread). */
void nsod_configure(const struct nsod_service_config *, size_t n);
void nsod_run(long long int now);
void nsod_enable_checks(void);
bool nsod_checks_enabled(void);
bool nsod_policy_from_string(const char *, enum nsod_policy *);
const char *nsod_policy_to_string(enum nsod_policy);

/* Lookups (any thread, RCU). */
struct nsod_service *nsod_service_find(const char *name, size_t len);
struct nsod_service *nsod_service_find_by_id(uint32_t id);
uint32_t nsod_service_id(const struct nsod_service *);

/* One backend as translation sees it. */
struct nsod_branch_config {
    uint32_t id;
    ofp_port_t ofport;
    int vlan;
    bool has_mac;
    struct eth_addr mac;
};
size_t nsod_service_branches(const struct nsod_service *,
                             struct nsod_branch_config *,
                             size_t max);

/* Per packet (PMD threads). */
#define NSOD_BATCH_MAX 32                /* NETDEV_MAX_BURST. */
void nsod_pick_batch(struct nsod_service *, const void *frames[],
                     const size_t lens[], size_t n, long long int now,
                     uint32_t ids[]);
void nsod_account(struct nsod_service *, const uint32_t backend_ids[],
                  const size_t n_packets[], const size_t n_bytes[],
                  size_t n);
#define NSOD_NO_BACKEND UINT32_MAX

/* Observability (main thread). */
void nsod_show(const char *service, struct ds *);
bool nsod_sessions(const char *service, size_t max, struct ds *);

/* Statistics of one service or backend, for OVSDB. */
struct nsod_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t sessions;          /* Live. */
    uint64_t sessions_total;    /* Placed since start. */
};
bool nsod_service_stats(const char *service, struct nsod_stats *,
                        uint64_t *fallbacks);
bool nsod_backend_stats(const char *service, const char *backend,
                        struct nsod_stats *);

extern const struct nfv_action_class nsod_action_class;

#endif /* nsod.h */
