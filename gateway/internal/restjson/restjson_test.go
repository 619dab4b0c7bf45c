package restjson

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"

	// The contracts no test names, for the registry to hold every message.
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
)

// everyMessage lists the message types of the suite's contracts.
func everyMessage(t *testing.T) []protoreflect.MessageType {
	t.Helper()
	var out []protoreflect.MessageType
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if strings.HasPrefix(string(mt.Descriptor().FullName()), "turnaround.") {
			out = append(out, mt)
		}
		return true
	})
	if len(out) < 100 {
		t.Fatalf("found %d message types of the contracts, expected every one", len(out))
	}
	for _, pkg := range []string{"events", "improvementplan", "inspection", "oversight", "partner", "peerreview", "sponsor", "type"} {
		if !slices.ContainsFunc(out, func(mt protoreflect.MessageType) bool {
			return mt.Descriptor().ParentFile().Package() == protoreflect.FullName("turnaround."+pkg+".v1")
		}) {
			t.Fatalf("no message of turnaround.%s.v1 in the registry: every contract must be covered", pkg)
		}
	}
	return out
}

// TestWritesWhatProtojsonWrites fills every message type of the contracts
// at random, many times, with the values an encoder gets wrong (escapes,
// unpaired and astral characters, the floats at the edges of each
// notation, the largest integers, unknown enum numbers, empty lists and
// maps, unset and set messages and oneofs), and requires the same JSON as
// protojson once white space is removed.
func TestWritesWhatProtojsonWrites(t *testing.T) {
	var enc Encoder
	rng := rand.New(rand.NewPCG(1, 2))
	covered := 0
	for _, mt := range everyMessage(t) {
		if enc.plan(mt.Descriptor()) != nil {
			covered++
		}
		for range 40 {
			m := mt.New()
			fill(rng, m, 0)
			compare(t, &enc, m.Interface())
		}
		// The zero message: every default written out.
		compare(t, &enc, mt.New().Interface())
	}
	t.Logf("%d message types covered by plans", covered)
	// The responses the REST API writes most, and its largest, are
	// written by plans, not handed back to protojson.
	for _, m := range []proto.Message{&sponsorv1.MatchRun{}, &inspectionv1.Inspection{}, &inspectionv1.LocalAuthority{},
		&inspectionv1.ListLocalAuthoritiesResponse{}, &inspectionv1.RiskAssessment{}, &sponsorv1.ListSponsorNeedsResponse{},
		&improvementplanv1.ListImprovementPlansResponse{}, &peerreviewv1.ListPeerReviewsResponse{}} {
		if enc.plan(m.ProtoReflect().Descriptor()) == nil {
			t.Errorf("%s is not covered by a plan", m.ProtoReflect().Descriptor().FullName())
		}
	}
}

// TestDynamicMessages covers messages that are not generated Go types.
func TestDynamicMessages(t *testing.T) {
	var enc Encoder
	rng := rand.New(rand.NewPCG(3, 4))
	md := (&sponsorv1.MatchRun{}).ProtoReflect().Descriptor()
	for range 50 {
		m := dynamicpb.NewMessage(md)
		fill(rng, m, 0)
		compare(t, &enc, m)
	}
}

// TestErrorsAreProtojsonsOwn: what protojson refuses, Marshal refuses
// with protojson's error, whether the plan met it at the top or deep down.
func TestErrorsAreProtojsonsOwn(t *testing.T) {
	var enc Encoder
	for name, m := range map[string]proto.Message{
		"string not UTF-8":     &inspectionv1.LocalAuthority{Name: "Bad \xff name"},
		"timestamp too late":   &sponsorv1.MatchRun{CreateTime: &timestamppb.Timestamp{Seconds: math.MaxInt64}},
		"nanos out of range":   &sponsorv1.MatchRun{CreateTime: &timestamppb.Timestamp{Nanos: -1}},
		"deep string not UTF8": &sponsorv1.MatchRun{Candidates: []*sponsorv1.NeedCandidates{{Need: "\xc3"}}},
	} {
		_, want := Options.Marshal(m)
		_, got := enc.Marshal(m)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%s: error %v, protojson's %v", name, got, want)
		}
	}
}

