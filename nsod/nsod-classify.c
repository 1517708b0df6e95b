/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/nsod/nsod-classify.h"

#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* Every reader below takes the frame as 'p' (its first byte) and 'len' (its
 * size in bytes) and checks an offset against 'len' before it reads: no
 * byte outside p[0, len) is ever read, whatever the length fields in the
 * frame say.  Multi-byte fields are read byte by byte in network order, so
 * nothing depends on alignment or host byte order. */

/* Ethertypes that are not in packets.h. */
#define NSOD_ETH_TYPE_PPPOE_DISC 0x8863   /* RFC 2516 PPPoE discovery. */
#define NSOD_ETH_TYPE_PPPOE_SESS 0x8864   /* RFC 2516 PPPoE session. */

/* IP protocol numbers. */
#define NSOD_IPPROTO_HOPOPTS 0
#define NSOD_IPPROTO_ICMP 1
#define NSOD_IPPROTO_TCP 6
#define NSOD_IPPROTO_UDP 17
#define NSOD_IPPROTO_ROUTING 43
#define NSOD_IPPROTO_FRAGMENT 44
#define NSOD_IPPROTO_ICMPV6 58
#define NSOD_IPPROTO_DSTOPTS 60
#define NSOD_IPPROTO_L2TP 115
#define NSOD_IPPROTO_SCTP 132

/* The most IPv6 extension headers skipped before giving up. */
#define NSOD_MAX_IPV6_EXT 8

/* The most VLAN tags (802.1Q or 802.1ad) skipped. */
#define NSOD_MAX_VLANS 2

#define NSOD_L2TP_PORT 1701
#define NSOD_SIP_PORT 5060

/* The longest host name nsod_classify_host() returns, in bytes. */
#define NSOD_HOST_MAX 255

/* TLS (RFC 8446): the record content type of handshake messages (section
 * 5.1, B.1), the most bytes a plaintext record may hold (section 5.1), the
 * handshake type of a ClientHello (section 4, B.3) and the type of the
 * server_name extension (RFC 6066 section 3; RFC 8446 section 4.2). */
#define NSOD_TLS_HANDSHAKE 22
#define NSOD_TLS_MAX_RECORD 16384
#define NSOD_TLS_CLIENT_HELLO 1
#define NSOD_TLS_EXT_SERVER_NAME 0
#define NSOD_TLS_SNI_HOST_NAME 0

/* Layout of the key data of each key type (all fields in network order):
 *
 *   NSOD_KEY_L2:      the smaller Ethernet address (6), then the other (6),
 *                     comparing them as 6-byte strings (memcmp()).
 *   NSOD_KEY_5TUPLE:  IP address A, IP address B (4 bytes each for IPv4,
 *                     16 for IPv6), IP protocol (1), port A (2), port B
 *                     (2): 13 bytes for IPv4, 37 for IPv6, so the key length
 *                     tells the family.  Endpoint A is the smaller of the
 *                     frame's (source address, source port) and
 *                     (destination address, destination port), comparing
 *                     the addresses as byte strings, then the ports.
 *   NSOD_KEY_VLAN:    VLAN id (2).
 *   NSOD_KEY_PPPOE:   the client's Ethernet address (6).
 *   NSOD_KEY_L2TP:    L2TP version (1, 2 or 3), kind (1, one of enum
 *                     nsod_l2tp_kind), then for version 2 the tunnel id (2)
 *                     and session id (2), for version 3 the session id or
 *                     the control connection id (4): always 6 bytes.
 *   NSOD_KEY_SIP:     a 16-byte digest of the Call-ID (see sip_digest()). */
#define NSOD_5TUPLE_LEN4 13
#define NSOD_5TUPLE_LEN6 37
#define NSOD_L2TP_LEN 6
#define NSOD_SIP_LEN 16

enum nsod_l2tp_kind {
    NSOD_L2TP_SESSION = 0,      /* v2 tunnel and session, v3 session. */
    NSOD_L2TP_CONTROL = 1,      /* v3 control connection. */
};

/* What parse_frame() found in a frame.  Offsets are from the frame's
 * start; every "end" is at most the frame's length. */
struct nsod_parse {
    const uint8_t *p;           /* The frame. */
    size_t len;                 /* The frame's length in bytes. */

    /* Layer 2. */
    bool eth;                   /* Long enough for an Ethernet header? */
    int n_vlans;                /* VLAN tags skipped, 0 to NSOD_MAX_VLANS. */
    uint16_t outer_vid;         /* The outer tag's VLAN id, if n_vlans. */
    uint16_t eth_type;          /* The ethertype after the VLAN tags. */
    size_t l3;                  /* Offset of the L3 header. */

    /* Layer 3: 'ip' says whether the rest is valid. */
    bool ip;                    /* A valid IPv4 or IPv6 header? */
    bool ipv6;                  /* IPv6 (else IPv4)? */
    size_t src, dst;            /* Offsets of the IP addresses. */
    uint8_t proto;              /* Upper-layer protocol. */
    bool later_fragment;        /* A fragment other than the first? */
    bool l4_truncated;          /* Could not reach or read the L4 ports? */

    /* Layer 4: valid only if 'ip' and not 'later_fragment'. */
    size_t l4;                  /* Offset of the L4 header. */
    size_t l4_end;              /* End of the IP payload in the frame. */
    uint16_t sport, dport;      /* TCP, UDP or SCTP ports, else 0. */
};

static uint16_t
rd16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static uint32_t
rd24(const uint8_t *p)
{
    return ((uint32_t) p[0] << 16) | ((uint32_t) p[1] << 8) | p[2];
}

static uint32_t
rd32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

static void
wr16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static void
wr32(uint8_t *p, uint32_t x)
{
    p[0] = x >> 24;
    p[1] = x >> 16;
    p[2] = x >> 8;
    p[3] = x;
}

static bool
has_ports(uint8_t proto)
{
    return (proto == NSOD_IPPROTO_TCP || proto == NSOD_IPPROTO_UDP
            || proto == NSOD_IPPROTO_SCTP);
}

/* Parses the IPv4 header at offset 'pp->l3' (RFC 791 section 3.1).  A header
 * is valid if its 20 fixed bytes are in the frame, its version is 4, its
 * IHL is at least 5 and all of it (options included) is in the frame, and
 * its total length covers the header.  The IP payload then ends at the
 * total length or at the frame's end, whichever comes first (this drops
 * Ethernet padding). */
static void
parse_ipv4(struct nsod_parse *pp)
{
    const uint8_t *ip = pp->p + pp->l3;
    size_t avail = pp->len - pp->l3;

    if (avail < 20 || ip[0] >> 4 != 4) {
        return;
    }
    size_t ihl = (ip[0] & 0x0f) * 4;
    size_t tot_len = rd16(ip + 2);
    if (ihl < 20 || ihl > avail || tot_len < ihl) {
        return;
    }

    pp->ip = true;
    pp->ipv6 = false;
    pp->src = pp->l3 + 12;
    pp->dst = pp->l3 + 16;
    pp->proto = ip[9];
    pp->later_fragment = (rd16(ip + 6) & 0x1fff) != 0;
    pp->l4 = pp->l3 + ihl;
    pp->l4_end = pp->l3 + MIN(tot_len, avail);
}

