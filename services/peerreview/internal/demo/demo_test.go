package demo

import (
	"reflect"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestGenerateIsDeterministic(t *testing.T) {
	if !reflect.DeepEqual(Generate(), Generate()) {
		t.Fatal("Generate returned different data sets")
	}
}

func TestReviewerPool(t *testing.T) {
	d := Generate()
	if len(d.Reviewers) < 40 {
		t.Errorf("%d reviewers, want at least 40", len(d.Reviewers))
	}
	regions := map[reference.Region]int{}
	roles := map[reviewer.Role]int{}
	homes := map[string]bool{}
	names := map[string]bool{}
	conflicts := 0
	for i, r := range d.Reviewers {
		rv := reviewer.Reviewer{
			DisplayName: r.DisplayName, HomeCouncil: r.HomeCouncil, Role: r.Role, Expertise: r.Expertise,
			AvailableDaysPerQuarter: r.AvailableDaysPerQuarter, Conflicts: r.Conflicts,
		}
		if err := rv.Validate("reviewer."); err != nil {
			t.Errorf("reviewer %d (%s) is invalid: %v", i, r.DisplayName, err)
		}
		if names[r.DisplayName] {
			t.Errorf("two reviewers are called %s", r.DisplayName)
		}
		names[r.DisplayName] = true
		if len(r.Expertise) == 0 || r.AvailableDaysPerQuarter == 0 {
			t.Errorf("%s has no expertise or no days", r.DisplayName)
		}
		regions[rv.Region()]++
		roles[r.Role]++
		homes[r.HomeCouncil] = true
		conflicts += len(r.Conflicts)
		if slices.Contains(InadequateCouncils(), r.HomeCouncil) {
			t.Errorf("%s comes from %s, which the data set judges inadequate", r.DisplayName, r.HomeCouncil)
		}
	}
	for _, region := range reference.Regions {
		if regions[region] < 3 {
			t.Errorf("%d reviewers from %s, want at least 3", regions[region], region)
		}
	}
	for _, role := range reviewer.Roles {
		if roles[role] == 0 {
			t.Errorf("no reviewer is a %s", role)
		}
	}
	if roles[reviewer.Director]+roles[reviewer.LGAAssociate] < 9 {
		t.Errorf("too few possible leads: %v", roles)
	}
	for _, gss := range sponsorCouncils {
		if !homes[gss] {
			t.Errorf("no reviewer comes from sponsor council %s", gss)
		}
	}
	if conflicts < 3 {
		t.Errorf("%d declared conflicts, want a few", conflicts)
	}
}

func TestReviews(t *testing.T) {
	d := Generate()
	states := map[review.State]int{}
	underWay := map[string]bool{}
	completedByRegion := map[reference.Region]int{}
	keys := map[string]bool{}
	for _, rv := range d.Reviews {
		states[rv.State]++
		if keys[rv.Key] {
			t.Errorf("review key %s repeats", rv.Key)
		}
		keys[rv.Key] = true
		c, ok := reference.CouncilByCode(rv.Council)
		if !ok {
			t.Errorf("%s: unknown council", rv.Key)
		}
		if rv.State.UnderWay() {
			if underWay[rv.Council] {
				t.Errorf("%s has two reviews under way", rv.Council)
			}
			underWay[rv.Council] = true
		}
		if err := review.CheckRequest(rv.Kind, rv.Reason); err != nil {
			t.Errorf("%s: request: %v", rv.Key, err)
		}
		scheduled := rv.State != review.Requested && rv.State != review.Cancelled
		if scheduled != !rv.Start.IsZero() {
			t.Errorf("%s (%s): dates %v–%v", rv.Key, rv.State, rv.Start, rv.End)
		}
		if scheduled {
			if err := review.CheckDates(rv.Start, rv.End, rv.Requested); err != nil {
				t.Errorf("%s: dates: %v", rv.Key, err)
			}
		}
		hasFindings := rv.State == review.Reporting || rv.State == review.Completed
		if hasFindings {
			if err := review.ValidateFindings(rv.Findings); err != nil {
				t.Errorf("%s: findings: %v", rv.Key, err)
			}
		} else if len(rv.Findings) > 0 {
			t.Errorf("%s (%s) has findings", rv.Key, rv.State)
		}
		switch rv.State {
		case review.Completed:
			completedByRegion[c.Region]++
			if err := review.CheckConclusion(rv.Risk, rv.Conclusion); err != nil {
				t.Errorf("%s: conclusion: %v", rv.Key, err)
			}
			if !rv.Completed.After(rv.End) || rv.Completed.After(d.AsOf) {
				t.Errorf("%s completed %v, on site until %v", rv.Key, rv.Completed, rv.End)
			}
		case review.Cancelled:
			if err := review.CheckCancelReason(rv.CancelReason); err != nil || !rv.Cancelled.After(rv.Requested) {
				t.Errorf("%s: cancellation %v on %v", rv.Key, err, rv.Cancelled)
			}
		}
	}
	for _, s := range review.States {
		if states[s] < 2 {
			t.Errorf("%d reviews %s, want a few in each state", states[s], s)
		}
	}
	if states[review.Completed] < 8 {
		t.Errorf("%d completed reviews, want at least 8", states[review.Completed])
	}
	councils := map[string]bool{}
	for _, rv := range d.Reviews {
		if rv.State == review.Completed {
			councils[rv.Council] = true
		}
	}
	if len(councils) < disclosure.DefaultMinCouncils {
		t.Errorf("completed reviews by region %v: want at least the disclosure threshold of %d councils, so What Works has a summary",
			completedByRegion, disclosure.DefaultMinCouncils)
	}
}

// TestWhatWorksIsMeaningful summarises the completed reviews as the service
// would, at the suite's disclosure threshold, and checks that the themes
// survive suppression. No region of the demo has ten councils reviewed, so
// the regional breakdown is one group, OTHER, as docs/peerreview.md says.
func TestWhatWorksIsMeaningful(t *testing.T) {
	d := Generate()
	var rs []review.Review
	for _, rv := range d.Reviews {
		rs = append(rs, review.Review{GSSCode: rv.Council, State: rv.State, Findings: rv.Findings, CompleteTime: rv.Completed})
	}
	sum := whatworks.Summarise(rs, nil, disclosure.DefaultMinCouncils)
	if sum.Withheld != "" || len(sum.Themes) < 8 {
		t.Errorf("%d themes summarised, want most of the taxonomy", len(sum.Themes))
	}
	var strengths, weaknesses, severe int
	for _, s := range sum.Themes {
		strengths += s.Overall.Strengths
		weaknesses += s.Overall.AreasForImprovement
		severe += s.Overall.Severe
		for _, c := range append(s.ByRegion, s.ByLaterGrade...) {
			if c.Councils < disclosure.DefaultMinCouncils {
				t.Errorf("%s: group %s of %d councils shown", s.Theme, c.Group, c.Councils)
			}
		}
	}
	if strengths == 0 || weaknesses == 0 || severe == 0 {
		t.Errorf("strengths %d, areas for improvement %d, severe %d: want all three", strengths, weaknesses, severe)
	}
}

func TestOffersInEveryTier(t *testing.T) {
	d := Generate()
	tiers := map[offer.Tier]int{}
	states := map[offer.State]bool{}
	offered := map[string]bool{}
	for _, o := range d.Offers {
		tiers[o.Tier]++
		states[o.State] = true
		offered[o.Council] = true
		switch o.Tier {
		case offer.Standard:
			full := offer.Offer{GSSCode: o.Council, Tier: o.Tier, Reasons: o.Reasons, Activities: o.Activities}
			if err := full.Validate(""); err != nil {
				t.Errorf("standard offer to %s: %v", o.Council, err)
			}
		case offer.InadequateCouncil:
			j := offer.Judgement{Inspection: o.Inspection, Framework: "SIF", OverallGrade: reference.Inadequate, KeyJudgements: o.KeyJudgements, PublishDate: o.Published}
			if _, ok := offer.JudgementPlan(j); !ok || !slices.Contains(InadequateCouncils(), o.Council) {
				t.Errorf("inadequate-council offer to %s calls for no support", o.Council)
			}
		default:
			t.Errorf("offer to %s has tier %s; enhanced offers come from reviews", o.Council, o.Tier)
		}
	}
	for _, rv := range d.Reviews {
		if rv.NeedsEnhancedOffer() {
			tiers[offer.Enhanced]++
			if offered[rv.Council] {
				t.Errorf("%s has an offer already, so its review would upgrade it rather than add an enhanced one", rv.Council)
			}
		}
	}
	for _, tier := range offer.Tiers {
		if tiers[tier] == 0 {
			t.Errorf("no offer of tier %s", tier)
		}
	}
	for _, s := range []offer.State{offer.Offered, offer.Accepted, offer.Active} {
		if !states[s] {
			t.Errorf("no offer %s", s)
		}
	}
}

func TestLessons(t *testing.T) {
	d := Generate()
	byKey := map[string]Review{}
	for _, rv := range d.Reviews {
		byKey[rv.Key] = rv
	}
	if len(d.Lessons) < 3 {
		t.Fatalf("%d lessons, want a few", len(d.Lessons))
	}
	for _, l := range d.Lessons {
		draft := whatworks.Draft{Title: l.Title, Theme: l.Theme, Summary: l.Summary, Council: "localAuthorities/" + l.Council}
		if l.ReviewKey != "" {
			rv, ok := byKey[l.ReviewKey]
			if !ok || rv.State != review.Completed || rv.Council != l.Council {
				t.Errorf("lesson %q refers to %s, which is not a completed review of its council", l.Title, l.ReviewKey)
			}
			draft.PeerReview = review.Name(l.Council, "x")
		}
		if _, err := draft.Parse("lesson.", d.AsOf); err != nil {
			t.Errorf("lesson %q: %v", l.Title, err)
		}
	}
}
