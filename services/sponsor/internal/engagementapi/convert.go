package engagementapi

import (
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// draftFromProto reads the client-settable fields of a Deployment message:
// date, role, staff_days and notes. Output-only fields (name, recorded_by,
// create_time) are ignored (AIP-203). A date that is no calendar date is a
// violation under prefix; the rest is left for Draft.Validate.
func draftFromProto(m *sponsorv1.Deployment, prefix string) (engagement.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetDate())
	if err != nil {
		vs.Add(prefix+"date", "%v", err)
	}
	return engagement.Draft{
		Date:      date,
		Role:      engagement.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		StaffDays: m.GetStaffDays(),
		Notes:     m.GetNotes(),
	}, vs
}

// periodFromProto reads a statement's period, reporting every problem on
// field and its start and end.
func periodFromProto(r *typev1.DateRange, field string) (engagement.Period, fault.Violations) {
	var vs fault.Violations
	if r == nil {
		vs.Add(field, "is required: the first and last days of the statement, at most a year apart")
		return engagement.Period{}, vs
	}
	start, _, startErr := refproto.DateFrom(r.GetStart())
	if startErr != nil {
		vs.Add(field+".start", "%v", startErr)
	}
	end, _, endErr := refproto.DateFrom(r.GetEnd())
	if endErr != nil {
		vs.Add(field+".end", "%v", endErr)
	}
	p := engagement.Period{Start: start, End: end}
	if startErr == nil && endErr == nil {
		vs = append(vs, p.Validate(field+".")...)
	}
	return p, vs
}

// statementProto renders a compensation statement.
func statementProto(s engagement.Statement) *sponsorv1.CompensationStatement {
	m := &sponsorv1.CompensationStatement{
		Sponsor:        engagement.SponsorName(s.Sponsor),
		Period:         &typev1.DateRange{Start: refproto.Date(s.Period.Start), End: refproto.Date(s.Period.End)},
		DayRatePence:   s.DayRatePence,
		TotalStaffDays: s.TotalDays.StaffDays(),
		TotalPence:     s.TotalPence,
	}
	for _, c := range s.Councils {
		m.Councils = append(m.Councils, &sponsorv1.CouncilCompensation{
			LocalAuthority: engagement.CouncilName(c.Council),
			StaffDays:      c.Days.StaffDays(),
			AmountPence:    c.AmountPence,
		})
	}
	return m
}

// Enum name prefixes of the proto enums engagements use.
const (
	statePrefix = "ENGAGEMENT_STATE_"
	rolePrefix  = "STAFF_ROLE_"
)

// encode renders e as the API message, with its etag.
func encode(e engagement.Engagement) *sponsorv1.Engagement {
	return &sponsorv1.Engagement{
		Name:              e.Name(),
		LocalAuthority:    e.CouncilName(),
		Need:              e.Need,
		MatchRun:          e.MatchRun,
		StartDate:         refproto.Date(e.StartDate),
		PlannedStaffDays:  int32(e.PlannedStaffDays),
		DeployedStaffDays: e.Deployed.StaffDays(),
		State:             sponsorv1.EngagementState(sponsorv1.EngagementState_value[statePrefix+string(e.State)]),
		Etag:              change.Format(e.Version),
		CreateTime:        timestamppb.New(e.CreateTime),
	}
}

// encodeDeployment renders d as the API message.
func encodeDeployment(d engagement.Deployment) *sponsorv1.Deployment {
	return &sponsorv1.Deployment{
		Name:       d.Name(),
		Date:       refproto.Date(d.Date),
		Role:       sponsorv1.StaffRole(sponsorv1.StaffRole_value[rolePrefix+string(d.Role)]),
		StaffDays:  d.HalfDays.StaffDays(),
		Notes:      d.Notes,
		RecordedBy: d.RecordedBy,
		CreateTime: timestamppb.New(d.CreateTime),
	}
}
