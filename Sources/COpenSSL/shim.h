#ifndef DELTAFETCH_COPENSSL_SHIM_H
#define DELTAFETCH_COPENSSL_SHIM_H
/* The one-algorithm interfaces (SHA256_Init and the like) are deprecated in OpenSSL 3 but
 * run the same assembly as EVP without its provider machinery, whose first use costs a
 * process about 1.8 MB of resident memory: DigestContext uses them for MD5 and the SHA-2s. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/md5.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#endif