func TestWellKnownTypes(t *testing.T) {
	var enc Encoder
	for _, m := range []proto.Message{
		timestamppb.Now(),
		&timestamppb.Timestamp{Seconds: -62135596800},
		&timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999},
		&timestamppb.Timestamp{Seconds: 1, Nanos: 1000},
		&timestamppb.Timestamp{Seconds: 1, Nanos: 120000000},
		&timestamppb.Timestamp{Seconds: 1, Nanos: 1_000_000_000},
		durationpb.New(0), &durationpb.Duration{Seconds: -3, Nanos: -500}, &durationpb.Duration{Nanos: -1},
		&durationpb.Duration{Seconds: 315576000000, Nanos: 999999999}, &durationpb.Duration{Seconds: 1, Nanos: -1},
	} {
		compare(t, &enc, m)
	}
}

// compare requires enc's JSON of m to be protojson's, both compacted.
func compare(t *testing.T, enc *Encoder, m proto.Message) {
	t.Helper()
	want, werr := Options.Marshal(m)
	got, gerr := enc.Marshal(m)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("%s: error %v, protojson's %v", m.ProtoReflect().Descriptor().FullName(), gerr, werr)
	}
	if werr != nil {
		return
	}
	sameJSON(t, string(m.ProtoReflect().Descriptor().FullName()), got, want, "")
}

// sameJSON requires got and want to be the same JSON once compacted; more
// is added to the failure.
func sameJSON(t *testing.T, name string, got, want []byte, more string) {
	t.Helper()
	var w, g bytes.Buffer
	if err := json.Compact(&w, want); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&g, got); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	if !bytes.Equal(w.Bytes(), g.Bytes()) {
		t.Fatalf("%s:\n got %s\nwant %s%s", name, g.Bytes(), w.Bytes(), more)
	}
}

var (
	hardStrings = []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bback\fform", "\x00\x01\x1f\x7f",
		"<html> & 'x'", "line\u2028sep\u2029", "Ünïcødé £ €", "astral 😀 𝄞", "\ufeffbom", "/slash/"}
	hardFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 123.456, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e21, -2.5e-9,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.MaxFloat32, math.SmallestNonzeroFloat32, math.NaN(),
		math.Inf(1), math.Inf(-1), 1.0 / 3, 2.0 / 3 * 1e-8, 100}
	hardInts = []int64{0, 1, -1, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 1 << 53, 42}
)

// fill sets every field of m, or leaves it unset, at random.
func fill(rng *rand.Rand, m protoreflect.Message, depth int) {
	md := m.Descriptor()
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfInt64(rng.Int64N(253402300799+62135596800)-62135596800))
		m.Set(md.Fields().ByNumber(2), protoreflect.ValueOfInt32(nanos(rng)))
		return
	case "google.protobuf.Duration":
		s := rng.Int64N(1_000_000) - 500_000
		n := nanos(rng)
		if s < 0 {
			n = -n
		}
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfInt64(s))
		m.Set(md.Fields().ByNumber(2), protoreflect.ValueOfInt32(n))
		return
	}
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if rng.IntN(4) == 0 {
			continue // left unset
		}
		if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() && m.WhichOneof(o) != nil {
			continue
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range rng.IntN(4) {
				if v, ok := random(rng, fd, l.NewElement, depth); ok {
					l.Append(v)
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range rng.IntN(4) {
				k, _ := random(rng, fd.MapKey(), nil, depth)
				if v, ok := random(rng, fd.MapValue(), mp.NewValue, depth); ok {
					mp.Set(k.MapKey(), v)
				}
			}
		default:
			if v, ok := random(rng, fd, func() protoreflect.Value { return m.NewField(fd) }, depth); ok {
				m.Set(fd, v)
			}
		}
	}
}

func nanos(rng *rand.Rand) int32 {
	switch rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return int32(rng.IntN(1000)) * 1_000_000
	case 2:
		return int32(rng.IntN(1_000_000)) * 1000
	}
	return int32(rng.IntN(1_000_000_000))
}

