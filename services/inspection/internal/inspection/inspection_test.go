package inspection

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// now is the clock of these tests: the demo data's "as of" day.
var now = time.Date(2015, 12, 14, 10, 30, 0, 0, time.UTC)

// graded returns a judgement with every area given grade g and a narrative.
func graded(g reference.Grade, areas ...Area) Judgement {
	j := Judgement{}
	for _, a := range areas {
		j[a] = GradedJudgement{Grade: g, Narrative: "narrative for " + string(a)}
	}
	return j
}

func ilacsAreas() []Area {
	return []Area{OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence, LeadershipManagementGovernance}
}

// scheduled is a valid scheduled inspection of Leeds under f.
func scheduled(f Framework) Inspection {
	return Inspection{
		GSSCode: "E08000035", ID: "abc", Framework: f, State: Scheduled,
		StartDate: storetest.Day(2015, 9, 7), EndDate: storetest.Day(2015, 10, 1), Version: 3,
	}
}

func kind(err error) fault.Kind {
	if f, ok := fault.As(err); ok {
		return f.Kind
	}
	return 0
}

func TestParseName(t *testing.T) {
	storetest.Names(t, ParseName, map[string][2]string{
		"localAuthorities/E08000035/inspections/abc123": {"E08000035", "abc123"},
		"localAuthorities/E09000001/inspections/a-b-c":  {"E09000001", "a-b-c"},
	}, []string{
		"localAuthorities/E08000035/inspections/",
		"localAuthorities/E08000035/inspections/1abc",
		"localAuthorities/E08000035/inspections/abc-",
		"localAuthorities/E08000035/inspections/ABC",
		"localAuthorities/E08000035/inspections/a/b",
		"localAuthorities/E07000001/inspections/abc",
		"localAuthorities/E08000035/concerns/abc",
		"localAuthorities/-/inspections/abc",
		"localAuthorities/E08000035/inspections/" + strings.Repeat("a", 64),
		"",
	})
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		id := resource.NewID()
		if len(id) != resource.IDLen || !resource.ValidID(id) || seen[id] {
			t.Fatalf("NewID() = %q: invalid or repeated", id)
		}
		seen[id] = true
	}
}

