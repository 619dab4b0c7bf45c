// Package demo is the sponsor service's demo data set: the six high-performing councils and partnerships the domain
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
// One more need, Birmingham's (AwaitingNeeds), is opened after the demo's
// match run is approved, and so stays OPEN: the documented OPTIMAL dry run
// over the demo has a need to match and shows a real result, where
// otherwise every demo need would already be matched.
//
// The loader (the service's demo.go) stores the sponsors in Seed and the
// hand needs in Run once the escalation's need
// is in (or demoWait has passed). Every record has a fixed ID and is
// created only if absent, so replicas loading at once and restarts store
// each once; a marker records that the demo is loaded, and a loaded demo
// is never loaded again, whatever DfE has changed since.
package demo

import (
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Sponsors are the demo sponsors.
func Sponsors() []sponsor.Sponsor {
	out := make([]sponsor.Sponsor, len(sponsors))
	for i, d := range sponsors {
		out[i] = d.Sponsor.Clone()
		for _, g := range []struct {
			areas    []string
			strength sponsor.Strength
		}{{d.leading, sponsor.Leading}, {d.strong, sponsor.Strong}, {d.developing, sponsor.Developing}} {
			for _, a := range g.areas {
				out[i].Expertise = append(out[i].Expertise, sponsor.Expertise{Area: a, Strength: g.strength})
			}
		}
	}
	return out
}

// demoSponsor is a demo sponsor with its expertise: the areas it leads
// practice in, is strong in and is developing, in that order.
type demoSponsor struct {
	sponsor.Sponsor
	leading, strong, developing []string
}

var sponsors = []demoSponsor{
	{
		Sponsor: sponsor.Sponsor{
			ID: "north-yorkshire", DisplayName: "North Yorkshire County Council", Kind: sponsor.Council,
			MemberCouncils: []string{"E10000023"},
			MaxEngagements: 3, StaffDaysPerQuarter: 240, DayRatePence: 55_000, CanLeadTrust: true,
			OutOfArea: []sponsor.Placement{{Council: "E06000002", Children: 9}, {Council: "E06000005", Children: 4}},
		},
		leading: []string{sponsor.AreaLookedAfterPlacements},
		strong:  []string{reference.AreaHelpAndProtection, reference.AreaLeadershipManagementGovernance, sponsor.AreaWorkforceStability},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "hampshire", DisplayName: "Hampshire County Council", Kind: sponsor.Council,
			MemberCouncils: []string{"E10000014"},
			MaxEngagements: 4, StaffDaysPerQuarter: 400, DayRatePence: 60_000, CanLeadTrust: true,
			Conflicts: []string{"E06000044"},
			OutOfArea: []sponsor.Placement{{Council: "E06000044", Children: 18}, {Council: "E06000045", Children: 15}},
		},
		leading: []string{reference.AreaLeadershipManagementGovernance, sponsor.AreaLeadership, sponsor.AreaWorkforceStability},
		strong:  []string{reference.AreaHelpAndProtection, sponsor.AreaQualityAssurance},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "tri-borough", DisplayName: "Tri-borough (Westminster, Hammersmith & Fulham, Kensington & Chelsea)",
			Kind:           sponsor.CouncilPartnership,
			MemberCouncils: []string{"E09000033", "E09000013", "E09000020"},
			MaxEngagements: 3, StaffDaysPerQuarter: 300, DayRatePence: 65_000, CanLeadTrust: true,
			OutOfArea: []sponsor.Placement{{Council: "E10000016", Children: 22}, {Council: "E10000012", Children: 14}},
		},
		leading: []string{sponsor.AreaChildProtectionPractice, sponsor.AreaDataAndPerformance},
		strong:  []string{sponsor.AreaCaseloads, reference.AreaLeadershipManagementGovernance, sponsor.AreaVoiceOfTheChild},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "leeds", DisplayName: "Leeds City Council", Kind: sponsor.Council,
			MemberCouncils: []string{"E08000035"},
			MaxEngagements: 2, StaffDaysPerQuarter: 180, DayRatePence: 50_000, CanLeadTrust: true,
			Conflicts: []string{"E08000032"},
			OutOfArea: []sponsor.Placement{{Council: "E08000032", Children: 6}, {Council: "E08000036", Children: 4}},
		},
		leading: []string{sponsor.AreaVoiceOfTheChild, sponsor.AreaPartnershipAndLSCB},
		strong:  []string{sponsor.AreaFrontDoorAndReferrals, reference.AreaLookedAfterAndPermanence, reference.AreaLeadershipManagementGovernance},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "durham", DisplayName: "Durham County Council", Kind: sponsor.Council,
			MemberCouncils: []string{"E06000047"},
			MaxEngagements: 2, StaffDaysPerQuarter: 150, DayRatePence: 45_000,
			OutOfArea: []sponsor.Placement{{Council: "E08000037", Children: 3}},
		},
		leading: []string{sponsor.AreaAssessmentTimeliness, reference.AreaAdoptionPerformance},
		strong:  []string{reference.AreaHelpAndProtection, reference.AreaCareLeavers},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "richmond-kingston", DisplayName: "Richmond & Kingston (Achieving for Children)",
			Kind:           sponsor.CouncilPartnership,
			MemberCouncils: []string{"E09000027", "E09000021"},
			MaxEngagements: 2, StaffDaysPerQuarter: 160, DayRatePence: 60_000, CanLeadTrust: true,
			OutOfArea: []sponsor.Placement{{Council: "E10000030", Children: 11}},
		},
		leading: []string{sponsor.AreaQualityAssurance, reference.AreaCareLeavers},
		strong:  []string{sponsor.AreaLookedAfterPlacements, reference.AreaLeadershipManagementGovernance},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "barnardos", DisplayName: "Barnardo's", Kind: sponsor.Charity, National: true,
			MaxEngagements: 4, StaffDaysPerQuarter: 300, DayRatePence: 48_000, CanLeadTrust: true,
		},
		leading: []string{reference.AreaCareLeavers, sponsor.AreaVoiceOfTheChild},
		strong:  []string{reference.AreaLookedAfterAndPermanence, reference.AreaAdoptionPerformance, sponsor.AreaPermanence},
	},
	{
		Sponsor: sponsor.Sponsor{
			ID: "nspcc", DisplayName: "NSPCC", Kind: sponsor.Charity,
			RegionsServed: []reference.Region{
				reference.NorthEast, reference.NorthWest, reference.YorkshireAndTheHumber, reference.WestMidlands, reference.London,
			},
			MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000,
		},
		leading:    []string{sponsor.AreaChildProtectionPractice, reference.AreaHelpAndProtection},
		strong:     []string{sponsor.AreaPartnershipAndLSCB, reference.AreaLSCB},
		developing: []string{sponsor.AreaQualityAssurance},
	},
}

