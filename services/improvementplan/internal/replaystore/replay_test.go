package replaystore

import (
	"strconv"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// versioned is an aggregate whose stored form leaves its version out, as
// every stored form does.
type versioned struct {
	text    string
	version int64
}

var codec = store.Codec[versioned]{
	Encode: func(v versioned) ([]byte, error) { return []byte(v.text), nil },
	Decode: func(b []byte, version int64) (versioned, error) {
		return versioned{text: string(b), version: version}, nil
	},
}

func TestRoundTripKeepsTheVersion(t *testing.T) {
	for _, version := range []int64{1, 2, 300, 1 << 40} {
		b, err := Encode(codec, versioned{text: "plan"}, version)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(codec, b)
		if err != nil || got != (versioned{text: "plan", version: version}) {
			t.Errorf("version %d: decoded %+v, %v", version, got, err)
		}
	}
	if _, err := Decode(codec, nil); err == nil {
		t.Error("an empty replay decoded")
	}
}

func TestRecordOnlyWhenAsked(t *testing.T) {
	asked := change.Request{Subject: "official-1", Method: "/m/Lift", RequestID: "r1", RequestHash: []byte("h")}
	for i, r := range []change.Request{
		{Subject: "official-1", Method: "/m/Lift"},
		{Subject: "official-1", Method: "/m/Lift", RequestID: "r1"},
		change.System("/m/Lift", "event-1"),
	} {
		if rec, err := Of(codec, versioned{text: "x"}, 1, r); rec != nil || err != nil {
			t.Errorf("request %s: record %+v, %v; want none", strconv.Itoa(i), rec, err)
		}
	}
	rec, err := Of(codec, versioned{text: "x"}, 7, asked)
	if err != nil || rec == nil || rec.Scope != asked.Scope() || rec.RequestID != "r1" || string(rec.RequestHash) != "h" {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	if got, err := Decode(codec, rec.Response); err != nil || got.version != 7 {
		t.Fatalf("replayed %+v, %v", got, err)
	}
}
