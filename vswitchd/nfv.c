/*
 * Copyright (c) 2026 Open vSwitch NFV developers.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#include <config.h>

#include "nfv/vswitchd/nfv.h"
#include "nfv/vswitchd/nfv-esp.h"
#include "nfv/vswitchd/nfv-isolation.h"
#include "nfv/vswitchd/nfv-mss.h"
#include "nfv/vswitchd/nfv-nsod.h"
#include "nfv/vswitchd/nfv-tenant.h"

#include "vswitchd/bridge.h"
#include "dpdk.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "timeval.h"
#include "ofproto/ofproto-dpif.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "unixctl.h"
#include "util.h"

#include "nfv/lib/nfv-version.h"

/* Generated at build time from patches/series and patches/upstream.pin:
 * NFV_UPSTREAM_VERSION, NFV_UPSTREAM_SHA256 and nfv_series[]. */
#include "nfv/vswitchd/nfv-build.inc"

#ifdef DPDK_NETDEV
#include <rte_version.h>
#endif

/* The NFV modules, in the order they are initialised and run.  Every new
 * module adds its struct nfv_module here and nowhere in upstream code. */
static const struct nfv_module *const nfv_modules[] = {
    &nfv_tenant_module,
    &nfv_isolation_module,
    &nfv_mss_module,
    &nfv_nsod_module,
    &nfv_esp_module,
};

/* Calls the member function MEMBER of every module that has one, in the
 * order of nfv_modules[]. */
#define NFV_CALL_EACH(MEMBER, ...)                                      \
    for (size_t i_ = 0; i_ < ARRAY_SIZE(nfv_modules); i_++) {           \
        const struct nfv_module *m_ = nfv_modules[i_];                  \
                                                                        \
        if (m_ && m_->MEMBER) {                                         \
            m_->MEMBER(__VA_ARGS__);                                    \
        }                                                               \
    }

/* Appends to 'ds' the fork's version report: the fork and upstream
 * versions, the upstream tarball's checksum, the patch series compiled in,
 * the DPDK library and whether DPDK is initialised, and the NFV modules. */
static void
nfv_format_version(struct ds *ds)
{
    size_t i;

    ds_put_format(ds, "Open vSwitch NFV %s\n", NFV_PACKAGE_VERSION);
    ds_put_format(ds, "upstream: Open vSwitch %s (tarball sha256 %s)\n",
                  NFV_UPSTREAM_VERSION, NFV_UPSTREAM_SHA256);
#ifdef DPDK_NETDEV
    ds_put_format(ds, "DPDK: %s, %s\n", rte_version(),
                  dpdk_available() ? "initialized" : "not initialized");
#else
    ds_put_cstr(ds, "DPDK: not built in\n");
#endif
    ds_put_format(ds, "patches: %"PRIuSIZE"\n", ARRAY_SIZE(nfv_series));
    for (i = 0; i < ARRAY_SIZE(nfv_series); i++) {
        ds_put_format(ds, "  %s\n", nfv_series[i]);
    }
    ds_put_cstr(ds, "modules:");
    for (i = 0; i < ARRAY_SIZE(nfv_modules); i++) {
        if (nfv_modules[i]) {
            ds_put_format(ds, " %s", nfv_modules[i]->name);
        }
    }
    ds_put_char(ds, '\n');
}

/* "ovs-appctl nfv/version": no arguments; replies with the text of
 * nfv_format_version(). */
