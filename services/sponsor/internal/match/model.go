package match

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// Algorithm chooses what a run optimises.
type Algorithm string

// The algorithms.
const (
	// Optimal maximises the total suitability of the assignment subject to
	// every sponsor's capacity, and proves how close it is (bound and gap).
	Optimal Algorithm = "OPTIMAL"
	// Stable runs deferred acceptance with capacities, needs proposing in
	// urgency order, so that no need and sponsor would both rather be
	// matched to each other than keep what they got.
	Stable Algorithm = "STABLE"
)

// Kind is what sort of organisation a sponsor is.
type Kind string

// The sponsor kinds.
const (
	Council            Kind = "COUNCIL"
	CouncilPartnership Kind = "COUNCIL_PARTNERSHIP"
	Charity            Kind = "CHARITY"
)

// Area is an area of practice in which a council needs help and a sponsor
// has expertise: the inspection judgement areas and peer-review themes
// (e.g. "CHILD_PROTECTION_PRACTICE"). The engine only compares areas for
// equality, so the caller owns the vocabulary.
type Area string

// AreaWeight is one area of a need with its relative weight, 1 to
// MaxAreaWeight. Only the ratios of a need's weights matter.
type AreaWeight struct {
	Area   Area
	Weight int
}

// Expertise is one area a sponsor is good at with its strength, 1
// (emerging) to MaxStrength (sector-leading).
type Expertise struct {
	Area     Area
	Strength int
}

// leveled is an area with its level: a need's AreaWeight or a sponsor's
// Expertise.
type leveled interface{ level() (Area, int) }

func (a AreaWeight) level() (Area, int) { return a.Area, a.Weight }

func (x Expertise) level() (Area, int) { return x.Area, x.Strength }

// Bounds of the numbers the engine accepts.
const (
	MaxAreaWeight = 100           // largest weight of one area of need
	MaxStrength   = 5             // strongest expertise level
	MaxUrgency    = 5             // most urgent need
	MaxWeight     = 1000          // largest factor weight
	MaxStaffDays  = 1_000_000     // largest staff-day figure of a need or sponsor
	MaxPairs      = 4_000_000     // largest needs × sponsors of one run
	MaxNodeLimit  = 1_000_000_000 // largest branch-and-bound node limit
	MaxChildren   = 1_000_000     // largest out-of-area placement count
	MaxCapacity   = 100_000       // largest engagement count
	maxIDLength   = 256           // longest need or sponsor id
	maxAreaLength = 128           // longest area name
	maxListLength = 10_000        // longest list inside one need or sponsor
)

// Need is one council's open request for a sponsor.
type Need struct {
	// ID identifies the need; unique within a run.
	ID string
	// Council is the GSS code of the council that needs support.
	Council string
	// Region is the council's English region.
	Region reference.Region
	// Areas are what the council needs help with, at least one, no area twice.
	Areas []AreaWeight
	// Urgency is 1 (least) to MaxUrgency (most urgent, e.g. a statutory
	// direction): it orders STABLE's proposals and is a factor of the score.
	Urgency int
	// StaffDays is the sponsor staff time the need takes per quarter; it
	// counts against a sponsor's staff-day budget.
	StaffDays int
	// RequiresTrust says the need can only go to a sponsor able to lead a
	// children's services trust.
	RequiresTrust bool
	// ExcludedSponsors may never be matched to this need.
	ExcludedSponsors []string
	// ContinuitySponsor is the sponsor of an existing engagement with this
	// council, if any; matching it again earns the continuity factor.
	ContinuitySponsor string
}

// Capacity is what a sponsor can lend and how much of it is already lent.
type Capacity struct {
	// Engagements is how many concurrent engagements the sponsor can hold.
	Engagements int
	// EngagementsInUse is how many it holds now, outside this run.
	EngagementsInUse int
	// StaffDays is the sponsor's staff-day budget per quarter. Zero means
	// the sponsor declares no staff-day budget: only engagements bind.
	StaffDays int
	// StaffDaysInUse is how many of those staff-days are committed now.
	StaffDaysInUse int
}

