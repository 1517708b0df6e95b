/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_LIB_NFV_ESP_H
#define NFV_LIB_NFV_ESP_H 1

/* IPsec ESP for the userspace datapath's tunnels: RFC 4303 (ESP) in
 * transport mode over the tunnel's outer IPv4 header, with AES-GCM
 * (RFC 4106: 8-byte explicit IV, 16-byte ICV) through Intel's
 * Multi-Buffer Crypto for IPsec library (libipsec-mb) and
 * optional UDP encapsulation for NAT traversal (RFC 3948).
 *
 * Sending: a tunnel interface with other_config:nfv-esp=true gets, after
 * its encapsulation, the datapath action esp_encrypt(actions): each packet
 * is encrypted with the outbound SA of its outer destination address (the
 * tunnel's remote_ip) and then goes to 'actions' (e.g. output, or outer
 * fragmentation).  Without a usable outbound SA the packet is dropped and
 * counted: such a tunnel never sends plaintext.
 *
 * Receiving: the OpenFlow action esp_decrypt (an NFV action) takes ESP
 * packets (IP protocol 50, or UDP with an SA's udp_port), finds their
 * inbound SA by SPI, checks the anti-replay window (RFC 4303 section 3.4.3)
 * and the ICV, checks that the payload is a tunnel protocol (UDP or GRE)
 * from the SA's peer, and sends the plain packet through the datapath again
 * (recirculation id 0) with pkt_mark ESP_PKT_MARK, so that flows can tell
 * decrypted packets from plaintext ones.  Every failure is dropped and
 * counted (per SA and with coverage counters esp_*).
 *
 * SAs are installed, replaced and removed by the main thread through the
 * functions below (today from the NFV_Tenant database's ESP_SA table; an
 * IKEv2 daemon would use the same calls, see Documentation/topics/
 * nfv-esp.rst).  The PMD threads find them through RCU: no lock on the
 * per-packet path but each inbound SA's own replay-window spinlock; each
 * outbound SA's sequence number is one atomic counter.
 *
 * Sequence numbers are never reused (RFC 4303 section 3.3.3): an outbound
 * SA sends only sequence numbers up to its reservation, which the owner
 * extends (and persists first) when esp_sa_seq_wanted() asks; without a
 * reservation the SA drops and counts (esp_drop_seq).  Without ESN an SA
 * is exhausted after 2^32 - 1 packets; it then expires. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dp_packet;
struct ds;
struct netdev;
struct ofpbuf;
struct sset;

#define ESP_HEADER_LEN 8        /* SPI and sequence number (low 32 bits). */
#define ESP_IV_LEN 8            /* RFC 4106 section 3.1. */
#define ESP_ICV_LEN 16          /* RFC 4106 section 6 (16-octet ICV). */
#define ESP_UDP_LEN 8           /* RFC 3948 UDP encapsulation header. */
/* Bytes ESP adds to a packet at most: header, IV, up to 3 bytes of
 * padding, pad length, next header, ICV; plus the UDP header with NAT-T. */
#define ESP_MAX_OVERHEAD (ESP_HEADER_LEN + ESP_IV_LEN + 3 + 2 + ESP_ICV_LEN)
#define ESP_MAX_OVERHEAD_NAT_T (ESP_MAX_OVERHEAD + ESP_UDP_LEN)
#define ESP_MAX_REPLAY_WINDOW 4096      /* Packets. */
#define ESP_DEFAULT_REPLAY_WINDOW 64    /* Packets. */
#define ESP_DEFAULT_UDP_PORT 4500       /* RFC 3948 section 2.1. */
#define ESP_PKT_MARK 0x45535000         /* pkt_mark of decrypted packets. */
#define IPPROTO_ESP_ 50                 /* RFC 4303 section 2. */

enum esp_cipher {
    ESP_AES_128_GCM,            /* 16-byte key, 4-byte salt. */
    ESP_AES_256_GCM,            /* 32-byte key, 4-byte salt. */
};

/* Why a packet was dropped.  Counted per SA and globally. */
enum esp_drop {
    ESP_DROP_NO_SA,             /* No usable outbound SA / unknown SPI. */
    ESP_DROP_AUTH,              /* ICV check failed (RFC 4303 3.4.4). */
    ESP_DROP_REPLAY,            /* Duplicate or left of the window. */
    ESP_DROP_POLICY,            /* Wrong source, protocol or transport. */
    ESP_DROP_EXPIRED,           /* SA past a hard lifetime. */
    ESP_DROP_SEQ,               /* Sequence numbers exhausted or not yet
                                 * reserved. */
    ESP_DROP_MALFORMED,         /* Too short, bad lengths, not IPv4, or
                                 * too long to encapsulate. */
    ESP_N_DROPS
};

