/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/lib/nfv-esp.h"

#include <errno.h>
#include <string.h>
#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "cmap.h"
#include "coverage.h"
#include "csum.h"
#include "dp-packet.h"
#include "hash.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "sset.h"
#include "timeval.h"
#include "unaligned.h"
#include "util.h"

#include "nfv/lib/nfv-action.h"
#include "nfv/lib/nfv-frag.h"

VLOG_DEFINE_THIS_MODULE(nfv_esp);

COVERAGE_DEFINE(esp_encrypted);         /* Packets encrypted. */
COVERAGE_DEFINE(esp_decrypted);         /* Packets decrypted. */
COVERAGE_DEFINE(esp_drop_no_sa);
COVERAGE_DEFINE(esp_drop_auth);
COVERAGE_DEFINE(esp_drop_replay);
COVERAGE_DEFINE(esp_drop_policy);
COVERAGE_DEFINE(esp_drop_expired);
COVERAGE_DEFINE(esp_drop_seq);
COVERAGE_DEFINE(esp_drop_malformed);

static const char *const drop_names[ESP_N_DROPS] = {
    [ESP_DROP_NO_SA] = "no_sa",
    [ESP_DROP_AUTH] = "auth_failed",
    [ESP_DROP_REPLAY] = "replayed",
    [ESP_DROP_POLICY] = "policy",
    [ESP_DROP_EXPIRED] = "expired",
    [ESP_DROP_SEQ] = "seq_exhausted",
    [ESP_DROP_MALFORMED] = "malformed",
};

/* Payload of the datapath action esp_encrypt. */
enum {
    ESP_ODP_ACTIONS = 1,                /* Nested datapath actions. */
};

/* "Result" of processing one packet: ESP_OK or an enum esp_drop. */
#define ESP_OK (-1)

struct esp_sa {
    struct cmap_node node;      /* In 'inbound' (by SPI) or 'outbound' (by
                                 * remote_ip). */
    struct hmap_node name_node; /* In 'by_name'.  Main thread. */
    struct esp_sa_config cfg;   /* cfg.name points to 'name'. */
    char *name;
    uint64_t uid;               /* Never reused. */
    struct gcm_key_data *gcm_key;   /* Expanded key and GHASH keys, 64-byte
                                     * aligned; read-only once made. */
    uint64_t seq_max;           /* 2^32 - 1, or 2^64 - 1 with ESN. */
    long long int created;      /* time_msec(). */

    /* Lifetimes, changeable while the SA is in use (0: none). */
    atomic_uint64_t soft_bytes, hard_bytes;
    atomic_uint64_t soft_packets, hard_packets;
    atomic_llong soft_at, hard_at;      /* time_msec() deadlines, or 0. */
    atomic_int state;           /* enum esp_sa_state, never decreases. */

    /* Outbound. */
    atomic_uint64_t seq;        /* Last sequence number handed out. */
    atomic_uint64_t seq_reserved;

    /* Inbound anti-replay (RFC 4303 section 3.4.3): 'replay_top' is the
     * highest authenticated sequence number, bit (S % replay_bits) of
     * 'replay_map' says whether S in the window was received. */
    struct ovs_mutex replay_mutex;
    uint64_t replay_top OVS_GUARDED;
    uint64_t *replay_map OVS_GUARDED;
    unsigned int replay_bits;   /* Window rounded up to 64. */

    /* Counters. */
    atomic_uint64_t packets, bytes;
    atomic_uint64_t drops[ESP_N_DROPS];
};

/* The SAs.  Written by the main thread; 'inbound' and 'outbound' are read
 * by any thread under RCU. */
static struct cmap inbound = CMAP_INITIALIZER;
static struct cmap outbound = CMAP_INITIALIZER;
static struct hmap by_name = HMAP_INITIALIZER(&by_name);
static uint64_t next_uid = 1;

/* Drops counted before an SA is known (unknown SPI, malformed). */
static atomic_uint64_t global_drops[ESP_N_DROPS];

static void
count_drop(struct esp_sa *sa, enum esp_drop why)
{
    switch (why) {
    case ESP_DROP_NO_SA: COVERAGE_INC(esp_drop_no_sa); break;
    case ESP_DROP_AUTH: COVERAGE_INC(esp_drop_auth); break;
    case ESP_DROP_REPLAY: COVERAGE_INC(esp_drop_replay); break;
    case ESP_DROP_POLICY: COVERAGE_INC(esp_drop_policy); break;
    case ESP_DROP_EXPIRED: COVERAGE_INC(esp_drop_expired); break;
    case ESP_DROP_SEQ: COVERAGE_INC(esp_drop_seq); break;
    case ESP_DROP_MALFORMED: COVERAGE_INC(esp_drop_malformed); break;
    case ESP_N_DROPS: default: OVS_NOT_REACHED();
    }
    atomic_count_inc64(sa ? &sa->drops[why] : &global_drops[why]);
}

const char *
esp_drop_name(enum esp_drop why)
{
    return why < ESP_N_DROPS ? drop_names[why] : "unknown";
}

const char *
esp_state_name(enum esp_sa_state state)
{
    return (state == ESP_SA_ACTIVE ? "active"
            : state == ESP_SA_DYING ? "dying"
            : "expired");
}

static uint32_t
spi_hash(uint32_t spi)
{
    return hash_int(spi, 0);
}

static uint32_t
peer_hash(ovs_be32 ip)
{
    return hash_int((OVS_FORCE uint32_t) ip, 1);
}

/* Raises 'sa''s state to at least 'state'. */
static void
sa_raise_state(struct esp_sa *sa, enum esp_sa_state state)
{
    int cur;

    atomic_read_relaxed(&sa->state, &cur);
    while (cur < (int) state
           && !atomic_compare_exchange_weak(&sa->state, &cur, (int) state)) {
        continue;
    }
}

static enum esp_sa_state
sa_state(const struct esp_sa *sa)
{
    int state;

    atomic_read_relaxed(&CONST_CAST(struct esp_sa *, sa)->state, &state);
    return state;
}

/* AES-GCM comes from the Intel Multi-Buffer Crypto for IPsec library
 * (Debian's libipsec-mb, the library behind DPDK's aesni_gcm crypto PMD):
 * its synchronous single-buffer GCM functions, with the implementation
 * (SSE, AVX2, AVX-512 with VAES) chosen for the CPU at run time.  Measured
 * against OpenSSL EVP and DPDK's crypto PMDs on the project's machines it
 * was the fastest (Documentation/topics/nfv-benchmarks.rst).  Each thread
 * has its own library state ("manager"); an SA's expanded key is shared
 * read-only by all threads. */
static ovsthread_key_t mgr_key;

static void
mgr_destroy(void *mgr)
{
    free_mb_mgr(mgr);
}

