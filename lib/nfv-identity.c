/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/lib/nfv-identity.h"

#include <string.h>

#include "sset.h"
#include "util.h"

void
nfv_identity_list_parse(const char *list, struct sset *ids)
{
    char *copy = xstrdup(list ? list : "");
    char *save_ptr = NULL;

    for (char *id = strtok_r(copy, ",", &save_ptr); id;
         id = strtok_r(NULL, ",", &save_ptr)) {
        id += strspn(id, " ");
        size_t n = strlen(id);
        while (n && id[n - 1] == ' ') {
            id[--n] = '\0';
        }
        if (n) {
            sset_add(ids, id);
        }
    }
    free(copy);
}
