package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// diagnoseJSON explains why body does not decode into md, as field
// violations naming each offending field (proto names, dotted, with [i] for
// list elements) and what it expects. protojson decides whether a body is
// valid; this only explains, so it may find nothing for exotic cases.
func diagnoseJSON(body []byte, md protoreflect.MessageDescriptor, prefix string) []*errdetails.BadRequest_FieldViolation {
	d := &diagnosis{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		field := prefix
		if field == "" {
			field = "body"
		}
		return []*errdetails.BadRequest_FieldViolation{{Field: field, Description: syntaxText(body, err)}}
	}
	if dec.More() {
		field := prefix
		if field == "" {
			field = "body"
		}
		return []*errdetails.BadRequest_FieldViolation{{Field: field, Description: "the body holds more than one JSON value"}}
	}
	d.message(prefix, v, md)
	return d.out
}

type diagnosis struct {
	out []*errdetails.BadRequest_FieldViolation
}

func (d *diagnosis) add(field, format string, args ...any) {
	if field == "" {
		field = "body"
	}
	d.out = append(d.out, &errdetails.BadRequest_FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (d *diagnosis) message(path string, v any, md protoreflect.MessageDescriptor) {
	if v == nil {
		return
	}
	if d.wellKnown(path, v, md) {
		return
	}
	o, ok := v.(map[string]any)
	if !ok {
		d.add(path, "expected a JSON object (%s)%s, got %s", md.Name(), dateHint(v, md), jsonKind(v))
		return
	}
	oneofs := map[protoreflect.FullName][]string{}
	for key, val := range o {
		f := md.Fields().ByName(protoreflect.Name(key))
		if f == nil {
			f = md.Fields().ByJSONName(key)
		}
		if f == nil {
			d.add(join(path, key), "unknown field; %s has: %s", md.Name(), fieldNames(md))
			continue
		}
		if of := f.ContainingOneof(); of != nil && !of.IsSynthetic() && val != nil {
			oneofs[of.FullName()] = append(oneofs[of.FullName()], string(f.Name()))
		}
		d.field(join(path, string(f.Name())), val, f)
	}
	for i := 0; i < md.Oneofs().Len(); i++ {
		of := md.Oneofs().Get(i)
		if given := oneofs[of.FullName()]; len(given) > 1 {
			sort.Strings(given)
			d.add(join(path, given[1]), "give one of %s, not %s", oneofFields(of), strings.Join(given, " and "))
		}
	}
}

// oneofFields lists the fields of a oneof.
func oneofFields(of protoreflect.OneofDescriptor) string {
	names := make([]string, of.Fields().Len())
	for i := range names {
		names[i] = string(of.Fields().Get(i).Name())
	}
	return strings.Join(names, ", ")
}

func (d *diagnosis) field(path string, v any, f protoreflect.FieldDescriptor) {
	if v == nil {
		return
	}
	switch {
	case f.IsMap():
		o, ok := v.(map[string]any)
		if !ok {
			d.add(path, "expected a JSON object (a map), got %s", jsonKind(v))
			return
		}
		for k, val := range o {
			d.single(fmt.Sprintf("%s[%q]", path, k), val, f.MapValue())
		}
	case f.IsList():
		a, ok := v.([]any)
		if !ok {
			d.add(path, "expected a JSON array, got %s", jsonKind(v))
			return
		}
		for i, val := range a {
			d.single(fmt.Sprintf("%s[%d]", path, i), val, f)
		}
	default:
		d.single(path, v, f)
	}
}

// single checks one value of a field's element type.
func (d *diagnosis) single(path string, v any, f protoreflect.FieldDescriptor) {
	if v == nil {
		return
	}
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		d.message(path, v, f.Message())
	case protoreflect.EnumKind:
		d.enum(path, v, f.Enum())
	case protoreflect.BoolKind:
		if _, ok := v.(bool); !ok {
			d.add(path, "expected true or false, got %s", jsonKind(v))
		}
	case protoreflect.StringKind:
		if _, ok := v.(string); !ok {
			d.add(path, "expected a string, got %s", jsonKind(v))
		}
	case protoreflect.BytesKind:
		s, ok := v.(string)
		if !ok {
			d.add(path, "expected base64-encoded bytes as a string, got %s", jsonKind(v))
			return
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			if _, err := base64.URLEncoding.DecodeString(s); err != nil {
				d.add(path, "expected base64-encoded bytes")
			}
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		switch t := v.(type) {
		case json.Number:
		case string:
			if _, err := strconv.ParseFloat(t, 64); err != nil && t != "NaN" && t != "Infinity" && t != "-Infinity" {
				d.add(path, "expected a number, got the string %q", t)
			}
		default:
			d.add(path, "expected a number, got %s", jsonKind(v))
		}
	default:
		d.integer(path, v, f.Kind())
	}
}

func (d *diagnosis) integer(path string, v any, k protoreflect.Kind) {
	var text string
	switch t := v.(type) {
	case json.Number:
		text = string(t)
	case string:
		text = t
	default:
		d.add(path, "expected an integer, got %s", jsonKind(v))
		return
	}
	bits, unsigned := 64, false
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		bits = 32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		bits, unsigned = 32, true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		unsigned = true
	}
	var err error
	if unsigned {
		_, err = strconv.ParseUint(text, 10, bits)
	} else {
		_, err = strconv.ParseInt(text, 10, bits)
	}
	if err == nil {
		return
	}
	// protojson also takes integral numbers written as 1e3 or 3.0.
	if f, ferr := strconv.ParseFloat(text, 64); ferr == nil && f == math.Trunc(f) && !errors.Is(err, strconv.ErrRange) {
		lo, hi := -math.Pow(2, float64(bits-1)), math.Pow(2, float64(bits-1))
		if unsigned {
			lo, hi = 0, math.Pow(2, float64(bits))
		}
		if f >= lo && f < hi {
			return
		}
	}
	kind := "integer"
	if unsigned {
		kind = "non-negative integer"
	}
	d.add(path, "expected a %d-bit %s, got %s", bits, kind, strconv.Quote(text))
}

func (d *diagnosis) enum(path string, v any, ed protoreflect.EnumDescriptor) {
	switch t := v.(type) {
	case string:
		if enumValue(ed, t) != nil {
			return
		}
	case json.Number:
		if n, err := strconv.ParseInt(string(t), 10, 32); err == nil && ed.Values().ByNumber(protoreflect.EnumNumber(n)) != nil {
			return
		}
	}
	d.add(path, "expected one of %s, got %s", enumChoices(ed), jsonText(v))
}

// wellKnown checks the google.protobuf types protojson writes as strings or
// plain values, reporting false for ordinary messages.
func (d *diagnosis) wellKnown(path string, v any, md protoreflect.MessageDescriptor) bool {
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			d.add(path, "expected an RFC 3339 timestamp such as \"2026-03-02T09:30:00Z\", got %s", jsonText(v))
		}
		return true
	case "google.protobuf.Duration":
		s, ok := v.(string)
		if !ok || !durationText.MatchString(s) {
			d.add(path, "expected a duration in seconds such as \"3.5s\", got %s", jsonText(v))
		}
		return true
	case "google.protobuf.FieldMask":
		if _, ok := v.(string); !ok {
			d.add(path, "expected a comma-separated list of field paths such as \"display_name,etag\", got %s", jsonKind(v))
		}
		return true
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any", "google.protobuf.Empty":
		return true
	}
	if strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.Name()), "Value") {
		// Wrappers are written as the value they wrap.
		d.single(path, v, md.Fields().ByName("value"))
		return true
	}
	return false
}

