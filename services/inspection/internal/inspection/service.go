package inspection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// ErrNotFound is what a Storer returns for an inspection it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the inspection does not exist")

// ErrRecommendationAnswered is what the use cases return when asked to
// create an inspection answering an emergency inspection recommendation
// that another inspection already answers: one recommendation, one
// inspection.
var ErrRecommendationAnswered = fault.AlreadyExists(ReasonRecommendationAnswered,
	"an inspection already answers this emergency inspection recommendation")

// Storer is the storage the inspection use cases need. Insert, Save and
// SavePublication are pinned to the versions the records were read at and
// fail with an error matching change.ErrConflict when one moved; each
// commits its records, their audit entries and, when r.RequestID is set,
// the response to replay, in one transaction.
type Storer interface {
	usecase.CouncilRecords[Inspection]
	// Council returns the council gss, or council.ErrNotFound.
	Council(ctx context.Context, gss string) (council.LocalAuthority, error)
	// AnsweredBy returns the ID of the inspection that answers the
	// emergency inspection recommendation named recommendation, if one
	// does.
	AnsweredBy(ctx context.Context, gss, recommendation string) (id string, ok bool, err error)
	// Insert stores a new inspection (GSSCode and ID set) at version 1,
	// and, when it answers an emergency inspection recommendation, the
	// link from the recommendation to it. A taken ID or link conflicts.
	Insert(ctx context.Context, ins Inspection, r change.Request) (Inspection, error)
	// ReadPublication reads, in one round trip, what a publication of
	// inspection id of council gss needs: the inspection a call with
	// r.RequestID committed, if any (Replayed; a reused r.RequestID with
	// another r.RequestHash is an INVALID_ARGUMENT fault), and otherwise
	// the inspection (ErrNotFound when there is none) and the council.
	ReadPublication(ctx context.Context, gss, id string, r change.Request) (Publication, error)
	// SavePublication stores an inspection just published over the
	// version ins.Version, its council's record when la is not nil (over
	// the version la.Version), and the JudgementPublished event, in one
	// transaction.
	SavePublication(ctx context.Context, ins Inspection, la *council.LocalAuthority, r change.Request) (Inspection, error)
	// SaveImport stores imported inspections of council gss, each already
	// published and new (at version 1, failing with change.ErrConflict if
	// its id is taken), the council's record when la is not nil (over the
	// version la.Version), and a JudgementPublished event for each
	// inspection, in one transaction.
	SaveImport(ctx context.Context, gss string, ins []Inspection, la *council.LocalAuthority, r change.Request) error
}

// Publication is what a publication reads before it commits.
type Publication struct {
	// Replayed says a call with the request's request_id committed
	// already, and Previous is its answer; nothing else is read then.
	Replayed bool
	Previous Inspection
	// Inspection is the inspection to publish, as read.
	Inspection Inspection
	// Council is the inspection's council as read, nil when it is not
	// stored.
	Council *council.LocalAuthority
}

// maxAttempts bounds the read-modify-write cycles a change makes when a
// concurrent write moved something the caller did not name by etag (the
// council record during a publication, say).
const maxAttempts = 5

// Service carries out the inspection use cases over a Storer: schedule,
// update, publish, read. It is what the gRPC handlers call, what the
// concern use cases call to schedule an emergency inspection, and what the
// demo data loader uses to create and publish inspections with the same
// rules.
type Service struct {
	usecase.CouncilCore[Inspection, Storer]
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{CouncilCore: usecase.NewCouncil[Inspection](st, now)}
}

// List returns a council's inspections, or every council's for
// AllCouncils, that f matches, in order (see Select). A council the
// service does not know is resource.ErrCouncilNotFound.
func (s *Service) List(ctx context.Context, gss string, q Query) ([]Inspection, error) {
	if _, ok := reference.CouncilByCode(gss); !ok && gss != AllCouncils {
		return nil, resource.ErrCouncilNotFound
	}
	all, err := s.Store.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	out := Select(all, q.Filter, q.Order, q.PublishedOnly)
	if q.Visible != nil {
		out = slices.DeleteFunc(out, func(ins Inspection) bool { return !q.Visible(ins) })
	}
	return out, nil
}

