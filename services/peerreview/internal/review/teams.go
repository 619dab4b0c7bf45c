package review

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/team"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Pool is the reviewer pool as team proposals need it: every reviewer and
// the pool's fingerprint. The reviewer store implements it.
type Pool interface {
	All(ctx context.Context) ([]reviewer.Reviewer, string, error)
}

// Weakness is a council's weak spots as the inspection service reports
// them: the grades of its latest published judgement by area (the
// JudgementArea names without prefix, overall effectiveness left out) and
// its top risk factors' indicators, largest contribution first.
type Weakness struct {
	Grades     map[string]reference.Grade
	Indicators []string
}

// Inspection is what team proposals need from the inspection service,
// asked for the caller. When it cannot be reached its methods fail
// UNAVAILABLE, so no proposal is made on a partial picture.
type Inspection interface {
	// Weakness returns the council's weak spots; a council never
	// inspected has no grades, one without a risk assessment no
	// indicators.
	Weakness(ctx context.Context, gss string) (Weakness, error)
	// InadequateCouncils returns the GSS codes of every council whose
	// latest judgement is inadequate: their staff are not asked to review.
	InadequateCouncils(ctx context.Context) ([]string, error)
}

// Teams carries out the team use cases of scheduled reviews: proposing a
// team from the pool, and accepting one against the pool it was proposed
// from.
type Teams struct {
	reviews    *Service
	pool       Pool
	inspection Inspection
}

// NewTeams returns the team use cases over the reviews of svc, the reviewer
// pool and the inspection service.
func NewTeams(svc *Service, pool Pool, inspection Inspection) *Teams {
	return &Teams{reviews: svc, pool: pool, inspection: inspection}
}

// Propose reads the scheduled review gss/id, the pool and the reviewers'
// commitments, asks the inspection service for the council's focus themes
// and the councils judged inadequate, and returns the review, team.Propose's
// explained proposal and the pool_etag that Accept checks. It changes
// nothing.
func (t *Teams) Propose(ctx context.Context, gss, id string, practitioners int) (Review, team.Proposal, string, error) {
	rv, err := t.reviews.Get(ctx, gss, id)
	if err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	if err := scheduled(rv); err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	pool, fingerprint, committed, err := t.poolFor(ctx, rv)
	if err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	w, err := t.inspection.Weakness(ctx, gss)
	if err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	inadequate, err := t.inspection.InadequateCouncils(ctx)
	if err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	p, err := team.Propose(team.Input{
		Council:       gss,
		Start:         rv.StartDate,
		End:           rv.EndDate,
		Practitioners: practitioners,
		Focus:         team.FocusThemes(w.Grades, w.Indicators),
		Pool:          pool,
		Committed:     committed,
		Inadequate:    inadequate,
	})
	if err != nil {
		return Review{}, team.Proposal{}, "", err
	}
	return rv, p, fingerprint, nil
}

// Accept assigns members to the scheduled review gss/id. etag (required by
// the method) must be current, and poolEtag the fingerprint of the pool and
// commitments as they are now: a changed pool is ErrPoolChanged, so the
// adviser proposes again. The team is checked against the rules once more
// (CheckTeam), with the councils judged inadequate as the inspection
// service now reports them. A repeat of r.RequestID replays the first
// call's review before the pool is compared, since that call's own
// commitment has changed the fingerprint since.
func (t *Teams) Accept(ctx context.Context, gss, id string, members []Member, etag change.Etag, poolEtag string, r change.Request) (Review, error) {
	if prev, ok, err := t.reviews.Store.Replay(ctx, gss, r); err != nil || ok {
		return prev, err
	}
	rv, err := t.reviews.Get(ctx, gss, id)
	if err != nil {
		return Review{}, err
	}
	if err := scheduled(rv); err != nil {
		return Review{}, err
	}
	if err := etag.Check(rv.Version); err != nil {
		return Review{}, err
	}
	pool, fingerprint, committed, err := t.poolFor(ctx, rv)
	if err != nil {
		return Review{}, err
	}
	if fingerprint != poolEtag {
		return Review{}, ErrPoolChanged.With("pool_etag", fingerprint)
	}
	inadequate, err := t.inspection.InadequateCouncils(ctx)
	if err != nil {
		return Review{}, err
	}
	if err := CheckTeam(gss, members, candidates(pool, committed), set(inadequate)); err != nil {
		return Review{}, err
	}
	return t.reviews.AssignTeam(ctx, gss, id, members, etag, r)
}

// poolFor reads the pool and the days its reviewers have committed to
// reviews other than rv, and fingerprints them for rv.
func (t *Teams) poolFor(ctx context.Context, rv Review) ([]reviewer.Reviewer, string, map[string]int, error) {
	pool, poolEtag, err := t.pool.All(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	all, err := t.reviews.List(ctx, AllCouncils)
	if err != nil {
		return nil, "", nil, err
	}
	committed := CommittedDays(all, rv.Name())
	return pool, PoolFingerprint(rv.Name(), poolEtag, committed), committed, nil
}

// scheduled refuses a team for a review that is not scheduled: its dates
// say the days the team commits, and once on site the team is fixed.
func scheduled(rv Review) error {
	if rv.State != Scheduled {
		return fault.FailedPrecondition(ReasonNotScheduled,
			"a team is proposed and accepted only for a scheduled review; this one is %s", rv.State).With("state", string(rv.State))
	}
	return nil
}

// candidates describes the pool to the team rules.
func candidates(pool []reviewer.Reviewer, committed map[string]int) map[string]Candidate {
	out := make(map[string]Candidate, len(pool))
	for _, rv := range pool {
		out[rv.ID] = Candidate{
			ID:            rv.ID,
			HomeCouncil:   rv.HomeCouncil,
			Director:      rv.Role == reviewer.Director,
			Conflicts:     rv.Conflicts,
			AvailableDays: rv.AvailableDaysPerQuarter,
			CommittedDays: committed[rv.ID],
		}
	}
	return out
}

func set(codes []string) map[string]bool {
	out := make(map[string]bool, len(codes))
	for _, c := range codes {
		out[c] = true
	}
	return out
}
