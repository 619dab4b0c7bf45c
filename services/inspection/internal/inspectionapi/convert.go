package inspectionapi

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

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
		Framework:               inspectionv1.Framework(inspectionv1.Framework_value[frameworkPrefix+string(ins.Framework)]),
		State:                   inspectionv1.InspectionState(inspectionv1.InspectionState_value[statePrefix+string(ins.State)]),
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
			Progress:  inspectionv1.ProgressRating(inspectionv1.ProgressRating_value[progressPrefix+string(f.Progress)]),
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