var durationText = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,9})?s$`)

var isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)

// dateHint shows a message with year, month and day fields (a calendar
// date) in the form the API takes when the caller sent an ISO date string.
func dateHint(v any, md protoreflect.MessageDescriptor) string {
	f := md.Fields()
	if f.ByName("year") == nil || f.ByName("month") == nil || f.ByName("day") == nil {
		return ""
	}
	y, m, dd := "2026", "3", "2"
	if s, ok := v.(string); ok {
		if p := isoDate.FindStringSubmatch(s); p != nil {
			y, m, dd = p[1], strings.TrimLeft(p[2], "0"), strings.TrimLeft(p[3], "0")
		}
	}
	return fmt.Sprintf(`: a date is written {"year": %s, "month": %s, "day": %s}`, y, m, dd)
}

func fieldNames(md protoreflect.MessageDescriptor) string {
	names := make([]string, md.Fields().Len())
	for i := range names {
		names[i] = string(md.Fields().Get(i).Name())
	}
	return strings.Join(names, ", ")
}

func enumNames(ed protoreflect.EnumDescriptor) string {
	var names []string
	for i := 0; i < ed.Values().Len(); i++ {
		if n := string(ed.Values().Get(i).Name()); !strings.HasSuffix(n, "_UNSPECIFIED") {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func jsonKind(v any) string {
	switch t := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "the string " + strconv.Quote(t)
	case json.Number:
		return "the number " + string(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return "null"
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return jsonKind(v)
}

// syntaxText describes malformed JSON with its line and column.
func syntaxText(body []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(body, syn.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syn.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF") {
		return "malformed JSON: the body ends before the JSON value does"
	}
	return "malformed JSON: " + err.Error()
}

func position(body []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(body)); i++ {
		if body[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
