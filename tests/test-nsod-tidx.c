/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovstest test-nsod-tidx [SESSIONS]
 *
 * NSOD's tuple index (the one-probe lookup of IPv4 5-tuple sessions, see
 * struct nsod_tidx in nsod/nsod.c) against the session table it
 * accelerates, through the same calls a PMD thread and the main thread
 * make.  SESSIONS (default 50,000: far more than the index's first 1,024
 * buckets hold, so that most are first refused and placed when the main
 * thread grows it, and enough for the per-thread exact-match cache to
 * stand aside) UDP
 * sessions, plus edge cases: a TCP session on the same addresses and ports
 * as a UDP one, and sessions whose two endpoints share the address (and
 * the port).  Checks, after each step, that nsod_tidx_check() finds the
 * index and the table in agreement (every IPv4 5-tuple session in the
 * index once, under its own backend, reachable from both directions of its
 * connection, but for fewer than 1 in 1,000 that the index refused):
 *
 *   - every frame is placed, and every later frame of its session, in
 *     either direction, reaches the same backend (over several passes);
 *   - the reply direction creates no session;
 *   - a backend added while the sessions live moves none of them;
 *   - a backend marked down loses its sessions to others, and the index
 *     follows the moves; the others keep theirs;
 *   - expiry removes exactly the sessions idle for the timeout (also from
 *     the index) and their next frames start new sessions.
 *
 * Prints one line per step and exits with status 0, or fails with a
 * message saying what differed. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "nfv/nsod/nsod.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "ovs-rcu.h"
#include "tests/ovstest.h"
#include "util.h"

#define FRAME_LEN 60            /* Bytes, without the FCS. */
#define N_EDGE 5                /* Edge-case sessions after the UDP ones. */
#define IDLE_TIMEOUT 10000      /* ms. */

/* Writes into 'f' an Ethernet + IPv4 frame of protocol 'proto' (6 or 17)
 * from 'src':'sport' to 'dst':'dport' (host order). */
static void
put_frame(uint8_t *f, uint8_t proto, uint32_t src, uint16_t sport,
          uint32_t dst, uint16_t dport)
{
    static const uint8_t eth[] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
    };
    uint8_t *ip = f + sizeof eth;

    memset(f, 0, FRAME_LEN);
    memcpy(f, eth, sizeof eth);
    ip[0] = 0x45;
    ip[3] = FRAME_LEN - sizeof eth;
    ip[8] = 64;
    ip[9] = proto;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = src >> (24 - 8 * i);
        ip[16 + i] = dst >> (24 - 8 * i);
    }
    ip[20] = sport >> 8;
    ip[21] = sport;
    ip[22] = dport >> 8;
    ip[23] = dport;
    if (proto == 6) {
        ip[32] = 0x50;              /* TCP data offset: 5 words. */
    } else {
        ip[25] = FRAME_LEN - sizeof eth - 20;
    }
}

struct tuple {
    uint8_t proto;
    uint32_t a, b;              /* Addresses. */
    uint16_t pa, pb;            /* Ports. */
};

/* The tuple of session 'i' of 'n' (the first n - N_EDGE are UDP). */
static struct tuple
session_tuple(size_t i, size_t n)
{
    size_t n_udp = n - N_EDGE;

    if (i < n_udp) {
        return (struct tuple) { 17, 0x0a000000 + (uint32_t) i, 0xc0000201,
                                0x8000 | (i & 0x3fff), 5060 };
    }
    switch (i - n_udp) {
    case 0:     /* The same addresses and ports as UDP session 0, TCP. */
        return (struct tuple) { 6, 0x0a000000, 0xc0000201, 0x8000, 5060 };
    case 1:     /* One address, two ports. */
        return (struct tuple) { 17, 0xc6336401, 0xc6336401, 2000, 1000 };
    case 2:     /* One address, one port. */
        return (struct tuple) { 17, 0xc6336402, 0xc6336402, 7, 7 };
    case 3:     /* Addresses that differ only in their last byte. */
        return (struct tuple) { 6, 0xc6336403, 0xc6336404, 443, 443 };
    default:    /* Addresses whose first bytes order them otherwise than
                 * their loaded words on a little-endian machine. */
        return (struct tuple) { 17, 0x01000002, 0x02000001, 53, 53 };
    }
}

struct tidx_test {
    struct nsod_service *svc;
    size_t n;                   /* Sessions. */
    uint8_t *fwd, *rev;         /* n frames each: both directions. */
    uint32_t *ids;              /* Each session's backend. */
};

