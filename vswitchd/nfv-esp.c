/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovs-vswitchd's ESP module: reads the ESP_SA table of the NFV_Tenant
 * database, installs, keeps, replaces and removes the SAs of the ESP
 * library (lib/nfv-esp.c) to match it, reserves outbound sequence numbers
 * in blocks that it persists first (so that a restart never reuses one,
 * RFC 4303 section 3.3.3), applies lifetimes and writes each SA's
 * statistics and status back.  Command: "ovs-appctl nfv/esp-show [SA]". */

#include <config.h>

#include "nfv/vswitchd/nfv-esp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "dirs.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

#include "nfv/lib/nfv-esp.h"
#include "nfv/ovsdb/nfv-tenant-idl.h"
#include "nfv/vswitchd/nfv.h"

VLOG_DEFINE_THIS_MODULE(nfv_esp_sa);

#define ESP_RUN_INTERVAL 100            /* ms between reservation checks. */
#define ESP_STATS_INTERVAL 5000         /* ms between statistics writes. */
#define ESP_SEQ_BLOCK (UINT64_C(1) << 22)   /* Sequence numbers reserved at
                                             * once: 2 s at 2 Mpps. */
#define ESP_SEQ_FILE "nfv-esp-seq"      /* In ovs_dbdir(). */
#define ESP_SEQ_MAX_ENTRIES 65536       /* Kept for SAs no longer there. */

static char *db_remote;
static struct ovsdb_idl *idl;
static unsigned int idl_seqno;
static long long int next_run, next_stats;
static struct ovsdb_idl_txn *stats_txn;
static bool have_sas;                   /* Any SA installed? */

/* Why an ESP_SA row has no SA, by row name. */
static struct smap errors = SMAP_INITIALIZER(&errors);

/* Sequence number reservations (ESP_SEQ_FILE): the last reserved number,
 * as a decimal string, by key fingerprint (seq_fingerprint()).  Loaded
 * once. */
static struct smap reservations = SMAP_INITIALIZER(&reservations);
static bool reservations_loaded;
static char *reservation_error;     /* Why the file cannot be written. */

static char *
seq_file_name(void)
{
    return xasprintf("%s/%s", ovs_dbdir(), ESP_SEQ_FILE);
}

/* Returns (malloc()'d) the first 16 bytes of SHA-256 over the 'n' bytes
 * at 'in', in hexadecimal, after 'prefix'. */
static char *
seq_digest(const char *prefix, const uint8_t *in, size_t n)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    struct ds ds = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&ds, prefix);
    EVP_Digest(in, n, md, &md_len, EVP_sha256(), NULL);
    for (size_t i = 0; i < 16 && i < md_len; i++) {
        ds_put_format(&ds, "%02x", md[i]);
    }
    return ds_steal_cstr(&ds);
}

/* Returns (malloc()'d) the fingerprint under which the reservation of
 * outbound SA 'cfg' is kept: "k" and a digest of its cipher, key and salt,
 * which make its GCM nonces (salt and sequence number, RFC 4106 sections 3
 * and 4).  The same key and salt continue where they stopped, whatever the
 * row's name, SPI or peer: a nonce must never repeat under one key (RFC
 * 4106 section 3.1). */
static char *
seq_fingerprint(const struct esp_sa_config *cfg)
{
    uint8_t in[1 + 32 + 4];

    in[0] = cfg->cipher;
    memcpy(in + 1, cfg->key, 32);
    memcpy(in + 33, cfg->salt, 4);
    return seq_digest("k", in, sizeof in);
}

/* Returns (malloc()'d) the fingerprint that releases before 2026-12-04
 * kept reservations under: a digest of the SPI, peer, key and salt.  Only
 * read, so that an SA continues above what they reserved. */
