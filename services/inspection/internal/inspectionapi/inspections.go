// Package inspectionapi is the gRPC face of inspections and their
// judgements: CreateInspection, GetInspection, ListInspections,
// UpdateInspection and PublishJudgement of InspectionService. It decodes
// and checks requests, calls the judgement rules and renders responses;
// each method's access policy is declared in Policies.
//
// Who sees what is the access matrix's (package access): its Inspection
// cells say who reads, writes and publishes, and each record is judged
// with access.ViewOf on its council and publication state. Published
// judgements are public; an unpublished inspection that the matrix does not
// show the caller does not exist for them: GetInspection answers NOT_FOUND,
// as for a missing one, so its existence is not revealed, and lists leave
// it out.
package inspectionapi

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package.
var Policies = access.Rules(access.Inspection, access.Methods{
	inspectionv1.InspectionService_CreateInspection_FullMethodName: access.Write,
	// Unpublished inspections are filtered per record in the handlers
	// (see the package comment).
	inspectionv1.InspectionService_GetInspection_FullMethodName:    access.Read,
	inspectionv1.InspectionService_ListInspections_FullMethodName:  access.Read,
	inspectionv1.InspectionService_UpdateInspection_FullMethodName: access.Write,
	inspectionv1.InspectionService_PublishJudgement_FullMethodName: access.Publish,
	// Ofsted and DfE import the record of judgements already published.
	inspectionv1.InspectionService_BatchImportJudgements_FullMethodName: access.Import,
})

// Inspections implements the inspection methods of
// inspectionv1.InspectionServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed it
// beside the other handler types without ambiguous methods.
type Inspections struct {
	rpc.Handlers[inspection.Service]
}

// NewInspections returns the handlers over the inspection use cases, with
// page tokens from pages.
func NewInspections(svc *inspection.Service, pages *paging.Codec) *Inspections {
	return &Inspections{Handlers: rpc.Over(svc, pages)}
}

// CreateInspection implements InspectionService.CreateInspection: it
// schedules an inspection of an existing council (NOT_FOUND otherwise).
// Only the framework and the fieldwork dates are required.
func (h *Inspections) CreateInspection(ctx context.Context, req *inspectionv1.CreateInspectionRequest) (*inspectionv1.Inspection, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	ins, r, err := rpc.Create[*inspectionv1.Inspection, inspection.Inspection]{
		Method: inspectionv1.InspectionService_CreateInspection_FullMethodName,
		Field:  "inspection",
		Needs:  "the framework and the fieldwork dates at least",
		Decode: fromProto,
		Rules: func(ins inspection.Inspection) error {
			ins.GSSCode = gss
			return ins.Validate("inspection.", h.Svc.Now())
		},
	}.Read(ctx, req, req.GetInspection(), parentErr)
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Schedule(ctx, gss, ins, r)
	if err != nil {
		return nil, councilNotFound(err, req.GetParent())
	}
	return ToProto(out), nil
}

// GetInspection implements InspectionService.GetInspection.
func (h *Inspections) GetInspection(ctx context.Context, req *inspectionv1.GetInspectionRequest) (*inspectionv1.Inspection, error) {
	gss, id, err := inspection.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ins, err := h.Svc.Get(ctx, gss, id)
	if err == nil && access.ViewOf(p, access.Inspection, access.Read, object(ins)) != access.Full {
		err = inspection.ErrNotFound
	}
	if err != nil {
		return nil, named(err, req.GetName())
	}
	return ToProto(ins), nil
}

// ListInspections implements InspectionService.ListInspections for one
// council or, with the parent localAuthorities/-, every council. Page
// tokens are bound to the parent, the filter, the order and the caller's
// visibility.
func (h *Inspections) ListInspections(ctx context.Context, req *inspectionv1.ListInspectionsRequest) (*inspectionv1.ListInspectionsResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, inspection.FilterSchema, &rpc.Ordering{Fields: inspection.OrderFields, Default: inspection.DefaultOrder}, parentErr)
	if err != nil {
		return nil, err
	}
	// The token is bound to how far the caller sees unpublished
	// inspections of the parent.
	visibility := "published"
	if access.ViewOf(p, access.Inspection, access.Read, access.Object{Council: gss}) == access.Full {
		visibility = "all"
	}
	q := paging.Query{
		Method: inspectionv1.InspectionService_ListInspections_FullMethodName,
		Parent: req.GetParent(),
		Params: map[string]string{"visibility": visibility},
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	selected, err := h.Svc.List(ctx, gss, inspection.Query{Filter: l.Filter, Order: l.Order,
		Visible: func(ins inspection.Inspection) bool {
			return access.ViewOf(p, access.Inspection, access.Read, object(ins)) == access.Full
		}})
	if err != nil {
		return nil, councilNotFound(err, req.GetParent())
	}
	resp := &inspectionv1.ListInspectionsResponse{}
	resp.Inspections, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, ToProto)
	return resp, nil
}

