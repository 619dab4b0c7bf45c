package planstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// storedSchema versions the stored form, so a later change of it can tell
// old records from new ones.
const storedSchema = 1

// The stored form of a plan is JSON with its own field names, kept apart
// from the domain types so that renaming a Go field never breaks stored
// data, and from the API message, which lacks the key judgements the
// credibility rules need. Operators can read it with redis-cli.
type storedPlan struct {
	Schema           int                `json:"schema"`
	GSSCode          string             `json:"gss_code"`
	ID               string             `json:"id"`
	Inspection       string             `json:"inspection"`
	JudgementDate    time.Time          `json:"judgement_date"`
	Deadline         time.Time          `json:"deadline"`
	OriginalDeadline time.Time          `json:"original_deadline"`
	State            string             `json:"state"`
	KeyJudgements    map[string]string  `json:"key_judgements,omitempty"`
	Priorities       []storedPriority   `json:"priorities,omitempty"`
	Extensions       []storedExtension  `json:"extensions,omitempty"`
	History          []storedTransition `json:"history,omitempty"`
	Intervention     string             `json:"intervention,omitempty"`
	CreateTime       time.Time          `json:"create_time"`
	UpdateTime       time.Time          `json:"update_time"`
}

type storedPriority struct {
	ID              string         `json:"id"`
	Area            string         `json:"area"`
	JudgementGrade  string         `json:"judgement_grade,omitempty"`
	TargetGrade     string         `json:"target_grade,omitempty"`
	Recommendations []string       `json:"recommendations,omitempty"`
	Actions         []storedAction `json:"actions,omitempty"`
}

type storedAction struct {
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	OwnerRole     string           `json:"owner_role,omitempty"`
	DueDate       time.Time        `json:"due_date,omitzero"`
	Indicator     *storedIndicator `json:"indicator,omitempty"`
	Milestone     *storedMilestone `json:"milestone,omitempty"`
	Status        string           `json:"status,omitempty"`
	EvidenceNotes []string         `json:"evidence_notes,omitempty"`
}

type storedIndicator struct {
	Name     string  `json:"name"`
	Baseline float64 `json:"baseline"`
	Target   float64 `json:"target"`
}

// legacyIndicatorPrefix is the prefix of the Indicator enum's value names.
// Plans stored while the API took an action's indicator as free text may
// hold the full enum name (INDICATOR_AGENCY_RATE) where the stored form
// keeps the name without it (AGENCY_RATE).
const legacyIndicatorPrefix = "INDICATOR_"

// legacyIndicatorName is the stored indicator name as the domain names it.
// Any other text such a plan holds is kept as it is, for the credibility
// check to report.
func legacyIndicatorName(name string) string {
	return strings.TrimPrefix(name, legacyIndicatorPrefix)
}

type storedMilestone struct {
	Milestone        string `json:"milestone"`
	EvidenceExpected string `json:"evidence_expected,omitempty"`
}

type storedExtension struct {
	PreviousDeadline time.Time `json:"previous_deadline"`
	NewDeadline      time.Time `json:"new_deadline"`
	Reason           string    `json:"reason"`
	ExtendedBy       string    `json:"extended_by"`
	Time             time.Time `json:"time"`
}

type storedTransition struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
}

// marshal encodes p's stored form; its version lives beside it in the
// record.
func marshal(p plan.Plan) ([]byte, error) {
	s := storedPlan{
		Schema: storedSchema, GSSCode: p.GSSCode, ID: p.ID, Inspection: p.Inspection,
		JudgementDate: p.JudgementDate, Deadline: p.Deadline, OriginalDeadline: p.OriginalDeadline,
		State: string(p.State), Intervention: p.Intervention, CreateTime: p.CreateTime, UpdateTime: p.UpdateTime,
	}
	if len(p.KeyJudgements) > 0 {
		s.KeyJudgements = make(map[string]string, len(p.KeyJudgements))
		for a, g := range p.KeyJudgements {
			s.KeyJudgements[a] = string(g)
		}
	}
	for _, pr := range p.Priorities {
		sp := storedPriority{
			ID: pr.ID, Area: pr.Area, JudgementGrade: string(pr.JudgementGrade), TargetGrade: string(pr.TargetGrade),
			Recommendations: slices.Clone(pr.Recommendations),
		}
		for _, a := range pr.Actions {
			sa := storedAction{
				ID: a.ID, Title: a.Title, OwnerRole: a.OwnerRole, DueDate: a.DueDate, Status: string(a.Status),
				EvidenceNotes: slices.Clone(a.EvidenceNotes),
			}
			if i := a.Measure.Indicator; i != nil {
				sa.Indicator = &storedIndicator{Name: i.Name, Baseline: i.Baseline, Target: i.Target}
			}
			if m := a.Measure.Milestone; m != nil {
				sa.Milestone = &storedMilestone{Milestone: m.Milestone, EvidenceExpected: m.EvidenceExpected}
			}
			sp.Actions = append(sp.Actions, sa)
		}
		s.Priorities = append(s.Priorities, sp)
	}
	for _, e := range p.Extensions {
		s.Extensions = append(s.Extensions, storedExtension(e))
	}
	for _, h := range p.History {
		s.History = append(s.History, storedTransition{From: string(h.From), To: string(h.To), Actor: h.Actor, Reason: h.Reason, Time: h.Time})
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode improvement plan %s: %w", p.Name(), err)
	}
	return b, nil
}

