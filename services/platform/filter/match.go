package filter

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
)

// Record is what a filter matches: one resource, seen through its field
// paths. Get returns the field's value and whether it is set: a string
// (string and enum fields; a fmt.Stringer such as a protobuf enum also
// works), an integer, a float, a bool, a time.Time (dates and timestamps;
// the zero time counts as unset), or for repeated fields a slice of those,
// usually []string.
type Record interface {
	Get(field string) (any, bool)
}

// Match reports whether r satisfies the filter. A comparison with an unset
// field (or a value of the wrong Go type) is false, except `!=`, which is
// true: a council with no grade is not graded GOOD.
func (f *Filter) Match(r Record) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.eval(f.root, r)
}

func (f *Filter) eval(e Expr, r Record) bool {
	switch n := e.(type) {
	case *And:
		for _, t := range n.Terms {
			if !f.eval(t, r) {
				return false
			}
		}
		return true
	case *Or:
		for _, t := range n.Terms {
			if f.eval(t, r) {
				return true
			}
		}
		return false
	case *Not:
		return !f.eval(n.Term, r)
	case *Comparison:
		return f.compare(n, r)
	}
	return false
}

func (f *Filter) compare(c *Comparison, r Record) bool {
	def := f.schema[c.Field]
	got, ok := r.Get(c.Field)
	if def.Repeated {
		if !ok {
			return false
		}
		elems := elements(got)
		for _, e := range elems {
			v, ok := normalize(def.Type, e)
			if ok && (c.Value.Presence() || order(def.Type, v, c.Value.Typed) == 0) {
				return true
			}
		}
		return false
	}
	var v any
	if ok {
		v, ok = normalize(def.Type, got)
	}
	if c.Op == Has { // only `field:*` reaches here on a scalar
		return ok
	}
	if !ok {
		return c.Op == Ne
	}
	n := order(def.Type, v, c.Value.Typed)
	switch c.Op {
	case Eq:
		return n == 0
	case Ne:
		return n != 0
	case Lt:
		return n < 0
	case Le:
		return n <= 0
	case Gt:
		return n > 0
	case Ge:
		return n >= 0
	}
	return false
}

// elements returns the items of a repeated field's slice.
func elements(v any) []any {
	switch s := v.(type) {
	case []string:
		out := make([]any, len(s))
		for i, x := range s {
			out[i] = x
		}
		return out
	case []any:
		return s
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// normalize converts a record's value to the Go type Compile gave the
// field's values, or reports it unusable, which Match treats as unset.
func normalize(t Type, v any) (any, bool) {
	switch t {
	case String, Enum, Reference:
		switch s := v.(type) {
		case time.Time: // a fmt.Stringer, but never a string field's value
			return nil, false
		case string:
			return s, true
		case fmt.Stringer:
			return s.String(), true
		}
	case Int:
		return toInt(v)
	case Float:
		if x, ok := toFloat(v); ok && !math.IsNaN(x) {
			return x, true
		}
	case Bool:
		b, ok := v.(bool)
		return b, ok
	case Date:
		if tm, ok := v.(time.Time); ok && !tm.IsZero() {
			// The day as the record's own location sees it.
			y, m, d := tm.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
		}
	case Timestamp:
		if tm, ok := v.(time.Time); ok && !tm.IsZero() {
			return tm, true
		}
	}
	return nil, false
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint64:
		return int64(n), n <= math.MaxInt64
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

// order compares two normalized values of type t: negative when a sorts
// before b, zero when equal.
func order(t Type, a, b any) int {
	switch t {
	case Enum:
		if strings.EqualFold(a.(string), b.(string)) {
			return 0
		}
		return strings.Compare(a.(string), b.(string))
	case String, Reference:
		return strings.Compare(a.(string), b.(string))
	case Int:
		return cmp.Compare(a.(int64), b.(int64))
	case Float:
		return cmp.Compare(a.(float64), b.(float64))
	case Bool:
		if a.(bool) == b.(bool) {
			return 0
		}
		return 1
	case Date, Timestamp:
		return a.(time.Time).Compare(b.(time.Time))
	}
	return 1
}