// random is a value for fd; newMsg makes an empty message for it.
func random(rng *rand.Rand, fd protoreflect.FieldDescriptor, newMsg func() protoreflect.Value, depth int) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(rng.IntN(2) == 0), true
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if rng.IntN(8) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(1000 + rng.IntN(5))), true
		}
		return protoreflect.ValueOfEnum(vals.Get(rng.IntN(vals.Len())).Number()), true
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(hardInts[rng.IntN(len(hardInts))])), true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(hardInts[rng.IntN(len(hardInts))])), true
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(hardInts[rng.IntN(len(hardInts))]), true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(hardInts[rng.IntN(len(hardInts))])), true
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(hardFloats[rng.IntN(len(hardFloats))] * float64(rng.IntN(3)+1))), true
	case protoreflect.DoubleKind:
		f := hardFloats[rng.IntN(len(hardFloats))]
		if rng.IntN(2) == 0 {
			f *= rng.Float64() * 1000
		}
		return protoreflect.ValueOfFloat64(f), true
	case protoreflect.StringKind:
		s := hardStrings[rng.IntN(len(hardStrings))]
		if rng.IntN(2) == 0 {
			s += hardStrings[rng.IntN(len(hardStrings))]
		}
		return protoreflect.ValueOfString(s), true
	case protoreflect.BytesKind:
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return protoreflect.ValueOfBytes(b), true
	case protoreflect.MessageKind:
		if depth > 4 || fd.Message().FullName() == "google.protobuf.Any" {
			return protoreflect.Value{}, false
		}
		v := newMsg()
		fill(rng, v.Message(), depth+1)
		return v, true
	}
	return protoreflect.Value{}, false
}

// benchRun is a match run at real scale: 20 needs, each with 8 ranked
// sponsors, as RunMatching answers.
func benchRun() *sponsorv1.MatchRun {
	run := &sponsorv1.MatchRun{
		Name: "matchRuns/01JF8Z3Q4M5N6P7R8S9T0V1W2X", Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL,
		State: sponsorv1.RunState_RUN_STATE_DRY_RUN, InputFingerprint: strings.Repeat("ab", 32),
		Objective: 1234.5678, Bound: 1234.5678, RunBy: "dfe-official-1", Etag: `"1"`, CreateTime: timestamppb.Now(),
	}
	for n := range 20 {
		need := "localAuthorities/E0800001" + string(rune('0'+n%10)) + "/sponsorNeeds/need-" + strings.Repeat("x", n%5)
		run.Needs = append(run.Needs, need)
		nc := &sponsorv1.NeedCandidates{Need: need}
		for s := range 8 {
			nc.Candidates = append(nc.Candidates, &sponsorv1.Candidate{
				Sponsor: "sponsors/sponsor-" + string(rune('a'+s)), Score: 0.731 * float64(s+n+1), Rank: int32(s + 1),
				Reason: "not chosen: another sponsor scores higher for this need",
			})
		}
		run.Candidates = append(run.Candidates, nc)
		if n%3 == 0 {
			run.Assignments = append(run.Assignments, &sponsorv1.Assignment{Need: need, Sponsor: "sponsors/sponsor-a", Score: 7.5})
		} else {
			run.Unmatched = append(run.Unmatched, &sponsorv1.Unmatched{Need: need, Reason: "every eligible sponsor is at capacity"})
		}
	}
	return run
}

// BenchmarkMatchRun compares protojson with the plans on a match run.
//
//	go test -run '^$' -bench BenchmarkMatchRun -benchmem ./internal/restjson/
func BenchmarkMatchRun(b *testing.B) {
	run := benchRun()
	var enc Encoder
	out, _ := enc.Marshal(run)
	b.Logf("%d bytes", len(out))
	b.Run("protojson", func(b *testing.B) {
		for b.Loop() {
			if _, err := Options.Marshal(run); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plans", func(b *testing.B) {
		for b.Loop() {
			if _, err := enc.Marshal(run); err != nil {
				b.Fatal(err)
			}
		}
	})
}