static char *
seq_fingerprint_v1(const struct esp_sa_config *cfg)
{
    uint8_t in[4 + 4 + 32 + 4];
    ovs_be32 spi = htonl(cfg->spi);

    memcpy(in, &spi, 4);
    memcpy(in + 4, &cfg->remote_ip, 4);
    memcpy(in + 8, cfg->key, 32);
    memcpy(in + 40, cfg->salt, 4);
    return seq_digest("", in, sizeof in);
}

/* Returns the last sequence number reserved for outbound SA 'cfg''s key
 * and salt (under either fingerprint), or 0 if none was. */
static uint64_t
seq_last_reserved(const struct esp_sa_config *cfg)
{
    char *fprs[2] = { seq_fingerprint(cfg), seq_fingerprint_v1(cfg) };
    uint64_t last = 0;

    for (size_t i = 0; i < ARRAY_SIZE(fprs); i++) {
        const char *value = smap_get(&reservations, fprs[i]);

        if (value) {
            last = MAX(last, strtoull(value, NULL, 10));
        }
        free(fprs[i]);
    }
    return last;
}

static void
seq_load(void)
{
    char *name = seq_file_name();
    FILE *f = fopen(name, "r");

    reservations_loaded = true;
    if (!f) {
        if (errno != ENOENT) {
            VLOG_WARN("%s: %s", name, ovs_strerror(errno));
        }
        free(name);
        return;
    }

    char fpr[64];
    unsigned long long int last;
    while (fscanf(f, "%63s %llu", fpr, &last) == 2) {
        char *value = xasprintf("%llu", last);
        smap_replace(&reservations, fpr, value);
        free(value);
    }
    fclose(f);
    free(name);
}

/* Writes 'reservations' to ESP_SEQ_FILE, durably (write a new file, fsync,
 * rename).  Returns 0 or an errno value. */
static int
seq_save(void)
{
    char *name = seq_file_name();
    char *tmp = xasprintf("%s.tmp", name);
    const struct smap_node *node;
    int error = 0;

    FILE *f = fopen(tmp, "w");
    if (!f) {
        error = errno;
        goto out;
    }
    SMAP_FOR_EACH (node, &reservations) {
        fprintf(f, "%s %s\n", node->key, node->value);
    }
    if (fflush(f) || fsync(fileno(f))) {
        error = errno;
        fclose(f);
        goto out;
    }
    if (fclose(f) || rename(tmp, name)) {
        error = errno;
    }
out:
    if (error) {
        unlink(tmp);
    }
    free(tmp);
    free(name);
    return error;
}

/* Parses hexadecimal 'hex' into exactly 'n' bytes at 'out'. */
static bool
parse_hex(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexit_value(hex[2 * i]), lo = hexit_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = hi << 4 | lo;
    }
    return true;
}

/* Fills 'cfg' from ESP_SA row 'rec'.  Returns NULL or a malloc()'d
 * error. */
