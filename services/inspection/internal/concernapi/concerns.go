// Package concernapi is the gRPC face of concerns and emergency inspection
// recommendations: it decodes requests, validates their shape, calls the
// concern use cases and encodes responses. Each method's access policy is
// declared in Policies, next to the handlers.
package concernapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method Concerns implements: the
// access matrix's Concern and Recommendation cells. Concerns and
// recommendations inform inspection (Ofsted), sector-led support (LGA) and
// intervention (DfE); a council officer reads those about their own council
// (checked per record with access.Check); sponsors and partner systems
// never read them. Emergency inspections are Ofsted's call.
var Policies = access.Rules(access.Concern, access.Methods{
	inspectionv1.InspectionService_RaiseConcern_FullMethodName: access.Write,
	inspectionv1.InspectionService_GetConcern_FullMethodName:   access.Read,
	inspectionv1.InspectionService_ListConcerns_FullMethodName: access.Read,
}).With(access.Rules(access.Recommendation, access.Methods{
	inspectionv1.InspectionService_GetEmergencyInspectionRecommendation_FullMethodName:     access.Read,
	inspectionv1.InspectionService_ListEmergencyInspectionRecommendations_FullMethodName:   access.Read,
	inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName:  access.Decide,
	inspectionv1.InspectionService_DismissEmergencyInspectionRecommendation_FullMethodName: access.Decide,
}))

// check is the matrix's object-level decision for the caller in ctx on a
// record of council gss named name (or, for a list, the council itself).
func check(ctx context.Context, res access.Resource, act access.Action, gss, name string) error {
	return rpc.Authorize(ctx, res, act, access.Object{Council: gss, Name: name})
}

// reads is check of reading res of a council.
func reads(res access.Resource) func(ctx context.Context, gss, name string) error {
	return func(ctx context.Context, gss, name string) error { return check(ctx, res, access.Read, gss, name) }
}

// Concerns implements the concern and recommendation methods of
// InspectionService.
type Concerns struct{ rpc.Handlers[concern.Service] }

// New returns the handlers over the concern use cases.
func New(svc *concern.Service, pages *paging.Codec) *Concerns {
	return &Concerns{Handlers: rpc.Over(svc, pages)}
}

// RaiseConcern implements InspectionService.RaiseConcern.
func (s *Concerns) RaiseConcern(ctx context.Context, req *inspectionv1.RaiseConcernRequest) (*inspectionv1.RaiseConcernResponse, error) {
	const method = inspectionv1.InspectionService_RaiseConcern_FullMethodName
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), false)
	d, draftErr := s.draft(req.GetConcern())
	if err := fault.Collect(parentErr, draftErr, rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, method, req.GetRequestId(), req, func(r change.Request) (concern.Raised, error) {
		return s.Svc.Raise(ctx, gss, d, r)
	}, raisedToProto)
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
		Kind:         concern.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		Severity:     concern.Severity(refproto.EnumName(m.GetSeverity(), severityPrefix)),
		ReceivedDate: received,
		Narrative:    m.GetNarrative(),
		Source:       m.GetSource(),
	}
	for _, v := range s.Svc.Check(d) {
		if v.Field == "received_date" && dateErr != nil {
			continue
		}
		vs.Add("concern."+v.Field, "%s", v.Description)
	}
	return d, vs.Err()
}

// GetConcern implements InspectionService.GetConcern.
func (s *Concerns) GetConcern(ctx context.Context, req *inspectionv1.GetConcernRequest) (*inspectionv1.Concern, error) {
	c, err := rpc.GetChild(ctx, concern.ConcernCollection, req.GetName(), reads(access.Concern), s.Svc.Concern)
	if err != nil {
		return nil, err
	}
	return ConcernToProto(c), nil
}

// ListConcerns implements InspectionService.ListConcerns.
func (s *Concerns) ListConcerns(ctx context.Context, req *inspectionv1.ListConcernsRequest) (*inspectionv1.ListConcernsResponse, error) {
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), false)
	l, err := rpc.ReadList(req, concern.ConcernFilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if err := check(ctx, access.Concern, access.Read, gss, req.GetParent()); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: inspectionv1.InspectionService_ListConcerns_FullMethodName,
		Parent: req.GetParent(),
	}
	if err := l.Resume(s.Pages, q); err != nil {
		return nil, err
	}
	all, err := s.Svc.Concerns(ctx, gss, l.Filter)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.ListConcernsResponse{}
	resp.Concerns, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, all, ConcernToProto)
	return resp, nil
}

