#ifndef OMNISEG_CSQLITE_SHIM_H
#define OMNISEG_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro over a cast Swift cannot import; expose it as a function. */
static inline sqlite3_destructor_type omniseg_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
