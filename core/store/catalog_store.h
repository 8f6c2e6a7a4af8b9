/*
 * catalog_store.h — SQL of the catalogue's editing side (core/catalog/admin.c, import.c):
 * services, versions, categories, templates, the generation. Owned with core/catalog.
 */
#ifndef EHALL_STORE_CATALOG_STORE_H
#define EHALL_STORE_CATALOG_STORE_H

#include "core/store/pg.h"

#endif
