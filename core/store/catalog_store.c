/* catalog_store.c — SQL of the catalogue's editing side (see the header). */
#include "core/store/catalog_store.h"
