/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovstest test-nsod-bench [SESSIONS [SECONDS]]
 *
 * NSOD's per-packet work alone, without a datapath: configures one service
 * ("bench", 5-tuple classifier, Maglev policy, four backends) and hands it
 * SESSIONS (default 10) distinct 60-byte IPv4/UDP frames (one per
 * session) in batches of NSOD_BATCH_MAX, as a PMD thread gets them from a
 * port replaying a pcap of them, for SECONDS (default 3) after one
 * unmeasured pass that creates the sessions.  Prints the sessions, the
 * packets picked, and the nanoseconds and TSC cycles (x86 only; 0
 * elsewhere) per packet.  NSOD's classification, session lookup and
 * placement only: no packet is rewritten or sent.  For comparing changes
 * to the NSOD module on one machine; the figures of record come from
 * utilities/nfv-bench (the whole datapath). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "nfv/nsod/nsod.h"
#include "nfv/tests/test-nsod-tsc.h"
#include "openvswitch/util.h"
#include "ovs-rcu.h"
#include "tests/ovstest.h"
#include "timeval.h"
#include "util.h"

#define BENCH_FRAME_LEN 60      /* Bytes, without the FCS. */

/* Writes into 'f' (BENCH_FRAME_LEN bytes) an Ethernet + IPv4 + UDP frame
 * whose source address and port encode 'i'. */
static void
bench_frame(uint8_t *f, uint32_t i)
{
    static const uint8_t head[] = {
        0x02, 0, 0, 0, 0, 0x02,         /* Destination MAC. */
        0x02, 0, 0, 0, 0, 0x01,         /* Source MAC. */
        0x08, 0x00,                     /* IPv4. */
        0x45, 0, 0, 46, 0, 0, 0, 0,     /* Version, IHL, length 46. */
        64, 17, 0, 0,                   /* TTL, UDP, checksum. */
    };
    memset(f, 0, BENCH_FRAME_LEN);
    memcpy(f, head, sizeof head);
    f[26] = 10;                         /* Source 10.x.y.z from 'i'. */
    f[27] = i >> 16;
    f[28] = i >> 8;
    f[29] = i;
    f[30] = 192;                        /* Destination 192.0.2.1. */
    f[31] = 0;
    f[32] = 2;
    f[33] = 1;
    f[34] = 0x80 | ((i >> 24) & 0x3f);  /* Source port. */
    f[35] = i & 0xff;
    f[36] = 0x13;                       /* Destination port 5060. */
    f[37] = 0xc4;
    f[38] = 0;                          /* UDP length 26. */
    f[39] = 26;
}

static void
test_nsod_bench_main(int argc, char *argv[])
{
    size_t n_sessions = argc > 1 ? strtoul(argv[1], NULL, 10) : 10;
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;

    if (!n_sessions || n_sessions > NSOD_MAX_SESSIONS_DEFAULT
        || seconds <= 0) {
        ovs_fatal(0, "usage: test-nsod-bench [SESSIONS (1 to %d) "
                  "[SECONDS]]", NSOD_MAX_SESSIONS_DEFAULT);
    }

    struct nsod_backend_config backends[4];
    for (int i = 0; i < ARRAY_SIZE(backends); i++) {
        backends[i] = (struct nsod_backend_config) {
            .name = xasprintf("vm%d", i + 1),
            .ofport = u16_to_ofp(2),
            .vlan = 101 + i,
            .weight = 1,
            .state = NSOD_BACKEND_ACTIVE,
        };
    }
    struct nsod_service_config cfg = {
        .name = "bench",
        .classifier = NSOD_CLS_5TUPLE,
        .policy = NSOD_POLICY_MAGLEV,
        .idle_timeout = 3600 * 1000,
        .max_sessions = NSOD_MAX_SESSIONS_DEFAULT,
        .backends = backends,
        .n_backends = ARRAY_SIZE(backends),
    };
    nsod_configure(&cfg, 1);
    struct nsod_service *svc = nsod_service_find("bench", 5);
    ovs_assert(svc);

    uint8_t *frames = xmalloc(n_sessions * BENCH_FRAME_LEN);
    for (size_t i = 0; i < n_sessions; i++) {
        bench_frame(frames + i * BENCH_FRAME_LEN, i);
    }

    /* One unmeasured pass creates the sessions; then batches of
     * NSOD_BATCH_MAX frames, taken from the frames in turn (as net_pcap
     * replays a pcap), until 'seconds' have gone by.  The thread quiesces
     * every 1024 batches, as a PMD thread does every so often. */
    unsigned long long int packets = 0;
    long long int start = 0, end;
    uint64_t tsc_start = 0, tsc_end;
    size_t next = 0;
    for (unsigned long long int b = 0; ; b++) {
        const void *batch[NSOD_BATCH_MAX];
        size_t lens[NSOD_BATCH_MAX];
        uint32_t ids[NSOD_BATCH_MAX];
        size_t n = NSOD_BATCH_MAX;

        if (!start && next + n >= n_sessions) {
            /* The last batch of the first pass. */
            n = n_sessions - next;
        }
        for (size_t j = 0; j < n; j++) {
            batch[j] = frames + next * BENCH_FRAME_LEN;
            lens[j] = BENCH_FRAME_LEN;
            next = next + 1 < n_sessions ? next + 1 : 0;
        }
        nsod_pick_batch(svc, batch, lens, n, time_msec(), ids);
        for (size_t j = 0; j < n; j++) {
            if (ids[j] == NSOD_NO_BACKEND) {
                ovs_fatal(0, "a frame got no backend");
            }
        }
        if (start) {
            packets += n;
        } else if (!next) {
            start = time_msec();
            tsc_start = nsod_test_tsc();
        }
        if (!(b % 1024)) {
            ovsrcu_quiesce();
            if (start && time_msec() - start >= seconds * 1000) {
                break;
            }
        }
    }
    end = time_msec();
    tsc_end = nsod_test_tsc();

    double ns = (end - start) * 1e6 / packets;
    printf("sessions %"PRIuSIZE", packets %llu, %.1f ns/packet, "
           "%.1f cycles/packet\n", n_sessions, packets, ns,
           (double) (tsc_end - tsc_start) / packets);

    for (int i = 0; i < ARRAY_SIZE(backends); i++) {
        free(CONST_CAST(char *, backends[i].name));
    }
    free(frames);
}

OVSTEST_REGISTER("test-nsod-bench", test_nsod_bench_main);
