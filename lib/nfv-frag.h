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
struct nfv_tunnel_wrap;
void frag_tunnel_output_start(const char *tunnel,
                              const struct netdev *underlay,
                              struct ofpbuf *odp_actions,
                              struct nfv_tunnel_wrap *);
void frag_tunnel_output_end(struct ofpbuf *odp_actions,
                            struct nfv_tunnel_wrap *);

/* Appends the counters and the reassembly table's use to 'ds'. */
void frag_format_stats(struct ds *);

/* Drops every datagram being reassembled (tests, shutdown). */
void frag_flush(void);

#endif /* nfv-frag.h */