/* Returns this thread's library state, or NULL if it cannot be made (then
 * the packet is dropped as malformed). */
static IMB_MGR *
esp_mgr(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    IMB_MGR *mgr;

    if (ovsthread_once_start(&once)) {
        ovsthread_key_create(&mgr_key, mgr_destroy);
        ovsthread_once_done(&once);
    }
    mgr = ovsthread_getspecific(mgr_key);
    if (!mgr) {
        mgr = alloc_mb_mgr(0);
        if (!mgr) {
            return NULL;
        }
        init_mb_mgr_auto(mgr, NULL);
        ovsthread_setspecific(mgr_key, mgr);
    }
    return mgr;
}

/* AES-GCM over one ESP packet (RFC 4106): 'esp' points to its header (SPI
 * and low sequence number) followed by the 8-byte IV; 'data' to 'len'
 * bytes to encrypt or decrypt in place; 'icv' to the 16-byte ICV, written
 * when encrypting, checked when decrypting.  The nonce is salt || IV
 * (section 4), the AAD SPI || sequence number, with the high 32 bits of
 * 'seq' in between for ESN (section 5).  Returns false if decryption
 * found the ICV wrong or OpenSSL failed. */
static bool
sa_gcm(const struct esp_sa *sa, uint64_t seq, const uint8_t *esp,
       uint8_t *data, size_t len, uint8_t *icv)
{
    IMB_MGR *mgr = esp_mgr();
    struct gcm_context_data ctx;
    uint8_t nonce[12];
    uint8_t aad[12];
    uint8_t tag[ESP_ICV_LEN];
    size_t aad_len;

    if (!mgr) {
        return false;
    }
    memcpy(nonce, sa->cfg.salt, 4);
    memcpy(nonce + 4, esp + ESP_HEADER_LEN, ESP_IV_LEN);
    memcpy(aad, esp, 4);
    if (sa->cfg.esn) {
        put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, aad + 4),
                           htonl(seq >> 32));
        memcpy(aad + 8, esp + 4, 4);
        aad_len = 12;
    } else {
        memcpy(aad + 4, esp + 4, 4);
        aad_len = 8;
    }

    if (sa->cfg.outbound) {
        if (sa->cfg.cipher == ESP_AES_256_GCM) {
            IMB_AES256_GCM_ENC(mgr, sa->gcm_key, &ctx, data, data, len,
                               nonce, aad, aad_len, icv, ESP_ICV_LEN);
        } else {
            IMB_AES128_GCM_ENC(mgr, sa->gcm_key, &ctx, data, data, len,
                               nonce, aad, aad_len, icv, ESP_ICV_LEN);
        }
        return true;
    }
    if (sa->cfg.cipher == ESP_AES_256_GCM) {
        IMB_AES256_GCM_DEC(mgr, sa->gcm_key, &ctx, data, data, len,
                           nonce, aad, aad_len, tag, ESP_ICV_LEN);
    } else {
        IMB_AES128_GCM_DEC(mgr, sa->gcm_key, &ctx, data, data, len,
                           nonce, aad, aad_len, tag, ESP_ICV_LEN);
    }
    return !CRYPTO_memcmp(tag, icv, ESP_ICV_LEN);
}

/* Seals 'len' bytes of 'payload' with outbound SA 'sa' into 'out' (which
 * may be 'payload' minus ESP_HEADER_LEN + ESP_IV_LEN bytes, or separate)
 * as sequence number 'seq' (low 32 bits on the wire, all 64 in the AAD
 * with ESN) with explicit IV 'iv': header, IV, ciphertext of the payload,
 * padding (1, 2, 3, ... up to a 4-byte boundary, RFC 4303 section 2.4),
 * pad length and 'next_header', then the ICV.  'out' needs room for
 * len + ESP_MAX_OVERHEAD bytes.  Returns the ESP packet's length, bytes,
 * or 0 if OpenSSL failed. */
size_t
esp_seal(const struct esp_sa *sa, uint64_t seq, const uint8_t iv[8],
         const void *payload, size_t len, uint8_t next_header, void *out_)
{
    uint8_t *out = out_;
    uint8_t *data = out + ESP_HEADER_LEN + ESP_IV_LEN;
    size_t pad = (4 - (len + 2) % 4) % 4;

    put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, out), htonl(sa->cfg.spi));
    put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, out + 4), htonl(seq));
    memcpy(out + ESP_HEADER_LEN, iv, ESP_IV_LEN);
    memmove(data, payload, len);
    for (size_t i = 0; i < pad; i++) {
        data[len + i] = i + 1;
    }
    data[len + pad] = pad;
    data[len + pad + 1] = next_header;

    size_t clen = len + pad + 2;
    if (!sa_gcm(sa, seq, out, data, clen, data + clen)) {
        return 0;
    }
    return ESP_HEADER_LEN + ESP_IV_LEN + clen + ESP_ICV_LEN;
}

/* Authenticates and decrypts, in place, ESP packet 'esp' of 'len' bytes
 * (from the SPI to the end of the ICV) with inbound SA 'sa', whose full
 * sequence number is 'seq' (RFC 4303 section 3.4.4, RFC 4106).  On
 * success returns the payload's length in bytes (it starts at
 * esp + ESP_HEADER_LEN + ESP_IV_LEN) and stores its next header in
 * '*next_header'; returns -1 if the packet is too short or its trailer is
 * inconsistent, -2 if the ICV is wrong. */
int
esp_open(const struct esp_sa *sa, uint64_t seq, void *esp_, size_t len,
         uint8_t *next_header)
{
    uint8_t *esp = esp_;
    const size_t min = ESP_HEADER_LEN + ESP_IV_LEN + 2 + ESP_ICV_LEN;

    if (len < min) {
        return -1;
    }
    uint8_t *data = esp + ESP_HEADER_LEN + ESP_IV_LEN;
    size_t clen = len - ESP_HEADER_LEN - ESP_IV_LEN - ESP_ICV_LEN;
    if (!sa_gcm(sa, seq, esp, data, clen, data + clen)) {
        return -2;
    }
    size_t pad = data[clen - 2];
    if (pad + 2 > clen) {
        return -1;
    }
    *next_header = data[clen - 1];
    return clen - 2 - pad;
}

/* Anti-replay. */

/* Returns the full sequence number of a packet of inbound SA 'sa', whose
 * highest authenticated sequence number so far is 'top', when its header
 * carries 'seq_low': with ESN, the high 32 bits are inferred from the
 * window (RFC 4303 appendix A2.2), otherwise they are 0. */
