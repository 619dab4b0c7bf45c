package sponsor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	sponsors "github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// The demo: the six high-performing councils and partnerships the domain
// brief names, given academy-style freedoms to take on failing services,
// and two charity partners, Barnardo's and the NSPCC. Their names and
// member councils are real; their capacities, expertise, day rates,
// conflicts and out-of-area placements are synthetic, chosen to be
// believable (one to four concurrent engagements, 60 to 400 staff-days a
// quarter, £450 to £650 a day) and to give a match run real choices.
//
// Needs arrive two ways. The improvement-plan demo escalates one plan to a
// children's services trust; its InterventionOrdered event reaches the
// consumer like any other and opens that council's need. DfE also opens two
// needs by hand for councils under intervention in 2015: Sunderland, whose
// trust was announced in December 2015, and the Isle of Wight, whose
// service Hampshire took over in a partnership. A hand need is skipped when
// its council has a need already (the escalation may be one of them).
//
// Sponsors are stored by Seed, hand needs by Run once the escalation's need
// is in (or demoWait has passed). Every record has a fixed ID and is
// created only if absent, so replicas loading at once and restarts store
// each once; a marker records that the demo is loaded, and a loaded demo
// is never loaded again, whatever DfE has changed since.

// demoLoader is the subject the demo changes are recorded under, so the
// audit trail shows they were loaded, not made by a person.
const demoLoader = "turnaround-demo-loader"

// Bounds of the wait for the escalation's need. They are wall-clock
// durations: they bound work, and mean nothing to the rules.
const (
	demoWait = 2 * time.Minute
	demoPoll = 250 * time.Millisecond
)

// demoMarker is the key whose presence says the demo is loaded.
func (s *Service) demoMarker() string {
	return s.deps.Store.Keyspace().Key("demo", "sponsor", "loaded")
}

