package rpctest

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// DecodeLegacy decodes with codec, at the version, a record written before
// a change of the contract: current's stored form followed by old, raw
// fields in the form the contract no longer declares. The test fails at
// once when the record does not marshal or decode.
func DecodeLegacy[T any](t testing.TB, codec store.Codec[T], current proto.Message, old []byte, version int64) T {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(current)
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.Decode(append(b, old...), version)
	if err != nil {
		t.Fatalf("decode the old record: %v", err)
	}
	return got
}

// Rewritten encodes v with codec, as a store writes back a record it
// loaded, and reads the bytes into m. The test fails at once on an error.
func Rewritten[T any](t testing.TB, codec store.Codec[T], v T, m proto.Message) {
	t.Helper()
	b, err := codec.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatal(err)
	}
}
