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

enum nsod_classifier {
    NSOD_CLS_5TUPLE,    /* IP source, destination, protocol and ports. */
    NSOD_CLS_VLAN,      /* The outer 802.1Q/802.1ad VLAN id (NTT prototype). */
    NSOD_CLS_PPPOE,     /* PPPoE discovery and session: the client's MAC. */
    NSOD_CLS_L2TP,      /* L2TP tunnel id and session id. */
    NSOD_CLS_SIP,       /* SIP over UDP and TCP: the Call-ID. */
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
 * rest of data is zero so whole keys may be compared with memcmp()). */
struct nsod_key {
    uint8_t type;               /* enum nsod_key_type. */
    uint8_t len;                /* Bytes used in 'data'. */
    uint8_t pad[2];
    uint32_t hash;              /* Hash of type, len, data. */
    uint8_t data[NSOD_KEY_MAX];
};

/* Classifies the 'len'-byte Ethernet frame at 'frame' with 'cls' and
 * stores its session key in '*key'.
 *
 * Returns true if 'cls' recognised the frame.  Returns false if it fell
 * back: the frame is not what 'cls' inspects (or is malformed or truncated
 * for it), and '*key' is then its 5-tuple key (NSOD_KEY_5TUPLE, or
 * NSOD_KEY_L2 for a frame that is not IPv4/IPv6, or NSOD_KEY_NONE for a
 * frame shorter than an Ethernet header).  NSOD_CLS_5TUPLE returns true
 * for any IPv4 or IPv6 packet.  Never reads outside frame[0, len). */
bool nsod_classify(enum nsod_classifier cls, const void *frame, size_t len,
                   struct nsod_key *key);

/* Returns the classifier named 'name' ("5tuple", "vlan", "pppoe", "l2tp",
 * "sip") in '*cls' and true, or false for an unknown name. */
bool nsod_classifier_from_string(const char *name,
                                 enum nsod_classifier *cls);
const char *nsod_classifier_to_string(enum nsod_classifier);

/* Appends a human-readable form of 'key' to 'ds' ("5tuple tcp
 * 10.0.0.1:1234->10.0.0.2:80", "sip call-id-hash 0x...", ...). */
struct ds;
void nsod_key_format(const struct nsod_key *, struct ds *);

#endif /* nsod-classify.h */