static char *
sa_config_from_row(const struct nfvrec_esp_sa *rec, struct esp_sa_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = rec->name;
    cfg->outbound = !strcmp(rec->direction, "outbound");
    cfg->spi = rec->spi;
    if (inet_pton(AF_INET, rec->remote_ip, &cfg->remote_ip) != 1
        || !cfg->remote_ip) {
        return xasprintf("remote_ip \"%s\" is not an IPv4 address",
                         rec->remote_ip);
    }
    cfg->cipher = (rec->cipher && !strcmp(rec->cipher, "aes-256-gcm")
                   ? ESP_AES_256_GCM : ESP_AES_128_GCM);
    size_t key_len = cfg->cipher == ESP_AES_256_GCM ? 32 : 16;
    if (!parse_hex(rec->encryption_key, cfg->key, key_len)) {
        return xasprintf("encryption_key must be %"PRIuSIZE" hexadecimal "
                         "digits for %s", key_len * 2,
                         rec->cipher ? rec->cipher : "aes-128-gcm");
    }
    if (!parse_hex(rec->salt, cfg->salt, 4)) {
        return xstrdup("salt must be 8 hexadecimal digits");
    }
    cfg->esn = rec->n_esn && *rec->esn;
    cfg->replay_window = (rec->n_replay_window ? *rec->replay_window
                          : ESP_DEFAULT_REPLAY_WINDOW);
    cfg->udp_encap = rec->n_udp_encap && *rec->udp_encap;
    cfg->udp_port = (rec->n_udp_port ? *rec->udp_port
                     : ESP_DEFAULT_UDP_PORT);
    for (size_t i = 0; i < rec->n_lifetime; i++) {
        const char *k = rec->key_lifetime[i];
        uint64_t v = rec->value_lifetime[i];

        if (!strcmp(k, "soft_bytes")) {
            cfg->soft_bytes = v;
        } else if (!strcmp(k, "hard_bytes")) {
            cfg->hard_bytes = v;
        } else if (!strcmp(k, "soft_packets")) {
            cfg->soft_packets = v;
        } else if (!strcmp(k, "hard_packets")) {
            cfg->hard_packets = v;
        } else if (!strcmp(k, "soft_seconds")) {
            cfg->soft_seconds = v;
        } else if (!strcmp(k, "hard_seconds")) {
            cfg->hard_seconds = v;
        }
    }
    cfg->seq_first = 1;
    return esp_sa_config_check(cfg);
}

/* Two outbound SAs with the same cipher, key and salt would send the same
 * GCM nonces under one key (both start their sequence numbers at 1), which
 * breaks AES-GCM's confidentiality and integrity (RFC 4106 sections 3.1
 * and 8).  Of the outbound configurations in 'configs' (by row name; also
 * named in 'wanted') that share them, one keeps them: an SA installed with
 * that cipher, key and salt if there is one, else the row whose name sorts
 * first (so the choice does not depend on the order rows are read in, and
 * after a restart the same row keeps them).  Every other is removed from
 * both, with an error for its row.  (An inbound SA with an outbound SA's
 * key and salt is left alone: a switch that decrypts what it encrypted, as
 * the tests and benchmarks do, needs it; between two peers each direction
 * needs its own key, RFC 4303 section 3.3.3's counters being per
 * direction.) */