/* Parses the IPv6 header at offset 'pp->l3' (RFC 8200 section 3) and skips
 * the extension headers NSOD knows (RFC 8200 section 4): hop-by-hop options
 * (4.3), routing (4.4) and destination options (4.6), whose length is
 * (Hdr Ext Len + 1) * 8 bytes, and fragment (4.5), 8 bytes.  At most
 * NSOD_MAX_IPV6_EXT of them are skipped.  A non-first fragment stops the
 * walk, with its Next Header as the protocol.  If an extension header is
 * cut off by the frame's or the payload's end, or there are too many, the
 * walk stops there: the protocol is that header's type and 'l4_truncated'
 * is set.  A payload length of 0 (a jumbogram) extends to the frame's
 * end. */
static void
parse_ipv6(struct nsod_parse *pp)
{
    const uint8_t *ip = pp->p + pp->l3;
    size_t avail = pp->len - pp->l3;

    if (avail < 40 || ip[0] >> 4 != 6) {
        return;
    }
    size_t plen = rd16(ip + 4);

    pp->ip = true;
    pp->ipv6 = true;
    pp->src = pp->l3 + 8;
    pp->dst = pp->l3 + 24;
    pp->l4_end = plen ? pp->l3 + MIN(40 + plen, avail) : pp->len;

    uint8_t next = ip[6];
    size_t ofs = pp->l3 + 40;
    for (int i = 0; ; i++) {
        if (next != NSOD_IPPROTO_HOPOPTS && next != NSOD_IPPROTO_ROUTING
            && next != NSOD_IPPROTO_DSTOPTS
            && next != NSOD_IPPROTO_FRAGMENT) {
            break;
        }
        if (i >= NSOD_MAX_IPV6_EXT || pp->l4_end - ofs < 8) {
            pp->l4_truncated = true;
            break;
        }

        const uint8_t *ext = pp->p + ofs;
        size_t ext_len = (next == NSOD_IPPROTO_FRAGMENT
                          ? 8 : (ext[1] + 1) * 8);
        if (pp->l4_end - ofs < ext_len) {
            pp->l4_truncated = true;
            break;
        }
        if (next == NSOD_IPPROTO_FRAGMENT && (rd16(ext + 2) & 0xfff8)) {
            pp->later_fragment = true;
        }
        next = ext[0];
        ofs += ext_len;
        if (pp->later_fragment) {
            break;
        }
    }
    pp->proto = next;
    pp->l4 = ofs;
}

/* Parses the 'len'-byte frame at 'p' into '*pp': the Ethernet header, up to
 * NSOD_MAX_VLANS 802.1Q (0x8100) or 802.1ad (0x88a8) tags, then an IPv4 or
 * IPv6 header and the first 4 bytes of a TCP, UDP or SCTP header (the
 * ports, in the same place for all three). */
static void
parse_frame(const void *p, size_t len, struct nsod_parse *pp)
{
    memset(pp, 0, sizeof *pp);
    pp->p = p;
    pp->len = len;
    if (len < ETH_HEADER_LEN) {
        return;
    }
    pp->eth = true;
    pp->eth_type = rd16(pp->p + 12);
    pp->l3 = ETH_HEADER_LEN;
    while ((pp->eth_type == ETH_TYPE_VLAN_8021Q
            || pp->eth_type == ETH_TYPE_VLAN_8021AD)
           && pp->n_vlans < NSOD_MAX_VLANS) {
        if (len - pp->l3 < 4) {
            /* A cut-off tag: the frame is not IP. */
            return;
        }
        if (!pp->n_vlans) {
            pp->outer_vid = rd16(pp->p + pp->l3) & 0x0fff;
        }
        pp->n_vlans++;
        pp->eth_type = rd16(pp->p + pp->l3 + 2);
        pp->l3 += 4;
    }

    if (pp->eth_type == ETH_TYPE_IP) {
        parse_ipv4(pp);
    } else if (pp->eth_type == ETH_TYPE_IPV6) {
        parse_ipv6(pp);
    }
    if (!pp->ip || pp->later_fragment || pp->l4_truncated
        || !has_ports(pp->proto)) {
        return;
    }
    if (pp->l4 > pp->l4_end || pp->l4_end - pp->l4 < 4) {
        pp->l4_truncated = true;
        return;
    }
    pp->sport = rd16(pp->p + pp->l4);
    pp->dport = rd16(pp->p + pp->l4 + 2);
}

/* Stores the hash of 'key''s type, length and data in key->hash.  Bytes of
 * 'data' past 'len' are zero, so hashing the used part, rounded up to whole
 * 32-bit words, is enough; whole words keep the per-packet hash free of
 * byte-by-byte tails. */
static void
key_finish(struct nsod_key *key)
{
    size_t n_words = DIV_ROUND_UP(offsetof(struct nsod_key, data) + key->len,
                                  sizeof(uint32_t));

    key->hash = 0;
    key->hash = hash_words(ALIGNED_CAST(const uint32_t *, key), n_words, 0);
}

/* Returns a 32-bit hash of the 64-bit words 'a' and 'b': their product
 * modulo 2**128 folded to 64 bits, then mixed by a multiply and shifts so
 * that every input bit reaches the low 32 bits.  Two multiplies instead of
 * hash_add()'s chain, for the per-packet IPv4 5-tuple key. */
static inline uint32_t
hash_2x64(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = ((unsigned __int128) (a ^ 0x9e3779b97f4a7c15ULL)
                           * (b ^ 0xd6e8feb86659fd93ULL));
    uint64_t h = (uint64_t) p ^ (uint64_t) (p >> 64);

    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
#else
    return hash_finish(hash_add64(hash_add64(0, a), b), 16);
#endif
}

/* Stores in '*key', which must be all zeros, the IPv4 5-tuple key of
 * addresses 'src' and 'dst' (4 bytes each, network order), IP protocol
 * 'proto' and ports 'sport' and 'dport' (host order, 0 for a protocol
 * without ports), the two endpoints in canonical order.  The hash is
 * computed from the values themselves, not read back from the bytes just
 * stored (which would stall on store forwarding); equal keys still get
 * equal hashes. */
static inline void
key_ipv4(struct nsod_key *key, const uint8_t *src, const uint8_t *dst,
         uint8_t proto, uint16_t sport, uint16_t dport)
{
    uint32_t s = rd32(src), d = rd32(dst);
    bool swap = s > d || (s == d && sport > dport);
    uint32_t lo = swap ? d : s;
    uint32_t hi = swap ? s : d;
    uint16_t plo = swap ? dport : sport;
    uint16_t phi = swap ? sport : dport;
    uint8_t *data = key->data;

    /* The same bytes as wr32() and wr16() would write, as whole stores
     * (the compiler builds the byte-wise ones up by shifts). */
    ovs_be32 lo_be = htonl(lo), hi_be = htonl(hi);
    ovs_be16 plo_be = htons(plo), phi_be = htons(phi);

    key->type = NSOD_KEY_5TUPLE;
    key->len = NSOD_5TUPLE_LEN4;
    memcpy(data, &lo_be, sizeof lo_be);
    memcpy(data + 4, &hi_be, sizeof hi_be);
    data[8] = proto;
    memcpy(data + 9, &plo_be, sizeof plo_be);
    memcpy(data + 11, &phi_be, sizeof phi_be);
    key->hash = hash_2x64(((uint64_t) lo << 32) | hi,
                          ((uint64_t) plo << 32) | ((uint64_t) phi << 16)
                          | proto);
}

