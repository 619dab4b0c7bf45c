package rpc

import (
	"context"
	"errors"

	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Authorize is the access matrix's decision (access.Check) on the caller
// of ctx doing act to obj, a record of res: nil when the matrix allows it.
func Authorize(ctx context.Context, res access.Resource, act access.Action, obj access.Object) error {
	p, err := Caller(ctx)
	if err != nil {
		return err
	}
	return access.Check(p, res, act, obj)
}

// GetByID is the lookup of a Get method for a top-level resource: it reads
// the ID from name, the request's name of a resource of collection
// (INVALID_ARGUMENT on "name" when it is none), and gets the resource with
// get.
func GetByID[T any](ctx context.Context, collection, name string, get func(context.Context, string) (T, error)) (T, error) {
	id, err := resource.ParseID("name", collection, name)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(ctx, id)
}

// NotFound gives err, when it is notFound, a NOT_FOUND fault with reason
// that names the resource name; any other error is returned unchanged.
func NotFound(err, notFound error, reason, name string) error {
	if errors.Is(err, notFound) {
		return Missing(reason, "name", name)
	}
	return err
}

// ParentNotFound is NotFound for the parent a request names, such as a
// council outside the register: the fault names it under "parent".
func ParentNotFound(err, notFound error, reason, parent string) error {
	if errors.Is(err, notFound) {
		return Missing(reason, "parent", parent)
	}
	return err
}

// Missing is the NOT_FOUND fault, with reason, of a resource the request
// names that does not exist; its metadata holds name under field ("name"
// for the resource the request is about, "parent" for its parent).
func Missing(reason, field, name string) *fault.Error {
	return fault.NotFound(reason, "%s does not exist", name).With(field, name)
}

// CouncilExists is nil for a council of the register, by its GSS code, and
// otherwise Missing with resource.ReasonCouncilNotFound, field and name,
// the resource name the request gave.
func CouncilExists(gss, field, name string) error {
	if _, ok := reference.CouncilByCode(gss); !ok {
		return Missing(resource.ReasonCouncilNotFound, field, name)
	}
	return nil
}
