// Package events holds the improvement-plan service's consumers of other
// services' events, one file per event.
//
// JudgementPublished, from the inspection service: when Ofsted publishes a
// judgement, an inadequate overall grade opens a draft
// plan for the council, exactly one per judgement however often the event
// is delivered, and schedules its deadline (unless the event flags the
// judgement historical, an import of the past: that opens no plan); a graded judgement that is not
// inadequate, published on or after the judgement behind a council's live
// plan, moves that plan to IMPROVED.
//
// An inadequate judgement opens a plan even when the council has a live one
// from an earlier judgement: the new judgement brings its own priorities
// and its own clock, and the earlier plan keeps its course until DfE
// decides on it or closes it.
//
// The service learns about judgements only from JudgementPublished events;
// Consume decodes them into a Judgement and hands them to Handle. Handle is
// idempotent, as at-least-once delivery requires.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Topic and Group are where the judgements come from: the inspection
// service's topic, read by this service's consumer group, which its
// replicas share.
const (
	Topic = "inspection"
	Group = "improvementplan"
)

// maxAttempts bounds the re-reads after a concurrent change to a plan.
const maxAttempts = 5

// Judgement is a published judgement as the event tells it.
type Judgement struct {
	// Inspection is the inspection's resource name,
	// localAuthorities/{gss}/inspections/{id}.
	Inspection string
	// GSSCode is the council's code.
	GSSCode string
	// Framework is the inspection framework, such as SIF.
	Framework string
	// Overall is the overall effectiveness grade; "" for a monitoring
	// visit, which grades nothing.
	Overall reference.Grade
	// KeyJudgements are the grades by area name.
	KeyJudgements map[string]reference.Grade
	// Recommendations are "AREA: text".
	Recommendations []string
	// PublishDate is the publication date, midnight UTC.
	PublishDate time.Time
	// Historical reports a judgement imported as the record of the past
	// (the event's historical flag): it opens no plan, whose clock would
	// have run out long ago.
	Historical bool
}

// Plans is what the handler needs of the plan store; *planstore.Plans
// implements it.
type Plans interface {
	// OpenFromJudgement stores a plan opened from a judgement exactly once
	// per inspection, returning the stored plan and whether this call
	// created it.
	OpenFromJudgement(ctx context.Context, p plan.Plan, cause events.Event) (plan.Plan, bool, error)
	// Open returns the council's live plans.
	Open(ctx context.Context, gss string) ([]plan.Plan, error)
	// Get returns the plan or an error matching plan.ErrNotFound.
	Get(ctx context.Context, gss, id string) (plan.Plan, error)
	// Save stores p, changed from version p.Version, with the audit entry
	// of r; a plan that moved since gives an error matching
	// plan.ErrConflict.
	Save(ctx context.Context, p plan.Plan, r change.Request) (plan.Plan, error)
}

// Options configure a Handler.
type Options struct {
	// DeadlineMonths is the time a council has from the judgement's
	// publication; zero or less means plan.DefaultDeadlineMonths.
	DeadlineMonths int
	// Now is the clock recorded in plan history; default time.Now.
	Now func() time.Time
	// Logger records the plans opened and improved; default slog.Default().
	Logger *slog.Logger
}

// Handler applies published judgements to plans.
type Handler struct {
	plans     Plans
	deadlines deadline.Rescheduler
	months    int
	now       func() time.Time
	logger    *slog.Logger
}

