package plan

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// ErrConflict is what a Storer returns when a write's pinned version
// moved: ABORTED with reason ETAG_MISMATCH.
var ErrConflict = change.ErrConflict

// Storer is the storage the plan use cases need; planstore implements it.
// Writes are pinned to the version the plan was read at and fail with an
// error matching ErrConflict when it moved. Each commits the plan, its
// audit entry (naming r) and, when r carries a request ID and hash, the
// plan to replay, in one transaction.
type Storer interface {
	usecase.CouncilRecords[Plan]
}

// Reader reads plans: what the use cases of the records kept beside a
// plan (progress reviews, interventions) need of it.
type Reader interface {
	// Get returns the plan, or an error matching ErrNotFound.
	Get(ctx context.Context, gss, id string) (Plan, error)
}

// Rescheduler keeps the deadline clock in step with a plan whose deadline
// or state has just changed and been committed. Reschedule is idempotent,
// and a call lost to a crash is repaired by the clock's own
// reconciliation. The deadline clock implements it.
type Rescheduler interface {
	Reschedule(ctx context.Context, p Plan) error
}

// Reviewed is a plan as the API shows it: with the overall ratings of its
// progress reviews, oldest first, as ProgressRating names.
type Reviewed struct {
	Plan
	Ratings []string
}

// Service carries out the plan use cases over a Storer: reads, the
// council's updates, and DfE's actions, each a read-modify-write of one
// plan.
type Service struct {
	usecase.Core[Storer]
	ratings   RatingSource
	deadlines Rescheduler
}

// NewService returns the plan use cases over st. ratings gives each plan's
// progress review ratings (nil shows none); deadlines, when not nil, is
// told about every committed change of a plan's deadline or state, so the
// deadline job follows at once rather than at the clock's next
// reconciliation; now is the clock (nil means time.Now).
func NewService(st Storer, ratings RatingSource, deadlines Rescheduler, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now), ratings: ratings, deadlines: deadlines}
}

// Get returns plan id of the council gss with its ratings, or an error
// matching ErrNotFound.
func (s *Service) Get(ctx context.Context, gss, id string) (Reviewed, error) {
	p, err := s.Store.Get(ctx, gss, id)
	if err != nil {
		return Reviewed{}, err
	}
	return s.reviewed(ctx, p)
}

// Check runs the credibility rules on plan id of the council gss, in any
// state.
func (s *Service) Check(ctx context.Context, gss, id string) ([]Check, error) {
	p, err := s.Store.Get(ctx, gss, id)
	if err != nil {
		return nil, err
	}
	return p.Check(), nil
}

// Page is one page of a plan list.
type Page struct {
	Plans []Reviewed
	// Total is the number of plans the list selects.
	Total int
}

// List returns the plans of the council gss (or of every council, for
// AllCouncils) that f selects, ordered by order (see Select), from offset,
// at most size of them, with their ratings. keep, when not nil, says which
// councils' plans the caller may see: the others are left out before
// anything is counted.
func (s *Service) List(ctx context.Context, gss string, keep func(gss string) bool, f *filter.Filter, order filter.Order, offset int64, size int32) (Page, error) {
	all, err := s.Store.List(ctx, gss)
	if err != nil {
		return Page{}, err
	}
	if keep != nil {
		all = slices.DeleteFunc(all, func(p Plan) bool { return !keep(p.GSSCode) })
	}
	selected := Select(all, f, order)
	start := int(min(offset, int64(len(selected))))
	end := min(start+int(size), len(selected))
	page := selected[start:end]
	out := Page{Plans: make([]Reviewed, len(page)), Total: len(selected)}
	for i, p := range page {
		out.Plans[i] = Reviewed{Plan: p}
	}
	if s.ratings == nil || len(page) == 0 {
		return out, nil
	}
	ratings, err := s.ratings.RatingsOf(ctx, page)
	if err != nil {
		return Page{}, err
	}
	for i := range out.Plans {
		out.Plans[i].Ratings = ratings[i]
	}
	return out, nil
}

// Update is an update of a plan's priorities or progress.
type Update struct {
	// Patch holds the request's priorities as sent; Mask says what of them
	// changes (see Apply).
	Patch []Priority
	Mask  Mask
	// Unreadable are violations of what the request holds that could not
	// be read at all (an impossible date); they are reported with what the
	// rules find in the rest, once per field.
	Unreadable fault.Violations
}

