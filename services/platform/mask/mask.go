// Package mask reads an update mask (AIP-134, AIP-161) against the
// fields a resource's update may change: the one way every service reads
// them, so all answer a bad mask alike. It is pure Go, for domain packages.
package mask

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Mask is a parsed update mask: which fields an update replaces.
type Mask struct {
	fields map[string]bool
}

// Parse reads paths: "*" for every field in updatable, or any of them by
// name; the paths in ignored (name, etag and output-only fields, which a
// mask derived from a request body names) are ignored as AIP-203 asks.
// Any other path, or a mask that changes nothing, is a violation on
// update_mask; example names fields to suggest in the latter case.
func Parse(paths, updatable, ignored []string, example string) (Mask, error) {
	m := Mask{fields: map[string]bool{}}
	var vs fault.Violations
	for _, p := range paths {
		switch {
		case p == "*":
			for _, f := range updatable {
				m.fields[f] = true
			}
		case slices.Contains(updatable, p):
			m.fields[p] = true
		case slices.Contains(ignored, p):
		default:
			vs.Add("update_mask", "path %q is not a field an update can change; updatable fields: %s, or *",
				p, strings.Join(updatable, ", "))
		}
	}
	if len(vs) == 0 && len(m.fields) == 0 {
		vs.Add("update_mask", "names no field to change; list the fields to change, such as %s", example)
	}
	if err := vs.Err(); err != nil {
		return Mask{}, err
	}
	return m, nil
}

// Has reports whether the mask replaces field.
func (m Mask) Has(field string) bool { return m.fields[field] }

// Covers reports whether the mask changes the field at path, a request
// field path relative to the resource such as "areas[1].weight", so that
// problems in fields the update leaves alone are not reported.
func (m Mask) Covers(path string) bool {
	top, _, _ := strings.Cut(path, ".")
	if i := strings.IndexByte(top, '['); i >= 0 {
		top = top[:i]
	}
	return m.Has(top)
}

// Field is one field an update of a resource T may change: its path, and
// how an update copies it from the patch onto the resource. A Field with
// no Set is one the caller's own rules change (a state an update may only
// move one way, say); Apply leaves it alone.
type Field[T any] struct {
	Path string
	Set  func(dst, patch *T)
}

// Fields are the fields an update of a resource T may change, in the order
// a refused mask lists them: the updatable paths and what updating each
// does, declared in one place.
type Fields[T any] []Field[T]

// Paths are the fields' paths, in order: the updatable fields Parse takes.
func (fs Fields[T]) Paths() []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Path
	}
	return out
}

// Names is what says which fields an update replaces: a Mask, or a
// service's own mask that also reads paths into a field.
type Names interface{ Has(field string) bool }

// Apply copies onto dst, from patch, each field m names that has a Set.
func (fs Fields[T]) Apply(m Names, dst, patch *T) {
	for _, f := range fs {
		if f.Set != nil && m.Has(f.Path) {
			f.Set(dst, patch)
		}
	}
}

// Patch returns a copy of cur with each field m names that has a Set
// copied from a copy of patch: the first step of an update, which then
// applies its own rules, validates the result and stamps it. The result
// shares no memory with cur or patch.
func Patch[T interface{ Clone() T }](fs Fields[T], m Names, cur, patch T) T {
	out, p := cur.Clone(), patch.Clone()
	fs.Apply(m, &out, &p)
	return out
}
