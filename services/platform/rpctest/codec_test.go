package rpctest

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestCodecRoundTripsThroughTheMessage(t *testing.T) {
	type named struct {
		Name    string
		Version int64
	}
	codec := Codec(func(n named) *wrapperspb.StringValue { return wrapperspb.String(n.Name) },
		func(m *wrapperspb.StringValue, version int64) (named, error) {
			return named{m.GetValue(), version}, nil
		})
	b, err := codec.Encode(named{Name: "leeds"})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := proto.Marshal(wrapperspb.String("leeds")); string(b) != string(want) {
		t.Errorf("encoded %x, want the message's bytes %x", b, want)
	}
	if got, err := codec.Decode(b, 7); err != nil || got != (named{"leeds", 7}) {
		t.Errorf("decoded %+v, %v; want leeds at version 7", got, err)
	}
	if got, err := codec.Decode(nil, 1); err != nil || got != (named{"", 1}) {
		t.Errorf("decoded an empty record as %+v, %v; want the empty message's", got, err)
	}
}
