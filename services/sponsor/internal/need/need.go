// Package need holds the rules for a council's need for a sponsor: the
// areas it needs help with and how much each matters, how urgent the need
// is, the staff time it takes, whether only a sponsor able to lead a
// children's services trust will do, and the sponsors that must not be
// matched to it. A need opens OPEN, by hand (DfE) or from an intervention
// DfE orders (see FromIntervention), and ends MATCHED, when an approved
// match run gives it an engagement, or CLOSED.
//
// The package is pure Go: the store (needstore), the event consumer
// (needevents) and the gRPC face (needapi) live elsewhere, and the Storer
// interface here is what the rules need from storage.
package need

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Resource collections.
const (
	// CouncilCollection is the collection of councils, the parents of
	// needs.
	CouncilCollection = "localAuthorities"
	// Collection is the collection of needs under a council:
	// localAuthorities/{gss}/sponsorNeeds/{id}.
	Collection = "sponsorNeeds"
	// AllCouncils is the parent wildcard of a cross-council list,
	// `localAuthorities/-`, in place of a GSS code.
	AllCouncils = resource.AllCouncils
	// engagementCollection is the collection of a sponsor's engagements:
	// sponsors/{s}/engagements/{e}.
	engagementCollection = "engagements"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such need.
	ReasonNotFound = "SPONSOR_NEED_NOT_FOUND"
	// ReasonNotOpen: the need is matched or closed, so it cannot change.
	ReasonNotOpen = "SPONSOR_NEED_NOT_OPEN"
)

// Limits of a need's fields.
const (
	// MaxAreaWeight is the heaviest weight of one area of need; 1 is the
	// lightest.
	MaxAreaWeight = 10
	// MaxUrgency is the most urgent need (immediate); 1 is the least.
	MaxUrgency = 5
	// MaxStaffDays bounds the staff-days a need takes per quarter, as it
	// bounds a sponsor's capacity.
	MaxStaffDays = sponsor.MaxStaffDays
	// MaxExcluded bounds the sponsors a need excludes.
	MaxExcluded = 100
)

// ErrNotFound is what a Storer returns for a need it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the sponsor need does not exist")

// ErrConflict is what a Storer returns when a write's pinned version moved,
// or a new need's ID (or its intervention's marker) is taken, and what the
// rules return for a stale etag: ABORTED with reason ETAG_MISMATCH. It
// matches store.ErrConflict under errors.Is, since faults compare by kind
// and reason.
var ErrConflict = change.StaleEtag("the sponsor need")

// State is where a need is, named as the proto enum NeedState without its
// NEED_STATE_ prefix.
type State string

// The states. A need opens OPEN and moves once, to MATCHED or CLOSED.
const (
	Open    State = "OPEN"
	Matched State = "MATCHED"
	Closed  State = "CLOSED"
)

// States lists the states in the order of the proto enum.
var States = []State{Open, Matched, Closed}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// AreaWeight is one area of need and how much it matters, 1 to
// MaxAreaWeight. Only the ratios of a need's weights matter to matching.
type AreaWeight struct {
	// Area is one of sponsor.Areas.
	Area   string
	Weight int
}

// Need is one council's need for a sponsor.
type Need struct {
	// GSSCode is the council's code; ID is unique within it.
	GSSCode string
	ID      string
	// Intervention is the resource name of the intervention that opened
	// the need; "" for a need opened by hand.
	Intervention string
	Areas        []AreaWeight
	// Urgency is 1 (low) to MaxUrgency (immediate).
	Urgency int
	// StaffDaysNeeded is the sponsor staff time the need takes per
	// quarter.
	StaffDaysNeeded int
	// RequiresTrustSponsor says only a sponsor able to lead a children's
	// services trust will do.
	RequiresTrustSponsor bool
	// ExcludedSponsors are sponsor IDs that must not be matched, in the
	// order given.
	ExcludedSponsors []string
	State            State
	// Engagement is the resource name of the engagement that meets a
	// MATCHED need.
	Engagement string
	// Version is the record's check-and-set version: its etag.
	Version    int64
	CreateTime time.Time
}

// Clone returns a copy of n that shares nothing with it.
func (n Need) Clone() Need {
	n.Areas = slices.Clone(n.Areas)
	n.ExcludedSponsors = slices.Clone(n.ExcludedSponsors)
	return n
}

// Name is the need's resource name,
// localAuthorities/{gss_code}/sponsorNeeds/{id}.
func (n Need) Name() string { return Name(n.GSSCode, n.ID) }

// Name returns the resource name of need id of the council gss.
func Name(gss, id string) string { return CouncilName(gss) + "/" + Collection + "/" + id }

// CouncilName returns the resource name of the council gss.
func CouncilName(gss string) string { return CouncilCollection + "/" + gss }

// WeightOf returns the weight of area in the need, or 0 when the need does
// not name it.
func (n Need) WeightOf(area string) int {
	for _, a := range n.Areas {
		if a.Area == area {
			return a.Weight
		}
	}
	return 0
}

// Excludes reports whether the need excludes the sponsor with ID id.
func (n Need) Excludes(id string) bool { return slices.Contains(n.ExcludedSponsors, id) }

