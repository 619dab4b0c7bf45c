package matchrun

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

var now = time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)

func TestCheckDecider(t *testing.T) {
	for _, tc := range []struct {
		name    string
		state   State
		subject string
		kind    fault.Kind
		reason  string
	}{
		{"second official on a proposed run", Proposed, "official-2", 0, ""},
		{"the official who ran it", Proposed, "official-1", fault.KindPermissionDenied, ReasonFourEyes},
		{"the runner, even on a dry run", DryRun, "official-1", fault.KindPermissionDenied, ReasonFourEyes},
		{"a dry run", DryRun, "official-2", fault.KindFailedPrecondition, ReasonNotProposed},
		{"an approved run", Approved, "official-2", fault.KindFailedPrecondition, ReasonNotProposed},
		{"a rejected run", Rejected, "official-2", fault.KindFailedPrecondition, ReasonNotProposed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Run{ID: "r1", State: tc.state, RunBy: "official-1"}.CheckDecider(tc.subject)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("CheckDecider: %v", err)
				}
				return
			}
			if !fault.IsKind(err, tc.kind) || rpctest.Reason(err) != tc.reason {
				t.Fatalf("CheckDecider: %v, want kind %v reason %s", err, tc.kind, tc.reason)
			}
		})
	}
}

func TestStateFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		dry  bool
		o    match.Overrides
		want State
	}{
		{"real run", false, match.Overrides{}, Proposed},
		{"dry run", true, match.Overrides{}, DryRun},
		{"exclusion", false, match.Overrides{ExcludeSponsors: []string{"leeds"}}, DryRun},
		{"capacity", false, match.Overrides{Capacities: []match.CapacityOverride{{Sponsor: "leeds", Engagements: 1}}}, DryRun},
		{"pin", false, match.Overrides{Pin: []match.Pair{{Need: "n", Sponsor: "leeds"}}}, DryRun},
		{"forbid", false, match.Overrides{Forbid: []match.Pair{{Need: "n", Sponsor: "leeds"}}}, DryRun},
	} {
		if got := StateFor(tc.dry, tc.o); got != tc.want {
			t.Errorf("%s: StateFor = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestApprovalSteps(t *testing.T) {
	run := Run{ID: "r1", State: Proposed, RunBy: "official-1", Version: 3}
	if _, err := run.Approve(nil); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Fatalf("Approve without a claim: %v, want FAILED_PRECONDITION", err)
	}
	claimed := run.Claim("official-2", now)
	if claimed.Approving == nil || claimed.Approving.By != "official-2" || claimed.Approving.FromVersion != 3 || run.Approving != nil {
		t.Fatalf("Claim: %+v (original %+v)", claimed.Approving, run.Approving)
	}
	claimed.Version = 4
	for _, read := range []int64{3, 4} {
		if err := claimed.CheckEtag(read); err != nil {
			t.Errorf("CheckEtag(%d) during approval: %v", read, err)
		}
	}
	if err := claimed.CheckEtag(2); !errors.Is(err, ErrConflict) {
		t.Errorf("CheckEtag(2): %v, want ErrConflict", err)
	}
	if again := claimed.Claim("official-3", now.Add(time.Hour)); again.Approving.By != "official-2" {
		t.Errorf("a second claim replaced the first: %+v", again.Approving)
	}
	if _, err := claimed.Reject("official-3", "too late", now); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("Reject during approval: %v, want FAILED_PRECONDITION", err)
	}
	approved, err := claimed.Approve([]string{"sponsors/leeds/engagements/e1"})
	if err != nil {
		t.Fatal(err)
	}
	if approved.State != Approved || approved.DecidedBy != "official-2" || approved.Approving != nil ||
		!approved.DecideTime.Equal(now) || len(approved.Engagements) != 1 {
		t.Errorf("Approve: %+v", approved)
	}
}

func TestReject(t *testing.T) {
	run := Run{ID: "r1", State: Proposed, RunBy: "official-1"}
	for _, tc := range []struct {
		name, subject, reason string
		kind                  fault.Kind
	}{
		{"no reason", "official-2", "  ", fault.KindInvalid},
		{"too long", "official-2", strings.Repeat("x", MaxReason+1), fault.KindInvalid},
		{"four eyes", "official-1", "wrong sponsor", fault.KindPermissionDenied},
	} {
		if _, err := run.Reject(tc.subject, tc.reason, now); !fault.IsKind(err, tc.kind) {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.kind)
		}
	}
	got, err := run.Reject("official-2", " capacity is wrong ", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != Rejected || got.RejectReason != "capacity is wrong" || got.DecidedBy != "official-2" {
		t.Errorf("Reject: %+v", got)
	}
}