static uint64_t
replay_infer__(const struct esp_sa *sa, uint64_t top, uint32_t seq_low)
{
    if (!sa->cfg.esn) {
        return seq_low;
    }

    uint64_t w = sa->cfg.replay_window ? sa->cfg.replay_window
                                       : ESP_DEFAULT_REPLAY_WINDOW;
    uint32_t th = top >> 32;
    uint32_t tl = top;
    uint32_t sh;
    if (tl >= w - 1) {
        /* Case A: the window lies within one sequence number subspace. */
        sh = seq_low >= tl - w + 1 ? th : th + 1;
    } else {
        /* Case B: the window spans two subspaces. */
        sh = seq_low >= (uint32_t) (tl - w + 1) ? (th ? th - 1 : 0) : th;
    }
    return (uint64_t) sh << 32 | seq_low;
}

/* esp_replay_check_update() with 'sa''s replay mutex held and 'seq'
 * nonzero. */
static enum esp_drop
replay_check__(struct esp_sa *sa, uint64_t seq, bool update)
    OVS_REQUIRES(sa->replay_mutex)
{
    enum esp_drop result = (enum esp_drop) ESP_OK;
    uint64_t w = sa->cfg.replay_window;
    uint64_t top = sa->replay_top;

    if (!w) {
        /* Anti-replay off: only the highest number is tracked. */
        if (update && seq > top) {
            sa->replay_top = seq;
        }
    } else if (seq > top) {
        if (update) {
            uint64_t shift = seq - top;
            if (shift >= sa->replay_bits) {
                memset(sa->replay_map, 0, sa->replay_bits / 8);
            } else {
                for (uint64_t s = top + 1; s < seq; s++) {
                    uint64_t bit = s % sa->replay_bits;
                    sa->replay_map[bit / 64] &= ~(UINT64_C(1) << (bit % 64));
                }
            }
            uint64_t bit = seq % sa->replay_bits;
            sa->replay_map[bit / 64] |= UINT64_C(1) << (bit % 64);
            sa->replay_top = seq;
        }
    } else if (seq + w <= top) {
        result = ESP_DROP_REPLAY;
    } else {
        uint64_t bit = seq % sa->replay_bits;
        uint64_t mask = UINT64_C(1) << (bit % 64);

        if (sa->replay_map[bit / 64] & mask) {
            result = ESP_DROP_REPLAY;
        } else if (update) {
            sa->replay_map[bit / 64] |= mask;
        }
    }
    return result;
}

/* Returns the full sequence number of a packet of inbound SA 'sa' whose
 * header carries 'seq_low': with ESN, the high 32 bits are inferred from
 * the window (RFC 4303 appendix A2.2), otherwise they are 0. */
uint64_t
esp_replay_infer_seq(const struct esp_sa *sa_, uint32_t seq_low)
{
    struct esp_sa *sa = CONST_CAST(struct esp_sa *, sa_);
    uint64_t top;

    if (!sa->cfg.esn) {
        return seq_low;
    }
    ovs_mutex_lock(&sa->replay_mutex);
    top = sa->replay_top;
    ovs_mutex_unlock(&sa->replay_mutex);
    return replay_infer__(sa, top, seq_low);
}

/* Checks full sequence number 'seq' against inbound SA 'sa''s window
 * (RFC 4303 section 3.4.3): returns ESP_DROP_REPLAY for 0, a duplicate or
 * a number left of the window, otherwise ESP_OK (as an enum esp_drop)
 * and, if 'update' (the packet was authenticated), records it, sliding the
 * window right if it is new on the right. */
enum esp_drop
esp_replay_check_update(struct esp_sa *sa, uint64_t seq, bool update)
{
    enum esp_drop result;

    if (!seq) {
        return ESP_DROP_REPLAY;
    }
    ovs_mutex_lock(&sa->replay_mutex);
    result = replay_check__(sa, seq, update);
    ovs_mutex_unlock(&sa->replay_mutex);
    return result;
}

/* The check before the ICV, in one hold of the replay mutex: stores in
 * '*seq' the full sequence number of a packet of inbound SA 'sa' whose
 * header carries 'seq_low' (esp_replay_infer_seq()) and returns
 * esp_replay_check_update(sa, *seq, false). */
static enum esp_drop
replay_precheck(struct esp_sa *sa, uint32_t seq_low, uint64_t *seq)
{
    enum esp_drop result;

    ovs_mutex_lock(&sa->replay_mutex);
    *seq = replay_infer__(sa, sa->replay_top, seq_low);
    result = *seq ? replay_check__(sa, *seq, false) : ESP_DROP_REPLAY;
    ovs_mutex_unlock(&sa->replay_mutex);
    return result;
}

/* The SA table. */

/* Checks 'cfg'.  Returns NULL if it is usable, otherwise a malloc()'d
 * message saying what is wrong. */
char *
esp_sa_config_check(const struct esp_sa_config *cfg)
{
    if (!cfg->name || !cfg->name[0]) {
        return xstrdup("an SA needs a name");
    } else if (cfg->spi < 256) {
        return xasprintf("SPI %"PRIu32" is reserved (RFC 4303 section 2.1: "
                         "1 to 255 are reserved, 0 is never sent)", cfg->spi);
    } else if (!cfg->remote_ip) {
        return xstrdup("an SA needs the peer's address (remote_ip)");
    } else if (cfg->cipher != ESP_AES_128_GCM
               && cfg->cipher != ESP_AES_256_GCM) {
        return xstrdup("unknown cipher");
    } else if (cfg->replay_window > ESP_MAX_REPLAY_WINDOW) {
        return xasprintf("replay window %u is larger than %d packets",
                         cfg->replay_window, ESP_MAX_REPLAY_WINDOW);
    } else if (cfg->udp_encap && !cfg->udp_port) {
        return xstrdup("UDP encapsulation needs a port");
    } else if ((cfg->soft_bytes && cfg->hard_bytes
                && cfg->soft_bytes >= cfg->hard_bytes)
               || (cfg->soft_packets && cfg->hard_packets
                   && cfg->soft_packets >= cfg->hard_packets)
               || (cfg->soft_seconds && cfg->hard_seconds
                   && cfg->soft_seconds >= cfg->hard_seconds)) {
        return xstrdup("a soft lifetime must be below its hard lifetime");
    } else if (cfg->outbound && !cfg->seq_first) {
        return xstrdup("an outbound SA's first sequence number is at "
                       "least 1");
    } else if (cfg->outbound && !cfg->esn && cfg->seq_first > UINT32_MAX) {
        return xstrdup("without ESN an SA's sequence numbers end at "
                       "2^32 - 1");
    }
    return NULL;
}

static struct esp_sa *
sa_find(const char *name)
{
    struct esp_sa *sa;

    HMAP_FOR_EACH_WITH_HASH (sa, name_node, hash_string(name, 0), &by_name) {
        if (!strcmp(sa->name, name)) {
            return sa;
        }
    }
    return NULL;
}

/* Returns the SA named 'name', or NULL.  Main thread. */
const struct esp_sa *
esp_sa_find(const char *name)
{
    return sa_find(name);
}