// demoSponsors are the demo sponsors.
func demoSponsors() []sponsors.Sponsor {
	e := func(area string, st sponsors.Strength) sponsors.Expertise {
		return sponsors.Expertise{Area: area, Strength: st}
	}
	return []sponsors.Sponsor{
		{
			ID: "north-yorkshire", DisplayName: "North Yorkshire County Council", Kind: sponsors.Council,
			MemberCouncils: []string{"E10000023"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaLookedAfterPlacements, sponsors.Leading),
				e(sponsors.AreaHelpAndProtection, sponsors.Strong),
				e(sponsors.AreaLeadershipManagementGovernance, sponsors.Strong),
				e(sponsors.AreaWorkforceStability, sponsors.Strong),
			},
			MaxEngagements: 3, StaffDaysPerQuarter: 240, DayRatePence: 55_000, CanLeadTrust: true,
			OutOfArea: []sponsors.Placement{{Council: "E06000002", Children: 9}, {Council: "E06000005", Children: 4}},
		},
		{
			ID: "hampshire", DisplayName: "Hampshire County Council", Kind: sponsors.Council,
			MemberCouncils: []string{"E10000014"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaLeadershipManagementGovernance, sponsors.Leading),
				e(sponsors.AreaLeadership, sponsors.Leading),
				e(sponsors.AreaWorkforceStability, sponsors.Leading),
				e(sponsors.AreaHelpAndProtection, sponsors.Strong),
				e(sponsors.AreaQualityAssurance, sponsors.Strong),
			},
			MaxEngagements: 4, StaffDaysPerQuarter: 400, DayRatePence: 60_000, CanLeadTrust: true,
			Conflicts: []string{"E06000044"},
			OutOfArea: []sponsors.Placement{{Council: "E06000044", Children: 18}, {Council: "E06000045", Children: 15}},
		},
		{
			ID: "tri-borough", DisplayName: "Tri-borough (Westminster, Hammersmith & Fulham, Kensington & Chelsea)",
			Kind:           sponsors.CouncilPartnership,
			MemberCouncils: []string{"E09000033", "E09000013", "E09000020"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaChildProtectionPractice, sponsors.Leading),
				e(sponsors.AreaDataAndPerformance, sponsors.Leading),
				e(sponsors.AreaCaseloads, sponsors.Strong),
				e(sponsors.AreaLeadershipManagementGovernance, sponsors.Strong),
				e(sponsors.AreaVoiceOfTheChild, sponsors.Strong),
			},
			MaxEngagements: 3, StaffDaysPerQuarter: 300, DayRatePence: 65_000, CanLeadTrust: true,
			OutOfArea: []sponsors.Placement{{Council: "E10000016", Children: 22}, {Council: "E10000012", Children: 14}},
		},
		{
			ID: "leeds", DisplayName: "Leeds City Council", Kind: sponsors.Council,
			MemberCouncils: []string{"E08000035"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaVoiceOfTheChild, sponsors.Leading),
				e(sponsors.AreaPartnershipAndLSCB, sponsors.Leading),
				e(sponsors.AreaFrontDoorAndReferrals, sponsors.Strong),
				e(sponsors.AreaLookedAfterAndPermanence, sponsors.Strong),
				e(sponsors.AreaLeadershipManagementGovernance, sponsors.Strong),
			},
			MaxEngagements: 2, StaffDaysPerQuarter: 180, DayRatePence: 50_000, CanLeadTrust: true,
			Conflicts: []string{"E08000032"},
			OutOfArea: []sponsors.Placement{{Council: "E08000032", Children: 6}, {Council: "E08000036", Children: 4}},
		},
		{
			ID: "durham", DisplayName: "Durham County Council", Kind: sponsors.Council,
			MemberCouncils: []string{"E06000047"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaAssessmentTimeliness, sponsors.Leading),
				e(sponsors.AreaAdoptionPerformance, sponsors.Leading),
				e(sponsors.AreaHelpAndProtection, sponsors.Strong),
				e(sponsors.AreaCareLeavers, sponsors.Strong),
			},
			MaxEngagements: 2, StaffDaysPerQuarter: 150, DayRatePence: 45_000,
			OutOfArea: []sponsors.Placement{{Council: "E08000037", Children: 3}},
		},
		{
			ID: "richmond-kingston", DisplayName: "Richmond & Kingston (Achieving for Children)",
			Kind:           sponsors.CouncilPartnership,
			MemberCouncils: []string{"E09000027", "E09000021"},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaQualityAssurance, sponsors.Leading),
				e(sponsors.AreaCareLeavers, sponsors.Leading),
				e(sponsors.AreaLookedAfterPlacements, sponsors.Strong),
				e(sponsors.AreaLeadershipManagementGovernance, sponsors.Strong),
			},
			MaxEngagements: 2, StaffDaysPerQuarter: 160, DayRatePence: 60_000, CanLeadTrust: true,
			OutOfArea: []sponsors.Placement{{Council: "E10000030", Children: 11}},
		},
		{
			ID: "barnardos", DisplayName: "Barnardo's", Kind: sponsors.Charity, National: true,
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaCareLeavers, sponsors.Leading),
				e(sponsors.AreaVoiceOfTheChild, sponsors.Leading),
				e(sponsors.AreaLookedAfterAndPermanence, sponsors.Strong),
				e(sponsors.AreaAdoptionPerformance, sponsors.Strong),
				e(sponsors.AreaPermanence, sponsors.Strong),
			},
			MaxEngagements: 4, StaffDaysPerQuarter: 300, DayRatePence: 48_000, CanLeadTrust: true,
		},
		{
			ID: "nspcc", DisplayName: "NSPCC", Kind: sponsors.Charity,
			RegionsServed: []reference.Region{
				reference.NorthEast, reference.NorthWest, reference.YorkshireAndTheHumber, reference.WestMidlands, reference.London,
			},
			Expertise: []sponsors.Expertise{
				e(sponsors.AreaChildProtectionPractice, sponsors.Leading),
				e(sponsors.AreaHelpAndProtection, sponsors.Leading),
				e(sponsors.AreaPartnershipAndLSCB, sponsors.Strong),
				e(sponsors.AreaLSCB, sponsors.Strong),
				e(sponsors.AreaQualityAssurance, sponsors.Developing),
			},
			MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000,
		},
	}
}

// demoNeed is a need DfE opens by hand in the demo.
type demoNeed struct {
	gss, id string
	draft   need.Need
}