func TestCheckInputs(t *testing.T) {
	run := Run{ID: "r1", Result: &match.Result{Fingerprint: "abc"}}
	if err := run.CheckInputs("abc"); err != nil {
		t.Errorf("same fingerprint: %v", err)
	}
	if err := run.CheckInputs("abd"); rpctest.Reason(err) != ReasonInputsChanged || !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("changed fingerprint: %v, want INPUTS_CHANGED", err)
	}
}

func TestEngagementID(t *testing.T) {
	a := EngagementID("run-1", "localAuthorities/E06000039/sponsorNeeds/n1")
	if a != EngagementID("run-1", "localAuthorities/E06000039/sponsorNeeds/n1") {
		t.Error("EngagementID is not deterministic")
	}
	for _, other := range []string{
		EngagementID("run-2", "localAuthorities/E06000039/sponsorNeeds/n1"),
		EngagementID("run-1", "localAuthorities/E06000039/sponsorNeeds/n2"),
	} {
		if other == a {
			t.Errorf("EngagementID collides: %s", a)
		}
	}
	if !engagement.ValidID(a) || !need.ValidEngagementName(engagement.Name("leeds", a)) {
		t.Errorf("EngagementID %q is not a valid engagement id", a)
	}
	if id := IDFor("official-1", "req-1"); id != IDFor("official-1", "req-1") || id == IDFor("official-2", "req-1") || !engagement.ValidID(id) {
		t.Errorf("IDFor: %q", id)
	}
}

func TestParseName(t *testing.T) {
	storetest.IDNames(t, storetest.IDIn(Collection), map[string]string{"matchRuns/run-1": "run-1"},
		[]string{"matchRuns/", "matchRuns/Run", "runs/run-1", "matchRuns/a/b"})
}

func TestResolveWeights(t *testing.T) {
	w, vs := ResolveWeights(WeightsSpec{Expertise: 60, OutOfArea: 5}, "weights.")
	want := match.DefaultWeights()
	want.Expertise, want.OutOfArea = 60, 5
	if len(vs) != 0 || w != want {
		t.Errorf("ResolveWeights = %+v, %v; want %+v", w, vs, want)
	}
	_, vs = ResolveWeights(WeightsSpec{Expertise: -1, Geography: 1.5, Headroom: 1001}, "weights.")
	if fields := rpctest.ViolationFields(vs); !slices.Equal(fields, []string{"weights.expertise", "weights.geography", "weights.headroom"}) {
		t.Errorf("violations %v", fields)
	}
}

func TestBuildInput(t *testing.T) {
	leeds := sponsor.Sponsor{
		ID: "leeds", Kind: sponsor.Council, MemberCouncils: []string{"E08000035"},
		Expertise:      []sponsor.Expertise{{Area: "CASELOADS", Strength: sponsor.Leading}, {Area: "LSCB", Strength: sponsor.Developing}},
		MaxEngagements: 3, StaffDaysPerQuarter: 120, CanLeadTrust: true, Conflicts: []string{"E08000017"},
		OutOfArea: []sponsor.Placement{{Council: "E06000039", Children: 4}}, Paused: true,
	}
	slough := need.Need{
		GSSCode: "E06000039", ID: "n1", Areas: []need.AreaWeight{{Area: "CASELOADS", Weight: 3}},
		Urgency: 4, StaffDaysNeeded: 30, RequiresTrustSponsor: true, ExcludedSponsors: []string{"nspcc"},
	}
	in := BuildInput(Sources{
		Needs: []need.Need{slough}, Sponsors: []sponsor.Sponsor{leeds},
		Usage: map[string]engagement.Usage{"leeds": {Active: 1, CommittedStaffDays: 20}},
		Engagements: []engagement.Engagement{
			{Sponsor: "hampshire", Council: "E06000039", State: engagement.Ended, CreateTime: now.Add(time.Hour)},
			{Sponsor: "durham", Council: "E06000039", State: engagement.Active, CreateTime: now},
		},
	}, match.Stable, match.DefaultWeights(), match.Overrides{})
	n := in.Needs[0]
	if n.ID != "localAuthorities/E06000039/sponsorNeeds/n1" || n.Council != "E06000039" || n.Region != reference.SouthEast ||
		n.Urgency != 4 || n.StaffDays != 30 || !n.RequiresTrust || !slices.Equal(n.ExcludedSponsors, []string{"nspcc"}) ||
		n.ContinuitySponsor != "durham" || len(n.Areas) != 1 || n.Areas[0] != (match.AreaWeight{Area: "CASELOADS", Weight: 3}) {
		t.Errorf("need %+v", n)
	}
	s := in.Sponsors[0]
	wantCap := match.Capacity{Engagements: 3, EngagementsInUse: 1, StaffDays: 120, StaffDaysInUse: 20}
	if s.ID != "leeds" || s.Kind != match.Council || s.Capacity != wantCap || !s.CanLeadTrust || !s.Paused ||
		!slices.Equal(s.Regions, []reference.Region{reference.YorkshireAndTheHumber}) || s.OutOfArea["E06000039"] != 4 ||
		!slices.Equal(s.Expertise, []match.Expertise{{Area: "CASELOADS", Strength: 5}, {Area: "LSCB", Strength: 2}}) {
		t.Errorf("sponsor %+v", s)
	}
	if in.Algorithm != match.Stable {
		t.Errorf("algorithm %s", in.Algorithm)
	}
	if _, err := match.Fingerprint(in); err != nil {
		t.Errorf("the built input is not valid for the engine: %v", err)
	}
}