// Sponsor is a council, partnership of councils or charity that can take on
// a failing service.
type Sponsor struct {
	// ID identifies the sponsor; unique within a run.
	ID string
	// Kind is the sort of organisation.
	Kind Kind
	// MemberCouncils are the GSS codes of the councils that make up a
	// council or partnership sponsor (none for a charity). A sponsor is
	// never matched to one of its own members.
	MemberCouncils []string
	// Regions are the regions the sponsor works in.
	Regions []reference.Region
	// National says the sponsor works anywhere in England (charities).
	National bool
	// Expertise lists what the sponsor is good at, no area twice.
	Expertise []Expertise
	// Capacity is what it can lend.
	Capacity Capacity
	// CanLeadTrust says it can lead a children's services trust.
	CanLeadTrust bool
	// Conflicts are GSS codes of councils the sponsor has declared a
	// conflict of interest with.
	Conflicts []string
	// OutOfArea counts the children the sponsor (or its member councils)
	// has placed in each council, by GSS code: a load on that council.
	OutOfArea map[string]int
	// Paused sponsors take no new engagements.
	Paused bool
}

// Weights say how much each factor of suitability counts, each 0 to
// MaxWeight points for a perfect factor value. See the package
// documentation for the formula and DefaultWeights for the defaults.
type Weights struct {
	Expertise  int
	Geography  int
	Headroom   int
	Continuity int
	// OutOfArea is the largest penalty, reached at OutOfAreaFull children.
	OutOfArea int
	Urgency   int
	// OutOfAreaFull is how many children placed into the need's council
	// make the out-of-area penalty full; at least 1.
	OutOfAreaFull int
}

// DefaultWeights returns the weights used when a run names none:
//
//	Expertise 40, Geography 20, Continuity 15, Headroom 10,
//	OutOfArea 15 (full at 20 children), Urgency 20.
func DefaultWeights() Weights {
	return Weights{Expertise: 40, Geography: 20, Headroom: 10, Continuity: 15, OutOfArea: 15, Urgency: 20, OutOfAreaFull: 20}
}

// Pair names one need and one sponsor.
type Pair struct {
	Need    string
	Sponsor string
}

// CapacityOverride replaces a sponsor's capacity totals for a what-if run.
// Both totals are replaced; copy the one that should not change. The
// amounts in use are kept.
type CapacityOverride struct {
	Sponsor     string
	Engagements int
	StaffDays   int
}

// Overrides are what-if changes applied to the inputs of one run only.
type Overrides struct {
	// ExcludeSponsors take no part in the run.
	ExcludeSponsors []string
	// Capacities replace sponsors' capacity totals, at most one per sponsor.
	Capacities []CapacityOverride
	// Pin forces pairs into the result, at most one per need. A pinned pair
	// must pass every hard rule and fit its sponsor's capacity; it is kept
	// whatever its score.
	Pin []Pair
	// Forbid keeps pairs out of the result.
	Forbid []Pair
}

// Input is everything one run depends on. The order of every list is
// irrelevant: the engine canonicalises the input, so a shuffled input gives
// the same result and the same fingerprint.
type Input struct {
	Needs    []Need
	Sponsors []Sponsor
	// Weights of the suitability factors; nil means DefaultWeights.
	Weights   *Weights
	Overrides Overrides
	// Algorithm is OPTIMAL or STABLE; empty means OPTIMAL.
	Algorithm Algorithm
	// TimeLimit bounds OPTIMAL's search (and STABLE's repairs); zero means
	// DefaultTimeLimit. When it cuts the search short the result is the best
	// found, with its proven gap, and depends on the machine's speed.
	TimeLimit time.Duration
	// NodeLimit bounds OPTIMAL's branch and bound in nodes; zero means
	// DefaultNodeLimit. Unlike the time limit it is deterministic.
	NodeLimit int64
	// MaxCandidates bounds each need's candidate list in the result to the
	// best ranked ones (the assigned sponsor is always kept); zero keeps
	// every sponsor, so that any "why not X?" has an answer, up to 100,000
	// pairs (needs × sponsors): beyond, or when the report would overrun
	// the time limit, zero keeps the best 20, which explain the outcome
	// without a Candidate (about 200 bytes) for each of millions of pairs.
	MaxCandidates int
}

// Defaults and bounds of the run limits.
const (
	DefaultTimeLimit       = 2 * time.Second
	MaxTimeLimit           = 5 * time.Minute
	DefaultNodeLimit int64 = 5_000_000
)