static void
esp_refuse_shared_keys(struct shash *configs, struct sset *wanted)
{
    struct shash keepers = SHASH_INITIALIZER(&keepers); /* By fingerprint. */
    struct sset refused = SSET_INITIALIZER(&refused);
    const struct shash_node **nodes = shash_sort(configs);
    size_t n = shash_count(configs);
    const char *name;

    /* The installed ones first, then the others in name order. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const struct esp_sa_config *cfg = nodes[i]->data;
            const struct esp_sa *sa = esp_sa_find(nodes[i]->name);

            if (cfg->outbound
                && (sa && esp_sa_same_nonce_key(sa, cfg)) == !pass) {
                char *fpr = seq_fingerprint(cfg);

                if (!shash_find(&keepers, fpr)) {
                    shash_add_nocopy(&keepers, fpr, CONST_CAST(void *, cfg));
                } else {
                    free(fpr);
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct esp_sa_config *cfg = nodes[i]->data;

        if (cfg->outbound) {
            char *fpr = seq_fingerprint(cfg);
            const struct esp_sa_config *keeper = shash_find_data(&keepers,
                                                                 fpr);
            if (keeper != cfg) {
                smap_add_format(&errors, nodes[i]->name, "encryption key and "
                                "salt are also SA %s's: two outbound SAs "
                                "must not share them (RFC 4106 section 3.1: "
                                "a GCM nonce must never repeat under one "
                                "key)", keeper->name);
                sset_add(&refused, nodes[i]->name);
            }
            free(fpr);
        }
    }
    free(nodes);
    shash_destroy(&keepers);

    SSET_FOR_EACH (name, &refused) {
        struct esp_sa_config *cfg = shash_find_and_delete(configs, name);

        memset(cfg, 0, sizeof *cfg);
        free(cfg);
        sset_find_and_delete(wanted, name);
    }
    sset_destroy(&refused);
}

/* Makes the library's SAs match the ESP_SA table.  An SA whose identity,
 * keys and transport are unchanged is kept (with its counters, sequence
 * numbers and replay window); only its lifetimes are updated. */
static void
esp_module_reconfigure(void)
{
    const struct nfvrec_esp_sa *rec;
    struct sset wanted = SSET_INITIALIZER(&wanted);
    struct sset have = SSET_INITIALIZER(&have);
    struct shash configs = SHASH_INITIALIZER(&configs);
    struct shash_node *node;
    const char *name;

    smap_clear(&errors);
    NFVREC_ESP_SA_FOR_EACH (rec, idl) {
        struct esp_sa_config *cfg = xmalloc(sizeof *cfg);
        char *error = sa_config_from_row(rec, cfg);

        if (error) {
            smap_replace(&errors, rec->name, error);
            free(error);
            free(cfg);
            continue;
        }
        shash_add(&configs, rec->name, cfg);
        sset_add(&wanted, rec->name);
    }
    esp_refuse_shared_keys(&configs, &wanted);

    /* Removals and replacements first, so that a new SA may take an old
     * one's SPI. */
    esp_sa_names(&have);
    SSET_FOR_EACH (name, &have) {
        const struct esp_sa_config *cfg = shash_find_data(&configs, name);
        const struct esp_sa *sa = esp_sa_find(name);

        if (!cfg || !esp_sa_same_keys(sa, cfg)) {
            esp_sa_remove(name);
            VLOG_INFO("SA %s removed", name);
        } else {
            esp_sa_set_lifetimes(CONST_CAST(struct esp_sa *, sa), cfg);
        }
    }
    SHASH_FOR_EACH (node, &configs) {
        struct esp_sa_config *cfg = node->data;

        if (esp_sa_find(node->name)) {
            continue;
        }
        if (cfg->outbound) {
            cfg->seq_first = seq_last_reserved(cfg) + 1;
            cfg->seq_reserved = 0;
        }
        char *error = esp_sa_add(cfg);
        if (error) {
            smap_replace(&errors, node->name, error);
            free(error);
        } else {
            VLOG_INFO("SA %s: %s SPI 0x%08"PRIx32" peer "IP_FMT"%s",
                      node->name, cfg->outbound ? "outbound" : "inbound",
                      cfg->spi, IP_ARGS(cfg->remote_ip),
                      cfg->outbound && cfg->seq_first > 1
                      ? " (continuing above the sequence numbers it "
                        "reserved before)" : "");
        }
    }

    SHASH_FOR_EACH (node, &configs) {
        memset(node->data, 0, sizeof(struct esp_sa_config));
    }
    shash_destroy_free_data(&configs);
    sset_destroy(&wanted);
    sset_clear(&have);
    esp_sa_names(&have);
    have_sas = !sset_is_empty(&have);
    sset_destroy(&have);
    next_run = next_stats = 0;
}

/* Extends the sequence number reservation of every outbound SA that needs
 * more: persisted first, then granted. */
static void
esp_module_reserve(void)
{
    struct shash grants = SHASH_INITIALIZER(&grants);
    struct sset names = SSET_INITIALIZER(&names);
    const char *name;
    bool changed = false;

    esp_sa_names(&names);
    SSET_FOR_EACH (name, &names) {
        const struct esp_sa *sa = esp_sa_find(name);
        uint64_t last = esp_sa_seq_wanted(sa, ESP_SEQ_BLOCK);
        const struct nfvrec_esp_sa *rec;
        struct esp_sa_config cfg;

        if (!last) {
            continue;
        }
        NFVREC_ESP_SA_FOR_EACH (rec, idl) {
            if (!strcmp(rec->name, name)) {
                break;
            }
        }
        if (!rec) {
            continue;
        }
        char *error = sa_config_from_row(rec, &cfg);
        if (!error) {
            char *fpr = seq_fingerprint(&cfg);
            char *value = xasprintf("%"PRIu64, last);

            smap_replace(&reservations, fpr, value);
            shash_add(&grants, name, xmemdup(&last, sizeof last));
            free(value);
            free(fpr);
            changed = true;
        }
        free(error);
        memset(&cfg, 0, sizeof cfg);
    }

    if (changed) {
        int error = seq_save();

        free(reservation_error);
        reservation_error = NULL;
        if (error) {
            char *file = seq_file_name();

            reservation_error = xasprintf("cannot persist sequence numbers "
                                          "in %s (%s): sending nothing "
                                          "rather than risk reusing one",
                                          file, ovs_strerror(error));
            VLOG_ERR("%s", reservation_error);
            free(file);
        } else {
            struct shash_node *node;

            SHASH_FOR_EACH (node, &grants) {
                const struct esp_sa *sa = esp_sa_find(node->name);
                uint64_t *last = node->data;

                esp_sa_seq_reserve(CONST_CAST(struct esp_sa *, sa), *last);
            }
        }
    }
    shash_destroy_free_data(&grants);
    sset_destroy(&names);
}

/* Writes every SA's statistics and status columns (one transaction; the
 * previous one must have finished). */
static void
esp_write_stats(void)
{
    const struct nfvrec_esp_sa *rec;
    bool any = false;

    if (stats_txn) {
        return;
    }
    stats_txn = ovsdb_idl_txn_create(idl);
    NFVREC_ESP_SA_FOR_EACH (rec, idl) {
        const struct esp_sa *sa = esp_sa_find(rec->name);
        struct smap status = SMAP_INITIALIZER(&status);
        const char *error = smap_get(&errors, rec->name);

        if (!sa) {
            smap_add(&status, "state", "error");
            smap_add(&status, "error", error ? error : "not installed");
        } else {
            struct esp_sa_stats st;
            const char *keys[2 + ESP_N_DROPS];
            int64_t values[2 + ESP_N_DROPS];
            size_t n = 0;

            esp_sa_get_stats(sa, &st);
            nfv_put_stat(keys, values, &n, "packets", st.packets);
            nfv_put_stat(keys, values, &n, "bytes", st.bytes);
            for (size_t i = 0; i < ESP_N_DROPS; i++) {
                if (i != ESP_DROP_NO_SA) {
                    nfv_put_stat(keys, values, &n, esp_drop_name(i),
                             st.drops[i]);
                }
            }
            nfvrec_esp_sa_set_statistics(rec, keys, values, n);

            if (esp_sa_is_outbound(sa) && reservation_error) {
                smap_add(&status, "state", "error");
                smap_add(&status, "error", reservation_error);
            } else {
                smap_add(&status, "state", esp_state_name(st.state));
            }
            smap_add_format(&status, "seq", "%"PRIu64, st.seq);
            if (esp_sa_is_outbound(sa)) {
                smap_add(&status, "in_use", st.in_use ? "true" : "false");
            }
        }
        if (!smap_equal(&status, &rec->status)) {
            nfvrec_esp_sa_set_status(rec, &status);
        }
        smap_destroy(&status);
        any = true;
    }
    if (!any || ovsdb_idl_txn_commit(stats_txn) != TXN_INCOMPLETE) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }
}

