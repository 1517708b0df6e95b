/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/lib/nfv-frag.h"

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "hash.h"
#include "netdev.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

#include "nfv/lib/nfv-action.h"

VLOG_DEFINE_THIS_MODULE(nfv_frag);

COVERAGE_DEFINE(frag_fragmented);       /* Packets sent as fragments. */
COVERAGE_DEFINE(frag_fragments_out);    /* Fragments sent. */
COVERAGE_DEFINE(frag_df_drop);          /* Too big with DF: dropped. */
COVERAGE_DEFINE(frag_fragments_in);     /* Fragments taken to reassemble. */
COVERAGE_DEFINE(frag_reassembled);      /* Datagrams completed. */
COVERAGE_DEFINE(frag_timeout);          /* Datagrams dropped incomplete. */
COVERAGE_DEFINE(frag_overlap);          /* Datagrams dropped: overlap. */
COVERAGE_DEFINE(frag_duplicate);        /* Duplicate fragments ignored. */
COVERAGE_DEFINE(frag_table_full);       /* Fragments dropped: no room. */
COVERAGE_DEFINE(frag_bad);              /* Malformed fragments dropped. */

/* Payload of the datapath action fragment. */
enum {
    FRAG_ODP_MTU = 1,                   /* u16: largest IP packet, bytes. */
    FRAG_ODP_ACTIONS = 2,               /* Nested datapath actions. */
};

/* Finds the IPv4 header of 'packet' (after Ethernet and up to two VLAN
 * tags) and checks that its lengths fit the packet.  Returns false if the
 * packet is not a well-formed IPv4 packet. */
bool
frag_parse(const struct dp_packet *packet, struct frag_ip *p)
{
    const uint8_t *data = dp_packet_data(packet);
    size_t size = dp_packet_size(packet);
    size_t ofs = ETH_ADDR_LEN * 2;
    ovs_be16 type;

    for (int i = 0; ; i++) {
        if (size < ofs + 2) {
            return false;
        }
        memcpy(&type, data + ofs, 2);
        if ((type != htons(ETH_TYPE_VLAN_8021Q)
             && type != htons(ETH_TYPE_VLAN_8021AD)) || i == 2) {
            break;
        }
        ofs += VLAN_HEADER_LEN;
    }
    ofs += 2;
    if (type != htons(ETH_TYPE_IP) || size < ofs + IP_HEADER_LEN) {
        return false;
    }

    p->ip = ALIGNED_CAST(struct ip_header *, data + ofs);
    p->l3 = ofs;
    p->ihl = IP_IHL(p->ip->ip_ihl_ver) * 4;
    p->tot = ntohs(p->ip->ip_tot_len);
    return (IP_VER(p->ip->ip_ihl_ver) == 4 && p->ihl >= IP_HEADER_LEN
            && p->tot >= p->ihl && ofs + p->tot <= size);
}

/* Fragmentation. */

/* Tunnel interface names that fragment.  Written by the main thread, read
 * by translation. */
static struct nfv_name_set frag_tunnels;

void
frag_tunnel_configure(const struct sset *tunnels)
{
    nfv_name_set_replace(&frag_tunnels, tunnels);
}

void
frag_tunnel_output_start(const char *tunnel, const struct netdev *underlay,
                         struct ofpbuf *odp_actions, struct nfv_wrap *w)
{
    int mtu;

    w->active = false;
    if (nfv_name_set_contains(&frag_tunnels, tunnel)
        && !netdev_get_mtu(underlay, &mtu)) {
        nfv_wrap_open(w, odp_actions, NFV_ACTION_FRAGMENT);
        nl_msg_put_u16(odp_actions, FRAG_ODP_MTU,
                       MIN(MAX(mtu, FRAG_MIN_MTU), UINT16_MAX));
        nfv_wrap_body(w, odp_actions, FRAG_ODP_ACTIONS);
    }
}

void
frag_tunnel_output_end(struct ofpbuf *odp_actions, struct nfv_wrap *w)
{
    nfv_wrap_close(w, odp_actions);
}

/* Adds 'packet' to 'out'; first runs 'actions' on what 'out' holds if it
 * is full or if its packets come from elsewhere than 'packet' (DPDK mbufs
 * and malloc()'d fragments: netdev-dpdk and the output batching look only
 * at a batch's first packet to know how to send all of them). */
