// Package engagement holds the rules for a sponsor's engagements with the
// councils it supports: what an engagement records once an approved match
// run creates it, the staff a sponsor deploys to it (recorded in half-days,
// by role and date), the capacity a sponsor has in use, and the
// compensation it is owed for the days it lent. It is pure Go: the store and
// the transport live in engagementstore and engagementapi.
//
// Staff time is counted in half-days (HalfDays) everywhere, so sums and
// money are exact integers; the API's staff-day doubles are read and written
// only at the edge.
package engagement

import (
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Resource collections.
const (
	// SponsorCollection is the collection of sponsors, the parents of
	// engagements.
	SponsorCollection = "sponsors"
	// Collection is the collection of engagements under a sponsor.
	Collection = "engagements"
	// DeploymentCollection is the collection of deployments under an
	// engagement.
	DeploymentCollection = "deployments"
	// CouncilCollection is the collection of councils.
	CouncilCollection = "localAuthorities"
	// NeedCollection is the collection of sponsor needs under a council.
	NeedCollection = "sponsorNeeds"
	// MatchRunCollection is the collection of match runs.
	MatchRunCollection = "matchRuns"
	// AllSponsors is the parent wildcard of a list across sponsors,
	// `sponsors/-`, in place of a sponsor id.
	AllSponsors = "-"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such engagement.
	ReasonNotFound = "ENGAGEMENT_NOT_FOUND"
	// ReasonNotActive: the engagement has ended, so nothing more can be
	// deployed to it.
	ReasonNotActive = "ENGAGEMENT_NOT_ACTIVE"
)

// MaxPlannedStaffDays bounds an engagement's planned staff-days per quarter,
// as the matching engine bounds a need's.
const MaxPlannedStaffDays = 1_000_000

// ErrNotFound is what a store returns for an engagement it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the engagement does not exist")

// ErrConflict is what a store returns when a write's pinned version moved:
// ABORTED with reason ETAG_MISMATCH. It matches store.ErrConflict under
// errors.Is, since faults compare by kind and reason.
var ErrConflict = fault.Conflict("ETAG_MISMATCH",
	"the resource has changed since it was read; read it again and retry")

// State is where an engagement is, named as the proto enum EngagementState
// without its ENGAGEMENT_STATE_ prefix.
type State string

// The states. An approved match run creates an engagement ACTIVE; an
// ENDED one takes no more deployments and no longer uses capacity.
const (
	Active State = "ACTIVE"
	Ended  State = "ENDED"
)

// States lists the states in the order of the proto enum.
var States = []State{Active, Ended}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return s == Active || s == Ended }

// Engagement is a sponsor supporting a council to meet one of its needs.
type Engagement struct {
	// Sponsor is the sponsor's id; ID is unique within the sponsor.
	Sponsor string
	ID      string
	// Council is the GSS code of the council supported.
	Council string
	// Need is the resource name of the need the engagement meets,
	// localAuthorities/{gss}/sponsorNeeds/{id}, of the same council.
	Need string
	// MatchRun is the resource name of the approved run that created it,
	// matchRuns/{id}.
	MatchRun string
	// StartDate is the first day of the engagement, as midnight UTC.
	StartDate time.Time
	// PlannedStaffDays is the staff time planned per quarter, in whole
	// days, from the need.
	PlannedStaffDays int
	// Deployed is every deployment's staff time added up.
	Deployed HalfDays
	// ByQuarter is the staff time deployed in each quarter, by the date of
	// each deployment, so capacity in use can be read from the engagement
	// alone. Quarters without deployments are absent.
	ByQuarter map[Quarter]HalfDays
	State     State
	// CreateTime is when the approval created it.
	CreateTime time.Time
	// Version is the record's check-and-set version: its etag.
	Version int64
}

// Clone returns a copy of e that shares nothing with it.
func (e Engagement) Clone() Engagement {
	if e.ByQuarter != nil {
		q := make(map[Quarter]HalfDays, len(e.ByQuarter))
		for k, v := range e.ByQuarter {
			q[k] = v
		}
		e.ByQuarter = q
	}
	return e
}

// Name is the engagement's resource name, sponsors/{sponsor}/engagements/{id}.
func (e Engagement) Name() string { return Name(e.Sponsor, e.ID) }

// CouncilName is the resource name of the council supported,
// localAuthorities/{gss}.
func (e Engagement) CouncilName() string { return CouncilName(e.Council) }

// Name returns the resource name of engagement id of sponsor.
func Name(sponsor, id string) string { return SponsorName(sponsor) + "/" + Collection + "/" + id }

// SponsorName returns the resource name of sponsor, sponsors/{id}.
func SponsorName(sponsor string) string { return SponsorCollection + "/" + sponsor }

// CouncilName returns the resource name of the council gss.
func CouncilName(gss string) string { return CouncilCollection + "/" + gss }

// Start is what an approved match run says about an engagement it creates.
type Start struct {
	// Sponsor is the sponsor's id.
	Sponsor string
	// Council is the GSS code of the council supported.
	Council string
	// Need is the resource name of the need met, a need of Council.
	Need string
	// MatchRun is the resource name of the approved run.
	MatchRun string
	// StartDate is the engagement's first day; it is kept as its calendar
	// date in UTC.
	StartDate time.Time
	// PlannedStaffDays is the staff time planned per quarter, 0 to
	// MaxPlannedStaffDays.
	PlannedStaffDays int
}