func TestInputDifferences(t *testing.T) {
	base := match.Input{
		Needs:    []match.Need{{ID: "n1", Urgency: 3}, {ID: "n2", Urgency: 2}},
		Sponsors: []match.Sponsor{{ID: "leeds", Capacity: match.Capacity{Engagements: 2}}},
	}
	changed := match.Input{
		Needs:     []match.Need{{ID: "n1", Urgency: 5}, {ID: "n3", Urgency: 2}},
		Sponsors:  []match.Sponsor{{ID: "leeds", Capacity: match.Capacity{Engagements: 2, EngagementsInUse: 1}}},
		Overrides: match.Overrides{ExcludeSponsors: []string{"leeds"}},
	}
	if got := InputDifferences(base, base); len(got) != 0 {
		t.Errorf("same input: %v", got)
	}
	got := strings.Join(InputDifferences(base, changed), "\n")
	for _, want := range []string{"excluded sponsors", "need n1 changed", "need n2 only in the first run", "need n3 only in the second run", "sponsors/leeds capacity in use"} {
		if !strings.Contains(got, want) {
			t.Errorf("differences %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "sponsor sponsors/leeds changed") {
		t.Errorf("capacity in use reported as a sponsor change too: %q", got)
	}
}

// TestInputChangesNameWhatChanged: the changes INPUTS_CHANGED reports name
// the need or sponsor and what about it changed.
func TestInputChangesNameWhatChanged(t *testing.T) {
	was := match.Input{
		Needs: []match.Need{{ID: "localAuthorities/E06000039/sponsorNeeds/a", Urgency: 3, StaffDays: 20},
			{ID: "localAuthorities/E08000017/sponsorNeeds/b", Urgency: 2}},
		Sponsors: []match.Sponsor{{ID: "leeds", Capacity: match.Capacity{Engagements: 2, EngagementsInUse: 1, StaffDaysInUse: 20}},
			{ID: "york"}},
	}
	now := match.Input{
		Needs: []match.Need{{ID: "localAuthorities/E06000039/sponsorNeeds/a", Urgency: 5, StaffDays: 20},
			{ID: "localAuthorities/E08000017/sponsorNeeds/c"}},
		Sponsors: []match.Sponsor{{ID: "leeds", Capacity: match.Capacity{Engagements: 3, EngagementsInUse: 2, StaffDaysInUse: 45}},
			{ID: "york", Paused: true}},
	}
	var got []string
	for _, c := range InputChanges(was, now) {
		got = append(got, c.Need+c.Sponsor+" | "+c.Words)
	}
	want := []string{
		"localAuthorities/E06000039/sponsorNeeds/a | need localAuthorities/E06000039/sponsorNeeds/a changed: urgency",
		"localAuthorities/E08000017/sponsorNeeds/b | need localAuthorities/E08000017/sponsorNeeds/b is no longer open",
		"localAuthorities/E08000017/sponsorNeeds/c | need localAuthorities/E08000017/sponsorNeeds/c is newly open",
		"sponsors/leeds | sponsor sponsors/leeds capacity in use: 1 engagements and 20 staff-days, then 2 and 45",
		"sponsors/leeds | sponsor sponsors/leeds changed: capacity",
		"sponsors/york | sponsor sponsors/york changed: paused",
	}
	if !slices.Equal(got, want) {
		t.Errorf("InputChanges:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(InputChanges(was, was)) != 0 {
		t.Error("an input differs from itself")
	}
	run := Run{ID: "r1", Input: was}
	err := run.CheckInputs("other", InputChanges(was, now)...)
	var f *fault.Error
	if !errors.As(err, &f) || f.Reason != ReasonInputsChanged || !strings.Contains(f.Message, "sponsors/york changed: paused") || f.Metadata["sponsors"] != "sponsors/leeds,sponsors/york" {
		t.Errorf("CheckInputs: %v", err)
	}
}
