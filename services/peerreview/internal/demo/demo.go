// Package demo generates the peer-review service's demonstration data set,
// which an embedded Turnaround loads on start.
//
// THE DATA IS SYNTHETIC. The councils are the real 152 of December 2015, but
// every reviewer (name, role, expertise), every review, finding and
// conclusion, every support offer and every lesson here is invented. None
// of it describes a real person, review or council.
//
// The set: a reviewer pool of 48 peers from all nine regions (directors,
// principal social workers, team managers, elected members and LGA
// associates), most from councils with a strong record, the sponsor
// councils among them; peer reviews in every state, thirteen of them
// completed with findings across the themes so that the What Works summary
// has groups above its minimum size; standard and inadequate-council
// support offers, and completed reviews whose conclusions call for enhanced
// offers; and lessons drawn from the completed reviews. Dates run from 2014
// to the inspection demo's "as of" day, 14 December 2015.
//
// The package is pure and deterministic: Generate returns the same data set
// on every call and in every process.
package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Synthetic marks this data set as invented; anything that shows it should
// say so.
const Synthetic = true

// Seed fixes the generator, and so the whole data set.
const Seed = 20151215

// Label is prefixed to text the demo writes where people read it (offer
// reasons, lesson summaries), so nobody mistakes it for a real record.
const Label = "[Synthetic demo data] "

// AsOf is the day the data set describes, the inspection demo's: the week
// of the LGA's projection.
var AsOf = date(2015, time.December, 14)

// Reviewer is one peer of the pool.
type Reviewer struct {
	DisplayName string
	// HomeCouncil is a GSS code; "" for an LGA associate without one.
	HomeCouncil             string
	Role                    reviewer.Role
	Expertise               []reviewer.Theme
	AvailableDaysPerQuarter int
	// Conflicts are GSS codes of councils the reviewer must not review.
	Conflicts []string
}

// Review is one peer review, as it stands on AsOf. The loader moves it
// through each state up to State, on the dates given.
type Review struct {
	// Key identifies the review within the data set (lessons refer to it).
	Key     string
	Council string
	Kind    review.Kind
	State   review.State
	Reason  string
	// Requested is when it was requested.
	Requested time.Time
	// Start and End are the days on site; zero for a review never
	// scheduled.
	Start, End time.Time
	// Findings are recorded for reviews reporting or completed.
	Findings []review.Finding
	// Risk, Conclusion and Completed are set for completed reviews.
	Risk       review.Risk
	Conclusion string
	Completed  time.Time
	// CancelReason and Cancelled are set for cancelled reviews.
	CancelReason string
	Cancelled    time.Time
}

// NeedsEnhancedOffer reports whether the review's conclusion calls for an
// enhanced support offer, by the rule the review package applies.
func (r Review) NeedsEnhancedOffer() bool {
	return review.Review{State: r.State, ConclusionRisk: r.Risk, Findings: r.Findings}.NeedsEnhancedOffer()
}

// Offer is a support offer made directly, not from a review: the standard
// tier, made by an LGA adviser, and the inadequate-council tier, made from
// a (synthetic) inadequate judgement as the judgement consumer makes it.
type Offer struct {
	Council string
	Tier    offer.Tier
	// State is where the offer stands on AsOf: OFFERED, ACCEPTED (by the
	// council) or ACTIVE (started by the LGA).
	State offer.State
	// Reasons and Activities are the standard offer's.
	Reasons    []string
	Activities []offer.Activity
	// Inspection, Published and KeyJudgements describe the judgement
	// behind an inadequate-council offer. The inspection is named in this
	// data set only: the inspection service's demo generates its own.
	Inspection    string
	Published     time.Time
	KeyJudgements map[string]reference.Grade
}

// Lesson is a good-practice entry, usually from a completed review whose
// council agreed to share it.
type Lesson struct {
	Title   string
	Theme   reviewer.Theme
	Summary string
	Council string
	// ReviewKey is the Key of the completed review it comes from; "" for
	// none.
	ReviewKey string
}

