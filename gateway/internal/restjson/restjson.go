// Package restjson writes response messages as the REST API's JSON: what
// protojson writes with proto field names and default values written out
// (UseProtoNames, EmitDefaultValues), built from a plan made once per
// message type instead of walking the descriptors and options again for
// every field of every message.
//
// The output equals protojson's, byte for byte once insignificant white
// space is removed (protojson adds a random space here and there so that
// nobody depends on its exact bytes). A message type whose plan would need
// what the plans do not cover (Any, FieldMask, Struct and the wrappers,
// extensions, proto2 groups, maps keyed by anything but strings) is written
// by protojson itself, and so is any message a plan meets an error in (a
// string that is not UTF-8, a timestamp out of range), so that protojson
// reports the error in its own words.
package restjson

import (
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Options are the protojson options the output matches.
var Options = protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: true}

// Encoder writes messages as Options would. It is safe for concurrent use;
// plans are made on first use of each message type and kept.
type Encoder struct {
	plans sync.Map // protoreflect.FullName → *plan; nil when not covered
}

// Marshal returns m's JSON.
func (e *Encoder) Marshal(m proto.Message) ([]byte, error) {
	r := m.ProtoReflect()
	if p := e.plan(r.Descriptor()); p != nil && r.IsValid() {
		if w := held(r); w != nil {
			return e.marshalHeld(p, r, w)
		}
		return p.marshal(m)
	}
	return Options.Marshal(m)
}

// marshal writes m, a message of p's type, with p, or with protojson where
// p meets what it does not cover.
func (p *plan) marshal(m proto.Message) ([]byte, error) {
	if b, err := p.append(make([]byte, 0, p.size.Load()+64), m.ProtoReflect()); err == nil {
		p.size.Store(int64(len(b)))
		return b, nil
	}
	return Options.Marshal(m)
}

// errNotCovered sends a message back to protojson.
var errNotCovered = errors.New("restjson: not covered")

// plan says how to write one message type: its fields in declaration
// order, which protojson follows, each with its name already quoted.
type plan struct {
	wkt    wellKnown
	fields []field
	// size is the length of the last message written at the top, which
	// the next one is given room for, so that the output rarely grows.
	size atomic.Int64
	// wire is how to read the message's bytes (wire.go), made on first use.
	wireOnce sync.Once
	wire     *wireIndex
}

// field is one field of a plan.
type field struct {
	fd  protoreflect.FieldDescriptor
	key []byte // `"name":`
	// skipUnset: an unset field is left out (a member of a oneof, or a
	// field with presence: a message, a proto3 optional); any other field
	// is written whatever it holds.
	skipUnset bool
	val       value // for a map, its values
}

// value says how to write one value of a field: a scalar kind, or the plan
// of a message.
type value struct {
	kind  protoreflect.Kind
	enum  protoreflect.EnumDescriptor
	null  bool // google.protobuf.NullValue
	inner *plan
}

// wellKnown are the well-known types the plans write themselves.
type wellKnown int

const (
	ordinary wellKnown = iota
	timestamp
	duration
	empty
)

// plan returns the plan of md, making it on first use; nil when md (or any
// message it holds) is not covered.
func (e *Encoder) plan(md protoreflect.MessageDescriptor) *plan {
	if p, ok := e.plans.Load(md.FullName()); ok {
		return p.(*plan)
	}
	made := map[protoreflect.FullName]*plan{}
	p, err := build(md, made)
	if err != nil {
		e.plans.Store(md.FullName(), (*plan)(nil))
		return nil
	}
	for name, q := range made {
		e.plans.LoadOrStore(name, q)
	}
	return p
}

// build makes md's plan and those of the messages it holds, recording each
// in made before its fields so that a type that holds itself refers to its
// own plan.
func build(md protoreflect.MessageDescriptor, made map[protoreflect.FullName]*plan) (*plan, error) {
	if p, ok := made[md.FullName()]; ok {
		return p, nil
	}
	p := &plan{}
	made[md.FullName()] = p
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		p.wkt = timestamp
		return p, nil
	case "google.protobuf.Duration":
		p.wkt = duration
		return p, nil
	case "google.protobuf.Empty":
		p.wkt = empty
		return p, nil
	}
	if md.FullName().Parent() == "google.protobuf" || md.ExtensionRanges().Len() > 0 {
		return nil, errNotCovered
	}
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		f := field{
			fd:        fd,
			key:       append(strconv.AppendQuote(nil, fd.TextName()), ':'),
			skipUnset: fd.ContainingOneof() != nil || fd.HasPresence(),
		}
		var err error
		if fd.IsMap() {
			if fd.MapKey().Kind() != protoreflect.StringKind {
				return nil, errNotCovered // no contract has one
			}
			f.val, err = valueOf(fd.MapValue(), made)
		} else {
			f.val, err = valueOf(fd, made)
		}
		if err != nil {
			return nil, err
		}
		p.fields = append(p.fields, f)
	}
	return p, nil
}

// valueOf is how to write a value of fd's kind.
func valueOf(fd protoreflect.FieldDescriptor, made map[protoreflect.FullName]*plan) (value, error) {
	v := value{kind: fd.Kind()}
	switch fd.Kind() {
	case protoreflect.GroupKind:
		return value{}, errNotCovered
	case protoreflect.MessageKind:
		inner, err := build(fd.Message(), made)
		if err != nil {
			return value{}, err
		}
		v.inner = inner
	case protoreflect.EnumKind:
		v.enum = fd.Enum()
		v.null = fd.Enum().FullName() == "google.protobuf.NullValue"
	}
	return v, nil
}