/* Stores in '*key' the 5-tuple key that 'pp' gives (or its L2 or empty key
 * for a frame that is not IP or not Ethernet), with the two endpoints in
 * the canonical order described above NSOD_5TUPLE_LEN4, so that a frame
 * and its reply get the same key.  Returns true for an IPv4 or IPv6 packet
 * whose ports, if its protocol has them, could be read; false otherwise
 * (the key of an IP packet with cut-off ports has ports 0). */
static bool
key_5tuple(const struct nsod_parse *pp, struct nsod_key *key)
{
    memset(key, 0, sizeof *key);
    if (!pp->eth) {
        key->type = NSOD_KEY_NONE;
        key_finish(key);
        return false;
    }
    if (!pp->ip) {
        const uint8_t *dst = pp->p;
        const uint8_t *src = pp->p + ETH_ADDR_LEN;
        bool swap = memcmp(src, dst, ETH_ADDR_LEN) > 0;

        key->type = NSOD_KEY_L2;
        key->len = 2 * ETH_ADDR_LEN;
        memcpy(key->data, swap ? dst : src, ETH_ADDR_LEN);
        memcpy(key->data + ETH_ADDR_LEN, swap ? src : dst, ETH_ADDR_LEN);
        key_finish(key);
        return false;
    }

    if (!pp->ipv6) {
        key_ipv4(key, pp->p + pp->src, pp->p + pp->dst, pp->proto,
                 pp->sport, pp->dport);
        return !pp->l4_truncated;
    }

    const uint8_t *src = pp->p + pp->src;
    const uint8_t *dst = pp->p + pp->dst;
    int cmp = memcmp(src, dst, 16);
    bool swap = cmp > 0 || (!cmp && pp->sport > pp->dport);
    uint8_t *d = key->data;

    key->type = NSOD_KEY_5TUPLE;
    key->len = NSOD_5TUPLE_LEN6;
    memcpy(d, swap ? dst : src, 16);
    memcpy(d + 16, swap ? src : dst, 16);
    d[32] = pp->proto;
    wr16(d + 33, swap ? pp->dport : pp->sport);
    wr16(d + 35, swap ? pp->sport : pp->dport);
    key_finish(key);
    return !pp->l4_truncated;
}

/* NSOD_CLS_VLAN: the outer VLAN id of a frame with an 802.1Q or 802.1ad
 * tag (IEEE 802.1Q section 9.6).  VLAN id 0 only carries a priority
 * ("priority-tagged" frames belong to no VLAN), so it falls back like an
 * untagged frame. */
static bool
classify_vlan(const struct nsod_parse *pp, struct nsod_key *key)
{
    if (!pp->n_vlans || !pp->outer_vid) {
        return false;
    }
    memset(key, 0, sizeof *key);
    key->type = NSOD_KEY_VLAN;
    key->len = 2;
    wr16(key->data, pp->outer_vid);
    key_finish(key);
    return true;
}

/* NSOD_CLS_PPPOE: the client's MAC of a PPPoE frame (RFC 2516 sections 4
 * and 5).  The 6-byte PPPoE header must be in the frame with version 1 and
 * type 1, and its Length (of the payload after the header) must fit in the
 * frame.  Discovery frames (ethertype 0x8863) must carry a known code:
 *
 *   - PADI (0x09) and PADR (0x19) go from the client to the server: the
 *     client is the Ethernet source.
 *
 *   - PADO (0x07) and PADS (0x65) go from the server (the access
 *     concentrator) to the client: the client is the Ethernet destination.
 *
 *   - PADT (0xa7) may come from either side: NSOD takes the source, which
 *     is the client's MAC for a PADT that the client sends.
 *
 * Session frames (0x8864, code 0) take the Ethernet source: NSOD sits on
 * the subscriber-facing side, where session frames come from the clients.
 * (Session frames that the server sends towards a client are keyed by the
 * server's MAC.) */
static bool
classify_pppoe(const struct nsod_parse *pp, struct nsod_key *key)
{
    if (pp->eth_type != NSOD_ETH_TYPE_PPPOE_DISC
        && pp->eth_type != NSOD_ETH_TYPE_PPPOE_SESS) {
        return false;
    }
    size_t avail = pp->len - pp->l3;
    const uint8_t *h = pp->p + pp->l3;
    if (avail < 6 || h[0] != 0x11 || rd16(h + 4) > avail - 6) {
        return false;
    }

    const uint8_t *mac;
    uint8_t code = h[1];
    if (pp->eth_type == NSOD_ETH_TYPE_PPPOE_SESS) {
        if (code != 0) {
            return false;
        }
        mac = pp->p + 6;
    } else if (code == 0x09 || code == 0x19 || code == 0xa7) {
        mac = pp->p + 6;
    } else if (code == 0x07 || code == 0x65) {
        mac = pp->p;
    } else {
        return false;
    }

    memset(key, 0, sizeof *key);
    key->type = NSOD_KEY_PPPOE;
    key->len = ETH_ADDR_LEN;
    memcpy(key->data, mac, ETH_ADDR_LEN);
    key_finish(key);
    return true;
}

static void
key_l2tp(struct nsod_key *key, uint8_t version, enum nsod_l2tp_kind kind,
         uint32_t id)
{
    memset(key, 0, sizeof *key);
    key->type = NSOD_KEY_L2TP;
    key->len = NSOD_L2TP_LEN;
    key->data[0] = version;
    key->data[1] = kind;
    wr32(key->data + 2, id);
    key_finish(key);
}

/* Parses the L2TPv3 control message header at 'h', 'n' bytes (RFC 3931
 * section 3.2.1): T and L must be 1, version 3, the Length must cover the
 * 12-byte header and fit in 'n'.  Returns the control connection id in
 * '*ccid' and true, or false if the header is not valid. */
static bool
parse_l2tpv3_control(const uint8_t *h, size_t n, uint32_t *ccid)
{
    if (n < 12) {
        return false;
    }
    uint16_t flags = rd16(h);
    size_t length = rd16(h + 2);
    if ((flags & 0xc00f) != 0xc003 || length < 12 || length > n) {
        return false;
    }
    *ccid = rd32(h + 4);
    return true;
}

/* Classifies the L2TP message in the UDP payload at 'h', 'n' bytes.
 *
 * Version 2 (RFC 2661 section 3.1): the flags and version, then the Length
 * if L is 1, the Tunnel ID and Session ID, then Ns and Nr if S is 1 and the
 * Offset Size if O is 1.  Control messages (T is 1) must have L and S set
 * and O clear.  The whole header must be in 'n' bytes, and so must the
 * Length, which must cover the header.  The key is the tunnel id and the
 * session id.  (Both are the receiver's ids, so the two directions of one
 * session have different keys.)
 *
 * Version 3 over UDP (RFC 3931 section 4.1.2.1): a data message (T is 0)
 * has 2 reserved bytes then the 32-bit Session ID, the key; a control
 * message (T is 1) has the control header of section 3.2.1 and the key is
 * its Control Connection ID. */