// Data is the whole data set.
type Data struct {
	AsOf      time.Time
	Reviewers []Reviewer
	Reviews   []Review
	Offers    []Offer
	Lessons   []Lesson
}

// Generate returns the data set.
func Generate() Data {
	rng := rand.New(rand.NewPCG(Seed, Seed>>7))
	d := Data{AsOf: AsOf, Reviewers: reviewers()}
	d.Reviews = reviews(rng)
	d.Offers = offers()
	d.Lessons = lessons(d.Reviews)
	return d
}

// The sponsor councils: the six high performers given academy-style
// freedoms (the tri-borough and Richmond & Kingston count their members).
var sponsorCouncils = []string{
	"E10000023", "E10000014", "E09000033", "E09000013", "E09000020", "E08000035", "E06000047", "E09000027", "E09000021",
}

// Councils judged inadequate in the data set's story (Doncaster, Slough):
// their offers are improvement support, and no reviewer comes from them.
var inadequateCouncils = []string{"E08000017", "E06000039"}

// InadequateCouncils returns the GSS codes of the councils the data set
// treats as judged inadequate, for team proposals made while loading it.
func InadequateCouncils() []string { return slices.Clone(inadequateCouncils) }

type themes = []reviewer.Theme

const (
	director = reviewer.Director
	psw      = reviewer.PrincipalSocialWorker
	manager  = reviewer.TeamManager
	member   = reviewer.ElectedMember
	lga      = reviewer.LGAAssociate
)

var (
	leadership  = reviewer.Leadership
	workforce   = reviewer.WorkforceStability
	caseloads   = reviewer.Caseloads
	frontDoor   = reviewer.FrontDoorAndReferrals
	assessment  = reviewer.AssessmentTimeliness
	cpPractice  = reviewer.ChildProtectionPractice
	placements  = reviewer.LookedAfterPlacements
	permanence  = reviewer.Permanence
	careLeavers = reviewer.CareLeavers
	partnership = reviewer.PartnershipAndLSCB
	qa          = reviewer.QualityAssurance
	data        = reviewer.DataAndPerformance
	voice       = reviewer.VoiceOfTheChild
)

