// Package auditapi is the gRPC face of the audit trail: ListAuditEntries
// of OversightService.
//
// Who may do what (the access matrix's AuditEntry read cell): DfE reads
// the whole trail (parent `localAuthorities/-`) or one council's; a
// council officer reads their own council's, and their view of
// `localAuthorities/-` is their own council's. Everyone else is refused.
package auditapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method of this package.
var Policies = access.Rules(access.AuditEntry, access.Methods{
	oversightv1.OversightService_ListAuditEntries_FullMethodName: access.Read,
})

// Audit implements the audit methods of OversightServiceServer.
type Audit struct{ rpc.Handlers[audit.Service] }

// New returns the handlers over the audit use cases.
func New(svc *audit.Service, pages *paging.Codec) *Audit {
	return &Audit{Handlers: rpc.Over(svc, pages)}
}

// ListAuditEntries implements OversightService.ListAuditEntries.
func (h *Audit) ListAuditEntries(ctx context.Context, req *oversightv1.ListAuditEntriesRequest) (*oversightv1.ListAuditEntriesResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	size, sizeErr := rpc.PageSize(req.GetPageSize())
	f, filterErr := filter.Compile(req.GetFilter(), audit.FilterSchema)
	if err := fault.Join(parentErr, sizeErr, filterErr); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: oversightv1.OversightService_ListAuditEntries_FullMethodName, Parent: req.GetParent(), Filter: f.String()}
	if gss == resource.AllCouncils {
		gss = ""
	}
	if gss == "" && !p.HasRole(auth.RoleDfEOfficial) {
		// A council officer's view of every council is their own.
		gss = p.Authority
		q.Params = map[string]string{"authority": p.Authority}
	}
	if err := access.Check(p, access.AuditEntry, access.Read, access.Object{Council: gss, Name: "the audit trail of " + req.GetParent()}); err != nil {
		return nil, err
	}
	// A page token holds the cursor where the previous page ended (the
	// time and id of its last entry), so entries recorded meanwhile,
	// which are newer, neither repeat nor shift what later pages hold.
	var after *audit.Cursor
	if req.GetPageToken() != "" {
		raw, err := h.Pages.Decode(req.GetPageToken(), q)
		if err != nil {
			return nil, err
		}
		c, ok := audit.ParseCursor(raw)
		if !ok {
			return nil, fault.Field("page_token", "is not a page token of this list")
		}
		after = &c
	}
	page, err := h.Svc.List(ctx, gss, f, after, int(size))
	if err != nil {
		return nil, err
	}
	out := &oversightv1.ListAuditEntriesResponse{}
	if page.Total >= 0 {
		out.TotalSize = int32(page.Total)
	}
	if page.Next != nil {
		out.NextPageToken = h.Pages.Encode(q, page.Next.String())
	}
	for _, e := range page.Entries {
		out.AuditEntries = append(out.AuditEntries, &oversightv1.AuditEntry{
			Name: e.Name(), Actor: e.Actor, Roles: e.Roles, Method: e.Method, Resource: e.Resource,
			RequestId: e.RequestID, EtagBefore: e.EtagBefore, EtagAfter: e.EtagAfter, Time: timestamppb.New(e.Time),
		})
	}
	return out, nil
}
