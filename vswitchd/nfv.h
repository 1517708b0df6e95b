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

#ifndef NFV_VSWITCHD_NFV_H
#define NFV_VSWITCHD_NFV_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The NFV modules of ovs-vswitchd.
 *
 * ovs-vswitchd's main loop (patch 0003) calls these four functions beside
 * the bridge module's.  Each NFV module (tenant provisioning, NSOD,
 * inter-cloud expansion, ...) describes itself with a struct nfv_module
 * and is listed in nfv.c; the functions below call every listed module in
 * order.  All of them run in the main thread only. */

struct nfv_module {
    const char *name;           /* Shown by "ovs-appctl nfv/version". */

    /* Each member may be NULL.  init() runs once, after bridge_init() has
     * connected to the database ('remote' is ovs-vswitchd's database
     * remote); run() and wait() run on every main loop
     * iteration, after bridge_run() and bridge_wait(); destroy() runs once,
     * before bridge_exit(). */
    void (*init)(const char *remote);
    void (*run)(void);
    void (*wait)(void);
    void (*destroy)(void);
};

void nfv_init(const char *remote);
void nfv_run(void);
void nfv_wait(void);
void nfv_exit(void);

/* Returns true once this ovs-vswitchd holds the "ovs_vswitchd" database lock,
 * false while it connects and while another ovs-vswitchd holds the lock.
 * A module must neither connect to nor write the database, nor change any
 * bridge, while this returns false: a standby ovs-vswitchd leaves the
 * switch to the active one (see bridge_run()). */
bool nfv_is_active(void);

/* Makes every datapath flow be translated again soon, as after any switch
 * reconfiguration: for a module whose settings change what translation
 * produces. */
void nfv_revalidate(void);

/* Waits, without noise, for a database server to serve a database: a
 * module connects its IDL to the NFV_Tenant database only once
 * nfv_db_probe_run() returned true, so that nodes without that database
 * log nothing about it.  Zero-initialise; main thread. */
struct jsonrpc_session;
struct nfv_db_probe {
    struct jsonrpc_session *session;
    long long int next_request;         /* time_msec() of the next ask. */
    bool served;                        /* Seen served: no more asking. */
};

/* Appends the statistic 'key' = 'value' to the arrays 'keys' and 'values'
 * at index '*n' and increments '*n', for an OVSDB map of string to integer
 * (a "statistics" column): 'value' is capped at INT64_MAX, the largest
 * OVSDB integer (RFC 7047 section 5.1).  The caller sizes the arrays. */
void nfv_put_stat(const char **keys, int64_t *values, size_t *n,
                  const char *key, uint64_t value);

/* The probe for the NFV_Tenant database that every module shares, so that
 * ovs-vswitchd asks the server once whatever the number of modules. */
extern struct nfv_db_probe nfv_tenant_db_probe;
bool nfv_db_probe_run(struct nfv_db_probe *, const char *remote,
                      const char *db_name);
void nfv_db_probe_wait(const struct nfv_db_probe *);
void nfv_db_probe_close(struct nfv_db_probe *);

#endif /* nfv.h */