// reviewers is the pool: five or six per region, most from councils with a
// strong record, and three LGA associates.
func reviewers() []Reviewer {
	r := func(name, home string, role reviewer.Role, days int, exp themes, conflicts ...string) Reviewer {
		return Reviewer{DisplayName: name, HomeCouncil: home, Role: role, Expertise: exp, AvailableDaysPerQuarter: days, Conflicts: conflicts}
	}
	return []Reviewer{
		// North East.
		r("Margaret Ellison", "E06000047", director, 12, themes{leadership, qa, partnership}),
		r("Graham Tully", "E08000037", psw, 10, themes{cpPractice, voice, assessment}),
		r("Aisha Rahman", "E08000021", manager, 8, themes{frontDoor, assessment}),
		r("Cllr Peter Dodds", "E08000022", member, 6, themes{leadership, partnership}),
		r("Susan Brannigan", "E06000004", manager, 8, themes{placements, permanence}, "E06000001"),
		// North West.
		r("David Hargreaves", "E08000009", director, 12, themes{leadership, workforce, data}, "E08000008"),
		r("Claire Whitworth", "E08000010", psw, 10, themes{cpPractice, qa, voice}),
		r("Imran Qureshi", "E08000007", manager, 8, themes{frontDoor, caseloads}),
		r("Joanne Pickering", "E06000007", director, 10, themes{permanence, placements, leadership}),
		r("Cllr Maureen Byrne", "E06000050", member, 5, themes{leadership, careLeavers}),
		// Yorkshire and the Humber.
		r("Richard Holroyd", "E08000035", director, 14, themes{leadership, workforce, partnership}),
		r("Nadia Begum", "E08000035", psw, 10, themes{voice, cpPractice, qa}),
		r("Andrew Fairburn", "E10000023", director, 12, themes{leadership, data, qa}, "E06000014"),
		r("Helen Marsden", "E10000023", manager, 9, themes{caseloads, workforce, assessment}),
		r("Tom Ashworth", "E06000011", manager, 8, themes{placements, careLeavers}),
		r("Sarah Lindqvist", "E06000014", psw, 8, themes{permanence, voice}),
		// East Midlands.
		r("Julian Prentice", "E10000018", director, 10, themes{leadership, qa, workforce}),
		r("Gurpreet Sandhu", "E10000007", psw, 10, themes{assessment, cpPractice}),
		r("Karen Whitlock", "E10000024", manager, 8, themes{frontDoor, data}, "E06000018"),
		r("Cllr Edward Stainton", "E10000019", member, 5, themes{leadership, partnership}),
		r("Fiona Calder", "E06000017", manager, 6, themes{careLeavers, permanence}),
		// West Midlands.
		r("Mark Edgerton", "E10000031", director, 12, themes{leadership, data, frontDoor}),
		r("Priya Chauhan", "E06000051", psw, 9, themes{voice, qa, assessment}),
		r("Lisa Brookes", "E06000020", manager, 8, themes{caseloads, workforce}),
		r("Stephen Oakley", "E10000028", director, 10, themes{placements, permanence, leadership}, "E08000030"),
		r("Cllr Rachel Moss", "E08000031", member, 5, themes{leadership, careLeavers}),
		// East of England.
		r("Christopher Blake", "E10000012", director, 14, themes{leadership, workforce, qa}),
		r("Hannah Goldsmith", "E10000015", psw, 10, themes{cpPractice, voice, frontDoor}),
		r("Oliver Pearce", "E10000003", manager, 8, themes{assessment, caseloads}),
		r("Deborah Kent", "E10000029", manager, 8, themes{placements, careLeavers}, "E10000020"),
		r("Cllr James Whitfield", "E06000056", member, 5, themes{partnership, leadership}),
		// London.
		r("Eleanor Fitzgerald", "E09000033", director, 14, themes{leadership, qa, data}),
		r("Kwame Mensah", "E09000013", psw, 10, themes{voice, cpPractice, careLeavers}),
		r("Sophie Harrington", "E09000020", manager, 8, themes{frontDoor, assessment}),
		r("Daniel Okafor", "E09000027", director, 10, themes{workforce, caseloads, leadership}),
		r("Ruth Abrahams", "E09000021", psw, 9, themes{permanence, placements, voice}),
		r("Cllr Yasmin Ali", "E09000012", member, 5, themes{leadership, partnership}, "E09000022"),
		// South East.
		r("Jonathan Pryce", "E10000014", director, 14, themes{leadership, partnership, qa}),
		r("Amanda Lowther", "E10000014", psw, 10, themes{cpPractice, assessment, voice}),
		r("Neil Carrington", "E10000016", manager, 8, themes{frontDoor, caseloads, data}, "E06000035"),
		r("Victoria Hale", "E10000025", director, 10, themes{permanence, careLeavers, placements}),
		r("Cllr Patricia Dunmore", "E06000040", member, 5, themes{leadership, careLeavers}),
		// South West.
		r("Michael Tremayne", "E06000052", director, 12, themes{leadership, workforce, partnership}),
		r("Catherine Rowe", "E06000022", psw, 9, themes{voice, qa, cpPractice}),
		r("Ben Hollis", "E06000054", manager, 8, themes{assessment, frontDoor, data}, "E06000030"),
		// LGA associates: former directors and inspectors, no home council.
		r("Alan Whitehead", "", lga, 16, themes{leadership, qa, data, partnership}),
		r("Janet Moorcroft", "", lga, 14, themes{cpPractice, assessment, frontDoor, voice}),
		r("Rebecca Sewell", "", lga, 12, themes{workforce, caseloads, permanence}),
	}
}