// GetEmergencyInspectionRecommendation implements
// InspectionService.GetEmergencyInspectionRecommendation.
func (s *Concerns) GetEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.GetEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	r, err := rpc.GetChild(ctx, concern.RecommendationCollection, req.GetName(), reads(access.Recommendation), s.Svc.Recommendation)
	if err != nil {
		return nil, err
	}
	return RecommendationToProto(r), nil
}

// ListEmergencyInspectionRecommendations implements
// InspectionService.ListEmergencyInspectionRecommendations, for one council
// or, with the parent localAuthorities/-, for every council.
func (s *Concerns) ListEmergencyInspectionRecommendations(ctx context.Context, req *inspectionv1.ListEmergencyInspectionRecommendationsRequest) (*inspectionv1.ListEmergencyInspectionRecommendationsResponse, error) {
	gss, parentErr := concern.ParseParent("parent", req.GetParent(), true)
	l, p, err := rpc.ReadListAs(ctx, req, concern.RecommendationFilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if gss != "" {
		// One council: a council the caller may not read is refused.
		if err := access.Check(p, access.Recommendation, access.Read, access.Object{Council: gss, Name: req.GetParent()}); err != nil {
			return nil, err
		}
	}
	q := paging.Query{
		Method: inspectionv1.InspectionService_ListEmergencyInspectionRecommendations_FullMethodName,
		Parent: req.GetParent(),
	}
	if access.ViewOf(p, access.Recommendation, access.Read, access.Object{}) != access.Full {
		// A caller who sees only some councils gets a list of their own, so
		// a token must not cross callers.
		q.Params = map[string]string{"authority": p.Authority}
	}
	if err := l.Resume(s.Pages, q); err != nil {
		return nil, err
	}
	all, err := s.Svc.Recommendations(ctx, gss, concern.NarrowState(l.Filter), l.Filter)
	if err != nil {
		return nil, err
	}
	// Across every council, the list keeps what the caller may read.
	all = slices.DeleteFunc(all, func(r concern.Recommendation) bool {
		return access.ViewOf(p, access.Recommendation, access.Read, access.Object{Council: r.GSSCode}) != access.Full
	})
	resp := &inspectionv1.ListEmergencyInspectionRecommendationsResponse{}
	resp.EmergencyInspectionRecommendations, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, all, RecommendationToProto)
	return resp, nil
}

// AcceptEmergencyInspectionRecommendation implements
// InspectionService.AcceptEmergencyInspectionRecommendation.
func (s *Concerns) AcceptEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.AcceptEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	const method = inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName
	gss, id, nameErr := concern.ParseRecommendationName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
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
	if err := fault.Collect(nameErr, etagErr, vs.Err(), rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, method, req.GetRequestId(), req, func(r change.Request) (concern.Recommendation, error) {
		return s.Svc.Accept(ctx, gss, id, etag, sched, req.GetRationale(), r)
	}, RecommendationToProto)
}

// DismissEmergencyInspectionRecommendation implements
// InspectionService.DismissEmergencyInspectionRecommendation.
func (s *Concerns) DismissEmergencyInspectionRecommendation(ctx context.Context, req *inspectionv1.DismissEmergencyInspectionRecommendationRequest) (*inspectionv1.EmergencyInspectionRecommendation, error) {
	const method = inspectionv1.InspectionService_DismissEmergencyInspectionRecommendation_FullMethodName
	gss, id, nameErr := concern.ParseRecommendationName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	if err := fault.Collect(nameErr, etagErr, concern.ValidateDismissal(req.GetRationale()).Err(),
		rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, method, req.GetRequestId(), req, func(r change.Request) (concern.Recommendation, error) {
		return s.Svc.Dismiss(ctx, gss, id, etag, req.GetRationale(), r)
	}, RecommendationToProto)
}

// Proto enum prefixes; the domain names values without them.
const (
	kindPrefix     = "CONCERN_KIND_"
	severityPrefix = "SEVERITY_"
	statePrefix    = "RECOMMENDATION_STATE_"
)

// kindToProto returns the proto enum value of k.
func kindToProto(k concern.Kind) inspectionv1.ConcernKind {
	return refproto.Enum[inspectionv1.ConcernKind](kindPrefix, k)
}

// severityToProto returns the proto enum value of s.
func severityToProto(s concern.Severity) inspectionv1.Severity {
	return refproto.Enum[inspectionv1.Severity](severityPrefix, s)
}

