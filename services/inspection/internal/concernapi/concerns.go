// Package concernapi is the gRPC face of concerns and emergency inspection
// recommendations: it decodes requests, validates their shape, calls the
// concern use cases and encodes responses. Each method's access policy is
// declared in Policies, next to the handlers.
package concernapi

import (
	"context"

	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Page sizes of concern and recommendation lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// maxRequestIDLen bounds request_id: it is hashed into a key, but a
// megabyte of it would still be read, hashed and logged.
const maxRequestIDLen = 256

// readers may see concerns and recommendations: they inform inspection
// (Ofsted), sector-led support (LGA) and intervention (DfE). Councils,
// sponsors and partner systems may not: a concern can name a
// whistleblower's allegation before anyone has tested it.
var readers = auth.Allow(auth.RoleOfstedInspector, auth.RoleLGAAdviser, auth.RoleDfEOfficial)

// writers record concerns and decide on recommendations: emergency
// inspections are Ofsted's call.
var writers = auth.Allow(auth.RoleOfstedInspector)

// Policies declares who may call each method Concerns implements.
var Policies = auth.Policies{
	inspectionv1.InspectionService_RaiseConcern_FullMethodName:                             writers,
	inspectionv1.InspectionService_GetConcern_FullMethodName:                               readers,
	inspectionv1.InspectionService_ListConcerns_FullMethodName:                             readers,
	inspectionv1.InspectionService_GetEmergencyInspectionRecommendation_FullMethodName:     readers,
	inspectionv1.InspectionService_ListEmergencyInspectionRecommendations_FullMethodName:   readers,
	inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName:  writers,
	inspectionv1.InspectionService_DismissEmergencyInspectionRecommendation_FullMethodName: writers,
}

// Concerns implements the concern and recommendation methods of
// InspectionService.
type Concerns struct {
	svc   *concern.Service
	pages *paging.Codec
}

// New returns the handlers over the concern use cases.
func New(svc *concern.Service, pages *paging.Codec) *Concerns {
	return &Concerns{svc: svc, pages: pages}
}

// RaiseConcern implements InspectionService.RaiseConcern.
func (s *Concerns) RaiseConcern(ctx context.Context, req *inspectionv1.RaiseConcernRequest) (*inspectionv1.RaiseConcernResponse, error) {
	const method = inspectionv1.InspectionService_RaiseConcern_FullMethodName
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), false)
	d, draftErr := s.draft(req.GetConcern())
	if err := join(parentErr, draftErr, checkRequestID(req.GetRequestId())); err != nil {
		return nil, err
	}
	ch, err := change(ctx, method, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.RaiseConcernResponse{}
	replayed, err := s.replay(ctx, gss, ch, resp)
	if err != nil {
		return nil, err
	}
	if replayed {
		return resp, nil
	}
	raised, err := s.svc.Raise(ctx, gss, d, ch)
	if err != nil {
		return nil, err
	}
	return concernstore.RaisedToProto(raised), nil
}

// RaiseAs raises a concern as principal p through the same path as the
// RPC, for callers inside the process such as the demo data loader. p must
// hold a role RaiseConcern's policy admits, as the interceptor would
// require.
func (s *Concerns) RaiseAs(ctx context.Context, p auth.Principal, req *inspectionv1.RaiseConcernRequest) (*inspectionv1.RaiseConcernResponse, error) {
	if !p.HasRole(Policies[inspectionv1.InspectionService_RaiseConcern_FullMethodName].Roles...) {
		return nil, fault.PermissionDenied(auth.ReasonRoleNotAllowed, "the caller's roles may not raise concerns")
	}
	return s.RaiseConcern(auth.NewContext(ctx, p), req)
}

// draft decodes and validates the concern of a RaiseConcern request,
// reporting every invalid field under "concern.".
func (s *Concerns) draft(m *inspectionv1.Concern) (concern.Draft, error) {
	var vs fault.Violations
	if m == nil {
		vs.Add("concern", "is required")
		return concern.Draft{}, vs.Err()
	}
	received, _, dateErr := refproto.DateFrom(m.GetReceivedDate())
	if dateErr != nil {
		vs.Add("concern.received_date", "%v", dateErr)
	}
	d := concern.Draft{
		Kind:         concernstore.KindFromProto(m.GetKind()),
		Severity:     concernstore.SeverityFromProto(m.GetSeverity()),
		ReceivedDate: received,
		Narrative:    m.GetNarrative(),
		Source:       m.GetSource(),
	}
	for _, v := range s.svc.Check(d) {
		if v.Field == "received_date" && dateErr != nil {
			continue
		}
		vs.Add("concern."+v.Field, "%s", v.Description)
	}
	return d, vs.Err()
}