/* An SA as configured.  Every field is checked by esp_sa_create(). */
struct esp_sa_config {
    const char *name;           /* Unique handle (copied). */
    bool outbound;              /* Encrypts (true) or decrypts (false). */
    uint32_t spi;               /* RFC 4303 section 2.1: >= 256. */
    ovs_be32 remote_ip;         /* Peer's tunnel endpoint address. */
    enum esp_cipher cipher;
    uint8_t key[32];            /* 16 or 32 bytes used, per 'cipher'. */
    uint8_t salt[4];            /* RFC 4106 section 4. */
    bool esn;                   /* 64-bit sequence numbers (RFC 4303
                                 * section 2.2.1). */
    unsigned int replay_window; /* Inbound, packets, 0 (off) to
                                 * ESP_MAX_REPLAY_WINDOW. */
    bool udp_encap;             /* RFC 3948 UDP encapsulation. */
    uint16_t udp_port;          /* Source and destination port. */

    /* Lifetimes (RFC 4301 section 4.4.2.1), 0 for none: a soft limit
     * makes the SA "dying", a hard one "expired" (unusable). */
    uint64_t soft_bytes, hard_bytes;
    uint64_t soft_packets, hard_packets;
    uint64_t soft_seconds, hard_seconds;

    /* Outbound: the first sequence number to send (>= 1) and the last one
     * reserved (persisted) by the owner; 0 for none yet. */
    uint64_t seq_first;
    uint64_t seq_reserved;
};

enum esp_sa_state {
    ESP_SA_ACTIVE,
    ESP_SA_DYING,               /* Past a soft lifetime: rekey now. */
    ESP_SA_EXPIRED,             /* Past a hard lifetime or exhausted. */
};

struct esp_sa;

/* Counters of an SA, read with esp_sa_get_stats(). */
struct esp_sa_stats {
    uint64_t packets;           /* Encrypted or decrypted. */
    uint64_t bytes;             /* Of those packets' ESP payloads. */
    uint64_t drops[ESP_N_DROPS];
    uint64_t seq;               /* Outbound: last sequence number used;
                                 * inbound: highest authenticated. */
    enum esp_sa_state state;
    bool in_use;                /* Outbound: the peer's current SA. */
};

/* The SA table.  Main thread only. */
char *esp_sa_config_check(const struct esp_sa_config *);
char *esp_sa_add(const struct esp_sa_config *);
bool esp_sa_remove(const char *name);
const struct esp_sa *esp_sa_find(const char *name);
bool esp_sa_same_keys(const struct esp_sa *, const struct esp_sa_config *);
bool esp_sa_same_nonce_key(const struct esp_sa *,
                           const struct esp_sa_config *);
void esp_sa_set_lifetimes(struct esp_sa *, const struct esp_sa_config *);
void esp_sa_get_stats(const struct esp_sa *, struct esp_sa_stats *);
const char *esp_sa_name(const struct esp_sa *);
bool esp_sa_is_outbound(const struct esp_sa *);
void esp_sa_names(struct sset *);
uint64_t esp_sa_seq_wanted(const struct esp_sa *, uint64_t block);
void esp_sa_seq_reserve(struct esp_sa *, uint64_t last);
void esp_run(long long int now);
void esp_format(struct ds *, const char *name);
const char *esp_state_name(enum esp_sa_state);
const char *esp_drop_name(enum esp_drop);

/* Packet processing.  Any thread. */
int esp_encrypt_packet(struct dp_packet **, ovs_be32 *dst);
int esp_decrypt_packet(struct dp_packet **);

/* Tunnels that encrypt (by interface name); replaces the previous set.
 * Main thread; translation reads it through RCU. */
void esp_tunnel_configure(const struct sset *tunnels);
bool esp_tunnel_encrypts(const char *tunnel);
struct nfv_wrap;
void esp_tunnel_output_start(const char *tunnel, struct ofpbuf *odp_actions,
                             struct nfv_wrap *);
void esp_tunnel_output_end(struct ofpbuf *odp_actions, struct nfv_wrap *);

extern const struct nfv_action_class esp_encrypt_class;
extern const struct nfv_action_class esp_decrypt_class;

/* Low level, for tests against published vectors: seals 'len' bytes of
 * 'payload' (next header 'next_header') with outbound SA 'sa' as sequence
 * number 'seq' and IV 'iv' into 'out', which must have room for
 * len + ESP_MAX_OVERHEAD bytes; returns the ESP packet's length (header,
 * IV, ciphertext with trailer, ICV).  esp_open() authenticates and
 * decrypts 'len' bytes of ESP packet 'esp' (header onward) with inbound
 * SA 'sa' and full sequence number 'seq' in place; returns the payload's
 * length and stores its next header, -2 if the ICV is wrong, or -1 if
 * the packet is too short or its trailer inconsistent. */
size_t esp_seal(const struct esp_sa *, uint64_t seq, const uint8_t iv[8],
                const void *payload, size_t len, uint8_t next_header,
                void *out);
int esp_open(const struct esp_sa *, uint64_t seq, void *esp, size_t len,
             uint8_t *next_header);
uint64_t esp_replay_infer_seq(const struct esp_sa *, uint32_t seq_low);
enum esp_drop esp_replay_check_update(struct esp_sa *, uint64_t seq,
                                      bool update);

#endif /* nfv-esp.h */
