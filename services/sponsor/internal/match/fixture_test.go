package match

import (
	"github.com/turnaround-sli/turnaround/services/reference"
)

// realScale is a believable DfE run: the six sponsor councils of the
// domain brief and two charity trust sponsors, and twenty needs from
// councils judged inadequate, with staff-day budgets that bind.
func realScale() Input {
	ex := func(pairs ...any) []Expertise {
		var out []Expertise
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Expertise{Area: Area(pairs[i].(string)), Strength: pairs[i+1].(int)})
		}
		return out
	}
	sponsors := []Sponsor{
		{ID: "north-yorkshire", Kind: Council, MemberCouncils: []string{"E10000023"}, Regions: []reference.Region{reference.YorkshireAndTheHumber},
			Expertise:    ex("CHILD_PROTECTION_PRACTICE", 5, "FRONT_DOOR_AND_REFERRALS", 4, "LEADERSHIP", 4, "WORKFORCE_STABILITY", 3),
			Capacity:     Capacity{Engagements: 4, EngagementsInUse: 1, StaffDays: 240, StaffDaysInUse: 40},
			CanLeadTrust: true, OutOfArea: map[string]int{"E08000017": 6}},
		{ID: "hampshire", Kind: Council, MemberCouncils: []string{"E10000014"}, Regions: []reference.Region{reference.SouthEast},
			Expertise:    ex("LEADERSHIP", 5, "QUALITY_ASSURANCE", 4, "LOOKED_AFTER_PLACEMENTS", 3, "PERMANENCE", 4),
			Capacity:     Capacity{Engagements: 4, EngagementsInUse: 1, StaffDays: 260, StaffDaysInUse: 60},
			CanLeadTrust: true, Conflicts: []string{"E06000046"}},
		{ID: "tri-borough", Kind: CouncilPartnership, MemberCouncils: []string{"E09000033", "E09000013", "E09000020"}, Regions: []reference.Region{reference.London},
			Expertise:    ex("PERMANENCE", 5, "LOOKED_AFTER_PLACEMENTS", 4, "DATA_AND_PERFORMANCE", 4, "CARE_LEAVERS", 3),
			Capacity:     Capacity{Engagements: 3, StaffDays: 180},
			CanLeadTrust: true, OutOfArea: map[string]int{"E06000039": 14, "E09000030": 9}},
		{ID: "leeds", Kind: Council, MemberCouncils: []string{"E08000035"}, Regions: []reference.Region{reference.YorkshireAndTheHumber},
			Expertise: ex("PARTNERSHIP_AND_LSCB", 5, "FRONT_DOOR_AND_REFERRALS", 5, "CHILD_PROTECTION_PRACTICE", 4, "CASELOADS", 3),
			Capacity:  Capacity{Engagements: 3, StaffDays: 200, StaffDaysInUse: 20}},
		{ID: "durham", Kind: Council, MemberCouncils: []string{"E06000047"}, Regions: []reference.Region{reference.NorthEast},
			Expertise: ex("ASSESSMENT_TIMELINESS", 4, "CASELOADS", 4, "CHILD_PROTECTION_PRACTICE", 3),
			Capacity:  Capacity{Engagements: 2, StaffDays: 120}},
		{ID: "richmond-kingston", Kind: CouncilPartnership, MemberCouncils: []string{"E09000027", "E09000021"}, Regions: []reference.Region{reference.London},
			Expertise:    ex("QUALITY_ASSURANCE", 5, "LEADERSHIP", 3, "CARE_LEAVERS", 4),
			Capacity:     Capacity{Engagements: 2, StaffDays: 110},
			CanLeadTrust: true},
		{ID: "barnardos", Kind: Charity, National: true,
			Expertise:    ex("CARE_LEAVERS", 5, "LOOKED_AFTER_PLACEMENTS", 4, "PERMANENCE", 3, "PARTNERSHIP_AND_LSCB", 3),
			Capacity:     Capacity{Engagements: 4, EngagementsInUse: 1, StaffDays: 220, StaffDaysInUse: 50},
			CanLeadTrust: true},
		{ID: "nspcc", Kind: Charity, National: true, Regions: []reference.Region{reference.London},
			Expertise: ex("CHILD_PROTECTION_PRACTICE", 5, "PARTNERSHIP_AND_LSCB", 4, "FRONT_DOOR_AND_REFERRALS", 3),
			Capacity:  Capacity{Engagements: 3, StaffDays: 150}},
	}
	need := func(id, gss string, urgency, days int, trust bool, areas ...any) Need {
		c, _ := reference.CouncilByCode(gss)
		n := Need{ID: id, Council: gss, Region: c.Region, Urgency: urgency, StaffDays: days, RequiresTrust: trust}
		for i := 0; i < len(areas); i += 2 {
			n.Areas = append(n.Areas, AreaWeight{Area: Area(areas[i].(string)), Weight: areas[i+1].(int)})
		}
		return n
	}
	needs := []Need{
		need("birmingham", "E08000025", 5, 90, true, "LEADERSHIP", 5, "CHILD_PROTECTION_PRACTICE", 4, "WORKFORCE_STABILITY", 3),
		need("doncaster", "E08000017", 4, 60, false, "CHILD_PROTECTION_PRACTICE", 4, "FRONT_DOOR_AND_REFERRALS", 3),
		need("slough", "E06000039", 5, 70, true, "LEADERSHIP", 4, "QUALITY_ASSURANCE", 3),
		need("sunderland", "E08000024", 5, 75, true, "LEADERSHIP", 3, "CHILD_PROTECTION_PRACTICE", 5),
		need("isle-of-wight", "E06000046", 3, 45, false, "LEADERSHIP", 3, "PERMANENCE", 2),
		need("rochdale", "E08000005", 4, 50, false, "PARTNERSHIP_AND_LSCB", 5, "CHILD_PROTECTION_PRACTICE", 3),
		need("tower-hamlets", "E09000030", 3, 40, false, "FRONT_DOOR_AND_REFERRALS", 4, "ASSESSMENT_TIMELINESS", 3),
		need("bromley", "E09000006", 3, 35, false, "QUALITY_ASSURANCE", 3, "DATA_AND_PERFORMANCE", 2),
		need("norfolk", "E10000020", 3, 55, false, "LOOKED_AFTER_PLACEMENTS", 4, "PERMANENCE", 3),
		need("wolverhampton", "E08000031", 2, 30, false, "CARE_LEAVERS", 4, "LOOKED_AFTER_PLACEMENTS", 2),
		need("bradford", "E08000032", 4, 50, false, "CASELOADS", 4, "ASSESSMENT_TIMELINESS", 4),
		need("lincolnshire", "E10000019", 2, 35, false, "CARE_LEAVERS", 3),
		need("north-east-lincolnshire", "E06000012", 3, 40, false, "FRONT_DOOR_AND_REFERRALS", 4, "CHILD_PROTECTION_PRACTICE", 2),
		need("cornwall", "E06000052", 2, 30, false, "PERMANENCE", 3, "CARE_LEAVERS", 2),
		need("medway", "E06000035", 3, 45, false, "LEADERSHIP", 4, "CASELOADS", 2),
		need("sandwell", "E08000028", 5, 80, true, "LEADERSHIP", 4, "WORKFORCE_STABILITY", 4),
		need("torbay", "E06000027", 3, 40, false, "QUALITY_ASSURANCE", 4, "PARTNERSHIP_AND_LSCB", 2),
		need("herefordshire", "E06000019", 2, 30, false, "ASSESSMENT_TIMELINESS", 3, "DATA_AND_PERFORMANCE", 2),
		need("north-yorkshire-own", "E10000023", 1, 20, false, "DATA_AND_PERFORMANCE", 2),
		need("hackney", "E09000012", 3, 35, false, "CARE_LEAVERS", 3, "PERMANENCE", 3),
	}
	needs[1].ContinuitySponsor = "north-yorkshire"
	needs[9].ContinuitySponsor = "barnardos"
	needs[4].ExcludedSponsors = []string{"tri-borough"}
	return Input{Needs: needs, Sponsors: sponsors}
}