/* Passes the frames of sessions [start, end) of 'frames' through
 * nsod_pick_batch() at 'now', in batches, storing their backends in
 * 'ids'. */
static void
pick_range(struct tidx_test *t, const uint8_t *frames, size_t start,
           size_t end, long long int now, uint32_t *ids)
{
    for (size_t i = start; i < end; i += NSOD_BATCH_MAX) {
        size_t n = MIN(NSOD_BATCH_MAX, end - i);
        const void *batch[NSOD_BATCH_MAX];
        size_t lens[NSOD_BATCH_MAX];

        for (size_t j = 0; j < n; j++) {
            batch[j] = frames + (i + j) * FRAME_LEN;
            lens[j] = FRAME_LEN;
        }
        nsod_pick_batch(t->svc, batch, lens, n, now, ids + i);
        ovsrcu_quiesce();
    }
}

/* Runs the main thread's periodic work at 'now' (nsod_run(): expiry, and
 * growth of the index), then checks the index against the session table
 * (nsod_tidx_check()): no problem, 'expected' live sessions, each in the
 * index or refused by it, and fewer than 1 in 1,000 refused.  Returns the
 * number refused. */
static size_t
check_index(struct tidx_test *t, size_t expected, long long int now,
            const char *step)
{
    struct ds problems = DS_EMPTY_INITIALIZER;
    struct nsod_stats stats;
    uint64_t fallbacks;
    size_t indexed, refused;

    nsod_run(now);
    ovsrcu_quiesce();
    indexed = nsod_tidx_check(t->svc, &refused, &problems);
    ovs_assert(nsod_service_stats("t", &stats, &fallbacks));
    if (problems.length) {
        ovs_fatal(0, "%s: the index and the session table disagree:\n%s",
                  step, ds_cstr(&problems));
    }
    if (stats.sessions != expected || indexed + refused != expected
        || refused * 1000 >= expected) {
        ovs_fatal(0, "%s: %"PRIu64" live sessions, %"PRIuSIZE" in the "
                  "index, %"PRIuSIZE" refused by it, %"PRIuSIZE" expected",
                  step, stats.sessions, indexed, refused, expected);
    }
    ds_destroy(&problems);
    return refused;
}

/* Checks that every session's frames, both ways, reach 't->ids'. */
static void
check_affinity(struct tidx_test *t, long long int now, const char *step)
{
    uint32_t *ids = xmalloc(t->n * sizeof *ids);

    for (int pass = 0; pass < 3; pass++) {
        for (int dir = 0; dir < 2; dir++) {
            pick_range(t, dir ? t->rev : t->fwd, 0, t->n, now, ids);
            for (size_t i = 0; i < t->n; i++) {
                if (ids[i] != t->ids[i]) {
                    ovs_fatal(0, "%s: pass %d, %s frame of session "
                              "%"PRIuSIZE" went to backend %"PRIu32", its "
                              "session is on %"PRIu32, step, pass,
                              dir ? "reply" : "first", i, ids[i],
                              t->ids[i]);
                }
            }
        }
    }
    free(ids);
}

static void
configure(int n_backends, int down)
{
    static const char *names[] = { "vm1", "vm2", "vm3", "vm4" };
    struct nsod_backend_config backends[4];

    for (int i = 0; i < n_backends; i++) {
        backends[i] = (struct nsod_backend_config) {
            .name = names[i],
            .ofport = u16_to_ofp(2 + i),
            .vlan = 101 + i,
            .weight = 1,
            .state = i == down ? NSOD_BACKEND_DOWN : NSOD_BACKEND_ACTIVE,
        };
    }

    struct nsod_service_config cfg = {
        .name = "t",
        .classifier = NSOD_CLS_5TUPLE,
        .policy = NSOD_POLICY_MAGLEV,
        .idle_timeout = IDLE_TIMEOUT,
        .max_sessions = NSOD_MAX_SESSIONS_DEFAULT,
        .backends = backends,
        .n_backends = n_backends,
    };
    nsod_configure(&cfg, 1);
}

/* Returns the backend id of the backend with VLAN 'vlan'. */
static uint32_t
backend_id(const struct nsod_service *svc, int vlan)
{
    struct nsod_branch_config branches[NSOD_MAX_BACKENDS];
    size_t n = nsod_service_branches(svc, branches, ARRAY_SIZE(branches));

    for (size_t i = 0; i < n; i++) {
        if (branches[i].vlan == vlan) {
            return branches[i].id;
        }
    }
    ovs_fatal(0, "no backend with VLAN %d", vlan);
}