void
frag_output(void *dp, struct dp_packet_batch *out, struct dp_packet *packet,
            const struct nlattr *actions, odp_execute_cb cb)
{
    if (dp_packet_batch_is_full(out)
        || (!dp_packet_batch_is_empty(out)
            && out->packets[0]->source != packet->source)) {
        odp_execute_actions(dp, out, true, nl_attr_get(actions),
                            nl_attr_get_size(actions), cb);
        dp_packet_batch_init(out);
    }
    dp_packet_batch_add(out, packet);
}

/* Sends 'packet' (owned) through 'actions' by way of 'out': as it is if it
 * is not an IPv4 packet longer than 'mtu' bytes, otherwise as fragments of
 * at most 'mtu' bytes (RFC 791 section 3.2, "An Example Fragmentation
 * Procedure"), or not at all if it says DF.  IP options are copied into
 * every fragment (outer headers of tunnels have none). */
static void
frag_packet(void *dp, struct dp_packet_batch *out, struct dp_packet *packet,
            size_t mtu, const struct nlattr *actions, odp_execute_cb cb)
{
    static atomic_count next_id = ATOMIC_COUNT_INIT(1);
    struct frag_ip p;

    if (!frag_parse(packet, &p)) {
        frag_output(dp, out, packet, actions, cb);
        return;
    }
    if (p.ip->ip_frag_off & htons(IP_DONT_FRAGMENT)) {
        if (p.tot <= mtu) {
            frag_output(dp, out, packet, actions, cb);
        } else {
            COVERAGE_INC(frag_df_drop);
            dp_packet_delete(packet);
        }
        return;
    }

    /* Without DF the packet may be fragmented, here or on the way, so it
     * needs an identification of its own (RFC 6864 section 4.1): tunnel
     * headers carry 0.  A packet that is already a fragment keeps its. */
    uint16_t frag_off = ntohs(p.ip->ip_frag_off);
    size_t base = (frag_off & IP_FRAG_OFF_MASK) * 8;
    bool more = frag_off & IP_MORE_FRAGMENTS;
    ovs_be16 id = p.ip->ip_id;
    if (!more && !base) {
        id = htons(atomic_count_inc(&next_id));
    }

    if (p.tot <= mtu) {
        if (id != p.ip->ip_id) {
            p.ip->ip_csum = recalc_csum16(p.ip->ip_csum, p.ip->ip_id, id);
            p.ip->ip_id = id;
        }
        frag_output(dp, out, packet, actions, cb);
        return;
    }

    const uint8_t *data = dp_packet_data(packet);
    size_t hdr = p.l3 + p.ihl;
    size_t chunk = (mtu - p.ihl) & ~(size_t) 7;
    size_t payload = p.tot - p.ihl;
    size_t n = 0;

    for (size_t ofs = 0; ofs < payload; ofs += chunk) {
        size_t len = MIN(chunk, payload - ofs);
        struct dp_packet *f = dp_packet_new_with_headroom(hdr + len, 128);
        struct ip_header *ip;

        dp_packet_put(f, data, hdr);
        dp_packet_put(f, data + hdr + ofs, len);
        f->md = packet->md;
        /* Later actions (e.g. set(ipv4(...))) find the IP header; only the
         * first fragment has an L4 header. */
        f->l2_5_ofs = packet->l2_5_ofs;
        f->l3_ofs = p.l3;
        f->l4_ofs = ofs || base ? UINT16_MAX : p.l3 + p.ihl;

        ip = ALIGNED_CAST(struct ip_header *,
                          (uint8_t *) dp_packet_data(f) + p.l3);
        ip->ip_tot_len = htons(p.ihl + len);
        ip->ip_id = id;
        ip->ip_frag_off = htons(((base + ofs) / 8)
                                | (more || ofs + len < payload
                                   ? IP_MORE_FRAGMENTS : 0));
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, p.ihl);
        frag_output(dp, out, f, actions, cb);
        n++;
    }
    COVERAGE_INC(frag_fragmented);
    COVERAGE_ADD(frag_fragments_out, n);
    dp_packet_delete(packet);
}

static bool
frag_execute(void *dp, struct dp_packet_batch *batch, bool steal,
             const void *args, size_t len, odp_execute_cb cb)
{
    const struct nlattr *actions = NULL;
    const struct nlattr *a;
    struct dp_packet_batch out;
    struct dp_packet *packet;
    size_t mtu = 0;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (nl_attr_type(a) == FRAG_ODP_MTU
            && nl_attr_get_size(a) == sizeof(uint16_t)) {
            mtu = nl_attr_get_u16(a);
        } else if (nl_attr_type(a) == FRAG_ODP_ACTIONS) {
            actions = a;
        }
    }
    if (!actions || mtu < FRAG_MIN_MTU) {
        /* Not made by translation: nothing to send the packets to. */
        if (steal) {
            dp_packet_delete_batch(batch, true);
            return true;
        }
        return false;
    }

    dp_packet_batch_init(&out);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        frag_packet(dp, &out, steal ? packet : dp_packet_clone(packet), mtu,
                    actions, cb);
    }
    if (!dp_packet_batch_is_empty(&out)) {
        odp_execute_actions(dp, &out, true, nl_attr_get(actions),
                            nl_attr_get_size(actions), cb);
    }
    if (steal) {
        dp_packet_batch_init(batch);
    }
    return steal;
}

