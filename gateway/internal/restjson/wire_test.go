package restjson

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// TestHeldMessagesWriteWhatProtojsonWrites: every message type of the
// contracts, filled at random as in TestWritesWhatProtojsonWrites and held
// as its encoding, is written from its bytes (never decoded) as protojson
// writes the decoded message.
func TestHeldMessagesWriteWhatProtojsonWrites(t *testing.T) {
	var enc Encoder
	rng := rand.New(rand.NewPCG(5, 6))
	before := heldDecoded.Load()
	held := 0
	for _, mt := range everyMessage(t) {
		for k := range 41 {
			m := mt.New()
			if k > 0 {
				fill(rng, m, 0)
			}
			wire, err := proto.MarshalOptions{Deterministic: k%2 == 0}.Marshal(m.Interface())
			if err != nil {
				t.Fatal(err)
			}
			h := mt.New().Interface()
			if !enc.Hold(h, wire) {
				if enc.plan(mt.Descriptor()) != nil {
					t.Fatalf("%s has a plan but was not held", mt.Descriptor().FullName())
				}
				continue
			}
			held++
			compareHeld(t, &enc, h, wire)
		}
	}
	if n := heldDecoded.Load() - before; n != 0 {
		t.Errorf("%d of %d held messages in proto.Marshal's form were decoded, want none", n, held)
	}
	t.Logf("%d held messages written from their bytes", held)
}

// compareHeld requires enc's JSON of the held message h, whose bytes are
// wire, to be protojson's of wire decoded, or the same failure.
func compareHeld(t *testing.T, enc *Encoder, h proto.Message, wire []byte) {
	t.Helper()
	name := h.ProtoReflect().Descriptor().FullName()
	decoded := h.ProtoReflect().Type().New().Interface()
	derr := proto.Unmarshal(wire, decoded)
	got, gerr := enc.Marshal(h)
	if derr != nil {
		if gerr == nil {
			t.Fatalf("%s: bytes that do not decode (%v) were written: %s\nwire %x", name, derr, got, wire)
		}
		return
	}
	want, werr := Options.Marshal(decoded)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: error %v, protojson's %v\nwire %x", name, gerr, werr, wire)
	}
	if werr != nil {
		return
	}
	sameJSON(t, string(name), got, want, fmt.Sprintf("\nwire %x", wire))
}

// allKinds is a message with a field of every kind the plans write, lists
// and maps of them, a oneof, a proto3 optional and the two well-known
// types, for bytes that proto.Marshal would never write.
const allKinds = `
name: "restjson_wire_test.proto"
package: "restjsontest"
syntax: "proto3"
dependency: ["google/protobuf/timestamp.proto", "google/protobuf/duration.proto"]
enum_type { name: "Colour" value { name: "COLOUR_UNSPECIFIED" number: 0 } value { name: "RED" number: 1 } value { name: "GREEN" number: 2 } }
message_type {
  name: "All"
  field { name: "i32" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
  field { name: "s32" number: 2 label: LABEL_OPTIONAL type: TYPE_SINT32 }
  field { name: "sf32" number: 3 label: LABEL_OPTIONAL type: TYPE_SFIXED32 }
  field { name: "u32" number: 4 label: LABEL_OPTIONAL type: TYPE_UINT32 }
  field { name: "f32" number: 5 label: LABEL_OPTIONAL type: TYPE_FIXED32 }
  field { name: "i64" number: 6 label: LABEL_OPTIONAL type: TYPE_INT64 }
  field { name: "s64" number: 7 label: LABEL_OPTIONAL type: TYPE_SINT64 }
  field { name: "sf64" number: 8 label: LABEL_OPTIONAL type: TYPE_SFIXED64 }
  field { name: "u64" number: 9 label: LABEL_OPTIONAL type: TYPE_UINT64 }
  field { name: "f64" number: 10 label: LABEL_OPTIONAL type: TYPE_FIXED64 }
  field { name: "fl" number: 11 label: LABEL_OPTIONAL type: TYPE_FLOAT }
  field { name: "db" number: 12 label: LABEL_OPTIONAL type: TYPE_DOUBLE }
  field { name: "bo" number: 13 label: LABEL_OPTIONAL type: TYPE_BOOL }
  field { name: "st" number: 14 label: LABEL_OPTIONAL type: TYPE_STRING }
  field { name: "by" number: 15 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "en" number: 16 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".restjsontest.Colour" }
  field { name: "child" number: 17 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".restjsontest.All" }
  field { name: "at" number: 18 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" }
  field { name: "took" number: 19 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".google.protobuf.Duration" }
  field { name: "ri32" number: 20 label: LABEL_REPEATED type: TYPE_INT32 }
  field { name: "rs64" number: 21 label: LABEL_REPEATED type: TYPE_SINT64 }
  field { name: "rdb" number: 22 label: LABEL_REPEATED type: TYPE_DOUBLE }
  field { name: "rfl" number: 23 label: LABEL_REPEATED type: TYPE_FLOAT }
  field { name: "ren" number: 24 label: LABEL_REPEATED type: TYPE_ENUM type_name: ".restjsontest.Colour" }
  field { name: "rst" number: 25 label: LABEL_REPEATED type: TYPE_STRING }
  field { name: "rchild" number: 26 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".restjsontest.All" }
  field { name: "counts" number: 27 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".restjsontest.All.CountsEntry" }
  field { name: "kids" number: 28 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".restjsontest.All.KidsEntry" }
  field { name: "one_s" number: 29 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
  field { name: "one_m" number: 30 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".restjsontest.All" oneof_index: 0 }
  field { name: "one_i" number: 31 label: LABEL_OPTIONAL type: TYPE_INT64 oneof_index: 0 }
  field { name: "opt" number: 32 label: LABEL_OPTIONAL type: TYPE_INT32 oneof_index: 1 proto3_optional: true }
  field { name: "rf64" number: 33 label: LABEL_REPEATED type: TYPE_FIXED64 options { packed: false } }
  field { name: "rat" number: 34 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" }
  nested_type {
    name: "CountsEntry" options { map_entry: true }
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
  }
  nested_type {
    name: "KidsEntry" options { map_entry: true }
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".restjsontest.All" }
  }
  oneof_decl { name: "one" }
  oneof_decl { name: "_opt" }
}`

