/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_NSOD_NSOD_PACKET_H
#define NFV_NSOD_NSOD_PACKET_H 1

/* Packet rewrites of the nsod action's per-packet path, inline. */

#include <string.h>
#include "dp-packet.h"
#include "packets.h"

/* Inserts an IEEE 802.1Q tag (IEEE 802.1Q-2018 section 9.3: TPID, then
 * PCP, DEI and VID) with TPID 'tpid' and TCI 'tci' (its DEI bit cleared)
 * after the Ethernet addresses of 'packet', and moves the packet's layer
 * offsets by the tag's 4 bytes: the same result as eth_push_vlan()
 * (tests/test-nsod-packet.c compares them), without its three calls when
 * the packet has 4 bytes of headroom, as DPDK mbufs and packets read from
 * kernel interfaces have.  A packet without the headroom, or shorter than
 * the 12 bytes of addresses, goes to eth_push_vlan(). */
static inline void
nsod_push_vlan(struct dp_packet *packet, ovs_be16 tpid, ovs_be16 tci)
{
    if (OVS_UNLIKELY(dp_packet_headroom(packet) < VLAN_HEADER_LEN
                     || dp_packet_size(packet) < 2 * ETH_ADDR_LEN)) {
        eth_push_vlan(packet, tpid, tci);
        return;
    }

    uint8_t *old = dp_packet_data(packet);
    uint8_t *new = old - VLAN_HEADER_LEN;
    ovs_be16 tag[2] = { tpid, tci & htons(~VLAN_CFI) };
    uint64_t head, tail;

    /* The 12 bytes of addresses move 4 bytes up: both loads before either
     * store, as the two ranges overlap. */
    memcpy(&head, old, sizeof head);
    memcpy(&tail, old + 4, sizeof tail);
    memcpy(new, &head, sizeof head);
    memcpy(new + 4, &tail, sizeof tail);
    memcpy(new + 2 * ETH_ADDR_LEN, tag, sizeof tag);

    dp_packet_set_data(packet, new);
    dp_packet_set_size(packet, dp_packet_size(packet) + VLAN_HEADER_LEN);
    if (packet->l2_5_ofs != UINT16_MAX) {
        packet->l2_5_ofs += VLAN_HEADER_LEN;
    }
    if (packet->l3_ofs != UINT16_MAX) {
        packet->l3_ofs += VLAN_HEADER_LEN;
    }
    if (packet->l4_ofs != UINT16_MAX) {
        packet->l4_ofs += VLAN_HEADER_LEN;
    }
}

#endif /* nsod-packet.h */