static struct esp_sa *
inbound_find(uint32_t spi)
{
    struct esp_sa *sa;

    CMAP_FOR_EACH_WITH_HASH (sa, node, spi_hash(spi), &inbound) {
        if (sa->cfg.spi == spi) {
            return sa;
        }
    }
    return NULL;
}

/* Returns the time_msec() deadline of a lifetime of 'seconds' (0: none)
 * for an SA created at 'created' (ms): 0 for none, LLONG_MAX for one too
 * far away to reach (the schema allows up to 2**63 - 1 seconds, whose
 * milliseconds do not fit in a long long int). */
static long long int
lifetime_deadline(long long int created, uint64_t seconds)
{
    if (!seconds) {
        return 0;
    }
    return (seconds < (uint64_t) (LLONG_MAX - MAX(created, 0)) / 1000
            ? created + (long long int) seconds * 1000
            : LLONG_MAX);
}

/* Sets 'sa''s lifetimes from 'cfg' (the SA keeps its counters and its
 * age); an SA already past a new hard limit expires at once. */
void
esp_sa_set_lifetimes(struct esp_sa *sa, const struct esp_sa_config *cfg)
{
    atomic_store_relaxed(&sa->soft_bytes, cfg->soft_bytes);
    atomic_store_relaxed(&sa->hard_bytes, cfg->hard_bytes);
    atomic_store_relaxed(&sa->soft_packets, cfg->soft_packets);
    atomic_store_relaxed(&sa->hard_packets, cfg->hard_packets);
    atomic_store_relaxed(&sa->soft_at,
                         lifetime_deadline(sa->created, cfg->soft_seconds));
    atomic_store_relaxed(&sa->hard_at,
                         lifetime_deadline(sa->created, cfg->hard_seconds));
    sa->cfg.soft_bytes = cfg->soft_bytes;
    sa->cfg.hard_bytes = cfg->hard_bytes;
    sa->cfg.soft_packets = cfg->soft_packets;
    sa->cfg.hard_packets = cfg->hard_packets;
    sa->cfg.soft_seconds = cfg->soft_seconds;
    sa->cfg.hard_seconds = cfg->hard_seconds;
    esp_run(time_msec());
}

/* Adds SA 'cfg' (checked with esp_sa_config_check()).  An outbound SA
 * starts at sequence number cfg->seq_first and sends up to
 * cfg->seq_reserved; the newest usable outbound SA of a peer is the one
 * its packets use (make-before-break rekeying).  An inbound SA is found by
 * its SPI, which must be unique among inbound SAs.  Returns NULL, or a
 * malloc()'d error message (nothing added).  Main thread. */
char *
esp_sa_add(const struct esp_sa_config *cfg)
{
    char *error = esp_sa_config_check(cfg);
    if (error) {
        return error;
    }
    if (sa_find(cfg->name)) {
        return xasprintf("an SA named %s exists", cfg->name);
    }
    if (!cfg->outbound && inbound_find(cfg->spi)) {
        return xasprintf("inbound SPI 0x%08"PRIx32" is inbound SA %s's",
                         cfg->spi, inbound_find(cfg->spi)->name);
    }

    struct esp_sa *sa = xzalloc(sizeof *sa);
    sa->cfg = *cfg;
    sa->name = xstrdup(cfg->name);
    sa->cfg.name = sa->name;
    sa->uid = next_uid++;
    IMB_MGR *mgr = esp_mgr();
    if (!mgr) {
        free(sa->name);
        free(sa);
        return xstrdup("cannot initialise the AES-GCM library "
                       "(libipsec-mb)");
    }
    sa->gcm_key = xmalloc_size_align(sizeof *sa->gcm_key, 64);
    if (cfg->cipher == ESP_AES_256_GCM) {
        IMB_AES256_GCM_PRE(mgr, cfg->key, sa->gcm_key);
    } else {
        IMB_AES128_GCM_PRE(mgr, cfg->key, sa->gcm_key);
    }
    sa->seq_max = cfg->esn ? UINT64_MAX : UINT32_MAX;
    sa->created = time_msec();
    atomic_init(&sa->state, ESP_SA_ACTIVE);
    atomic_init(&sa->seq, cfg->outbound ? cfg->seq_first - 1 : 0);
    atomic_init(&sa->seq_reserved, cfg->seq_reserved);
    ovs_mutex_init_adaptive(&sa->replay_mutex);
    sa->replay_bits = ROUND_UP(MAX(cfg->replay_window, 1), 64);
    sa->replay_map = xzalloc(sa->replay_bits / 8);
    esp_sa_set_lifetimes(sa, cfg);

    hmap_insert(&by_name, &sa->name_node, hash_string(sa->name, 0));
    if (cfg->outbound) {
        cmap_insert(&outbound, &sa->node, peer_hash(cfg->remote_ip));
    } else {
        cmap_insert(&inbound, &sa->node, spi_hash(cfg->spi));
    }
    return NULL;
}

static void
sa_free(struct esp_sa *sa)
{
    OPENSSL_cleanse(sa->cfg.key, sizeof sa->cfg.key);
    OPENSSL_cleanse(sa->cfg.salt, sizeof sa->cfg.salt);
    OPENSSL_cleanse(sa->gcm_key, sizeof *sa->gcm_key);
    free_size_align(sa->gcm_key);
    ovs_mutex_destroy(&sa->replay_mutex);
    free(sa->replay_map);
    free(sa->name);
    free(sa);
}

/* Removes the SA named 'name'; packets being processed with it finish
 * first (RCU).  Returns false if there is none.  Main thread. */
bool
esp_sa_remove(const char *name)
{
    struct esp_sa *sa = sa_find(name);

    if (!sa) {
        return false;
    }
    hmap_remove(&by_name, &sa->name_node);
    if (sa->cfg.outbound) {
        cmap_remove(&outbound, &sa->node, peer_hash(sa->cfg.remote_ip));
    } else {
        cmap_remove(&inbound, &sa->node, spi_hash(sa->cfg.spi));
    }
    ovsrcu_postpone(sa_free, sa);
    return true;
}

/* Returns true if 'sa' has exactly the identity, keys and transport of
 * 'cfg' (lifetimes aside), so that it can be kept with its counters,
 * sequence numbers and window when its configuration is read again. */
bool
esp_sa_same_keys(const struct esp_sa *sa, const struct esp_sa_config *cfg)
{
    const struct esp_sa_config *a = &sa->cfg;

    return (a->outbound == cfg->outbound && a->spi == cfg->spi
            && a->remote_ip == cfg->remote_ip && a->cipher == cfg->cipher
            && !memcmp(a->key, cfg->key, sizeof a->key)
            && !memcmp(a->salt, cfg->salt, sizeof a->salt)
            && a->esn == cfg->esn && a->replay_window == cfg->replay_window
            && a->udp_encap == cfg->udp_encap
            && a->udp_port == cfg->udp_port);
}

