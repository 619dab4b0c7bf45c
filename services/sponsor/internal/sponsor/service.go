package sponsor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// ErrAlreadyExists refuses to create a sponsor under an ID that is taken.
var ErrAlreadyExists = fault.AlreadyExists(ReasonAlreadyExists, "a sponsor with this id exists already; choose another id, or leave it empty for a generated one")

// Usage is how much of a sponsor's capacity is in use: what its active
// engagements take. The API shows it as active_engagements and
// committed_staff_days; matching counts it against the capacity.
type Usage struct {
	// ActiveEngagements is the number of the sponsor's engagements that
	// are active now.
	ActiveEngagements int
	// CommittedStaffDays is the staff-days per quarter those engagements
	// plan.
	CommittedStaffDays int
}

// UsageSource reports sponsors' usage, from their engagements.
type UsageSource interface {
	// Usage maps the IDs (the {id} of sponsors/{id}) of sponsors, or of
	// every sponsor when none are named, to their usage; a sponsor absent
	// from the map uses nothing.
	Usage(ctx context.Context, sponsors ...string) (map[string]Usage, error)
}

// Storer is the storage the sponsor rules need. Writes are pinned to the
// version the sponsor was read at (or to its absence, for Insert) and fail
// with an error matching ErrConflict when that does not hold; each commits
// the change, its audit entry and, when r.RequestID is set, the response to
// replay, in one transaction.
type Storer interface {
	// Get returns one sponsor, or ErrNotFound.
	Get(ctx context.Context, id string) (Sponsor, error)
	// All returns every sponsor, in no particular order, and the
	// fingerprint of them all, which changes whenever any sponsor is
	// created or changed.
	All(ctx context.Context) ([]Sponsor, string, error)
	// Replay returns the sponsor a previous create of sponsor id with
	// r.RequestID returned, if any. A reused r.RequestID with another r.RequestHash is an
	// INVALID_ARGUMENT fault.
	Replay(ctx context.Context, id string, r change.Request) (Sponsor, bool, error)
	// Insert stores a new sponsor (s.ID set) at version 1. When a call
	// with r.RequestID committed already under s.ID, it stores nothing
	// and returns that call's sponsor (a reused r.RequestID with another
	// r.RequestHash is an INVALID_ARGUMENT fault).
	Insert(ctx context.Context, s Sponsor, r change.Request) (Sponsor, error)
	// Save stores a changed sponsor over the version s.Version, and
	// returns it at its new version.
	Save(ctx context.Context, s Sponsor, r change.Request) (Sponsor, error)
}

// maxAttempts bounds the create attempts when a fresh random ID is taken.
const maxAttempts = 5

// Service carries out the sponsor use cases over a Storer. The gRPC
// handlers call it, and so does the demo data loader.
type Service struct {
	usecase.Core[Storer]
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now)}
}

// Get returns one sponsor, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Sponsor, error) {
	return s.Store.Get(ctx, id)
}

// All returns every sponsor and their fingerprint (see Storer.All).
func (s *Service) All(ctx context.Context) ([]Sponsor, string, error) {
	return s.Store.All(ctx)
}

// Create adds sp as sponsor id and returns it as stored. With no id, the
// sponsor gets one: derived from the request ID when there is one (see
// IDFor), so that a retry finds and replays the first response, and
// random otherwise. Violations are reported under "sponsor."; an id that
// is taken gives ErrAlreadyExists. A repeat of r.RequestID returns the first
// call's sponsor.
func (s *Service) Create(ctx context.Context, sp Sponsor, id string, r change.Request) (Sponsor, error) {
	chosen := id != "" || r.RequestID != ""
	if id == "" && r.RequestID != "" {
		id = resource.IDFor("sponsor", r.Method+"\x00"+r.Subject, r.RequestID)
	}
	sp = sp.Clone()
	sp.Version = 0
	sp.UpdateTime = s.Now()
	if err := sp.Validate("sponsor."); err != nil {
		// A retry of a call that committed replays it all the same.
		if id != "" {
			if prev, ok, rerr := s.Store.Replay(ctx, id, r); rerr != nil || ok {
				return prev, rerr
			}
		}
		return Sponsor{}, err
	}
	// Insert replays a call with r.RequestID that committed already, in
	// the round trip of its commit.
	for range maxAttempts {
		if id == "" {
			id = resource.NewID()
		}
		sp.ID = id
		out, err := s.Store.Insert(ctx, sp, r)
		if !errors.Is(err, ErrConflict) {
			return out, err
		}
		// Either a concurrent call with the same request_id won, whose
		// answer is now to be replayed, or the ID is taken.
		if prev, ok, rerr := s.Store.Replay(ctx, id, r); rerr != nil || ok {
			return prev, rerr
		}
		if chosen {
			return Sponsor{}, ErrAlreadyExists.With("name", Name(id))
		}
		id = ""
	}
	return Sponsor{}, fmt.Errorf("sponsor: create: no free id after %d attempts: %w", maxAttempts, ErrConflict)
}

// Seed stores the sponsors of sps (IDs set) that are not yet stored and
// leaves existing ones untouched, so a demo data loader can run it on every
// start and by several replicas at once. Each is validated as
// CreateSponsor would and audited under r, with no idempotency record. It
// returns how many it added.
func (s *Service) Seed(ctx context.Context, sps []Sponsor, r change.Request) (int, error) {
	r.RequestID, r.RequestHash = "", nil
	added := 0
	for _, sp := range sps {
		if err := sp.Validate(""); err != nil {
			return added, fmt.Errorf("seed sponsor %s: %w", sp.Name(), err)
		}
		_, err := s.Store.Insert(ctx, sp, r)
		switch {
		case errors.Is(err, ErrConflict):
		case err != nil:
			return added, fmt.Errorf("seed sponsor %s: %w", sp.Name(), err)
		default:
			added++
		}
	}
	return added, nil
}

// Update replaces the fields of sponsor id that m names with patch's. etag,
// when given, is the version the caller read and must be current
// (ErrConflict otherwise); an invalid result gives INVALID_ARGUMENT violations under
// "sponsor.".
func (s *Service) Update(ctx context.Context, id string, patch Sponsor, m Mask, etag change.Etag, r change.Request) (Sponsor, error) {
	return usecase.Update(ctx, s.Store.Get, s.Store.Save, id, etag, ErrConflict, r, func(cur Sponsor) (Sponsor, error) {
		return cur.Apply(patch, m, s.Clock())
	})
}