// Published returns every published inspection of every council, in no
// particular order. The inadequacy projection counts judgements from it.
func (s *Service) Published(ctx context.Context) ([]Inspection, error) {
	all, err := s.Store.List(ctx, AllCouncils)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, ins := range all {
		if ins.State == Published {
			out = append(out, ins)
		}
	}
	return out, nil
}

// Schedule creates ins as a SCHEDULED inspection of the council gss and
// returns it as stored. Only the framework and the fieldwork dates are
// required; whatever else ins holds must be valid for its framework (see
// Validate), with violations under "inspection.". A repeat of r.RequestID
// returns the first call's inspection.
func (s *Service) Schedule(ctx context.Context, gss string, ins Inspection, r change.Request) (Inspection, error) {
	return s.schedule(ctx, gss, ins, r, "inspection.")
}

// ScheduleEmergency schedules an EMERGENCY inspection of the council gss
// with fieldwork from start to end (midnight UTC), answering the emergency
// inspection recommendation named recommendation, and returns the
// inspection's resource name. Accepting a recommendation calls it.
//
// It is idempotent per recommendation, which covers idempotency on the
// request ID: once an inspection answers the recommendation, every later
// call returns that inspection's name, whatever its request, so an
// acceptance retried after a failure never schedules two. The accepting
// request keeps its own idempotency record under its request ID, so the
// inspection keeps none. Invalid dates are INVALID_ARGUMENT violations on
// start_date and end_date; an unknown council is NOT_FOUND.
func (s *Service) ScheduleEmergency(ctx context.Context, gss string, start, end time.Time, recommendation string, r change.Request) (string, error) {
	if !reference.ValidGSSCode(gss) {
		return "", resource.ErrCouncilNotFound.With("local_authority", gss)
	}
	if recommendation == "" {
		return "", fault.Field("emergency_recommendation", "is required: an emergency inspection is scheduled to answer a recommendation")
	}
	if id, ok, err := s.Store.AnsweredBy(ctx, gss, recommendation); err != nil || ok {
		return Name(gss, id), err
	}
	r.RequestID, r.RequestHash = "", nil
	ins := Inspection{Framework: Emergency, StartDate: start, EndDate: end, EmergencyRecommendation: recommendation}
	out, err := s.schedule(ctx, gss, ins, r, "")
	if errors.Is(err, ErrRecommendationAnswered) {
		// A concurrent acceptance answered it first.
		if id, ok, rerr := s.Store.AnsweredBy(ctx, gss, recommendation); rerr != nil || ok {
			return Name(gss, id), rerr
		}
	}
	if err != nil {
		return "", err
	}
	return out.Name(), nil
}

func (s *Service) schedule(ctx context.Context, gss string, ins Inspection, r change.Request, prefix string) (Inspection, error) {
	replay := usecase.Replayer[Inspection](s.Store, gss, r)
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed), a concurrent answer to the same
	// recommendation, or a fresh ID taken.
	return change.Retry(ctx, "inspection: schedule an inspection of "+gss, replay, func(ctx context.Context) (Inspection, error) {
		now := s.Now()
		ins = ins.Clone()
		ins.GSSCode = gss
		ins.State = Scheduled
		ins.PublishDate = time.Time{}
		ins.Version = 0
		ins.CreateTime, ins.UpdateTime = now, now
		if err := ins.Validate(prefix, now); err != nil {
			return Inspection{}, err
		}
		// An inspection is never filed under a council the service does
		// not hold.
		if _, err := s.Store.Council(ctx, gss); errors.Is(err, council.ErrNotFound) {
			return Inspection{}, resource.ErrCouncilNotFound
		} else if err != nil {
			return Inspection{}, fmt.Errorf("inspection: schedule an inspection of %s: %w", gss, err)
		}
		if rec := ins.EmergencyRecommendation; rec != "" {
			if _, answered, err := s.Store.AnsweredBy(ctx, gss, rec); err != nil {
				return Inspection{}, err
			} else if answered {
				return Inspection{}, ErrRecommendationAnswered.With("emergency_recommendation", rec)
			}
		}
		ins.ID = resource.NewID()
		return s.Store.Insert(ctx, ins, r)
	})
}