// unmarshal reads a stored plan at version. Stored data was validated when
// written, so anything unexpected is corruption and an error.
func unmarshal(data []byte, version int64) (plan.Plan, error) {
	var s storedPlan
	if err := json.Unmarshal(data, &s); err != nil {
		return plan.Plan{}, fmt.Errorf("decode improvement plan: %w", err)
	}
	if s.Schema != storedSchema {
		return plan.Plan{}, fmt.Errorf("decode improvement plan %s: stored schema %d, want %d", plan.Name(s.GSSCode, s.ID), s.Schema, storedSchema)
	}
	p := plan.Plan{
		GSSCode: s.GSSCode, ID: s.ID, Inspection: s.Inspection,
		JudgementDate: s.JudgementDate.UTC(), Deadline: s.Deadline.UTC(), OriginalDeadline: s.OriginalDeadline.UTC(),
		State: plan.State(s.State), Intervention: s.Intervention, Version: version,
		CreateTime: s.CreateTime.UTC(), UpdateTime: s.UpdateTime.UTC(),
	}
	if !p.State.Valid() || !reference.ValidGSSCode(p.GSSCode) || !resource.ValidID(p.ID) {
		return plan.Plan{}, fmt.Errorf("decode improvement plan %s: state %q", p.Name(), s.State)
	}
	if len(s.KeyJudgements) > 0 {
		p.KeyJudgements = make(map[string]reference.Grade, len(s.KeyJudgements))
		for a, g := range s.KeyJudgements {
			p.KeyJudgements[a] = reference.Grade(g)
		}
	}
	for _, sp := range s.Priorities {
		pr := plan.Priority{
			ID: sp.ID, Area: sp.Area, JudgementGrade: reference.Grade(sp.JudgementGrade),
			TargetGrade: reference.Grade(sp.TargetGrade), Recommendations: sp.Recommendations,
		}
		for _, sa := range sp.Actions {
			a := plan.Action{
				ID: sa.ID, Title: sa.Title, OwnerRole: sa.OwnerRole, DueDate: sa.DueDate.UTC(),
				Status: plan.ActionStatus(sa.Status), EvidenceNotes: sa.EvidenceNotes,
			}
			if i := sa.Indicator; i != nil {
				a.Measure.Indicator = &plan.Indicator{Name: legacyIndicatorName(i.Name), Baseline: i.Baseline, Target: i.Target}
			}
			if m := sa.Milestone; m != nil {
				a.Measure.Milestone = &plan.Milestone{Milestone: m.Milestone, EvidenceExpected: m.EvidenceExpected}
			}
			pr.Actions = append(pr.Actions, a)
		}
		p.Priorities = append(p.Priorities, pr)
	}
	for _, e := range s.Extensions {
		e.PreviousDeadline, e.NewDeadline, e.Time = e.PreviousDeadline.UTC(), e.NewDeadline.UTC(), e.Time.UTC()
		p.Extensions = append(p.Extensions, plan.Extension(e))
	}
	for _, h := range s.History {
		p.History = append(p.History, plan.StateChange{
			From: plan.State(h.From), To: plan.State(h.To), Actor: h.Actor, Reason: h.Reason, Time: h.Time.UTC(),
		})
	}
	p.Stored = p.Recorded()
	return p, nil
}
