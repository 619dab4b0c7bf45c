package demo

import "github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"

// evidence holds, per theme, sentences a review team might write: what a
// strength and an area for improvement looked like. They are invented.
var evidence = map[reviewer.Theme]struct{ strength, weakness string }{
	reviewer.Leadership: {
		"The director and lead member share a clear, well-understood vision; staff at every level could describe the priorities.",
		"Three interim directors in two years have left no settled leadership; senior managers could not say who owns the improvement plan.",
	},
	reviewer.WorkforceStability: {
		"A 'grow your own' social work academy has cut the agency rate below the regional average and staff told us they want to stay.",
		"Over a third of social workers are agency staff; children described having four social workers in a year.",
	},
	reviewer.Caseloads: {
		"Caseloads are monitored weekly and kept to about 16 children per social worker, and staff told us they are manageable.",
		"Social workers in the assessment teams hold 25 to 30 children each; visits are late and records are weeks behind.",
	},
	reviewer.FrontDoorAndReferrals: {
		"The multi-agency safeguarding hub makes timely, well-recorded threshold decisions with police and health at the table.",
		"Thresholds are applied inconsistently at the front door; a third of contacts wait more than a day for a decision.",
	},
	reviewer.AssessmentTimeliness: {
		"Nearly all assessments are completed within 45 days and the best are analytical and child-focused.",
		"Fewer than half of assessments finish within 45 days, and many describe events without analysing risk.",
	},
	reviewer.ChildProtectionPractice: {
		"Child protection conferences are well attended, plans are specific and core groups meet as planned.",
		"Child protection plans are vague, core groups lapse, and too many children return to a plan within two years.",
	},
	reviewer.LookedAfterPlacements: {
		"A strong in-house fostering service keeps most children close to home and placement moves are rare.",
		"Too many children live in placements far from home, and one in eight moved three or more times this year.",
	},
	reviewer.Permanence: {
		"Permanence is considered at the second review and children are matched for adoption without drift.",
		"Permanence planning drifts: children wait too long for a plan and some have had no permanence review.",
	},
	reviewer.CareLeavers: {
		"Personal advisers know their young people well; most care leavers are in suitable accommodation and education or work.",
		"Pathway plans are out of date and the council has lost touch with a fifth of its care leavers.",
	},
	reviewer.PartnershipAndLSCB: {
		"The LSCB challenges partners effectively and its multi-agency audits have changed practice.",
		"The LSCB does not hold partners to account; its audits are not followed up and health attendance is poor.",
	},
	reviewer.QualityAssurance: {
		"A monthly audit cycle with moderation feeds clear learning back to teams and managers act on it.",
		"Case audits are few and not moderated; managers could not show how audit findings had changed practice.",
	},
	reviewer.DataAndPerformance: {
		"Managers use a live performance dashboard and can explain the story behind every measure.",
		"Performance data are unreliable and arrive weeks late; managers do not trust them and do not use them.",
	},
	reviewer.VoiceOfTheChild: {
		"Children's wishes and feelings are recorded in their own words and visibly shape their plans.",
		"Records rarely show children were seen alone or what they said; direct work is sparse.",
	},
}

// conclusions are narratives by the conclusion's risk.
var conclusions = map[string]string{
	"NONE": "The team found a well-led service with secure practice. The council is well placed for its next inspection; " +
		"the areas for improvement are refinements rather than risks.",
	"LOW": "Practice is mostly secure and leaders know their weaknesses. The areas for improvement are understood and " +
		"being addressed; the team sees a low risk of an inadequate judgement.",
	"MEDIUM": "Leaders have begun to tackle weaknesses, but practice is inconsistent and several areas for improvement " +
		"could lead to a judgement of inadequate if they are not addressed before the next inspection.",
	"HIGH": "The team found serious weaknesses in frontline practice and in the leadership's grip on them. Without " +
		"prompt, focused support there is a high risk of an inadequate judgement at the next inspection.",
}

// requestReasons are why councils asked for reviews.
var requestReasons = []string{
	"The council wants an external view of its front door before its SIF inspection.",
	"A new director asked for a diagnostic of practice quality in the assessment teams.",
	"The LGA's risk prioritisation flagged rising agency use and re-referrals.",
	"The lead member asked for assurance on care planning for looked-after children.",
	"The council is preparing its self-assessment and wants peers to test it.",
}