// Update replaces the fields of inspection id of council gss that m names
// with patch's. etag is the version the caller read; it must be current.
// A published inspection cannot change (ErrPublished); a stale etag gives
// change.ErrConflict; an invalid result gives INVALID_ARGUMENT violations.
func (s *Service) Update(ctx context.Context, gss, id string, patch Inspection, m Mask, etag change.Etag, r change.Request) (Inspection, error) {
	return s.Change(ctx, "inspection: change "+Name(gss, id), gss, id, r, func(cur Inspection) (Inspection, error) {
		if err := changeable(cur, etag); err != nil {
			return Inspection{}, err
		}
		return cur.Apply(patch, m, s.Now())
	})
}

// Publish publishes inspection id of council gss on date: it becomes
// PUBLISHED and, unless it is a monitoring visit, the council's latest
// judgement, and JudgementPublished is emitted. etag, when given, must be
// current. A repeat of r.RequestID returns the first call's inspection; any
// other second publication is ErrPublished. See Inspection.Publish for the
// rules.
//
// Publish takes no account of the improvement window, as the demo loader
// needs; the PublishJudgement RPC calls PublishAs.
func (s *Service) Publish(ctx context.Context, gss, id string, date time.Time, etag change.Etag, r change.Request) (Inspection, error) {
	return s.publish(ctx, gss, id, etag, r, func(cur Inspection, now time.Time) (Inspection, error) {
		return cur.Publish(date, now)
	})
}

// PublishAs is Publish with the improvement window applied (see
// Inspection.PublishAs): a judgement whose six months have passed is
// recorded as history, with a warning, unless live.
func (s *Service) PublishAs(ctx context.Context, gss, id string, date time.Time, live bool, etag change.Etag, r change.Request) (Inspection, error) {
	return s.publish(ctx, gss, id, etag, r, func(cur Inspection, now time.Time) (Inspection, error) {
		return cur.PublishAs(date, now, live)
	})
}

// publish is the read-modify-write cycle of Publish: each attempt reads
// the answer to replay, the inspection and its council in one round trip
// (ReadPublication), applies the rule and commits.
func (s *Service) publish(ctx context.Context, gss, id string, etag change.Etag, r change.Request,
	rule func(cur Inspection, now time.Time) (Inspection, error),
) (Inspection, error) {
	return change.Retry(ctx, "inspection: change "+Name(gss, id), usecase.Replayer[Inspection](s.Store, gss, r), func(ctx context.Context) (Inspection, error) {
		p, err := s.Store.ReadPublication(ctx, gss, id, r)
		if err != nil || p.Replayed {
			return p.Previous, err
		}
		cur := p.Inspection
		if err := changeable(cur, etag); err != nil {
			return Inspection{}, err
		}
		now := s.Now()
		next, err := rule(cur, now)
		if err != nil {
			return Inspection{}, err
		}
		la, err := latestJudgement(next, p.Council, now)
		if err != nil {
			return Inspection{}, err
		}
		return s.Store.SavePublication(ctx, next, la, r)
	})
}

// latestJudgement is the council's record (la, as read) as the
// publication of ins leaves it, or nil when it does not change: a
// monitoring visit has no grade, and an older judgement published late
// leaves the latest one (and the council's etag) as they are.
func latestJudgement(ins Inspection, la *council.LocalAuthority, now time.Time) (*council.LocalAuthority, error) {
	latest, ok := ins.Latest()
	if !ok {
		return nil, nil
	}
	if la == nil {
		return nil, fmt.Errorf("inspection: publish %s: read council: %w", ins.Name(), council.ErrNotFound)
	}
	next := la.WithJudgement(latest)
	if sameJudgement(*la, next) {
		return nil, nil
	}
	next.UpdateTime = now
	return &next, nil
}

func sameJudgement(a, b council.LocalAuthority) bool {
	if a.InspectedUnderSIF != b.InspectedUnderSIF || (a.Latest == nil) != (b.Latest == nil) {
		return false
	}
	return a.Latest == nil || *a.Latest == *b.Latest
}

// changeable says whether cur, as read, may change for a caller who read
// it at etag. A published inspection is reported before a stale etag,
// since re-reading cannot help.
func changeable(cur Inspection, etag change.Etag) error {
	if cur.State == Published {
		return ErrPublished
	}
	return etag.Check(cur.Version)
}