// Validate reports every invalid field of s at once, named as the fields
// of the proto Engagement after prefix (such as "engagement."): a sponsor
// id; a council that exists; a need of that council; a match run; a start
// date; planned staff-days within bounds.
func (s Start) Validate(prefix string) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	if !ValidID(s.Sponsor) {
		add("name", "must name a sponsor id of lowercase letters, digits and hyphens, got %q", s.Sponsor)
	}
	_, known := reference.CouncilByCode(s.Council)
	if !known {
		add("local_authority", "must be a council's GSS code such as E08000035, got %q", s.Council)
	}
	if _, ok := needID(s.Need, s.Council); !ok {
		add("need", "must be a need of the same council, %s/%s/%s/{id}, got %q", CouncilCollection, s.Council, NeedCollection, s.Need)
	}
	if id, ok := strings.CutPrefix(s.MatchRun, MatchRunCollection+"/"); !ok || !ValidID(id) {
		add("match_run", "must be %s/{id}, got %q", MatchRunCollection, s.MatchRun)
	}
	if s.StartDate.IsZero() {
		add("start_date", "is required")
	}
	if s.PlannedStaffDays < 0 || s.PlannedStaffDays > MaxPlannedStaffDays {
		add("planned_staff_days", "must be 0 to %d staff-days per quarter, got %d", MaxPlannedStaffDays, s.PlannedStaffDays)
	}
	return vs
}

// New returns the ACTIVE engagement s describes, with id, created at now.
// It validates s as Validate does, with violations under prefix, and id as
// an engagement id. The version is 0: the store sets 1 when it creates the
// record.
func New(s Start, id, prefix string, now time.Time) (Engagement, error) {
	vs := s.Validate(prefix)
	if !ValidID(id) {
		vs.Add(prefix+"name", "must end in an engagement id of lowercase letters, digits and hyphens, got %q", id)
	}
	if err := vs.Err(); err != nil {
		return Engagement{}, err
	}
	y, m, d := s.StartDate.UTC().Date()
	return Engagement{
		Sponsor:          s.Sponsor,
		ID:               id,
		Council:          s.Council,
		Need:             s.Need,
		MatchRun:         s.MatchRun,
		StartDate:        time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		PlannedStaffDays: s.PlannedStaffDays,
		State:            Active,
		CreateTime:       now.UTC(),
	}, nil
}

// needID returns the id of need when it names a need of the council gss.
func needID(need, gss string) (string, bool) {
	id, ok := strings.CutPrefix(need, CouncilName(gss)+"/"+NeedCollection+"/")
	return id, ok && gss != "" && ValidID(id)
}

// ParseName validates an engagement's resource name,
// sponsors/{sponsor}/engagements/{id}, and returns the sponsor id and the
// engagement id. field names the request field for the violation.
func ParseName(field, name string) (sponsor, id string, err error) {
	p := strings.Split(name, "/")
	if len(p) != 4 || p[0] != SponsorCollection || p[2] != Collection || !ValidID(p[1]) || !ValidID(p[3]) {
		return "", "", fault.Field(field, "must be %s/{sponsor}/%s/{id} with ids of lowercase letters, digits and hyphens, got %q",
			SponsorCollection, Collection, name)
	}
	return p[1], p[3], nil
}

// ParseSponsor validates a sponsor's resource name, sponsors/{id}, and
// returns the id. With wildcard, `sponsors/-` is accepted too and yields
// AllSponsors. field names the request field for the violation.
func ParseSponsor(field, name string, wildcard bool) (string, error) {
	id, ok := strings.CutPrefix(name, SponsorCollection+"/")
	if ok && wildcard && id == AllSponsors {
		return AllSponsors, nil
	}
	if !ok || !ValidID(id) {
		var vs fault.Violations
		if wildcard {
			vs.Add(field, "must be %s/{id} with an id of lowercase letters, digits and hyphens, or %s/- for every sponsor, got %q",
				SponsorCollection, SponsorCollection, name)
		} else {
			vs.Add(field, "must be %s/{id} with an id of lowercase letters, digits and hyphens, got %q", SponsorCollection, name)
		}
		return "", vs.Err()
	}
	return id, nil
}

// CheckEtag compares the version a caller read (from its etag) with the
// current one; a mismatch is ErrConflict.
func CheckEtag(read, current int64) error {
	if read != current {
		return ErrConflict
	}
	return nil
}

// ValidID reports whether id can be a sponsor, engagement, deployment,
// need or match run id: resource.ValidKey's shape, which (unlike
// resource.ValidID) lets an id start with a digit.
func ValidID(id string) bool { return resource.ValidKey(id) }

// idLen is the length of generated ids: 26 characters of 36 give about 134
// bits, so collisions never happen in practice (and a store refuses one).
const idLen = 26

// NewID returns a fresh random id for an engagement or a deployment: a
// lowercase letter then letters and digits, so it is a valid AIP-122 id.
func NewID() string { return resource.RandomID(idLen) }
