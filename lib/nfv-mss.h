/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_LIB_NFV_MSS_H
#define NFV_LIB_NFV_MSS_H 1

/* TCP MSS clamping: the clamp_mss(MSS) action.
 *
 * A TCP segment with SYN set (a SYN or a SYN-ACK) that carries a Maximum
 * Segment Size option (RFC 9293 section 3.7.1, option kind 2, length 4)
 * larger than MSS leaves with MSS in that option and its TCP checksum
 * updated incrementally (RFC 1624).  Everything else passes unchanged.
 * IPv4 and IPv6.  Clamping both directions of a connection takes the
 * action on both directions' flows.
 *
 * Translation emits the datapath action only for TCP packets with SYN set
 * (the megaflow matches the SYN bit), so other traffic pays nothing. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_packet;
struct flow;
struct flow_wildcards;
struct netdev;
struct ofpbuf;
struct smap;

#define MSS_CLAMP_MIN 88        /* Bytes; Linux's TCP_MIN_MSS. */
#define MSS_CLAMP_MAX 65495     /* Bytes; 65535 - IPv4 and TCP headers. */

extern const struct nfv_action_class mss_clamp_class;

bool mss_clamp_packet(struct dp_packet *, uint16_t mss);

/* Automatic clamping on tunnel interfaces of the userspace datapath.
 *
 * mss_tunnel_configure() takes the clamp setting of every tunnel interface
 * that has one, keyed by interface name: "auto" (the MSS that fits the
 * underlay MTU, see mss_tunnel_xlate()) or a number of bytes.  Called by
 * ovs-vswitchd's main thread; translation threads see the new setting via
 * RCU. */
bool mss_tunnel_parse(const char *, unsigned int *mss);
void mss_tunnel_configure(const struct smap *settings);
void mss_tunnel_xlate(const char *tunnel, const struct netdev *underlay,
                      size_t header_len, const struct flow *,
                      struct flow_wildcards *, struct ofpbuf *odp_actions);

#endif /* nfv-mss.h */