/* Returns true if 'sa' and 'cfg' are both outbound with the same cipher,
 * key and salt: the same AES-GCM nonces (RFC 4106 sections 3 and 4) if
 * both sent. */
bool
esp_sa_same_nonce_key(const struct esp_sa *sa,
                      const struct esp_sa_config *cfg)
{
    const struct esp_sa_config *a = &sa->cfg;

    return (a->outbound && cfg->outbound && a->cipher == cfg->cipher
            && !memcmp(a->key, cfg->key, sizeof a->key)
            && !memcmp(a->salt, cfg->salt, sizeof a->salt));
}

const char *
esp_sa_name(const struct esp_sa *sa)
{
    return sa->name;
}

bool
esp_sa_is_outbound(const struct esp_sa *sa)
{
    return sa->cfg.outbound;
}

/* Adds the name of every SA to 'names'.  Main thread. */
void
esp_sa_names(struct sset *names)
{
    const struct esp_sa *sa;

    HMAP_FOR_EACH (sa, name_node, &by_name) {
        sset_add(names, sa->name);
    }
}

static uint64_t
read_u64(const atomic_uint64_t *p)
{
    uint64_t value;

    atomic_read_relaxed(CONST_CAST(atomic_uint64_t *, p), &value);
    return value;
}

/* Returns true if outbound SA 'sa' can send: not expired and with a
 * reserved sequence number left. */
static bool
outbound_usable(const struct esp_sa *sa)
{
    return (sa_state(sa) != ESP_SA_EXPIRED
            && read_u64(&sa->seq) < read_u64(&sa->seq_reserved));
}

/* Returns the outbound SA that packets to 'peer' use: the newest usable
 * one, otherwise the newest unexpired one (whose packets are then dropped
 * as ESP_DROP_SEQ), or NULL. */
static struct esp_sa *
outbound_find(ovs_be32 peer)
{
    struct esp_sa *best = NULL, *sa;
    bool best_usable = false;

    CMAP_FOR_EACH_WITH_HASH (sa, node, peer_hash(peer), &outbound) {
        if (sa->cfg.remote_ip != peer || sa_state(sa) == ESP_SA_EXPIRED) {
            continue;
        }
        bool usable = outbound_usable(sa);
        if (!best || (usable && !best_usable)
            || (usable == best_usable && sa->uid > best->uid)) {
            best = sa;
            best_usable = usable;
        }
    }
    return best;
}

/* Stores 'sa''s counters and state in 'st'. */
void
esp_sa_get_stats(const struct esp_sa *sa_, struct esp_sa_stats *st)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct esp_sa *sa = CONST_CAST(struct esp_sa *, sa_);

    st->packets = read_u64(&sa->packets);
    st->bytes = read_u64(&sa->bytes);
    for (size_t i = 0; i < ESP_N_DROPS; i++) {
        st->drops[i] = read_u64(&sa->drops[i]);
    }
    if (sa->cfg.outbound) {
        st->seq = MIN(read_u64(&sa->seq), sa->seq_max);
        st->in_use = outbound_find(sa->cfg.remote_ip) == sa;
    } else {
        ovs_mutex_lock(&sa->replay_mutex);
        st->seq = sa->replay_top;
        ovs_mutex_unlock(&sa->replay_mutex);
        st->in_use = false;
    }
    st->state = sa_state(sa);
}

/* Sequence number reservation (RFC 4303 section 3.3.3: never reused).
 *
 * Returns the last sequence number outbound SA 'sa' should be allowed to
 * send next, 'block' numbers beyond what it has used, once less than half
 * a block is left of its reservation (or nothing is reserved yet);
 * otherwise 0.  The caller persists the number, then gives it to
 * esp_sa_seq_reserve(). */
uint64_t
esp_sa_seq_wanted(const struct esp_sa *sa, uint64_t block)
{
    if (!sa->cfg.outbound) {
        return 0;
    }
    uint64_t seq = read_u64(&sa->seq);
    uint64_t reserved = read_u64(&sa->seq_reserved);
    if (reserved >= sa->seq_max
        || (reserved > seq && reserved - seq >= block / 2)) {
        return 0;
    }
    uint64_t base = MAX(seq, reserved);
    return base > sa->seq_max - block ? sa->seq_max : base + block;
}

/* Lets outbound SA 'sa' send sequence numbers up to 'last', which its
 * owner has persisted.  Main thread. */
void
esp_sa_seq_reserve(struct esp_sa *sa, uint64_t last)
{
    if (last > read_u64(&sa->seq_reserved)) {
        atomic_store_relaxed(&sa->seq_reserved, MIN(last, sa->seq_max));
    }
}

/* Applies lifetimes (RFC 4301 section 4.4.2.1) at time 'now' (ms): soft
 * limits make SAs dying, hard limits expired.  Main thread, about once a
 * second; the per-packet path checks hard packet and byte limits itself. */
void
esp_run(long long int now)
{
    struct esp_sa *sa;

    HMAP_FOR_EACH (sa, name_node, &by_name) {
        uint64_t packets = read_u64(&sa->packets);
        uint64_t bytes = read_u64(&sa->bytes);
        uint64_t sb = read_u64(&sa->soft_bytes);
        uint64_t hb = read_u64(&sa->hard_bytes);
        uint64_t sp = read_u64(&sa->soft_packets);
        uint64_t hp = read_u64(&sa->hard_packets);
        long long int sat, hat;

        atomic_read_relaxed(&sa->soft_at, &sat);
        atomic_read_relaxed(&sa->hard_at, &hat);
        if ((hb && bytes >= hb) || (hp && packets >= hp)
            || (hat && now >= hat)
            || (sa->cfg.outbound && read_u64(&sa->seq) >= sa->seq_max)) {
            sa_raise_state(sa, ESP_SA_EXPIRED);
        } else if ((sb && bytes >= sb) || (sp && packets >= sp)
                   || (sat && now >= sat)) {
            sa_raise_state(sa, ESP_SA_DYING);
        }
    }
}

/* Appends a description of SA 'name' (or of every SA, by name, if 'name'
 * is NULL), its counters and the global drop counters to 'ds'. */
