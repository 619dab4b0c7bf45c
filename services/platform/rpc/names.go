package rpc

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// named is a resource message with its resource name (AIP-122), as every
// message an Update method changes is.
type named interface{ GetName() string }

// nameOf is the resource name in carries, "" for a message without one.
func nameOf(in any) string {
	if m, ok := in.(named); ok {
		return m.GetName()
	}
	return ""
}

// ReadID is Read for an update of a resource named by an ID alone: the
// name in carries is read as the ID of a resource of collection, and a
// name that is not one is an INVALID_ARGUMENT on Field + ".name" beside
// every other problem of the request.
func (u Update[M, T, K]) ReadID(ctx context.Context, req Masked, in M, collection string) (string, Patch[T, K], error) {
	id, nameErr := resource.ParseID(u.Field+".name", collection, nameOf(in))
	p, err := u.Read(ctx, req, in, nameErr)
	if err != nil {
		return "", Patch[T, K]{}, err
	}
	return id, p, nil
}

// ReadChild is ReadID for a resource of collection that belongs to a
// council: the name in carries is read as
// localAuthorities/{gss}/{collection}/{id}, and the council's GSS code and
// the ID come back beside the patch.
func (u Update[M, T, K]) ReadChild(ctx context.Context, req Masked, in M, collection string) (gss, id string, p Patch[T, K], err error) {
	gss, id, nameErr := resource.ParseCouncilChild(u.Field+".name", collection, nameOf(in))
	if p, err = u.Read(ctx, req, in, nameErr); err != nil {
		return "", "", Patch[T, K]{}, err
	}
	return gss, id, p, nil
}

// GetChild is the lookup of a Get method for a resource of collection that
// belongs to a council: it reads the council and the ID from name, the
// request's name of the resource (INVALID_ARGUMENT on "name" when it is
// none), asks authorize whether the caller may read the council's
// resources of that name, and only then gets the resource with get, so
// that a caller who is refused learns nothing of whether it exists.
func GetChild[T any](ctx context.Context, collection, name string, authorize func(ctx context.Context, gss, name string) error, get func(ctx context.Context, gss, id string) (T, error)) (T, error) {
	var zero T
	gss, id, err := resource.ParseCouncilChild("name", collection, name)
	if err != nil {
		return zero, err
	}
	if err := authorize(ctx, gss, name); err != nil {
		return zero, err
	}
	return get(ctx, gss, id)
}

// ParentCouncil is the check of a parent, the name parent of the council
// gss, under which a request lists or adds resources: authorize, whether
// the caller may act on that council's resources, is decided first, so
// that a refused caller learns nothing of which councils exist; then the
// council must be one of the register (NOT_FOUND on "parent").
func ParentCouncil(ctx context.Context, gss, parent string, authorize func(ctx context.Context, gss, name string) error) error {
	if err := authorize(ctx, gss, parent); err != nil {
		return err
	}
	return CouncilExists(gss, "parent", parent)
}

// ListParent is ParentCouncil for the parent of a list that may name every
// council, localAuthorities/- (gss resource.AllCouncils): for that parent
// authorize decides on the caller's reading of no council in particular
// (gss "").
func ListParent(ctx context.Context, gss, parent string, authorize func(ctx context.Context, gss, name string) error) error {
	if gss == resource.AllCouncils {
		return authorize(ctx, "", parent)
	}
	return ParentCouncil(ctx, gss, parent, authorize)
}