// Update applies u to plan id of the council gss (see Plan.Apply).
func (s *Service) Update(ctx context.Context, gss, id string, etag change.Etag, u Update, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error {
		next, err := p.Apply(u.Patch, u.Mask, now)
		if err != nil || len(u.Unreadable) > 0 {
			return joinViolations(u.Unreadable, err)
		}
		*p = next
		return nil
	})
}

// Submit sends the draft plan to DfE (see Plan.Submit).
func (s *Service) Submit(ctx context.Context, gss, id string, etag change.Etag, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error { return p.Submit(r.Subject, now) })
}

// Approve approves the submitted plan for reason (see Plan.Approve).
func (s *Service) Approve(ctx context.Context, gss, id string, etag change.Etag, reason string, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error { return p.Approve(r.Subject, reason, now) })
}

// Return sends the submitted plan back to draft for reason (see
// Plan.Return).
func (s *Service) Return(ctx context.Context, gss, id string, etag change.Etag, reason string, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error { return p.Return(r.Subject, reason, now) })
}

// Extend moves the plan's deadline to newDeadline for reason (see
// Plan.Extend).
func (s *Service) Extend(ctx context.Context, gss, id string, etag change.Etag, newDeadline time.Time, reason string, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error { return p.Extend(newDeadline, reason, r.Subject, now) })
}

// Close closes the plan for reason (see Plan.Close).
func (s *Service) Close(ctx context.Context, gss, id string, etag change.Etag, reason string, r change.Request) (Reviewed, error) {
	return s.change(ctx, gss, id, etag, r, func(p *Plan, now time.Time) error { return p.Close(r.Subject, reason, now) })
}

// change is the read-modify-write of every command: read the plan,
// compare the caller's etag, apply the rule and save the plan pinned to the
// version read, again when a concurrent write moved it. A retry of a call
// that committed is answered with that call's plan (change.Retry). A change
// of state or deadline reschedules the deadline job.
func (s *Service) change(ctx context.Context, gss, id string, etag change.Etag, r change.Request, rule func(p *Plan, now time.Time) error) (Reviewed, error) {
	// read is the plan this call changed, nil when it answers with a
	// committed call's plan instead.
	var read *Plan
	saved, err := change.Retry(ctx, "plan: change "+Name(gss, id), usecase.Replayer[Plan](s.Store, gss, r), func(ctx context.Context) (Plan, error) {
		cur, err := s.Store.Get(ctx, gss, id)
		if err != nil {
			return Plan{}, err
		}
		if err := etag.Check(cur.Version); err != nil {
			return Plan{}, err
		}
		next := cur.Clone()
		if err := rule(&next, s.Now()); err != nil {
			return Plan{}, err
		}
		saved, err := s.Store.Save(ctx, next, r)
		if err == nil {
			read = &cur
		}
		return saved, err
	})
	if err != nil {
		return Reviewed{}, err
	}
	if s.deadlines != nil && read != nil && (saved.State != read.State || !saved.Deadline.Equal(read.Deadline)) {
		// The change stands whatever happens here, and the clock repairs
		// a missed reschedule itself, so a failure is only logged.
		if err := s.deadlines.Reschedule(ctx, saved); err != nil {
			slog.WarnContext(ctx, "plan: reschedule the deadline", "plan", saved.Name(), "err", err)
		}
	}
	return s.reviewed(ctx, saved)
}

// reviewed adds the plan's progress review ratings.
func (s *Service) reviewed(ctx context.Context, p Plan) (Reviewed, error) {
	if s.ratings == nil {
		return Reviewed{Plan: p}, nil
	}
	ratings, err := s.ratings.Ratings(ctx, p.GSSCode, p.ID)
	if err != nil {
		return Reviewed{}, err
	}
	return Reviewed{Plan: p, Ratings: ratings}, nil
}

// joinViolations reports vs with the violations of err, leaving out those
// on a field vs already names (an unreadable date is not also
// "required"). An err that is not INVALID_ARGUMENT is returned as it is.
func joinViolations(vs fault.Violations, err error) error {
	f, ok := fault.As(err)
	if err != nil && (!ok || f.Kind != fault.KindInvalid) {
		return err
	}
	reported := map[string]bool{}
	for _, v := range vs {
		reported[v.Field] = true
	}
	if ok {
		for _, v := range f.Violations {
			if !reported[v.Field] {
				vs = append(vs, v)
			}
		}
	}
	return vs.Err()
}
