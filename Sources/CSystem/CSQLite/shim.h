// SQLite, for the shard's partitions and the coordinator's registry. The modulemap names this
// header rather than sqlite3.h, which it cannot find by itself (see shared/SWIFT-ON-LINUX.md).
#ifndef TETHER_CSQLITE_SHIM_H
#define TETHER_CSQLITE_SHIM_H

#include <sqlite3.h>

#endif