// GetConcern implements InspectionService.GetConcern.
func (s *Concerns) GetConcern(ctx context.Context, req *inspectionv1.GetConcernRequest) (*inspectionv1.Concern, error) {
	gss, id, err := concern.ParseConcernName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.svc.Concern(ctx, gss, id)
	if err != nil {
		return nil, err
	}
	return concernstore.ConcernToProto(c), nil
}

// ListConcerns implements InspectionService.ListConcerns.
func (s *Concerns) ListConcerns(ctx context.Context, req *inspectionv1.ListConcernsRequest) (*inspectionv1.ListConcernsResponse, error) {
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), false)
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), concern.ConcernFilterSchema)
	if err := join(parentErr, sizeErr, filterErr); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: inspectionv1.InspectionService_ListConcerns_FullMethodName,
		Parent: req.GetParent(),
		Filter: f.String(),
	}
	offset, err := s.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := s.svc.Concerns(ctx, gss, f)
	if err != nil {
		return nil, err
	}
	start, end, total := window(offset, size, len(all))
	resp := &inspectionv1.ListConcernsResponse{
		Concerns:      make([]*inspectionv1.Concern, 0, end-start),
		NextPageToken: s.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, c := range all[start:end] {
		resp.Concerns = append(resp.Concerns, concernstore.ConcernToProto(c))
	}
	return resp, nil
}

// GetEmergencyInspectionRecommendation implements
// InspectionService.GetEmergencyInspectionRecommendation.
func (s *Concerns) GetEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.GetEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	gss, id, err := concern.ParseRecommendationName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	r, err := s.svc.Recommendation(ctx, gss, id)
	if err != nil {
		return nil, err
	}
	return concernstore.RecommendationToProto(r), nil
}

// ListEmergencyInspectionRecommendations implements
// InspectionService.ListEmergencyInspectionRecommendations, for one council
// or, with the parent localAuthorities/-, for every council.
func (s *Concerns) ListEmergencyInspectionRecommendations(ctx context.Context, req *inspectionv1.ListEmergencyInspectionRecommendationsRequest) (*inspectionv1.ListEmergencyInspectionRecommendationsResponse, error) {
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), true)
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), concern.RecommendationFilterSchema)
	if err := join(parentErr, sizeErr, filterErr); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: inspectionv1.InspectionService_ListEmergencyInspectionRecommendations_FullMethodName,
		Parent: req.GetParent(),
		Filter: f.String(),
	}
	offset, err := s.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := s.svc.Recommendations(ctx, gss, concern.NarrowState(f), f)
	if err != nil {
		return nil, err
	}
	start, end, total := window(offset, size, len(all))
	resp := &inspectionv1.ListEmergencyInspectionRecommendationsResponse{
		EmergencyInspectionRecommendations: make([]*inspectionv1.EmergencyInspectionRecommendation, 0, end-start),
		NextPageToken:                      s.pages.NextOffset(q, start, size, total),
		TotalSize:                          int32(total),
	}
	for _, r := range all[start:end] {
		resp.EmergencyInspectionRecommendations = append(resp.EmergencyInspectionRecommendations,
			concernstore.RecommendationToProto(r))
	}
	return resp, nil
}

