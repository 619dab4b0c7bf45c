// Package sponsor holds the rules for the sponsors DfE matches to councils
// under intervention: the high-performing councils, the partnerships of
// councils and the charities that take on failing children's services.
// A sponsor says what it is, where it works, what it is good at and how
// much it can lend, at what day rate; whether it can lead a children's
// services trust; the councils it must not be matched to; the children it
// has placed out of area in other councils; and whether it is paused.
//
// The package is pure Go: the store (sponsorstore) and the gRPC face
// (sponsorapi) live elsewhere, and the Storer interface here is what the
// rules need from storage.
package sponsor

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Resource collections.
const (
	// Collection is the collection of sponsors: sponsors/{id}.
	Collection = "sponsors"
	// CouncilCollection is the collection of councils that member
	// councils, conflicts and placements name: localAuthorities/{gss}.
	CouncilCollection = "localAuthorities"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such sponsor.
	ReasonNotFound = "SPONSOR_NOT_FOUND"
	// ReasonAlreadyExists: a sponsor with the requested id exists.
	ReasonAlreadyExists = "SPONSOR_ALREADY_EXISTS"
)

// Limits of a sponsor's fields. They are far above any real sponsor (the
// largest council lends a few hundred staff-days a quarter) and keep a
// record, and a match run over many sponsors, bounded.
const (
	// MaxDisplayName bounds the display name, in characters.
	MaxDisplayName = 200
	// MaxMembers bounds the member councils of a partnership.
	MaxMembers = 20
	// MaxEngagements bounds the concurrent engagements a sponsor declares.
	MaxEngagements = 100
	// MaxStaffDays bounds staff-days per quarter (about 150 full-time
	// staff), for a sponsor's capacity and a need alike.
	MaxStaffDays = 10_000
	// MaxDayRatePence bounds the day rate: £5,000 a day.
	MaxDayRatePence = 500_000
	// MaxChildren bounds the children placed out of area in one council.
	MaxChildren = 10_000
)

// ErrNotFound is what a Storer returns for a sponsor it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the sponsor does not exist")

// ErrConflict is what a Storer returns when a write's pinned version moved,
// or a new sponsor's ID is taken, and what the rules return for a stale
// etag: ABORTED with reason ETAG_MISMATCH. It matches store.ErrConflict
// under errors.Is, since faults compare by kind and reason.
var ErrConflict = change.StaleEtag("the sponsor")

// Kind is what a sponsor is, named as the proto enum SponsorKind without
// its SPONSOR_KIND_ prefix.
type Kind string

// The kinds of sponsor.
const (
	// Council is one high-performing council, such as Leeds.
	Council Kind = "COUNCIL"
	// CouncilPartnership is several councils sponsoring together, such as
	// the Tri-borough.
	CouncilPartnership Kind = "COUNCIL_PARTNERSHIP"
	// Charity is a charity such as Barnardo's or the NSPCC.
	Charity Kind = "CHARITY"
)

// Kinds lists the kinds in the order of the proto enum.
var Kinds = []Kind{Council, CouncilPartnership, Charity}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// IsCouncil reports whether k is made of councils, whose member councils
// place it on the map.
func (k Kind) IsCouncil() bool { return k == Council || k == CouncilPartnership }

// Strength is how strong a sponsor is in an area, named as the proto enum
// Strength without its STRENGTH_ prefix.
type Strength string

// The strengths, weakest first.
const (
	// Developing is some experience.
	Developing Strength = "DEVELOPING"
	// Strong is good practice.
	Strong Strength = "STRONG"
	// Leading is outstanding practice others learn from.
	Leading Strength = "LEADING"
)

// Strengths lists the strengths, weakest first, in the order of the proto
// enum.
var Strengths = []Strength{Developing, Strong, Leading}

// Valid reports whether s is one of Strengths.
func (s Strength) Valid() bool { return slices.Contains(Strengths, s) }

// Level is the strength as a number, 1 (developing) to 3 (leading), and 0
// for an invalid strength: what a matching engine scores.
func (s Strength) Level() int { return slices.Index(Strengths, s) + 1 }

// Expertise is a sponsor's strength in one area.
type Expertise struct {
	// Area is one of Areas.
	Area     string
	Strength Strength
}

// Placement counts the children a sponsor (or its member councils) has
// placed out of area in one council: a load on that council's services,
// which matching weighs against sending the sponsor there.
type Placement struct {
	// Council is the GSS code of the council the children live in.
	Council  string
	Children int
}

