/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_LIB_NFV_FRAG_H
#define NFV_LIB_NFV_FRAG_H 1

/* Outer IPv4 fragmentation and reassembly for the userspace datapath's
 * tunnels (RFC 791 section 3.2, "Fragmentation and Reassembly"; RFC 4459
 * section 3.1, fragmenting the outer packet of a tunnel).
 *
 * Sending: a tunnel interface with other_config:nfv-fragment=true gets,
 * after the encapsulation, the datapath action fragment(mtu=M, actions):
 * an encapsulated IPv4 packet longer than M bytes (the underlay device's
 * MTU, IP header included) is sent as fragments of at most M bytes, unless
 * its outer header says DF (the tunnel's options:df_default, true by
 * default), when it is dropped and counted.  Packets that fit go out as
 * they are.
 *
 * Receiving: the OpenFlow action reassemble() (an NFV action) takes IPv4
 * fragments and, once a datagram is complete, sends it through the
 * datapath again as if it had been received whole on the same port
 * (recirculation with id 0), so that tunnel termination sees the whole
 * encapsulated packet.  Reassembly memory is bounded (FRAG_MAX_BYTES of
 * held data, FRAG_MAX_DATAGRAMS datagrams at once), and an incomplete
 * datagram is dropped FRAG_TIMEOUT_MS after its first fragment.
 * Overlapping fragments drop their whole datagram (as RFC 5722 requires
 * for IPv6, and for the same reason: overlaps are an attack, never a
 * sender's need); an exact duplicate is ignored. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "odp-execute.h"

struct ds;
struct netdev;
struct ofpbuf;
struct sset;

/* How long an incomplete datagram is kept (ms).  RFC 791 suggests 15 s for
 * hosts, but a tunnel's fragments are sent back to back, and the 16-bit
 * identification wraps after 65,536 fragmented packets between the same
 * endpoints (RFC 4963 section 2): with 250 ms, a stale fragment cannot meet
 * a new datagram with the same identification below 262,144 fragmented
 * packets per second to one peer. */
#define FRAG_TIMEOUT_MS 250
#define FRAG_MAX_BYTES (16 * 1024 * 1024)
#define FRAG_MAX_DATAGRAMS 4096
#define FRAG_MAX_FRAGMENTS 64           /* Per datagram. */
#define FRAG_MIN_MTU 576                /* RFC 791: every host accepts. */

extern const struct nfv_action_class frag_fragment_class;
extern const struct nfv_action_class frag_reassemble_class;

/* The tunnel interfaces (by name) whose encapsulated packets are
 * fragmented; replaces the previous set.  Main thread. */
void frag_tunnel_configure(const struct sset *tunnels);

/* Translation of output to tunnel interface 'tunnel' whose encapsulated
 * packets leave by 'underlay' (nfv_tunnel_output_start() and _end(), see
 * nfv-action.h): if the tunnel fragments, the actions appended between the
 * two go into a fragment action for the underlay's MTU, read here at
 * translation time. */
struct nfv_wrap;
void frag_tunnel_output_start(const char *tunnel,
                              const struct netdev *underlay,
                              struct ofpbuf *odp_actions,
                              struct nfv_wrap *);
void frag_tunnel_output_end(struct ofpbuf *odp_actions, struct nfv_wrap *);

/* Parsed Ethernet + IPv4 headers of a packet. */
struct ip_header;
struct frag_ip {
    struct ip_header *ip;
    size_t l3;                  /* Offset of the IP header, bytes. */
    size_t ihl;                 /* IP header length, bytes. */
    size_t tot;                 /* IP total length, bytes. */
};

/* Finds the IPv4 header of 'packet' (after Ethernet and up to two VLAN
 * tags, RFC 791 section 3.1) and checks that its header and total lengths
 * fit the packet.  Returns false if it is not a well-formed IPv4 packet. */
struct dp_packet;
bool frag_parse(const struct dp_packet *, struct frag_ip *);

/* Adds 'packet' (owned) to batch 'out', first running datapath 'actions'
 * (nested attributes, given to odp_execute_actions() with 'dp' and 'cb')
 * on what 'out' holds if it is full or holds packets of another source
 * (DPDK mbufs and malloc()'d packets are never mixed in one batch). */
struct dp_packet_batch;
struct nlattr;
void frag_output(void *dp, struct dp_packet_batch *out,
                 struct dp_packet *packet, const struct nlattr *actions,
                 odp_execute_cb cb);

/* Appends the counters and the reassembly table's use to 'ds'. */
void frag_format_stats(struct ds *);

#endif /* nfv-frag.h */
