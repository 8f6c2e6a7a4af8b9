/* password.c — TODO(H1) */
#include "core/identity/password.h"