void
esp_format(struct ds *ds, const char *name)
{
    struct sset names = SSET_INITIALIZER(&names);
    const char *n;

    esp_sa_names(&names);
    SSET_FOR_EACH (n, &names) {
        const struct esp_sa *sa = sa_find(n);
        struct esp_sa_stats st;

        if (name && strcmp(name, n)) {
            continue;
        }
        esp_sa_get_stats(sa, &st);
        ds_put_format(ds, "%s: %s spi 0x%08"PRIx32" peer "IP_FMT" %s%s%s "
                      "state %s%s\n", sa->name,
                      sa->cfg.outbound ? "outbound" : "inbound",
                      sa->cfg.spi, IP_ARGS(sa->cfg.remote_ip),
                      sa->cfg.cipher == ESP_AES_256_GCM
                      ? "aes-256-gcm" : "aes-128-gcm",
                      sa->cfg.esn ? " esn" : "",
                      sa->cfg.udp_encap ? " udp-encap" : "",
                      esp_state_name(st.state),
                      st.in_use ? " (in use)" : "");
        ds_put_format(ds, "  packets %"PRIu64" bytes %"PRIu64" %s %"PRIu64,
                      st.packets, st.bytes,
                      sa->cfg.outbound ? "last seq" : "highest seq", st.seq);
        if (sa->cfg.outbound) {
            ds_put_format(ds, " reserved up to %"PRIu64,
                          read_u64(&sa->seq_reserved));
        } else {
            ds_put_format(ds, " replay window %u", sa->cfg.replay_window);
        }
        ds_put_cstr(ds, "\n  drops:");
        for (size_t i = 0; i < ESP_N_DROPS; i++) {
            ds_put_format(ds, " %s %"PRIu64, drop_names[i], st.drops[i]);
        }
        ds_put_char(ds, '\n');
    }
    if (!name) {
        ds_put_cstr(ds, "without an SA:");
        for (size_t i = 0; i < ESP_N_DROPS; i++) {
            ds_put_format(ds, " %s %"PRIu64, drop_names[i],
                          read_u64(&global_drops[i]));
        }
        ds_put_char(ds, '\n');
    }
    sset_destroy(&names);
}

/* Per-packet processing. */

/* Makes sure '*pp' has 'head' bytes of headroom and 'tail' of tailroom:
 * a DPDK mbuf cannot grow, so a too small one is replaced by a malloc()'d
 * copy. */
/* Bytes beyond what is asked that growing a packet's buffer at both ends
 * may allocate (ensure_room()'s 64 bytes of headroom, dp_packet's 64-byte
 * minimum growth at each end). */
#define ESP_BUFFER_SLACK 128

static void
ensure_room(struct dp_packet **pp, size_t head, size_t tail)
{
    struct dp_packet *p = *pp;

    if (p->source == DPBUF_DPDK
        && (dp_packet_headroom(p) < head || dp_packet_tailroom(p) < tail)) {
        struct dp_packet *copy = dp_packet_clone_with_headroom(p, head + 64);

        dp_packet_prealloc_tailroom(copy, tail);
        dp_packet_delete(p);
        *pp = copy;
    }
}

/* The outbound SA that encrypt_execute() found for the last destination of
 * a batch: after tnl_push the packets of a batch usually share their outer
 * header, so one lookup serves the batch.  Valid until the PMD thread
 * quiesces (RCU), so only within one batch. */
struct esp_out_cache {
    bool valid;
    ovs_be32 dst;
    struct esp_sa *sa;          /* May be NULL: no SA for 'dst'. */
};

static int encrypt_packet(struct dp_packet **, ovs_be32 *dst,
                          struct esp_out_cache *);

/* Encrypts '*pp', an Ethernet + IPv4 packet just encapsulated for a tunnel
 * (owned; it may be replaced), with the outbound SA for its destination,
 * in transport mode (RFC 4303 section 3.1.1): the IP payload becomes ESP,
 * optionally inside UDP (RFC 3948 section 2.1).  Stores the outer
 * destination in '*dst'.  Returns ESP_OK (-1) or an enum esp_drop; the
 * caller drops the packet on error. */
int
esp_encrypt_packet(struct dp_packet **pp, ovs_be32 *dst)
{
    struct esp_out_cache cache = { .valid = false };

    return encrypt_packet(pp, dst, &cache);
}

/* esp_encrypt_packet(), looking the SA up through 'cache'. */
static int
encrypt_packet(struct dp_packet **pp, ovs_be32 *dst,
               struct esp_out_cache *cache)
{
    struct frag_ip ip;

    if (!frag_parse(*pp, &ip)
        || ip.ip->ip_frag_off & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) {
        count_drop(NULL, ESP_DROP_MALFORMED);
        return ESP_DROP_MALFORMED;
    }
    *dst = get_16aligned_be32(&ip.ip->ip_dst);

    if (!cache->valid || cache->dst != *dst) {
        cache->valid = true;
        cache->dst = *dst;
        cache->sa = outbound_find(*dst);
    }
    struct esp_sa *sa = cache->sa;
    if (!sa) {
        count_drop(NULL, ESP_DROP_NO_SA);
        return ESP_DROP_NO_SA;
    }
    if (sa_state(sa) == ESP_SA_EXPIRED) {
        count_drop(sa, ESP_DROP_EXPIRED);
        return ESP_DROP_EXPIRED;
    }

    /* The ESP packet's lengths must fit the IPv4 total length and UDP
     * length fields (16 bits), and its buffer a dp_packet's, whose size is
     * 16 bits too: growing a buffer by 'head' and 'tail' bytes allocates at
     * most ESP_BUFFER_SLACK more than that, and the buffer holds at least
     * the IPv4 packet, so this bounds both.  A larger one is dropped before
     * it uses up a sequence number. */
    size_t payload = ip.tot - ip.ihl;
    size_t hdrs = ip.l3 + ip.ihl;
    size_t udp = sa->cfg.udp_encap ? ESP_UDP_LEN : 0;
    size_t head = udp + ESP_HEADER_LEN + ESP_IV_LEN;
    size_t pad = (4 - (payload + 2) % 4) % 4;
    size_t tail = pad + 2 + ESP_ICV_LEN;
    if (MAX(dp_packet_get_allocated(*pp), dp_packet_headroom(*pp) + hdrs
            + payload) + head + tail + ESP_BUFFER_SLACK > UINT16_MAX) {
        count_drop(sa, ESP_DROP_MALFORMED);
        return ESP_DROP_MALFORMED;
    }

    /* Takes the next sequence number only if the packet can go: a dropped
     * packet uses none up (RFC 4303 section 3.3.3). */
    uint64_t hp = read_u64(&sa->hard_packets);
    uint64_t hb = read_u64(&sa->hard_bytes);
    uint64_t seq = read_u64(&sa->seq);
    for (;;) {
        if (seq >= sa->seq_max) {
            sa_raise_state(sa, ESP_SA_EXPIRED);
            count_drop(sa, ESP_DROP_SEQ);
            return ESP_DROP_SEQ;
        } else if (seq >= read_u64(&sa->seq_reserved)) {
            count_drop(sa, ESP_DROP_SEQ);
            return ESP_DROP_SEQ;
        } else if ((hp && seq + 1 - sa->cfg.seq_first >= hp)
                   || (hb && read_u64(&sa->bytes) + payload > hb)) {
            sa_raise_state(sa, ESP_SA_EXPIRED);
            count_drop(sa, ESP_DROP_EXPIRED);
            return ESP_DROP_EXPIRED;
        }
        if (atomic_compare_exchange_weak(&sa->seq, &seq, seq + 1)) {
            break;
        }
    }
    seq++;

