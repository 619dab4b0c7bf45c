package restjson

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A held message is one whose encoding was kept as it came off the wire
// instead of being decoded: Hold stores the bytes as the message's unknown
// fields, leaving every known field unset. Marshal writes such a message
// straight from its bytes, following the same plan, so a response the
// gateway only passes on is never decoded into Go values (the decoding and
// its garbage were most of the cost of a large response).
//
// The bytes are written only where they are in the form proto.Marshal
// gives: each field once (a list in one packed run or element by element),
// one member of a oneof, map entries with a key and a value and no key
// twice. Anything else (a repeated singular field, which decoding would
// merge or overwrite, a known field with another wire type, malformed
// bytes) is decoded after all and written from the decoded message, so
// the JSON is always protojson's of the decoded message.

// Covers reports whether messages of type md are written by a plan, and so
// can be held.
func (e *Encoder) Covers(md protoreflect.MessageDescriptor) bool {
	return e.plan(md) != nil
}

// Hold keeps wire, the encoding of a message of m's type, in m undecoded,
// for Marshal to write from, and reports true; m must be empty and wire
// not changed afterwards. It reports false and leaves m alone when m's type
// is not covered by a plan: decode such a message as usual.
func (e *Encoder) Hold(m proto.Message, wire []byte) bool {
	r := m.ProtoReflect()
	if e.plan(r.Descriptor()) == nil {
		return false
	}
	r.SetUnknown(protoreflect.RawFields(wire))
	return true
}

// held returns the bytes of a held message: its unknown fields when no
// known field is set. A decoded message with nothing but unknown fields
// counts too, and that is sound: its known fields are all unset, the plan
// skips the field numbers it does not know, and so writes the defaults
// protojson writes.
func held(r protoreflect.Message) []byte {
	u := r.GetUnknown()
	if len(u) == 0 {
		return nil
	}
	set := false
	r.Range(func(protoreflect.FieldDescriptor, protoreflect.Value) bool {
		set = true
		return false
	})
	if set {
		return nil
	}
	return u
}

// marshalHeld writes the held message r, of plan p, from its bytes w; when
// the bytes are not in proto.Marshal's form it decodes them and writes the
// decoded message.
func (e *Encoder) marshalHeld(p *plan, r protoreflect.Message, w []byte) ([]byte, error) {
	st := wireStates.Get().(*wireState)
	b, err := p.appendWire(make([]byte, 0, p.size.Load()+64), w, st)
	st.reset()
	wireStates.Put(st)
	if err == nil {
		p.size.Store(int64(len(b)))
		return b, nil
	}
	heldDecoded.Add(1)
	m := r.New().Interface()
	if err := proto.Unmarshal(w, m); err != nil {
		return nil, err
	}
	return p.marshal(m)
}

// heldDecoded counts the held messages decoded after all, for the tests.
var heldDecoded atomic.Int64

// errNotWireForm sends a held message back to be decoded.
var errNotWireForm = errors.New("restjson: bytes not in proto.Marshal's form")

// wireState is the scratch of one held message's writing: the fields of
// each message met, nested ones after their parents.
type wireState struct {
	spans []span
	marks []mark
}

// span is one field as read off the wire: a number (varint, fixed32 or
// fixed64 as read) or the bytes of a length-delimited field.
type span struct {
	field int32
	typ   protowire.Type
	num   uint64
	data  []byte
}

// mark says where a field's spans are: at most one for a field that is not
// a list or map, so first is enough.
type mark struct {
	first, last int32 // positions in wireState.spans; -1 when absent
}

var wireStates = sync.Pool{New: func() any { return &wireState{} }}

func (st *wireState) reset() {
	st.spans = st.spans[:0]
	st.marks = st.marks[:0]
}

// wireIndex is what a plan needs to read its message's bytes: the field
// of each number and the oneof of each field.
type wireIndex struct {
	byNumber []int32 // field number → position in the plan, -1 when none
	oneof    []int32 // per field: its oneof's position, -1 when none
	oneofs   int
	sparse   bool // a field's number is above maxIndexedNumber
}

// maxIndexedNumber bounds the field numbers a plan reads off the wire (the
// contracts' highest is under 50); a message with a higher one is decoded.
const maxIndexedNumber = 1024

// field returns the position in the plan of the field numbered num.
func (x *wireIndex) field(num protowire.Number) (int32, bool) {
	if int(num) >= len(x.byNumber) || x.byNumber[num] < 0 {
		return -1, false
	}
	return x.byNumber[num], true
}