// Sponsor is a council, partnership of councils or charity that takes on
// failing children's services.
type Sponsor struct {
	// ID is unique among sponsors: sponsors/{ID}.
	ID          string
	DisplayName string
	Kind        Kind
	// MemberCouncils are GSS codes: one for a council, two or more for a
	// partnership, none for a charity.
	MemberCouncils []string
	// RegionsServed are a charity's regions; empty for a national charity
	// and for council kinds, whose members' regions place them.
	RegionsServed []reference.Region
	// National says a charity serves every region.
	National  bool
	Expertise []Expertise
	// MaxEngagements is how many engagements the sponsor can carry at
	// once, and StaffDaysPerQuarter the staff time it can lend.
	MaxEngagements      int
	StaffDaysPerQuarter int
	// DayRatePence is what a staff-day lent is compensated at, in pence.
	DayRatePence int64
	// CanLeadTrust says the sponsor can lead a children's services trust.
	CanLeadTrust bool
	// Conflicts are GSS codes of councils the sponsor must not be matched
	// to, in the order given.
	Conflicts []string
	// OutOfArea are the sponsor's out-of-area placements, one per council.
	OutOfArea []Placement
	// Paused sponsors are never matched.
	Paused bool
	// Version is the record's check-and-set version: its etag.
	Version    int64
	UpdateTime time.Time
}

// Revision is the version sp was read at (usecase.Versioned).
func (sp Sponsor) Revision() int64 { return sp.Version }

// Clone returns a copy of s that shares nothing with it.
func (s Sponsor) Clone() Sponsor {
	s.MemberCouncils = slices.Clone(s.MemberCouncils)
	s.RegionsServed = slices.Clone(s.RegionsServed)
	s.Expertise = slices.Clone(s.Expertise)
	s.Conflicts = slices.Clone(s.Conflicts)
	s.OutOfArea = slices.Clone(s.OutOfArea)
	return s
}

// Name is the sponsor's resource name, sponsors/{id}.
func (s Sponsor) Name() string { return Name(s.ID) }

// Name returns the resource name of sponsor id.
func Name(id string) string { return Collection + "/" + id }

// Regions are the regions the sponsor works in: its member councils'
// regions for council kinds, every region for a national charity, and the
// regions served otherwise; in the order of reference.Regions, each once.
func (s Sponsor) Regions() []reference.Region {
	in := map[reference.Region]bool{}
	switch {
	case s.Kind.IsCouncil():
		for _, gss := range s.MemberCouncils {
			if c, ok := reference.CouncilByCode(gss); ok {
				in[c.Region] = true
			}
		}
	case s.National:
		return slices.Clone(reference.Regions)
	default:
		for _, r := range s.RegionsServed {
			in[r] = true
		}
	}
	var out []reference.Region
	for _, r := range reference.Regions {
		if in[r] {
			out = append(out, r)
		}
	}
	return out
}

// StrengthIn returns the sponsor's strength in area, or "" when it
// declares none.
func (s Sponsor) StrengthIn(area string) Strength {
	for _, e := range s.Expertise {
		if e.Area == area {
			return e.Strength
		}
	}
	return ""
}

// ChildrenPlacedIn returns how many children the sponsor has placed out of
// area in the council gss.
func (s Sponsor) ChildrenPlacedIn(gss string) int {
	for _, p := range s.OutOfArea {
		if p.Council == gss {
			return p.Children
		}
	}
	return 0
}

// Validate checks every client-settable field of s and reports every
// violation at once, each field path after prefix (such as "sponsor."):
//
//   - display_name is required, at most MaxDisplayName characters;
//   - kind is required; a council has exactly one member council, a
//     partnership two or more (at most MaxMembers), each one of the 152
//     councils and named once, and neither lists regions nor is national,
//     since its members place it; a charity has no member councils and is
//     national or lists the regions it serves (each once), not both;
//   - expertise names at least one area, each one of Areas, once, with a
//     strength;
//   - max_engagements and staff_days_per_quarter are 0 or more (0 lends
//     nothing, like a pause that shows in the capacity), within limits;
//   - day_rate_pence is more than 0, at most MaxDayRatePence;
//   - conflicts and out-of-area placements name councils among the 152,
//     each once; placements count at least one child.
func (s Sponsor) Validate(prefix string) error { return s.Violations(prefix).Err() }