// TestGradeStructure checks, per framework, which judgement parts may be
// recorded at all (Validate) and which publication requires (Complete).
func TestGradeStructure(t *testing.T) {
	all := Areas
	for _, tc := range []struct {
		name      string
		framework Framework
		judgement Judgement
		findings  *MonitoringFindings
		invalid   []string // Validate's violation fields
		missing   []string // Complete's violation fields
	}{
		{name: "SIF complete", framework: SIF, judgement: graded(reference.Good, all...)},
		{name: "SIF schedule only", framework: SIF, missing: []string{
			"inspection.judgement.adoption_performance", "inspection.judgement.care_leavers",
			"inspection.judgement.help_and_protection", "inspection.judgement.leadership_management_governance",
			"inspection.judgement.looked_after_and_permanence", "inspection.judgement.lscb_review",
			"inspection.judgement.overall_effectiveness",
		}},
		{name: "SIF without help and protection", framework: SIF,
			judgement: graded(reference.Inadequate, OverallEffectiveness, LookedAfterAndPermanence, AdoptionPerformance, CareLeavers, LeadershipManagementGovernance, LSCB),
			missing:   []string{"inspection.judgement.help_and_protection"}},
		{name: "SIF without LSCB review", framework: SIF,
			judgement: graded(reference.Good, OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence, AdoptionPerformance, CareLeavers, LeadershipManagementGovernance),
			missing:   []string{"inspection.judgement.lscb_review"}},
		{name: "SIF grade without narrative", framework: SIF,
			judgement: func() Judgement {
				j := graded(reference.Good, all...)
				j[CareLeavers] = GradedJudgement{Grade: reference.Good}
				return j
			}(),
			missing: []string{"inspection.judgement.care_leavers.narrative"}},
		{name: "SIF unknown grade", framework: SIF,
			judgement: func() Judgement {
				j := graded(reference.Good, all...)
				j[HelpAndProtection] = GradedJudgement{Grade: "99", Narrative: "x"}
				return j
			}(),
			invalid: []string{"judgement.help_and_protection.grade"}},
		{name: "SIF unspecified grade", framework: SIF,
			judgement: Judgement{OverallEffectiveness: {Narrative: "x"}},
			invalid:   []string{"judgement.overall_effectiveness.grade"}},
		{name: "ILACS complete", framework: ILACS, judgement: graded(reference.RequiresImprovement, ilacsAreas()...)},
		{name: "ILACS with adoption, care leavers and LSCB", framework: ILACS,
			judgement: graded(reference.Good, all...),
			invalid:   []string{"judgement.adoption_performance", "judgement.care_leavers", "judgement.lscb_review"}},
		{name: "ILACS missing leadership", framework: ILACS,
			judgement: graded(reference.Good, OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence),
			missing:   []string{"inspection.judgement.leadership_management_governance"}},
		{name: "emergency overall only", framework: Emergency, judgement: graded(reference.Inadequate, OverallEffectiveness)},
		{name: "emergency every part", framework: Emergency, judgement: graded(reference.Inadequate, all...)},
		{name: "emergency without overall", framework: Emergency,
			judgement: graded(reference.Inadequate, HelpAndProtection),
			missing:   []string{"inspection.judgement.overall_effectiveness"}},
		{name: "monitoring visit complete", framework: MonitoringVisit,
			findings: &MonitoringFindings{Findings: []string{"Caseloads have fallen."}, Progress: ProgressSome}},
		{name: "monitoring visit with a judgement", framework: MonitoringVisit,
			judgement: graded(reference.Good, OverallEffectiveness),
			findings:  &MonitoringFindings{Findings: []string{"x"}, Progress: ProgressSome},
			invalid:   []string{"judgement"}},
		{name: "monitoring visit without findings", framework: MonitoringVisit,
			missing: []string{"inspection.monitoring_findings.findings", "inspection.monitoring_findings.progress"}},
		{name: "monitoring visit with an unknown rating and a blank finding", framework: MonitoringVisit,
			findings: &MonitoringFindings{Findings: []string{"ok", "  "}, Progress: "7"},
			invalid:  []string{"monitoring_findings.findings[1]", "monitoring_findings.progress"}},
		{name: "SIF with monitoring findings", framework: SIF,
			judgement: graded(reference.Good, all...),
			findings:  &MonitoringFindings{Findings: []string{"x"}},
			invalid:   []string{"monitoring_findings"}},
		{name: "unknown framework", framework: "99", invalid: []string{"framework"}},
		{name: "no framework", framework: "", invalid: []string{"framework"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := scheduled(tc.framework)
			ins.Judgement, ins.MonitoringFindings = tc.judgement, tc.findings
			err := ins.Validate("", now)
			if got := rpctest.Fields(err); !slices.Equal(got, tc.invalid) {
				t.Errorf("Validate violations = %v (%v), want %v", got, err, tc.invalid)
			}
			if err != nil && kind(err) != fault.KindInvalid {
				t.Errorf("Validate error kind = %v, want INVALID_ARGUMENT", kind(err))
			}
			if tc.invalid != nil {
				return
			}
			err = ins.Complete("inspection.")
			if got := rpctest.Fields(err); !slices.Equal(got, tc.missing) {
				t.Errorf("Complete violations = %v, want %v", got, tc.missing)
			}
			if f, ok := fault.As(err); err != nil && (!ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonIncomplete) {
				t.Errorf("Complete error = %v, want FAILED_PRECONDITION %s", err, ReasonIncomplete)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts map[Area]reference.Grade
		want  []string // fields named by the warnings
	}{
		{"consistent", map[Area]reference.Grade{OverallEffectiveness: reference.Good, HelpAndProtection: reference.Good, LookedAfterAndPermanence: reference.Outstanding}, nil},
		{"overall worse than key judgements", map[Area]reference.Grade{OverallEffectiveness: reference.Inadequate, HelpAndProtection: reference.Good}, nil},
		{"overall better than help and protection", map[Area]reference.Grade{OverallEffectiveness: reference.Good, HelpAndProtection: reference.Inadequate, LeadershipManagementGovernance: reference.Good}, []string{"help_and_protection"}},
		{"overall better than two key judgements", map[Area]reference.Grade{OverallEffectiveness: reference.Outstanding, LookedAfterAndPermanence: reference.Good, LeadershipManagementGovernance: reference.RequiresImprovement}, []string{"looked_after_and_permanence", "leadership_management_governance"}},
		{"graded parts and LSCB are not key judgements", map[Area]reference.Grade{OverallEffectiveness: reference.Good, AdoptionPerformance: reference.Inadequate, CareLeavers: reference.Inadequate, LSCB: reference.Inadequate}, nil},
		{"no overall grade", map[Area]reference.Grade{HelpAndProtection: reference.Inadequate}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := scheduled(SIF)
			ins.Judgement = Judgement{}
			for a, g := range tc.parts {
				ins.Judgement[a] = GradedJudgement{Grade: g, Narrative: "n"}
			}
			got := ins.Warnings()
			if len(got) != len(tc.want) {
				t.Fatalf("Warnings() = %q, want %d naming %v", got, len(tc.want), tc.want)
			}
			for i, f := range tc.want {
				if !strings.Contains(got[i], "("+f+")") || !strings.Contains(got[i], string(tc.parts[OverallEffectiveness])) {
					t.Errorf("warning %q does not name %s and the overall grade", got[i], f)
				}
			}
		})
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"one day", storetest.Day(2015, 6, 1), storetest.Day(2015, 6, 1), nil},
		{"four weeks", storetest.Day(2015, 6, 1), storetest.Day(2015, 6, 26), nil},
		{"scheduled next year", storetest.Day(2016, 3, 1), storetest.Day(2016, 3, 24), nil},
		{"reversed", storetest.Day(2015, 6, 26), storetest.Day(2015, 6, 1), []string{"inspection.end_date"}},
		{"missing start", time.Time{}, storetest.Day(2015, 6, 1), []string{"inspection.start_date"}},
		{"missing both", time.Time{}, time.Time{}, []string{"inspection.end_date", "inspection.start_date"}},
		{"fieldwork of a year", storetest.Day(2015, 1, 5), storetest.Day(2015, 12, 4), []string{"inspection.end_date"}},
		{"before any framework", storetest.Day(1999, 12, 1), storetest.Day(1999, 12, 20), []string{"inspection.end_date", "inspection.start_date"}},
		{"too far ahead", storetest.Day(2019, 1, 7), storetest.Day(2019, 1, 20), []string{"inspection.end_date", "inspection.start_date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := scheduled(SIF)
			ins.StartDate, ins.EndDate = tc.start, tc.end
			if got := rpctest.Fields(ins.Validate("inspection.", now)); !slices.Equal(got, tc.want) {
				t.Errorf("violations = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRecommendationsAndEmergencyLink(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Inspection)
		want []string
	}{
		{"tagged recommendations", func(i *Inspection) {
			i.Recommendations = []Recommendation{{Text: "Reduce caseloads.", Area: HelpAndProtection}, {Text: "Strengthen the LSCB.", Area: LSCB}}
		}, nil},
		{"blank text and no area", func(i *Inspection) {
			i.Recommendations = []Recommendation{{Text: " ", Area: HelpAndProtection}, {Text: "x"}}
		}, []string{"recommendations[0].text", "recommendations[1].area"}},
		{"an area ILACS does not grade", func(i *Inspection) {
			i.Framework = ILACS
			i.Recommendations = []Recommendation{{Text: "x", Area: AdoptionPerformance}}
		}, []string{"recommendations[0].area"}},
		{"an unknown area", func(i *Inspection) {
			i.Recommendations = []Recommendation{{Text: "x", Area: "42"}}
		}, []string{"recommendations[0].area"}},
		{"emergency answering a recommendation", func(i *Inspection) {
			i.Framework = Emergency
			i.EmergencyRecommendation = "localAuthorities/E08000035/emergencyInspectionRecommendations/r1"
		}, nil},
		{"recommendation of another council", func(i *Inspection) {
			i.Framework = Emergency
			i.EmergencyRecommendation = "localAuthorities/E08000017/emergencyInspectionRecommendations/r1"
		}, []string{"emergency_recommendation"}},
		{"SIF answering a recommendation", func(i *Inspection) {
			i.EmergencyRecommendation = "localAuthorities/E08000035/emergencyInspectionRecommendations/r1"
		}, []string{"emergency_recommendation"}},
		{"lead inspector's name too long", func(i *Inspection) {
			i.LeadInspector = strings.Repeat("x", MaxText+1)
		}, []string{"lead_inspector"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := scheduled(SIF)
			tc.edit(&ins)
			if got := rpctest.Fields(ins.Validate("", now)); !slices.Equal(got, tc.want) {
				t.Errorf("violations = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPublish(t *testing.T) {
	complete := scheduled(SIF)
	complete.Judgement = graded(reference.Inadequate, Areas...)
	published := complete
	published.State, published.PublishDate = Published, storetest.Day(2015, 11, 20)
	incomplete := scheduled(ILACS)
	incomplete.Judgement = graded(reference.Good, OverallEffectiveness)
	for _, tc := range []struct {
		name   string
		ins    Inspection
		date   time.Time
		kind   fault.Kind
		reason string
		fields []string
	}{
		{name: "complete SIF", ins: complete, date: storetest.Day(2015, 11, 20)},
		{name: "on the last day of fieldwork", ins: complete, date: storetest.Day(2015, 10, 1)},
		{name: "today", ins: complete, date: storetest.Day(2015, 12, 14)},
		{name: "already published", ins: published, date: storetest.Day(2015, 11, 21), kind: fault.KindFailedPrecondition, reason: ReasonPublished},
		{name: "no date", ins: complete, kind: fault.KindInvalid, fields: []string{"publish_date"}},
		{name: "before the end of fieldwork", ins: complete, date: storetest.Day(2015, 9, 30), kind: fault.KindInvalid, fields: []string{"publish_date"}},
		{name: "tomorrow", ins: complete, date: storetest.Day(2015, 12, 15), kind: fault.KindInvalid, fields: []string{"publish_date"}},
		{name: "incomplete ILACS", ins: incomplete, date: storetest.Day(2015, 11, 20), kind: fault.KindFailedPrecondition, reason: ReasonIncomplete,
			fields: []string{"inspection.judgement.help_and_protection", "inspection.judgement.leadership_management_governance", "inspection.judgement.looked_after_and_permanence"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ins.Publish(tc.date, now)
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("Publish = %v", err)
				}
				if got.State != Published || !got.PublishDate.Equal(tc.date) || got.Version != tc.ins.Version || !got.UpdateTime.Equal(now) {
					t.Fatalf("published = %+v", got)
				}
				latest, ok := got.Latest()
				if !ok || latest.OverallGrade != reference.Inadequate || latest.Framework != "SIF" || latest.Inspection != got.Name() {
					t.Fatalf("Latest() = %+v, %v", latest, ok)
				}
				return
			}
			f, ok := fault.As(err)
			if !ok || f.Kind != tc.kind || (tc.reason != "" && f.Reason != tc.reason) || !slices.Equal(rpctest.Fields(err), tc.fields) {
				t.Fatalf("Publish error = %v, want kind %v reason %q fields %v", err, tc.kind, tc.reason, tc.fields)
			}
		})
	}
	// A late publication is bounded too.
	late := complete
	late.StartDate, late.EndDate = storetest.Day(2014, 9, 1), storetest.Day(2014, 9, 20)
	if _, err := late.Publish(storetest.Day(2015, 12, 1), now); !slices.Equal(rpctest.Fields(err), []string{"publish_date"}) {
		t.Errorf("publication 14 months after fieldwork: %v", err)
	}
}

func TestMonitoringVisitIsNeverTheLatestJudgement(t *testing.T) {
	mv := scheduled(MonitoringVisit)
	mv.MonitoringFindings = &MonitoringFindings{Findings: []string{"Progress is slow."}, Progress: ProgressInsufficient}
	p, err := mv.Publish(storetest.Day(2015, 11, 2), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Latest(); ok {
		t.Fatal("a monitoring visit became the latest graded judgement")
	}
	if _, ok := scheduled(SIF).Latest(); ok {
		t.Fatal("an unpublished inspection became the latest judgement")
	}
}

func TestParseMask(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		ok    bool
	}{
		{[]string{"start_date", "end_date"}, true},
		{[]string{"judgement", "recommendations", "lead_inspector", "monitoring_findings"}, true},
		{[]string{"judgement.help_and_protection", "judgement.lscb_review"}, true},
		{[]string{"*"}, true},
		// What the REST gateway derives from a PATCH body.
		{[]string{"etag", "name", "start_date.day", "start_date.month", "start_date.year", "framework"}, true},
		{[]string{"etag", "judgement.help_and_protection.grade", "monitoring_findings.progress", "update_time"}, true},
		{[]string{"etag"}, false},
		{[]string{"start_date.hour"}, false},
		{[]string{"judgement.help_and_protection.colour"}, false},
		{[]string{"monitoring_findings.mood"}, false},
		{[]string{"lead_inspector.first"}, false},
		{[]string{"framework"}, false},
		{[]string{"state"}, false},
		{[]string{"publish_date"}, false},
		{[]string{"emergency_recommendation"}, false},
		{[]string{"colour"}, false},
		{[]string{"judgement.lscb"}, false},
		{[]string{"start_date", "bogus"}, false},
		{nil, false},
	} {
		_, err := ParseMask(tc.paths)
		if tc.ok != (err == nil) {
			t.Errorf("ParseMask(%q) = %v", tc.paths, err)
		}
		if err != nil && !slices.Contains(rpctest.Fields(err), "update_mask") {
			t.Errorf("ParseMask(%q) error %v is not on update_mask", tc.paths, err)
		}
	}
}

func TestApply(t *testing.T) {
	cur := scheduled(SIF)
	cur.LeadInspector = "A. Inspector"
	cur.Judgement = graded(reference.Good, OverallEffectiveness, HelpAndProtection)
	patch := Inspection{
		Framework: ILACS, // not in any mask: ignored
		StartDate: storetest.Day(2015, 9, 14), EndDate: storetest.Day(2015, 10, 8),
		Judgement: graded(reference.Inadequate, HelpAndProtection, LSCB),
	}
	mask := func(paths ...string) Mask {
		m, err := ParseMask(paths)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("dates", func(t *testing.T) {
		got, err := cur.Apply(patch, mask("start_date", "end_date"), now)
		if err != nil || !got.StartDate.Equal(patch.StartDate) || !got.EndDate.Equal(patch.EndDate) ||
			got.LeadInspector != cur.LeadInspector || got.Framework != SIF || len(got.Judgement) != 2 {
			t.Fatalf("Apply = %+v, %v", got, err)
		}
	})
	t.Run("one judgement part", func(t *testing.T) {
		got, err := cur.Apply(patch, mask("judgement.help_and_protection", "judgement.overall_effectiveness"), now)
		if err != nil {
			t.Fatal(err)
		}
		// The part the patch sets replaces; the part it leaves out is removed.
		if got.Judgement[HelpAndProtection].Grade != reference.Inadequate || len(got.Judgement) != 1 {
			t.Fatalf("judgement = %+v", got.Judgement)
		}
		if cur.Judgement[HelpAndProtection].Grade != reference.Good {
			t.Fatal("Apply changed the inspection it was called on")
		}
	})
	t.Run("whole judgement, clearing the lead inspector", func(t *testing.T) {
		got, err := cur.Apply(patch, mask("judgement", "lead_inspector"), now)
		if err != nil || got.LeadInspector != "" || len(got.Judgement) != 2 || got.Judgement[LSCB].Grade != reference.Inadequate {
			t.Fatalf("Apply = %+v, %v", got, err)
		}
	})
	t.Run("reversed dates", func(t *testing.T) {
		p := patch
		p.EndDate = storetest.Day(2015, 9, 1)
		_, err := cur.Apply(p, mask("end_date"), now)
		if !slices.Equal(rpctest.Fields(err), []string{"inspection.end_date"}) {
			t.Fatalf("Apply = %v", err)
		}
	})
	t.Run("grade alone", func(t *testing.T) {
		got, err := cur.Apply(patch, mask("judgement.help_and_protection.grade"), now)
		if err != nil {
			t.Fatal(err)
		}
		hp := got.Judgement[HelpAndProtection]
		if hp.Grade != reference.Inadequate || hp.Narrative != cur.Judgement[HelpAndProtection].Narrative {
			t.Fatalf("help and protection = %+v", hp)
		}
		// A narrative alone makes a part without a grade, which is invalid.
		if _, err := cur.Apply(Inspection{Judgement: Judgement{LSCB: {Narrative: "n"}}}, mask("judgement.lscb_review.narrative"), now); !slices.Equal(rpctest.Fields(err), []string{"inspection.judgement.lscb_review.grade"}) {
			t.Fatalf("narrative without grade = %v", err)
		}
	})
	t.Run("monitoring findings field by field", func(t *testing.T) {
		mv := scheduled(MonitoringVisit)
		mv.MonitoringFindings = &MonitoringFindings{Findings: []string{"a"}, Narrative: "n"}
		got, err := mv.Apply(Inspection{MonitoringFindings: &MonitoringFindings{Progress: ProgressStrong, Findings: []string{"ignored"}}}, mask("monitoring_findings.progress"), now)
		if err != nil || got.MonitoringFindings.Progress != ProgressStrong || !slices.Equal(got.MonitoringFindings.Findings, []string{"a"}) || got.MonitoringFindings.Narrative != "n" {
			t.Fatalf("Apply = %+v, %v", got.MonitoringFindings, err)
		}
		if mv.MonitoringFindings.Progress != "" {
			t.Fatal("Apply changed the inspection it was called on")
		}
	})
	t.Run("fixed fields", func(t *testing.T) {
		same := patch
		same.Framework = SIF
		if _, err := cur.Apply(same, mask("framework", "lead_inspector"), now); err != nil {
			t.Fatalf("unchanged framework in the mask: %v", err)
		}
		if _, err := cur.Apply(patch, mask("framework", "lead_inspector"), now); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
			t.Fatalf("changed framework = %v", err)
		}
		if _, err := cur.Apply(Inspection{EmergencyRecommendation: "localAuthorities/E08000035/emergencyInspectionRecommendations/x"}, mask("emergency_recommendation", "lead_inspector"), now); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
			t.Fatalf("changed emergency recommendation = %v", err)
		}
	})
	t.Run("published", func(t *testing.T) {
		p := cur
		p.State = Published
		if _, err := p.Apply(patch, mask("lead_inspector"), now); !errors.Is(err, ErrPublished) {
			t.Fatalf("Apply to a published inspection = %v", err)
		}
	})
	t.Run("covers", func(t *testing.T) {
		m := mask("judgement.help_and_protection", "start_date", "judgement.lscb_review.narrative", "monitoring_findings.findings")
		for path, want := range map[string]bool{
			"start_date": true, "end_date": false, "judgement.help_and_protection.grade": true,
			"judgement.lscb_review.grade": false, "judgement.lscb_review.narrative": true, "recommendations[0].area": false,
			"monitoring_findings.findings[2]": true, "monitoring_findings.progress": false,
		} {
			if m.Covers(path) != want {
				t.Errorf("Covers(%q) = %v", path, !want)
			}
		}
		if !mask("*").Covers("recommendations[2].text") {
			t.Error("* does not cover recommendations")
		}
	})
}

func TestCheckEtag(t *testing.T) {
	if err := (change.Etag{}).Check(7); err != nil {
		t.Errorf("no etag: %v", err)
	}
	if err := change.At(7).Check(7); err != nil {
		t.Errorf("current etag: %v", err)
	}
	if err := change.At(6).Check(7); !errors.Is(err, change.ErrConflict) || kind(err) != fault.KindConflict {
		t.Errorf("stale etag: %v", err)
	}
}

func TestSelect(t *testing.T) {
	mk := func(gss, id string, f Framework, g reference.Grade, start, published time.Time) Inspection {
		ins := Inspection{GSSCode: gss, ID: id, Framework: f, State: Scheduled, StartDate: start, EndDate: start.AddDate(0, 0, 20)}
		if g != "" {
			ins.Judgement = graded(g, OverallEffectiveness)
		}
		if !published.IsZero() {
			ins.State, ins.PublishDate = Published, published
		}
		return ins
	}
	all := []Inspection{
		mk("E08000035", "a", SIF, reference.Good, storetest.Day(2015, 1, 5), storetest.Day(2015, 3, 2)),
		mk("E08000017", "b", SIF, reference.Inadequate, storetest.Day(2015, 4, 6), storetest.Day(2015, 6, 10)),
		mk("E09000001", "c", ILACS, reference.Inadequate, storetest.Day(2014, 4, 6), storetest.Day(2014, 6, 10)),
		mk("E10000014", "d", SIF, reference.Inadequate, storetest.Day(2015, 10, 5), time.Time{}),
		mk("E08000035", "e", MonitoringVisit, "", storetest.Day(2015, 7, 1), storetest.Day(2015, 8, 1)),
	}
	for _, tc := range []struct {
		filter, order string
		publishedOnly bool
		want          []string
	}{
		{"", "", false, []string{"e", "b", "a", "c", "d"}},
		{"", "", true, []string{"e", "b", "a", "c"}},
		{"", "publish_date", false, []string{"d", "c", "a", "b", "e"}},
		{"", "start_date desc", false, []string{"d", "e", "b", "a", "c"}},
		{"", "start_date", true, []string{"c", "a", "b", "e"}},
		{"framework = SIF", "", false, []string{"b", "a", "d"}},
		{"overall_grade = INADEQUATE", "", false, []string{"b", "c", "d"}},
		{"overall_grade = INADEQUATE", "", true, []string{"b", "c"}},
		{"state = SCHEDULED", "", false, []string{"d"}},
		{"publish_date >= 2015-01-01 AND publish_date < 2015-07-01", "", false, []string{"b", "a"}},
		{"framework = sif AND overall_grade = inadequate AND publish_date >= 2015-01-01", "", false, []string{"b"}},
	} {
		o, err := filter.ParseOrderBy(tc.order, OrderFields, DefaultOrder)
		if err != nil {
			t.Fatalf("ParseOrderBy(%q): %v", tc.order, err)
		}
		got := rpctest.Selected(t, tc.filter, FilterSchema, func(f *filter.Filter) []Inspection { return Select(all, f, o, tc.publishedOnly) },
			func(ins Inspection) string { return ins.ID })
		if !slices.Equal(got, tc.want) {
			t.Errorf("Select(%q, %q, %v) = %v, want %v", tc.filter, tc.order, tc.publishedOnly, got, tc.want)
		}
	}
	for _, bad := range []string{"colour = RED", "framework = DAWN_RAID", "overall_grade < GOOD", "publish_date = yesterday"} {
		if _, err := filter.Compile(bad, FilterSchema); kind(err) != fault.KindInvalid {
			t.Errorf("Compile(%q) = %v, want INVALID_ARGUMENT", bad, err)
		}
	}
}

func TestAreaFields(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Areas {
		f := a.Field()
		back, ok := AreaOfField(f)
		if f == "" || a.Title() == "" || seen[f] || !ok || back != a {
			t.Errorf("area %s: field %q title %q", a, f, a.Title())
		}
		seen[f] = true
	}
}