static void
esp_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                 void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    const char *name = argc > 1 ? argv[1] : NULL;

    if (name && !esp_sa_find(name)) {
        const char *error = smap_get(&errors, name);

        ds_put_format(&ds, "no SA %s%s%s", name, error ? ": " : "",
                      error ? error : "");
        unixctl_command_reply_error(conn, ds_cstr(&ds));
    } else {
        const struct smap_node *node;

        esp_format(&ds, name);
        SMAP_FOR_EACH (node, &errors) {
            if (!name) {
                ds_put_format(&ds, "%s: not installed: %s\n", node->key,
                              node->value);
            }
        }
        if (reservation_error) {
            ds_put_format(&ds, "error: %s\n", reservation_error);
        }
        unixctl_command_reply(conn, ds_cstr(&ds));
    }
    ds_destroy(&ds);
}

static void
esp_module_init(const char *remote)
{
    db_remote = xstrdup(remote);
    unixctl_command_register("nfv/esp-show", "[SA]", 0, 1,
                             esp_unixctl_show, NULL);
}

static void
esp_module_run(void)
{
    if (!nfv_is_active()) {
        nfv_db_probe_close(&nfv_tenant_db_probe);
        if (stats_txn) {
            ovsdb_idl_txn_destroy(stats_txn);
            stats_txn = NULL;
        }
        if (idl) {
            ovsdb_idl_run(idl);
        }
        return;
    }
    if (!idl) {
        if (!nfv_db_probe_run(&nfv_tenant_db_probe, db_remote,
                              "NFV_Tenant")) {
            return;
        }
        idl = ovsdb_idl_create(db_remote, &nfvrec_idl_class, false, true);
        ovsdb_idl_set_leader_only(idl, false);
        ovsdb_idl_add_table(idl, &nfvrec_table_esp_sa);
        for (size_t i = 0; i < NFVREC_ESP_SA_N_COLUMNS; i++) {
            ovsdb_idl_add_column(idl, &nfvrec_esp_sa_columns[i]);
        }
        ovsdb_idl_omit_alert(idl, &nfvrec_esp_sa_col_statistics);
        ovsdb_idl_omit_alert(idl, &nfvrec_esp_sa_col_status);
        idl_seqno = ovsdb_idl_get_seqno(idl);
    }
    if (!reservations_loaded) {
        seq_load();
    }

    ovsdb_idl_run(idl);
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    if (seqno != idl_seqno && ovsdb_idl_has_ever_connected(idl)) {
        idl_seqno = seqno;
        esp_module_reconfigure();
    }
    if (stats_txn && ovsdb_idl_txn_commit(stats_txn) != TXN_INCOMPLETE) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }

    long long int now = time_msec();
    if (now >= next_run) {
        esp_run(now);
        esp_module_reserve();
        next_run = now + ESP_RUN_INTERVAL;
    }
    if (now >= next_stats && ovsdb_idl_has_ever_connected(idl)) {
        esp_write_stats();
        next_stats = now + ESP_STATS_INTERVAL;
    }
}

