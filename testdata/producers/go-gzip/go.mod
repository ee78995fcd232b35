module deltafetch/go-gzip

go 1.19
