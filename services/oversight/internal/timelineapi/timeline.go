// Package timelineapi is the gRPC face of councils' timelines:
// ListTimelineEntries of OversightService.
//
// Who may do what: the access matrix's TimelineEntry read cell admits the
// caller (Ofsted, the LGA and DfE for every council, a council officer for
// their own, a sponsor officer for the councils it actively supports, a
// partner system for the published part); then each entry is shown only to
// callers who may read the record it points at (access.ViewOf with the
// record's council, publication and the council's supporting sponsors),
// so a partner sees published judgements and ordered interventions and
// never a peer review or a concern. A record a caller may only know of
// (DfE and Ofsted on peer reviews) is shown without its content. The
// person behind an entry is named only to DfE and the council's own
// officers; others see the role.
package timelineapi

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method of this package.
var Policies = access.Rules(access.TimelineEntry, access.Methods{
	oversightv1.OversightService_ListTimelineEntries_FullMethodName: access.Read,
})

// Timeline implements the timeline methods of OversightServiceServer.
type Timeline struct{ rpc.Handlers[timeline.Service] }

// New returns the handlers over the timeline use cases.
func New(svc *timeline.Service, pages *paging.Codec) *Timeline {
	return &Timeline{Handlers: rpc.Over(svc, pages)}
}

// ListTimelineEntries implements OversightService.ListTimelineEntries.
func (h *Timeline) ListTimelineEntries(ctx context.Context, req *oversightv1.ListTimelineEntriesRequest) (*oversightv1.ListTimelineEntriesResponse, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, timeline.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	all, standing, err := h.Svc.List(ctx, gss, l.Filter)
	if err != nil {
		return nil, rpc.ParentNotFound(err, timeline.ErrUnknownCouncil, resource.ReasonCouncilNotFound, req.GetParent())
	}
	supporters := standing.SupportedBy()
	if err := access.Check(p, access.TimelineEntry, access.Read, access.Object{
		Council: gss, Public: true, SupportedBy: supporters, Name: "the timeline of " + req.GetParent(),
	}); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: oversightv1.OversightService_ListTimelineEntries_FullMethodName,
		Parent: req.GetParent(),
		// What a caller sees depends on who they are, so a token is theirs.
		Params: map[string]string{"viewer": viewer(p)},
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	named := p.HasRole(auth.RoleDfEOfficial) || (p.HasRole(auth.RoleCouncilOfficer) && p.Authority == gss)
	// Every entry is judged, to count and page what the caller sees; only
	// the page is rendered.
	type seen struct {
		entry *timeline.Entry
		view  access.View
	}
	visible := make([]seen, 0, len(all))
	for i := range all {
		e := &all[i]
		view := access.ViewOf(p, e.Access, access.Read, access.Object{
			Council: gss, Public: e.Public, Sponsor: e.Sponsor, SupportedBy: supporters, Name: e.Resource,
		})
		if view == access.Denied {
			continue
		}
		visible = append(visible, seen{e, view})
	}
	out := &oversightv1.ListTimelineEntriesResponse{}
	out.TimelineEntries, out.NextPageToken, out.TotalSize = rpc.ListPage(l, visible, func(v seen) *oversightv1.TimelineEntry {
		return toProto(*v.entry, v.view, named)
	})
	return out, nil
}

// viewer identifies what p may see: roles, council and sponsor.
func viewer(p auth.Principal) string {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	slices.Sort(roles)
	return strings.Join(roles, ",") + "|" + p.Authority + "|" + p.Sponsor
}

// toProto renders e as view allows; named says whether the person is shown.
func toProto(e timeline.Entry, view access.View, named bool) *oversightv1.TimelineEntry {
	out := &oversightv1.TimelineEntry{
		Name: e.Name(), Kind: e.Kind, Time: timestamppb.New(e.Time), ActorRole: e.Role,
		Summary: e.Summary, Resource: e.Resource, Service: e.Service,
	}
	if named {
		out.Actor = e.Actor
	}
	if view == access.Summarised {
		out.Summary = strings.ToUpper(e.Kind[:1]) + strings.ToLower(strings.ReplaceAll(e.Kind[1:], "_", " ")) +
			" (its content is confidential to the council and the LGA)"
	}
	return out
}
