/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/nsod/nsod.h"

#include <ctype.h>
#include <string.h>

#include "cmap.h"
#include "coverage.h"
#include "flow.h"
#include "hash.h"
#include "id-pool.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nsod);

COVERAGE_DEFINE(nsod_classify_fallback);
COVERAGE_DEFINE(nsod_session_new);
COVERAGE_DEFINE(nsod_session_moved);
COVERAGE_DEFINE(nsod_session_host_bound);
COVERAGE_DEFINE(nsod_session_expired);
COVERAGE_DEFINE(nsod_table_full);
COVERAGE_DEFINE(nsod_no_backend);
COVERAGE_DEFINE(nsod_emc_rest);

/* Packets and bytes sent to a backend, counted in NSOD_TRAFFIC_SLOTS
 * slots: slot 0 is shared (atomic additions); each of the others belongs
 * to at most one thread at a time (nsod_thread_get()), which adds to it by a
 * plain load and store, with no atomic read-modify-write or cache line
 * shared with another PMD thread per packet batch.  The totals are the
 * sums over the slots. */
#define NSOD_TRAFFIC_SLOTS 16
struct nsod_traffic {
    PADDED_MEMBERS(CACHE_LINE_SIZE,
        atomic_ullong packets;
        atomic_ullong bytes;
    );
};

/* A backend's counters and identity; lives as long as its service has a
 * backend of that name.  Freed after an RCU grace period. */
struct nsod_backend {
    struct hmap_node name_node;     /* In service->backends (main thread). */
    char *name;
    uint32_t id;                    /* Unique in the service, never reused. */
    bool seen;                      /* Scratch for nsod_configure(). */
    struct nsod_traffic *traffic;   /* NSOD_TRAFFIC_SLOTS slots. */
    atomic_llong sessions;          /* Live sessions. */
    atomic_ullong sessions_total;
};

/* One backend in a configuration snapshot. */
struct cfg_backend {
    struct nsod_backend *b;
    struct nsod_branch_config branch;
    uint32_t weight;
    enum nsod_backend_state state;
    int pool;                       /* Index in cfg->pools, -1: default. */
};

/* A named pool: its active backends (indexes into cfg->backends). */
struct cfg_pool {
    char *name;
    size_t n_active;
    uint16_t active[NSOD_MAX_BACKENDS];
};

struct cfg_host {
    char *pattern;
    int pool;                       /* Index in cfg->pools. */
};

#define NSOD_BY_ID_SIZE 256
BUILD_ASSERT_DECL(NSOD_MAX_BACKENDS < UINT8_MAX);

/* An immutable configuration snapshot of a service (RCU). */
struct nsod_cfg {
    enum nsod_classifier classifier;
    enum nsod_policy policy;
    long long int idle_timeout;     /* ms. */
    uint32_t max_sessions;
    size_t n_backends;
    struct cfg_backend backends[NSOD_MAX_BACKENDS];
    size_t n_active;
    uint16_t active[NSOD_MAX_BACKENDS];     /* Indexes into backends[]. */

    /* For cfg_backend_by_id(): by_id[id % NSOD_BY_ID_SIZE] is 1 + the index
     * in backends[] of a backend with that id modulo NSOD_BY_ID_SIZE (the
     * first one; ids grow, so collisions need 256 backends created in the
     * service's life), or 0 if there is none. */
    uint8_t by_id[NSOD_BY_ID_SIZE];
    uint16_t *maglev;               /* NSOD_MAGLEV_SIZE indexes, or NULL. */
    uint16_t *rr;                   /* Round-robin sequence, n_rr entries. */
    size_t n_rr;

    /* Pools picked by host name (classifiers http and tls). */
    size_t n_pools;
    struct cfg_pool pools[NSOD_MAX_BACKENDS];
    size_t n_hosts;
    struct cfg_host hosts[NSOD_MAX_HOSTS];
};

struct nsod_session {
    /* What every packet of the session reads, in one cache line. */
    struct cmap_node node;          /* In service->sessions, by key hash. */
    struct nsod_key key;
    atomic_uint32_t backend;        /* Backend id. */
    atomic_uint32_t used;           /* Last packet: time_msec() modulo 2**32
                                     * (see session_idle()). */

    /* The rest. */
    long long int created;          /* ms. */
    atomic_uint8_t host_tries;      /* Segments searched for a host name;
                                     * NSOD_HOST_DONE once decided. */
    bool dead;                      /* Removed from the table (mutex). */
};
BUILD_ASSERT_DECL(offsetof(struct nsod_session, used) + sizeof(uint32_t)
                  <= CACHE_LINE_SIZE);

/* Returns how long session 's' has been idle at 'now', in ms, or 0 if a
 * PMD thread saw a packet of it after 'now' (the main thread's 'now' may
 * be a little older than a PMD thread's clock).  'used' keeps only the low
 * 32 bits of the time, enough for idle times below 2**31 ms (24 days): the
 * idle timeout is at most a day and expiry runs every few seconds. */
static long long int
session_idle(const struct nsod_session *s, long long int now)
{
    uint32_t used;
    int32_t idle;

    atomic_read_relaxed(&CONST_CAST(struct nsod_session *, s)->used, &used);
    idle = (int32_t) ((uint32_t) now - used);
    return MAX(idle, 0);
}

/* A session's segments are searched for a host name (classifiers http and
 * tls) until one names it or this many carried none. */
#define NSOD_HOST_TRIES 8
#define NSOD_HOST_DONE UINT8_MAX

struct nsod_service {
    struct cmap_node name_node;     /* In 'services_by_name'. */
    struct cmap_node id_node;       /* In 'services_by_id'. */
    char *name;
    uint32_t id;
    OVSRCU_TYPE(struct nsod_cfg *) cfg;
    struct hmap backends;           /* struct nsod_backend, main thread. */
    uint32_t next_backend_id;

    struct ovs_mutex mutex;         /* Serializes changes to 'sessions'. */
    struct cmap sessions;           /* struct nsod_session. */
    atomic_llong n_sessions;
    atomic_uint rr_next;
    atomic_uint64_t epoch;          /* See struct nsod_emc_entry. */

    /* Packets and bytes of backends no longer configured (main thread);
     * the service's totals are these plus its backends' counters. */
    unsigned long long int retired_packets;
    unsigned long long int retired_bytes;
    atomic_ullong fallbacks;        /* Frames the classifier fell back on. */
    atomic_ullong sessions_total;
    atomic_ullong table_full;       /* Sessions not stored: table full. */
    atomic_ullong no_backend;       /* Packets dropped: no backend. */
    bool seen;                      /* Scratch for nsod_configure(). */
};

static struct cmap services_by_name = CMAP_INITIALIZER;
static struct cmap services_by_id = CMAP_INITIALIZER;
static uint32_t next_service_id = 1;
static bool checks_enabled;

/* Configuration. */

bool
nsod_policy_from_string(const char *s, enum nsod_policy *policy)
{
    if (!strcmp(s, "maglev")) {
        *policy = NSOD_POLICY_MAGLEV;
    } else if (!strcmp(s, "round_robin")) {
        *policy = NSOD_POLICY_ROUND_ROBIN;
    } else if (!strcmp(s, "least_sessions")) {
        *policy = NSOD_POLICY_LEAST_SESSIONS;
    } else {
        return false;
    }
    return true;
}

const char *
nsod_policy_to_string(enum nsod_policy policy)
{
    return (policy == NSOD_POLICY_ROUND_ROBIN ? "round_robin"
            : policy == NSOD_POLICY_LEAST_SESSIONS ? "least_sessions"
            : "maglev");
}