// UpdateInspection implements InspectionService.UpdateInspection: it
// replaces the fields update_mask names (or, without a mask, the fields the
// request sets) of an unpublished inspection whose etag the request
// carries. A published inspection gives FAILED_PRECONDITION, a stale etag
// ABORTED.
func (h *Inspections) UpdateInspection(ctx context.Context, req *inspectionv1.UpdateInspectionRequest) (*inspectionv1.Inspection, error) {
	in := req.GetInspection()
	gss, id, u, err := rpc.Update[*inspectionv1.Inspection, inspection.Inspection, inspection.Mask]{
		Method: inspectionv1.InspectionService_UpdateInspection_FullMethodName,
		Field:  "inspection",
		Implied: func(in *inspectionv1.Inspection) []string {
			return rpc.MaskPaths(nil, in, notUpdated...)
		},
		Mask:   inspection.ParseMask,
		Decode: fromProto,
	}.ReadChild(ctx, req, in, inspection.Collection)
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Update(ctx, gss, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, named(err, in.GetName())
	}
	return ToProto(out), nil
}

// PublishJudgement implements InspectionService.PublishJudgement. The etag
// is optional; when given it must be current. A judgement whose six-month
// improvement window has passed is recorded as history, with a warning in
// publication_warnings, unless the request sets live. A second publication gives
// FAILED_PRECONDITION unless it repeats the first one's request_id, which
// replays the first response.
func (h *Inspections) PublishJudgement(ctx context.Context, req *inspectionv1.PublishJudgementRequest) (*inspectionv1.Inspection, error) {
	gss, id, nameErr := inspection.ParseName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	var vs fault.Violations
	date, ok, dateErr := refproto.DateFrom(req.GetPublishDate())
	switch {
	case dateErr != nil:
		vs.Add("publish_date", "%s", dateErr.Error())
	case !ok:
		vs.Add("publish_date", "is required")
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(nameErr, etagErr, vs.Err()); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, inspectionv1.InspectionService_PublishJudgement_FullMethodName, req.GetRequestId(), req, func(r change.Request) (inspection.Inspection, error) {
		out, err := h.Svc.PublishAs(ctx, gss, id, date, req.GetLive(), etag, r)
		return out, named(err, req.GetName())
	}, ToProto)
}

// object is ins as the access matrix judges it: its council, and public
// once its judgement is published.
func object(ins inspection.Inspection) access.Object {
	return access.Object{Council: ins.GSSCode, Public: ins.State == inspection.Published, Name: ins.Name()}
}

// named gives a missing inspection's NOT_FOUND the resource's name.
func named(err error, name string) error {
	return rpc.NotFound(err, inspection.ErrNotFound, inspection.ReasonNotFound, name)
}

// councilNotFound gives a missing council's NOT_FOUND the parent's name.
func councilNotFound(err error, parent string) error {
	return rpc.ParentNotFound(err, resource.ErrCouncilNotFound, resource.ReasonCouncilNotFound, parent)
}