// Violations is Validate's list of violations, for callers that report
// them together with others.
func (s Sponsor) Violations(prefix string) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	displayName.Check(add, "display_name", s.DisplayName)
	check.Enum(add, "kind", s.Kind, Kinds)
	s.checkPlace(add)
	s.checkExpertise(add)
	switch {
	case s.MaxEngagements < 0:
		add("max_engagements", "must not be negative, got %d", s.MaxEngagements)
	case s.MaxEngagements > MaxEngagements:
		add("max_engagements", "is %d; the limit is %d", s.MaxEngagements, MaxEngagements)
	}
	switch {
	case s.StaffDaysPerQuarter < 0:
		add("staff_days_per_quarter", "must not be negative, got %d", s.StaffDaysPerQuarter)
	case s.StaffDaysPerQuarter > MaxStaffDays:
		add("staff_days_per_quarter", "is %d; the limit is %d", s.StaffDaysPerQuarter, MaxStaffDays)
	}
	switch {
	case s.DayRatePence <= 0:
		add("day_rate_pence", "must be more than 0: the day rate lending councils are compensated at, in pence, such as 55000 for £550")
	case s.DayRatePence > MaxDayRatePence:
		add("day_rate_pence", "is %d; the limit is %d (£%d a day)", s.DayRatePence, MaxDayRatePence, MaxDayRatePence/100)
	}
	checkCouncils(add, "conflicts", s.Conflicts)
	seen := map[string]bool{}
	for i, p := range s.OutOfArea {
		field := check.At("out_of_area_placements", i)
		switch {
		case !knownCouncil(p.Council):
			add(field+".local_authority", "must name one of the 152 councils, localAuthorities/{gss_code}, got %q", p.Council)
		case seen[p.Council]:
			add(field+".local_authority", "names %s a second time; give each council's children once", resource.CouncilName(p.Council))
		}
		seen[p.Council] = true
		switch {
		case p.Children < 1:
			add(field+".children", "must be at least 1, got %d; leave out councils with no children placed", p.Children)
		case p.Children > MaxChildren:
			add(field+".children", "is %d; the limit is %d", p.Children, MaxChildren)
		}
	}
	return vs
}

// checkPlace checks what places the sponsor on the map: member councils
// for council kinds, regions served or national for a charity.
func (s Sponsor) checkPlace(add func(field, format string, args ...any)) {
	switch s.Kind {
	case Council, CouncilPartnership:
		switch n := len(s.MemberCouncils); {
		case s.Kind == Council && n != 1:
			add("member_councils", "must name exactly one council for a COUNCIL sponsor, got %d; "+
				"several councils sponsoring together are a COUNCIL_PARTNERSHIP", n)
		case s.Kind == CouncilPartnership && n < 2:
			add("member_councils", "must name at least two councils for a COUNCIL_PARTNERSHIP, got %d", n)
		case n > MaxMembers:
			add("member_councils", "names %d councils; the limit is %d", n, MaxMembers)
		}
		checkCouncils(add, "member_councils", s.MemberCouncils)
		if len(s.RegionsServed) > 0 {
			add("regions_served", "must be empty for a council sponsor: its member councils' regions place it")
		}
		if s.National {
			add("national", "must be false for a council sponsor: its member councils' regions place it")
		}
	case Charity:
		if len(s.MemberCouncils) > 0 {
			add("member_councils", "must be empty for a CHARITY: only council sponsors have member councils")
		}
		switch {
		case s.National && len(s.RegionsServed) > 0:
			add("regions_served", "must be empty for a national charity, which serves every region")
		case !s.National && len(s.RegionsServed) == 0:
			add("regions_served", "is required for a charity that is not national: list the regions it serves, or set national")
		}
		seen := map[reference.Region]bool{}
		for i, r := range s.RegionsServed {
			field := check.At("regions_served", i)
			if check.Enum(add, field, r, reference.Regions) && seen[r] {
				add(field, "names %s a second time; name each region once", r)
			}
			seen[r] = true
		}
	}
}

// checkExpertise checks the expertise list.
func (s Sponsor) checkExpertise(add func(field, format string, args ...any)) {
	if len(s.Expertise) == 0 {
		add("expertise", "is required: name at least one area the sponsor is strong in, one of %s", strings.Join(Areas, ", "))
	}
	seen := map[string]bool{}
	for i, e := range s.Expertise {
		field := check.At("expertise", i)
		switch {
		case !ValidArea(e.Area):
			add(field+".area", "%s", AreaMessage(e.Area))
		case seen[e.Area]:
			add(field+".area", "names %s a second time; give each area one strength", e.Area)
		}
		seen[e.Area] = true
		check.Enum(add, field+".strength", e.Strength, Strengths)
	}
}

// checkCouncils requires each of codes to be one of the 152 councils,
// named once.
func checkCouncils(add func(field, format string, args ...any), field string, codes []string) {
	seen := map[string]bool{}
	for i, gss := range codes {
		f := check.At(field, i)
		switch {
		case !knownCouncil(gss):
			add(f, "must name one of the 152 councils, localAuthorities/{gss_code}, got %q", resource.CouncilName(gss))
		case seen[gss]:
			add(f, "names %s a second time; name each council once", resource.CouncilName(gss))
		}
		seen[gss] = true
	}
}

// displayName is the rule of a sponsor's name.
var displayName = check.Text{Max: MaxDisplayName}.RequiredFor("the sponsor's name, such as Leeds City Council")

func knownCouncil(gss string) bool {
	_, ok := reference.CouncilByCode(gss)
	return ok
}
