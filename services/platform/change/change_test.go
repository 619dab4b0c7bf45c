package change

import (
	"errors"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestEtagRoundTrip(t *testing.T) {
	e, err := ParseEtag("etag", Format(7), true)
	if err != nil || !e.Given() || e.Version() != 7 || e.String() != `"7"` {
		t.Fatalf("ParseEtag(Format(7)) = %v, %v", e, err)
	}
	if w, err := ParseEtag("etag", `W/"7"`, false); err != nil || w != e {
		t.Errorf("weak etag: %v, %v", w, err)
	}
	if err := e.Check(7); err != nil {
		t.Errorf("Check of the same version: %v", err)
	}
	if err := e.Check(8); !errors.Is(err, ErrConflict) {
		t.Errorf("Check of another version: %v, want ErrConflict", err)
	}
}

func TestStaleEtag(t *testing.T) {
	err := StaleEtag("the sponsor")
	if !errors.Is(err, ErrConflict) || err.Kind != fault.KindConflict || err.Reason != ReasonEtagMismatch {
		t.Errorf("StaleEtag = %v, want the conflict of a stale etag", err)
	}
	if want := "the sponsor has changed since its etag was read; read it again and retry"; err.Message != want {
		t.Errorf("StaleEtag message = %q, want %q", err.Message, want)
	}
}

func TestNoEtagMeansNoCheckUnlessRequired(t *testing.T) {
	e, err := ParseEtag("etag", "", false)
	if err != nil || e.Given() {
		t.Fatalf("optional empty etag: %v, %v", e, err)
	}
	if err := e.Check(42); err != nil {
		t.Errorf("no etag checked against a version: %v", err)
	}
	_, err = ParseEtag("plan.etag", "", true)
	if f, ok := fault.As(err); !ok || f.Kind != fault.KindInvalid || len(f.Violations) != 1 || f.Violations[0].Field != "plan.etag" {
		t.Errorf("required empty etag: %v, want a violation on plan.etag", err)
	}
}

func TestParseEtagRefusesWhatFormatCannotProduce(t *testing.T) {
	for _, s := range []string{`7`, `"0"`, `"-1"`, `"07"`, `"x"`, `""`, `"7`, `W/`} {
		if _, err := ParseEtag("etag", s, false); err == nil {
			t.Errorf("ParseEtag(%q) accepted", s)
		} else if f, ok := fault.As(err); !ok || f.Reason != ReasonInvalidEtag {
			t.Errorf("ParseEtag(%q): %v, want reason %s", s, err, ReasonInvalidEtag)
		}
	}
}

func TestRequest(t *testing.T) {
	r := System("turnaround.x.v1.X/Open", "evt-1")
	if r.Subject != SystemSubject || r.RequestID != "evt-1" || r.Scope() != "turnaround.x.v1.X/Open "+SystemSubject {
		t.Errorf("System: %+v", r)
	}
	if got := (Request{}).WithMethod("m").Method; got != "m" {
		t.Errorf("WithMethod on an empty method: %q", got)
	}
	if got := (Request{Method: "a"}).WithMethod("m").Method; got != "a" {
		t.Errorf("WithMethod kept %q, want a", got)
	}
}