// AcceptEmergencyInspectionRecommendation implements
// InspectionService.AcceptEmergencyInspectionRecommendation.
func (s *Concerns) AcceptEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.AcceptEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	const method = inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName
	gss, id, nameErr := concern.ParseRecommendationName("name", req.GetName())
	version, etagErr := requiredEtag(req.GetEtag())
	var vs fault.Violations
	start, _, startErr := refproto.DateFrom(req.GetStartDate())
	if startErr != nil {
		vs.Add("start_date", "%v", startErr)
	}
	end, _, endErr := refproto.DateFrom(req.GetEndDate())
	if endErr != nil {
		vs.Add("end_date", "%v", endErr)
	}
	sched := concern.Schedule{Start: start, End: end}
	for _, v := range concern.ValidateAcceptance(sched, req.GetRationale()) {
		if (v.Field == "start_date" && startErr != nil) || (v.Field == "end_date" && (endErr != nil || startErr != nil)) {
			continue
		}
		vs = append(vs, v)
	}
	if err := join(nameErr, etagErr, vs.Err(), checkRequestID(req.GetRequestId())); err != nil {
		return nil, err
	}
	ch, err := change(ctx, method, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.EmergencyInspectionRecommendation{}
	replayed, err := s.replay(ctx, gss, ch, resp)
	if err != nil {
		return nil, err
	}
	if replayed {
		return resp, nil
	}
	r, err := s.svc.Accept(ctx, gss, id, version, sched, req.GetRationale(), ch)
	if err != nil {
		return nil, err
	}
	return concernstore.RecommendationToProto(r), nil
}

// DismissEmergencyInspectionRecommendation implements
// InspectionService.DismissEmergencyInspectionRecommendation.
func (s *Concerns) DismissEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.DismissEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	const method = inspectionv1.InspectionService_DismissEmergencyInspectionRecommendation_FullMethodName
	gss, id, nameErr := concern.ParseRecommendationName("name", req.GetName())
	version, etagErr := requiredEtag(req.GetEtag())
	if err := join(nameErr, etagErr, concern.ValidateDismissal(req.GetRationale()).Err(),
		checkRequestID(req.GetRequestId())); err != nil {
		return nil, err
	}
	ch, err := change(ctx, method, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.EmergencyInspectionRecommendation{}
	replayed, err := s.replay(ctx, gss, ch, resp)
	if err != nil {
		return nil, err
	}
	if replayed {
		return resp, nil
	}
	r, err := s.svc.Dismiss(ctx, gss, id, version, req.GetRationale(), ch)
	if err != nil {
		return nil, err
	}
	return concernstore.RecommendationToProto(r), nil
}

// join is fault.Join that keeps a lone error as it is, so its specific
// reason (INVALID_FILTER, INVALID_ETAG, REQUEST_ID_REUSED) reaches the
// caller; several are merged under INVALID_ARGUMENT with every violation.
func join(errs ...error) error {
	var only error
	n := 0
	for _, err := range errs {
		if err != nil {
			only = err
			n++
		}
	}
	if n == 1 {
		return only
	}
	return fault.Join(errs...)
}

// requiredEtag parses an etag that must be present: deciding on a
// recommendation someone else may have decided meanwhile needs proof of
// what the caller saw.
func requiredEtag(etag string) (int64, error) {
	if etag == "" {
		var vs fault.Violations
		vs.Add("etag", "is required: pass the etag of the recommendation as last read")
		return 0, vs.Err()
	}
	return store.ParseEtag(etag)
}

func checkRequestID(id string) error {
	if len(id) > maxRequestIDLen {
		var vs fault.Violations
		vs.Add("request_id", "has %d bytes; at most %d are allowed", len(id), maxRequestIDLen)
		return vs.Err()
	}
	return nil
}

// change describes the caller's request for the store's audit trail and
// idempotency record.
func change(ctx context.Context, method, requestID string, req proto.Message) (concern.Change, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Served without the interceptor: never act for an unknown caller.
		return concern.Change{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	ch := concern.Change{Actor: p.Subject, Method: method, RequestID: requestID}
	for _, r := range p.Roles {
		ch.Roles = append(ch.Roles, string(r))
	}
	if requestID != "" {
		h, err := store.RequestHash(req)
		if err != nil {
			return concern.Change{}, err
		}
		ch.RequestHash = h
	}
	return ch, nil
}

// replay fills resp with the response stored for ch's request id, if any.
func (s *Concerns) replay(ctx context.Context, gss string, ch concern.Change, resp proto.Message) (bool, error) {
	if ch.RequestID == "" {
		return false, nil
	}
	b, ok, err := s.svc.Replay(ctx, gss, ch)
	if err != nil || !ok {
		return false, err
	}
	if err := proto.Unmarshal(b, resp); err != nil {
		return false, err
	}
	return true, nil
}

// window is the slice of a sorted result of n items that a page of size
// from offset shows.
func window(offset int64, size int32, n int) (start, end, total int64) {
	total = int64(n)
	start = min(offset, total)
	end = min(start+int64(size), total)
	return start, end, total
}
