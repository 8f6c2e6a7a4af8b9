/*
 * store_internal.h — what the files of core/store share and nobody else may call.
 */
#ifndef EHALL_STORE_INTERNAL_H
#define EHALL_STORE_INTERNAL_H

#include <stdbool.h>

#include "core/common/status.h"
#include "core/store/pg.h"

/* Sends a multi-statement script with the simple protocol (PQexec). Only for migration files,
 * which hold many statements and no parameters: everything else is parameterised. */
bool store__pg_exec_script(store_pg_conn_t *conn, const char *script, eh_err_t *err);

#endif