static bool
classify_l2tp_udp(const uint8_t *h, size_t n, struct nsod_key *key)
{
    if (n < 2) {
        return false;
    }
    uint16_t flags = rd16(h);
    uint8_t version = flags & 0x000f;
    bool t = flags & 0x8000;

    if (version == 2) {
        bool l = flags & 0x4000;
        bool s = flags & 0x0800;
        bool o = flags & 0x0200;
        if (t && (!l || !s || o)) {
            return false;
        }

        size_t hlen = 2 + (l ? 2 : 0) + 4 + (s ? 4 : 0) + (o ? 2 : 0);
        if (n < hlen) {
            return false;
        }
        if (l) {
            size_t length = rd16(h + 2);
            if (length < hlen || length > n) {
                return false;
            }
        }

        const uint8_t *ids = h + 2 + (l ? 2 : 0);
        key_l2tp(key, 2, NSOD_L2TP_SESSION, rd32(ids));
        return true;
    } else if (version == 3) {
        uint32_t id;
        if (t) {
            if (!parse_l2tpv3_control(h, n, &id)) {
                return false;
            }
            key_l2tp(key, 3, NSOD_L2TP_CONTROL, id);
            return true;
        }
        if (n < 8) {
            return false;
        }
        id = rd32(h + 4);
        if (!id) {
            /* Session ID 0 is reserved (RFC 3931 section 4.1.2.1). */
            return false;
        }
        key_l2tp(key, 3, NSOD_L2TP_SESSION, id);
        return true;
    }
    return false;
}

/* Classifies L2TPv3 directly over IP, protocol 115 (RFC 3931 section
 * 4.1.1), in the IP payload at 'h', 'n' bytes.  A non-zero 32-bit Session
 * ID is a data message (4.1.1.1) and is the key; a Session ID of 0 is
 * followed by a control message header (4.1.1.2) whose Control Connection
 * ID is the key. */
static bool
classify_l2tp_ip(const uint8_t *h, size_t n, struct nsod_key *key)
{
    if (n < 4) {
        return false;
    }
    uint32_t id = rd32(h);
    if (id) {
        key_l2tp(key, 3, NSOD_L2TP_SESSION, id);
        return true;
    }
    if (!parse_l2tpv3_control(h + 4, n - 4, &id)) {
        return false;
    }
    key_l2tp(key, 3, NSOD_L2TP_CONTROL, id);
    return true;
}

/* Returns the start of the UDP payload of the packet in 'pp' in '*ofs' and
 * its length in '*n', and true, if the packet is UDP with a complete UDP
 * header.  The payload ends at the UDP Length (RFC 768), which must be at
 * least 8, or at the IP payload's end if that comes first. */
static bool
udp_payload(const struct nsod_parse *pp, size_t *ofs, size_t *n)
{
    if (!pp->ip || pp->later_fragment || pp->l4_truncated
        || pp->proto != NSOD_IPPROTO_UDP || pp->l4_end - pp->l4 < 8) {
        return false;
    }
    size_t udp_len = rd16(pp->p + pp->l4 + 4);
    if (udp_len < 8) {
        return false;
    }
    *ofs = pp->l4 + 8;
    *n = MIN(udp_len, pp->l4_end - pp->l4) - 8;
    return true;
}

/* NSOD_CLS_L2TP: L2TPv2 or v3 over UDP port 1701 (source or destination),
 * or L2TPv3 over IP. */
static bool
classify_l2tp(const struct nsod_parse *pp, struct nsod_key *key)
{
    if (!pp->ip || pp->later_fragment || pp->l4_truncated) {
        return false;
    }
    if (pp->proto == NSOD_IPPROTO_L2TP) {
        return classify_l2tp_ip(pp->p + pp->l4, pp->l4_end - pp->l4, key);
    }

    size_t ofs, n;
    if ((pp->sport == NSOD_L2TP_PORT || pp->dport == NSOD_L2TP_PORT)
        && udp_payload(pp, &ofs, &n)) {
        return classify_l2tp_udp(pp->p + ofs, n, key);
    }
    return false;
}

static uint8_t
ascii_tolower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Returns true if the 'n' bytes at 's' equal the 'wn' bytes of 'word',
 * ignoring ASCII case.  'word' must be in lower case. */
static bool
equal_nocase(const uint8_t *s, size_t n, const char *word, size_t wn)
{
    if (n != wn) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (ascii_tolower(s[i]) != (uint8_t) word[i]) {
            return false;
        }
    }
    return true;
}

/* Returns true if the SIP start line at 's', 'n' bytes without its line
 * end, is a Status-Line (begins with "SIP/2.0 ") or a Request-Line (ends
 * with " SIP/2.0"), RFC 3261 section 7.  The version is compared without
 * regard to case (section 7.1). */
static bool
is_sip_start_line(const uint8_t *s, size_t n)
{
    static const char version[] = "sip/2.0";
    size_t vn = sizeof version - 1;

    if (n < vn + 2) {
        return false;
    }
    return ((equal_nocase(s, vn, version, vn) && s[vn] == ' ')
            || (equal_nocase(s + n - vn, vn, version, vn)
                && s[n - vn - 1] == ' '));
}

/* Reduces the 'n'-byte Call-ID at 's' to 16 bytes at 'out': two 64-bit
 * hashes, stored in network order.  The first is FNV-1a 64 (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3); the second is an independent
 * multiply-rotate hash with a different constant and a final avalanche.
 * These do not depend on the host or the build (unlike hash_bytes(), which
 * uses CRC32 instructions when present), so keys of one call are the same
 * in every NSOD instance, and a collision of both halves between two
 * Call-IDs is about 2**-128 likely by chance.  They are not cryptographic:
 * a sender who controls Call-IDs can make two calls share a key, which only
 * sends both calls to one VM. */
static void
sip_digest(const uint8_t *s, size_t n, uint8_t out[NSOD_SIP_LEN])
{
    uint64_t h1 = UINT64_C(0xcbf29ce484222325);
    uint64_t h2 = UINT64_C(0x6a09e667f3bcc909) ^ n;

    for (size_t i = 0; i < n; i++) {
        h1 = (h1 ^ s[i]) * UINT64_C(0x100000001b3);
        h2 = (h2 + s[i] + 1) * UINT64_C(0x9e3779b97f4a7c15);
        h2 = (h2 << 29) | (h2 >> 35);
    }
    h2 ^= h2 >> 33;
    h2 *= UINT64_C(0xff51afd7ed558ccd);
    h2 ^= h2 >> 33;
    h2 *= UINT64_C(0xc4ceb9fe1a85ec53);
    h2 ^= h2 >> 33;

    for (int i = 0; i < 8; i++) {
        out[i] = h1 >> (56 - 8 * i);
        out[8 + i] = h2 >> (56 - 8 * i);
    }
}

/* Finds the Call-ID header in the SIP message at 's', 'n' bytes (RFC 3261
 * sections 7.3 and 20.8).  The message must start with a SIP start line
 * (see is_sip_start_line()).  Each header line after it is checked for the
 * name "Call-ID" or its compact form "i", in any case, then optional
 * spaces or tabs and a colon; the value is the rest of the line, less
 * leading and trailing spaces and tabs.  Lines end with CRLF or a bare LF.
 * The search stops at the empty line that ends the headers and at the
 * end of 's'; a header line cut off by the end of 's' is not used, since
 * its value may be incomplete.  Header lines folded over several lines are
 * not unfolded.  Returns the value's offset in 's' in '*vofs' and its length
 * in '*vlen' and true, or false if there is no start line or no non-empty
 * Call-ID. */
