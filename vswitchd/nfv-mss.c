/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/vswitchd/nfv-mss.h"

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

#include "nfv/lib/nfv-esp.h"
#include "nfv/lib/nfv-frag.h"
#include "nfv/lib/nfv-mss.h"

VLOG_DEFINE_THIS_MODULE(nfv_mss);

#define MSS_OTHER_CONFIG_KEY "nfv-clamp-mss"
#define FRAG_OTHER_CONFIG_KEY "nfv-fragment"
#define ESP_OTHER_CONFIG_KEY "nfv-esp"

static char *db_remote;
static struct ovsdb_idl *idl;       /* Connected once active. */
static unsigned int idl_seqno;
static struct smap settings = SMAP_INITIALIZER(&settings);  /* In effect. */
static struct sset fragmenting = SSET_INITIALIZER(&fragmenting); /* Same. */
static struct sset encrypting = SSET_INITIALIZER(&encrypting);   /* Same. */

/* "ovs-appctl nfv/mss-show": the tunnel interfaces that clamp, and how. */
static void
mss_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    const struct smap_node **nodes = smap_sort(&settings);

    for (size_t i = 0; i < smap_count(&settings); i++) {
        const char *value = nodes[i]->value;

        ds_put_format(&ds, "%s: clamp_mss %s%s\n", nodes[i]->key, value,
                      strcmp(value, "auto") ? "" : " (underlay MTU minus "
                      "the tunnel's headers)");
    }
    if (!ds.length) {
        ds_put_cstr(&ds, "no tunnel interface clamps "
                    "(Interface other_config:" MSS_OTHER_CONFIG_KEY ")\n");
    }
    ds_put_cstr(&ds, "counters: ovs-appctl coverage/read-counter mss_clamped"
                " (mss_bad_tcp_option, mss_bad_tcp_header)\n");

    unixctl_command_reply(conn, ds_cstr(&ds));
    free(nodes);
    ds_destroy(&ds);
}

/* "ovs-appctl nfv/frag-show": the tunnel interfaces that fragment, and the
 * reassembly table. */
static void
frag_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    const char **names = sset_sort(&fragmenting);

    for (size_t i = 0; i < sset_count(&fragmenting); i++) {
        ds_put_format(&ds, "%s: outer IPv4 fragmentation for the underlay "
                      "MTU\n", names[i]);
    }
    if (!ds.length) {
        ds_put_cstr(&ds, "no tunnel interface fragments (Interface "
                    "other_config:" FRAG_OTHER_CONFIG_KEY ")\n");
    }
    frag_format_stats(&ds);
    unixctl_command_reply(conn, ds_cstr(&ds));
    free(names);
    ds_destroy(&ds);
}

static void
mss_module_init(const char *remote)
{
    db_remote = xstrdup(remote);
    unixctl_command_register("nfv/mss-show", "", 0, 0, mss_unixctl_show,
                             NULL);
    unixctl_command_register("nfv/frag-show", "", 0, 0, frag_unixctl_show,
                             NULL);
}

/* Reads every Interface's other_config:nfv-clamp-mss and, if the set of
 * valid settings changed, hands it to the translation.  A bad value is
 * logged and ignored (the interface is not clamped). */
static void
mss_module_reconfigure(void)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const struct ovsrec_interface *iface;
    struct smap new = SMAP_INITIALIZER(&new);

    OVSREC_INTERFACE_FOR_EACH (iface, idl) {
        const char *value = smap_get(&iface->other_config,
                                     MSS_OTHER_CONFIG_KEY);
        unsigned int mss;

        if (!value) {
            continue;
        } else if (mss_tunnel_parse(value, &mss)) {
            smap_replace(&new, iface->name, value);
        } else {
            VLOG_WARN_RL(&rl, "%s: other_config:%s=\"%s\" ignored: expected "
                         "\"auto\" or an MSS in bytes, %d to %d",
                         iface->name, MSS_OTHER_CONFIG_KEY, value,
                         MSS_CLAMP_MIN, MSS_CLAMP_MAX);
        }
    }

    struct sset frag = SSET_INITIALIZER(&frag);
    struct sset esp = SSET_INITIALIZER(&esp);
    OVSREC_INTERFACE_FOR_EACH (iface, idl) {
        if (smap_get_bool(&iface->other_config, FRAG_OTHER_CONFIG_KEY,
                          false)) {
            sset_add(&frag, iface->name);
        }
        if (smap_get_bool(&iface->other_config, ESP_OTHER_CONFIG_KEY,
                          false)) {
            sset_add(&esp, iface->name);
        }
    }

    bool changed = false;
    if (!smap_equal(&new, &settings)) {
        mss_tunnel_configure(&new);
        smap_destroy(&settings);
        smap_clone(&settings, &new);
        changed = true;
    }
    if (!sset_equals(&frag, &fragmenting)) {
        frag_tunnel_configure(&frag);
        sset_swap(&frag, &fragmenting);
        changed = true;
    }
    if (!sset_equals(&esp, &encrypting)) {
        esp_tunnel_configure(&esp);
        sset_swap(&esp, &encrypting);
        changed = true;
    }
    if (changed) {
        /* Datapath flows translated with the old settings must be
         * translated again. */
        nfv_revalidate();
    }
    sset_destroy(&frag);
    sset_destroy(&esp);
    smap_destroy(&new);
}

static void
mss_module_run(void)
{
    if (!idl) {
        if (!nfv_is_active()) {
            return;
        }
        idl = ovsdb_idl_create(db_remote, &ovsrec_idl_class, false, true);
        ovsdb_idl_set_leader_only(idl, false);
        ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
        ovsdb_idl_add_column(idl, &ovsrec_interface_col_other_config);
        idl_seqno = ovsdb_idl_get_seqno(idl);
    }

    ovsdb_idl_run(idl);
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    if (seqno != idl_seqno && ovsdb_idl_has_ever_connected(idl)) {
        idl_seqno = seqno;
        mss_module_reconfigure();
    }
}

static void
mss_module_wait(void)
{
    if (idl) {
        ovsdb_idl_wait(idl);
    }
}

static void
mss_module_destroy(void)
{
    ovsdb_idl_destroy(idl);
    idl = NULL;
    smap_destroy(&settings);
    sset_destroy(&fragmenting);
    free(db_remote);
    db_remote = NULL;
}

const struct nfv_module nfv_mss_module = {
    .name = "mss",
    .init = mss_module_init,
    .run = mss_module_run,
    .wait = mss_module_wait,
    .destroy = mss_module_destroy,
};
