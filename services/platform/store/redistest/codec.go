package redistest

import "github.com/turnaround-sli/turnaround/services/platform/store"

// JSONCodec is a stored form for store tests that stands in for a
// service's own: values are kept as JSON, and setVersion gives a decoded
// value the version it was read at. A store keeps whatever form it is
// given, so its tests need not build the service's.
func JSONCodec[T any](setVersion func(v *T, version int64)) store.Codec[T] {
	return store.JSONCodec(setVersion)
}
