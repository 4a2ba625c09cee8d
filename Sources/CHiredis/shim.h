#ifndef OMNISEG_CHIREDIS_SHIM_H
#define OMNISEG_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
