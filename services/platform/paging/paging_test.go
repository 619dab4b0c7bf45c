package paging

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time source for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestCodec(t testing.TB, secret []byte) (*Codec, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	c, err := NewCodec(secret, time.Hour, WithClock(clk.now))
	if err != nil {
		t.Fatalf("NewCodec: %v", err)
	}
	return c, clk
}

var baseQuery = Query{
	Method:  "turnaround.inspection.v1.InspectionService/ListInspections",
	Parent:  "localAuthorities/E08000017",
	Filter:  `grade = "GOOD"`,
	OrderBy: "published desc",
	Params:  map[string]string{"show_withdrawn": "false"},
}

// wantFault fails t unless err is an INVALID_ARGUMENT fault with reason and a
// single violation on field.
func wantFault(t *testing.T, err error, reason, field string) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
	}
	if f.Kind != fault.KindInvalid || f.Reason != reason {
		t.Fatalf("fault kind %v reason %q, want KindInvalid %q (%v)", f.Kind, f.Reason, reason, err)
	}
	if len(f.Violations) != 1 || f.Violations[0].Field != field || f.Violations[0].Description == "" {
		t.Fatalf("violations %+v, want one described violation on %q", f.Violations, field)
	}
}

func TestPageSize(t *testing.T) {
	tests := []struct {
		name           string
		req, def, max  int32
		want           int32
		wantFault      bool
		wantConfigFail bool
	}{
		{name: "zero gives default", req: 0, def: 50, max: 500, want: 50},
		{name: "within range kept", req: 20, def: 50, max: 500, want: 20},
		{name: "one", req: 1, def: 50, max: 500, want: 1},
		{name: "equal to max kept", req: 500, def: 50, max: 500, want: 500},
		{name: "above max capped", req: 501, def: 50, max: 500, want: 500},
		{name: "huge capped", req: 1<<31 - 1, def: 50, max: 500, want: 500},
		{name: "default above max capped", req: 0, def: 1000, max: 100, want: 100},
		{name: "negative", req: -1, def: 50, max: 500, wantFault: true},
		{name: "most negative", req: -1 << 31, def: 50, max: 500, wantFault: true},
		{name: "zero default is a config error", req: 10, def: 0, max: 500, wantConfigFail: true},
		{name: "negative max is a config error", req: 10, def: 50, max: -1, wantConfigFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PageSize(tt.req, tt.def, tt.max)
			switch {
			case tt.wantFault:
				wantFault(t, err, ReasonInvalidPageSize, "page_size")
				if !errors.Is(err, ErrInvalidPageSize) {
					t.Errorf("errors.Is(%v, ErrInvalidPageSize) = false", err)
				}
			case tt.wantConfigFail:
				if err == nil {
					t.Fatalf("PageSize(%d, %d, %d) = %d, want a configuration error", tt.req, tt.def, tt.max, got)
				}
				if _, isFault := fault.As(err); isFault {
					t.Errorf("configuration error %v must not be a caller fault", err)
				}
			case err != nil:
				t.Fatalf("PageSize(%d, %d, %d): %v", tt.req, tt.def, tt.max, err)
			case got != tt.want:
				t.Errorf("PageSize(%d, %d, %d) = %d, want %d", tt.req, tt.def, tt.max, got, tt.want)
			}
		})
	}
}

func TestNewCodecRejectsBadConfig(t *testing.T) {
	if _, err := NewCodec(testSecret[:31], time.Hour); err == nil {
		t.Error("NewCodec accepted a 31-byte secret")
	}
	if _, err := NewCodec(testSecret, 0); err == nil {
		t.Error("NewCodec accepted a zero lifetime")
	}
	if _, err := NewRandomCodec(-time.Second); err == nil {
		t.Error("NewRandomCodec accepted a negative lifetime")
	}
}

func TestRoundTrip(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	cursors := []string{"", "0", "42", "E08000017:2026-01-01", "ünïcødé", "\x00\xff binary", strings.Repeat("x", MaxCursorLen)}
	queries := []Query{{}, baseQuery, {Method: "m", Params: map[string]string{"": ""}}}
	for _, q := range queries {
		for _, cur := range cursors {
			tok := c.Encode(q, cur)
			if tok == "" {
				t.Fatalf("Encode(%+v, %q) returned an empty token", q, cur)
			}
			if strings.ContainsAny(tok, "+/=") {
				t.Errorf("token %q is not unpadded base64url", tok)
			}
			if len(tok) > maxTokenLen {
				t.Errorf("token of %d characters exceeds maxTokenLen %d", len(tok), maxTokenLen)
			}
			got, err := c.Decode(tok, q)
			if err != nil {
				t.Fatalf("Decode(Encode(%q)): %v", cur, err)
			}
			if got != cur {
				t.Errorf("Decode(Encode(%q)) = %q", cur, got)
			}
		}
	}
}

