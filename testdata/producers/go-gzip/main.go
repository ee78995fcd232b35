// go-gzip compresses stdin to stdout with Go's compress/gzip at a given level, to make the
// test vectors for deltafetch's Go deflate emulation (see testdata/ORIGINS.md).
//
// Usage: go run . LEVEL [CHUNK] < input > output.gz
//
// LEVEL is -2 (HuffmanOnly), 0 to 9, or -1 (DefaultCompression). The whole input is written
// in one call unless CHUNK (bytes) is given, in which case it is written CHUNK bytes at a
// time, as io.Copy would with a buffer of that size. The header is Go's default: no name,
// modification time 0, OS 255.
package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: go-gzip LEVEL [CHUNK] < input > output.gz")
		os.Exit(2)
	}
	level, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-gzip: bad level:", err)
		os.Exit(2)
	}
	chunk := 0
	if len(os.Args) == 3 {
		if chunk, err = strconv.Atoi(os.Args[2]); err != nil || chunk < 1 {
			fmt.Fprintln(os.Stderr, "go-gzip: bad chunk size")
			os.Exit(2)
		}
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-gzip:", err)
		os.Exit(1)
	}
	writer, err := gzip.NewWriterLevel(os.Stdout, level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-gzip:", err)
		os.Exit(2)
	}
	if chunk == 0 {
		chunk = len(input) + 1
	}
	for start := 0; start < len(input); start += chunk {
		end := start + chunk
		if end > len(input) {
			end = len(input)
		}
		if _, err := writer.Write(input[start:end]); err != nil {
			fmt.Fprintln(os.Stderr, "go-gzip:", err)
			os.Exit(1)
		}
	}
	if err := writer.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "go-gzip:", err)
		os.Exit(1)
	}
}
