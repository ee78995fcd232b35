#ifndef DELTAFETCH_CBZIP2_SHIM_H
#define DELTAFETCH_CBZIP2_SHIM_H
#include <stdio.h>
#include <bzlib.h>
#endif