func TestEncodePanicsOnOversizedCursor(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	defer func() {
		if recover() == nil {
			t.Error("Encode accepted a cursor longer than MaxCursorLen")
		}
	}()
	c.Encode(baseQuery, strings.Repeat("x", MaxCursorLen+1))
}

func TestEmptyTokenStartsAtTheBeginning(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	cur, err := c.Decode("", baseQuery)
	if err != nil || cur != "" {
		t.Errorf(`Decode("") = %q, %v; want "", nil`, cur, err)
	}
	off, err := c.DecodeOffset("", baseQuery)
	if err != nil || off != 0 {
		t.Errorf(`DecodeOffset("") = %d, %v; want 0, nil`, off, err)
	}
}

func TestTamperedBytesAreRejected(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "120")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			edited := append([]byte(nil), raw...)
			edited[i] ^= 1 << bit
			forged := base64.RawURLEncoding.EncodeToString(edited)
			cur, err := c.Decode(forged, baseQuery)
			if err == nil {
				t.Fatalf("flipping bit %d of byte %d was accepted, cursor %q", bit, i, cur)
			}
			wantFault(t, err, ReasonInvalidPageToken, "page_token")
		}
	}
}

func TestEditedCharactersAreRejected(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. "
	c, _ := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "120")
	for i := range len(tok) {
		for _, ch := range []byte(alphabet) {
			if ch == tok[i] {
				continue
			}
			forged := tok[:i] + string(ch) + tok[i+1:]
			if cur, err := c.Decode(forged, baseQuery); err == nil {
				t.Fatalf("replacing character %d with %q was accepted, cursor %q", i, ch, cur)
			} else {
				wantFault(t, err, ReasonInvalidPageToken, "page_token")
			}
		}
	}
}

func TestTruncatedExtendedAndPaddedTokensAreRejected(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "120")
	for n := 1; n < len(tok); n++ {
		_, err := c.Decode(tok[:n], baseQuery)
		wantFault(t, err, ReasonInvalidPageToken, "page_token")
	}
	for _, suffix := range []string{"A", "AA", "AAAA", "=", "=="} {
		_, err := c.Decode(tok+suffix, baseQuery)
		wantFault(t, err, ReasonInvalidPageToken, "page_token")
	}
	// The base64 decoder itself skips CR and LF, so insertions must be
	// caught before decoding.
	for i := range len(tok) + 1 {
		for _, ins := range []string{"\n", "\r", " ", "A", "="} {
			_, err := c.Decode(tok[:i]+ins+tok[i:], baseQuery)
			wantFault(t, err, ReasonInvalidPageToken, "page_token")
		}
	}
}

func TestMalformedTokens(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	valid := c.Encode(baseQuery, "7")
	raw, _ := base64.RawURLEncoding.DecodeString(valid)
	otherVersion := append([]byte(nil), raw...)
	otherVersion[0] = 2
	tests := map[string]string{
		"not base64":          "!!!not-a-token!!!",
		"standard alphabet":   strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/",
		"padded":              base64.URLEncoding.EncodeToString(raw),
		"whitespace":          " " + valid,
		"line break inside":   valid[:20] + "\n" + valid[20:],
		"carriage return":     valid[:20] + "\r\n" + valid[20:],
		"short payload":       base64.RawURLEncoding.EncodeToString(raw[:minPayloadLen-1]),
		"all zero":            base64.RawURLEncoding.EncodeToString(make([]byte, len(raw))),
		"other version":       base64.RawURLEncoding.EncodeToString(otherVersion),
		"over the size cap":   strings.Repeat("A", maxTokenLen+1),
		"tag only":            base64.RawURLEncoding.EncodeToString(raw[len(raw)-tagLen:]),
		"payload without tag": base64.RawURLEncoding.EncodeToString(raw[:len(raw)-tagLen]),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			cur, err := c.Decode(tok, baseQuery)
			if err == nil {
				t.Fatalf("Decode(%q) = %q, want an error", tok, cur)
			}
			wantFault(t, err, ReasonInvalidPageToken, "page_token")
			if !errors.Is(err, ErrInvalidPageToken) {
				t.Errorf("errors.Is(%v, ErrInvalidPageToken) = false", err)
			}
		})
	}
}

func TestWrongSecretIsRejected(t *testing.T) {
	issuer, _ := newTestCodec(t, testSecret)
	other := []byte(strings.ToUpper(string(testSecret)))
	verifier, _ := newTestCodec(t, other)
	_, err := verifier.Decode(issuer.Encode(baseQuery, "10"), baseQuery)
	wantFault(t, err, ReasonInvalidPageToken, "page_token")

	random, err := NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = random.Decode(issuer.Encode(baseQuery, "10"), baseQuery)
	wantFault(t, err, ReasonInvalidPageToken, "page_token")
}