// BatchImportJudgements implements InspectionService.BatchImportJudgements:
// up to inspection.MaxImport published judgements, recorded council by
// council (each council's rows together or not at all), idempotent per
// inspection id. A row that fails is reported in failures with its index
// and its field violations, named from the row; the request as a whole is
// refused only when it holds no rows or too many.
func (h *Inspections) BatchImportJudgements(ctx context.Context, req *inspectionv1.BatchImportJudgementsRequest) (*inspectionv1.BatchImportJudgementsResponse, error) {
	var vs fault.Violations
	switch n := len(req.GetJudgements()); {
	case n == 0:
		vs.Add("judgements", "is required: at least one published judgement")
	case n > inspection.MaxImport:
		vs.Add("judgements", "holds %d judgements; the limit is %d a call", n, inspection.MaxImport)
	}
	if err := vs.Err(); err != nil {
		return nil, err
	}
	rows := make([]inspection.ImportRow, len(req.GetJudgements()))
	for i, m := range req.GetJudgements() {
		rows[i] = importRow(i, m)
	}
	r, err := rpc.NewRequest(ctx, inspectionv1.InspectionService_BatchImportJudgements_FullMethodName, "", req)
	if err != nil {
		return nil, err
	}
	res, err := h.Svc.Import(ctx, rows, req.GetAsHistory(), r)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.BatchImportJudgementsResponse{}
	for _, ok := range res.Imported {
		resp.Inspections = append(resp.Inspections, ToProto(ok.Inspection))
	}
	for _, f := range res.Failures {
		out := &inspectionv1.ImportFailure{
			Index:   int32(f.Index),
			Parent:  req.GetJudgements()[f.Index].GetParent(),
			Reason:  f.Reason,
			Message: f.Message,
		}
		for _, v := range f.Violations {
			out.FieldViolations = append(out.FieldViolations, &inspectionv1.FieldViolation{Field: v.Field, Description: v.Description})
		}
		resp.Failures = append(resp.Failures, out)
	}
	return resp, nil
}

// importRow reads row i of a batch import; what is wrong with its shape
// goes into Problems, named from the row.
func importRow(i int, m *inspectionv1.ImportedJudgement) inspection.ImportRow {
	row := inspection.ImportRow{Index: i, ID: m.GetInspectionId()}
	gss, err := resource.ParseCouncil("parent", m.GetParent())
	if err != nil {
		row.Problems.Add("parent", "must be localAuthorities/{gss_code} with a GSS code such as E08000035, got %q", m.GetParent())
	} else {
		row.GSSCode = gss
	}
	if row.ID != "" && !resource.ValidID(row.ID) {
		row.Problems.Add("inspection_id", "must be 1 to %d lower-case letters, digits and hyphens, starting with a letter, got %q",
			resource.MaxIDLen, row.ID)
	}
	if m.GetInspection() == nil {
		row.Problems.Add("inspection", "is required: the framework, the fieldwork dates and the judgement")
	} else {
		var vs fault.Violations
		row.Inspection, vs = fromProto(m.GetInspection(), "inspection.")
		row.Problems = append(row.Problems, vs...)
	}
	date, ok, dateErr := refproto.DateFrom(m.GetPublishDate())
	switch {
	case dateErr != nil:
		row.Problems.Add("publish_date", "%s", dateErr.Error())
	case !ok:
		row.Problems.Add("publish_date", "is required")
	}
	row.PublishDate = date
	return row
}

// Enum name prefixes of the proto enums the API uses.
const (
	frameworkPrefix = "FRAMEWORK_"
	statePrefix     = "INSPECTION_STATE_"
	progressPrefix  = "PROGRESS_RATING_"
	gradePrefix     = "GRADE_"
)

// judgementPart reads and writes one part of the Judgement message.
type judgementPart struct {
	area inspection.Area
	get  func(*inspectionv1.Judgement) *inspectionv1.GradedJudgement
	set  func(*inspectionv1.Judgement, *inspectionv1.GradedJudgement)
}

// judgementParts maps every area to its Judgement field.
var judgementParts = []judgementPart{
	{inspection.OverallEffectiveness, (*inspectionv1.Judgement).GetOverallEffectiveness,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.OverallEffectiveness = g }},
	{inspection.HelpAndProtection, (*inspectionv1.Judgement).GetHelpAndProtection,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.HelpAndProtection = g }},
	{inspection.LookedAfterAndPermanence, (*inspectionv1.Judgement).GetLookedAfterAndPermanence,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.LookedAfterAndPermanence = g }},
	{inspection.AdoptionPerformance, (*inspectionv1.Judgement).GetAdoptionPerformance,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.AdoptionPerformance = g }},
	{inspection.CareLeavers, (*inspectionv1.Judgement).GetCareLeavers,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.CareLeavers = g }},
	{inspection.LeadershipManagementGovernance, (*inspectionv1.Judgement).GetLeadershipManagementGovernance,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.LeadershipManagementGovernance = g }},
	{inspection.LSCB, (*inspectionv1.Judgement).GetLscbReview,
		func(j *inspectionv1.Judgement, g *inspectionv1.GradedJudgement) { j.LscbReview = g }},
}

