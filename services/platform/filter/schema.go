package filter

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Type is the type of a filterable field.
type Type int

// The field types a Schema can declare.
const (
	String    Type = iota + 1 // compared exactly; ordered lexically by bytes
	Enum                      // one of Field.Values (or Prefix+value), matched case-insensitively; = and != only
	Int                       // int64
	Float                     // float64
	Bool                      // true or false; = and != only
	Date                      // a calendar day, written 2006-01-02
	Timestamp                 // an instant, written in RFC 3339 (or a date, meaning its midnight UTC)
	Reference                 // a resource name in Field.Collection, written in full or as its id; = and != only
)

var typeNames = map[Type]string{
	String: "string", Enum: "enum", Int: "integer", Float: "number", Bool: "boolean", Date: "date", Timestamp: "timestamp",
	Reference: "resource reference",
}

// String names the type as error messages do.
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Field declares one filterable field.
type Field struct {
	Type Type
	// Repeated fields hold a list; they accept only `:` (has) and the
	// record returns a slice for them.
	Repeated bool
	// Values lists an Enum field's allowed names, as records return them.
	Values []string
	// Prefix is an Enum field's protobuf value prefix, e.g. "GRADE_" for
	// turnaround.type.v1.Grade: a filter may name a value in full, as
	// responses print it (GRADE_INADEQUATE), or by the short form in
	// Values (INADEQUATE), which stays accepted as an alias. Both compile
	// to the short form, so the two spellings are one filter (one
	// canonical form, one page token).
	Prefix string
	// Collection is a Reference field's collection, e.g. "localAuthorities":
	// a filter may give the full resource name ("localAuthorities/E08000034")
	// or the bare id (E08000034); both compile to the full name, which is
	// what records return for the field.
	Collection string
}

// Schema maps each filterable field path, e.g. "latest_judgement.grade", to
// its declaration. A list method declares one Schema and compiles every
// request's filter against it.
type Schema map[string]Field

// Validate reports a schema that could never work: a bad field path, an
// unknown type, or enum values missing, duplicated or given to a non-enum.
// Compile calls it, because a bad schema is a programming error that must
// not pass for a bad request.
func (s Schema) Validate() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(s)) {
		f := s[name]
		switch {
		case !isFieldPath(name) || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != "":
			errs = append(errs, fmt.Errorf("filter: schema field %q is not a dotted field path", name))
		case typeNames[f.Type] == "":
			errs = append(errs, fmt.Errorf("filter: schema field %q has unknown type %d", name, f.Type))
		case f.Type == Enum && len(f.Values) == 0:
			errs = append(errs, fmt.Errorf("filter: enum field %q lists no values", name))
		case f.Type != Enum && len(f.Values) > 0:
			errs = append(errs, fmt.Errorf("filter: %s field %q lists enum values", f.Type, name))
		case f.Type != Enum && f.Prefix != "":
			errs = append(errs, fmt.Errorf("filter: %s field %q has an enum prefix", f.Type, name))
		case f.Prefix != "" && (!strings.HasSuffix(f.Prefix, "_") || strings.ToUpper(f.Prefix) != f.Prefix):
			errs = append(errs, fmt.Errorf("filter: enum field %q has prefix %q, which is not UPPER_SNAKE ending in _", name, f.Prefix))
		case f.Type == Reference && (f.Collection == "" || strings.Contains(f.Collection, "/")):
			errs = append(errs, fmt.Errorf("filter: reference field %q needs one collection name, not %q", name, f.Collection))
		case f.Type != Reference && f.Collection != "":
			errs = append(errs, fmt.Errorf("filter: %s field %q names a collection", f.Type, name))
		}
		seen := map[string]bool{}
		for _, v := range f.Values {
			k := strings.ToUpper(v)
			if v == "" || seen[k] {
				errs = append(errs, fmt.Errorf("filter: enum field %q has an empty or repeated value %q", name, v))
			}
			seen[k] = true
		}
	}
	return errors.Join(errs...)
}