func TestTokenIsBoundToItsQuery(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "10")
	with := func(edit func(*Query)) Query {
		q := baseQuery
		q.Params = map[string]string{}
		for k, v := range baseQuery.Params {
			q.Params[k] = v
		}
		edit(&q)
		return q
	}
	tests := map[string]Query{
		"other filter":         with(func(q *Query) { q.Filter = `grade = "OUTSTANDING"` }),
		"filter removed":       with(func(q *Query) { q.Filter = "" }),
		"other order":          with(func(q *Query) { q.OrderBy = "published" }),
		"other parent":         with(func(q *Query) { q.Parent = "localAuthorities/E09000001" }),
		"other method":         with(func(q *Query) { q.Method = "turnaround.peerreview.v1.PeerReviewService/ListPeerReviews" }),
		"param changed":        with(func(q *Query) { q.Params["show_withdrawn"] = "true" }),
		"param added":          with(func(q *Query) { q.Params["view"] = "FULL" }),
		"param removed":        with(func(q *Query) { delete(q.Params, "show_withdrawn") }),
		"param moved to value": with(func(q *Query) { q.Params = map[string]string{"show_withdrawnfalse": ""} }),
		"field boundary moved": with(func(q *Query) { q.Parent += `grade`; q.Filter = strings.TrimPrefix(q.Filter, "grade") }),
	}
	for name, q := range tests {
		t.Run(name, func(t *testing.T) {
			cur, err := c.Decode(tok, q)
			if err == nil {
				t.Fatalf("token for %+v accepted for %+v, cursor %q", baseQuery, q, cur)
			}
			wantFault(t, err, ReasonPageTokenMismatch, "page_token")
			if !errors.Is(err, ErrPageTokenMismatch) {
				t.Errorf("errors.Is(%v, ErrPageTokenMismatch) = false", err)
			}
			desc := err.(*fault.Error).Violations[0].Description
			for _, word := range []string{"filter", "order_by", "match the request that produced it"} {
				if !strings.Contains(desc, word) {
					t.Errorf("description %q does not mention %q", desc, word)
				}
			}
		})
	}
}

func TestFingerprintIsCanonical(t *testing.T) {
	a := Query{Method: "m", Params: map[string]string{"a": "1", "b": "2", "c": "3"}}
	b := Query{Method: "m", Params: map[string]string{"c": "3", "a": "1", "b": "2"}}
	for range 20 { // map iteration order varies from run to run
		if a.fingerprint() != b.fingerprint() {
			t.Fatal("equal queries fingerprint differently")
		}
	}
	if (Query{}).fingerprint() != (Query{Params: map[string]string{}}).fingerprint() {
		t.Error("nil and empty params fingerprint differently")
	}
	distinct := []Query{
		{},
		{Method: "a"},
		{Parent: "a"},
		{Filter: "a"},
		{OrderBy: "a"},
		{Params: map[string]string{"a": ""}},
		{Params: map[string]string{"": "a"}},
		{Method: "ab", Parent: "c"},
		{Method: "a", Parent: "bc"},
		{Params: map[string]string{"a": "b", "c": ""}},
		{Params: map[string]string{"a": "bc"}},
	}
	seen := map[[fingerprintLen]byte]int{}
	for i, q := range distinct {
		fp := q.fingerprint()
		if j, dup := seen[fp]; dup {
			t.Errorf("queries %+v and %+v share a fingerprint", distinct[j], q)
		}
		seen[fp] = i
	}
}

func TestEqualQueryAcceptsToken(t *testing.T) {
	// The next request builds its Query afresh; equal content is enough.
	c, _ := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "5")
	q := baseQuery
	q.Params = map[string]string{"show_withdrawn": "false"}
	if cur, err := c.Decode(tok, q); err != nil || cur != "5" {
		t.Errorf("Decode = %q, %v; want 5, nil", cur, err)
	}
}