// fromProto reads the client-settable fields of an Inspection message.
// Output-only fields are ignored (AIP-203). Enum values are carried over by
// name for the domain rules to judge; only what cannot be represented at
// all, an impossible date, is reported here, as a violation under prefix.
func fromProto(m *inspectionv1.Inspection, prefix string) (inspection.Inspection, fault.Violations) {
	var vs fault.Violations
	date := func(field string, d *typev1.Date) time.Time {
		v, _, err := refproto.DateFrom(d)
		if err != nil {
			vs.Add(prefix+field, "%s", err.Error())
		}
		return v
	}
	ins := inspection.Inspection{
		Framework:               inspection.Framework(refproto.EnumName(m.GetFramework(), frameworkPrefix)),
		StartDate:               date("start_date", m.GetStartDate()),
		EndDate:                 date("end_date", m.GetEndDate()),
		LeadInspector:           m.GetLeadInspector(),
		EmergencyRecommendation: m.GetEmergencyRecommendation(),
	}
	if j := m.GetJudgement(); j != nil {
		ins.Judgement = inspection.Judgement{}
		for _, p := range judgementParts {
			if g := p.get(j); g != nil {
				ins.Judgement[p.area] = inspection.GradedJudgement{
					Grade:     reference.Grade(refproto.EnumName(g.GetGrade(), gradePrefix)),
					Narrative: g.GetNarrative(),
				}
			}
		}
	}
	if f := m.GetMonitoringFindings(); f != nil {
		ins.MonitoringFindings = &inspection.MonitoringFindings{
			Findings:  slices.Clone(f.GetFindings()),
			Progress:  inspection.ProgressRating(refproto.EnumName(f.GetProgress(), progressPrefix)),
			Narrative: f.GetNarrative(),
		}
	}
	for _, r := range m.GetRecommendations() {
		ins.Recommendations = append(ins.Recommendations, inspection.Recommendation{
			Text: r.GetText(),
			Area: inspection.Area(refproto.JudgementAreaName(r.GetArea())),
		})
	}
	return ins, vs
}

// notUpdated are the fields an update without update_mask leaves alone
// although the request sets them: the inspection's identity, its etag, and
// what is fixed at creation. AIP-134 derives such an update's mask from
// what the request sets; an explicit mask naming a fixed field is checked
// by the rules instead.
var notUpdated = []string{"name", "etag", "framework", "emergency_recommendation"}

// ToProto renders an inspection as the API returns it, with its etag and
// the warnings its judgement draws. It is also the stored form, whose etag
// and warnings are derived again on read.
func ToProto(ins inspection.Inspection) *inspectionv1.Inspection {
	m := &inspectionv1.Inspection{
		Name:                    ins.Name(),
		Framework:               refproto.Enum[inspectionv1.Framework](frameworkPrefix, ins.Framework),
		State:                   refproto.Enum[inspectionv1.InspectionState](statePrefix, ins.State),
		StartDate:               refproto.Date(ins.StartDate),
		EndDate:                 refproto.Date(ins.EndDate),
		PublishDate:             refproto.Date(ins.PublishDate),
		LeadInspector:           ins.LeadInspector,
		Warnings:                ins.Warnings(),
		EmergencyRecommendation: ins.EmergencyRecommendation,
		Etag:                    change.Format(ins.Version),
		CreateTime:              timestamppb.New(ins.CreateTime),
		UpdateTime:              timestamppb.New(ins.UpdateTime),
		Historical:              ins.Historical,
	}
	for _, w := range ins.PublicationWarnings {
		m.PublicationWarnings = append(m.PublicationWarnings, &inspectionv1.PublicationWarning{Code: w.Code, Message: w.Message})
	}
	if len(ins.Judgement) > 0 {
		m.Judgement = &inspectionv1.Judgement{}
		for _, p := range judgementParts {
			if g, ok := ins.Judgement[p.area]; ok {
				p.set(m.Judgement, &inspectionv1.GradedJudgement{Grade: refproto.Grade(g.Grade), Narrative: g.Narrative})
			}
		}
	}
	if f := ins.MonitoringFindings; f != nil {
		m.MonitoringFindings = &inspectionv1.MonitoringFindings{
			Findings:  slices.Clone(f.Findings),
			Progress:  refproto.Enum[inspectionv1.ProgressRating](progressPrefix, f.Progress),
			Narrative: f.Narrative,
		}
	}
	for _, r := range ins.Recommendations {
		m.Recommendations = append(m.Recommendations, &inspectionv1.Recommendation{
			Text: r.Text,
			Area: refproto.JudgementArea(string(r.Area)),
		})
	}
	return m
}

