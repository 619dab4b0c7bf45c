// Package supportapi is the improvement-plan handlers' one way to apply the
// access matrix to a record: it builds the access.Object of a council's
// record, with the sponsors actively supporting the council (package
// support) when the caller is a sponsor officer, and makes the
// object-level decision with access.ViewOf and access.Check.
package supportapi

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Supporters says which sponsors actively support a council;
// *support.Service implements it.
type Supporters interface {
	SupportedBy(ctx context.Context, gss string) ([]string, error)
}

// Access decides what a caller may do to the records of a resource.
type Access struct {
	supporters Supporters
	res        access.Resource
}

// New returns the decisions on resource res, with the sponsors of each
// council from supporters (nil: no sponsor supports any council).
func New(supporters Supporters, res access.Resource) Access {
	return Access{supporters: supporters, res: res}
}

// Object is the access.Object of a record of council gss named name; public
// says whether it is published. SupportedBy is filled only for a sponsor
// officer, the one role whose grant depends on it.
func (a Access) Object(ctx context.Context, p auth.Principal, gss, name string, public bool) (access.Object, error) {
	obj := access.Object{Council: gss, Public: public, Name: name}
	if p.HasRole(auth.RoleSponsorOfficer) && a.supporters != nil && gss != "" {
		ids, err := a.supporters.SupportedBy(ctx, gss)
		if err != nil {
			return access.Object{}, err
		}
		obj.SupportedBy = ids
	}
	return obj, nil
}

// Check is nil when the caller in ctx may act on the record of council gss
// named name, and PERMISSION_DENIED otherwise (access.Check).
func (a Access) Check(ctx context.Context, act access.Action, gss, name string, public bool) error {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return err
	}
	obj, err := a.Object(ctx, p, gss, name, public)
	if err != nil {
		return err
	}
	return access.Check(p, a.res, act, obj)
}

// SeesAll reports whether p reads every council's records of the resource
// whatever their publication.
func (a Access) SeesAll(p auth.Principal) bool {
	return access.ViewOf(p, a.res, access.Read, access.Object{}) == access.Full
}

// Reader decides, record by record, what one caller may read of a list
// across councils; it asks for each council's sponsors once.
type Reader struct {
	a     Access
	ctx   context.Context
	p     auth.Principal
	memo  map[string][]string
	Err   error
	every bool
}

// Reader returns the read decisions for p over one request.
func (a Access) Reader(ctx context.Context, p auth.Principal) *Reader {
	return &Reader{a: a, ctx: ctx, p: p, memo: map[string][]string{}, every: a.SeesAll(p)}
}

// May reports whether the caller may read the record of council gss;
// public says whether it is published. A failure to learn the council's
// sponsors refuses the record and is kept in Err.
func (r *Reader) May(gss string, public bool) bool {
	if r.every {
		return true
	}
	obj := access.Object{Council: gss, Public: public}
	if r.p.HasRole(auth.RoleSponsorOfficer) && r.a.supporters != nil {
		ids, ok := r.memo[gss]
		if !ok {
			var err error
			if ids, err = r.a.supporters.SupportedBy(r.ctx, gss); err != nil {
				r.Err = err
				return false
			}
			r.memo[gss] = ids
		}
		obj.SupportedBy = ids
	}
	return access.ViewOf(r.p, r.a.res, access.Read, obj) == access.Full
}