// stateToProto returns the proto enum value of s.
func stateToProto(s concern.State) inspectionv1.RecommendationState {
	return refproto.Enum[inspectionv1.RecommendationState](statePrefix, s)
}

func stateFromProto(s inspectionv1.RecommendationState) concern.State {
	return concern.State(strings.TrimPrefix(s.String(), statePrefix))
}

// ConcernToProto is the API form of c, which is also its stored form.
func ConcernToProto(c concern.Concern) *inspectionv1.Concern {
	return &inspectionv1.Concern{
		Name:         c.ResourceName(),
		Kind:         kindToProto(c.Kind),
		Severity:     severityToProto(c.Severity),
		ReceivedDate: refproto.Date(c.ReceivedDate),
		Narrative:    c.Narrative,
		Source:       c.Source,
		RecordedBy:   c.RecordedBy,
		CreateTime:   timestamp(c.CreateTime),
	}
}

// RecommendationToProto is the API form of r, with its etag; it is also its
// stored form, whose etag the record's version supersedes on read.
func RecommendationToProto(r concern.Recommendation) *inspectionv1.EmergencyInspectionRecommendation {
	return &inspectionv1.EmergencyInspectionRecommendation{
		Name:            r.ResourceName(),
		Rule:            r.Rule,
		RuleDescription: r.RuleDescription,
		Concerns:        r.ConcernNames(),
		State:           stateToProto(r.State),
		Rationale:       r.Rationale,
		DecidedBy:       r.DecidedBy,
		DecideTime:      timestamp(r.DecideTime),
		Inspection:      r.Inspection,
		Etag:            change.Format(r.Version),
		CreateTime:      timestamp(r.CreateTime),
	}
}

// raisedToProto is the API response to a raised concern.
func raisedToProto(r concern.Raised) *inspectionv1.RaiseConcernResponse {
	resp := &inspectionv1.RaiseConcernResponse{Concern: ConcernToProto(r.Concern)}
	for _, rec := range r.Recommendations {
		resp.Recommendations = append(resp.Recommendations, RecommendationToProto(rec))
	}
	return resp
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// ConcernFromStored decodes a stored concern; concerns are immutable and
// carry no version.
func ConcernFromStored(m *inspectionv1.Concern, _ int64) (concern.Concern, error) {
	gss, id, err := concern.ParseConcernName("name", m.GetName())
	if err != nil {
		return concern.Concern{}, fmt.Errorf("stored concern %q: %w", m.GetName(), err)
	}
	received, _, err := refproto.DateFrom(m.GetReceivedDate())
	if err != nil {
		return concern.Concern{}, fmt.Errorf("stored concern %s: received date: %w", m.GetName(), err)
	}
	return concern.Concern{
		GSSCode: gss, ID: id,
		Kind:         concern.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		Severity:     concern.Severity(refproto.EnumName(m.GetSeverity(), severityPrefix)),
		ReceivedDate: received,
		Narrative:    m.GetNarrative(),
		Source:       m.GetSource(),
		RecordedBy:   m.GetRecordedBy(),
		CreateTime:   timeOf(m.GetCreateTime()),
	}, nil
}

// RecommendationFromStored decodes a stored recommendation at version.
func RecommendationFromStored(m *inspectionv1.EmergencyInspectionRecommendation, version int64) (concern.Recommendation, error) {
	gss, id, err := concern.ParseRecommendationName("name", m.GetName())
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("stored recommendation %q: %w", m.GetName(), err)
	}
	r := concern.Recommendation{
		GSSCode: gss, ID: id,
		Rule:            m.GetRule(),
		RuleDescription: m.GetRuleDescription(),
		State:           stateFromProto(m.GetState()),
		Rationale:       m.GetRationale(),
		DecidedBy:       m.GetDecidedBy(),
		DecideTime:      timeOf(m.GetDecideTime()),
		Inspection:      m.GetInspection(),
		Version:         version,
		CreateTime:      timeOf(m.GetCreateTime()),
	}
	for _, name := range m.GetConcerns() {
		cgss, cid, err := concern.ParseConcernName("concerns", name)
		if err != nil || cgss != gss {
			return concern.Recommendation{}, fmt.Errorf("stored recommendation %s: concern %q is not one of its council's", m.GetName(), name)
		}
		r.Concerns = append(r.Concerns, cid)
	}
	return r, nil
}
