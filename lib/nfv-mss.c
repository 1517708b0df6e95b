/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/lib/nfv-mss.h"

#include <string.h>

#include "coverage.h"
#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "netdev.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "simap.h"
#include "smap.h"
#include "util.h"

#include "nfv/lib/nfv-action.h"

COVERAGE_DEFINE(mss_clamped);
COVERAGE_DEFINE(mss_bad_tcp_header);
COVERAGE_DEFINE(mss_bad_tcp_option);

/* TCP option kinds, RFC 9293 section 3.2. */
#define MSS_TCPOPT_EOL 0
#define MSS_TCPOPT_NOP 1
#define MSS_TCPOPT_MSS 2
#define MSS_TCPOPT_MSS_LEN 4

static uint16_t
mss_swap(uint16_t x)
{
    return (x << 8) | (x >> 8);
}

/* Clamps the MSS option of 'packet', whose L4 header (dp_packet_l4()) must
 * be TCP, to at most 'mss' bytes: if the segment has SYN set and carries an
 * MSS option above 'mss', rewrites the option and updates the TCP checksum
 * incrementally (RFC 1624).  Options are read within the TCP header only; a
 * header or option list that does not fit leaves the packet unchanged and
 * is counted (coverage counters mss_bad_tcp_header, mss_bad_tcp_option).
 * Returns true if the packet was changed. */
bool
mss_clamp_packet(struct dp_packet *packet, uint16_t mss)
{
    uint8_t *tcp = dp_packet_l4(packet);
    size_t l4_size = tcp ? dp_packet_l4_size(packet) : 0;

    if (l4_size < TCP_HEADER_LEN) {
        COVERAGE_INC(mss_bad_tcp_header);
        return false;
    }

    struct tcp_header *th = ALIGNED_CAST(struct tcp_header *, tcp);
    if (!(TCP_FLAGS(th->tcp_ctl) & TCP_SYN)) {
        return false;
    }
    size_t hdr_len = TCP_OFFSET(th->tcp_ctl) * 4;
    if (hdr_len < TCP_HEADER_LEN || hdr_len > l4_size) {
        COVERAGE_INC(mss_bad_tcp_header);
        return false;
    }

    size_t ofs = TCP_HEADER_LEN;
    while (ofs < hdr_len) {
        uint8_t kind = tcp[ofs];

        if (kind == MSS_TCPOPT_EOL) {
            break;
        } else if (kind == MSS_TCPOPT_NOP) {
            ofs++;
            continue;
        }

        if (hdr_len - ofs < 2 || tcp[ofs + 1] < 2
            || tcp[ofs + 1] > hdr_len - ofs) {
            COVERAGE_INC(mss_bad_tcp_option);
            return false;
        }
        if (kind == MSS_TCPOPT_MSS) {
            if (tcp[ofs + 1] != MSS_TCPOPT_MSS_LEN) {
                COVERAGE_INC(mss_bad_tcp_option);
                return false;
            }

            uint8_t *value = &tcp[ofs + 2];
            uint16_t old = (value[0] << 8) | value[1];
            if (old <= mss) {
                return false;
            }
            value[0] = mss >> 8;
            value[1] = mss;

            if (!dp_packet_hwol_tx_l4_checksum(packet)) {
                /* The checksum sums 16-bit words from the start of the TCP
                 * header; a value at an odd offset straddles two words and
                 * contributes byte-swapped. */
                bool odd = (ofs + 2) & 1;
                th->tcp_csum = recalc_csum16(th->tcp_csum,
                                             htons(odd ? mss_swap(old) : old),
                                             htons(odd ? mss_swap(mss) : mss));
            }
            COVERAGE_INC(mss_clamped);
            return true;
        }
        ofs += tcp[ofs + 1];
    }
    return false;
}

/* clamp_mss(MSS): arguments are MSS as ovs_be16, in bytes. */

static char *
mss_parse(const char *arg, struct ofpbuf *args)
{
    unsigned int mss;

    if (!str_to_uint(arg, 10, &mss)
        || mss < MSS_CLAMP_MIN || mss > MSS_CLAMP_MAX) {
        return xasprintf("clamp_mss: \"%s\": expected an MSS in bytes, "
                         "%d to %d", arg, MSS_CLAMP_MIN, MSS_CLAMP_MAX);
    }
    ovs_be16 value = htons(mss);
    ofpbuf_put(args, &value, sizeof value);
    return NULL;
}

static uint16_t
mss_get(const void *args)
{
    ovs_be16 value;

    memcpy(&value, args, sizeof value);
    return ntohs(value);
}

static enum ofperr
mss_decode(const void *args, size_t len)
{
    if (len != sizeof(ovs_be16)) {
        return OFPERR_OFPBAC_BAD_LEN;
    }
    uint16_t mss = mss_get(args);
    return (mss < MSS_CLAMP_MIN || mss > MSS_CLAMP_MAX
            ? OFPERR_OFPBAC_BAD_ARGUMENT : 0);
}

static void
mss_format(const void *args, size_t len OVS_UNUSED, struct ds *s)
{
    ds_put_format(s, "clamp_mss(%"PRIu16")", mss_get(args));
}

static void
mss_odp_format(const void *args, size_t len, struct ds *s)
{
    if (len == sizeof(ovs_be16)) {
        ds_put_format(s, "%"PRIu16, mss_get(args));
    } else {
        ds_put_format(s, "<bad length %"PRIuSIZE">", len);
    }
}

/* Only a TCP packet with SYN set gets the datapath action; the megaflow
 * then matches the protocol and the SYN bit. */
