package watch

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Cursor is where a watcher stands in each topic stream: the id of the
// last entry it has passed, per topic. It travels as an opaque string.
type Cursor map[string]string

// cursorPrefix versions the encoding.
const cursorPrefix = "c1;"

// String encodes the cursor: base64url of "c1;topic=id;topic=id" in topic
// order, so equal cursors encode equally.
func (c Cursor) String() string {
	topics := make([]string, 0, len(c))
	for t := range c {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	var b strings.Builder
	b.WriteString(cursorPrefix)
	for i, t := range topics {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(t + "=" + c[t])
	}
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

// ParseCursor reads a cursor given as field; "" is the empty cursor.
func ParseCursor(field, s string) (Cursor, error) {
	c := Cursor{}
	if s == "" {
		return c, nil
	}
	bad := func(why string) error {
		return fault.Invalid("INVALID_CURSOR", fault.Violation{Field: field,
			Description: "is not a cursor this service gave (" + why + "); pass the cursor of the last event received, or none to start live"})
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad("not base64url")
	}
	body, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return nil, bad("unknown version")
	}
	if body == "" {
		return c, nil
	}
	for part := range strings.SplitSeq(body, ";") {
		t, id, ok := strings.Cut(part, "=")
		if !ok || t == "" {
			return nil, bad("malformed position")
		}
		if _, ok := ParseID(id); !ok {
			return nil, bad("malformed stream position")
		}
		c[t] = id
	}
	return c, nil
}

// Clone copies the cursor.
func (c Cursor) Clone() Cursor {
	out := make(Cursor, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// ID is a Redis stream entry id, milliseconds and sequence.
type ID struct{ Ms, Seq uint64 }

// ParseID reads a stream entry id such as 1700000000000-3.
func ParseID(s string) (ID, bool) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return ID{}, false
	}
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if err1 != nil || err2 != nil {
		return ID{}, false
	}
	return ID{a, b}, true
}

// After reports whether stream id a comes after b. Ids that do not parse
// never come after anything.
func After(a, b string) bool {
	x, ok1 := ParseID(a)
	y, ok2 := ParseID(b)
	if !ok1 || !ok2 {
		return false
	}
	return x.Ms > y.Ms || (x.Ms == y.Ms && x.Seq > y.Seq)
}

func (i ID) String() string { return fmt.Sprintf("%d-%d", i.Ms, i.Seq) }
