/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_NSOD_NSOD_CLASSIFY_H
#define NFV_NSOD_NSOD_CLASSIFY_H 1

/* NSOD's service-oriented packet inspection: from an Ethernet frame, the
 * key of the session the frame belongs to, so every frame of one session
 * (one subscriber, one call, one connection) goes to the same NFV VM.
 *
 * The classifiers read only the frame's bytes, never past 'len', and never
 * allocate or lock: they run per packet in the PMD threads. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/util.h"

enum nsod_classifier {
    NSOD_CLS_5TUPLE,    /* IP source, destination, protocol and ports. */
    NSOD_CLS_VLAN,      /* The outer 802.1Q/802.1ad VLAN id (NTT prototype). */
    NSOD_CLS_PPPOE,     /* PPPoE discovery and session: the client's MAC. */
    NSOD_CLS_L2TP,      /* L2TP tunnel id and session id. */
    NSOD_CLS_SIP,       /* SIP over UDP and TCP: the Call-ID. */
    NSOD_CLS_HTTP,      /* TCP 5-tuple; host from an HTTP/1.x Host field. */
    NSOD_CLS_TLS,       /* TCP 5-tuple; host from a TLS ClientHello SNI. */
    NSOD_N_CLASSIFIERS
};

/* What a session key was made from (nsod_key.type). */
enum nsod_key_type {
    NSOD_KEY_NONE,      /* Nothing: a frame too short for Ethernet. */
    NSOD_KEY_L2,        /* Not IP: Ethernet source and destination. */
    NSOD_KEY_5TUPLE,
    NSOD_KEY_VLAN,
    NSOD_KEY_PPPOE,
    NSOD_KEY_L2TP,
    NSOD_KEY_SIP,
};

#define NSOD_KEY_MAX 40         /* Bytes of nsod_key.data. */

/* A session key.  Two frames belong to the same session if and only if
 * their keys are equal (type, len and the first len bytes of data; the
 * rest of data is zero so whole keys may be compared with memcmp()).
 *
 * NSOD_KEY_5TUPLE and NSOD_KEY_L2 keys do not depend on the direction of
 * the frame, because NFV VMs are often bump-in-the-wire middleboxes that
 * must see both directions of a connection: the two (IP address, port)
 * endpoints of a 5-tuple key, and the two Ethernet addresses of an L2 key,
 * are stored in a canonical order (the smaller address first, comparing
 * bytes in network order; for equal addresses the smaller port first), so
 * a frame and its reply have the same key.
 *
 * NSOD_KEY_L2TP keys of L2TPv2 are not symmetric: the tunnel id and
 * session id in an L2TPv2 header are those chosen by the side that
 * receives the message (RFC 2661 section 3.1), so the two directions of
 * one L2TPv2 session have different keys.  (An L2TPv3 session id is also
 * chosen by the receiver, RFC 3931 section 4.1, with the same effect;
 * PPPoE, VLAN and SIP keys are the same in both directions.) */
struct nsod_key {
    uint8_t type;               /* enum nsod_key_type. */
    uint8_t len;                /* Bytes used in 'data'. */
    uint8_t pad[2];
    uint32_t hash;              /* Hash of type, len, data. */
    uint8_t data[NSOD_KEY_MAX];
};
BUILD_ASSERT_DECL(NSOD_KEY_MAX % 4 == 0);

/* Classifies the 'len'-byte Ethernet frame at 'frame' with 'cls' and
 * stores its session key in '*key'.
 *
 * Returns true if 'cls' recognised the frame.  Returns false if it fell
 * back: the frame is not what 'cls' inspects (or is malformed or truncated
 * for it), and '*key' is then its 5-tuple key (NSOD_KEY_5TUPLE, or
 * NSOD_KEY_L2 for a frame that is not IPv4/IPv6, or NSOD_KEY_NONE for a
 * frame shorter than an Ethernet header).  NSOD_CLS_5TUPLE returns true
 * for any IPv4 or IPv6 packet whose ports, if its protocol has them, are
 * in the frame.  NSOD_CLS_HTTP and NSOD_CLS_TLS give the 5-tuple key too
 * and return true for any TCP segment (IPv4 or IPv6, after up to 2 VLAN
 * tags, not a non-first fragment, ports in the frame); use
 * nsod_classify_host() for the host name the connection asks for.  Never
 * reads outside frame[0, len). */
bool nsod_classify(enum nsod_classifier cls, const void *frame, size_t len,
                   struct nsod_key *key);

/* Classifies the 'n' Ethernet frames 'frames[i]' of 'lens[i]' bytes with
 * 'cls', as nsod_classify() does one, storing their keys in 'keys[i]'.
 * Returns how many fell back (for NSOD_CLS_5TUPLE, which counts no
 * fallback, always 0).  For the per-packet path: one call per batch. */
size_t nsod_classify_batch(enum nsod_classifier cls, const void *frames[],
                           const size_t lens[], size_t n,
                           struct nsod_key keys[]);

