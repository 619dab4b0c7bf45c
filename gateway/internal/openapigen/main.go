// Command openapigen writes Turnaround's published REST contract, an OpenAPI
// 3.1 document, from the Swagger 2.0 document protoc-gen-openapiv2 generates.
//
// The conversion itself is kin-openapi's openapi2conv; this program then
// enriches the result into what a frontend can generate a client from: a
// title and prose, a bearer security scheme on every operation, paths whose
// parameters are named for what they are ({localAuthority}, {inspection})
// instead of {name_3}, update_mask and etag documented on PATCH, examples,
// error responses with the google.rpc.Status schema, and descriptions
// without duplicated boilerplate.
//
// `make generate` runs it; `make drift-check` runs it with -check, which
// fails when the committed document differs from a fresh one.
//
//	go run ./gateway/internal/openapigen [-in swagger.json] [-out openapi.json] [-check]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "gateway/openapi/turnaround.swagger.json", "the Swagger 2.0 document protoc-gen-openapiv2 wrote")
	out := flag.String("out", "gateway/openapi/turnaround.openapi.json", "the OpenAPI 3.1 document to write")
	check := flag.Bool("check", false, "do not write: fail when -out differs from what would be written")
	flag.Parse()

	src, err := os.ReadFile(*in)
	if err != nil {
		fatal(err)
	}
	doc, err := Build(src)
	if err != nil {
		fatal(err)
	}
	if *check {
		old, err := os.ReadFile(*out)
		if err != nil {
			fatal(fmt.Errorf("%w (run make generate)", err))
		}
		if !bytes.Equal(old, doc) {
			fatal(fmt.Errorf("generated file out of date: %s (run make generate)", *out))
		}
		return
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "openapigen:", err)
	os.Exit(1)
}
