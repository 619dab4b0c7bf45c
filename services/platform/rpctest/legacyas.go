package rpctest

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// LegacyDecodesAs checks that a record written before a change of the
// contract (current's stored form followed by old, as DecodeLegacy reads
// it) decodes at version to want, which carries that version, and returns
// what it decoded. The test stops at once when it does not.
func LegacyDecodesAs[T any](t testing.TB, codec store.Codec[T], current proto.Message, old []byte, version int64, want T) T {
	t.Helper()
	got := DecodeLegacy(t, codec, current, old, version)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("old record = %+v\nwant %+v", got, want)
	}
	return got
}
