package need

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// SystemActor is the subject a need opened from an event is audited under:
// the sponsor service itself, acting on DfE's intervention.
const SystemActor = "turnaround-sponsor-service"

// Storer is the storage the need rules need. Writes are pinned: Insert to
// a new record (and, for a need with an intervention, to the absence of
// that intervention's marker), Save to the version the need was read at;
// they fail with an error matching ErrConflict when that does not hold.
// Each commits the change, its audit entry and, when r.RequestID and r.RequestHash are
// set, the response to replay, in one transaction.
type Storer interface {
	usecase.CouncilRecords[Need]
	// Insert stores a new need (GSSCode and ID set) at version 1 and
	// emits SponsorNeedOpened with it. For a need with an Intervention it
	// also records that the intervention opened it, which must not be
	// recorded yet: so an intervention opens one need however often its
	// event arrives.
	Insert(ctx context.Context, n Need, r change.Request) (Need, error)
	// OpenedBy returns the need the intervention named intervention, of
	// the council gss, opened, and false when it has opened none.
	OpenedBy(ctx context.Context, gss, intervention string) (Need, bool, error)
}

// SponsorDirectory tells the rules which sponsors exist, so that a need
// excludes only real ones. The sponsor store implements it.
type SponsorDirectory interface {
	// Missing returns those of ids (sponsor IDs) that name no sponsor.
	Missing(ctx context.Context, ids []string) ([]string, error)
}

// maxAttempts bounds the attempts to open a need from an intervention when
// a fresh random ID is taken.
const maxAttempts = 5

// Service carries out the need use cases over a Storer. The gRPC handlers,
// the InterventionOrdered consumer and the demo data loader call it, so
// that all apply the same rules.
type Service struct {
	usecase.CouncilCore[Need, Storer]
	sponsors SponsorDirectory
}

// NewService returns the use cases over st, checking excluded sponsors
// against sponsors and reading the time from now (nil means time.Now).
func NewService(st Storer, sponsors SponsorDirectory, now func() time.Time) *Service {
	return &Service{CouncilCore: usecase.NewCouncil[Need](st, now), sponsors: sponsors}
}

// List returns a council's needs, or every council's for AllCouncils, most
// urgent first (see SortMostUrgentFirst).
func (s *Service) List(ctx context.Context, gss string) ([]Need, error) {
	return s.Sorted(ctx, gss, SortMostUrgentFirst)
}

// Create opens the need draft describes in the council gss, by hand: OPEN,
// under a fresh ID, with SponsorNeedOpened. Violations are reported under
// "sponsor_need.", an excluded sponsor that does not exist among them; a
// council outside the 152 is resource.ErrCouncilNotFound. A repeat of r.RequestID returns
// the first call's need, found by the commit or after a refusal
// (change.Retry).
func (s *Service) Create(ctx context.Context, gss string, draft Need, r change.Request) (Need, error) {
	replay := usecase.Replayer[Need](s.Store, gss, r)
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed) or a fresh ID taken.
	return change.Retry(ctx, "need: create a need of "+gss, replay, func(ctx context.Context) (Need, error) {
		n, err := New(gss, "", draft, "sponsor_need.", s.Clock())
		if err != nil {
			return Need{}, err
		}
		if err := s.checkExcluded(ctx, n); err != nil {
			return Need{}, err
		}
		n.ID = resource.NewID()
		return s.Store.Insert(ctx, n, r)
	})
}

// Update replaces the fields of need id of the council gss that m names
// with patch's (see Need.Apply). A need that is not OPEN is
// FAILED_PRECONDITION, reported before a stale etag, since re-reading
// cannot reopen it; etag, when given, is the version the caller read and
// must be current (ErrConflict otherwise).
func (s *Service) Update(ctx context.Context, gss, id string, patch Need, m Mask, etag change.Etag, r change.Request) (Need, error) {
	cur, err := s.Store.Get(ctx, gss, id)
	if err != nil {
		return Need{}, err
	}
	next, err := cur.Apply(patch, m)
	if err != nil {
		return Need{}, err
	}
	if err := etag.Check(cur.Version); err != nil {
		return Need{}, ErrConflict
	}
	if m.Has("excluded_sponsors") {
		if err := s.checkExcluded(ctx, next); err != nil {
			return Need{}, err
		}
	}
	return s.Store.Save(ctx, next, r)
}

// OpenedBy returns the need the intervention named intervention, of the
// council gss, opened, and false when it opened none.
func (s *Service) OpenedBy(ctx context.Context, gss, intervention string) (Need, bool, error) {
	return s.Store.OpenedBy(ctx, gss, intervention)
}

// OpenFromIntervention opens the need the intervention iv asks for (see
// FromIntervention), once: when iv has opened a need already, that need is
// returned with created false and nothing changes. A concurrent delivery
// of the same intervention that commits first wins the same way.
func (s *Service) OpenFromIntervention(ctx context.Context, iv Intervention, r change.Request) (n Need, created bool, err error) {
	if prev, ok, err := s.Store.OpenedBy(ctx, iv.GSSCode, iv.Name); err != nil || ok {
		return prev, false, err
	}
	for range maxAttempts {
		n, err := FromIntervention(iv, resource.NewID(), s.Clock())
		if err != nil {
			return Need{}, false, err
		}
		out, err := s.Store.Insert(ctx, n, r)
		if !errors.Is(err, ErrConflict) {
			return out, err == nil, err
		}
		// Either a concurrent delivery of the intervention opened its
		// need first, or the fresh ID was taken.
		if prev, ok, err := s.Store.OpenedBy(ctx, iv.GSSCode, iv.Name); err != nil || ok {
			return prev, false, err
		}
	}
	return Need{}, false, fmt.Errorf("need: open the need of %s: no free id after %d attempts: %w", iv.Name, maxAttempts, ErrConflict)
}

// checkExcluded reports each excluded sponsor of n that does not exist as
// a violation on its position in sponsor_need.excluded_sponsors.
func (s *Service) checkExcluded(ctx context.Context, n Need) error {
	if len(n.ExcludedSponsors) == 0 {
		return nil
	}
	missing, err := s.sponsors.Missing(ctx, n.ExcludedSponsors)
	if err != nil {
		return fmt.Errorf("need: check the excluded sponsors of %s: %w", CouncilName(n.GSSCode), err)
	}
	var vs fault.Violations
	for i, id := range n.ExcludedSponsors {
		for _, m := range missing {
			if m == id {
				vs.Add(check.At("sponsor_need.excluded_sponsors", i), "names %s, which does not exist", sponsor.Name(id))
				break
			}
		}
	}
	return vs.Err()
}