// strongThemes are where reviews usually found strengths; weakThemes where
// they usually found areas for improvement, the "common reasons for
// failure" the councils asked to learn from.
var (
	strongThemes = themes{leadership, partnership, voice, permanence, careLeavers, placements, qa}
	weakThemes   = themes{workforce, caseloads, assessment, frontDoor, qa, data, cpPractice, placements}
)

// plannedReview is a review before its dates and findings are derived.
type plannedReview struct {
	council string
	kind    review.Kind
	state   review.State
	risk    review.Risk
}

const (
	peer    = review.SafeguardingPeerReview
	spd     = review.SafeguardingPracticeDiagnostic
	cpd     = review.CarePracticeDiagnostic
	riskNo  = review.RiskNone
	riskLow = review.RiskLow
	riskMed = review.RiskMedium
	riskHi  = review.RiskHigh
)

// plannedReviews: thirteen completed (three in each of four regions and
// one in London, whose group the What Works summary folds into OTHER), and
// two or three in each other state.
var plannedReviews = []plannedReview{
	{"E06000009", peer, review.Completed, riskHi},  // Blackpool
	{"E08000011", spd, review.Completed, riskMed},  // Knowsley
	{"E08000008", peer, review.Completed, riskLow}, // Tameside
	{"E08000028", peer, review.Completed, riskHi},  // Sandwell
	{"E08000030", cpd, review.Completed, riskLow},  // Walsall
	{"E08000026", spd, review.Completed, riskMed},  // Coventry
	{"E06000035", peer, review.Completed, riskMed}, // Medway
	{"E06000038", cpd, review.Completed, riskLow},  // Reading
	{"E06000044", spd, review.Completed, riskNo},   // Portsmouth
	{"E10000020", peer, review.Completed, riskLow}, // Norfolk
	{"E06000031", cpd, review.Completed, riskNo},   // Peterborough
	{"E06000032", spd, review.Completed, riskLow},  // Luton
	{"E09000008", peer, review.Completed, riskHi},  // Croydon
	{"E06000002", peer, review.Requested, ""},      // Middlesbrough
	{"E06000023", spd, review.Requested, ""},       // Bristol
	{"E09000022", cpd, review.Requested, ""},       // Lambeth
	{"E10000021", peer, review.Scheduled, ""},      // Northamptonshire
	{"E06000045", spd, review.Scheduled, ""},       // Southampton
	{"E08000018", peer, review.OnSite, ""},         // Rotherham
	{"E06000027", cpd, review.OnSite, ""},          // Torbay
	{"E08000025", peer, review.Reporting, riskHi},  // Birmingham
	{"E06000018", spd, review.Reporting, riskMed},  // Nottingham
	{"E06000034", spd, review.Cancelled, ""},       // Thurrock
	{"E06000001", cpd, review.Cancelled, ""},       // Hartlepool
}