// maxViolations bounds the violations one error carries, so a long filter
// of mistakes cannot produce an oversized error response.
const maxViolations = 10

// Filter is a compiled filter: checked against its schema, with typed
// values. The zero of *Filter (nil) and the filter compiled from "" match
// every record.
type Filter struct {
	root   Expr
	schema Schema
}

// Compile parses filter and checks it against s. Problems in the request
// are INVALID_ARGUMENT faults with one violation on field "filter" for each
// problem found; a syntax error stops the check at the first. An invalid
// schema yields a plain error, which the edge reports as internal.
func Compile(filter string, s Schema) (*Filter, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	root, err := Parse(filter)
	if err != nil {
		return nil, err
	}
	var vs []fault.Violation
	walk(root, func(c *Comparison) {
		// Every comparison is still typed, but the report stays short.
		if msg := check(c, s); msg != "" && len(vs) < maxViolations {
			vs = append(vs, fault.Violation{Field: filterField, Description: msg})
		}
	})
	if len(vs) > 0 {
		return nil, fault.Invalid(ReasonInvalidFilter, vs...)
	}
	return &Filter{root: root, schema: maps.Clone(s)}, nil
}

// walk calls fn on every comparison under e, left to right.
func walk(e Expr, fn func(*Comparison)) {
	switch n := e.(type) {
	case *And:
		for _, t := range n.Terms {
			walk(t, fn)
		}
	case *Or:
		for _, t := range n.Terms {
			walk(t, fn)
		}
	case *Not:
		walk(n.Term, fn)
	case *Comparison:
		fn(n)
	}
}

// check types c's value against the schema, setting Value.Type and
// Value.Typed, and describes the first problem, or returns "".
func check(c *Comparison, s Schema) string {
	f, ok := s[c.Field]
	if !ok {
		return fmt.Sprintf("unknown field %q at position %d; filterable fields: %s",
			c.Field, c.Pos, strings.Join(slices.Sorted(maps.Keys(s)), ", "))
	}
	if msg := checkOp(c, f); msg != "" {
		return msg
	}
	c.Value.Type = f.Type
	if c.Op == Has && c.Value.Presence() {
		return ""
	}
	typed, msg := convert(c.Value, f)
	if msg != "" {
		return fmt.Sprintf("value %q at position %d for field %q %s", c.Value.Text, c.Value.Pos, c.Field, msg)
	}
	c.Value.Typed = typed
	return ""
}

func checkOp(c *Comparison, f Field) string {
	switch {
	case f.Repeated && c.Op != Has:
		return fmt.Sprintf("operator %q at position %d cannot compare repeated field %q; "+
			"use %s:value to test for an element, or %s:* to test that it has any",
			c.Op, c.OpPos, c.Field, c.Field, c.Field)
	case !f.Repeated && c.Op == Has && !c.Value.Presence():
		return fmt.Sprintf(`operator ":" at position %d needs a repeated field, but %q holds one %s; `+
			"compare it with %s, or use %s:* to test that it is set",
			c.OpPos, c.Field, f.Type, strings.Join(allowedOps(f.Type), ", "), c.Field)
	case c.Op != Has && !slices.Contains(allowedOps(f.Type), string(c.Op)):
		return fmt.Sprintf("operator %q at position %d does not apply to %s field %q; allowed operators: %s",
			c.Op, c.OpPos, f.Type, c.Field, strings.Join(allowedOps(f.Type), ", "))
	}
	return ""
}

func allowedOps(t Type) []string {
	if t == Enum || t == Bool || t == Reference {
		return []string{string(Eq), string(Ne)}
	}
	return []string{string(Eq), string(Ne), string(Lt), string(Le), string(Gt), string(Ge)}
}

