package rpc

import "google.golang.org/protobuf/reflect/protoreflect"

// ProtoEnum is a generated proto enum type, such as peerreviewv1.Theme.
type ProtoEnum interface {
	protoreflect.Enum
	~int32
}

// Enum is the value of the proto enum E named prefix + name, such as
// THEME_ and SAFEGUARDING: how a domain value, which is the enum's name
// less its prefix, goes on the wire. A name E does not define gives its
// zero value, the UNSPECIFIED one. refproto.EnumName is the way back.
func Enum[E ProtoEnum, S ~string](prefix string, name S) E {
	var zero E
	if v := zero.Descriptor().Values().ByName(protoreflect.Name(prefix + string(name))); v != nil {
		return E(v.Number())
	}
	return zero
}