func TestExpiry(t *testing.T) {
	c, clk := newTestCodec(t, testSecret)
	tok := c.Encode(baseQuery, "30")

	clk.advance(time.Hour - time.Millisecond)
	if cur, err := c.Decode(tok, baseQuery); err != nil || cur != "30" {
		t.Fatalf("just before expiry: Decode = %q, %v; want 30, nil", cur, err)
	}

	clk.advance(time.Millisecond)
	_, err := c.Decode(tok, baseQuery)
	wantFault(t, err, ReasonPageTokenExpired, "page_token")
	if !errors.Is(err, ErrPageTokenExpired) {
		t.Errorf("errors.Is(%v, ErrPageTokenExpired) = false", err)
	}
	if desc := err.(*fault.Error).Violations[0].Description; !strings.Contains(desc, "2026-03-01T10:00:00Z") {
		t.Errorf("description %q does not give the expiry time", desc)
	}

	// A token issued now is good for another full lifetime.
	fresh := c.Encode(baseQuery, "30")
	if _, err := c.Decode(fresh, baseQuery); err != nil {
		t.Errorf("fresh token: %v", err)
	}
}

func TestOffsets(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	for _, off := range []int64{0, 1, 100, 1<<63 - 1} {
		got, err := c.DecodeOffset(c.EncodeOffset(baseQuery, off), baseQuery)
		if err != nil || got != off {
			t.Errorf("DecodeOffset(EncodeOffset(%d)) = %d, %v", off, got, err)
		}
	}
	// Genuine tokens whose cursors are not offsets: the client cannot have
	// made them, but the service must still not trust them as offsets.
	for _, cur := range []string{"", "abc", "-1", "1.5", "99999999999999999999", " 1"} {
		_, err := c.DecodeOffset(c.Encode(baseQuery, cur), baseQuery)
		wantFault(t, err, ReasonInvalidPageToken, "page_token")
	}
	_, err := c.DecodeOffset(c.EncodeOffset(baseQuery, 10), Query{Method: "other"})
	wantFault(t, err, ReasonPageTokenMismatch, "page_token")
}

func TestNextOffset(t *testing.T) {
	c, _ := newTestCodec(t, testSecret)
	tests := []struct {
		name         string
		offset       int64
		size         int32
		total        int64
		wantNext     int64
		wantLastPage bool
	}{
		{name: "first of several", offset: 0, size: 10, total: 25, wantNext: 10},
		{name: "middle", offset: 10, size: 10, total: 25, wantNext: 20},
		{name: "partial last page", offset: 20, size: 10, total: 25, wantLastPage: true},
		{name: "exact last page", offset: 15, size: 10, total: 25, wantLastPage: true},
		{name: "empty collection", offset: 0, size: 10, total: 0, wantLastPage: true},
		{name: "offset past the end", offset: 40, size: 10, total: 25, wantLastPage: true},
		{name: "zero size", offset: 0, size: 0, total: 25, wantLastPage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := c.NextOffset(baseQuery, tt.offset, tt.size, tt.total)
			if tt.wantLastPage {
				if tok != "" {
					t.Errorf("NextOffset = %q, want empty on the last page", tok)
				}
				return
			}
			got, err := c.DecodeOffset(tok, baseQuery)
			if err != nil || got != tt.wantNext {
				t.Errorf("next offset = %d, %v; want %d", got, err, tt.wantNext)
			}
		})
	}
}

func TestWalkEveryPage(t *testing.T) {
	// A client paging through 23 items, 5 at a time, with the size changing
	// midway as AIP-158 allows, sees every item exactly once.
	c, _ := newTestCodec(t, testSecret)
	const total = 23
	var seen []int64
	token := ""
	for pages := 0; ; pages++ {
		if pages > total {
			t.Fatal("paging did not terminate")
		}
		size := int32(5)
		if pages >= 2 {
			size = 7
		}
		off, err := c.DecodeOffset(token, baseQuery)
		if err != nil {
			t.Fatal(err)
		}
		for i := off; i < min(off+int64(size), total); i++ {
			seen = append(seen, i)
		}
		if token = c.NextOffset(baseQuery, off, size, total); token == "" {
			break
		}
	}
	if len(seen) != total {
		t.Fatalf("saw %d items, want %d: %v", len(seen), total, seen)
	}
	for i, v := range seen {
		if int64(i) != v {
			t.Fatalf("item %d is %d", i, v)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	c, _ := newTestCodec(b, testSecret)
	tok := c.EncodeOffset(baseQuery, 1000)
	for b.Loop() {
		if _, err := c.DecodeOffset(tok, baseQuery); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWindow(t *testing.T) {
	for _, c := range []struct {
		offset     int64
		size       int32
		total      int
		start, end int
	}{
		{0, 50, 152, 0, 50},
		{150, 50, 152, 150, 152},
		{200, 50, 152, 152, 152},
		{0, 50, 0, 0, 0},
		{-1, 10, 5, 0, 5},
	} {
		if s, e := Window(c.offset, c.size, c.total); s != c.start || e != c.end {
			t.Errorf("Window(%d, %d, %d) = %d, %d; want %d, %d", c.offset, c.size, c.total, s, e, c.start, c.end)
		}
	}
}