bool
nsod_service_name_valid(const char *name, size_t len)
{
    if (!len || len > NSOD_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = name[i];
        if (!isalnum(c) && c != '_' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

/* Makes flow-mods naming an unknown service fail (ovs-vswitchd calls this;
 * ovs-ofctl, which has no services, does not). */
void
nsod_enable_checks(void)
{
    checks_enabled = true;
}

bool
nsod_checks_enabled(void)
{
    return checks_enabled;
}

struct nsod_service *
nsod_service_find(const char *name, size_t len)
{
    struct nsod_service *svc;
    uint32_t hash = hash_bytes(name, len, 0);

    CMAP_FOR_EACH_WITH_HASH (svc, name_node, hash, &services_by_name) {
        if (strlen(svc->name) == len && !memcmp(svc->name, name, len)) {
            return svc;
        }
    }
    return NULL;
}

struct nsod_service *
nsod_service_find_by_id(uint32_t id)
{
    struct nsod_service *svc;

    CMAP_FOR_EACH_WITH_HASH (svc, id_node, hash_int(id, 0), &services_by_id) {
        if (svc->id == id) {
            return svc;
        }
    }
    return NULL;
}

uint32_t
nsod_service_id(const struct nsod_service *svc)
{
    return svc->id;
}

/* Stores in 'out' (room for 'max') the backends that packets of 'svc' may
 * be sent to now (active and draining ones with a port) and returns their
 * number. */
size_t
nsod_service_branches(const struct nsod_service *svc,
                      struct nsod_branch_config *out, size_t max)
{
    const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);
    size_t n = 0;

    for (size_t i = 0; cfg && i < cfg->n_backends && n < max; i++) {
        if (cfg->backends[i].state != NSOD_BACKEND_DOWN) {
            out[n++] = cfg->backends[i].branch;
        }
    }
    return n;
}

static struct nsod_backend *
backend_find(const struct nsod_service *svc, const char *name)
{
    struct nsod_backend *b;

    HMAP_FOR_EACH_WITH_HASH (b, name_node, hash_string(name, 0),
                             &svc->backends) {
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

/* Fills cfg->maglev with a weighted Maglev lookup table (Eisenbud et al.,
 * NSDI 2016, section 3.4) over the active backends: each backend walks its
 * own permutation of the table, derived from its name alone, and claims
 * free entries in turns proportional to its weight.  Because permutations
 * depend only on names, a pool change moves few entries; the session table
 * keeps even those sessions where they are. */
static void
maglev_build(struct nsod_cfg *cfg)
{
    const uint32_t m = NSOD_MAGLEV_SIZE;
    uint32_t offset[NSOD_MAX_BACKENDS], skip[NSOD_MAX_BACKENDS];
    uint32_t next[NSOD_MAX_BACKENDS];
    uint64_t credit[NSOD_MAX_BACKENDS];
    uint32_t max_weight = 0;

    if (!cfg->n_active) {
        cfg->maglev = NULL;
        return;
    }
    cfg->maglev = xmalloc(m * sizeof *cfg->maglev);
    memset(cfg->maglev, 0xff, m * sizeof *cfg->maglev);

    for (size_t i = 0; i < cfg->n_active; i++) {
        const struct cfg_backend *cb = &cfg->backends[cfg->active[i]];
        const char *name = cb->b->name;

        offset[i] = hash_string(name, 0x6d61676c) % m;
        skip[i] = hash_string(name, 0x65762121) % (m - 1) + 1;
        next[i] = 0;
        credit[i] = 0;
        max_weight = MAX(max_weight, cb->weight);
    }

    uint32_t filled = 0;
    while (filled < m) {
        for (size_t i = 0; i < cfg->n_active && filled < m; i++) {
            credit[i] += cfg->backends[cfg->active[i]].weight;
            while (credit[i] >= max_weight && filled < m) {
                uint32_t slot;

                credit[i] -= max_weight;
                do {
                    slot = (offset[i] + (uint64_t) next[i] * skip[i]) % m;
                    next[i]++;
                } while (cfg->maglev[slot] != UINT16_MAX);
                cfg->maglev[slot] = cfg->active[i];
                filled++;
            }
        }
    }
}

/* Fills cfg->rr with a smooth weighted round-robin sequence over the active
 * backends (each appears 'weight' times, interleaved), scaled so that the
 * sequence has at most 4096 entries. */
static void
rr_build(struct nsod_cfg *cfg)
{
    uint64_t total = 0;
    uint32_t w[NSOD_MAX_BACKENDS];
    int64_t current[NSOD_MAX_BACKENDS];

    for (size_t i = 0; i < cfg->n_active; i++) {
        total += cfg->backends[cfg->active[i]].weight;
    }
    for (size_t i = 0; i < cfg->n_active; i++) {
        uint64_t weight = cfg->backends[cfg->active[i]].weight;
        w[i] = total > 4096 ? MAX(1, weight * 4096 / total) : weight;
        current[i] = 0;
    }
    total = 0;
    for (size_t i = 0; i < cfg->n_active; i++) {
        total += w[i];
    }

    cfg->n_rr = total;
    cfg->rr = total ? xmalloc(total * sizeof *cfg->rr) : NULL;
    for (size_t k = 0; k < total; k++) {
        size_t best = 0;

        for (size_t i = 0; i < cfg->n_active; i++) {
            current[i] += w[i];
            if (current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= total;
        cfg->rr[k] = cfg->active[best];
    }
}

static void
cfg_free(struct nsod_cfg *cfg)
{
    if (cfg) {
        for (size_t i = 0; i < cfg->n_pools; i++) {
            free(cfg->pools[i].name);
        }
        for (size_t i = 0; i < cfg->n_hosts; i++) {
            free(cfg->hosts[i].pattern);
        }
        free(cfg->maglev);
        free(cfg->rr);
        free(cfg);
    }
}

/* Returns the index of pool 'name' in 'cfg', adding it if 'create'; -1 for
 * the default pool (NULL or "") or an unknown name. */
static int
cfg_pool_index(struct nsod_cfg *cfg, const char *name, bool create)
{
    if (!name || !name[0]) {
        return -1;
    }
    for (size_t i = 0; i < cfg->n_pools; i++) {
        if (!strcmp(cfg->pools[i].name, name)) {
            return i;
        }
    }
    if (!create || cfg->n_pools >= ARRAY_SIZE(cfg->pools)) {
        return -1;
    }
    cfg->pools[cfg->n_pools].name = xstrdup(name);
    cfg->pools[cfg->n_pools].n_active = 0;
    return cfg->n_pools++;
}

static void
backend_free(struct nsod_backend *b)
{
    free_cacheline(b->traffic);
    free(b->name);
    free(b);
}

/* Stores in '*packets' and '*bytes' the packets and bytes sent to 'b'. */
static void
backend_traffic(const struct nsod_backend *b, unsigned long long int *packets,
                unsigned long long int *bytes)
{
    *packets = *bytes = 0;
    for (size_t i = 0; i < NSOD_TRAFFIC_SLOTS; i++) {
        struct nsod_traffic *t = &b->traffic[i];
        unsigned long long int v;

        atomic_read_relaxed(&t->packets, &v);
        *packets += v;
        atomic_read_relaxed(&t->bytes, &v);
        *bytes += v;
    }
}

/* A PMD thread's exact-match cache of 5-tuple sessions: a direct-mapped
 * table from the IPv4 5-tuple a frame carries to its session and the
 * session's backend, consulted before the service's session table by
 * services with the 5-tuple classifier.  A hit costs one probe of this
 * thread's own table: no key building, no hashing of the key, no read of
 * the session or of the configuration.
 *
 * An entry is valid while its service's 'epoch' is the one it was stored
 * with.  A service gets a new epoch (from one counter, so no two services
 * or epochs share a value) whenever what an entry holds could become
 * untrue: when the main thread removes sessions (before it frees them),
 * when the service's configuration changes (after the new one is
 * published), and when a session moves to another backend.  So a valid
 * entry's backend is its session's, under the configuration the thread
 * reads, and its session is never freed memory: a PMD thread reads the
 * epoch before the configuration and before any lookup, and a session
 * freed after that read is freed only once the thread has quiesced
 * (RCU). */
#define NSOD_EMC_SHIFT 11
#define NSOD_EMC_ENTRIES (1u << NSOD_EMC_SHIFT)     /* 128 kB per thread. */
struct nsod_emc_entry {
    PADDED_MEMBERS(CACHE_LINE_SIZE,
        uint64_t addrs;             /* struct nsod_tuple4's. */
        uint32_t ports;             /* struct nsod_tuple4's. */
        uint32_t backend;           /* The session's backend id. */
        uint64_t tag;               /* Epoch << 8 | IP protocol; 0: empty. */
        struct nsod_session *session;
        uint32_t used;              /* Last time written to the session's
                                     * 'used' (ms, modulo 2**32). */
    );
};
BUILD_ASSERT_DECL(sizeof(struct nsod_emc_entry) == CACHE_LINE_SIZE);

/* What each thread that runs the nsod action keeps of its own: its traffic
 * slot and its exact-match cache.  Made on the thread's first packet,
 * freed when it exits. */
struct nsod_thread {
    struct nsod_emc_entry emc[NSOD_EMC_ENTRIES];
    unsigned int traffic_slot;      /* 0: the shared slot. */

    /* The cache pays only if it hits: with more live sessions than it
     * holds, most frames miss, and probing and filling it adds to each
     * their cost.  So the thread counts its probes and hits, and after
     * NSOD_EMC_WINDOW probes with fewer than one hit in NSOD_EMC_MIN_HITS,
     * leaves the cache alone for its next NSOD_EMC_REST batches (then
     * tries again). */
    uint32_t emc_probes;
    uint32_t emc_hits;
    uint32_t emc_rest;              /* Batches left without the cache. */
};
#define NSOD_EMC_WINDOW 1024        /* Probes. */
#define NSOD_EMC_MIN_HITS 8         /* One hit in this many probes. */
#define NSOD_EMC_REST 1024          /* Batches. */

/* Traffic slots (see struct nsod_traffic): 1 to NSOD_TRAFFIC_SLOTS - 1 are
 * handed out to threads as they first count, and given back when they
 * exit. */
static struct ovs_mutex traffic_slots_mutex = OVS_MUTEX_INITIALIZER;
static struct id_pool *traffic_slots OVS_GUARDED_BY(traffic_slots_mutex);
static ovsthread_key_t nsod_thread_key;

static void
nsod_thread_destroy(void *t_)
{
    struct nsod_thread *t = t_;

    if (t->traffic_slot) {
        ovs_mutex_lock(&traffic_slots_mutex);
        id_pool_free_id(traffic_slots, t->traffic_slot);
        ovs_mutex_unlock(&traffic_slots_mutex);
    }
    free_cacheline(t);
}

/* Returns the calling thread's struct nsod_thread, made on first use: its
 * own traffic slot, or 0 (shared) if every other slot is taken, and an
 * empty cache. */
static struct nsod_thread *
nsod_thread_get(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    struct nsod_thread *t;

    if (ovsthread_once_start(&once)) {
        ovsthread_key_create(&nsod_thread_key, nsod_thread_destroy);
        ovs_mutex_lock(&traffic_slots_mutex);
        traffic_slots = id_pool_create(1, NSOD_TRAFFIC_SLOTS - 1);
        ovs_mutex_unlock(&traffic_slots_mutex);
        ovsthread_once_done(&once);
    }
    t = ovsthread_getspecific(nsod_thread_key);
    if (OVS_UNLIKELY(!t)) {
        uint32_t id;

        t = xzalloc_cacheline(sizeof *t);
        ovs_mutex_lock(&traffic_slots_mutex);
        if (id_pool_alloc_id(traffic_slots, &id)) {
            t->traffic_slot = id;
        }
        ovs_mutex_unlock(&traffic_slots_mutex);
        ovsthread_setspecific(nsod_thread_key, t);
    }
    return t;
}

/* Returns the entry of 'emc' for tuple 't'. */
static inline struct nsod_emc_entry *
emc_entry(struct nsod_emc_entry *emc, const struct nsod_tuple4 *t)
{
    uint64_t h = (t->addrs * 0x9e3779b97f4a7c15ULL
                  ^ ((((uint64_t) t->proto << 32) | t->ports)
                     * 0xc2b2ae3d27d4eb4fULL));

    return &emc[h >> (64 - NSOD_EMC_SHIFT)];
}

/* The source of services' epochs; see struct nsod_emc_entry. */
static atomic_uint64_t epoch_counter = 0;

/* Gives 'svc' a new epoch: every cached entry of it becomes invalid.  Any
 * thread; call after the change that entries must not outlive (and before
 * freeing removed sessions).  The service's epoch only grows: if another
 * thread has already stored a later value, that thread's increment of the
 * counter (sequentially consistent, after this one's) made this thread's
 * change visible to whoever reads its value, and this one is not stored. */
static void
service_new_epoch(struct nsod_service *svc)
{
    uint64_t orig, cur;

    atomic_add(&epoch_counter, 1, &orig);
    atomic_read_relaxed(&svc->epoch, &cur);
    while (cur < orig + 1
           && !atomic_compare_exchange_weak_explicit(&svc->epoch, &cur,
                                                     orig + 1,
                                                     memory_order_release,
                                                     memory_order_relaxed)) {
        continue;
    }
}

static void
session_free(struct nsod_session *s)
{
    free_cacheline(s);
}

static void
service_free(struct nsod_service *svc)
{
    struct nsod_session *s;

    CMAP_FOR_EACH (s, node, &svc->sessions) {
        session_free(s);
    }
    cmap_destroy(&svc->sessions);

    struct nsod_backend *b;
    HMAP_FOR_EACH_POP (b, name_node, &svc->backends) {
        backend_free(b);
    }
    hmap_destroy(&svc->backends);
    cfg_free(ovsrcu_get_protected(struct nsod_cfg *, &svc->cfg));
    ovs_mutex_destroy(&svc->mutex);
    free(svc->name);
    free(svc);
}

static struct nsod_service *
service_create(const char *name)
{
    struct nsod_service *svc = xzalloc(sizeof *svc);

    svc->name = xstrdup(name);
    svc->id = next_service_id++;
    hmap_init(&svc->backends);
    svc->next_backend_id = 1;
    ovs_mutex_init(&svc->mutex);
    cmap_init(&svc->sessions);
    atomic_init(&svc->epoch, 0);
    service_new_epoch(svc);
    ovsrcu_init(&svc->cfg, NULL);
    cmap_insert(&services_by_name, &svc->name_node,
                hash_bytes(name, strlen(name), 0));
    cmap_insert(&services_by_id, &svc->id_node, hash_int(svc->id, 0));
    return svc;
}

static void
service_configure(struct nsod_service *svc,
                  const struct nsod_service_config *sc)
{
    struct nsod_cfg *cfg = xzalloc(sizeof *cfg);
    struct nsod_backend *b;

    cfg->classifier = sc->classifier;
    cfg->policy = sc->policy;
    cfg->idle_timeout = sc->idle_timeout;
    cfg->max_sessions = sc->max_sessions;

    HMAP_FOR_EACH (b, name_node, &svc->backends) {
        b->seen = false;
    }
    for (size_t i = 0; i < sc->n_backends && i < NSOD_MAX_BACKENDS; i++) {
        const struct nsod_backend_config *bc = &sc->backends[i];
        struct cfg_backend *cb = &cfg->backends[cfg->n_backends++];

        b = backend_find(svc, bc->name);
        if (!b) {
            b = xzalloc(sizeof *b);
            b->traffic = xzalloc_cacheline(NSOD_TRAFFIC_SLOTS
                                           * sizeof *b->traffic);
            b->name = xstrdup(bc->name);
            b->id = svc->next_backend_id++;
            hmap_insert(&svc->backends, &b->name_node,
                        hash_string(b->name, 0));
        }
        b->seen = true;

        cb->b = b;
        cb->branch.id = b->id;
        cb->branch.ofport = bc->ofport;
        cb->branch.vlan = bc->vlan;
        cb->branch.has_mac = bc->has_mac;
        cb->branch.mac = bc->mac;
        cb->weight = bc->weight ? bc->weight : 1;
        cb->state = (bc->ofport == OFPP_NONE ? NSOD_BACKEND_DOWN
                     : bc->state);
        cb->pool = cfg_pool_index(cfg, bc->pool, true);
        if (!cfg->by_id[b->id % NSOD_BY_ID_SIZE]) {
            cfg->by_id[b->id % NSOD_BY_ID_SIZE] = i + 1;
        }
        if (cb->state == NSOD_BACKEND_ACTIVE) {
            if (cb->pool < 0) {
                cfg->active[cfg->n_active++] = i;
            } else {
                struct cfg_pool *pool = &cfg->pools[cb->pool];
                pool->active[pool->n_active++] = i;
            }
        }
    }
    for (size_t i = 0; i < sc->n_hosts && i < NSOD_MAX_HOSTS; i++) {
        int pool = cfg_pool_index(cfg, sc->host_pools[i], false);

        if (pool >= 0) {
            cfg->hosts[cfg->n_hosts].pattern = xstrdup(sc->host_patterns[i]);
            cfg->hosts[cfg->n_hosts++].pool = pool;
        }
    }
    maglev_build(cfg);
    rr_build(cfg);

    struct nsod_cfg *old = ovsrcu_get_protected(struct nsod_cfg *,
                                                &svc->cfg);
    ovsrcu_set(&svc->cfg, cfg);
    ovsrcu_postpone(cfg_free, old);
    service_new_epoch(svc);         /* Cached backends may be down now. */

    /* Backends no longer configured: their sessions move on their next
     * packet (nsod_pick() does not find their id). */
    HMAP_FOR_EACH_SAFE (b, name_node, &svc->backends) {
        if (!b->seen) {
            unsigned long long int v;

            /* (A PMD thread may still count a few packets to it until the
             * old snapshot is gone; those are not carried over.) */
            unsigned long long int bytes;

            backend_traffic(b, &v, &bytes);
            svc->retired_packets += v;
            svc->retired_bytes += bytes;
            hmap_remove(&svc->backends, &b->name_node);
            ovsrcu_postpone(backend_free, b);
        }
    }
}

/* Makes the services in 'configs' (n of them) the services NSOD runs:
 * services with new names are created, existing ones take their new
 * settings and pools (their sessions stay), services not listed are
 * removed with their sessions.  'configs' were validated by the caller. */
void
nsod_configure(const struct nsod_service_config *configs, size_t n)
{
    struct nsod_service *svc;

    CMAP_FOR_EACH (svc, name_node, &services_by_name) {
        svc->seen = false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = configs[i].name;

        svc = nsod_service_find(name, strlen(name));
        if (!svc) {
            svc = service_create(name);
        }
        svc->seen = true;
        service_configure(svc, &configs[i]);
    }

    /* Collected first: removing while iterating could skip services. */
    struct nsod_service **gone = NULL;
    size_t n_gone = 0, allocated = 0;
    CMAP_FOR_EACH (svc, name_node, &services_by_name) {
        if (!svc->seen) {
            if (n_gone >= allocated) {
                gone = x2nrealloc(gone, &allocated, sizeof *gone);
            }
            gone[n_gone++] = svc;
        }
    }
    for (size_t i = 0; i < n_gone; i++) {
        svc = gone[i];
        cmap_remove(&services_by_name, &svc->name_node,
                    hash_bytes(svc->name, strlen(svc->name), 0));
        cmap_remove(&services_by_id, &svc->id_node, hash_int(svc->id, 0));
        ovsrcu_postpone(service_free, svc);
    }
    free(gone);
}

/* Per packet. */

static const struct cfg_backend *
cfg_backend_by_id(const struct nsod_cfg *cfg, uint32_t id)
{
    unsigned int slot = cfg->by_id[id % NSOD_BY_ID_SIZE];

    if (OVS_LIKELY(slot) && cfg->backends[slot - 1].branch.id == id) {
        return &cfg->backends[slot - 1];
    }
    for (size_t i = 0; i < cfg->n_backends; i++) {
        if (cfg->backends[i].branch.id == id) {
            return &cfg->backends[i];
        }
    }
    return NULL;
}

/* Returns the active backend the policy places a new session with 'key'
 * on, or NULL if no backend is active. */
static const struct cfg_backend *
select_backend(struct nsod_service *svc, const struct nsod_cfg *cfg,
               const struct nsod_key *key)
{
    if (!cfg->n_active) {
        return NULL;
    }

    switch (cfg->policy) {
    case NSOD_POLICY_ROUND_ROBIN: {
        unsigned int n;

        atomic_add_relaxed(&svc->rr_next, 1, &n);
        return &cfg->backends[cfg->rr[n % cfg->n_rr]];
    }
    case NSOD_POLICY_LEAST_SESSIONS: {
        const struct cfg_backend *best = NULL;
        long long int best_sessions = 0;

        for (size_t i = 0; i < cfg->n_active; i++) {
            const struct cfg_backend *cb = &cfg->backends[cfg->active[i]];
            long long int sessions;

            atomic_read_relaxed(&cb->b->sessions, &sessions);
            sessions = MAX(sessions, 0);
            if (!best || (sessions * (long long int) best->weight
                          < best_sessions * (long long int) cb->weight)) {
                best = cb;
                best_sessions = sessions;
            }
        }
        return best;
    }
    case NSOD_POLICY_MAGLEV:
    default:
        return &cfg->backends[cfg->maglev[key->hash % NSOD_MAGLEV_SIZE]];
    }
}

/* Returns the backend that the pool of 'hosts' entry 'host' places a
 * session with 'key' on, by weighted rendezvous hashing over the pool's
 * active backends, or NULL if none is active. */
static const struct cfg_backend *
pool_select(const struct nsod_cfg *cfg, int pool_idx,
            const struct nsod_key *key)
{
    const struct cfg_pool *pool = &cfg->pools[pool_idx];
    const struct cfg_backend *best = NULL;
    uint64_t best_score = 0;

    for (size_t i = 0; i < pool->n_active; i++) {
        const struct cfg_backend *cb = &cfg->backends[pool->active[i]];
        uint64_t score = ((uint64_t) hash_int(cb->branch.id, key->hash)
                          * cb->weight);

        if (!best || score > best_score) {
            best = cb;
            best_score = score;
        }
    }
    return best;
}

static void backend_sessions_add(struct nsod_service *, uint32_t id,
                                 int delta);

/* Classifiers http and tls: if a segment of session 's' names a host that
 * one of the service's host patterns sends to a pool, moves the session to
 * that pool (once) and returns the backend chosen there; otherwise returns
 * NULL and the session stays where it is.  Searches at most
 * NSOD_HOST_TRIES segments of a session. */
static const struct cfg_backend *
host_bind(struct nsod_service *svc, const struct nsod_cfg *cfg,
          struct nsod_session *s, const struct nsod_key *key,
          const void *frame, size_t len)
{
    const char *name;
    size_t name_len;
    uint8_t tries;

    atomic_read_relaxed(&s->host_tries, &tries);
    if (tries >= NSOD_HOST_TRIES) {
        return NULL;
    }
    if (!nsod_classify_host(cfg->classifier, frame, len, &name, &name_len)) {
        /* The handshake's segments count too: NSOD_HOST_TRIES leaves room
         * for them. */
        atomic_store_relaxed(&s->host_tries, tries + 1);
        return NULL;
    }

    const struct cfg_backend *cb = NULL;
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (nsod_host_matches(cfg->hosts[i].pattern, name, name_len)) {
            cb = pool_select(cfg, cfg->hosts[i].pool, key);
            break;
        }
    }
    if (!cb) {
        /* No pool for this host (or none of its backends is active): the
         * session stays in the default pool. */
        atomic_store_relaxed(&s->host_tries, NSOD_HOST_DONE);
        return NULL;
    }

    unsigned long long int orig;
    long long int orig_ll;
    uint32_t old_id;

    ovs_mutex_lock(&svc->mutex);
    atomic_read_relaxed(&s->backend, &old_id);
    if (!s->dead && old_id != cb->branch.id) {
        atomic_store_relaxed(&s->backend, cb->branch.id);
        backend_sessions_add(svc, old_id, -1);
        atomic_add_relaxed(&cb->b->sessions, 1, &orig_ll);
        atomic_add_relaxed(&cb->b->sessions_total, 1, &orig);
        service_new_epoch(svc);
        COVERAGE_INC(nsod_session_host_bound);
    }
    atomic_store_relaxed(&s->host_tries, NSOD_HOST_DONE);
    ovs_mutex_unlock(&svc->mutex);
    return cb;
}

/* Returns true if session keys 'a' and 'b' are equal.  Compares 8 bytes at
 * a time and only as far as 'a''s data reaches: the bytes past a key's
 * length are zero, and the first 8 bytes hold the type, length and
 * hash. */
static inline bool
key_equal(const struct nsod_key *a, const struct nsod_key *b)
{
    size_t n = DIV_ROUND_UP(offsetof(struct nsod_key, data) + a->len,
                            sizeof(uint64_t));
    const uint8_t *pa = (const uint8_t *) a;
    const uint8_t *pb = (const uint8_t *) b;

    BUILD_ASSERT(sizeof(struct nsod_key) % sizeof(uint64_t) == 0);
    BUILD_ASSERT(offsetof(struct nsod_key, data) == sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        uint64_t wa, wb;

        memcpy(&wa, pa + i * sizeof wa, sizeof wa);
        memcpy(&wb, pb + i * sizeof wb, sizeof wb);
        if (wa != wb) {
            return false;
        }
    }
    return true;
}

static struct nsod_session *
session_find(struct nsod_service *svc, const struct nsod_key *key)
{
    struct nsod_session *s;

    CMAP_FOR_EACH_WITH_HASH (s, node, key->hash, &svc->sessions) {
        if (key_equal(&s->key, key)) {
            return s;
        }
    }
    return NULL;
}

static void
backend_sessions_add(struct nsod_service *svc, uint32_t id, int delta)
{
    const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);
    const struct cfg_backend *cb = cfg ? cfg_backend_by_id(cfg, id) : NULL;
    long long int orig;

    if (cb) {
        atomic_add_relaxed(&cb->b->sessions, delta, &orig);
    }
}

/* Counts a packet dropped because 'svc' has no backend for it and returns
 * NSOD_NO_BACKEND. */
static uint32_t
no_backend(struct nsod_service *svc)
{
    unsigned long long int orig;

    COVERAGE_INC(nsod_no_backend);
    atomic_add_relaxed(&svc->no_backend, 1, &orig);
    return NSOD_NO_BACKEND;
}

/* Moves session 's' of 'key', now on backend 'old_id' ('old_cb' in 'cfg',
 * or NULL if that backend is gone), to another backend: one of its own
 * pool if it was bound to a pool, else one the policy picks.  Returns the
 * backend id the packet goes to. */
static uint32_t
session_move(struct nsod_service *svc, const struct nsod_cfg *cfg,
             struct nsod_session *s, const struct nsod_key *key,
             uint32_t old_id, const struct cfg_backend *old_cb)
{
    const struct cfg_backend *cb = NULL;
    unsigned long long int orig;
    long long int orig_ll;
    uint32_t cur;

    if (old_cb && old_cb->pool >= 0) {
        cb = pool_select(cfg, old_cb->pool, key);
    }
    if (!cb) {
        cb = select_backend(svc, cfg, key);
    }
    if (!cb) {
        return no_backend(svc);
    }

    ovs_mutex_lock(&svc->mutex);
    atomic_read_relaxed(&s->backend, &cur);
    if (s->dead) {
        /* Expired meanwhile: the next packet starts a new session. */
    } else if (cur == old_id) {
        atomic_store_relaxed(&s->backend, cb->branch.id);
        backend_sessions_add(svc, old_id, -1);
        atomic_add_relaxed(&cb->b->sessions, 1, &orig_ll);
        atomic_add_relaxed(&cb->b->sessions_total, 1, &orig);
        service_new_epoch(svc);
        COVERAGE_INC(nsod_session_moved);
    } else {
        /* Another thread moved it first: follow it. */
        const struct cfg_backend *cur_cb = cfg_backend_by_id(cfg, cur);
        if (cur_cb && cur_cb->state != NSOD_BACKEND_DOWN) {
            cb = cur_cb;
        }
    }
    ovs_mutex_unlock(&svc->mutex);
    return cb->branch.id;
}

/* Returns the id of the backend a packet of existing session 's' goes to:
 * the session's own unless that is down or gone (then the session moves).
 * 'frame', 'len' bytes, is the packet (for a host name, if 'cfg' has host
 * patterns).  Takes no lock unless the session moves.  'now' is the
 * current time in ms. */
static inline uint32_t
session_pick(struct nsod_service *svc, const struct nsod_cfg *cfg,
             struct nsod_session *s, const void *frame, size_t len,
             long long int now)
{
    const struct cfg_backend *cb;
    uint32_t id, used;

    atomic_read_relaxed(&s->backend, &id);
    atomic_read_relaxed(&s->used, &used);
    if (used != (uint32_t) now) {
        atomic_store_relaxed(&s->used, (uint32_t) now);
    }
    if (cfg->n_hosts) {
        const struct cfg_backend *pool_cb = host_bind(svc, cfg, s, &s->key,
                                                      frame, len);
        if (pool_cb) {
            return pool_cb->branch.id;
        }
    }
    cb = cfg_backend_by_id(cfg, id);
    if (OVS_LIKELY(cb && cb->state != NSOD_BACKEND_DOWN)) {
        return id;
    }
    return session_move(svc, cfg, s, &s->key, id, cb);
}

/* Returns the id of the backend the 'len'-byte Ethernet frame at 'frame'
 * goes to, or NSOD_NO_BACKEND (the caller drops it) if 'svc' has no
 * backend for it.  'key' is the frame's session key (nsod_classify() with
 * cfg's classifier) and 's' its session, or NULL if it has none yet.
 * Stores in '*sessionp' the frame's session, or NULL if it has none (the
 * table is full, or no backend is active).
 *
 * The packet of an existing session whose backend can take it, the common
 * case, takes no lock (session_pick()).  A new session is placed by the
 * service's policy and stored under the service's mutex (held only for the
 * insertion), so that every packet of a session, on any PMD thread, sees
 * one placement.  While the table holds max_sessions, new sessions are not
 * stored and their packets go where the Maglev table says, which does not
 * change from packet to packet.  'now' is the current time in ms. */
static uint32_t
pick_one(struct nsod_service *svc, const struct nsod_cfg *cfg,
         const struct nsod_key *key, struct nsod_session *s,
         const void *frame, size_t len, long long int now,
         struct nsod_session **sessionp)
{
    const struct cfg_backend *cb;
    unsigned long long int orig;
    long long int orig_ll;

    *sessionp = s;
    if (s) {
        return session_pick(svc, cfg, s, frame, len, now);
    }

    long long int n_sessions;
    atomic_read_relaxed(&svc->n_sessions, &n_sessions);
    if (n_sessions >= cfg->max_sessions) {
        COVERAGE_INC(nsod_table_full);
        atomic_add_relaxed(&svc->table_full, 1, &orig);
        return (cfg->maglev
                ? cfg->backends[cfg->maglev[key->hash % NSOD_MAGLEV_SIZE]]
                  .branch.id
                : no_backend(svc));
    }

    ovs_mutex_lock(&svc->mutex);
    s = session_find(svc, key);
    if (s) {
        /* Another thread placed it first: follow it. */
        uint32_t id;

        atomic_read_relaxed(&s->backend, &id);
        ovs_mutex_unlock(&svc->mutex);
        *sessionp = s;
        return id;
    }
    cb = select_backend(svc, cfg, key);
    if (!cb) {
        ovs_mutex_unlock(&svc->mutex);
        return no_backend(svc);
    }
    s = xmalloc_cacheline(sizeof *s);
    s->key = *key;
    atomic_init(&s->backend, cb->branch.id);
    atomic_init(&s->used, (uint32_t) now);
    atomic_init(&s->host_tries, 0);
    s->created = now;
    s->dead = false;
    cmap_insert(&svc->sessions, &s->node, key->hash);
    atomic_add_relaxed(&svc->n_sessions, 1, &orig_ll);
    atomic_add_relaxed(&svc->sessions_total, 1, &orig);
    atomic_add_relaxed(&cb->b->sessions, 1, &orig_ll);
    atomic_add_relaxed(&cb->b->sessions_total, 1, &orig);
    COVERAGE_INC(nsod_session_new);
    ovs_mutex_unlock(&svc->mutex);
    *sessionp = s;

    if (cfg->n_hosts) {
        /* Mid-stream: the first packet seen may name the host. */
        const struct cfg_backend *pool_cb = host_bind(svc, cfg, s, key,
                                                      frame, len);
        if (pool_cb) {
            return pool_cb->branch.id;
        }
    }
    return cb->branch.id;
}

/* Picks the backends of the 'n' frames 'frames[idx[k]]' of 'lens[idx[k]]'
 * bytes whose session keys are 'keys[k]' (0 <= k < n), storing each id in
 * 'ids[idx[k]]' and each frame's session (or NULL) in 'sessions[k]'.  The
 * sessions are looked up together, so that the session table's cache
 * misses overlap. */
static void
pick_keyed(struct nsod_service *svc, const struct nsod_cfg *cfg,
           const void *frames[], const size_t lens[], const uint8_t idx[],
           const struct nsod_key keys[], size_t n, long long int now,
           uint32_t ids[], struct nsod_session *sessions[])
{
    const struct cmap_node *nodes[NSOD_BATCH_MAX];
    uint32_t hashes[NSOD_BATCH_MAX];

    for (size_t k = 0; k < n; k++) {
        hashes[k] = keys[k].hash;
    }

    unsigned long map = (n >= CHAR_BIT * sizeof map
                         ? ULONG_MAX : (1UL << n) - 1);
    unsigned long found = cmap_find_batch(&svc->sessions, map, hashes,
                                          nodes);

    /* Fetch every candidate session before comparing any: with a large
     * table they are cache misses, and this way they overlap. */
    for (size_t k = 0; k < n; k++) {
        if (found & (1UL << k)) {
            OVS_PREFETCH(nodes[k]);
        }
    }
    for (size_t k = 0; k < n; k++) {
        struct nsod_session *session = NULL;
        size_t i = idx[k];

        if (found & (1UL << k)) {
            struct nsod_session *cand;

            CMAP_NODE_FOR_EACH (cand, node, nodes[k]) {
                if (key_equal(&cand->key, &keys[k])) {
                    session = cand;
                    break;
                }
            }
        }
        ids[i] = pick_one(svc, cfg, &keys[k], session, frames[i], lens[i],
                          now, &sessions[k]);
    }
}

/* nsod_pick_batch() through the session table alone: classifies the 'n'
 * frames and picks their backends (pick_keyed()). */
static void
pick_batch_keyed(struct nsod_service *svc, const struct nsod_cfg *cfg,
                 const void *frames[], const size_t lens[], size_t n,
                 long long int now, uint32_t ids[])
{
    struct nsod_session *sessions[NSOD_BATCH_MAX];
    struct nsod_key keys[NSOD_BATCH_MAX];
    uint8_t idx[NSOD_BATCH_MAX];
    size_t fallbacks;

    fallbacks = nsod_classify_batch(cfg->classifier, frames, lens, n, keys);
    if (fallbacks) {
        unsigned long long int orig;

        COVERAGE_ADD(nsod_classify_fallback, fallbacks);
        atomic_add_relaxed(&svc->fallbacks, fallbacks, &orig);
    }
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
    }
    pick_keyed(svc, cfg, frames, lens, idx, keys, n, now, ids, sessions);
}

/* nsod_pick_batch() for a service with the 5-tuple classifier and no host
 * patterns: frames of the common IPv4 case (nsod_tuple4_batch()) are
 * looked up in this thread's exact-match cache first (see struct
 * nsod_emc_entry); the rest, and the misses, go through the session table
 * and are then cached.  'epoch' is the service's, read before 'cfg' and
 * before any lookup. */
static void
pick_batch_5tuple(struct nsod_service *svc, const struct nsod_cfg *cfg,
                  uint64_t epoch, const void *frames[], const size_t lens[],
                  size_t n, long long int now, uint32_t ids[])
{
    struct nsod_thread *thread = nsod_thread_get();
    struct nsod_emc_entry *emc = thread->emc;
    struct nsod_emc_entry *entries[NSOD_BATCH_MAX];
    struct nsod_tuple4 tuples[NSOD_BATCH_MAX];
    uint8_t miss[NSOD_BATCH_MAX];
    size_t n_miss = 0;
    unsigned long has_tuple;
    uint64_t tag = epoch << 8;

    if (OVS_UNLIKELY(thread->emc_rest)) {
        thread->emc_rest--;
        pick_batch_keyed(svc, cfg, frames, lens, n, now, ids);
        return;
    }

    has_tuple = nsod_tuple4_batch(frames, lens, n, tuples);
    for (size_t i = 0; i < n; i++) {
        struct nsod_emc_entry *e = NULL;

        if (OVS_LIKELY(has_tuple & (1UL << i))) {
            const struct nsod_tuple4 *t = &tuples[i];

            e = emc_entry(emc, t);
            if (OVS_LIKELY(e->tag == (tag | t->proto)
                           && e->addrs == t->addrs
                           && e->ports == t->ports)) {
                ids[i] = e->backend;
                if (OVS_UNLIKELY(e->used != (uint32_t) now)) {
                    e->used = now;
                    atomic_store_relaxed(&e->session->used, (uint32_t) now);
                }
                continue;
            }
        }
        entries[n_miss] = e;
        miss[n_miss++] = i;
    }
    thread->emc_probes += n;
    thread->emc_hits += n - n_miss;
    if (OVS_UNLIKELY(thread->emc_probes >= NSOD_EMC_WINDOW)) {
        if (thread->emc_hits < thread->emc_probes / NSOD_EMC_MIN_HITS) {
            thread->emc_rest = NSOD_EMC_REST;
            COVERAGE_INC(nsod_emc_rest);
        }
        thread->emc_probes = thread->emc_hits = 0;
    }
    if (!n_miss) {
        return;
    }

    struct nsod_session *sessions[NSOD_BATCH_MAX];
    struct nsod_key keys[NSOD_BATCH_MAX];

    for (size_t k = 0; k < n_miss; k++) {
        size_t i = miss[k];

        if (entries[k]) {
            nsod_key_from_tuple4(&tuples[i], &keys[k]);
        } else {
            /* Not the common IPv4 case (nsod_tuple4_batch() said so): the
             * full parse.  The 5-tuple classifier never falls back. */
            nsod_classify_full(NSOD_CLS_5TUPLE, frames[i], lens[i],
                               &keys[k]);
        }
    }
    pick_keyed(svc, cfg, frames, lens, miss, keys, n_miss, now, ids,
               sessions);
    for (size_t k = 0; k < n_miss; k++) {
        struct nsod_emc_entry *e = entries[k];
        struct nsod_session *session = sessions[k];
        uint32_t backend;

        if (!e || !session) {
            continue;
        }
        /* Only what the session itself says (the packet may have gone
         * elsewhere in a race with a move). */
        atomic_read_relaxed(&session->backend, &backend);
        if (backend == ids[miss[k]]) {
            const struct nsod_tuple4 *t = &tuples[miss[k]];

            e->addrs = t->addrs;
            e->ports = t->ports;
            e->backend = backend;
            e->tag = tag | t->proto;
            e->session = session;
            e->used = now;
        }
    }
}

/* Picks the backend of each of the 'n' Ethernet frames 'frames[i]' of
 * 'lens[i]' bytes (n at most NSOD_BATCH_MAX), storing its id, or
 * NSOD_NO_BACKEND, in 'ids[i]' (see pick_one()).  The frames are
 * classified first and their sessions looked up together, so that the
 * session table's cache misses overlap; with the 5-tuple classifier, a
 * per-thread cache of sessions comes first (pick_batch_5tuple()).  'now'
 * is the current time in ms.  Runs in the PMD threads; takes the
 * service's mutex only to store or move a session. */
void
nsod_pick_batch(struct nsod_service *svc, const void *frames[],
                const size_t lens[], size_t n, long long int now,
                uint32_t ids[])
{
    const struct nsod_cfg *cfg;
    uint64_t epoch;

    /* The epoch before the configuration: a thread that sees a new epoch
     * then also sees the configuration published before it (see struct
     * nsod_emc_entry). */
    atomic_read_explicit(&svc->epoch, &epoch, memory_order_acquire);
    cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);

    ovs_assert(n <= NSOD_BATCH_MAX);
    if (!cfg) {
        for (size_t i = 0; i < n; i++) {
            ids[i] = NSOD_NO_BACKEND;
        }
        return;
    }
    if (cfg->classifier == NSOD_CLS_5TUPLE && !cfg->n_hosts) {
        pick_batch_5tuple(svc, cfg, epoch, frames, lens, n, now, ids);
    } else {
        pick_batch_keyed(svc, cfg, frames, lens, n, now, ids);
    }
}

/* Counts, for each 0 <= i < n, 'n_packets[i]' packets of 'n_bytes[i]'
 * bytes sent by 'svc' to backend 'backend_ids[i]' (nothing if it is 0
 * packets or the backend is gone).  Once per batch: in the calling thread's
 * own traffic slot, with plain loads and stores. */
void
nsod_account(struct nsod_service *svc, const uint32_t backend_ids[],
             const size_t n_packets[], const size_t n_bytes[], size_t n)
{
    const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);
    unsigned int slot;

    if (!cfg) {
        return;
    }
    slot = nsod_thread_get()->traffic_slot;
    for (size_t i = 0; i < n; i++) {
        const struct cfg_backend *cb;
        unsigned long long int orig;
        struct nsod_traffic *t;

        if (!n_packets[i]) {
            continue;
        }
        cb = cfg_backend_by_id(cfg, backend_ids[i]);
        if (!cb) {
            continue;
        }
        t = &cb->b->traffic[slot];
        if (OVS_LIKELY(slot)) {
            /* This thread's own slot: no other thread writes it. */
            atomic_read_relaxed(&t->packets, &orig);
            atomic_store_relaxed(&t->packets, orig + n_packets[i]);
            atomic_read_relaxed(&t->bytes, &orig);
            atomic_store_relaxed(&t->bytes, orig + n_bytes[i]);
        } else {
            atomic_add_relaxed(&t->packets, n_packets[i], &orig);
            atomic_add_relaxed(&t->bytes, n_bytes[i], &orig);
        }
    }
}

/* Expiry (main thread). */

/* Removes the sessions of every service that had no packet for the
 * service's idle timeout at 'now' (ms).  The table is scanned without the
 * lock; expired sessions are removed in batches of at most 64 per hold of
 * the lock, so that a PMD thread storing a new session waits little. */
void
nsod_run(long long int now)
{
    struct nsod_service *svc;

    CMAP_FOR_EACH (svc, name_node, &services_by_name) {
        const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *,
                                                &svc->cfg);
        struct nsod_session *expired[64];   /* Per hold of the mutex. */
        struct cmap_cursor cursor;
        size_t n = 0;

        if (!cfg) {
            continue;
        }
        cursor = cmap_cursor_start(&svc->sessions);
        for (;;) {
            struct nsod_session *s = (cursor.node
                                      ? CONTAINER_OF(cursor.node,
                                                     struct nsod_session,
                                                     node)
                                      : NULL);
            if (s) {
                if (session_idle(s, now) >= cfg->idle_timeout) {
                    expired[n++] = s;
                }
                cmap_cursor_advance(&cursor);
            }
            if (n == ARRAY_SIZE(expired) || (!s && n)) {
                long long int orig;
                size_t n_removed = 0;

                ovs_mutex_lock(&svc->mutex);
                for (size_t i = 0; i < n; i++) {
                    uint32_t id;

                    /* The cursor may meet a session twice (concurrent
                     * inserts move nodes between buckets). */
                    if (expired[i]->dead) {
                        continue;
                    }
                    if (session_idle(expired[i], now) < cfg->idle_timeout) {
                        continue;
                    }
                    expired[i]->dead = true;
                    atomic_read_relaxed(&expired[i]->backend, &id);
                    cmap_remove(&svc->sessions, &expired[i]->node,
                                expired[i]->key.hash);
                    atomic_sub_relaxed(&svc->n_sessions, 1, &orig);
                    backend_sessions_add(svc, id, -1);
                    expired[n_removed++] = expired[i];
                    COVERAGE_INC(nsod_session_expired);
                }
                ovs_mutex_unlock(&svc->mutex);
                if (n_removed) {
                    /* No PMD thread's cache may keep them once freed. */
                    service_new_epoch(svc);
                    for (size_t i = 0; i < n_removed; i++) {
                        ovsrcu_postpone(session_free, expired[i]);
                    }
                }
                n = 0;
            }
            if (!s) {
                break;
            }
        }
    }
}