// index returns p's wire index, making it on first use.
func (p *plan) index() *wireIndex {
	p.wireOnce.Do(func() {
		x := &wireIndex{}
		for _, f := range p.fields {
			if n := int(f.fd.Number()); n >= len(x.byNumber) && n <= maxIndexedNumber {
				x.byNumber = append(x.byNumber, make([]int32, n+1-len(x.byNumber))...)
			}
		}
		for n := range x.byNumber {
			x.byNumber[n] = -1
		}
		oneofs := map[protoreflect.FullName]int32{}
		for i, f := range p.fields {
			if n := int(f.fd.Number()); n <= maxIndexedNumber {
				x.byNumber[n] = int32(i)
			} else {
				x.sparse = true
			}
			o := f.fd.ContainingOneof()
			if o == nil || o.IsSynthetic() {
				x.oneof = append(x.oneof, -1)
				continue
			}
			n, ok := oneofs[o.FullName()]
			if !ok {
				n = int32(len(oneofs))
				oneofs[o.FullName()] = n
			}
			x.oneof = append(x.oneof, n)
		}
		x.oneofs = len(oneofs)
		p.wire = x
	})
	return p.wire
}

// appendWire writes the message whose bytes are w as p says.
func (p *plan) appendWire(b []byte, w []byte, st *wireState) ([]byte, error) {
	switch p.wkt {
	case timestamp, duration:
		secs, nanos, err := wireSecondsAndNanos(w)
		if err != nil {
			return b, err
		}
		if p.wkt == timestamp {
			return appendTimestampOf(b, secs, nanos)
		}
		return appendDurationOf(b, secs, nanos)
	case empty:
		return append(b, '{', '}'), nil
	}
	x := p.index()
	if x.sparse {
		return b, errNotWireForm
	}
	base, spanBase := len(st.marks), len(st.spans)
	defer func() { st.marks, st.spans = st.marks[:base], st.spans[:spanBase] }()
	for range p.fields {
		st.marks = append(st.marks, mark{-1, -1})
	}
	var oneofSeen [4]int32
	seen := oneofSeen[:0]
	for range x.oneofs {
		seen = append(seen, -1)
	}
	for len(w) > 0 {
		num, typ, n := protowire.ConsumeTag(w)
		if n < 0 {
			return b, errNotWireForm
		}
		w = w[n:]
		if num > protowire.MaxValidNumber {
			return b, errNotWireForm
		}
		s, n := consumeValue(typ, w) // groups (no contract has one) fail here
		if n < 0 {
			return b, errNotWireForm
		}
		w = w[n:]
		i, ok := x.field(num)
		if !ok {
			continue // unknown to this contract: protojson leaves it out too
		}
		f := &p.fields[i]
		if !f.accepts(typ) {
			return b, errNotWireForm
		}
		mk := &st.marks[base+int(i)]
		if mk.first >= 0 && !f.fd.IsList() && !f.fd.IsMap() {
			return b, errNotWireForm // decoding would merge or keep the last
		}
		if o := x.oneof[i]; o >= 0 {
			if seen[o] >= 0 && seen[o] != i {
				return b, errNotWireForm // the last member set wins
			}
			seen[o] = i
		}
		s.field = i
		pos := int32(len(st.spans))
		if mk.first < 0 {
			mk.first = pos
		}
		mk.last = pos
		st.spans = append(st.spans, s)
	}

	b = append(b, '{')
	first := true
	var err error
	for i := range p.fields {
		f := &p.fields[i]
		mk := st.marks[base+i]
		if f.skipUnset && mk.first < 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		switch {
		case f.fd.IsList():
			b, err = f.appendWireList(b, mk, int32(i), st)
		case f.fd.IsMap():
			b, err = f.appendWireMap(b, mk, int32(i), st)
		case mk.first < 0:
			b, err = f.val.appendDefault(b)
		default:
			s := st.spans[mk.first]
			b, err = f.val.appendWire(b, s, st)
		}
		if err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// consumeValue reads one value of wire type typ off the front of w and
// reports its length, or a negative length when w does not hold one.
func consumeValue(typ protowire.Type, w []byte) (span, int) {
	s := span{typ: typ}
	n := -1
	switch typ {
	case protowire.VarintType:
		s.num, n = protowire.ConsumeVarint(w)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(w)
		s.num = uint64(v)
	case protowire.Fixed64Type:
		s.num, n = protowire.ConsumeFixed64(w)
	case protowire.BytesType:
		s.data, n = protowire.ConsumeBytes(w)
	}
	return s, n
}

// accepts reports whether the field is read from a span of wire type typ:
// its own, or for a list of numbers also the packed form.
func (f *field) accepts(typ protowire.Type) bool {
	want := wireTypeOf(f.val.kind)
	if f.fd.IsMap() {
		want = protowire.BytesType
	}
	return typ == want || (f.fd.IsList() && typ == protowire.BytesType && want != protowire.BytesType)
}

func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// appendWireList writes the list field i, whose spans mk marks, elements
// in the order they came, packed runs unpacked.
func (f *field) appendWireList(b []byte, mk mark, i int32, st *wireState) ([]byte, error) {
	b = append(b, '[')
	if mk.first < 0 {
		return append(b, ']'), nil
	}
	n := 0
	var err error
	for j := mk.first; j <= mk.last; j++ {
		s := st.spans[j]
		if s.field != i {
			continue
		}
		if s.typ == protowire.BytesType && wireTypeOf(f.val.kind) != protowire.BytesType {
			if b, n, err = f.val.appendPacked(b, s.data, n); err != nil {
				return b, err
			}
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		if b, err = f.val.appendWire(b, s, st); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendPacked writes the numbers of one packed run; n is how many
// elements the list has so far.
func (vk value) appendPacked(b []byte, data []byte, n int) ([]byte, int, error) {
	typ := wireTypeOf(vk.kind)
	for len(data) > 0 {
		s, k := consumeValue(typ, data)
		if k < 0 {
			return b, n, errNotWireForm
		}
		data = data[k:]
		if n > 0 {
			b = append(b, ',')
		}
		n++
		var err error
		if b, err = vk.appendWire(b, s, nil); err != nil {
			return b, n, err
		}
	}
	return b, n, nil
}

// entry is one map entry as read off the wire.
type entry struct {
	key string
	val span
}

// appendWireMap writes the map field i with its keys in protojson's order.
func (f *field) appendWireMap(b []byte, mk mark, i int32, st *wireState) ([]byte, error) {
	b = append(b, '{')
	if mk.first < 0 {
		return append(b, '}'), nil
	}
	var entries []entry
	valType := wireTypeOf(f.val.kind)
	for j := mk.first; j <= mk.last; j++ {
		s := st.spans[j]
		if s.field != i {
			continue
		}
		var e entry
		var haveKey, haveVal bool
		for w := s.data; len(w) > 0; {
			num, typ, n := protowire.ConsumeTag(w)
			if n < 0 {
				return b, errNotWireForm
			}
			w = w[n:]
			switch {
			case num == 1 && typ == protowire.BytesType && !haveKey:
				var k []byte
				k, n = protowire.ConsumeBytes(w)
				e.key, haveKey = unsafe.String(unsafe.SliceData(k), len(k)), true
			case num == 2 && typ == valType && !haveVal:
				e.val, n = consumeValue(typ, w)
				haveVal = true
			default:
				return b, errNotWireForm
			}
			if n < 0 {
				return b, errNotWireForm
			}
			w = w[n:]
		}
		if !haveKey || !haveVal {
			return b, errNotWireForm
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	var err error
	for j, e := range entries {
		if j > 0 {
			if entries[j-1].key == e.key {
				return b, errNotWireForm // decoding keeps the last
			}
			b = append(b, ',')
		}
		if b, err = appendString(b, e.key); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = f.val.appendWire(b, e.val, st); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendWire writes one value read off the wire.
func (vk value) appendWire(b []byte, s span, st *wireState) ([]byte, error) {
	switch vk.kind {
	case protoreflect.MessageKind:
		if st == nil {
			return b, errNotWireForm
		}
		return vk.inner.appendWire(b, s.data, st)
	case protoreflect.EnumKind:
		if vk.enum.IsClosed() {
			return b, errNotWireForm // an unknown number would not be kept
		}
	}
	v, ok := vk.decode(s)
	if !ok {
		return b, errNotCovered
	}
	return vk.append(b, v)
}

// decode is the scalar a span holds, as decoding would set it, for append
// to write as it writes a decoded field. Strings and bytes refer to the
// span's bytes, not a copy.
func (vk value) decode(s span) (protoreflect.Value, bool) {
	switch vk.kind {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(s.num != 0), true
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(s.num))), true
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(int32(s.num)), true
	case protoreflect.Sint32Kind:
		return protoreflect.ValueOfInt32(int32(protowire.DecodeZigZag(s.num & math.MaxUint32))), true
	case protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(uint32(s.num))), true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(s.num)), true
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(s.num)), true
	case protoreflect.Sint64Kind:
		return protoreflect.ValueOfInt64(protowire.DecodeZigZag(s.num)), true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(s.num), true
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(math.Float32frombits(uint32(s.num))), true
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(math.Float64frombits(s.num)), true
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(unsafe.String(unsafe.SliceData(s.data), len(s.data))), true
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(s.data), true
	}
	return protoreflect.Value{}, false
}

// appendDefault writes the value of an unset field that protojson writes
// anyway (one without presence).
func (vk value) appendDefault(b []byte) ([]byte, error) {
	switch vk.kind {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return append(b, '"', '"'), nil
	case protoreflect.MessageKind:
		return b, errNotWireForm // every message field has presence
	}
	return vk.appendWire(b, span{}, nil)
}

// wireSecondsAndNanos reads a Timestamp's or Duration's two fields.
func wireSecondsAndNanos(w []byte) (int64, int64, error) {
	var secs, nanos uint64
	var have [3]bool
	for len(w) > 0 {
		num, typ, n := protowire.ConsumeTag(w)
		if n < 0 {
			return 0, 0, errNotWireForm
		}
		w = w[n:]
		if typ != protowire.VarintType || (num != 1 && num != 2) || have[num] {
			return 0, 0, errNotWireForm
		}
		have[num] = true
		v, k := protowire.ConsumeVarint(w)
		if k < 0 {
			return 0, 0, errNotWireForm
		}
		w = w[k:]
		if num == 1 {
			secs = v
		} else {
			nanos = v
		}
	}
	return int64(secs), int64(int32(nanos)), nil
}
