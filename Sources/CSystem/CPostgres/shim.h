// libpq, PostgreSQL's client library, for shards and registries kept on a server.
#ifndef TETHER_CPOSTGRES_SHIM_H
#define TETHER_CPOSTGRES_SHIM_H

// Debian installs libpq's headers one directory down; its own includes are relative to it.
#include <postgresql/libpq-fe.h>

#endif