static bool
sip_find_call_id(const uint8_t *s, size_t n, size_t *vofs, size_t *vlen)
{
    bool first = true;
    size_t pos = 0;

    while (pos < n) {
        const uint8_t *lf = memchr(s + pos, '\n', n - pos);
        if (!lf) {
            return false;
        }
        size_t end = lf - s;        /* Offset of the LF. */
        size_t line_end = end;      /* Offset after the line's text. */
        if (line_end > pos && s[line_end - 1] == '\r') {
            line_end--;
        }
        const uint8_t *line = s + pos;
        size_t line_len = line_end - pos;

        if (first) {
            if (!is_sip_start_line(line, line_len)) {
                return false;
            }
            first = false;
        } else if (!line_len) {
            /* The end of the headers. */
            return false;
        } else {
            size_t i = 0;
            while (i < line_len && line[i] != ':' && !is_wsp(line[i])) {
                i++;
            }
            size_t name_len = i;
            while (i < line_len && is_wsp(line[i])) {
                i++;
            }
            if (i < line_len && line[i] == ':'
                && (equal_nocase(line, name_len, "call-id", 7)
                    || equal_nocase(line, name_len, "i", 1))) {
                i++;
                while (i < line_len && is_wsp(line[i])) {
                    i++;
                }
                size_t j = line_len;
                while (j > i && is_wsp(line[j - 1])) {
                    j--;
                }
                if (j > i) {
                    *vofs = pos + i;
                    *vlen = j - i;
                    return true;
                }
                return false;
            }
        }
        pos = end + 1;
    }
    return false;
}

/* Returns the TCP payload of the packet in 'pp': its offset in the frame in
 * '*ofs' and its length in bytes in '*n' (0 for a segment without data),
 * and true, if the packet is TCP, not a non-first fragment, and its TCP
 * header is in the frame: the 20 fixed bytes, and the Data Offset (RFC 9293
 * section 3.1, in 32-bit words) at least 5 and within the IP payload.  The
 * payload ends at the IP payload's end, so Ethernet padding is not part of
 * it. */
static bool
tcp_payload(const struct nsod_parse *pp, size_t *ofs, size_t *n)
{
    if (!pp->ip || pp->later_fragment || pp->l4_truncated
        || pp->proto != NSOD_IPPROTO_TCP) {
        return false;
    }
    size_t avail = pp->l4_end - pp->l4;
    if (avail < 20) {
        return false;
    }
    size_t doff = (pp->p[pp->l4 + 12] >> 4) * 4;
    if (doff < 20 || doff > avail) {
        return false;
    }
    *ofs = pp->l4 + doff;
    *n = avail - doff;
    return true;
}

/* NSOD_CLS_SIP: the Call-ID of a SIP message over UDP or TCP whose source
 * or destination port is 5060 (RFC 3261 section 18).  For UDP the message
 * is the UDP payload; for TCP it is the segment's payload after the TCP
 * header, whose data offset (RFC 9293 section 3.1) must be at least 5 and
 * fit in the packet.  A TCP segment that does not begin with a SIP start
 * line and carry the Call-ID header (for example, the continuation of a
 * message) falls back. */
static bool
classify_sip(const struct nsod_parse *pp, struct nsod_key *key)
{
    if (!pp->ip || pp->later_fragment || pp->l4_truncated
        || (pp->sport != NSOD_SIP_PORT && pp->dport != NSOD_SIP_PORT)) {
        return false;
    }

    size_t ofs, n;
    if (pp->proto == NSOD_IPPROTO_UDP) {
        if (!udp_payload(pp, &ofs, &n)) {
            return false;
        }
    } else if (pp->proto == NSOD_IPPROTO_TCP) {
        if (!tcp_payload(pp, &ofs, &n)) {
            return false;
        }
    } else {
        return false;
    }

    size_t vofs, vlen;
    if (!sip_find_call_id(pp->p + ofs, n, &vofs, &vlen)) {
        return false;
    }
    memset(key, 0, sizeof *key);
    key->type = NSOD_KEY_SIP;
    key->len = NSOD_SIP_LEN;
    sip_digest(pp->p + ofs + vofs, vlen, key->data);
    key_finish(key);
    return true;
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_hexdigit(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Returns true if 'c' may appear in a token (RFC 9110 section 5.6.2), such
 * as an HTTP method or field name. */
static bool
is_tchar(uint8_t c)
{
    return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Returns true if 'c' may appear in a reg-name, the host of a URI that is
 * not an IP literal (RFC 3986 section 3.2.2: unreserved characters,
 * sub-delims and the '%' of percent-encodings).  This covers DNS names and
 * IPv4 addresses and excludes white space, control characters, ':', '/',
 * '@' and the rest of the URI delimiters. */
static bool
is_reg_name_char(uint8_t c)
{
    return is_alnum(c) || (c && strchr("-._~%!$&'()*+,;=", c));
}

/* Returns true if the 'n' bytes at 'a' and at 'b' are equal, ignoring
 * ASCII case. */
static bool
mem_equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ascii_tolower(a[i]) != ascii_tolower(b[i])) {
            return false;
        }
    }
    return true;
}

/* Finds the end of the line that starts at offset '*pos' in the 'n' bytes
 * at 's'.  A line ends with CRLF or, as RFC 9112 section 2.2 allows a
 * recipient to accept, a bare LF.  Stores the length of the line's text
 * (without its end) in '*line_len', moves '*pos' past the line's end and
 * returns true; returns false if no LF follows '*pos' in 's' (the line is
 * cut off). */
static bool
next_line(const uint8_t *s, size_t n, size_t *pos, size_t *line_len)
{
    const uint8_t *lf = memchr(s + *pos, '\n', n - *pos);
    if (!lf) {
        return false;
    }
    size_t end = lf - s;
    size_t text_end = end > *pos && s[end - 1] == '\r' ? end - 1 : end;

    *line_len = text_end - *pos;
    *pos = end + 1;
    return true;
}

/* Returns true if the 'n' bytes at 'line' (without the line end) are an
 * HTTP/1.x request line, RFC 9112 section 3: a method (a token, section
 * 3.1), one space, a request target (one or more visible ASCII characters,
 * section 3.2), one space and "HTTP/1." and a digit (the case-sensitive
 * HTTP-version of section 2.3). */
static bool
is_http_request_line(const uint8_t *line, size_t n)
{
    static const char version[] = "HTTP/1.";
    size_t vn = sizeof version - 1;
    size_t i = 0;

    while (i < n && is_tchar(line[i])) {
        i++;
    }
    if (!i || i >= n || line[i] != ' ') {
        return false;
    }

    size_t target = ++i;
    while (i < n && line[i] > 0x20 && line[i] < 0x7f) {
        i++;
    }
    if (i == target || i >= n || line[i] != ' ') {
        return false;
    }
    i++;

    return (n - i == vn + 1 && !memcmp(line + i, version, vn)
            && is_digit(line[i + vn]));
}