static char *
frag_no_openflow(const char *arg OVS_UNUSED, struct ofpbuf *args OVS_UNUSED)
{
    return xstrdup("fragment: a datapath action that translation makes for "
                   "tunnel interfaces with other_config:nfv-fragment=true");
}

static void
frag_odp_format(const void *args, size_t len, struct ds *ds)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (nl_attr_type(a) == FRAG_ODP_MTU
            && nl_attr_get_size(a) == sizeof(uint16_t)) {
            ds_put_format(ds, "mtu=%"PRIu16",", nl_attr_get_u16(a));
        } else if (nl_attr_type(a) == FRAG_ODP_ACTIONS) {
            ds_put_cstr(ds, "actions(");
            format_odp_actions(ds, nl_attr_get(a), nl_attr_get_size(a),
                               NULL);
            ds_put_char(ds, ')');
        }
    }
}

const struct nfv_action_class frag_fragment_class = {
    .name = "fragment",
    .kind = NFV_ACTION_FRAGMENT,
    .parse = frag_no_openflow,
    .decode = nfv_decode_datapath_only,
    .xlate = nfv_xlate_datapath_only,
    .execute = frag_execute,
    .odp_parse = frag_no_openflow,
    .odp_format = frag_odp_format,
};

/* Reassembly. */

/* One fragment's data. */
struct frag_piece {
    size_t ofs, len;            /* Bytes of the IP payload. */
    uint8_t data[];
};

/* A datagram being reassembled. */
struct frag_datagram {
    struct hmap_node hmap_node; /* In 'datagrams'. */
    struct ovs_list list_node;  /* In 'by_age', oldest first. */
    long long int expires;      /* time_msec() to drop it at. */

    /* Identity: RFC 791's (source, destination, protocol, identification).
     * Not the port: behind a bond, fragments of one datagram may arrive on
     * different members.  The whole packet enters where its last fragment
     * did. */
    ovs_be32 src, dst;
    ovs_be16 id;
    uint8_t proto;

    uint8_t *headers;           /* Ethernet to IP header of the first, */
    size_t headers_len;         /* or NULL until it arrives. */
    size_t ihl;
    size_t total;               /* Payload bytes, SIZE_MAX until the last
                                 * fragment arrives. */
    size_t received;            /* Payload bytes held. */
    struct frag_piece *pieces[FRAG_MAX_FRAGMENTS];
    size_t n_pieces;
};

static struct ovs_mutex frag_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap datagrams OVS_GUARDED_BY(frag_mutex)
    = HMAP_INITIALIZER(&datagrams);
static struct ovs_list by_age OVS_GUARDED_BY(frag_mutex)
    = OVS_LIST_INITIALIZER(&by_age);
static size_t bytes_held OVS_GUARDED_BY(frag_mutex);

static uint32_t
frag_hash(ovs_be32 src, ovs_be32 dst, ovs_be16 id, uint8_t proto)
{
    uint32_t hash = hash_2words((OVS_FORCE uint32_t) src,
                                (OVS_FORCE uint32_t) dst);
    return hash_2words(hash, (uint32_t) ntohs(id) << 8 | proto);
}

static void
frag_datagram_destroy(struct frag_datagram *d)
    OVS_REQUIRES(frag_mutex)
{
    for (size_t i = 0; i < d->n_pieces; i++) {
        bytes_held -= d->pieces[i]->len;
        free(d->pieces[i]);
    }
    if (d->headers) {
        bytes_held -= d->headers_len;
        free(d->headers);
    }
    hmap_remove(&datagrams, &d->hmap_node);
    ovs_list_remove(&d->list_node);
    free(d);
}

/* Drops the datagrams whose time is up. */
static void
frag_expire(long long int now)
    OVS_REQUIRES(frag_mutex)
{
    struct frag_datagram *d;

    LIST_FOR_EACH_SAFE (d, list_node, &by_age) {
        if (d->expires > now) {
            break;
        }
        COVERAGE_INC(frag_timeout);
        frag_datagram_destroy(d);
    }
}