    /* Ethernet padding beyond the IP packet goes. */
    uint8_t next_header = ip.ip->ip_proto;
    dp_packet_set_size(*pp, hdrs + payload);
    ensure_room(pp, head, tail);

    struct dp_packet *p = *pp;
    dp_packet_put_uninit(p, tail);
    dp_packet_push_uninit(p, head);
    uint8_t *data = dp_packet_data(p);
    memmove(data, data + head, hdrs);

    uint8_t *esp = data + hdrs + udp;
    uint8_t iv[ESP_IV_LEN];
    put_unaligned_be64(ALIGNED_CAST(ovs_be64 *, iv), htonll(seq));
    size_t esp_len = esp_seal(sa, seq, iv, esp + ESP_HEADER_LEN + ESP_IV_LEN,
                              payload, next_header, esp);
    if (!esp_len) {
        count_drop(sa, ESP_DROP_MALFORMED);
        return ESP_DROP_MALFORMED;
    }

    struct ip_header *iph = ALIGNED_CAST(struct ip_header *, data + ip.l3);
    iph->ip_tot_len = htons(ip.ihl + udp + esp_len);
    iph->ip_proto = udp ? IPPROTO_UDP : IPPROTO_ESP_;
    iph->ip_csum = 0;
    iph->ip_csum = csum(iph, ip.ihl);
    if (udp) {
        struct udp_header *uh = ALIGNED_CAST(struct udp_header *,
                                             data + hdrs);
        uh->udp_src = uh->udp_dst = htons(sa->cfg.udp_port);
        uh->udp_len = htons(udp + esp_len);
        uh->udp_csum = 0;               /* RFC 3948 section 2.1. */
    }
    p->l3_ofs = ip.l3;
    p->l4_ofs = hdrs;
    dp_packet_reset_offload(p);

    atomic_add_relaxed(&sa->packets, 1, &seq);
    atomic_add_relaxed(&sa->bytes, payload, &seq);
    COVERAGE_INC(esp_encrypted);
    return ESP_OK;
}

/* Decrypts '*pp' (owned; it may be replaced), an Ethernet + IPv4 packet
 * carrying ESP directly or in UDP, in place (RFC 4303 section 3.4): finds
 * the inbound SA by SPI (section 3.4.2), checks the replay window before
 * and after the ICV (sections 3.4.3 and 3.4.4), checks that the payload is
 * a tunnel protocol (UDP or GRE) from the SA's peer (or, with UDP
 * encapsulation, gives it the peer's address as source, RFC 3948 section
 * 3.1.2) and leaves the plain IPv4 packet.  Returns ESP_OK (-1) or an enum
 * esp_drop; the caller drops the packet on error. */
int
esp_decrypt_packet(struct dp_packet **pp)
{
    struct dp_packet *p = *pp;
    struct frag_ip ip;
    struct esp_sa *sa = NULL;
    enum esp_drop why;

    if (!frag_parse(p, &ip)
        || ip.ip->ip_frag_off & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) {
        why = ESP_DROP_MALFORMED;
        goto drop;
    }

    uint8_t *data = dp_packet_data(p);
    size_t hdrs = ip.l3 + ip.ihl;
    size_t end = ip.l3 + ip.tot;
    size_t esp_ofs = hdrs;
    bool udp = ip.ip->ip_proto == IPPROTO_UDP;
    uint16_t port = 0;

    if (udp) {
        const struct udp_header *uh;

        if (end < hdrs + ESP_UDP_LEN + 4) {
            why = ESP_DROP_MALFORMED;
            goto drop;
        }
        uh = ALIGNED_CAST(const struct udp_header *, data + hdrs);
        if (ntohs(uh->udp_len) != end - hdrs) {
            why = ESP_DROP_MALFORMED;
            goto drop;
        }
        port = ntohs(uh->udp_dst);
        esp_ofs += ESP_UDP_LEN;
        if (!get_unaligned_be32(ALIGNED_CAST(ovs_be32 *, data + esp_ofs))) {
            /* Non-ESP marker (RFC 3948 section 2.2): IKE, not ours. */
            why = ESP_DROP_POLICY;
            goto drop;
        }
    } else if (ip.ip->ip_proto != IPPROTO_ESP_) {
        why = ESP_DROP_POLICY;
        goto drop;
    }
    if (end < esp_ofs + ESP_HEADER_LEN + ESP_IV_LEN + 2 + ESP_ICV_LEN) {
        why = ESP_DROP_MALFORMED;
        goto drop;
    }

    uint8_t *esp = data + esp_ofs;
    uint32_t spi = ntohl(get_unaligned_be32(ALIGNED_CAST(ovs_be32 *, esp)));
    sa = inbound_find(spi);
    if (!sa) {
        why = ESP_DROP_NO_SA;
        goto drop;
    }
    ovs_be32 src = get_16aligned_be32(&ip.ip->ip_src);
    if (sa->cfg.udp_encap != udp
        || (udp && port != sa->cfg.udp_port)
        || (!udp && src != sa->cfg.remote_ip)) {
        why = ESP_DROP_POLICY;
        goto drop;
    }
    if (sa_state(sa) == ESP_SA_EXPIRED) {
        why = ESP_DROP_EXPIRED;
        goto drop;
    }

    uint32_t seq_low = ntohl(get_unaligned_be32(
                                 ALIGNED_CAST(ovs_be32 *, esp + 4)));
    uint64_t seq;
    why = replay_precheck(sa, seq_low, &seq);
    if ((int) why != ESP_OK) {
        goto drop;
    }

    uint8_t next_header;
    int len = esp_open(sa, seq, esp, end - esp_ofs, &next_header);
    if (len == -2) {
        why = ESP_DROP_AUTH;
        goto drop;
    } else if (len < 0) {
        why = ESP_DROP_MALFORMED;
        goto drop;
    }
    why = esp_replay_check_update(sa, seq, true);
    if ((int) why != ESP_OK) {
        goto drop;
    }
    if (next_header != IPPROTO_UDP && next_header != IPPROTO_GRE) {
        why = ESP_DROP_POLICY;
        goto drop;
    }
    uint64_t hp = read_u64(&sa->hard_packets);
    uint64_t hb = read_u64(&sa->hard_bytes);
    if ((hp && read_u64(&sa->packets) >= hp)
        || (hb && read_u64(&sa->bytes) + len > hb)) {
        sa_raise_state(sa, ESP_SA_EXPIRED);
        why = ESP_DROP_EXPIRED;
        goto drop;
    }

    /* The plain packet: headers, then the payload where ESP was. */
    size_t head = esp_ofs + ESP_HEADER_LEN + ESP_IV_LEN - hdrs;
    memmove(data + head, data, hdrs);
    dp_packet_pull(p, head);
    dp_packet_set_size(p, hdrs + len);
    data = dp_packet_data(p);

    struct ip_header *iph = ALIGNED_CAST(struct ip_header *, data + ip.l3);
    iph->ip_proto = next_header;
    iph->ip_tot_len = htons(ip.ihl + len);
    if (udp) {
        /* A NAT on the way may have changed either address, and the
         * payload's UDP checksum covers the addresses the peer used: with
         * UDP encapsulation the tunnel knows its peer by the SA's address,
         * and a UDP checksum inside is set to zero (IPv4 allows it; the ICV
         * protects the payload), RFC 3948 section 3.1.2. */
        put_16aligned_be32(&iph->ip_src, sa->cfg.remote_ip);
        if (next_header == IPPROTO_UDP && len >= UDP_HEADER_LEN) {
            struct udp_header *uh = ALIGNED_CAST(struct udp_header *,
                                                 data + hdrs);
            uh->udp_csum = 0;
        }
    }
    iph->ip_csum = 0;
    iph->ip_csum = csum(iph, ip.ihl);
    dp_packet_reset_offsets(p);
    dp_packet_reset_offload(p);

    uint64_t orig;
    atomic_add_relaxed(&sa->packets, 1, &orig);
    atomic_add_relaxed(&sa->bytes, len, &orig);
    COVERAGE_INC(esp_decrypted);
    return ESP_OK;

drop:
    count_drop(sa, why);
    return why;
}