/* Observability. */

/* Stores in '*packets' and '*bytes' what 'svc' has sent to its backends. */
static void
service_totals(const struct nsod_service *svc,
               unsigned long long int *packets, unsigned long long int *bytes)
{
    struct nsod_backend *b;

    *packets = svc->retired_packets;
    *bytes = svc->retired_bytes;
    HMAP_FOR_EACH (b, name_node, &svc->backends) {
        unsigned long long int bp, bb;

        backend_traffic(b, &bp, &bb);
        *packets += bp;
        *bytes += bb;
    }
}

static const char *
state_to_string(enum nsod_backend_state state)
{
    return (state == NSOD_BACKEND_DRAINING ? "draining"
            : state == NSOD_BACKEND_DOWN ? "down" : "active");
}

static struct nsod_service *
find_by_cstr(const char *name)
{
    return nsod_service_find(name, strlen(name));
}

static void
show_service(const struct nsod_service *svc, struct ds *ds)
{
    const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);
    unsigned long long int packets, bytes, fallbacks, total, full, none;
    long long int n_sessions;

    service_totals(svc, &packets, &bytes);
    atomic_read_relaxed(&CONST_CAST(struct nsod_service *, svc)->fallbacks,
                        &fallbacks);
    atomic_read_relaxed(
        &CONST_CAST(struct nsod_service *, svc)->sessions_total, &total);
    atomic_read_relaxed(&CONST_CAST(struct nsod_service *, svc)->table_full,
                        &full);
    atomic_read_relaxed(&CONST_CAST(struct nsod_service *, svc)->no_backend,
                        &none);
    atomic_read_relaxed(&CONST_CAST(struct nsod_service *, svc)->n_sessions,
                        &n_sessions);

    ds_put_format(ds, "service %s: classifier %s, policy %s, "
                  "idle_timeout %lld ms, max_sessions %"PRIu32"\n",
                  svc->name, nsod_classifier_to_string(cfg->classifier),
                  nsod_policy_to_string(cfg->policy), cfg->idle_timeout,
                  cfg->max_sessions);
    ds_put_format(ds, "  packets %llu, bytes %llu, sessions %lld "
                  "(%llu placed), classifier fallbacks %llu, "
                  "not stored (table full) %llu, dropped (no backend) "
                  "%llu\n", packets, bytes, n_sessions, total, fallbacks,
                  full, none);
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        ds_put_format(ds, "  host %s: pool %s\n", cfg->hosts[i].pattern,
                      cfg->pools[cfg->hosts[i].pool].name);
    }
    for (size_t i = 0; i < cfg->n_backends; i++) {
        const struct cfg_backend *cb = &cfg->backends[i];
        struct nsod_backend *b = cb->b;
        unsigned long long int bp, bb, bt;
        long long int bs;

        backend_traffic(b, &bp, &bb);
        atomic_read_relaxed(&b->sessions, &bs);
        atomic_read_relaxed(&b->sessions_total, &bt);
        ds_put_format(ds, "  backend %s: port %"PRIu32, b->name,
                      ofp_to_u16(cb->branch.ofport));
        if (cb->branch.ofport == OFPP_NONE) {
            ds_put_cstr(ds, " (not attached)");
        }
        if (cb->branch.vlan >= 0) {
            ds_put_format(ds, ", vlan %d", cb->branch.vlan);
        }
        if (cb->branch.has_mac) {
            ds_put_format(ds, ", mac "ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(cb->branch.mac));
        }
        if (cb->pool >= 0) {
            ds_put_format(ds, ", pool %s", cfg->pools[cb->pool].name);
        }
        ds_put_format(ds, ", weight %"PRIu32", %s: packets %llu, bytes "
                      "%llu, sessions %lld (%llu placed)\n", cb->weight,
                      state_to_string(cb->state), bp, bb, MAX(bs, 0), bt);
    }
}