static void
test_nsod_tidx_main(int argc, char *argv[])
{
    size_t n_udp = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
    long long int now = 1000000;
    struct tidx_test t;

    if (!n_udp || n_udp > 1000000) {
        ovs_fatal(0, "usage: test-nsod-tidx [SESSIONS (1 to 1000000)]");
    }
    configure(3, -1);
    t.svc = nsod_service_find("t", 1);
    ovs_assert(t.svc);
    t.n = n_udp + N_EDGE;
    t.fwd = xmalloc(t.n * FRAME_LEN);
    t.rev = xmalloc(t.n * FRAME_LEN);
    t.ids = xmalloc(t.n * sizeof *t.ids);
    for (size_t i = 0; i < t.n; i++) {
        struct tuple tp = session_tuple(i, t.n);

        put_frame(t.fwd + i * FRAME_LEN, tp.proto, tp.a, tp.pa, tp.b, tp.pb);
        put_frame(t.rev + i * FRAME_LEN, tp.proto, tp.b, tp.pb, tp.a, tp.pa);
    }

    /* Placement. */
    pick_range(&t, t.fwd, 0, t.n, now, t.ids);
    for (size_t i = 0; i < t.n; i++) {
        if (t.ids[i] == NSOD_NO_BACKEND) {
            ovs_fatal(0, "session %"PRIuSIZE" got no backend", i);
        }
    }
    /* Most of them did not fit in the index's first 1,024 buckets: the
     * session table serves them until the main thread grows it. */
    check_affinity(&t, now, "placement, before the index grows");
    check_index(&t, t.n, now, "placement");
    check_affinity(&t, now, "placement");
    check_index(&t, t.n, now, "placement, replies");
    printf("placement: %"PRIuSIZE" sessions, each on one backend both "
           "ways, in the index or (fewer than 1 in 1,000) refused by it\n",
           t.n);

    /* Scale out: a fourth backend moves no session. */
    configure(4, -1);
    check_affinity(&t, now, "scale out");
    check_index(&t, t.n, now, "scale out");
    printf("scale out: no session moved\n");

    /* vm2 down: its sessions move, the others stay. */
    uint32_t vm2 = backend_id(t.svc, 102);
    size_t moved = 0;
    uint32_t *ids = xmalloc(t.n * sizeof *ids);

    configure(4, 1);
    pick_range(&t, t.fwd, 0, t.n, now, ids);
    for (size_t i = 0; i < t.n; i++) {
        if (t.ids[i] == vm2) {
            if (ids[i] == vm2 || ids[i] == NSOD_NO_BACKEND) {
                ovs_fatal(0, "session %"PRIuSIZE" stayed on the down "
                          "backend", i);
            }
            t.ids[i] = ids[i];
            moved++;
        } else if (ids[i] != t.ids[i]) {
            ovs_fatal(0, "session %"PRIuSIZE" moved off a backend that is "
                      "up", i);
        }
    }
    if (!moved) {
        ovs_fatal(0, "no session was on vm2");
    }
    check_index(&t, t.n, now, "down");
    check_affinity(&t, now, "down");
    printf("down: the down backend's sessions moved, no other\n");

    /* Expiry: the second half is seen again later; the first half
     * expires. */
    size_t half = t.n / 2;
    pick_range(&t, t.fwd, half, t.n, now + IDLE_TIMEOUT / 2, ids);
    check_index(&t, t.n - half, now + IDLE_TIMEOUT + 1, "expiry");
    pick_range(&t, t.rev, half, t.n, now + IDLE_TIMEOUT + 2, ids);
    for (size_t i = half; i < t.n; i++) {
        if (ids[i] != t.ids[i]) {
            ovs_fatal(0, "expiry: session %"PRIuSIZE" changed backend", i);
        }
    }
    pick_range(&t, t.fwd, 0, half, now + IDLE_TIMEOUT + 2, t.ids);
    check_index(&t, t.n, now + IDLE_TIMEOUT + 2, "expiry, new sessions");
    check_affinity(&t, now + IDLE_TIMEOUT + 3, "expiry, new sessions");
    printf("expiry: %"PRIuSIZE" idle sessions removed, their next frames "
           "placed again\n", half);

    free(ids);
    free(t.fwd);
    free(t.rev);
    free(t.ids);
    nsod_configure(NULL, 0);
}

OVSTEST_REGISTER("test-nsod-tidx", test_nsod_tidx_main);
