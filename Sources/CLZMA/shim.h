#ifndef DELTAFETCH_CLZMA_SHIM_H
#define DELTAFETCH_CLZMA_SHIM_H
#include <string.h>
#include <lzma.h>

/* LZMA_STREAM_INIT is a macro initializer; this gives Swift a zeroed stream. */
static inline void CLZMA_streamInit(lzma_stream *strm) {
    lzma_stream init = LZMA_STREAM_INIT;
    *strm = init;
}

/* LZMA_FILTER_LZMA2 and LZMA_VLI_UNKNOWN are macros: build the one-filter chain here. */
static inline lzma_ret CLZMA_rawLZMA2Encoder(lzma_stream *strm, lzma_options_lzma *options) {
    lzma_filter filters[2] = {
        { .id = LZMA_FILTER_LZMA2, .options = options },
        { .id = LZMA_VLI_UNKNOWN, .options = NULL },
    };
    return lzma_raw_encoder(strm, filters);
}

static inline lzma_ret CLZMA_rawLZMA2Decoder(lzma_stream *strm, lzma_options_lzma *options) {
    lzma_filter filters[2] = {
        { .id = LZMA_FILTER_LZMA2, .options = options },
        { .id = LZMA_VLI_UNKNOWN, .options = NULL },
    };
    return lzma_raw_decoder(strm, filters);
}

/* LZMA_PRESET_EXTREME is a macro. */
static inline uint32_t CLZMA_presetExtreme(void) { return LZMA_PRESET_EXTREME; }
#endif
