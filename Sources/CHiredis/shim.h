#ifndef SLUICE_CHIREDIS_SHIM_H
#define SLUICE_CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>
#include <sys/time.h>

#endif
