package match

// Factor is one component of suitability.
type Factor int

// The factors, in the order of Score.Factors.
const (
	FactorExpertise Factor = iota
	FactorGeography
	FactorHeadroom
	FactorContinuity
	FactorOutOfArea
	FactorUrgency
	// NumFactors is how many factors there are.
	NumFactors
)

var factorNames = [NumFactors]string{"EXPERTISE", "GEOGRAPHY", "HEADROOM", "CONTINUITY", "OUT_OF_AREA", "URGENCY"}

// String returns the factor's name in UPPER_SNAKE_CASE, as the API shows it.
func (f Factor) String() string {
	if f < 0 || f >= NumFactors {
		return "UNKNOWN"
	}
	return factorNames[f]
}

// Contribution is one factor's part of a score.
type Contribution struct {
	// Value is the factor's value in thousandths, 0 to 1000.
	Value int
	// Points is what the factor adds to the score in milli-points: weight ×
	// Value, negative for the out-of-area penalty.
	Points int
}

// Score is a need–sponsor pair's suitability in milli-points (a perfect
// factor at weight 1 is worth 1000), with its breakdown by factor.
type Score struct {
	Total   int
	Factors [NumFactors]Contribution
}

// Reason says why a pair cannot be assigned.
type Reason string

// The reasons. The first seven are hard rules that nothing overrides; the
// capacity reasons describe the sponsor at the start of the run (after
// pins); the last two make a pair not worth assigning, and only a pin
// overrides them.
const (
	ReasonPaused           Reason = "SPONSOR_PAUSED"
	ReasonExcludedByRun    Reason = "SPONSOR_EXCLUDED_BY_RUN"
	ReasonExcludedByNeed   Reason = "SPONSOR_EXCLUDED_BY_NEED"
	ReasonMemberCouncil    Reason = "CONFLICT_MEMBER_COUNCIL"
	ReasonDeclaredConflict Reason = "CONFLICT_DECLARED"
	ReasonTrustRequired    Reason = "TRUST_LEAD_REQUIRED"
	ReasonPairForbidden    Reason = "PAIR_FORBIDDEN"
	ReasonPinnedElsewhere  Reason = "NEED_PINNED_ELSEWHERE"
	ReasonNoFreeEngagement Reason = "NO_FREE_ENGAGEMENT"
	ReasonNotEnoughDays    Reason = "NOT_ENOUGH_STAFF_DAYS"
	ReasonNoExpertise      Reason = "NO_RELEVANT_EXPERTISE"
	ReasonScoreNotPositive Reason = "SCORE_NOT_POSITIVE"
)

// reasonSet is a set of reasons as bits, in the order of reasonOrder.
type reasonSet uint16

const (
	rPaused reasonSet = 1 << iota
	rExcludedByRun
	rExcludedByNeed
	rMemberCouncil
	rDeclaredConflict
	rTrustRequired
	rPairForbidden
	rPinnedElsewhere
	rNoFreeEngagement
	rNotEnoughDays
	rNoExpertise
	rScoreNotPositive

	// rRules are the hard rules: no pin overrides them.
	rRules = rPaused | rExcludedByRun | rExcludedByNeed | rMemberCouncil | rDeclaredConflict | rTrustRequired | rPairForbidden
	// rConflicts are the conflicts of interest.
	rConflicts = rMemberCouncil | rDeclaredConflict
	// rCapacity are the reasons a sponsor is too full from the start.
	rCapacity = rNoFreeEngagement | rNotEnoughDays
	// rSoft make a pair not worth assigning.
	rSoft = rNoExpertise | rScoreNotPositive
)

var reasonOrder = [...]Reason{
	ReasonPaused, ReasonExcludedByRun, ReasonExcludedByNeed, ReasonMemberCouncil, ReasonDeclaredConflict,
	ReasonTrustRequired, ReasonPairForbidden, ReasonPinnedElsewhere, ReasonNoFreeEngagement, ReasonNotEnoughDays,
	ReasonNoExpertise, ReasonScoreNotPositive,
}

// list returns the reasons in the set in their documented order.
func (rs reasonSet) list() []Reason {
	if rs == 0 {
		return nil
	}
	var out []Reason
	for i, r := range reasonOrder {
		if rs&(1<<i) != 0 {
			out = append(out, r)
		}
	}
	return out
}

// Pass says why an eligible candidate was not the one assigned.
type Pass string

// The passes.
const (
	// PassLowerScore: the need got a sponsor it scores at least as high.
	PassLowerScore Pass = "LOWER_SCORE"
	// PassNoRoom: after the run the sponsor has no room left for this need
	// (engagements or staff-days went to other needs).
	PassNoRoom Pass = "NO_ROOM"
	// PassNotChosen: neither of the above; only when a search stopped at a
	// limit before proving its result optimal.
	PassNotChosen Pass = "NOT_CHOSEN"
)

// Candidate is one sponsor as seen by one need.
type Candidate struct {
	Sponsor string
	// Rank is 1 for the best candidate: assignable candidates first, by
	// score (highest first) then sponsor id; then the rest the same way.
	Rank  int
	Score Score
	// Reasons the pair cannot be assigned, in the order of the Reason
	// constants; empty when it can.
	Reasons []Reason
	// Assigned says this is the need's sponsor in the result.
	Assigned bool
	// Pass says why an assignable candidate was not assigned; empty when
	// it was, or when it is not assignable.
	Pass Pass
}

// UnmatchedReason is the binding reason a need got no sponsor.
type UnmatchedReason string

