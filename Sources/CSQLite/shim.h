#ifndef OMNISEG_CSQLITE_SHIM_H
#define OMNISEG_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro over a cast Swift cannot import; expose it as a function. */
static inline sqlite3_destructor_type omniseg_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/* sqlite3_config is variadic, which Swift cannot call. Turning memory statistics off removes a global
   mutex from every allocation; it must run before SQLite initialises (before any connection opens). */
static inline int omniseg_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