// Validate checks the client-settable fields of n and reports every
// violation at once, each field path after prefix (such as
// "sponsor_need."): at least one area, each one of sponsor.Areas, named
// once, weighing 1 to MaxAreaWeight; urgency 1 to MaxUrgency; staff-days
// needed 1 to MaxStaffDays; excluded sponsors named by valid ID, each once,
// at most MaxExcluded. Whether the excluded sponsors exist is for the
// caller to check against the sponsors.
func (n Need) Validate(prefix string) error { return n.Violations(prefix).Err() }

// Violations is Validate's list of violations, for callers that report
// them together with others.
func (n Need) Violations(prefix string) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	switch {
	case len(n.Areas) == 0:
		add("areas", "is required: name at least one area of need, one of %s", strings.Join(sponsor.Areas, ", "))
	case len(n.Areas) > len(sponsor.Areas):
		add("areas", "names %d areas; there are only %d", len(n.Areas), len(sponsor.Areas))
	}
	seen := map[string]bool{}
	for i, a := range n.Areas {
		field := check.At("areas", i)
		switch {
		case !sponsor.ValidArea(a.Area):
			add(field+".area", "%s", sponsor.AreaMessage(a.Area))
		case seen[a.Area]:
			add(field+".area", "names %s a second time; give each area one weight", a.Area)
		}
		seen[a.Area] = true
		if a.Weight < 1 || a.Weight > MaxAreaWeight {
			add(field+".weight", "must be 1 to %d, got %d", MaxAreaWeight, a.Weight)
		}
	}
	if n.Urgency < 1 || n.Urgency > MaxUrgency {
		add("urgency", "must be 1 (low) to %d (immediate), got %d", MaxUrgency, n.Urgency)
	}
	if n.StaffDaysNeeded < 1 || n.StaffDaysNeeded > MaxStaffDays {
		add("staff_days_needed", "must be 1 to %d staff-days per quarter, got %d", MaxStaffDays, n.StaffDaysNeeded)
	}
	if len(n.ExcludedSponsors) > MaxExcluded {
		add("excluded_sponsors", "names %d sponsors; the limit is %d", len(n.ExcludedSponsors), MaxExcluded)
	}
	excluded := map[string]bool{}
	for i, id := range n.ExcludedSponsors {
		field := check.At("excluded_sponsors", i)
		switch {
		case !resource.ValidID(id):
			add(field, "must be sponsors/{id} with an id of lowercase letters, digits and hyphens, got %q", sponsor.Name(id))
		case excluded[id]:
			add(field, "names %s a second time; name each sponsor once", sponsor.Name(id))
		}
		excluded[id] = true
	}
	return vs
}

// New returns the need draft describes, OPEN in the council gss from now,
// with id. Only draft's client-settable fields count: the intervention,
// state and engagement are the service's to set. It validates them as
// Validate does, with violations under prefix, and checks that gss is one
// of the 152 councils (resource.ErrCouncilNotFound otherwise).
func New(gss, id string, draft Need, prefix string, now time.Time) (Need, error) {
	if _, ok := reference.CouncilByCode(gss); !ok {
		return Need{}, resource.ErrCouncilNotFound.With("parent", CouncilName(gss))
	}
	if err := draft.Validate(prefix); err != nil {
		return Need{}, err
	}
	return Need{
		GSSCode:              gss,
		ID:                   id,
		Areas:                slices.Clone(draft.Areas),
		Urgency:              draft.Urgency,
		StaffDaysNeeded:      draft.StaffDaysNeeded,
		RequiresTrustSponsor: draft.RequiresTrustSponsor,
		ExcludedSponsors:     slices.Clone(draft.ExcludedSponsors),
		State:                Open,
		CreateTime:           now.UTC(),
	}, nil
}

// RequireOpen returns nil for an OPEN need and FAILED_PRECONDITION
// otherwise: a matched or closed need is settled.
func (n Need) RequireOpen() error {
	if n.State != Open {
		return fault.FailedPrecondition(ReasonNotOpen, "%s is %s; only an open need can change", n.Name(), n.State).
			With("state", string(n.State))
	}
	return nil
}

// Close returns the open need n CLOSED: DfE no longer seeks a sponsor for
// it.
func (n Need) Close() (Need, error) {
	if err := n.RequireOpen(); err != nil {
		return Need{}, err
	}
	out := n.Clone()
	out.State = Closed
	return out, nil
}

// Match returns the open need n MATCHED to engagement, the resource name
// sponsors/{s}/engagements/{e} of the engagement an approved match run
// created for it. An engagement name of another shape is an error: the
// caller built it.
func (n Need) Match(engagement string) (Need, error) {
	if err := n.RequireOpen(); err != nil {
		return Need{}, err
	}
	if !ValidEngagementName(engagement) {
		return Need{}, fault.Field("engagement", "must be sponsors/{sponsor}/engagements/{id}, got %q", engagement)
	}
	out := n.Clone()
	out.State = Matched
	out.Engagement = engagement
	return out, nil
}

// ValidEngagementName reports whether name has the shape of an
// engagement's resource name, sponsors/{sponsor}/engagements/{id}.
func ValidEngagementName(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) == 4 && parts[0] == sponsor.Collection && resource.ValidID(parts[1]) &&
		parts[2] == engagementCollection && resource.ValidID(parts[3])
}
