package filter

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// ReasonInvalidOrderBy is the ErrorInfo reason of every order_by fault.
const ReasonInvalidOrderBy = "INVALID_ORDER_BY"

// ErrInvalidOrderBy matches, with errors.Is, every fault ParseOrderBy
// returns.
var ErrInvalidOrderBy = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonInvalidOrderBy}

// MaxOrderByLength is the longest order_by accepted, in bytes.
const MaxOrderByLength = 500

const orderByField = "order_by"

// OrderField is one sort key of an order_by.
type OrderField struct {
	Field string
	Desc  bool
}

// Order is a parsed order_by: sort keys, most significant first.
type Order []OrderField

// ParseOrderBy parses an AIP-132 order_by: comma-separated fields, each
// optionally followed by asc or desc (in any case). Fields must be in
// allowed and may appear once. An empty or blank s means def, which the
// service supplies: an invalid def is a programming error and comes back as
// a plain error, not a fault, so the edge reports it as internal rather
// than blaming the caller.
func ParseOrderBy(s string, allowed []string, def string) (Order, error) {
	if strings.TrimSpace(s) != "" {
		return parseOrder(s, allowed)
	}
	o, err := parseOrder(def, allowed)
	if err != nil {
		// Deliberately not %w: wrapping would let fault.As find the
		// INVALID_ARGUMENT fault and blame the caller for the service's
		// own default.
		return nil, fmt.Errorf("filter: default order_by %q is invalid: %s", def, err.Error())
	}
	return o, nil
}

func parseOrder(s string, allowed []string) (Order, error) {
	if len(s) > MaxOrderByLength {
		return nil, invalidOrder(fmt.Sprintf("order_by is %d bytes long; the limit is %d", len(s), MaxOrderByLength))
	}
	if !utf8.ValidString(s) {
		return nil, invalidOrder("order_by is not valid UTF-8")
	}
	var o Order
	if strings.TrimSpace(s) == "" {
		return o, nil
	}
	offset := 0
	for item := range strings.SplitSeq(s, ",") {
		at := offset + len(item) - len(strings.TrimLeft(item, " \t\r\n"))
		pos := utf8.RuneCountInString(s[:at]) + 1
		offset += len(item) + 1
		words := strings.Fields(item)
		if len(words) == 0 {
			return nil, invalidOrder(fmt.Sprintf("order_by has an empty item at position %d; "+
				`separate fields with single commas, e.g. "published desc, name"`, pos))
		}
		f := OrderField{Field: words[0]}
		switch {
		case len(words) > 2:
			return nil, invalidOrder(fmt.Sprintf("order_by item %q at position %d must be a field name, "+
				"optionally followed by asc or desc", strings.TrimSpace(item), pos))
		case len(words) == 2 && strings.EqualFold(words[1], "desc"):
			f.Desc = true
		case len(words) == 2 && !strings.EqualFold(words[1], "asc"):
			return nil, invalidOrder(fmt.Sprintf("order_by direction %q after field %q at position %d must be asc or desc",
				words[1], words[0], pos))
		}
		if !slices.Contains(allowed, f.Field) {
			sortable := "none"
			if len(allowed) > 0 {
				sortable = strings.Join(allowed, ", ")
			}
			return nil, invalidOrder(fmt.Sprintf("unknown order_by field %q at position %d; sortable fields: %s",
				f.Field, pos, sortable))
		}
		if slices.ContainsFunc(o, func(g OrderField) bool { return g.Field == f.Field }) {
			return nil, invalidOrder(fmt.Sprintf("order_by names field %q twice, again at position %d", f.Field, pos))
		}
		o = append(o, f)
	}
	return o, nil
}

func invalidOrder(description string) error {
	return fault.Invalid(ReasonInvalidOrderBy, fault.Violation{Field: orderByField, Description: description})
}

// String returns the order in canonical form, e.g. "published desc, name",
// for paging.Query.
func (o Order) String() string {
	parts := make([]string, len(o))
	for i, f := range o {
		parts[i] = f.Field
		if f.Desc {
			parts[i] += " desc"
		}
	}
	return strings.Join(parts, ", ")
}

// Compare orders two records by o, for sorting a list in memory with
// slices.SortFunc. Unset values sort before set ones (after them for desc
// keys); numbers compare by value whatever their Go type; values of
// different kinds (a string against a number) order by kind, so the result
// is still a consistent total order.
func (o Order) Compare(a, b Record) int {
	for _, f := range o {
		va, oka := a.Get(f.Field)
		vb, okb := b.Get(f.Field)
		n := compareAny(sortKey(va, oka), sortKey(vb, okb))
		if f.Desc {
			n = -n
		}
		if n != 0 {
			return n
		}
	}
	return 0
}

// key is a value reduced to a comparable kind and payload.
type key struct {
	kind int // 0 unset or unsupported, then bool, number, string, time
	b    bool
	i    int64
	f    float64
	isF  bool
	s    string
	t    time.Time
}

func sortKey(v any, ok bool) key {
	if !ok || v == nil {
		return key{}
	}
	if b, ok := v.(bool); ok {
		return key{kind: 1, b: b}
	}
	if i, ok := toInt(v); ok {
		return key{kind: 2, i: i}
	}
	if x, ok := toFloat(v); ok {
		return key{kind: 2, f: x, isF: true}
	}
	// time.Time is a fmt.Stringer too, so it must be matched first.
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return key{}
		}
		return key{kind: 4, t: x}
	case string:
		return key{kind: 3, s: x}
	case fmt.Stringer:
		return key{kind: 3, s: x.String()}
	}
	return key{}
}

func compareAny(a, b key) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case 1:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	case 2:
		if !a.isF && !b.isF {
			return cmp.Compare(a.i, b.i)
		}
		return cmp.Compare(a.float(), b.float())
	case 3:
		return strings.Compare(a.s, b.s)
	case 4:
		return a.t.Compare(b.t)
	}
	return 0
}

func (k key) float() float64 {
	if k.isF {
		return k.f
	}
	return float64(k.i)
}
