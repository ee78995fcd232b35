#!/usr/bin/env bash
# Builds preflate 0.3.5 (github.com/deus-libri/preflate, the reference for deflate
# reconstruction; Apache-2.0) into $1 (default ~/.cache/deltafetch/preflate) for comparison
# only: nothing of it enters the project. It has no build for Linux that works out of the
# box (its Makefile wants files the repository lacks, and MSVC names), hence the flags.
set -euo pipefail
dest=${1:-$HOME/.cache/deltafetch/preflate}
if [[ -x $dest/preflate ]]; then echo "$dest/preflate"; exit 0; fi
mkdir -p "$dest"
src=$dest/src
[[ -d $src ]] || git clone -q "${PREFLATE_REPO:-https://github.com/deus-libri/preflate}" "$src"
cd "$src"
files=(preflate_{block_decoder,block_reencoder,block_trees,complevel_estimator,constants,decoder,hash_chain,info}.cpp
       preflate_{parameter_estimator,parser_config,predictor_state,reencoder,seq_chain,statistical_codec}.cpp
       preflate_{statistical_model,token,token_predictor,tree_predictor,checker,statistical_debug}.cpp
       support/{arithmetic_coder,array_helper,bit_helper,bitstream,const_division,filestream}.cpp
       support/{huffman_decoder,huffman_encoder,huffman_helper,memstream,outputcachestream,task_pool,support_tests}.cpp
       main.cpp)
g++ -std=c++14 -O2 -pthread -include cstdint -include cstddef -include cstdio \
    -D_ftelli64=ftello64 -D_fseeki64=fseeko64 -I. "${files[@]}" -o "$dest/preflate"
echo "$dest/preflate"