// New returns a Handler that keeps plans in plans and their deadline jobs in
// deadlines.
func New(plans Plans, deadlines deadline.Rescheduler, opts Options) *Handler {
	if opts.DeadlineMonths <= 0 {
		opts.DeadlineMonths = plan.DefaultDeadlineMonths
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Handler{plans: plans, deadlines: deadlines, months: opts.DeadlineMonths, now: opts.Now, logger: opts.Logger}
}

// Consume is the consumer's handler for the inspection topic. An event it
// cannot read fails, so the consumer retries it and finally moves it to
// the dead-letter stream where an operator sees it.
func (h *Handler) Consume(ctx context.Context, e events.Event) error {
	msg, ok, err := events.As[eventsv1.JudgementPublished](e)
	if !ok || err != nil {
		return err
	}
	j, err := judgementFrom(msg)
	if err != nil {
		return fmt.Errorf("improvementplan: event %s: %w", e.ID, err)
	}
	res, err := h.Handle(ctx, j, e)
	if err != nil {
		return err
	}
	if res.Opened != nil && res.Created {
		h.logger.InfoContext(ctx, "improvement plan opened", "plan", res.Opened.Name(),
			"inspection", j.Inspection, "deadline", res.Opened.Deadline.Format("2006-01-02"))
	}
	for _, p := range res.Improved {
		h.logger.InfoContext(ctx, "improvement plan improved", "plan", p.Name(), "inspection", j.Inspection)
	}
	return nil
}

// judgementFrom reads the event payload into the form the rules take.
func judgementFrom(m *eventsv1.JudgementPublished) (Judgement, error) {
	gss, ok := strings.CutPrefix(m.GetLocalAuthority(), resource.Councils+"/")
	if !ok || !reference.ValidGSSCode(gss) {
		return Judgement{}, fmt.Errorf("local_authority %q is not localAuthorities/{gss_code}", m.GetLocalAuthority())
	}
	published, ok, err := refproto.DateFrom(m.GetPublishDate())
	if err != nil || !ok {
		return Judgement{}, fmt.Errorf("judgement %s: publish_date %v is not a date (%v)", m.GetInspection(), m.GetPublishDate(), err)
	}
	j := Judgement{
		Inspection:      m.GetInspection(),
		GSSCode:         gss,
		Framework:       m.GetFramework(),
		Recommendations: m.GetRecommendations(),
		PublishDate:     published,
		Historical:      m.GetHistorical(),
	}
	if g, ok := refproto.GradeFrom(m.GetOverallGrade()); ok {
		j.Overall = g
	}
	if len(m.GetKeyJudgements()) > 0 {
		j.KeyJudgements = make(map[string]reference.Grade, len(m.GetKeyJudgements()))
		for area, grade := range m.GetKeyJudgements() {
			if g, ok := refproto.GradeFrom(grade); ok {
				j.KeyJudgements[area] = g
			}
		}
	}
	return j, nil
}

// Result says what Handle did.
type Result struct {
	// Opened is the plan the judgement opened, or found already opened by
	// an earlier delivery (then Created is false).
	Opened  *plan.Plan
	Created bool
	// Improved are the plans the judgement moved to IMPROVED.
	Improved []plan.Plan
}

// Handle applies the judgement j, which the event cause carried: its ID
// becomes the audit entries' request ID, and its type their method. A
// judgement without an overall grade (a monitoring visit) changes nothing,
// and neither does a historical inadequate judgement: it is the record of
// the past, and a plan opened from it would reach its decision at once.
// A historical judgement that is not inadequate still supersedes the live
// plans of earlier judgements, as any later judgement does.
// Handle is safe to call again with the same judgement, concurrently too.
func (h *Handler) Handle(ctx context.Context, j Judgement, cause events.Event) (Result, error) {
	if !reference.ValidGSSCode(j.GSSCode) {
		return Result{}, fmt.Errorf("judgements: judgement %s: council %q is not a GSS code", j.Inspection, j.GSSCode)
	}
	switch {
	case j.Overall == "":
		return Result{}, nil
	case j.Overall == reference.Inadequate && j.Historical:
		return Result{}, nil
	case j.Overall == reference.Inadequate:
		p, created, err := h.open(ctx, j, cause)
		if err != nil {
			return Result{}, err
		}
		return Result{Opened: &p, Created: created}, nil
	default:
		improved, err := h.improve(ctx, j, cause)
		return Result{Improved: improved}, err
	}
}

// open opens the judgement's plan, or finds the one an earlier delivery
// opened, and schedules its deadline either way: a delivery that died
// between the two is repaired by the redelivery.
func (h *Handler) open(ctx context.Context, j Judgement, cause events.Event) (plan.Plan, bool, error) {
	draft := plan.Open(plan.OpenInput{
		GSSCode:         j.GSSCode,
		Inspection:      j.Inspection,
		JudgementDate:   j.PublishDate,
		KeyJudgements:   j.KeyJudgements,
		Recommendations: j.Recommendations,
		DeadlineMonths:  h.months,
	}, h.now())
	p, created, err := h.plans.OpenFromJudgement(ctx, draft, cause)
	if err != nil {
		return plan.Plan{}, false, fmt.Errorf("judgements: open a plan for %s: %w", j.Inspection, err)
	}
	if err := h.deadlines.Reschedule(ctx, p); err != nil {
		return plan.Plan{}, false, fmt.Errorf("judgements: plan %s: %w", p.Name(), err)
	}
	return p, created, nil
}

// improve moves the council's live plans that the judgement supersedes to
// IMPROVED. A plan is superseded by a judgement other than its own,
// published on or after its own: an older judgement delivered late says
// nothing about a newer plan.
func (h *Handler) improve(ctx context.Context, j Judgement, cause events.Event) ([]plan.Plan, error) {
	live, err := h.plans.Open(ctx, j.GSSCode)
	if err != nil {
		return nil, fmt.Errorf("judgements: live plans of %s: %w", j.GSSCode, err)
	}
	var out []plan.Plan
	for _, p := range live {
		saved, changed, err := h.improveOne(ctx, p, j, cause)
		if err != nil {
			return out, err
		}
		if changed {
			out = append(out, saved)
		}
	}
	return out, nil
}

// supersedes reports whether j moves p to IMPROVED.
func supersedes(j Judgement, p plan.Plan) bool {
	return p.Open() && p.Inspection != j.Inspection && !plan.Day(j.PublishDate).Before(p.JudgementDate)
}

// improveOne moves p to IMPROVED, re-reading it after a concurrent change,
// and cancels its deadline job.
func (h *Handler) improveOne(ctx context.Context, p plan.Plan, j Judgement, cause events.Event) (plan.Plan, bool, error) {
	for attempt := range maxAttempts {
		if attempt > 0 {
			cur, err := h.plans.Get(ctx, p.GSSCode, p.ID)
			if err != nil {
				return plan.Plan{}, false, fmt.Errorf("judgements: re-read %s: %w", p.Name(), err)
			}
			p = cur
		}
		if !supersedes(j, p) {
			return p, false, nil
		}
		next := p.Clone()
		now := h.now()
		reason := fmt.Sprintf("the %s judgement of %s published on %s graded overall effectiveness %s",
			j.Framework, j.Inspection, plan.Day(j.PublishDate).Format(time.DateOnly), j.Overall)
		if err := next.Transition(plan.Improved, plan.ServiceActor, reason, now); err != nil {
			return plan.Plan{}, false, fmt.Errorf("judgements: %s: %w", p.Name(), err)
		}
		saved, err := h.plans.Save(ctx, next, change.Request{Subject: plan.ServiceActor, Method: cause.Type, RequestID: cause.ID})
		if errors.Is(err, plan.ErrConflict) {
			continue
		}
		if err != nil {
			return plan.Plan{}, false, fmt.Errorf("judgements: %s improved: %w", p.Name(), err)
		}
		if err := h.deadlines.Reschedule(ctx, saved); err != nil {
			return plan.Plan{}, false, fmt.Errorf("judgements: plan %s: %w", saved.Name(), err)
		}
		return saved, true, nil
	}
	return plan.Plan{}, false, fmt.Errorf("judgements: %s kept changing for %d attempts: %w", p.Name(), maxAttempts, plan.ErrConflict)
}