// demoNeeds are the needs DfE opens by hand.
func demoNeeds() []demoNeed {
	return []demoNeed{
		{
			// The trust announced in December 2015: leadership and
			// front-line practice both failed, and only a sponsor able to
			// lead a trust will do. Durham, a neighbour recruiting from the
			// same social workers, is excluded.
			gss: "E08000024", id: "sunderland-trust",
			draft: need.Need{
				Areas: []need.AreaWeight{
					{Area: sponsors.AreaHelpAndProtection, Weight: 9},
					{Area: sponsors.AreaLeadershipManagementGovernance, Weight: 8},
					{Area: sponsors.AreaWorkforceStability, Weight: 6},
				},
				Urgency: 5, StaffDaysNeeded: 120, RequiresTrustSponsor: true, ExcludedSponsors: []string{"durham"},
			},
		},
		{
			// The partnership with a stronger council (Hampshire, 2015):
			// leadership first, then placements and care leavers.
			gss: "E06000046", id: "isle-of-wight-partnership",
			draft: need.Need{
				Areas: []need.AreaWeight{
					{Area: sponsors.AreaLeadershipManagementGovernance, Weight: 8},
					{Area: sponsors.AreaLookedAfterPlacements, Weight: 6},
					{Area: sponsors.AreaCareLeavers, Weight: 5},
				},
				Urgency: 4, StaffDaysNeeded: 90,
			},
		},
	}
}

// demoLoaded reports whether the demo marker is set.
func (s *Service) demoLoaded(ctx context.Context) (bool, error) {
	n, err := s.deps.Store.Client().Exists(ctx, s.demoMarker()).Result()
	if err != nil {
		return false, fmt.Errorf("sponsor: demo marker: %w", err)
	}
	return n == 1, nil
}

// seedDemoSponsors stores the demo sponsors that are not stored yet,
// unless the demo is loaded.
func (s *Service) seedDemoSponsors(ctx context.Context) error {
	if loaded, err := s.demoLoaded(ctx); err != nil || loaded {
		return err
	}
	added, err := s.sponsors.Seed(ctx, demoSponsors(), change.Request{
		Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)},
	})
	if err != nil {
		return fmt.Errorf("sponsor: demo sponsors: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "synthetic sponsor demo data: sponsors stored", "added", added)
	return nil
}

// loadDemoNeeds waits for the need the improvement-plan demo's escalation
// opens (up to demoWait), opens the hand needs of councils that have none,
// and sets the marker. Unless the demo is loaded already.
func (s *Service) loadDemoNeeds(ctx context.Context) error {
	if loaded, err := s.demoLoaded(ctx); err != nil || loaded {
		return err
	}
	all, err := s.waitForEscalation(ctx, time.Now().Add(demoWait))
	if err != nil {
		return err
	}
	has := map[string]bool{}
	fromInterventions := 0
	for _, n := range all {
		has[n.GSSCode] = true
		if n.Intervention != "" {
			fromInterventions++
		}
	}
	r := change.Request{Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)}}
	opened := 0
	for _, d := range demoNeeds() {
		if has[d.gss] {
			continue
		}
		n, err := need.New(d.gss, d.id, d.draft, "", s.deps.Now())
		if err != nil {
			return fmt.Errorf("sponsor: demo need %s: %w", need.Name(d.gss, d.id), err)
		}
		_, err = s.needs.Insert(ctx, n, r)
		switch {
		case errors.Is(err, store.ErrConflict):
		case err != nil:
			return fmt.Errorf("sponsor: demo need %s: %w", n.Name(), err)
		default:
			opened++
		}
	}
	if err := s.loadDemoRun(ctx); err != nil {
		return err
	}
	if err := s.deps.Store.Client().Set(ctx, s.demoMarker(), s.deps.Now().UTC().Format(time.RFC3339), 0).Err(); err != nil {
		return fmt.Errorf("sponsor: demo marker: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "synthetic sponsor demo data loaded", "needs_from_interventions", fromInterventions, "needs_opened_by_hand", opened)
	return nil
}

// waitForEscalation polls every council's needs until one opened by an
// intervention is there or until passes, and returns the needs there are.
func (s *Service) waitForEscalation(ctx context.Context, until time.Time) ([]need.Need, error) {
	for {
		all, err := s.needs.List(ctx, need.AllCouncils)
		if err != nil {
			return nil, fmt.Errorf("sponsor: demo needs: %w", err)
		}
		for _, n := range all {
			if n.Intervention != "" {
				return all, nil
			}
		}
		if time.Now().After(until) {
			s.deps.Logger.WarnContext(ctx, "no need opened by an intervention yet; opening the demo's hand needs without it", "waited", demoWait)
			return all, nil
		}
		t := time.NewTimer(demoPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