/* Headroom of a reassembled packet, for the encapsulation that usually
 * follows (bytes). */
#define FRAG_HEADROOM 128

/* Builds the whole packet of complete datagram 'd' with the metadata of
 * 'last' (the fragment that completed it). */
static struct dp_packet *
frag_build(const struct frag_datagram *d, const struct dp_packet *last)
{
    struct dp_packet *whole = dp_packet_new_with_headroom(
        d->headers_len + d->total, FRAG_HEADROOM);
    struct ip_header *ip;
    uint8_t *payload;

    dp_packet_put(whole, d->headers, d->headers_len);
    payload = dp_packet_put_uninit(whole, d->total);
    for (size_t i = 0; i < d->n_pieces; i++) {
        memcpy(payload + d->pieces[i]->ofs, d->pieces[i]->data,
               d->pieces[i]->len);
    }
    whole->md = last->md;

    ip = ALIGNED_CAST(struct ip_header *, (uint8_t *) dp_packet_data(whole)
                                          + d->headers_len - d->ihl);
    ip->ip_tot_len = htons(d->ihl + d->total);
    ip->ip_frag_off &= htons(IP_DONT_FRAGMENT);
    ip->ip_csum = 0;
    ip->ip_csum = csum(ip, d->ihl);
    return whole;
}

/* Takes a copy of fragment 'packet' into its datagram (RFC 791 section 3.2,
 * "An Example Reassembly Procedure", without overlaps).  Returns the whole
 * packet if this fragment completed its datagram, otherwise NULL. */
static struct dp_packet *
frag_take(const struct dp_packet *packet, long long int now)
    OVS_REQUIRES(frag_mutex)
{
    struct frag_datagram *d;
    struct frag_ip p;

    if (!frag_parse(packet, &p)) {
        COVERAGE_INC(frag_bad);
        return NULL;
    }

    uint16_t frag_off = ntohs(p.ip->ip_frag_off);
    bool more = frag_off & IP_MORE_FRAGMENTS;
    size_t ofs = (frag_off & IP_FRAG_OFF_MASK) * 8;
    size_t len = p.tot - p.ihl;

    if ((!more && !ofs) || (more && (len % 8 || !len))
        || ofs + len > 65535 - p.ihl) {
        COVERAGE_INC(frag_bad);
        return NULL;
    }

    ovs_be32 src = get_16aligned_be32(&p.ip->ip_src);
    ovs_be32 dst = get_16aligned_be32(&p.ip->ip_dst);
    uint32_t hash = frag_hash(src, dst, p.ip->ip_id, p.ip->ip_proto);
    bool found = false;

    HMAP_FOR_EACH_WITH_HASH (d, hmap_node, hash, &datagrams) {
        if (d->src == src && d->dst == dst && d->id == p.ip->ip_id
            && d->proto == p.ip->ip_proto) {
            found = true;
            break;
        }
    }
    if (!found) {
        if (hmap_count(&datagrams) >= FRAG_MAX_DATAGRAMS) {
            COVERAGE_INC(frag_table_full);
            return NULL;
        }
        d = xzalloc(sizeof *d);
        d->src = src;
        d->dst = dst;
        d->id = p.ip->ip_id;
        d->proto = p.ip->ip_proto;
        d->total = SIZE_MAX;
        d->expires = now + FRAG_TIMEOUT_MS;
        hmap_insert(&datagrams, &d->hmap_node, hash);
        ovs_list_push_back(&by_age, &d->list_node);
    }

    /* Overlaps drop the datagram; an exact duplicate is ignored. */
    size_t end = 0;             /* Of the data held, bytes. */
    for (size_t i = 0; i < d->n_pieces; i++) {
        const struct frag_piece *q = d->pieces[i];

        if (q->ofs == ofs && q->len == len) {
            COVERAGE_INC(frag_duplicate);
            return NULL;
        } else if (ofs < q->ofs + q->len && q->ofs < ofs + len) {
            COVERAGE_INC(frag_overlap);
            frag_datagram_destroy(d);
            return NULL;
        }
        end = MAX(end, q->ofs + q->len);
    }
    if ((!more && (d->total != SIZE_MAX || end > ofs + len))
        || (d->total != SIZE_MAX && ofs + len > d->total)) {
        /* Two last fragments, or data beyond the last one. */
        COVERAGE_INC(frag_overlap);
        frag_datagram_destroy(d);
        return NULL;
    }
    if (d->n_pieces >= FRAG_MAX_FRAGMENTS
        || bytes_held + len + (ofs ? 0 : p.l3 + p.ihl) > FRAG_MAX_BYTES) {
        COVERAGE_INC(frag_table_full);
        frag_datagram_destroy(d);
        return NULL;
    }

    const uint8_t *data = dp_packet_data(packet);
    struct frag_piece *piece = xmalloc(sizeof *piece + len);
    piece->ofs = ofs;
    piece->len = len;
    memcpy(piece->data, data + p.l3 + p.ihl, len);
    d->pieces[d->n_pieces++] = piece;
    d->received += len;
    bytes_held += len;
    if (!ofs) {
        d->headers_len = p.l3 + p.ihl;
        d->headers = xmemdup(data, d->headers_len);
        d->ihl = p.ihl;
        bytes_held += d->headers_len;
    }
    if (!more) {
        d->total = ofs + len;
    }
    COVERAGE_INC(frag_fragments_in);

    if (d->headers && d->received == d->total) {
        /* No overlaps and every byte up to the end: complete. */
        if (d->ihl + d->total > 65535
            || d->headers_len + d->total + FRAG_HEADROOM > UINT16_MAX) {
            /* The first fragment's options leave no room for it all, or
             * the whole frame with its headroom would not fit a dp_packet
             * (whose buffer size is 16 bits). */
            COVERAGE_INC(frag_bad);
            frag_datagram_destroy(d);
            return NULL;
        }
        struct dp_packet *whole = frag_build(d, packet);

        COVERAGE_INC(frag_reassembled);
        frag_datagram_destroy(d);
        return whole;
    }
    return NULL;
}