/* Parses the value of an HTTP Host field at 'v', 'n' bytes without the
 * white space around it: uri-host, optionally followed by ':' and a port
 * (RFC 9110 section 7.2).  uri-host is an IP literal in brackets (hex
 * digits, ':' and '.' between '[' and ']', a simplified RFC 3986 section
 * 3.2.2 IP-literal) or a non-empty reg-name (see is_reg_name_char()); the
 * port is zero or more digits (RFC 3986 section 3.2.3).  Returns the
 * length of uri-host (brackets included), the part before the port, in
 * '*host_len' and true, or false if the value is not of that form or the
 * host is longer than NSOD_HOST_MAX bytes. */
static bool
http_host_value(const uint8_t *v, size_t n, size_t *host_len)
{
    size_t i = 0;

    if (n && v[0] == '[') {
        i = 1;
        while (i < n && (is_hexdigit(v[i]) || v[i] == ':' || v[i] == '.')) {
            i++;
        }
        if (i == 1 || i >= n || v[i] != ']') {
            return false;
        }
        i++;
    } else {
        while (i < n && is_reg_name_char(v[i])) {
            i++;
        }
        if (!i) {
            return false;
        }
    }

    size_t hlen = i;
    if (i < n) {
        if (v[i] != ':') {
            return false;
        }
        for (i++; i < n; i++) {
            if (!is_digit(v[i])) {
                return false;
            }
        }
    }
    if (hlen > NSOD_HOST_MAX) {
        return false;
    }
    *host_len = hlen;
    return true;
}

/* Finds the host of the Host header field (RFC 9110 section 7.2, RFC 9112
 * section 3.2) in the HTTP/1.x request at 's', 'n' bytes (a TCP segment's
 * payload).  's' must begin with a request line (is_http_request_line());
 * each field line after it (RFC 9112 section 5) is "name:", with no white
 * space before the colon (section 5.1), then the value with optional
 * spaces and tabs around it.  The name "Host" is matched without regard to
 * case.  The first Host field is used (a request with several is invalid,
 * RFC 9112 section 3.2); its value must be a valid host and optional port
 * (http_host_value()), and the port is left out.  The search stops at the
 * empty line that ends the fields and at the end of 's': a line cut off by
 * the end of 's' is not used.  Obsolete line folding is not unfolded.
 * Returns the host's offset in 's' in '*hofs' and its length, 1 to
 * NSOD_HOST_MAX bytes, in '*hlen' and true; otherwise false. */
static bool
http_find_host(const uint8_t *s, size_t n, size_t *hofs, size_t *hlen)
{
    size_t pos = 0;
    size_t line_len;

    if (!next_line(s, n, &pos, &line_len)
        || !is_http_request_line(s, line_len)) {
        return false;
    }
    for (;;) {
        size_t start = pos;
        if (!next_line(s, n, &pos, &line_len) || !line_len) {
            return false;
        }

        const uint8_t *line = s + start;
        size_t i = 0;
        while (i < line_len && is_tchar(line[i])) {
            i++;
        }
        if (i == 4 && i < line_len && line[i] == ':'
            && mem_equal_nocase(line, (const uint8_t *) "host", 4)) {
            size_t j = line_len;

            i++;
            while (i < j && is_wsp(line[i])) {
                i++;
            }
            while (j > i && is_wsp(line[j - 1])) {
                j--;
            }
            if (!http_host_value(line + i, j - i, hlen)) {
                return false;
            }
            *hofs = start + i;
            return true;
        }
    }
}

/* Checks the server_name extension data at 'e', 'n' bytes (RFC 6066
 * section 3): a 2-byte ServerNameList length that must equal n - 2, then
 * entries of a 1-byte name_type, a 2-byte length and that many bytes, each
 * within the list.  Returns the offset in 'e' of the name of the first
 * entry of type host_name (0) in '*nofs' and its length in '*nlen', and
 * true, if the list is well formed and that name is 1 to NSOD_HOST_MAX
 * bytes of reg-name characters (is_reg_name_char(); RFC 6066 allows only
 * ASCII DNS host names); otherwise false. */
static bool
tls_server_name(const uint8_t *e, size_t n, size_t *nofs, size_t *nlen)
{
    if (n < 2 || rd16(e) != n - 2) {
        return false;
    }

    bool found = false;
    size_t pos = 2;
    while (pos < n) {
        if (n - pos < 3) {
            return false;
        }
        uint8_t type = e[pos];
        size_t len = rd16(e + pos + 1);
        pos += 3;
        if (len > n - pos) {
            return false;
        }
        if (type == NSOD_TLS_SNI_HOST_NAME && !found) {
            if (!len || len > NSOD_HOST_MAX) {
                return false;
            }
            for (size_t i = 0; i < len; i++) {
                if (!is_reg_name_char(e[pos + i])) {
                    return false;
                }
            }
            *nofs = pos;
            *nlen = len;
            found = true;
        }
        pos += len;
    }
    return found;
}

/* Finds the host_name of the server_name extension (RFC 6066 section 3) of
 * the TLS ClientHello at the start of 's', 'n' bytes (a TCP segment's
 * payload).  's' must begin with a TLS record header (RFC 8446 section
 * 5.1): content type handshake (22), a legacy_record_version of 3.x and a
 * length of at most 2**14 bytes; the record must begin with a handshake
 * header (section 4) of type client_hello (1) whose 24-bit length fits in
 * the record (a ClientHello that continues in a later record is not used;
 * one cut by the end of 's', the segment, is read as far as it goes and
 * its server_name counts if it is complete).  Within that length the
 * ClientHello (section
 * 4.1.2) is walked: legacy_version (2 bytes), random (32), legacy_session_id
 * (1-byte length, at most 32), cipher_suites (2-byte length, even and at
 * least 2), legacy_compression_methods (1-byte length, at least 1) and
 * extensions (2-byte length that must end exactly at the ClientHello's end;
 * each extension a 2-byte type, 2-byte length and data within the
 * extensions).  Every length is checked against what encloses it before
 * anything after it is read.  Returns the offset of the host name in 's'
 * in '*nofs' and its length in '*nlen', and true, if there is exactly one
 * server_name extension and tls_server_name() finds a host name in it;
 * otherwise false. */
