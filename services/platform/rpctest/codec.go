package rpctest

import (
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Codec is the stored form a service gives a resource whose record is its
// API message M (store.ProtoCodec), as the service builds it: to and from
// are the handler package's ToStored and FromStored. A test that stores
// the resource builds the store over it.
func Codec[T any, M proto.Message](to func(T) M, from func(m M, version int64) (T, error)) store.Codec[T] {
	return store.ProtoCodec(newMessage[M], to, from)
}

// newMessage is an empty M, for a generated message type M.
func newMessage[M proto.Message]() M {
	var m M
	return m.ProtoReflect().Type().New().Interface().(M)
}
