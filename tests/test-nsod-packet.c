/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovstest test-nsod-packet
 *
 * Checks nsod_push_vlan() (nsod/nsod-packet.h) against upstream's
 * eth_push_vlan(): for frames of 0 to 1514 bytes, headroom of 0 to 128
 * bytes, layer offsets set or not, and TCIs with and without the DEI bit,
 * both must leave the same bytes, size and layer offsets.  Prints the
 * number of cases and exits 0, or prints the first difference and exits
 * 1. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "nfv/nsod/nsod-packet.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "random.h"
#include "tests/ovstest.h"
#include "util.h"

/* Returns a packet of 'size' bytes 'data' after 'headroom' bytes, with
 * layer offsets 'l2_5', 'l3' and 'l4' (UINT16_MAX: unset). */
static struct dp_packet *
make_packet(const uint8_t *data, size_t size, size_t headroom,
            uint16_t l2_5, uint16_t l3, uint16_t l4)
{
    struct dp_packet *p = dp_packet_clone_data_with_headroom(data, size,
                                                             headroom);
    p->l2_5_ofs = l2_5;
    p->l3_ofs = l3;
    p->l4_ofs = l4;
    return p;
}

static void
test_nsod_packet_main(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    static const size_t sizes[] = { 0, 11, 12, 13, 14, 18, 60, 64, 1514 };
    static const size_t headrooms[] = { 0, 2, 3, 4, 5, 128 };
    static const uint16_t tcis[] = { 0x0065, 0x1065, 0xe000, 0xffff };
    static const uint16_t tpids[] = { ETH_TYPE_VLAN_8021Q,
                                      ETH_TYPE_VLAN_8021AD };
    uint8_t data[1514];
    size_t cases = 0;

    random_init();
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = random_uint8();
    }
    for (size_t si = 0; si < ARRAY_SIZE(sizes); si++) {
        for (size_t hi = 0; hi < ARRAY_SIZE(headrooms); hi++) {
            for (size_t ti = 0; ti < ARRAY_SIZE(tcis); ti++) {
                for (int set = 0; set < 2; set++) {
                    size_t size = sizes[si];
                    ovs_be16 tpid = htons(tpids[ti % 2]);
                    ovs_be16 tci = htons(tcis[ti]);
                    uint16_t l2_5 = set ? 14 : UINT16_MAX;
                    uint16_t l3 = set ? 14 : UINT16_MAX;
                    uint16_t l4 = set ? 34 : UINT16_MAX;
                    struct dp_packet *a, *b;

                    if (size < 2 * ETH_ADDR_LEN) {
                        /* eth_push_vlan() itself needs the addresses;
                         * nsod_push_vlan() hands such frames to it. */
                        continue;
                    }
                    a = make_packet(data, size, headrooms[hi], l2_5, l3, l4);
                    b = make_packet(data, size, headrooms[hi], l2_5, l3, l4);
                    eth_push_vlan(a, tpid, tci);
                    nsod_push_vlan(b, tpid, tci);
                    if (dp_packet_size(a) != dp_packet_size(b)
                        || memcmp(dp_packet_data(a), dp_packet_data(b),
                                  dp_packet_size(a))
                        || a->l2_5_ofs != b->l2_5_ofs
                        || a->l3_ofs != b->l3_ofs
                        || a->l4_ofs != b->l4_ofs) {
                        printf("size %"PRIuSIZE", headroom %"PRIuSIZE", "
                               "tci %#x, offsets %s: nsod_push_vlan() "
                               "differs from eth_push_vlan()\n", size,
                               headrooms[hi], tcis[ti],
                               set ? "set" : "unset");
                        exit(1);
                    }
                    dp_packet_delete(a);
                    dp_packet_delete(b);
                    cases++;
                }
            }
        }
    }
    printf("%"PRIuSIZE" cases, all equal\n", cases);
}

OVSTEST_REGISTER("test-nsod-packet", test_nsod_packet_main);