static bool
tls_find_sni(const uint8_t *s, size_t n, size_t *nofs, size_t *nlen)
{
    if (n < 9 || s[0] != NSOD_TLS_HANDSHAKE || s[1] != 3
        || s[5] != NSOD_TLS_CLIENT_HELLO) {
        return false;
    }
    size_t rec_len = rd16(s + 3);
    size_t hs_len = rd24(s + 6);
    if (rec_len > NSOD_TLS_MAX_RECORD || rec_len < 4
        || hs_len > rec_len - 4) {
        return false;
    }

    /* A ClientHello larger than one segment (post-quantum key shares make
     * them about 1.8 kB) is read as far as 's' goes: 'dend' is where it
     * ends, 'end' where what we have of it ends.  From here on, everything
     * read is within [pos, end), which is within both the record and 's';
     * lengths are checked against 'dend'. */
    bool truncated = hs_len > n - 9;
    size_t pos = 9;
    size_t dend = 9 + hs_len;
    size_t end = truncated ? n : dend;

    /* legacy_version, random, legacy_session_id. */
    if (end - pos < 2 + 32 + 1) {
        return false;
    }
    pos += 2 + 32;
    size_t sid_len = s[pos++];
    if (sid_len > 32 || sid_len > end - pos) {
        return false;
    }
    pos += sid_len;

    /* cipher_suites. */
    if (end - pos < 2) {
        return false;
    }
    size_t cs_len = rd16(s + pos);
    pos += 2;
    if (cs_len < 2 || cs_len % 2 || cs_len > end - pos) {
        return false;
    }
    pos += cs_len;

    /* legacy_compression_methods. */
    if (end - pos < 1) {
        return false;
    }
    size_t cm_len = s[pos++];
    if (cm_len < 1 || cm_len > end - pos) {
        return false;
    }
    pos += cm_len;

    /* extensions.  (A ClientHello without them has no server_name.) */
    if (end - pos < 2) {
        return false;
    }
    size_t ext_len = rd16(s + pos);
    pos += 2;
    if (ext_len != dend - pos) {
        return false;
    }

    bool found = false;
    while (pos < end) {
        if (end - pos < 4) {
            /* Cut by the segment's end: what was complete counts. */
            return truncated && found;
        }
        uint16_t type = rd16(s + pos);
        size_t len = rd16(s + pos + 2);
        pos += 4;
        if (len > dend - pos) {
            return false;
        } else if (len > end - pos) {
            return found;       /* 'truncated' is true here. */
        }
        if (type == NSOD_TLS_EXT_SERVER_NAME) {
            size_t o;

            if (found || !tls_server_name(s + pos, len, &o, nlen)) {
                return false;
            }
            *nofs = pos + o;
            found = true;
        }
        pos += len;
    }
    return found;
}

bool
nsod_classify_host(enum nsod_classifier cls, const void *frame, size_t len,
                   const char **name, size_t *name_len)
{
    struct nsod_parse pp;
    size_t ofs, n;
    size_t hofs = 0, hlen = 0;
    bool found;

    if (cls != NSOD_CLS_HTTP && cls != NSOD_CLS_TLS) {
        return false;
    }
    parse_frame(frame, len, &pp);
    if (!tcp_payload(&pp, &ofs, &n) || !n) {
        return false;
    }
    found = (cls == NSOD_CLS_HTTP
             ? http_find_host(pp.p + ofs, n, &hofs, &hlen)
             : tls_find_sni(pp.p + ofs, n, &hofs, &hlen));
    if (!found) {
        return false;
    }
    *name = (const char *) pp.p + ofs + hofs;
    *name_len = hlen;
    return true;
}

bool
nsod_host_matches(const char *pattern, const char *name, size_t name_len)
{
    const uint8_t *nm = (const uint8_t *) name;
    size_t plen = strlen(pattern);

    if (pattern[0] == '*' && pattern[1] == '.' && pattern[2]) {
        /* "*.example.com": 'suffix' is ".example.com". */
        const uint8_t *suffix = (const uint8_t *) pattern + 1;
        size_t slen = plen - 1;
        if (name_len <= slen) {
            return false;
        }

        /* The labels before the suffix must not be empty. */
        size_t prefix_len = name_len - slen;
        if (nm[0] == '.' || nm[prefix_len - 1] == '.') {
            return false;
        }
        for (size_t i = 1; i < prefix_len; i++) {
            if (nm[i] == '.' && nm[i - 1] == '.') {
                return false;
            }
        }
        return mem_equal_nocase(nm + prefix_len, suffix, slen);
    }
    return (plen == name_len
            && mem_equal_nocase((const uint8_t *) pattern, nm, plen));
}

/* NSOD_CLS_5TUPLE's common case without parse_frame(): an Ethernet frame,
 * untagged or with one 802.1Q or 802.1ad tag, that carries an IPv4 header
 * without options (IHL 5) and at least the 4 bytes of ports of a TCP, UDP
 * or SCTP header, and is not a non-first fragment.  For such a frame,
 * stores its tuple in '*t' and returns true; for any other frame returns
 * false and stores nothing (the caller parses it in full).  Reads only
 * within p[0, len). */
static inline bool
tuple4_fast(const uint8_t *p, size_t len, struct nsod_tuple4 *t)
{
    /* Ethernet (14), IPv4 without options (20), ports (4). */
    enum { MIN_LEN = ETH_HEADER_LEN + 20 + 4 };
    size_t l3 = ETH_HEADER_LEN;
    uint16_t eth_type;

    if (len < MIN_LEN) {
        return false;
    }
    eth_type = rd16(p + 12);
    if (eth_type == ETH_TYPE_VLAN_8021Q || eth_type == ETH_TYPE_VLAN_8021AD) {
        l3 += 4;
        if (len < MIN_LEN + 4) {
            return false;
        }
        eth_type = rd16(p + 16);
    }

    const uint8_t *ip = p + l3;
    if (eth_type != ETH_TYPE_IP || ip[0] != 0x45 || rd16(ip + 2) < 24
        || rd16(ip + 6) & 0x1fff || !has_ports(ip[9])) {
        return false;
    }
    memcpy(&t->addrs, ip + 12, sizeof t->addrs);
    memcpy(&t->ports, ip + 20, sizeof t->ports);
    t->proto = ip[9];
    return true;
}

void
nsod_key_from_tuple4(const struct nsod_tuple4 *t, struct nsod_key *key)
{
    const uint8_t *addrs = (const uint8_t *) &t->addrs;
    const uint8_t *ports = (const uint8_t *) &t->ports;

    memset(key, 0, sizeof *key);
    key_ipv4(key, addrs, addrs + 4, t->proto, rd16(ports), rd16(ports + 2));
}

/* key_5tuple()'s result for the frames tuple4_fast() takes: stores it in
 * '*key' and returns true, or returns false and stores nothing. */
static inline bool
key_5tuple_fast(const uint8_t *p, size_t len, struct nsod_key *key)
{
    struct nsod_tuple4 t;

    if (!tuple4_fast(p, len, &t)) {
        return false;
    }
    nsod_key_from_tuple4(&t, key);
    return true;
}

unsigned long
nsod_tuple4_batch(const void *frames[], const size_t lens[], size_t n,
                  struct nsod_tuple4 tuples[])
{
    unsigned long map = 0;

    ovs_assert(n <= CHAR_BIT * sizeof map);
    for (size_t i = 0; i < n; i++) {
        if (tuple4_fast(frames[i], lens[i], &tuples[i])) {
            map |= 1UL << i;
        }
    }
    return map;
}

bool
nsod_classify(enum nsod_classifier cls, const void *frame, size_t len,
              struct nsod_key *key)
{
    if (cls == NSOD_CLS_5TUPLE && key_5tuple_fast(frame, len, key)) {
        return true;
    }
    return nsod_classify_full(cls, frame, len, key);
}