// reviews derives dates and findings. Completed reviews are spread from
// February 2014 to autumn 2015; the others sit around AsOf: requested in
// the autumn, scheduled for January, on site this week, reporting on
// November's visit.
func reviews(rng *rand.Rand) []Review {
	out := make([]Review, 0, len(plannedReviews))
	done := 0
	for i, p := range plannedReviews {
		rv := Review{
			Key:     "review-" + p.council,
			Council: p.council,
			Kind:    p.kind,
			State:   p.state,
			Reason:  requestReasons[i%len(requestReasons)],
		}
		days := 4
		if p.kind != peer {
			days = 3
		}
		switch p.state {
		case review.Completed:
			rv.Start = monday(date(2014, time.February, 3).AddDate(0, 0, 7*6*done))
			done++
			rv.Requested = rv.Start.AddDate(0, 0, -56)
			rv.Completed = rv.Start.AddDate(0, 0, 28+rng.IntN(14)).Add(15 * time.Hour)
		case review.Requested:
			rv.Requested = AsOf.AddDate(0, 0, -14-7*i%35)
		case review.Scheduled:
			rv.Requested = AsOf.AddDate(0, -2, 0)
			rv.Start = monday(date(2016, time.January, 11).AddDate(0, 0, 7*(i%3)))
		case review.OnSite:
			rv.Requested = AsOf.AddDate(0, -3, 0)
			rv.Start = monday(AsOf)
		case review.Reporting:
			rv.Requested = AsOf.AddDate(0, -4, 0)
			rv.Start = monday(date(2015, time.November, 9).AddDate(0, 0, 7*(i%3)))
		case review.Cancelled:
			rv.Requested = AsOf.AddDate(0, -5, 0)
			rv.Cancelled = rv.Requested.AddDate(0, 1, 0)
			rv.CancelReason = "The council's director left and the new interim director asked to postpone until spring."
		}
		if !rv.Start.IsZero() {
			rv.End = rv.Start.AddDate(0, 0, days-1)
		}
		if p.state == review.Completed || p.state == review.Reporting {
			rv.Findings = findings(rng, p.risk)
		}
		if p.state == review.Completed {
			rv.Risk = p.risk
			rv.Conclusion = conclusions[string(p.risk)]
		}
		out = append(out, rv)
	}
	return out
}

// findings draws a review's findings: more strengths and milder areas for
// improvement the lower the risk, severe ones at high risk (leadership
// first, as the reviews of failing councils found).
func findings(rng *rand.Rand, risk review.Risk) []review.Finding {
	var strengths, weaknesses int
	var severities []review.Severity
	switch risk {
	case riskNo:
		strengths, weaknesses, severities = 4, 1, []review.Severity{review.Minor}
	case riskLow:
		strengths, weaknesses, severities = 3, 2, []review.Severity{review.Minor, review.Significant}
	case riskMed:
		strengths, weaknesses, severities = 2, 3, []review.Severity{review.Significant, review.Significant, review.Minor}
	default:
		strengths, weaknesses, severities = 1, 4, []review.Severity{review.Severe, review.Severe, review.Significant, review.Significant}
	}
	used := map[reviewer.Theme]bool{}
	var out []review.Finding
	if risk == riskHi {
		used[leadership] = true
		out = append(out, weakness(leadership, severities[0]))
		severities, weaknesses = severities[1:], weaknesses-1
	}
	for _, t := range pick(rng, weakThemes, weaknesses, used) {
		out = append(out, weakness(t, severities[0]))
		severities = severities[1:]
	}
	for _, t := range pick(rng, strongThemes, strengths, used) {
		out = append(out, review.Finding{Theme: t, Kind: review.Strength, Evidence: evidence[t].strength})
	}
	return out
}

func weakness(t reviewer.Theme, s review.Severity) review.Finding {
	return review.Finding{Theme: t, Kind: review.AreaForImprovement, Severity: s, Evidence: evidence[t].weakness}
}

// pick draws n themes from from that are not in used, marking them used.
func pick(rng *rand.Rand, from themes, n int, used map[reviewer.Theme]bool) themes {
	var free themes
	for _, t := range from {
		if !used[t] {
			free = append(free, t)
		}
	}
	rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	out := free[:min(n, len(free))]
	for _, t := range out {
		used[t] = true
	}
	return out
}