/* An IPv4 5-tuple as a frame carries it: addresses and ports in the
 * frame's order (not the canonical order of a key) and byte order.  Two
 * frames with equal tuples have equal 5-tuple keys; the reply direction of
 * a connection has another tuple but the same key. */
struct nsod_tuple4 {
    uint64_t addrs;             /* Source then destination address: the 8
                                 * bytes at offset 12 of the IPv4 header. */
    uint32_t ports;             /* Source then destination port: the first
                                 * 4 bytes of the TCP, UDP or SCTP header. */
    uint32_t proto;             /* IP protocol: 6, 17 or 132. */
};

/* For each of the 'n' Ethernet frames 'frames[i]' of 'lens[i]' bytes (n at
 * most the bits in an unsigned long): if NSOD_CLS_5TUPLE's common case
 * applies to it (untagged or one 802.1Q or 802.1ad tag, IPv4 without
 * options, a TCP, UDP or SCTP header whose ports are in the frame, not a
 * non-first fragment), stores its tuple in 'tuples[i]' and sets bit i of
 * the returned map.  nsod_classify() gives such a frame the key
 * nsod_key_from_tuple4() makes of its tuple.  Reads only within each
 * frame. */
unsigned long nsod_tuple4_batch(const void *frames[], const size_t lens[],
                                size_t n, struct nsod_tuple4 tuples[]);

/* Stores in '*key' the 5-tuple key of a frame with tuple 't' (see
 * nsod_tuple4_batch()). */
void nsod_key_from_tuple4(const struct nsod_tuple4 *t, struct nsod_key *key);

/* The same as nsod_classify() without its shortcut for the common IPv4
 * case of NSOD_CLS_5TUPLE: parses every frame in full.  For tests, which
 * check that both give the same result. */
bool nsod_classify_full(enum nsod_classifier cls, const void *frame,
                        size_t len, struct nsod_key *key);

/* Finds the host name the TCP payload of the 'len'-byte Ethernet frame at
 * 'frame' asks for, for classifier 'cls':
 *
 *   - NSOD_CLS_HTTP: the Host header field of an HTTP/1.x request (RFC 9112
 *     section 3.2, RFC 9110 section 7.2).  The payload must begin with a
 *     request line "METHOD SP target SP HTTP/1.x CRLF" (RFC 9112 section
 *     3); the field name is matched without regard to case, optional
 *     whitespace around the value is dropped, and a port suffix (":8080")
 *     is stripped.
 *
 *   - NSOD_CLS_TLS: the host_name of the server_name extension (RFC 6066
 *     section 3) of a TLS ClientHello (RFC 8446 section 4.1.2) in the first
 *     TLS record of the payload (record type 22, handshake type 1).  A
 *     ClientHello that continues past the segment's end or the first
 *     record gives no name.
 *
 * On success stores in '*name' a pointer to the name inside 'frame' (not
 * null-terminated) and its length in bytes, 1 to 255, in '*name_len', and
 * returns true.  Returns false, without storing anything, if the segment
 * has no such name (not TCP, no payload, not a request or ClientHello,
 * malformed, truncated) or 'cls' is another classifier.  Never reads
 * outside frame[0, len); never allocates. */
bool nsod_classify_host(enum nsod_classifier cls, const void *frame,
                        size_t len, const char **name, size_t *name_len);

/* Returns true if host name 'name', 'name_len' bytes (need not be
 * null-terminated), matches the null-terminated 'pattern', ignoring ASCII
 * case.  A pattern "*.SUFFIX" (for example "*.example.com") matches any
 * name that ends in ".SUFFIX" with at least one non-empty label before it
 * ("www.example.com", "a.b.example.com"), but not "example.com" itself;
 * any other pattern must equal the whole name.  No trailing-dot or IDNA
 * normalisation is done. */
bool nsod_host_matches(const char *pattern, const char *name,
                       size_t name_len);

/* Returns the classifier named 'name' ("5tuple", "vlan", "pppoe", "l2tp",
 * "sip", "http", "tls") in '*cls' and true, or false for an unknown
 * name. */
bool nsod_classifier_from_string(const char *name,
                                 enum nsod_classifier *cls);
const char *nsod_classifier_to_string(enum nsod_classifier);

/* Appends a human-readable form of 'key' to 'ds', for example "5tuple tcp
 * 10.0.0.1:1234<->10.0.0.2:80" (the endpoints in their canonical order,
 * "<->" since the key is the same in both directions), "l2
 * 00:11:22:33:44:55<->aa:bb:cc:dd:ee:ff", "vlan 100", "pppoe
 * 00:11:22:33:44:55", "l2tpv2 tunnel 5 session 7", "l2tpv3 session 0x1234",
 * "sip call-id <32 hex digits>" (the Call-ID's digest) or "none". */
struct ds;
void nsod_key_format(const struct nsod_key *, struct ds *);

#endif /* nsod-classify.h */