size_t
nsod_classify_batch(enum nsod_classifier cls, const void *frames[],
                    const size_t lens[], size_t n, struct nsod_key keys[])
{
    size_t fallbacks = 0;

    if (cls == NSOD_CLS_5TUPLE) {
        /* The loop the PMD threads run: the common frame takes the fast
         * path inline; any other goes through the full parser. */
        for (size_t i = 0; i < n; i++) {
            if (!key_5tuple_fast(frames[i], lens[i], &keys[i])) {
                nsod_classify_full(cls, frames[i], lens[i], &keys[i]);
            }
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        fallbacks += !nsod_classify_full(cls, frames[i], lens[i], &keys[i]);
    }
    return fallbacks;
}

bool
nsod_classify_full(enum nsod_classifier cls, const void *frame, size_t len,
                   struct nsod_key *key)
{
    struct nsod_parse pp;
    bool ok;

    parse_frame(frame, len, &pp);
    switch (cls) {
    case NSOD_CLS_5TUPLE:
        return key_5tuple(&pp, key);
    case NSOD_CLS_VLAN:
        ok = classify_vlan(&pp, key);
        break;
    case NSOD_CLS_PPPOE:
        ok = pp.eth && classify_pppoe(&pp, key);
        break;
    case NSOD_CLS_L2TP:
        ok = classify_l2tp(&pp, key);
        break;
    case NSOD_CLS_SIP:
        ok = classify_sip(&pp, key);
        break;
    case NSOD_CLS_HTTP:
    case NSOD_CLS_TLS:
        /* The key is the 5-tuple key either way; see the header. */
        return (key_5tuple(&pp, key) && pp.proto == NSOD_IPPROTO_TCP
                && !pp.later_fragment);
    case NSOD_N_CLASSIFIERS:
    default:
        ok = false;
        break;
    }
    if (!ok) {
        key_5tuple(&pp, key);
    }
    return ok;
}

static const char *const classifier_names[NSOD_N_CLASSIFIERS] = {
    [NSOD_CLS_5TUPLE] = "5tuple",
    [NSOD_CLS_VLAN] = "vlan",
    [NSOD_CLS_PPPOE] = "pppoe",
    [NSOD_CLS_L2TP] = "l2tp",
    [NSOD_CLS_SIP] = "sip",
    [NSOD_CLS_HTTP] = "http",
    [NSOD_CLS_TLS] = "tls",
};

bool
nsod_classifier_from_string(const char *name, enum nsod_classifier *cls)
{
    for (int i = 0; i < NSOD_N_CLASSIFIERS; i++) {
        if (!strcmp(name, classifier_names[i])) {
            *cls = i;
            return true;
        }
    }
    return false;
}

/* Returns the name of 'cls', or "unknown" for a value that is not a
 * classifier. */
const char *
nsod_classifier_to_string(enum nsod_classifier cls)
{
    return (unsigned int) cls < NSOD_N_CLASSIFIERS
           ? classifier_names[cls] : "unknown";
}

static void
format_hex(struct ds *ds, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(ds, "%02x", p[i]);
    }
}

/* Appends the IP address of 'alen' bytes (4 or 16) at 'a' to 'ds', IPv6 in
 * brackets if 'bracket'. */
static void
format_ip(struct ds *ds, const uint8_t *a, size_t alen, bool bracket)
{
    if (alen == 4) {
        ds_put_format(ds, "%d.%d.%d.%d", a[0], a[1], a[2], a[3]);
    } else {
        struct in6_addr in6;

        memcpy(&in6, a, sizeof in6);
        if (bracket) {
            ds_put_char(ds, '[');
        }
        ipv6_format_addr(&in6, ds);
        if (bracket) {
            ds_put_char(ds, ']');
        }
    }
}

/* Appends the 5-tuple key 'key' to 'ds': "5tuple", the protocol, then the
 * two endpoints in the key's (canonical) order joined by "<->". */
static void
format_5tuple(const struct nsod_key *key, struct ds *ds)
{
    const uint8_t *d = key->data;
    size_t alen = key->len == NSOD_5TUPLE_LEN4 ? 4 : 16;
    uint8_t proto = d[2 * alen];
    bool ports = has_ports(proto);

    ds_put_cstr(ds, "5tuple ");
    switch (proto) {
    case NSOD_IPPROTO_TCP:
        ds_put_cstr(ds, "tcp");
        break;
    case NSOD_IPPROTO_UDP:
        ds_put_cstr(ds, "udp");
        break;
    case NSOD_IPPROTO_SCTP:
        ds_put_cstr(ds, "sctp");
        break;
    case NSOD_IPPROTO_ICMP:
        ds_put_cstr(ds, "icmp");
        break;
    case NSOD_IPPROTO_ICMPV6:
        ds_put_cstr(ds, "icmp6");
        break;
    default:
        ds_put_format(ds, "proto %d", proto);
        break;
    }
    ds_put_char(ds, ' ');
    format_ip(ds, d, alen, ports);
    if (ports) {
        ds_put_format(ds, ":%d", rd16(d + 2 * alen + 1));
    }
    ds_put_cstr(ds, "<->");
    format_ip(ds, d + alen, alen, ports);
    if (ports) {
        ds_put_format(ds, ":%d", rd16(d + 2 * alen + 3));
    }
}

void
nsod_key_format(const struct nsod_key *key, struct ds *ds)
{
    const uint8_t *d = key->data;

    switch ((enum nsod_key_type) key->type) {
    case NSOD_KEY_NONE:
        if (!key->len) {
            ds_put_cstr(ds, "none");
            return;
        }
        break;
    case NSOD_KEY_L2:
        if (key->len == 2 * ETH_ADDR_LEN) {
            ds_put_format(ds, "l2 "ETH_ADDR_FMT"<->"ETH_ADDR_FMT,
                          ETH_ADDR_BYTES_ARGS(d),
                          ETH_ADDR_BYTES_ARGS(d + ETH_ADDR_LEN));
            return;
        }
        break;
    case NSOD_KEY_5TUPLE:
        if (key->len == NSOD_5TUPLE_LEN4 || key->len == NSOD_5TUPLE_LEN6) {
            format_5tuple(key, ds);
            return;
        }
        break;
    case NSOD_KEY_VLAN:
        if (key->len == 2) {
            ds_put_format(ds, "vlan %d", rd16(d));
            return;
        }
        break;
    case NSOD_KEY_PPPOE:
        if (key->len == ETH_ADDR_LEN) {
            ds_put_format(ds, "pppoe "ETH_ADDR_FMT, ETH_ADDR_BYTES_ARGS(d));
            return;
        }
        break;
    case NSOD_KEY_L2TP:
        if (key->len == NSOD_L2TP_LEN && d[0] == 2) {
            ds_put_format(ds, "l2tpv2 tunnel %d session %d",
                          rd16(d + 2), rd16(d + 4));
            return;
        } else if (key->len == NSOD_L2TP_LEN && d[0] == 3) {
            ds_put_format(ds, "l2tpv3 %s 0x%"PRIx32,
                          d[1] == NSOD_L2TP_CONTROL ? "control" : "session",
                          rd32(d + 2));
            return;
        }
        break;
    case NSOD_KEY_SIP:
        if (key->len == NSOD_SIP_LEN) {
            ds_put_cstr(ds, "sip call-id ");
            format_hex(ds, d, NSOD_SIP_LEN);
            return;
        }
        break;
    }

    /* Not a key that nsod_classify() makes: show its bytes. */
    ds_put_format(ds, "key type %d len %d ", key->type, key->len);
    format_hex(ds, d, MIN(key->len, NSOD_KEY_MAX));
}