// Need is a need DfE opens by hand in the demo: the draft opened as need
// ID of the council GSS.
type Need struct {
	GSS, ID string
	Draft   need.Need
}

// Needs are the needs DfE opens by hand.
func Needs() []Need {
	return []Need{
		{
			// The trust announced in December 2015: leadership and
			// front-line practice both failed, and only a sponsor able to
			// lead a trust will do. Durham, a neighbour recruiting from the
			// same social workers, is excluded.
			GSS: "E08000024", ID: "sunderland-trust",
			Draft: need.Need{
				Areas: []need.AreaWeight{
					{Area: reference.AreaHelpAndProtection, Weight: 9},
					{Area: reference.AreaLeadershipManagementGovernance, Weight: 8},
					{Area: sponsor.AreaWorkforceStability, Weight: 6},
				},
				Urgency: 5, StaffDaysNeeded: 120, RequiresTrustSponsor: true, ExcludedSponsors: []string{"durham"},
			},
		},
		{
			// The partnership with a stronger council (Hampshire, 2015):
			// leadership first, then placements and care leavers.
			GSS: "E06000046", ID: "isle-of-wight-partnership",
			Draft: need.Need{
				Areas: []need.AreaWeight{
					{Area: reference.AreaLeadershipManagementGovernance, Weight: 8},
					{Area: sponsor.AreaLookedAfterPlacements, Weight: 6},
					{Area: reference.AreaCareLeavers, Weight: 5},
				},
				Urgency: 4, StaffDaysNeeded: 90,
			},
		},
	}
}

// AwaitingNeeds are the needs DfE opens by hand after the demo's match run
// is approved, which therefore wait, OPEN, for the next run.
func AwaitingNeeds() []Need {
	return []Need{
		{
			// Birmingham, judged inadequate again in 2014, whose
			// commissioner recommended moving children's services out of
			// the council: front-line practice and the front door first,
			// then leadership and the workforce.
			GSS: "E08000025", ID: "birmingham-improvement",
			Draft: need.Need{
				Areas: []need.AreaWeight{
					{Area: reference.AreaHelpAndProtection, Weight: 9},
					{Area: sponsor.AreaFrontDoorAndReferrals, Weight: 7},
					{Area: reference.AreaLeadershipManagementGovernance, Weight: 6},
					{Area: sponsor.AreaWorkforceStability, Weight: 5},
				},
				Urgency: 3, StaffDaysNeeded: 60,
			},
		},
	}
}