// The unmatched reasons, from the most to the least fundamental; a need
// gets the first that applies.
const (
	// UnmatchedNoSponsors: the run has no sponsors at all.
	UnmatchedNoSponsors UnmatchedReason = "NO_SPONSORS"
	// UnmatchedAllConflicted: every sponsor has a conflict of interest
	// with the council.
	UnmatchedAllConflicted UnmatchedReason = "EVERY_CANDIDATE_CONFLICTED"
	// UnmatchedNoTrustLead: the need requires a trust lead and every
	// sponsor that passes the other rules cannot lead a trust.
	UnmatchedNoTrustLead UnmatchedReason = "NO_TRUST_LEAD"
	// UnmatchedAllIneligible: hard rules (mixed) rule out every sponsor.
	UnmatchedAllIneligible UnmatchedReason = "EVERY_CANDIDATE_INELIGIBLE"
	// UnmatchedNoCapacity: every eligible sponsor was already full (or
	// short of staff-days) before the run.
	UnmatchedNoCapacity UnmatchedReason = "NO_CAPACITY"
	// UnmatchedNoSuitable: eligible sponsors with room exist, but none has
	// expertise in the need's areas or a positive score.
	UnmatchedNoSuitable UnmatchedReason = "NO_SUITABLE_SPONSOR"
	// UnmatchedCapacityTaken: the sponsors with expertise in the need's
	// areas had room, but the run gave it to other needs.
	UnmatchedCapacityTaken UnmatchedReason = "NO_CAPACITY_LEFT_IN_EXPERTISE"
	// UnmatchedNotChosen: a sponsor still has room; only when a search
	// stopped at a limit before proving its result optimal.
	UnmatchedNotChosen UnmatchedReason = "NOT_CHOSEN"
)

// Assignment is one need matched to one sponsor.
type Assignment struct {
	Need    string
	Council string
	Sponsor string
	Score   Score
	// StaffDays the engagement plans, from the need.
	StaffDays int
	// Pinned says a what-if pin forced the pair.
	Pinned bool
}

// Unmatched is a need the run could not match, with why.
type Unmatched struct {
	Need   string
	Reason UnmatchedReason
	// Detail says it in a sentence, naming the areas and sponsors involved.
	Detail string
	// Sponsors are the sponsors the reason is about: for
	// NO_CAPACITY_LEFT_IN_EXPERTISE the suitable sponsors that filled up,
	// for NO_CAPACITY those full before the run; sorted by id.
	Sponsors []string
}

// NeedReport is one need's view of the run: what it got and every
// candidate it had.
type NeedReport struct {
	Need    string
	Council string
	// Sponsor is the assigned sponsor, empty when unmatched.
	Sponsor    string
	Candidates []Candidate
}

// SponsorLoad is one sponsor's capacity before and after the run.
type SponsorLoad struct {
	Sponsor string
	// Engagements and StaffDays are the capacity totals the run used
	// (after what-if overrides); StaffDays 0 means no budget.
	Engagements int
	StaffDays   int
	// In use before the run.
	EngagementsInUse int
	StaffDaysInUse   int
	// Given by this run, pins included.
	EngagementsAssigned int
	StaffDaysAssigned   int
}

// Stop says how a run ended.
type Stop string

// The stops.
const (
	// StopComplete: the algorithm ran to its end.
	StopComplete Stop = "COMPLETE"
	// StopNodeLimit: branch and bound used its node limit.
	StopNodeLimit Stop = "NODE_LIMIT"
	// StopTimeLimit: the time limit or the context's deadline ran out.
	StopTimeLimit Stop = "TIME_LIMIT"
)

// BlockingPair is a need and a sponsor that would both rather be matched to
// each other than keep what the result gave them.
type BlockingPair struct {
	Need    string
	Sponsor string
}

// Stability is STABLE's proof: every pair that could block was checked.
type Stability struct {
	// Stable says no blocking pair exists.
	Stable bool
	// PairsChecked is how many assignable need–sponsor pairs the check
	// examined (pinned needs are fixed and cannot block).
	PairsChecked int
	// Blocking lists the blocking pairs, by need then sponsor id; with
	// staff-day budgets a stable matching may not exist, and these are the
	// pairs repairs could not remove.
	Blocking []BlockingPair
}

// Stats describe the work a run did; they are deterministic unless the
// time limit stopped it.
type Stats struct {
	// Nodes is how many branch-and-bound nodes OPTIMAL explored.
	Nodes int64
	// DualIterations is how many steps improved the Lagrangian bound.
	DualIterations int
	// Repairs is how many blocking pairs STABLE resolved after deferred
	// acceptance.
	Repairs int
}

// Result is a run's outcome with everything needed to explain it.
type Result struct {
	Algorithm Algorithm
	// Fingerprint is the hex SHA-256 of the canonical input: equal inputs
	// (in any order) give equal fingerprints, any change gives another.
	Fingerprint string
	// Weights are the weights the scores used.
	Weights Weights
	// Assignments ordered by need id.
	Assignments []Assignment
	// Unmatched needs ordered by need id.
	Unmatched []Unmatched
	// Needs are every need's report, ordered by need id.
	Needs []NeedReport
	// Sponsors are every sponsor's load, ordered by sponsor id.
	Sponsors []SponsorLoad
	// Objective is the total score of the assignments, in milli-points.
	Objective int64
	// Bound is a proven upper bound on the objective of any assignment
	// that respects the same rules, capacities and pins.
	Bound int64
	// Gap is (Bound − Objective) / Bound in percent, 0 when proven optimal.
	Gap float64
	// Proven says Objective equals Bound: no assignment scores higher.
	Proven bool
	// Stop says how the run ended.
	Stop Stop
	// Stability is STABLE's check; nil for OPTIMAL.
	Stability *Stability
	Stats     Stats
}
