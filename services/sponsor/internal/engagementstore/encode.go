package engagementstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/store"

	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

// storedEngagement is an engagement's stored form. It is JSON rather than
// the API message because it keeps what the API does not show: staff time
// in exact half-days, in total and per quarter, from which capacity in use
// is read. The version lives beside the data, not in it.
type storedEngagement struct {
	Sponsor          string           `json:"sponsor"`
	ID               string           `json:"id"`
	Council          string           `json:"council"`
	Need             string           `json:"need"`
	MatchRun         string           `json:"match_run"`
	StartDate        string           `json:"start_date"`
	PlannedStaffDays int              `json:"planned_staff_days"`
	DeployedHalfDays int64            `json:"deployed_half_days"`
	ByQuarter        map[string]int64 `json:"half_days_by_quarter,omitempty"`
	State            string           `json:"state"`
	CreateTime       time.Time        `json:"create_time"`
}

// storedDeployment is a deployment's stored form, JSON like the
// engagement's.
type storedDeployment struct {
	Sponsor    string    `json:"sponsor"`
	Engagement string    `json:"engagement"`
	ID         string    `json:"id"`
	Date       string    `json:"date"`
	Role       string    `json:"role"`
	HalfDays   int64     `json:"half_days"`
	Notes      string    `json:"notes,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	CreateTime time.Time `json:"create_time"`
}

// engagementCodec and deploymentCodec are the stored forms the store keeps.
// They are the store's own, not the API messages, for the reason above.
var (
	engagementCodec = store.Codec[engagement.Engagement]{Encode: marshalEngagement, Decode: decodeEngagement}
	deploymentCodec = store.Codec[engagement.Deployment]{
		Encode: marshalDeployment,
		Decode: func(data []byte, _ int64) (engagement.Deployment, error) { return decodeDeployment(data) },
	}
)

func marshalEngagement(e engagement.Engagement) ([]byte, error) {
	s := storedEngagement{
		Sponsor:          e.Sponsor,
		ID:               e.ID,
		Council:          e.Council,
		Need:             e.Need,
		MatchRun:         e.MatchRun,
		StartDate:        e.StartDate.Format(time.DateOnly),
		PlannedStaffDays: e.PlannedStaffDays,
		DeployedHalfDays: int64(e.Deployed),
		State:            string(e.State),
		CreateTime:       e.CreateTime.UTC(),
	}
	if len(e.ByQuarter) > 0 {
		s.ByQuarter = make(map[string]int64, len(e.ByQuarter))
		for q, h := range e.ByQuarter {
			s.ByQuarter[string(q)] = int64(h)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode engagement %s: %w", e.Name(), err)
	}
	return b, nil
}

// decodeEngagement reads a stored engagement at version. Stored data was
// validated when written, so anything unexpected is corruption and an
// error.
func decodeEngagement(data []byte, version int64) (engagement.Engagement, error) {
	var s storedEngagement
	if err := json.Unmarshal(data, &s); err != nil {
		return engagement.Engagement{}, fmt.Errorf("decode engagement: %w", err)
	}
	start, err := time.Parse(time.DateOnly, s.StartDate)
	if err != nil {
		return engagement.Engagement{}, fmt.Errorf("decode engagement %s: start date: %w", engagement.Name(s.Sponsor, s.ID), err)
	}
	e := engagement.Engagement{
		Sponsor:          s.Sponsor,
		ID:               s.ID,
		Council:          s.Council,
		Need:             s.Need,
		MatchRun:         s.MatchRun,
		StartDate:        start,
		PlannedStaffDays: s.PlannedStaffDays,
		Deployed:         engagement.HalfDays(s.DeployedHalfDays),
		State:            engagement.State(s.State),
		CreateTime:       s.CreateTime.UTC(),
		Version:          version,
	}
	if len(s.ByQuarter) > 0 {
		e.ByQuarter = make(map[engagement.Quarter]engagement.HalfDays, len(s.ByQuarter))
		for q, h := range s.ByQuarter {
			e.ByQuarter[engagement.Quarter(q)] = engagement.HalfDays(h)
		}
	}
	if !engagement.ValidID(e.Sponsor) || !engagement.ValidID(e.ID) || !e.State.Valid() {
		return engagement.Engagement{}, fmt.Errorf("decode engagement: sponsor %q, id %q, state %q", s.Sponsor, s.ID, s.State)
	}
	return e, nil
}

func marshalDeployment(d engagement.Deployment) ([]byte, error) {
	b, err := json.Marshal(storedDeployment{
		Sponsor:    d.Sponsor,
		Engagement: d.Engagement,
		ID:         d.ID,
		Date:       d.Date.Format(time.DateOnly),
		Role:       string(d.Role),
		HalfDays:   int64(d.HalfDays),
		Notes:      d.Notes,
		RecordedBy: d.RecordedBy,
		CreateTime: d.CreateTime.UTC(),
	})
	if err != nil {
		return nil, fmt.Errorf("encode deployment %s: %w", d.Name(), err)
	}
	return b, nil
}

// decodeDeployment reads a stored deployment.
func decodeDeployment(data []byte) (engagement.Deployment, error) {
	var s storedDeployment
	if err := json.Unmarshal(data, &s); err != nil {
		return engagement.Deployment{}, fmt.Errorf("decode deployment: %w", err)
	}
	date, err := time.Parse(time.DateOnly, s.Date)
	if err != nil {
		return engagement.Deployment{}, fmt.Errorf("decode deployment %s: date: %w", s.ID, err)
	}
	d := engagement.Deployment{
		Sponsor:    s.Sponsor,
		Engagement: s.Engagement,
		ID:         s.ID,
		Date:       date,
		Role:       engagement.Role(s.Role),
		HalfDays:   engagement.HalfDays(s.HalfDays),
		Notes:      s.Notes,
		RecordedBy: s.RecordedBy,
		CreateTime: s.CreateTime.UTC(),
	}
	if !d.Role.Valid() || !engagement.ValidID(d.Sponsor) || !engagement.ValidID(d.Engagement) || !engagement.ValidID(d.ID) {
		return engagement.Deployment{}, fmt.Errorf("decode deployment: sponsor %q, engagement %q, id %q, role %q", s.Sponsor, s.Engagement, s.ID, s.Role)
	}
	return d, nil
}
