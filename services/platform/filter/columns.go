package filter

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Column is one field of a resource T that a list filters or orders on:
// its declaration, and how to read it from a resource, as Record.Get
// returns it. A column whose Field has no Type orders a list but is left
// out of the Schema, so no filter can name it.
type Column[T any] struct {
	Field
	Get func(*T) (any, bool)
}

// Columns maps the field paths of a resource T to their columns: a list's
// Schema and the Record of each of its resources declared in one place, so
// that no field can be declared without being read, or read without being
// declared.
type Columns[T any] map[string]Column[T]

// Schema is the declarations of the columns that have a Type: what the
// list's filters compile against.
func (cs Columns[T]) Schema() Schema {
	s := make(Schema, len(cs))
	for path, c := range cs {
		if c.Type != 0 {
			s[path] = c.Field
		}
	}
	return s
}

// Record is v seen through the columns; a path that names no column is
// unset.
func (cs Columns[T]) Record(v *T) Record { return row[T]{cs: cs, v: v} }

type row[T any] struct {
	cs Columns[T]
	v  *T
}

func (r row[T]) Get(path string) (any, bool) {
	c, ok := r.cs[path]
	if !ok {
		return nil, false
	}
	return c.Get(r.v)
}

// EnumColumn is an Enum column over the values of a string enum, named
// without their protobuf prefix, which every resource has.
func EnumColumn[T any, E ~string](values []E, prefix string, get func(*T) E) Column[T] {
	return Column[T]{
		Field: Field{Type: Enum, Values: fault.Names(values), Prefix: prefix},
		Get:   func(v *T) (any, bool) { return string(get(v)), true },
	}
}

// OptionalEnumColumn is an Enum column over the values of a string enum
// that a resource may lack: get reports whether it has one.
func OptionalEnumColumn[T any, E ~string](values []E, prefix string, get func(*T) (E, bool)) Column[T] {
	return Column[T]{
		Field: Field{Type: Enum, Values: fault.Names(values), Prefix: prefix},
		Get: func(v *T) (any, bool) {
			e, ok := get(v)
			return string(e), ok
		},
	}
}

// ValueColumn is a column of type t (String, Int, Float or Bool) whose
// value every resource has.
func ValueColumn[T any, V any](t Type, get func(*T) V) Column[T] {
	return Column[T]{Field: Field{Type: t}, Get: func(v *T) (any, bool) { return get(v), true }}
}

// TimeColumn is a Date or Timestamp column (or, with t 0, one to order
// by only), set when the resource's time is not zero.
func TimeColumn[T any](t Type, get func(*T) time.Time) Column[T] {
	return Column[T]{Field: Field{Type: t}, Get: func(v *T) (any, bool) {
		at := get(v)
		return at, !at.IsZero()
	}}
}

// RegionColumn is the Enum column of the region of the council whose GSS
// code gss gives, unset for a code that names none of the 152 councils.
func RegionColumn[T any](gss func(*T) string) Column[T] {
	return Column[T]{
		Field: Field{Type: Enum, Values: fault.Names(reference.Regions), Prefix: "REGION_"},
		Get: func(v *T) (any, bool) {
			c, ok := reference.CouncilByCode(gss(v))
			return string(c.Region), ok
		},
	}
}

// TextColumn is a String column, set when the resource's text is not
// empty.
func TextColumn[T any](get func(*T) string) Column[T] {
	return Column[T]{Field: Field{Type: String}, Get: func(v *T) (any, bool) {
		s := get(v)
		return s, s != ""
	}}
}