static void
mss_xlate(const void *args, size_t len, const struct flow *flow,
          struct flow_wildcards *wc, struct ofpbuf *odp_actions,
          const struct nfv_xlate_branch *branch OVS_UNUSED)
{
    if (is_tcp(flow, wc)) {
        wc->masks.tcp_flags |= htons(TCP_SYN);
        if (flow->tcp_flags & htons(TCP_SYN)) {
            nfv_odp_put(odp_actions, NFV_ACTION_CLAMP_MSS, args, len);
        }
    }
}

static bool
mss_execute(void *dp OVS_UNUSED, struct dp_packet_batch *batch,
            bool steal OVS_UNUSED, const void *args, size_t len OVS_UNUSED,
            odp_execute_cb dp_execute_action OVS_UNUSED)
{
    uint16_t mss = mss_get(args);
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        mss_clamp_packet(packet, mss);
    }
    return false;
}

const struct nfv_action_class mss_clamp_class = {
    .name = "clamp_mss",
    .kind = NFV_ACTION_CLAMP_MSS,
    .parse = mss_parse,
    .decode = mss_decode,
    .format = mss_format,
    .xlate = mss_xlate,
    .execute = mss_execute,
    .odp_parse = mss_parse,
    .odp_format = mss_odp_format,
};

/* Automatic clamping on tunnel interfaces. */

/* Tunnel interface name -> configured MSS in bytes, 0 for "auto".  Written
 * by the main thread, read by translation threads. */
static OVSRCU_TYPE(struct simap *) tunnel_settings;

static void
tunnel_settings_free(struct simap *settings)
{
    simap_destroy(settings);
    free(settings);
}

/* Parses one tunnel clamp setting: "auto" gives 0 in '*mss', a number of
 * bytes from MSS_CLAMP_MIN to MSS_CLAMP_MAX gives that number.  Returns
 * false for anything else. */
bool
mss_tunnel_parse(const char *s, unsigned int *mss)
{
    if (!strcmp(s, "auto")) {
        *mss = 0;
        return true;
    }
    return (str_to_uint(s, 10, mss)
            && *mss >= MSS_CLAMP_MIN && *mss <= MSS_CLAMP_MAX);
}

/* Replaces the tunnel clamp settings by 'settings' (interface name ->
 * "auto" or an MSS in bytes; other values were refused by the caller and
 * are ignored here). */
void
mss_tunnel_configure(const struct smap *settings)
{
    struct simap *new = xmalloc(sizeof *new);
    struct smap_node *node;

    simap_init(new);
    SMAP_FOR_EACH (node, settings) {
        unsigned int mss;

        if (mss_tunnel_parse(node->value, &mss)) {
            simap_put(new, node->key, mss);
        }
    }

    struct simap *old = ovsrcu_get_protected(struct simap *,
                                             &tunnel_settings);
    ovsrcu_set(&tunnel_settings, new);
    if (old) {
        ovsrcu_postpone(tunnel_settings_free, old);
    }
}

/* Returns the MSS, in bytes, of a TCP segment of 'flow' that fills an
 * underlay MTU of 'mtu' bytes once encapsulated with 'header_len' bytes of
 * outer headers (outer Ethernet included, as in struct
 * ovs_action_push_tnl): the MTU minus the outer headers after Ethernet,
 * the inner Ethernet header and VLAN tags, and minimal inner IP and TCP
 * headers.  Un-wildcards the VLAN tags it counts. */
static int
mss_for_tunnel(int mtu, size_t header_len, const struct flow *flow,
               struct flow_wildcards *wc)
{
    int inner = ETH_HEADER_LEN + TCP_HEADER_LEN
                + (flow->dl_type == htons(ETH_TYPE_IPV6)
                   ? IPV6_HEADER_LEN : IP_HEADER_LEN);

    for (size_t i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        wc->masks.vlans[i].tci |= htons(VLAN_CFI);
        if (!(flow->vlans[i].tci & htons(VLAN_CFI))) {
            break;
        }
        inner += VLAN_HEADER_LEN;
    }
    return mtu - ((int) header_len - ETH_HEADER_LEN) - inner;
}

/* Translation of output to a tunnel interface of the userspace datapath
 * ("native tunneling"): if interface 'tunnel' has a clamp setting and
 * 'flow' is a TCP segment with SYN set, appends clamp_mss to 'odp_actions',
 * to run on the inner packet right before encapsulation.  With "auto" the
 * MSS fits the MTU of 'underlay', the device the encapsulated packet leaves
 * by, given 'header_len' bytes of outer headers; if that MTU is unknown or
 * leaves less than MSS_CLAMP_MIN, MSS_CLAMP_MIN is used. */
void
mss_tunnel_xlate(const char *tunnel, const struct netdev *underlay,
                 size_t header_len, const struct flow *flow,
                 struct flow_wildcards *wc, struct ofpbuf *odp_actions)
{
    struct simap *settings = ovsrcu_get(struct simap *, &tunnel_settings);
    struct simap_node *node = settings ? simap_find(settings, tunnel) : NULL;

    if (!node || !is_tcp(flow, wc)) {
        return;
    }
    wc->masks.tcp_flags |= htons(TCP_SYN);
    if (!(flow->tcp_flags & htons(TCP_SYN))) {
        return;
    }

    int mss = node->data;
    if (!mss) {
        int mtu;

        mss = (netdev_get_mtu(underlay, &mtu)
               ? MSS_CLAMP_MIN
               : MAX(mss_for_tunnel(mtu, header_len, flow, wc),
                     MSS_CLAMP_MIN));
    }
    ovs_be16 arg = htons(mss);
    nfv_odp_put(odp_actions, NFV_ACTION_CLAMP_MSS, &arg, sizeof arg);
}