// append writes m as p says.
func (p *plan) append(b []byte, m protoreflect.Message) ([]byte, error) {
	switch p.wkt {
	case timestamp:
		return appendTimestamp(b, m)
	case duration:
		return appendDuration(b, m)
	case empty:
		return append(b, '{', '}'), nil
	}
	b = append(b, '{')
	first := true
	var err error
	for i := range p.fields {
		f := &p.fields[i]
		if f.skipUnset && !m.Has(f.fd) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		v := m.Get(f.fd)
		switch {
		case f.fd.IsList():
			b, err = f.val.appendList(b, v.List())
		case f.fd.IsMap():
			b, err = f.appendMap(b, v.Map())
		default:
			b, err = f.val.append(b, v)
		}
		if err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func (vk value) appendList(b []byte, l protoreflect.List) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range l.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = vk.append(b, l.Get(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendMap writes a map with its keys in protojson's order: strings by
// their bytes (plans cover string keys only).
func (f *field) appendMap(b []byte, mp protoreflect.Map) ([]byte, error) {
	keys := make([]string, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k.String())
		return true
	})
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendString(b, k); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = f.val.append(b, mp.Get(protoreflect.ValueOfString(k).MapKey())); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// append writes one value.
func (vk value) append(b []byte, v protoreflect.Value) ([]byte, error) {
	switch vk.kind {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool()), nil
	case protoreflect.EnumKind:
		if vk.null {
			return append(b, "null"...), nil
		}
		n := v.Enum()
		if ev := vk.enum.Values().ByNumber(n); ev != nil {
			return appendString(b, string(ev.Name()))
		}
		return strconv.AppendInt(b, int64(n), 10), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		b = append(b, '"')
		return append(strconv.AppendInt(b, v.Int(), 10), '"'), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, '"')
		return append(strconv.AppendUint(b, v.Uint(), 10), '"'), nil
	case protoreflect.FloatKind:
		return appendFloat(b, v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return appendFloat(b, v.Float(), 64), nil
	case protoreflect.StringKind:
		return appendString(b, v.String())
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"'), nil
	case protoreflect.MessageKind:
		return vk.inner.append(b, v.Message())
	}
	return b, errNotCovered
}

// appendFloat writes a number as JSON numbers are written by
// encoding/json, which protojson follows: plain notation from 1e-6 up to
// 1e21, exponent notation outside it (with a one-digit negative exponent
// unpadded), and the three values JSON has no number for as strings.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 {
		small, large := a < 1e-6, a >= 1e21
		if bits == 32 {
			small, large = float32(a) < 1e-6, float32(a) >= 1e21
		}
		if small || large {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if n := len(b); format == 'e' && n >= 4 && string(b[n-4:n-1]) == "e-0" {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// appendString writes s quoted, escaping only what JSON requires (the
// quote, the backslash and the control characters, the common ones in
// their short form), as protojson does; s must be UTF-8.
func appendString(b []byte, s string) ([]byte, error) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return b, errNotCovered
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}

const hex = "0123456789abcdef"

// The range of the two well-known types protojson accepts.
const (
	minTimestamp = -62135596800 // 0001-01-01T00:00:00Z
	maxTimestamp = 253402300799 // 9999-12-31T23:59:59Z
	maxDuration  = 315576000000 // 10,000 years
	nanosPerSec  = 1_000_000_000
)

// appendTimestamp writes a google.protobuf.Timestamp in RFC 3339, in UTC,
// with 0, 3, 6 or 9 digits of the second's fraction, as few as it needs.
func appendTimestamp(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsAndNanos(m)
	return appendTimestampOf(b, secs, nanos)
}

func appendTimestampOf(b []byte, secs, nanos int64) ([]byte, error) {
	if secs < minTimestamp || secs > maxTimestamp || nanos < 0 || nanos >= nanosPerSec {
		return b, errNotCovered
	}
	b = append(b, '"')
	b = time.Unix(secs, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05")
	b = appendFraction(b, nanos)
	return append(b, 'Z', '"'), nil
}

// appendDuration writes a google.protobuf.Duration as seconds with 0, 3, 6
// or 9 digits of fraction and the suffix "s".
func appendDuration(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsAndNanos(m)
	return appendDurationOf(b, secs, nanos)
}

func appendDurationOf(b []byte, secs, nanos int64) ([]byte, error) {
	if secs < -maxDuration || secs > maxDuration || nanos <= -nanosPerSec || nanos >= nanosPerSec ||
		(secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
		return b, errNotCovered
	}
	b = append(b, '"')
	if secs < 0 || nanos < 0 {
		b = append(b, '-')
		secs, nanos = -secs, -nanos
	}
	b = strconv.AppendInt(b, secs, 10)
	b = appendFraction(b, nanos)
	return append(b, 's', '"'), nil
}

func secondsAndNanos(m protoreflect.Message) (int64, int64) {
	fds := m.Descriptor().Fields()
	return m.Get(fds.ByNumber(1)).Int(), m.Get(fds.ByNumber(2)).Int()
}

// appendFraction writes nanos (0 ≤ nanos < 1e9) as a decimal fraction of
// 3, 6 or 9 digits, or nothing for 0.
func appendFraction(b []byte, nanos int64) []byte {
	digits := 9
	switch {
	case nanos == 0:
		return b
	case nanos%1_000_000 == 0:
		nanos, digits = nanos/1_000_000, 3
	case nanos%1_000 == 0:
		nanos, digits = nanos/1_000, 6
	}
	b = append(b, '.')
	for p := int64(10); digits > 1; p, digits = p*10, digits-1 {
		if nanos < p {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, nanos, 10)
}