/* Appends to 'ds' the state and counters of service 'name', or of every
 * service if 'name' is NULL. */
void
nsod_show(const char *name, struct ds *ds)
{
    if (name) {
        struct nsod_service *svc = find_by_cstr(name);
        if (svc) {
            show_service(svc, ds);
        } else {
            ds_put_format(ds, "no service %s\n", name);
        }
        return;
    }

    const struct nsod_service **all = NULL;
    size_t n = 0, allocated = 0;
    struct nsod_service *svc;
    CMAP_FOR_EACH (svc, name_node, &services_by_name) {
        if (n >= allocated) {
            all = x2nrealloc(all, &allocated, sizeof *all);
        }
        all[n++] = svc;
    }
    /* Sorted by name, for stable output. */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && strcmp(all[j - 1]->name,
                                           all[j]->name) > 0; j--) {
            const struct nsod_service *tmp = all[j];
            all[j] = all[j - 1];
            all[j - 1] = tmp;
        }
    }
    for (size_t i = 0; i < n; i++) {
        show_service(all[i], ds);
    }
    if (!n) {
        ds_put_cstr(ds, "no NSOD service\n");
    }
    free(all);
}

/* Appends to 'ds' up to 'max' sessions of service 'name', one per line:
 * key, backend, idle time.  Returns false if there is no such service. */
