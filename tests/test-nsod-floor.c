/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovstest test-nsod-floor [TABLE_MIB [PACKETS]]
 *
 * What one random memory access per packet costs on this machine next to
 * the memory traffic of nfv-bench's replay, with no NSOD code at all: the
 * floor under any per-session lookup at many live sessions.
 *
 * Each "packet" copies 128 bytes from a buffer of 2,500 MiB at a stride of
 * 2,560 bytes, as net_pcap's replay copies each frame out of the next of
 * its 1,000,000 mbufs (about 2.5 KiB apart).  In batches of 32 (a PMD
 * thread's burst), it then either does nothing more ("stream"), or reads
 * and writes one random 64-byte line of a table of TABLE_MIB MiB (default
 * 64), prefetched for the whole batch first as NSOD's lookups are
 * ("+1 line"), or reads two such lines, the second's address taken from
 * the first ("+2 dependent lines", the shape of a bucket-then-record
 * lookup).  Both buffers are asked for transparent huge pages.  Prints
 * TSC cycles per packet for each, for PACKETS packets (default 20,000,000)
 * each; x86 only (prints 0 elsewhere).  For the benchmarks page; no figure
 * is checked. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"
#include "nfv/tests/test-nsod-tsc.h"
#include "openvswitch/util.h"
#include "tests/ovstest.h"
#include "util.h"

#define FLOOR_BATCH 32
#define FLOOR_STREAM_MIB 2500
#define FLOOR_STRIDE 2560       /* Bytes between two frames' copies. */
#define FLOOR_COPY 128          /* Bytes copied per frame. */

/* Returns 'size' bytes, 2 MiB aligned, all bytes 1.  With 'huge', asks
 * for transparent huge pages (MADV_HUGEPAGE); otherwise asks for none
 * (MADV_NOHUGEPAGE), as plain malloc() memory gets with Debian's default
 * "madvise" setting. */
static uint8_t *
floor_alloc(size_t size, bool huge)
{
    uint8_t *p = xmalloc_size_align(size, 2 * 1024 * 1024);

#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#endif
    memset(p, 1, size);
    return p;
}

/* Returns line number 'seq''s pseudo-random line of a table of 'n_lines'
 * lines (at most 2**32): upstream's hash_uint64() of 'seq' (each packet's
 * line depends only on its own number, not on the previous packet's, so
 * the core computes a batch's lines at once, as it does a batch's
 * hashes), scaled into [0, n_lines) by a multiplication instead of a
 * division, which would cost more than the cached access it places. */
static inline size_t
floor_line(uint64_t seq, size_t n_lines)
{
    return ((uint64_t) hash_uint64(seq) * n_lines) >> 32;
}

/* Runs 'n_packets' packets with 'lines' (0, 1 or 2) random lines each from
 * 'table' ('n_lines' lines of 64 bytes), copying from 'stream' ('stream_size'
 * bytes).  Returns TSC cycles per packet. */
static double
floor_run(uint8_t *stream, size_t stream_size, uint8_t *table,
          size_t n_lines, int lines, long n_packets)
{
    uint8_t copies[FLOOR_BATCH][FLOOR_COPY];
    size_t offset = 0;
    uint64_t sum = 0;
    uint64_t start = nsod_test_tsc();

    for (long i = 0; i < n_packets; i += FLOOR_BATCH) {
        uint8_t *rows[FLOOR_BATCH];

        for (int k = 0; k < FLOOR_BATCH; k++) {
            memcpy(copies[k], stream + offset, FLOOR_COPY);
            offset += FLOOR_STRIDE;
            if (offset + FLOOR_COPY > stream_size) {
                offset = 0;
            }
        }
        if (lines) {
            for (int k = 0; k < FLOOR_BATCH; k++) {
                rows[k] = table + floor_line(i + k, n_lines) * 64;
                OVS_PREFETCH(rows[k]);
            }
            for (int k = 0; k < FLOOR_BATCH; k++) {
                uint64_t v;

                memcpy(&v, rows[k], sizeof v);
                if (lines > 1) {
                    /* The second line's address depends on the first's
                     * contents (all ones here: the same pseudo-random
                     * spread, after the first read completes). */
                    uint8_t *next = table + floor_line(v + ~(i + k), n_lines)
                                            * 64;
                    uint64_t w;

                    memcpy(&w, next, sizeof w);
                    v += w;
                }
                sum += v;
                memcpy(rows[k] + 8, &i, sizeof i);
            }
        }
        sum += copies[i % FLOOR_BATCH][5];
    }
    if (sum == 42) {
        putchar(' ');           /* Keeps 'sum' (and the reads) alive. */
    }
    return (double) (nsod_test_tsc() - start) / n_packets;
}

static void
test_nsod_floor_main(int argc, char *argv[])
{
    size_t table_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    long n_packets = argc > 2 ? atol(argv[2]) : 20000000;

    if (!table_mib || table_mib > 4096 || n_packets <= 0) {
        ovs_fatal(0, "usage: test-nsod-floor [TABLE_MIB (1 to 4096) "
                  "[PACKETS]]");
    }

    size_t stream_size = (size_t) FLOOR_STREAM_MIB * 1024 * 1024;
    size_t table_size = table_mib * 1024 * 1024;
    size_t n_lines = table_size / 64;
    uint8_t *stream = floor_alloc(stream_size, true);

    for (int huge = 1; huge >= 0; huge--) {
        uint8_t *table = floor_alloc(table_size, huge);

        /* One unmeasured pass warms the page tables. */
        floor_run(stream, stream_size, table, n_lines, 1, n_packets / 4);
        double base = floor_run(stream, stream_size, table, n_lines, 0,
                                n_packets);
        double one = floor_run(stream, stream_size, table, n_lines, 1,
                               n_packets);
        double two = floor_run(stream, stream_size, table, n_lines, 2,
                               n_packets);

        printf("table %"PRIuSIZE" MiB on %s pages: stream %.1f "
               "cycles/packet, +1 line %.1f (%+.1f), +2 dependent lines "
               "%.1f (%+.1f)\n", table_mib, huge ? "2 MiB" : "4 KiB", base,
               one, one - base, two, two - base);
        free_size_align(table);
    }
    free_size_align(stream);
}

OVSTEST_REGISTER("test-nsod-floor", test_nsod_floor_main);