static void
esp_module_wait(void)
{
    nfv_db_probe_wait(&nfv_tenant_db_probe);
    if (idl) {
        ovsdb_idl_wait(idl);
        if (!nfv_is_active()) {
            return;
        }
        if (stats_txn) {
            ovsdb_idl_txn_wait(stats_txn);
        }
        if (have_sas) {
            poll_timer_wait_until(next_run);
        }
        if (ovsdb_idl_has_ever_connected(idl)) {
            poll_timer_wait_until(next_stats);
        }
    }
}

static void
esp_module_destroy(void)
{
    struct sset names = SSET_INITIALIZER(&names);
    const char *name;

    if (stats_txn) {
        ovsdb_idl_txn_destroy(stats_txn);
        stats_txn = NULL;
    }
    ovsdb_idl_destroy(idl);
    idl = NULL;
    nfv_db_probe_close(&nfv_tenant_db_probe);
    esp_sa_names(&names);
    SSET_FOR_EACH (name, &names) {
        esp_sa_remove(name);
    }
    sset_destroy(&names);
    free(db_remote);
    db_remote = NULL;
}

const struct nfv_module nfv_esp_module = {
    .name = "esp",
    .init = esp_module_init,
    .run = esp_module_run,
    .wait = esp_module_wait,
    .destroy = esp_module_destroy,
};