bool
nsod_sessions(const char *name, size_t max, struct ds *ds)
{
    struct nsod_service *svc = find_by_cstr(name);
    if (!svc) {
        return false;
    }

    const struct nsod_cfg *cfg = ovsrcu_get(struct nsod_cfg *, &svc->cfg);
    long long int now = time_msec();
    struct nsod_session *s;
    size_t n = 0;
    long long int n_sessions;

    atomic_read_relaxed(&svc->n_sessions, &n_sessions);
    ds_put_format(ds, "service %s: %lld sessions\n", svc->name, n_sessions);
    CMAP_FOR_EACH (s, node, &svc->sessions) {
        if (n++ >= max) {
            ds_put_format(ds, "... (first %"PRIuSIZE" shown)\n", max);
            break;
        }

        const struct cfg_backend *cb;
        uint32_t id;

        atomic_read_relaxed(&s->backend, &id);
        cb = cfg ? cfg_backend_by_id(cfg, id) : NULL;
        nsod_key_format(&s->key, ds);
        ds_put_format(ds, " backend=%s idle=%lldms age=%lldms\n",
                      cb ? cb->b->name : "(gone)", session_idle(s, now),
                      now - s->created);
    }
    return true;
}

bool
nsod_service_stats(const char *name, struct nsod_stats *stats,
                   uint64_t *fallbacks)
{
    struct nsod_service *svc = find_by_cstr(name);
    unsigned long long int v;
    long long int live;

    if (!svc) {
        return false;
    }
    unsigned long long int packets, bytes;
    service_totals(svc, &packets, &bytes);
    stats->packets = packets;
    stats->bytes = bytes;
    atomic_read_relaxed(&svc->n_sessions, &live);
    stats->sessions = MAX(live, 0);
    atomic_read_relaxed(&svc->sessions_total, &v);
    stats->sessions_total = v;
    atomic_read_relaxed(&svc->fallbacks, &v);
    *fallbacks = v;
    return true;
}

bool
nsod_backend_stats(const char *service, const char *backend,
                   struct nsod_stats *stats)
{
    struct nsod_service *svc = find_by_cstr(service);
    struct nsod_backend *b = svc ? backend_find(svc, backend) : NULL;
    unsigned long long int v;
    long long int live;

    if (!b) {
        return false;
    }
    unsigned long long int bytes;

    backend_traffic(b, &v, &bytes);
    stats->packets = v;
    stats->bytes = bytes;
    atomic_read_relaxed(&b->sessions, &live);
    stats->sessions = MAX(live, 0);
    atomic_read_relaxed(&b->sessions_total, &v);
    stats->sessions_total = v;
    return true;
}
