package demo

import "github.com/turnaround-sli/turnaround/services/reference"

// narratives are the inspectors' words for each area at each grade, written
// in the register of SIF reports. They are invented, not quoted.
var narratives = map[Area]map[reference.Grade]string{
	OverallEffectiveness: {
		reference.Outstanding:         "Children's services are outstanding. Children and families receive consistently excellent help, and leaders have built a culture in which practice keeps improving.",
		reference.Good:                "Children's services are good. Most children receive timely and effective help and protection, and leaders know where practice still needs to be more consistent.",
		reference.RequiresImprovement: "Children's services require improvement to be good. There are no widespread or serious failures that leave children at risk of harm, but the quality of practice is too variable.",
		reference.Inadequate:          "Children's services are inadequate. There are widespread and serious failures that leave children at risk of harm, and leaders have not acted quickly enough to address them.",
	},
	HelpAndProtection: {
		reference.Outstanding:         "Thresholds are well understood and children at risk are identified and protected swiftly. Early help is well coordinated and demonstrably reduces the need for statutory intervention.",
		reference.Good:                "Children at risk of harm are identified and protected promptly, and assessments are mostly timely and thorough. Early help is well established.",
		reference.RequiresImprovement: "Children at immediate risk are protected, but too many assessments are late and plans lack clear, measurable actions. Too many children are re-referred.",
		reference.Inadequate:          "Children at risk of significant harm are not always identified or protected quickly enough. Strategy discussions and child protection enquiries are delayed and management oversight is weak.",
	},
	LookedAfterAndPermanence: {
		reference.Outstanding:         "Children looked after live in stable, well-matched placements and achieve permanence without delay. Their views shape the plans made for them.",
		reference.Good:                "Most children looked after live in stable placements that meet their needs, and permanence is planned early. Care plans are reviewed regularly.",
		reference.RequiresImprovement: "Too many children looked after experience placement moves, and permanence planning is not always timely. Care plans are of variable quality.",
		reference.Inadequate:          "Children looked after experience frequent placement moves and drift in their plans. Too many live in placements that do not meet their needs.",
	},
	AdoptionPerformance: {
		reference.Outstanding:         "Children who need adoption are placed swiftly with families who are well prepared, and adoption support is excellent.",
		reference.Good:                "Adoption is considered for every child for whom it is right, and most are placed within the expected timescales.",
		reference.RequiresImprovement: "Children wait too long to be placed with adoptive families, and adoption support is inconsistent.",
		reference.Inadequate:          "Children experience serious delay in being placed for adoption, and too few adopters are recruited to meet their needs.",
	},
	CareLeavers: {
		reference.Outstanding:         "Care leavers are exceptionally well supported into education, employment and safe homes, and stay in touch with workers who know them well.",
		reference.Good:                "Care leavers are well supported by workers who know them, and most live in suitable accommodation and are in education, employment or training.",
		reference.RequiresImprovement: "Pathway plans are not consistently up to date, and too many care leavers are not in education, employment or training.",
		reference.Inadequate:          "Too many care leavers are out of touch with the service or living in unsuitable accommodation, and pathway plans do not address their needs.",
	},
	LeadershipManagementGovernance: {
		reference.Outstanding:         "Leaders, members and partners share an ambitious vision and know the service exceptionally well. A stable, well-supported workforce delivers consistently strong practice.",
		reference.Good:                "Senior leaders know the service's strengths and weaknesses and are taking effective action. Performance management and quality assurance are well established.",
		reference.RequiresImprovement: "Leaders have an accurate picture of the service, but improvements are not yet consistent. Workforce instability and high caseloads limit progress.",
		reference.Inadequate:          "Leaders do not understand the quality of frontline practice. High turnover, reliance on agency staff and weak quality assurance have let serious weaknesses persist.",
	},
	LSCB: {
		reference.Outstanding:         "The LSCB is outstanding: it holds partners rigorously to account, and its learning from reviews changes practice.",
		reference.Good:                "The LSCB is good: it coordinates partners effectively, monitors the impact of their work and promotes learning.",
		reference.RequiresImprovement: "The LSCB requires improvement: it meets its statutory duties, but its scrutiny of partners' practice and its use of data are underdeveloped.",
		reference.Inadequate:          "The LSCB is inadequate: it does not effectively coordinate or challenge partners, and it has not made sure that serious case reviews lead to learning.",
	},
}

// recommendationBank holds the recommendations an inspection can make about
// each area.
var recommendationBank = map[Area][]string{
	OverallEffectiveness: {
		"Ensure that the improvement plan sets measurable milestones and that senior leaders and members monitor it rigorously.",
		"Ensure that children's views are gathered consistently and used to shape services.",
	},
	HelpAndProtection: {
		"Ensure that strategy discussions involve all relevant agencies and take place without delay when a child may be at risk of significant harm.",
		"Improve the timeliness and quality of assessments so that they analyse risk and lead to clear plans.",
		"Ensure that child protection plans have specific, measurable actions and timescales, and that core groups review progress.",
	},
	LookedAfterAndPermanence: {
		"Reduce placement moves for children looked after by improving matching and the support given to carers.",
		"Ensure that permanence is planned for every child by the second statutory review.",
		"Improve care plans so that they reflect children's wishes and feelings.",
	},
	AdoptionPerformance: {
		"Reduce the time children wait between a placement order and being matched with adoptive parents.",
		"Strengthen the recruitment of adopters for the children who wait longest.",
	},
	CareLeavers: {
		"Ensure that every care leaver has an up-to-date pathway plan written with them.",
		"Increase the proportion of care leavers in education, employment or training.",
	},
	LeadershipManagementGovernance: {
		"Reduce caseloads and the reliance on agency social workers through a sustainable workforce strategy.",
		"Strengthen quality assurance so that senior leaders have an accurate view of frontline practice.",
		"Ensure that management oversight and supervision are regular, reflective and recorded on children's files.",
	},
	LSCB: {
		"The LSCB should evaluate the effectiveness of multi-agency early help and challenge partners on its findings.",
		"The LSCB should ensure that learning from serious case reviews is shared and its impact evaluated.",
	},
}

// leadInspectors are invented names; no real inspector is meant.
var leadInspectors = []string{
	"Alison Marsh HMI", "Daniel Okafor HMI", "Fiona Lindqvist HMI", "Gareth Pryce HMI", "Hannah Sedgwick HMI",
	"Imran Chaudhry HMI", "Joanne Whitlock HMI", "Martin Abbey HMI", "Priya Raman HMI", "Rachel Denholm HMI",
}