// offers are the standard and inadequate-council offers; enhanced offers
// come from the completed reviews' conclusions.
func offers() []Offer {
	standard := func(gss string, state offer.State, reason string, acts ...offer.Activity) Offer {
		return Offer{Council: gss, Tier: offer.Standard, State: state, Reasons: []string{Label + reason}, Activities: acts}
	}
	act := func(kind offer.ActivityKind, days int, desc string, lenders ...string) offer.Activity {
		return offer.Activity{Kind: kind, Days: days, ProvidingCouncils: lenders, Description: Label + desc}
	}
	inadequate := func(gss string, state offer.State, published time.Time, leadershipInadequate bool) Offer {
		kj := map[string]reference.Grade{
			"HELP_AND_PROTECTION":         reference.Inadequate,
			"LOOKED_AFTER_AND_PERMANENCE": reference.RequiresImprovement,
			"ADOPTION_PERFORMANCE":        reference.RequiresImprovement,
			"CARE_LEAVERS":                reference.RequiresImprovement,
			offer.LeadershipArea:          reference.RequiresImprovement,
			"LSCB":                        reference.RequiresImprovement,
		}
		if leadershipInadequate {
			kj[offer.LeadershipArea] = reference.Inadequate
		}
		return Offer{
			Council: gss, Tier: offer.InadequateCouncil, State: state,
			Inspection: "localAuthorities/" + gss + "/inspections/synthetic-demo-judgement",
			Published:  published, KeyJudgements: kj,
		}
	}
	return []Offer{
		standard("E08000001", offer.Active, "Bolton asked for help to embed its new early help strategy.",
			act(offer.Mentoring, 6, "Mentoring for the head of early help by a peer from Leeds.", "E08000035"),
			act(offer.PracticeWorkshops, 4, "Workshops on early help assessments.", "E08000009")),
		standard("E06000015", offer.Accepted, "Derby wants to strengthen management oversight of assessments.",
			act(offer.PracticeWorkshops, 5, "Workshops for team managers on supervision and oversight.", "E10000018")),
		standard("E06000030", offer.Offered, "Swindon's self-assessment asked for support with its performance data.",
			act(offer.DiagnosticFollowUp, 3, "A data and performance diagnostic with a peer analyst.", "E06000022")),
		inadequate("E08000017", offer.Accepted, date(2015, time.March, 20), true),
		inadequate("E06000039", offer.Offered, date(2015, time.July, 10), false),
	}
}

// lessons are drawn from completed reviews with strengths (the first
// strength of four low-risk reviews) and one council known for its
// practice, not from a review.
func lessons(rs []Review) []Lesson {
	var out []Lesson
	for _, rv := range rs {
		if rv.State != review.Completed || (rv.Risk != riskNo && rv.Risk != riskLow) || len(out) == 4 {
			continue
		}
		for _, f := range rv.Findings {
			if f.Kind != review.Strength {
				continue
			}
			c, _ := reference.CouncilByCode(rv.Council)
			out = append(out, Lesson{
				Title:     c.Name + ": " + themeTitle[f.Theme],
				Theme:     f.Theme,
				Summary:   Label + f.Evidence + " The council agreed to share how it got there with other councils.",
				Council:   rv.Council,
				ReviewKey: rv.Key,
			})
			break
		}
	}
	out = append(out, Lesson{
		Title:   "Leeds: restorative practice across the partnership",
		Theme:   partnership,
		Summary: Label + "Working with families rather than doing to them, from the front door to the LSCB, with every partner trained in the same approach.",
		Council: "E08000035",
	})
	return out
}

// themeTitle names the themes in words for lesson titles.
var themeTitle = map[reviewer.Theme]string{
	leadership: "leadership with a clear vision", workforce: "a stable workforce", caseloads: "manageable caseloads",
	frontDoor: "a front door that works", assessment: "timely assessments", cpPractice: "child protection plans that work",
	placements: "stable placements close to home", permanence: "permanence without drift", careLeavers: "staying in touch with care leavers",
	partnership: "a partnership that holds partners to account", qa: "audit that changes practice", data: "data managers trust",
	voice: "children's voices in their plans",
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// monday returns t if it is a Monday, else the Monday after.
func monday(t time.Time) time.Time {
	for t.Weekday() != time.Monday {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
