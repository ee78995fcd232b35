#ifndef DELTAFETCH_CLZMA_SHIM_H
#define DELTAFETCH_CLZMA_SHIM_H
#include <string.h>
#include <lzma.h>

/* LZMA_STREAM_INIT is a macro initializer; this gives Swift a zeroed stream. */
static inline void CLZMA_streamInit(lzma_stream *strm) {
    lzma_stream init = LZMA_STREAM_INIT;
    *strm = init;
}
#endif
