package paging

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// fuzzCodec has a fixed secret and a frozen clock, so Encode is a pure
// function and the seed corpus in testdata/fuzz/FuzzDecode holds tokens it
// really issued.
func fuzzCodec(t testing.TB) *Codec {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := NewCodec([]byte("fuzz-secret-fuzz-secret-fuzz-sec"), time.Hour, WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzDecode feeds arbitrary tokens and filters to Decode. It must never
// panic, must fail only with the documented faults, and must accept only
// tokens byte-for-byte equal to what the codec itself issues for that query
// and cursor: anything else would be a forgery getting through.
func FuzzDecode(f *testing.F) {
	c := fuzzCodec(f)
	q := func(filter string) Query {
		return Query{Method: "svc/List", Parent: "localAuthorities/E08000017", Filter: filter, OrderBy: "name"}
	}
	f.Add("", "")
	f.Add(c.Encode(q(""), ""), "")
	f.Add(c.EncodeOffset(q(`region = "LONDON"`), 20), `region = "LONDON"`)
	f.Add(c.EncodeOffset(q(`region = "LONDON"`), 20), `region = "NORTH_WEST"`)

	reasons := []string{ReasonInvalidPageToken, ReasonPageTokenMismatch, ReasonPageTokenExpired}
	f.Fuzz(func(t *testing.T, token, filter string) {
		cursor, err := c.Decode(token, q(filter))
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid || !slices.Contains(reasons, fe.Reason) ||
				len(fe.Violations) != 1 || fe.Violations[0].Field != "page_token" {
				t.Fatalf("Decode(%q) returned an undocumented error: %#v", token, err)
			}
			if cursor != "" {
				t.Fatalf("Decode(%q) returned cursor %q with an error", token, cursor)
			}
			return
		}
		if token == "" {
			if cursor != "" {
				t.Fatalf("empty token gave cursor %q", cursor)
			}
			return
		}
		if reissued := c.Encode(q(filter), cursor); reissued != token {
			t.Fatalf("accepted token %q that the codec did not issue (it issues %q for cursor %q)", token, reissued, cursor)
		}
		if _, err := c.DecodeOffset(token, q(filter)); err != nil && !fault.IsKind(err, fault.KindInvalid) {
			t.Fatalf("DecodeOffset(%q): %v", token, err)
		}
	})
}

// TestFuzzCorpusIsCurrent keeps the seed corpus honest: if the token format
// changes, the stored "valid" seeds would silently become garbage and the
// fuzzer would stop exploring the accepting path.
func TestFuzzCorpusIsCurrent(t *testing.T) {
	c := fuzzCodec(t)
	want := map[string]string{
		"valid_first_page":  "",
		"valid_offset":      "",
		"valid_long_cursor": "",
		"empty":             "",
		"query_mismatch":    ReasonPageTokenMismatch,
		"expired":           ReasonPageTokenExpired,
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if len(lines) != 3 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a two-string corpus file", e.Name())
		}
		var args [2]string
		for i, l := range lines[1:] {
			if args[i], err = strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "string("), ")")); err != nil {
				t.Fatalf("%s line %d: %v", e.Name(), i+2, err)
			}
		}
		reason, listed := want[e.Name()]
		if !listed {
			reason = ReasonInvalidPageToken
		}
		_, err = c.Decode(args[0], Query{Method: "svc/List", Parent: "localAuthorities/E08000017", Filter: args[1], OrderBy: "name"})
		switch {
		case reason == "" && err != nil:
			t.Errorf("%s: want accepted, got %v", e.Name(), err)
		case reason != "" && !errors.Is(err, &fault.Error{Kind: fault.KindInvalid, Reason: reason}):
			t.Errorf("%s: want %s, got %v", e.Name(), reason, err)
		}
	}
}