static void
nfv_unixctl_version(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    nfv_format_version(&ds);
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

/* Registers the NFV unixctl commands and initialises every module.  Called
 * once by ovs-vswitchd's main() after bridge_init(), with 'remote', the
 * database remote ovs-vswitchd was given (e.g. "unix:/run/openvswitch/
 * db.sock"); modules that read other databases on that server use it.
 *
 * Nothing here logs at INFO or above: until ovs-vswitchd detaches, its log
 * also goes to stderr, which upstream's test macros require to be free of
 * unknown lines.  The fork's version is in upstream's own start-up line. */
void
nfv_init(const char *remote)
{
    unixctl_command_register("nfv/version", "", 0, 0,
                             nfv_unixctl_version, NULL);
    NFV_CALL_EACH(init, remote);
}

/* Runs every module's periodic work.  Called on each main loop iteration,
 * after bridge_run(). */
void
nfv_run(void)
{
    NFV_CALL_EACH(run);
}

/* Arranges for poll_block() to wake when any module has work.  Called on
 * each main loop iteration, after bridge_wait(). */
void
nfv_wait(void)
{
    NFV_CALL_EACH(wait);
}

/* See nfv.h.  The bridge module (patch 0003) owns the lock. */
bool
nfv_is_active(void)
{
    return bridge_is_active();
}

/* See nfv.h. */
void
nfv_revalidate(void)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &all_dpif_backers) {
        struct dpif_backer *backer = node->data;
        backer->need_revalidate = REV_RECONFIGURE;
    }
    poll_immediate_wake();
}

/* Returns true once the database server at 'remote' serves database
 * 'db_name' (RFC 7047 section 4.1.1 "list_dbs", asked every second until it
 * does); the probe's connection is then closed. */
struct nfv_db_probe nfv_tenant_db_probe;

bool
nfv_db_probe_run(struct nfv_db_probe *probe, const char *remote,
                 const char *db_name)
{
    bool served = false;

    if (probe->served) {
        return true;
    }
    if (!probe->session) {
        probe->session = jsonrpc_session_open(remote, true);
        probe->next_request = 0;
    }
    jsonrpc_session_run(probe->session);
    if (jsonrpc_session_is_connected(probe->session)
        && time_msec() >= probe->next_request) {
        jsonrpc_session_send(probe->session,
                             jsonrpc_create_request("list_dbs",
                                                    json_array_create_empty(),
                                                    NULL));
        probe->next_request = time_msec() + 1000;
    }

    struct jsonrpc_msg *msg = jsonrpc_session_recv(probe->session);
    if (msg) {
        if (msg->type == JSONRPC_REPLY && msg->result
            && msg->result->type == JSON_ARRAY) {
            const struct json_array *dbs = json_array(msg->result);

            for (size_t i = 0; i < dbs->n; i++) {
                if (dbs->elems[i]->type == JSON_STRING
                    && !strcmp(json_string(dbs->elems[i]), db_name)) {
                    served = true;
                }
            }
        }
        jsonrpc_msg_destroy(msg);
    }
    if (served) {
        nfv_db_probe_close(probe);
        probe->served = true;
    }
    return served;
}

/* Arranges for poll_block() to wake when 'probe' has work. */
void
nfv_db_probe_wait(const struct nfv_db_probe *probe)
{
    if (probe->session) {
        jsonrpc_session_wait(probe->session);
        jsonrpc_session_recv_wait(probe->session);
        if (jsonrpc_session_is_connected(probe->session)) {
            poll_timer_wait_until(probe->next_request);
        }
    }
}

/* Closes 'probe''s connection, if any, and forgets what it saw. */
void
nfv_db_probe_close(struct nfv_db_probe *probe)
{
    jsonrpc_session_close(probe->session);
    probe->session = NULL;
    probe->served = false;
}

/* Destroys every module, in reverse order.  Called once before
 * bridge_exit(). */
void
nfv_exit(void)
{
    for (size_t i = ARRAY_SIZE(nfv_modules); i-- > 0;) {
        const struct nfv_module *module = nfv_modules[i];

        if (module && module->destroy) {
            module->destroy();
        }
    }
}

void
nfv_put_stat(const char **keys, int64_t *values, size_t *n, const char *key,
             uint64_t value)
{
    keys[*n] = key;
    values[*n] = MIN(value, INT64_MAX);
    (*n)++;
}
