package concernapi

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Proto enum prefixes; the domain names values without them.
const (
	kindPrefix     = "CONCERN_KIND_"
	severityPrefix = "SEVERITY_"
	statePrefix    = "RECOMMENDATION_STATE_"
)

// kindFromProto returns the domain kind of k: "" for UNSPECIFIED, and a
// name no kind has for a number the contract does not define, so
// validation reports it instead of mistaking it for a missing value.
func kindFromProto(k inspectionv1.ConcernKind) concern.Kind {
	if k == inspectionv1.ConcernKind_CONCERN_KIND_UNSPECIFIED {
		return ""
	}
	return concern.Kind(strings.TrimPrefix(k.String(), kindPrefix))
}

// kindToProto returns the proto enum value of k.
func kindToProto(k concern.Kind) inspectionv1.ConcernKind {
	return inspectionv1.ConcernKind(inspectionv1.ConcernKind_value[kindPrefix+string(k)])
}

// severityFromProto is kindFromProto for severities.
func severityFromProto(s inspectionv1.Severity) concern.Severity {
	if s == inspectionv1.Severity_SEVERITY_UNSPECIFIED {
		return ""
	}
	return concern.Severity(strings.TrimPrefix(s.String(), severityPrefix))
}

// severityToProto returns the proto enum value of s.
func severityToProto(s concern.Severity) inspectionv1.Severity {
	return inspectionv1.Severity(inspectionv1.Severity_value[severityPrefix+string(s)])
}

// stateToProto returns the proto enum value of s.
func stateToProto(s concern.State) inspectionv1.RecommendationState {
	return inspectionv1.RecommendationState(inspectionv1.RecommendationState_value[statePrefix+string(s)])
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
		Kind:         kindFromProto(m.GetKind()),
		Severity:     severityFromProto(m.GetSeverity()),
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
