// Package filter implements the subset of AIP-160 filtering that Turnaround's
// list methods accept, and AIP-132 order_by.
//
// A filter is comparisons (`field OP value`) joined with AND and OR, negated
// with NOT or `-`, and grouped with parentheses. Compile checks a filter
// against a Schema of the fields a list allows, so an unknown field, an
// operator that does not suit a field's type or a value of the wrong type is
// an INVALID_ARGUMENT fault whose description says what is wrong, where, and
// what is allowed. The compiled Filter matches records in memory and exposes
// its syntax tree so a store can serve simple equality terms from an index.
//
// Differences from full AIP-160, chosen to keep every accepted filter
// unambiguous: terms must be joined with AND or OR (juxtaposition, the
// implicit AND, is rejected); AND and OR may not be mixed at one level
// without parentheses, because AIP-160 gives OR the higher precedence, the
// reverse of most languages, and a reader could take `a AND b OR c` either
// way; there are no functions, global restrictions or wildcards; string
// comparisons are exact and case-sensitive, while enum names match
// case-insensitively.
package filter

import (
	"strconv"
	"strings"
	"time"
)

// Op is a comparison operator.
type Op string

// The comparison operators. Has (`:`) tests whether a repeated field holds a
// value, or, with the value `*`, whether any field is set.
const (
	Eq  Op = "="
	Ne  Op = "!="
	Lt  Op = "<"
	Le  Op = "<="
	Gt  Op = ">"
	Ge  Op = ">="
	Has Op = ":"
)

// Expr is a node of a filter's syntax tree: *And, *Or, *Not or *Comparison.
// String renders the node as filter text that parses back to the same tree.
type Expr interface {
	String() string
	isExpr()
}

// And holds when every term holds. Nested ANDs are flattened into one.
type And struct {
	Terms []Expr
}

// Or holds when any term holds. Nested ORs are flattened into one.
type Or struct {
	Terms []Expr
}

// Not holds when Term does not. `-term` and `NOT term` both parse to Not.
type Not struct {
	Term Expr
	// Pos is the 1-based character position of NOT or `-` in the filter.
	Pos int
}

// Comparison is one restriction: `Field Op Value`.
type Comparison struct {
	// Field is the dotted field path, e.g. "latest_judgement.grade".
	Field string
	Op    Op
	Value Value
	// Pos and OpPos are 1-based character positions of the field and the
	// operator in the filter text.
	Pos   int
	OpPos int
}

// Value is the right-hand side of a comparison.
type Value struct {
	// Text is the value as written, with quotes removed and escapes
	// resolved.
	Text string
	// Quoted reports whether the value was a quoted string.
	Quoted bool
	// Pos is the value's 1-based character position in the filter.
	Pos int
	// Type and Typed are set by Compile from the field's schema. Typed is a
	// string (string fields, and enum fields as the schema spells the
	// name), int64, float64, bool or time.Time (UTC; midnight for dates).
	// It stays nil for the presence test `field:*`.
	Type  Type
	Typed any
}

// Presence reports whether v is the bare `*` of a presence test `field:*`.
func (v Value) Presence() bool { return !v.Quoted && v.Text == "*" }

func (*And) isExpr()        {}
func (*Or) isExpr()         {}
func (*Not) isExpr()        {}
func (*Comparison) isExpr() {}

// String renders the terms joined by AND, parenthesising ORs.
func (a *And) String() string { return join(a.Terms, " AND ") }

// String renders the terms joined by OR, parenthesising ANDs.
func (o *Or) String() string { return join(o.Terms, " OR ") }

// String renders the negation as NOT, whichever spelling was parsed.
func (n *Not) String() string { return "NOT " + group(n.Term) }

// String renders the comparison; `:` is written without spaces, as AIP-160's
// examples do.
func (c *Comparison) String() string {
	if c.Op == Has {
		return c.Field + ":" + c.Value.String()
	}
	return c.Field + " " + string(c.Op) + " " + c.Value.String()
}

// String renders the value in canonical form once compiled (enum names as
// the schema spells them, timestamps in UTC), or as written before.
func (v Value) String() string {
	if v.Presence() {
		return "*"
	}
	switch t := v.Typed.(type) {
	case string:
		if v.Type == Enum && isBareValue(t) {
			return t
		}
		return quote(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case time.Time:
		if v.Type == Date {
			return t.Format(time.DateOnly)
		}
		return quote(t.Format(time.RFC3339Nano))
	}
	if v.Quoted || !isBareValue(v.Text) {
		return quote(v.Text)
	}
	return v.Text
}

// canonical is the value as an index would key it, for Equalities.
func (v Value) canonical() string {
	switch t := v.Typed.(type) {
	case string:
		return t
	case time.Time:
		if v.Type == Date {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339Nano)
	}
	return v.String()
}

func join(terms []Expr, sep string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = group(t)
	}
	return strings.Join(parts, sep)
}

// group parenthesises And and Or inside another operator, which is exactly
// where the parser demands parentheses.
func group(e Expr) string {
	switch e.(type) {
	case *And, *Or:
		return "(" + e.String() + ")"
	}
	return e.String()
}

// quote writes s as a double-quoted filter string using only the escapes
// the parser reads.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// clone deep-copies e, so callers of Filter.Expr cannot change what Match
// evaluates.
func clone(e Expr) Expr {
	switch n := e.(type) {
	case *And:
		return &And{Terms: cloneAll(n.Terms)}
	case *Or:
		return &Or{Terms: cloneAll(n.Terms)}
	case *Not:
		return &Not{Term: clone(n.Term), Pos: n.Pos}
	case *Comparison:
		c := *n
		return &c
	}
	return nil
}

func cloneAll(terms []Expr) []Expr {
	out := make([]Expr, len(terms))
	for i, t := range terms {
		out[i] = clone(t)
	}
	return out
}