// convert turns a value's text into the field's Go type. Quoting does not
// matter, so `year = "2024"` and `year = 2024` mean the same.
func convert(v Value, f Field) (any, string) {
	text := v.Text
	switch f.Type {
	case String:
		return text, ""
	case Enum:
		for _, name := range f.Values {
			if strings.EqualFold(name, text) || (f.Prefix != "" && strings.EqualFold(f.Prefix+name, text)) {
				return name, ""
			}
		}
		if f.Prefix == "" {
			return nil, "is not allowed; allowed values: " + strings.Join(f.Values, ", ")
		}
		full := make([]string, len(f.Values))
		for i, name := range f.Values {
			full[i] = f.Prefix + name
		}
		return nil, "is not allowed; allowed values: " + strings.Join(full, ", ") +
			" (or without the " + f.Prefix + " prefix)"
	case Reference:
		id, full := text, false
		if rest, ok := strings.CutPrefix(text, f.Collection+"/"); ok {
			id, full = rest, true
		}
		if id == "" || strings.ContainsAny(id, "/ \t\n") {
			if full || strings.Contains(text, "/") {
				return nil, fmt.Sprintf("is not a %s name; write %s/{id} or the id alone", f.Collection, f.Collection)
			}
			return nil, fmt.Sprintf("is not a %s id", f.Collection)
		}
		return f.Collection + "/" + id, ""
	case Int:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, "is out of range for an integer"
			}
			return nil, "is not an integer"
		}
		return n, ""
	case Float:
		// ParseFloat also reads "NaN", "Inf" and hex floats; a filter value
		// is a plain decimal number.
		if strings.Trim(text, "0123456789+-.eE") != "" {
			return nil, "is not a number"
		}
		x, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(x, 0) {
			return nil, "is not a finite number"
		}
		return x, ""
	case Bool:
		switch strings.ToLower(text) {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, "is not true or false"
	case Date:
		d, err := time.Parse(time.DateOnly, text)
		if err != nil {
			return nil, "is not a date such as 2015-12-01"
		}
		return d, ""
	case Timestamp:
		t, err := time.Parse(time.DateOnly, text)
		if err != nil {
			t, err = time.Parse(time.RFC3339Nano, text)
		}
		if err != nil {
			return nil, "is not an RFC 3339 timestamp such as 2015-12-01T09:30:00Z, or a date such as 2015-12-01"
		}
		// The range of google.protobuf.Timestamp; it also keeps the UTC
		// form within the four-digit years RFC 3339 can write.
		if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
			return nil, "is outside the years 0001 to 9999"
		}
		return t, ""
	}
	return nil, "has a type the schema does not support"
}

// String returns the filter in canonical form: single spaces, NOT for `-`,
// enum names as the schema spells them, timestamps in UTC, and parentheses
// only where needed. Equal filters have equal canonical forms, so pass this
// to paging.Query rather than the raw request text.
func (f *Filter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	return f.root.String()
}

// Expr returns a copy of the compiled syntax tree, or nil for an empty
// filter. Changing the copy does not change what Match evaluates.
func (f *Filter) Expr() Expr {
	if f == nil || f.root == nil {
		return nil
	}
	return clone(f.root)
}

// Equalities returns the terms a store can serve from an index: for a
// filter that is a comparison or an AND at the top, each `field = value`
// term on a scalar field and each `field:value` term on a repeated field,
// keyed by field with values in canonical text (enum names as the schema
// spells them, dates as 2006-01-02, timestamps in RFC 3339 UTC). Every
// record the filter matches has each listed value; the store narrows with
// these and still calls Match on the candidates. It returns nil when there
// are no such terms.
func (f *Filter) Equalities() map[string][]string {
	if f == nil || f.root == nil {
		return nil
	}
	terms := []Expr{f.root}
	if and, ok := f.root.(*And); ok {
		terms = and.Terms
	}
	var eq map[string][]string
	for _, t := range terms {
		c, ok := t.(*Comparison)
		if !ok {
			continue
		}
		repeated := f.schema[c.Field].Repeated
		if (c.Op == Eq && !repeated) || (c.Op == Has && repeated && !c.Value.Presence()) {
			if eq == nil {
				eq = map[string][]string{}
			}
			eq[c.Field] = append(eq[c.Field], c.Value.canonical())
		}
	}
	return eq
}
