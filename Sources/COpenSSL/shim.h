#ifndef DELTAFETCH_COPENSSL_SHIM_H
#define DELTAFETCH_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>
#endif
