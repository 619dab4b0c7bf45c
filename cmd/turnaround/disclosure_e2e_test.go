package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

// themeSummariesJSON is a ListThemeSummariesResponse as the gateway renders
// it.
type themeSummariesJSON struct {
	ThemeSummaries []struct {
		Theme   string         `json:"theme"`
		Overall themeCountJS   `json:"overall"`
		Region  []themeCountJS `json:"by_region"`
		Grade   []themeCountJS `json:"by_later_grade"`
	} `json:"theme_summaries"`
	CompletedReviews int    `json:"completed_reviews"`
	Councils         int    `json:"councils"`
	MinCouncils      int    `json:"min_councils"`
	Withheld         string `json:"withheld"`
	SuppressedGroups []struct {
		Grouping string `json:"grouping"`
		Region   string `json:"region"`
		Withheld string `json:"withheld"`
	} `json:"suppressed_groups"`
}

type themeCountJS struct {
	Region     string `json:"region"`
	LaterGrade string `json:"later_grade"`
	Aggregate  string `json:"aggregate"`
	Strengths  int    `json:"strengths"`
	Reviews    int    `json:"reviews"`
	Councils   int    `json:"councils"`
}

// riskJSON is a RiskAssessment as the gateway renders it.
type riskJSON struct {
	Band                   string `json:"band"`
	MinCouncils            int    `json:"min_councils"`
	InsufficientDataReason string `json:"insufficient_data_reason"`
	Factors                []struct {
		Indicator             string  `json:"indicator"`
		EnglandMedian         float64 `json:"england_median"`
		RegionMedian          float64 `json:"region_median"`
		EnglandMedianWithheld string  `json:"england_median_withheld"`
		RegionMedianWithheld  string  `json:"region_median_withheld"`
		Explanation           string  `json:"explanation"`
	} `json:"factors"`
}

// derby is an East Midlands council: its region has nine councils, fewer
// than the disclosure threshold.
const derby = "E06000015"

// TestDisclosureOverREST runs the demo twice over REST: at the default
// threshold of 10 councils the What Works summary of its thirteen reviewed
// councils is given, every group it shows covers at least ten councils and
// every region is folded into OTHER with its reason; Derby's risk factors
// give England medians but withhold the East Midlands'; Ofsted is refused
// the summaries. At -disclosure-min-councils=20 the summary is withheld
// with the reason and the threshold, beside an empty list.
func TestDisclosureOverREST(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	lga := devToken(t, keyFile, "-role", "lga_adviser")
	ofsted := devToken(t, keyFile, "-role", "ofsted_inspector")
	officer := devToken(t, keyFile, "-role", "council_officer", "-authority", derby)

	var sum themeSummariesJSON
	code, body := in.do(t, http.MethodGet, "/v1/themeSummaries", lga, nil, &sum)
	wantStatus(t, "theme summaries as the LGA", code, http.StatusOK, body)
	if sum.Withheld != "" || sum.MinCouncils != 10 || sum.Councils < 10 || len(sum.ThemeSummaries) == 0 {
		t.Fatalf("demo summary at 10: %s", body)
	}
	for _, s := range sum.ThemeSummaries {
		for _, c := range append(append([]themeCountJS{s.Overall}, s.Region...), s.Grade...) {
			if c.Councils < 10 {
				t.Errorf("%s: group %s of %d councils shown: %s", s.Theme, c.Region+c.LaterGrade+c.Aggregate, c.Councils, body)
			}
			set := 0
			for _, g := range []string{c.Region, c.LaterGrade, c.Aggregate} {
				if g != "" {
					set++
				}
			}
			if set != 1 || c.Region != "" && !strings.HasPrefix(c.Region, "REGION_") ||
				c.LaterGrade != "" && !strings.HasPrefix(c.LaterGrade, "GRADE_") || c.Aggregate != "" && !strings.HasPrefix(c.Aggregate, "AGGREGATE_GROUP_") {
				t.Errorf("%s: a count's group is not one region, grade or aggregate, spelt as its enum: %+v", s.Theme, c)
			}
		}
	}
	regions := 0
	for _, g := range sum.SuppressedGroups {
		if g.Withheld != "FEWER_THAN_MIN_COUNCILS" && g.Withheld != "COMPLEMENTARY" {
			t.Errorf("suppressed group %+v", g)
		}
		if g.Grouping == "region" {
			regions++
			if !strings.HasPrefix(g.Region, "REGION_") {
				t.Errorf("region folded into AGGREGATE_GROUP_OTHER spelt %q", g.Region)
			}
		}
	}
	if regions == 0 {
		t.Errorf("no region folded into OTHER, though no demo region has ten councils reviewed: %s", body)
	}
	code, body = in.do(t, http.MethodGet, "/v1/themeSummaries", officer, nil, nil)
	wantStatus(t, "theme summaries as a council officer", code, http.StatusOK, body)
	code, body = in.do(t, http.MethodGet, "/v1/themeSummaries", ofsted, nil, nil)
	wantStatus(t, "theme summaries as Ofsted", code, http.StatusForbidden, body)
	code, body = in.do(t, http.MethodGet, "/v1/themeSummaries?min_group_size=5", lga, nil, nil)
	wantStatus(t, "theme summaries in groups of 5", code, http.StatusBadRequest, body)
	if s := decodeStatus(t, body); s.Code != int(codes.InvalidArgument) || s.violations()["min_group_size"] == "" {
		t.Errorf("groups of 5: %s", body)
	}

	var risk riskJSON
	code, body = in.do(t, http.MethodGet, "/v1/localAuthorities/"+derby+"/riskAssessment", officer, nil, &risk)
	wantStatus(t, "Derby's risk as its officer", code, http.StatusOK, body)
	if risk.MinCouncils != 10 || len(risk.Factors) == 0 {
		t.Fatalf("Derby's risk: %s", body)
	}
	for _, f := range risk.Factors {
		if f.EnglandMedianWithheld != "" || f.EnglandMedian == 0 || f.RegionMedianWithheld != "FEWER_THAN_MIN_COUNCILS" || f.RegionMedian != 0 ||
			!strings.Contains(f.Explanation, "the East Midlands median is withheld") {
			t.Errorf("Derby factor %+v", f)
		}
	}

	strict := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="}, "-disclosure-min-councils=20")
	sum = themeSummariesJSON{}
	code, body = strict.do(t, http.MethodGet, "/v1/themeSummaries", lga, nil, &sum)
	wantStatus(t, "theme summaries at 20", code, http.StatusOK, body)
	if sum.Withheld != "FEWER_THAN_MIN_COUNCILS" || sum.MinCouncils != 20 || len(sum.ThemeSummaries) != 0 ||
		!strings.Contains(string(body), `"theme_summaries":[]`) || !strings.Contains(string(body), `"withheld":"FEWER_THAN_MIN_COUNCILS"`) {
		t.Errorf("demo summary at 20: %s", body)
	}
}