func allKindsDescriptor(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	var fdp descriptorpb.FileDescriptorProto
	if err := prototext.Unmarshal([]byte(allKinds), &fdp); err != nil {
		t.Fatal(err)
	}
	fd, err := protodesc.NewFile(&fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("All")
}

// TestHeldBytesInAnyForm writes held messages from bytes in every form the
// wire allows, not only proto.Marshal's: fields out of order and repeated
// (the last kept, messages merged), lists split and packed or not, two
// members of one oneof, map entries repeated or lacking a key or value,
// wire types that do not match, unknown fields, strings that are not
// UTF-8, timestamps out of range and bytes cut short. The JSON must be
// protojson's of the bytes decoded, or an error where decoding or
// protojson fails.
func TestHeldBytesInAnyForm(t *testing.T) {
	var enc Encoder
	md := allKindsDescriptor(t)
	rng := rand.New(rand.NewPCG(7, 8))
	before := heldDecoded.Load()
	for k := range 4000 {
		var wire []byte
		if k%4 == 0 {
			m := dynamicpb.NewMessage(md)
			fill(rng, m, 3)
			var err error
			if wire, err = proto.Marshal(m); err != nil {
				t.Fatal(err)
			}
		} else {
			wire = randomWire(rng, md, 0)
			if rng.IntN(30) == 0 && len(wire) > 0 {
				wire = wire[:rng.IntN(len(wire))]
			}
		}
		h := dynamicpb.NewMessage(md)
		if !enc.Hold(h, wire) {
			t.Fatal("the test message is not covered")
		}
		compareHeld(t, &enc, h, wire)
	}
	decoded := heldDecoded.Load() - before
	t.Logf("%d of 4000 held messages decoded after all", decoded)
	if decoded < 1000 || decoded > 3500 {
		t.Errorf("%d of 4000 held messages decoded after all: the test should exercise both ways", decoded)
	}
}

// TestMarshalFormIsWrittenFromTheBytes: a match run held as proto.Marshal
// writes it is written from its bytes alone.
func TestMarshalFormIsWrittenFromTheBytes(t *testing.T) {
	var enc Encoder
	run := benchRun()
	wire, err := proto.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	before := heldDecoded.Load()
	h := &sponsorv1.MatchRun{}
	if !enc.Hold(h, wire) {
		t.Fatal("MatchRun is not held")
	}
	if h.GetName() != "" || len(h.GetCandidates()) != 0 {
		t.Fatal("a held message has fields decoded")
	}
	compareHeld(t, &enc, h, wire)
	if heldDecoded.Load() != before {
		t.Error("the match run was decoded")
	}
}

// randomWire writes a message of md field by field, with the wire's
// freedoms and mistakes.
func randomWire(rng *rand.Rand, md protoreflect.MessageDescriptor, depth int) []byte {
	var b []byte
	fds := md.Fields()
	for range rng.IntN(7) {
		if rng.IntN(12) == 0 {
			num := protowire.Number(100 + rng.IntN(5))
			if rng.IntN(3) == 0 {
				num = protowire.MaxValidNumber + 1
			}
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, rng.Uint64())
			continue
		}
		fd := fds.Get(rng.IntN(fds.Len()))
		b = appendRandomField(rng, b, fd, depth)
	}
	return b
}