static bool
reasm_execute(void *dp, struct dp_packet_batch *batch, bool steal,
              const void *args OVS_UNUSED, size_t len OVS_UNUSED,
              odp_execute_cb cb)
{
    long long int now = time_msec();
    struct dp_packet_batch done;
    struct dp_packet *packet;

    dp_packet_batch_init(&done);
    ovs_mutex_lock(&frag_mutex);
    frag_expire(now);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        struct dp_packet *whole = frag_take(packet, now);

        if (whole) {
            dp_packet_batch_add(&done, whole);
        }
    }
    ovs_mutex_unlock(&frag_mutex);

    /* Translation ends the fragments' actions here (the megaflow holds only
     * fragments): they are taken if they may be, otherwise left to their
     * owner.  Their data was copied. */
    if (steal) {
        dp_packet_delete_batch(batch, true);
    }
    if (!dp_packet_batch_is_empty(&done)) {
        /* Through the datapath again, as if received whole. */
        nfv_recirculate(dp, &done, cb);
    }
    return steal;
}

/* Only IPv4 fragments get the datapath action, and nothing after it: the
 * translation of their actions ends there.  Other packets go on to the
 * rule's next actions.  The megaflow matches the fragment bits. */
static void
reasm_xlate(const void *args OVS_UNUSED, size_t len OVS_UNUSED,
            const struct flow *flow, struct flow_wildcards *wc,
            struct ofpbuf *odp_actions, const struct nfv_xlate_branch *branch)
{
    nfv_xlate_ipv4_take(flow, wc, odp_actions, branch, NFV_ACTION_REASSEMBLE,
                        true);
}

const struct nfv_action_class frag_reassemble_class = {
    .name = "reassemble",
    .kind = NFV_ACTION_REASSEMBLE,
    .decode = nfv_decode_no_args,
    .xlate = reasm_xlate,
    .execute = reasm_execute,
    .odp_format = nfv_odp_format_none,
};

void
frag_format_stats(struct ds *ds)
{
    size_t n, bytes;

    ovs_mutex_lock(&frag_mutex);
    frag_expire(time_msec());
    n = hmap_count(&datagrams);
    bytes = bytes_held;
    ovs_mutex_unlock(&frag_mutex);

    ds_put_format(ds, "reassembly: %"PRIuSIZE" datagrams incomplete, "
                  "%"PRIuSIZE" bytes held (limits: %d datagrams, %d bytes, "
                  "%d ms)\n", n, bytes, FRAG_MAX_DATAGRAMS, FRAG_MAX_BYTES,
                  FRAG_TIMEOUT_MS);
    ds_put_cstr(ds, "counters: ovs-appctl coverage/read-counter "
                "frag_fragmented (frag_fragments_out, frag_df_drop, "
                "frag_fragments_in, frag_reassembled, frag_timeout, "
                "frag_overlap, frag_duplicate, frag_table_full, frag_bad)\n");
}