/* The datapath action esp_encrypt(actions). */

static struct nfv_name_set esp_tunnels;

/* Makes the tunnel interfaces named in 'tunnels' encrypt (and no other).
 * Main thread; the caller revalidates datapath flows. */
void
esp_tunnel_configure(const struct sset *tunnels)
{
    nfv_name_set_replace(&esp_tunnels, tunnels);
}

/* Returns true if tunnel interface 'tunnel' encrypts.  Any thread. */
bool
esp_tunnel_encrypts(const char *tunnel)
{
    return nfv_name_set_contains(&esp_tunnels, tunnel);
}

/* If tunnel interface 'tunnel' encrypts, opens in 'odp_actions' an
 * esp_encrypt action that holds the datapath actions appended until
 * esp_tunnel_output_end(). */
void
esp_tunnel_output_start(const char *tunnel, struct ofpbuf *odp_actions,
                        struct nfv_wrap *w)
{
    w->active = false;
    if (esp_tunnel_encrypts(tunnel)) {
        nfv_wrap_open(w, odp_actions, NFV_ACTION_ESP_ENCRYPT);
        nfv_wrap_body(w, odp_actions, ESP_ODP_ACTIONS);
    }
}

/* Closes what esp_tunnel_output_start() opened; with nothing inside, the
 * packet would be dropped anyway, so nothing at all is left. */
void
esp_tunnel_output_end(struct ofpbuf *odp_actions, struct nfv_wrap *w)
{
    nfv_wrap_close(w, odp_actions);
}

static bool
encrypt_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                const void *args, size_t len, odp_execute_cb cb)
{
    const struct nlattr *actions = NULL;
    const struct nlattr *a;
    struct dp_packet_batch out;
    struct dp_packet *packet;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (nl_attr_type(a) == ESP_ODP_ACTIONS) {
            actions = a;
        }
    }

    struct esp_out_cache cache = { .valid = false };

    dp_packet_batch_init(&out);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        struct dp_packet *p = steal ? packet : dp_packet_clone(packet);
        ovs_be32 dst;

        if (actions && encrypt_packet(&p, &dst, &cache) == ESP_OK) {
            frag_output(dp, &out, p, actions, cb);
        } else {
            dp_packet_delete(p);
        }
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
encrypt_no_openflow(const char *arg OVS_UNUSED,
                    struct ofpbuf *args OVS_UNUSED)
{
    return xstrdup("esp_encrypt: a datapath action that translation makes "
                   "for tunnel interfaces with other_config:nfv-esp=true");
}

static void
encrypt_odp_format(const void *args, size_t len, struct ds *ds)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (nl_attr_type(a) == ESP_ODP_ACTIONS) {
            ds_put_cstr(ds, "actions(");
            format_odp_actions(ds, nl_attr_get(a), nl_attr_get_size(a),
                               NULL);
            ds_put_char(ds, ')');
        }
    }
}

const struct nfv_action_class esp_encrypt_class = {
    .name = "esp_encrypt",
    .kind = NFV_ACTION_ESP_ENCRYPT,
    .parse = encrypt_no_openflow,
    .decode = nfv_decode_datapath_only,
    .xlate = nfv_xlate_datapath_only,
    .execute = encrypt_execute,
    .odp_parse = encrypt_no_openflow,
    .odp_format = encrypt_odp_format,
};

/* The OpenFlow action esp_decrypt. */

static bool
decrypt_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                const void *args OVS_UNUSED, size_t len OVS_UNUSED,
                odp_execute_cb cb)
{
    struct dp_packet_batch done;
    struct dp_packet *packet;

    dp_packet_batch_init(&done);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        struct dp_packet *p = steal ? packet : dp_packet_clone(packet);

        if (esp_decrypt_packet(&p) == ESP_OK) {
            p->md.pkt_mark = ESP_PKT_MARK;
            dp_packet_batch_add(&done, p);
        } else {
            dp_packet_delete(p);
        }
    }
    if (steal) {
        dp_packet_batch_init(batch);
    }
    if (!dp_packet_batch_is_empty(&done)) {
        /* Through the datapath again, as received, now in plain text. */
        nfv_recirculate(dp, &done, cb);
    }
    return steal;
}

/* IPv4 packets that are not fragments get the datapath action and nothing
 * after it: the action takes them, and the plain packets go through the
 * datapath again.  Fragments and other packets go on to the rule's next
 * actions (put reassemble first to decrypt fragmented ESP).  The megaflow
 * matches the fragment bits. */
static void
decrypt_xlate(const void *args OVS_UNUSED, size_t len OVS_UNUSED,
              const struct flow *flow, struct flow_wildcards *wc,
              struct ofpbuf *odp_actions,
              const struct nfv_xlate_branch *branch)
{
    nfv_xlate_ipv4_take(flow, wc, odp_actions, branch,
                        NFV_ACTION_ESP_DECRYPT, false);
}

const struct nfv_action_class esp_decrypt_class = {
    .name = "esp_decrypt",
    .kind = NFV_ACTION_ESP_DECRYPT,
    .decode = nfv_decode_no_args,
    .xlate = decrypt_xlate,
    .execute = decrypt_execute,
    .odp_format = nfv_odp_format_none,
};
