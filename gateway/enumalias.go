package gateway

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// An enum value is spelt in REST as responses print it, with its enum's
// prefix (FRAMEWORK_SIF, GRADE_INADEQUATE). Requests may leave the prefix
// out (SIF, INADEQUATE), in bodies and query values alike, as filters
// already allow: the gateway rewrites the short form to the full name
// before the request is decoded, so the services only ever see one
// spelling and responses keep printing the full name.

// enumPrefix is the prefix every value of ed carries, read from its zero
// value (FRAMEWORK_UNSPECIFIED gives FRAMEWORK_), or "" for an enum that
// does not follow that convention and so has no short form.
func enumPrefix(ed protoreflect.EnumDescriptor) string {
	zero := ed.Values().ByNumber(0)
	if zero == nil {
		return ""
	}
	prefix, ok := strings.CutSuffix(string(zero.Name()), "UNSPECIFIED")
	if !ok || prefix == "" {
		return ""
	}
	return prefix
}

// enumValue finds the value s names, by its full name or by its name
// without the enum's prefix.
func enumValue(ed protoreflect.EnumDescriptor, s string) protoreflect.EnumValueDescriptor {
	if v := ed.Values().ByName(protoreflect.Name(s)); v != nil {
		return v
	}
	if p := enumPrefix(ed); p != "" && s != "" && !strings.HasPrefix(s, p) {
		return ed.Values().ByName(protoreflect.Name(p + s))
	}
	return nil
}

// fullEnumName is the full name of the value s names, and whether s is a
// short form that needs rewriting.
func fullEnumName(ed protoreflect.EnumDescriptor, s string) (string, bool) {
	v := enumValue(ed, s)
	if v == nil || string(v.Name()) == s {
		return s, false
	}
	return string(v.Name()), true
}

// expandEnumAliases rewrites every short enum value in a JSON body meant
// for md (nested messages, list elements and map values included) to its
// full name. It returns the body unchanged when there is nothing to
// rewrite or the body is not JSON, leaving protojson and diagnoseJSON to
// judge it.
func expandEnumAliases(body []byte, md protoreflect.MessageDescriptor) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	if !aliasMessage(v, md) {
		return body
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return body
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

// aliasMessage rewrites the short enum values of one JSON object in place
// and reports whether it changed any.
func aliasMessage(v any, md protoreflect.MessageDescriptor) bool {
	o, ok := v.(map[string]any)
	if !ok || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		// Well-known types are written in their own JSON forms and hold no
		// enums of ours.
		return false
	}
	changed := false
	for key, val := range o {
		f := md.Fields().ByName(protoreflect.Name(key))
		if f == nil {
			f = md.Fields().ByJSONName(key)
		}
		if f == nil {
			continue
		}
		switch {
		case f.IsMap():
			m, _ := val.(map[string]any)
			for k, e := range m {
				if n, ok := aliasElem(e, f.MapValue()); ok {
					m[k], changed = n, true
				}
			}
		case f.IsList():
			a, _ := val.([]any)
			for i, e := range a {
				if n, ok := aliasElem(e, f); ok {
					a[i], changed = n, true
				}
			}
		default:
			if n, ok := aliasElem(val, f); ok {
				o[key], changed = n, true
			}
		}
	}
	return changed
}

// aliasElem rewrites one value of field f (one element of a list or map
// field) and reports whether it changed it: a short enum value becomes its
// full name, a message has its own short values rewritten in place.
func aliasElem(v any, f protoreflect.FieldDescriptor) (any, bool) {
	if n, ok := aliasValue(v, f); ok {
		return n, true
	}
	return v, f.Message() != nil && aliasMessage(v, f.Message())
}

// aliasValue is the full name of an enum field's value given in short form.
func aliasValue(v any, f protoreflect.FieldDescriptor) (string, bool) {
	s, ok := v.(string)
	if !ok || f.Kind() != protoreflect.EnumKind {
		return "", false
	}
	return fullEnumName(f.Enum(), s)
}

// expandQueryAliases rewrites short enum values among the query parameters
// of rt to their full names, reporting whether it changed any.
func (rt *route) expandQueryAliases(q url.Values) bool {
	changed := false
	for key, values := range q {
		f := rt.queryField(key)
		if f == nil || f.Kind() != protoreflect.EnumKind {
			continue
		}
		for i, s := range values {
			if n, ok := fullEnumName(f.Enum(), s); ok {
				values[i], changed = n, true
			}
		}
	}
	return changed
}

// enumChoices lists an enum's values as a request may give them.
func enumChoices(ed protoreflect.EnumDescriptor) string {
	s := enumNames(ed)
	if p := enumPrefix(ed); p != "" {
		s += " (the " + p + " prefix may be left out)"
	}
	return s
}