func appendRandomField(rng *rand.Rand, b []byte, fd protoreflect.FieldDescriptor, depth int) []byte {
	typ := wireTypeOf(fd.Kind())
	switch {
	case fd.IsMap():
		b = protowire.AppendTag(b, fd.Number(), protowire.BytesType)
		var e []byte
		if rng.IntN(10) > 0 {
			e = protowire.AppendTag(e, 1, protowire.BytesType)
			e = protowire.AppendString(e, []string{"a", "b", "c", "", "\xff"}[rng.IntN(5)])
		}
		if rng.IntN(10) > 0 {
			e = appendRandomField(rng, e, fd.MapValue(), depth)
		}
		return protowire.AppendBytes(b, e)
	case fd.IsList() && typ != protowire.BytesType && rng.IntN(2) == 0:
		b = protowire.AppendTag(b, fd.Number(), protowire.BytesType)
		var packed []byte
		for range rng.IntN(4) {
			packed = appendRandomValue(rng, packed, fd, typ, depth)
		}
		return protowire.AppendBytes(b, packed)
	}
	if rng.IntN(25) == 0 {
		typ = protowire.Type([]protowire.Type{protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type, protowire.BytesType}[rng.IntN(4)])
	}
	b = protowire.AppendTag(b, fd.Number(), typ)
	return appendRandomValue(rng, b, fd, typ, depth)
}

func appendRandomValue(rng *rand.Rand, b []byte, fd protoreflect.FieldDescriptor, typ protowire.Type, depth int) []byte {
	switch typ {
	case protowire.VarintType:
		v := uint64(hardInts[rng.IntN(len(hardInts))])
		switch {
		case fd.Kind() == protoreflect.EnumKind && rng.IntN(2) == 0:
			v = uint64(rng.IntN(4))
		case rng.IntN(6) == 0:
			v = rng.Uint64()
		}
		return protowire.AppendVarint(b, v)
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, math.Float32bits(float32(hardFloats[rng.IntN(len(hardFloats))])))
	case protowire.Fixed64Type:
		if rng.IntN(2) == 0 {
			return protowire.AppendFixed64(b, uint64(hardInts[rng.IntN(len(hardInts))]))
		}
		return protowire.AppendFixed64(b, math.Float64bits(hardFloats[rng.IntN(len(hardFloats))]))
	}
	if fd.Kind() == protoreflect.MessageKind && depth < 3 {
		inner := fd.Message()
		switch inner.FullName() {
		case "google.protobuf.Timestamp", "google.protobuf.Duration":
			var w []byte
			for range rng.IntN(3) {
				num := protowire.Number(1 + rng.IntN(2))
				w = protowire.AppendTag(w, num, protowire.VarintType)
				v := rng.Int64N(4_000_000_000)
				if num == 2 {
					v = rng.Int64N(1_000_000_001)
				}
				if rng.IntN(8) == 0 {
					v = -v
				}
				w = protowire.AppendVarint(w, uint64(v))
			}
			return protowire.AppendBytes(b, w)
		}
		return protowire.AppendBytes(b, randomWire(rng, inner, depth+1))
	}
	s := hardStrings[rng.IntN(len(hardStrings))]
	if rng.IntN(30) == 0 {
		s += "\xc3"
	}
	return protowire.AppendString(b, s)
}

// BenchmarkHeldMatchRun: a match run as the gateway receives it, decoded
// then written, against written from its bytes.
//
//	go test -run '^$' -bench BenchmarkHeldMatchRun -benchmem ./internal/restjson/
func BenchmarkHeldMatchRun(b *testing.B) {
	wire, err := proto.Marshal(benchRun())
	if err != nil {
		b.Fatal(err)
	}
	var enc Encoder
	b.Logf("%d bytes on the wire", len(wire))
	b.Run("decode-then-plans", func(b *testing.B) {
		for b.Loop() {
			m := &sponsorv1.MatchRun{}
			if err := proto.Unmarshal(wire, m); err != nil {
				b.Fatal(err)
			}
			if _, err := enc.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("held", func(b *testing.B) {
		for b.Loop() {
			m := &sponsorv1.MatchRun{}
			enc.Hold(m, wire)
			if _, err := enc.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
