package rpc

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Versioned is a resource message with an etag (AIP-154).
type Versioned interface {
	proto.Message
	GetEtag() string
}

// Covering is a parsed update mask that says whether it changes the field
// at a path relative to the resource, such as "areas[1].weight".
type Covering interface {
	Covers(path string) bool
}

// Update is how an Update method reads its request, the same in every
// service (AIP-134): the resource with its name and current etag, the
// update mask (or, without one, the mask the resource's set fields
// imply) and the new values, whose problems are reported only on fields
// the mask changes.
type Update[M Versioned, T any, K Covering] struct {
	// Method is the full gRPC method name, for the audit trail.
	Method string
	// Field is the request field that holds the resource, such as
	// "sponsor"; the violations of its fields are named under Field + ".".
	Field string
	// Implied is the mask of an update without update_mask; nil means the
	// top-level fields the resource sets (MaskPaths).
	Implied func(M) []string
	// Mask parses the update mask's paths.
	Mask func(paths []string) (K, error)
	// Decode reads the client-settable fields of the resource, naming its
	// violations under the prefix it is given.
	Decode func(M, string) (T, fault.Violations)
}

// Patch is an update request read: the new values, the fields they
// replace, the etag the resource must still have and the change.Request
// of the call.
type Patch[T any, K any] struct {
	Values  T
	Mask    K
	Etag    change.Etag
	Request change.Request
}

// Masked is an Update request: it carries an update mask (AIP-134).
type Masked interface {
	proto.Message
	GetUpdateMask() *fieldmaskpb.FieldMask
}

// Read reads in, the resource req holds, with req's update mask. nameErr
// is the handler's reading of the resource's name. Every problem comes back
// in one INVALID_ARGUMENT; a missing resource is one on Field.
func (u Update[M, T, K]) Read(ctx context.Context, req Masked, in M, nameErr error) (Patch[T, K], error) {
	if !in.ProtoReflect().IsValid() {
		var vs fault.Violations
		vs.Add(u.Field, "is required: its name, its etag and the new values")
		return Patch[T, K]{}, vs.Err()
	}
	etag, etagErr := ParseEtag(u.Field+".etag", in.GetEtag(), true)
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		if u.Implied != nil {
			paths = u.Implied(in)
		} else {
			paths = MaskPaths(nil, in)
		}
	}
	mask, maskErr := u.Mask(paths)
	values, vs := u.Decode(in, u.Field+".")
	if maskErr == nil {
		// Fields the mask leaves alone are ignored, problems and all.
		vs = slices.DeleteFunc(vs, func(v fault.Violation) bool {
			return !mask.Covers(strings.TrimPrefix(v.Field, u.Field+"."))
		})
	}
	if err := fault.Join(nameErr, etagErr, maskErr, vs.Err()); err != nil {
		return Patch[T, K]{}, err
	}
	r, err := NewRequest(ctx, u.Method, "", req)
	if err != nil {
		return Patch[T, K]{}, err
	}
	return Patch[T, K]{Values: values, Mask: mask, Etag: etag, Request: r}, nil
}