// FromStored reads a stored inspection at version. Stored data was
// validated when written, so anything unexpected is corruption and an
// error.
func FromStored(m *inspectionv1.Inspection, version int64) (inspection.Inspection, error) {
	gss, id, err := inspection.ParseName("name", m.GetName())
	if err != nil {
		return inspection.Inspection{}, fmt.Errorf("decode inspection %q: %w", m.GetName(), err)
	}
	bad := func(format string, args ...any) (inspection.Inspection, error) {
		return inspection.Inspection{}, fmt.Errorf("decode inspection %s: %s", m.GetName(), fmt.Sprintf(format, args...))
	}
	ins := inspection.Inspection{
		GSSCode:                 gss,
		ID:                      id,
		Framework:               inspection.Framework(refproto.EnumName(m.GetFramework(), frameworkPrefix)),
		State:                   inspection.State(refproto.EnumName(m.GetState(), statePrefix)),
		LeadInspector:           m.GetLeadInspector(),
		EmergencyRecommendation: m.GetEmergencyRecommendation(),
		Version:                 version,
		CreateTime:              m.GetCreateTime().AsTime(),
		UpdateTime:              m.GetUpdateTime().AsTime(),
		Historical:              m.GetHistorical(),
	}
	for _, w := range m.GetPublicationWarnings() {
		ins.PublicationWarnings = append(ins.PublicationWarnings, inspection.Warning{Code: w.GetCode(), Message: w.GetMessage()})
	}
	if !ins.Framework.Valid() || (ins.State != inspection.Scheduled && ins.State != inspection.Published) {
		return bad("framework %s, state %s", m.GetFramework(), m.GetState())
	}
	if ins.StartDate, _, err = refproto.DateFrom(m.GetStartDate()); err != nil {
		return bad("start date: %v", err)
	}
	if ins.EndDate, _, err = refproto.DateFrom(m.GetEndDate()); err != nil {
		return bad("end date: %v", err)
	}
	if ins.PublishDate, _, err = refproto.DateFrom(m.GetPublishDate()); err != nil {
		return bad("publish date: %v", err)
	}
	if j := m.GetJudgement(); j != nil {
		ins.Judgement = inspection.Judgement{}
		for _, p := range judgementParts {
			g := p.get(j)
			if g == nil {
				continue
			}
			grade, ok := refproto.GradeFrom(g.GetGrade())
			if !ok {
				return bad("grade of %s: %s", p.area, g.GetGrade())
			}
			ins.Judgement[p.area] = inspection.GradedJudgement{Grade: grade, Narrative: g.GetNarrative()}
		}
	}
	if f := m.GetMonitoringFindings(); f != nil {
		ins.MonitoringFindings = &inspection.MonitoringFindings{
			Findings:  append([]string(nil), f.GetFindings()...),
			Narrative: f.GetNarrative(),
		}
		if f.GetProgress() != inspectionv1.ProgressRating_PROGRESS_RATING_UNSPECIFIED {
			ins.MonitoringFindings.Progress = inspection.ProgressRating(refproto.EnumName(f.GetProgress(), progressPrefix))
		}
	}
	for _, r := range m.GetRecommendations() {
		ins.Recommendations = append(ins.Recommendations, inspection.Recommendation{
			Text: r.GetText(),
			Area: inspection.Area(refproto.JudgementAreaName(r.GetArea())),
		})
	}
	return ins, nil
}
