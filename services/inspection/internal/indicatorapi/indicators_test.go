package indicatorapi

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Councils with known regions, for benchmark arithmetic.
const (
	middlesbrough = "E06000002" // North East
	redcar        = "E06000003" // North East
	halton        = "E06000006" // North West
	barking       = "E09000002" // London
)

func val(ind typev1.Indicator, v float64) *inspectionv1.IndicatorValue {
	return &inspectionv1.IndicatorValue{Indicator: ind, Value: v}
}

// small is a set of two indicators for council gss in 2015.
func small(gss string, agency, decile float64) *inspectionv1.IndicatorSet {
	return &inspectionv1.IndicatorSet{
		Name:   indicator.Name(gss, 2015),
		Source: "DfE children's social work workforce 2015",
		Values: []*inspectionv1.IndicatorValue{
			val(typev1.Indicator_INDICATOR_DEPRIVATION_DECILE, decile),
			val(typev1.Indicator_INDICATOR_AGENCY_RATE, agency),
		},
	}
}

// wantCode fails unless err is a status with code and, when given, exactly
// the field violations fields.
func wantCode(t *testing.T, err error, code codes.Code, fields ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("code %v (%v), want %v", st.Code(), err, code)
	}
	if info := apierror.Info(st); info == nil || info.GetDomain() != apierror.Domain {
		t.Errorf("no ErrorInfo on %v", err)
	}
	if len(fields) == 0 {
		return
	}
	var got []string
	for _, v := range apierror.FieldViolations(st) {
		got = append(got, v.GetField())
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("violations on %v, want %v (%v)", got, fields, apierror.FieldViolations(st))
	}
}

func TestImportGivesBenchmarks(t *testing.T) {
	// The benchmarks below come from a handful of councils.
	lowerDisclosureThreshold(t)
	h := newHarness(t)
	resp, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{
			small(hartlepool, 10, 2),
			small(middlesbrough, 30, 1),
			small(redcar, 20, 3),
			small(halton, 5, 4),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A partner system imports too; benchmarks are recomputed from every
	// council's set of the period, not only this batch's.
	if _, err := h.client.BatchImportIndicatorSets(h.as("partner"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{small(barking, 40, 1)},
	}); err != nil {
		t.Fatal(err)
	}
	if len(resp.GetIndicatorSets()) != 4 {
		t.Fatalf("response %v", resp)
	}
	first := resp.GetIndicatorSets()[0]
	if first.GetName() != "localAuthorities/E06000001/indicatorSets/2015" || first.GetEtag() != `"1"` || first.GetUpdateTime() == nil {
		t.Errorf("first set %v", first)
	}
	// Values come back in enum order with the benchmarks of the first
	// import: England agency median of 5, 10, 20, 30 is 15; the North
	// East's (10, 20, 30) is 20.
	if v := first.GetValues(); len(v) != 2 || v[0].GetIndicator() != typev1.Indicator_INDICATOR_AGENCY_RATE ||
		v[0].GetEnglandMedian() != 15 || v[0].GetRegionMedian() != 20 || v[1].GetEnglandMedian() != 2.5 {
		t.Errorf("first set's values %v", v)
	}

	tests := []struct {
		gss           string
		agencyEngland float64
		agencyRegion  float64
		decileEngland float64
		decileRegion  float64
	}{
		// England agency: 5, 10, 20, 30, 40 → 20; deciles 1, 1, 2, 3, 4 → 2.
		{hartlepool, 20, 20, 2, 2},
		{halton, 20, 5, 2, 4},
		{barking, 20, 40, 2, 1},
	}
	for _, tt := range tests {
		for _, who := range []string{"ofsted", "lga", "dfe"} {
			got, err := h.client.GetIndicatorSet(h.as(who), &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(tt.gss, 2015)})
			if err != nil {
				t.Fatalf("%s gets %s: %v", who, tt.gss, err)
			}
			v := got.GetValues()
			if got.GetSource() == "" || got.GetEtag() != `"1"` || len(v) != 2 ||
				v[0].GetEnglandMedian() != tt.agencyEngland || v[0].GetRegionMedian() != tt.agencyRegion ||
				v[1].GetEnglandMedian() != tt.decileEngland || v[1].GetRegionMedian() != tt.decileRegion {
				t.Errorf("%s: %v", tt.gss, got)
			}
		}
	}

	// The list carries the benchmarks too, newest period first.
	if _, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{{Name: indicator.Name(hartlepool, 2014), Values: []*inspectionv1.IndicatorValue{
			val(typev1.Indicator_INDICATOR_AGENCY_RATE, 8),
		}}},
	}); err != nil {
		t.Fatal(err)
	}
	list, err := h.client.ListIndicatorSets(h.as("hartlepool"), &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/" + hartlepool, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != 2 || len(list.GetIndicatorSets()) != 1 || list.GetNextPageToken() == "" ||
		!strings.HasSuffix(list.GetIndicatorSets()[0].GetName(), "/2015") || list.GetIndicatorSets()[0].GetValues()[0].GetEnglandMedian() != 20 {
		t.Fatalf("first page %v", list)
	}
	list, err = h.client.ListIndicatorSets(h.as("hartlepool"), &inspectionv1.ListIndicatorSetsRequest{
		Parent: "localAuthorities/" + hartlepool, PageSize: 1, PageToken: list.GetNextPageToken(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetIndicatorSets()) != 1 || list.GetNextPageToken() != "" || !strings.HasSuffix(list.GetIndicatorSets()[0].GetName(), "/2014") ||
		list.GetIndicatorSets()[0].GetValues()[0].GetEnglandMedian() != 8 {
		t.Fatalf("second page %v", list)
	}
	// A page token belongs to its parent.
	_, err = h.client.ListIndicatorSets(h.as("dfe"), &inspectionv1.ListIndicatorSetsRequest{
		Parent: "localAuthorities/" + halton, PageToken: list.GetNextPageToken() + firstToken(t, h),
	})
	wantCode(t, err, codes.InvalidArgument, "page_token")
}

// firstToken returns a next_page_token issued for Hartlepool's list.
func firstToken(t *testing.T, h *harness) string {
	t.Helper()
	list, err := h.client.ListIndicatorSets(h.as("dfe"), &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/" + hartlepool, PageSize: 1})
	if err != nil || list.GetNextPageToken() == "" {
		t.Fatalf("list %v, %v", list, err)
	}
	return list.GetNextPageToken()
}

func TestImportIsIdempotent(t *testing.T) {
	h := newHarness(t)
	req := &inspectionv1.BatchImportIndicatorSetsRequest{
		RequestId:     "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
		IndicatorSets: []*inspectionv1.IndicatorSet{small(hartlepool, 10, 2), small(leeds, 20, 3)},
	}
	first, err := h.client.BatchImportIndicatorSets(h.as("dfe"), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.client.BatchImportIndicatorSets(h.as("dfe"), req)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(first, again) {
		t.Errorf("retry answered %v, first %v", again, first)
	}
	got, err := h.client.GetIndicatorSet(h.as("dfe"), &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(leeds, 2015)})
	if err != nil || got.GetEtag() != `"1"` {
		t.Errorf("after the retry the set is %v, %v; want it written once", got, err)
	}
	// Another caller's request_id is its own: the same id imports again.
	other, err := h.client.BatchImportIndicatorSets(h.as("partner"), req)
	if err != nil || other.GetIndicatorSets()[0].GetEtag() != `"2"` {
		t.Errorf("partner's import %v, %v", other, err)
	}
	// The same request_id with a different request is refused.
	changed := proto.Clone(req).(*inspectionv1.BatchImportIndicatorSetsRequest)
	changed.IndicatorSets[0].Values[0].Value = 3
	_, err = h.client.BatchImportIndicatorSets(h.as("dfe"), changed)
	wantCode(t, err, codes.InvalidArgument, "request_id")
}

func TestImportRejectsBadInput(t *testing.T) {
	h := newHarness(t)
	with := func(mod func(*inspectionv1.IndicatorSet)) []*inspectionv1.IndicatorSet {
		s := &inspectionv1.IndicatorSet{Name: indicator.Name(leeds, 2015), Values: synthetic(3)}
		mod(s)
		return []*inspectionv1.IndicatorSet{small(hartlepool, 10, 2), s}
	}
	tooMany := make([]*inspectionv1.IndicatorSet, indicator.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = small(reference.Councils()[i%152].GSSCode, 10, 2)
	}
	tests := []struct {
		name   string
		sets   []*inspectionv1.IndicatorSet
		reqID  string
		fields []string
	}{
		{"no sets", nil, "", []string{"indicator_sets"}},
		{"more than 500 sets", tooMany, "", []string{"indicator_sets"}},
		{"unknown indicator", with(func(s *inspectionv1.IndicatorSet) { s.Values[4].Indicator = 99 }), "",
			[]string{"indicator_sets[1].values[4].indicator"}},
		{"unspecified indicator", with(func(s *inspectionv1.IndicatorSet) { s.Values[0].Indicator = 0 }), "",
			[]string{"indicator_sets[1].values[0].indicator"}},
		{"out-of-range value", with(func(s *inspectionv1.IndicatorSet) { s.Values[5].Value = 127 }), "",
			[]string{"indicator_sets[1].values[5].value"}},
		{"fractional decile", with(func(s *inspectionv1.IndicatorSet) { s.Values[10].Value = 2.5 }), "",
			[]string{"indicator_sets[1].values[10].value"}},
		{"duplicate indicator", with(func(s *inspectionv1.IndicatorSet) {
			s.Values = append(s.Values, val(typev1.Indicator_INDICATOR_CASELOAD, 12))
		}), "", []string{"indicator_sets[1].values[12].indicator"}},
		{"bad period", with(func(s *inspectionv1.IndicatorSet) { s.Name = "localAuthorities/E08000035/indicatorSets/1999" }), "",
			[]string{"indicator_sets[1].name"}},
		{"bad name", with(func(s *inspectionv1.IndicatorSet) { s.Name = "localAuthorities/E08000035" }), "",
			[]string{"indicator_sets[1].name"}},
		{"unknown council", with(func(s *inspectionv1.IndicatorSet) { s.Name = indicator.Name("E08999999", 2015) }), "",
			[]string{"indicator_sets[1].name"}},
		{"same council and period twice", with(func(s *inspectionv1.IndicatorSet) { s.Name = indicator.Name(hartlepool, 2015) }), "",
			[]string{"indicator_sets[1].name"}},
		{"no values", with(func(s *inspectionv1.IndicatorSet) { s.Values = nil }), "", []string{"indicator_sets[1].values"}},
		{"long request_id", with(func(*inspectionv1.IndicatorSet) {}), strings.Repeat("r", 129), []string{"request_id"}},
		{"several problems at once", with(func(s *inspectionv1.IndicatorSet) {
			s.Name = "localAuthorities/E08000035/indicatorSets/15"
			s.Values[0].Value = -1
			s.Values[11].Value = 21
		}), strings.Repeat("r", 129), []string{
			"indicator_sets[1].name", "indicator_sets[1].values[0].value", "indicator_sets[1].values[11].value", "request_id",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{IndicatorSets: tt.sets, RequestId: tt.reqID})
			wantCode(t, err, codes.InvalidArgument, tt.fields...)
		})
	}
	// Nothing of a rejected batch was stored.
	_, err := h.client.GetIndicatorSet(h.as("dfe"), &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(hartlepool, 2015)})
	wantCode(t, err, codes.NotFound)
}

func TestReadsRejectBadInput(t *testing.T) {
	h := newHarness(t)
	ctx := h.as("dfe")
	tests := []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"set name without period", rpctest.Err(h.client.GetIndicatorSet(ctx, &inspectionv1.GetIndicatorSetRequest{Name: "localAuthorities/E08000035/indicatorSets"})), codes.InvalidArgument, "name"},
		{"set name with a bad period", rpctest.Err(h.client.GetIndicatorSet(ctx, &inspectionv1.GetIndicatorSetRequest{Name: "localAuthorities/E08000035/indicatorSets/2101"})), codes.InvalidArgument, "name"},
		{"set that does not exist", rpctest.Err(h.client.GetIndicatorSet(ctx, &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(leeds, 2015)})), codes.NotFound, ""},
		{"bad parent", rpctest.Err(h.client.ListIndicatorSets(ctx, &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/-"})), codes.InvalidArgument, "parent"},
		{"negative page size", rpctest.Err(h.client.ListIndicatorSets(ctx, &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/" + leeds, PageSize: -1})), codes.InvalidArgument, "page_size"},
		{"unknown council's sets", rpctest.Err(h.client.ListIndicatorSets(ctx, &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/E08999999"})), codes.NotFound, ""},
		{"bad risk name", rpctest.Err(h.client.GetRiskAssessment(ctx, &inspectionv1.GetRiskAssessmentRequest{Name: "localAuthorities/" + leeds})), codes.InvalidArgument, "name"},
		{"unknown council's risk", rpctest.Err(h.client.GetRiskAssessment(ctx, &inspectionv1.GetRiskAssessmentRequest{Name: "localAuthorities/E08999999/riskAssessment"})), codes.NotFound, ""},
		{"unknown filter field", rpctest.Err(h.client.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{Filter: "score > 50"})), codes.InvalidArgument, "filter"},
		{"unknown band", rpctest.Err(h.client.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{Filter: "band = PURPLE"})), codes.InvalidArgument, "filter"},
		{"forged page token", rpctest.Err(h.client.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{PageToken: "AAAA"})), codes.InvalidArgument, "page_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.field == "" {
				wantCode(t, tt.err, tt.code)
				return
			}
			wantCode(t, tt.err, tt.code, tt.field)
		})
	}
}

func TestAccess(t *testing.T) {
	h := newHarness(t)
	if _, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{small(leeds, 10, 2), small(hartlepool, 20, 1)},
	}); err != nil {
		t.Fatal(err)
	}
	importOne := rpctest.Bind(h.client.BatchImportIndicatorSets, &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{small(leeds, 11, 2)},
	})
	getSet := func(gss string) func(context.Context) error {
		return rpctest.Bind(h.client.GetIndicatorSet, &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(gss, 2015)})
	}
	listSets := func(gss string) func(context.Context) error {
		return rpctest.Bind(h.client.ListIndicatorSets, &inspectionv1.ListIndicatorSetsRequest{Parent: "localAuthorities/" + gss})
	}
	getRisk := func(gss string) func(context.Context) error {
		return rpctest.Bind(h.client.GetRiskAssessment, &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(gss)})
	}
	listRisk := rpctest.Bind(h.client.ListRiskAssessments, &inspectionv1.ListRiskAssessmentsRequest{})
	calls := []struct {
		what string
		call func(context.Context) error
		// allowed lists who succeeds; everyone else is denied.
		allowed []string
	}{
		{"import", importOne, []string{"dfe", "partner", "leeds+partner"}},
		{"get Leeds' set", getSet(leeds), []string{"ofsted", "lga", "dfe", "leeds", "leeds+partner"}},
		{"get Hartlepool's set", getSet(hartlepool), []string{"ofsted", "lga", "dfe", "hartlepool"}},
		{"list Leeds' sets", listSets(leeds), []string{"ofsted", "lga", "dfe", "leeds", "leeds+partner"}},
		{"list Hartlepool's sets", listSets(hartlepool), []string{"ofsted", "lga", "dfe", "hartlepool"}},
		{"get Leeds' risk", getRisk(leeds), []string{"ofsted", "lga", "dfe", "leeds", "leeds+partner"}},
		{"get Hartlepool's risk", getRisk(hartlepool), []string{"ofsted", "lga", "dfe", "hartlepool"}},
		{"list risk", listRisk, []string{"ofsted", "lga", "dfe", "leeds", "hartlepool", "leeds+partner"}},
	}
	for _, c := range calls {
		for who := range principals {
			t.Run(c.what+" as "+who, func(t *testing.T) {
				err := c.call(h.as(who))
				if slices.Contains(c.allowed, who) {
					if err != nil {
						t.Fatalf("denied: %v", err)
					}
					return
				}
				wantCode(t, err, codes.PermissionDenied)
			})
		}
		t.Run(c.what+" without a token", func(t *testing.T) {
			wantCode(t, c.call(h.as("")), codes.Unauthenticated)
		})
	}

	// A council officer's risk list holds their own council only.
	for _, who := range []string{"leeds", "hartlepool", "leeds+partner"} {
		resp, err := h.client.ListRiskAssessments(h.as(who), &inspectionv1.ListRiskAssessmentsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want := risk.ResourceName(principals[who].Authority)
		if resp.GetTotalSize() != 1 || len(resp.GetRiskAssessments()) != 1 || resp.GetRiskAssessments()[0].GetName() != want {
			t.Errorf("%s lists %v, want only %s", who, resp, want)
		}
	}
	// The denial names the reason.
	_, err := h.client.GetRiskAssessment(h.as("leeds"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)})
	st, _ := status.FromError(err)
	if info := apierror.Info(st); info.GetReason() != auth.ReasonCouncilNotAllowed {
		t.Errorf("reason %v", info)
	}
}

func TestRiskExplained(t *testing.T) {
	h := newHarness(t)
	noSet := map[string]bool{leeds: true}
	h.seedSets(t, noSet)

	// Leeds has no set: insufficient data, never a low score.
	got, err := h.client.GetRiskAssessment(h.as("leeds"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(leeds)})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetBand() != typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA || got.GetScore() != 0 || len(got.GetFactors()) != 0 ||
		got.GetInsufficientDataReason() == "" || got.GetDisplayName() != "Leeds" || got.GetPeriod() != "" || got.GetModelVersion() != risk.Default().Version() {
		t.Errorf("Leeds without a set: %v", got)
	}

	// A set with too few indicators is insufficient too, with the reason.
	if _, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{{Name: indicator.Name(leeds, 2016), Values: synthetic(5)[:7]}},
	}); err != nil {
		t.Fatal(err)
	}
	got, err = h.client.GetRiskAssessment(h.as("ofsted"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(leeds)})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetBand() != typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA || got.GetScore() != 0 || got.GetPeriod() != "2016" ||
		!strings.Contains(got.GetInsufficientDataReason(), "7 of the 12") {
		t.Errorf("Leeds with 7 indicators: %v", got)
	}

	// Hartlepool is scored and explained.
	got, err = h.client.GetRiskAssessment(h.as("lga"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetName() != "localAuthorities/E06000001/riskAssessment" || got.GetDisplayName() != "Hartlepool" || got.GetPeriod() != "2015" ||
		got.GetBand() == typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA || got.GetBand() == typev1.RiskBand_RISK_BAND_UNSPECIFIED ||
		len(got.GetFactors()) != indicator.Count || got.GetInsufficientDataReason() != "" {
		t.Fatalf("Hartlepool: %v", got)
	}
	sum := 0.0
	for i, f := range got.GetFactors() {
		sum += f.GetContribution()
		if f.GetExplanation() == "" || f.GetWeight() <= 0 || f.GetEnglandMedian() == 0 || f.GetRegionMedian() == 0 {
			t.Errorf("factor %v", f)
		}
		if i > 0 && f.GetContribution() > got.GetFactors()[i-1].GetContribution() {
			t.Errorf("factor %d out of order", i)
		}
		if !strings.Contains(f.GetExplanation(), "the North East median") {
			t.Errorf("explanation %q does not name the region", f.GetExplanation())
		}
	}
	if math.Abs(sum-(got.GetScore()-risk.DefaultConfig().BaselineScore)) > 1e-9 {
		t.Errorf("contributions sum to %v; score %v", sum, got.GetScore())
	}
	// The factors carry the same benchmarks as the indicator set.
	set, err := h.client.GetIndicatorSet(h.as("dfe"), &inspectionv1.GetIndicatorSetRequest{Name: indicator.Name(hartlepool, 2015)})
	if err != nil {
		t.Fatal(err)
	}
	medians := map[typev1.Indicator][2]float64{}
	for _, v := range set.GetValues() {
		medians[v.GetIndicator()] = [2]float64{v.GetEnglandMedian(), v.GetRegionMedian()}
	}
	for _, f := range got.GetFactors() {
		if m := medians[f.GetIndicator()]; m != [2]float64{f.GetEnglandMedian(), f.GetRegionMedian()} {
			t.Errorf("%v: factor medians %v, %v; set %v", f.GetIndicator(), f.GetEnglandMedian(), f.GetRegionMedian(), m)
		}
	}
}

func TestListRiskAssessments(t *testing.T) {
	h := newHarness(t)
	noSet := map[string]bool{leeds: true, hartlepool: true, barking: true}
	h.seedSets(t, noSet)
	inspected := []string{halton, redcar, middlesbrough, barking}
	for _, gss := range inspected {
		h.markInspected(t, gss, reference.Inadequate)
	}

	all, err := h.client.ListRiskAssessments(h.as("dfe"), &inspectionv1.ListRiskAssessmentsRequest{PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	as := all.GetRiskAssessments()
	if all.GetTotalSize() != 152 || len(as) != 152 || all.GetNextPageToken() != "" {
		t.Fatalf("total %d, %d on the page", all.GetTotalSize(), len(as))
	}
	bands := map[typev1.RiskBand]int{}
	for i, a := range as {
		bands[a.GetBand()]++
		insufficient := a.GetBand() == typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA
		if insufficient != (i >= 149) {
			t.Errorf("position %d: %s is %v", i, a.GetName(), a.GetBand())
		}
		if i > 0 && !insufficient && a.GetScore() > as[i-1].GetScore() {
			t.Errorf("position %d: score %v above %v", i, a.GetScore(), as[i-1].GetScore())
		}
		if a.GetModelVersion() != risk.Default().Version() {
			t.Errorf("%s: version %q", a.GetName(), a.GetModelVersion())
		}
	}
	// The synthetic data spreads councils over every band.
	for _, b := range []typev1.RiskBand{typev1.RiskBand_RISK_BAND_LOW, typev1.RiskBand_RISK_BAND_MEDIUM,
		typev1.RiskBand_RISK_BAND_HIGH, typev1.RiskBand_RISK_BAND_SEVERE} {
		if bands[b] == 0 {
			t.Errorf("no council in band %v: %v", b, bands)
		}
	}
	if bands[typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA] != 3 {
		t.Errorf("bands %v", bands)
	}

	// Every filter keeps exactly the councils it names, in the same order.
	region := func(name string) reference.Region {
		c, _ := reference.CouncilByCode(strings.Split(name, "/")[1])
		return c.Region
	}
	tests := []struct {
		filter string
		keep   func(*inspectionv1.RiskAssessment) bool
	}{
		{"band = HIGH", func(a *inspectionv1.RiskAssessment) bool { return a.GetBand() == typev1.RiskBand_RISK_BAND_HIGH }},
		{"band = SEVERE OR band = HIGH", func(a *inspectionv1.RiskAssessment) bool { return a.GetScore() >= 50 }},
		{"band = INSUFFICIENT_DATA", func(a *inspectionv1.RiskAssessment) bool {
			return a.GetBand() == typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA
		}},
		{"region = LONDON", func(a *inspectionv1.RiskAssessment) bool { return region(a.GetName()) == reference.London }},
		{"inspected_under_sif = true", func(a *inspectionv1.RiskAssessment) bool { return a.GetInspectedUnderSif() }},
		{"inspected_under_sif = false AND band != INSUFFICIENT_DATA AND region = NORTH_EAST", func(a *inspectionv1.RiskAssessment) bool {
			return !a.GetInspectedUnderSif() && a.GetBand() != typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA && region(a.GetName()) == reference.NorthEast
		}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			var want []string
			for _, a := range as {
				if tt.keep(a) {
					want = append(want, a.GetName())
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter keeps nothing, so it tests nothing")
			}
			resp, err := h.client.ListRiskAssessments(h.as("ofsted"), &inspectionv1.ListRiskAssessmentsRequest{Filter: tt.filter, PageSize: 200})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range resp.GetRiskAssessments() {
				got = append(got, a.GetName())
			}
			if !slices.Equal(got, want) || int(resp.GetTotalSize()) != len(want) {
				t.Errorf("got %d %v, want %d %v", resp.GetTotalSize(), got, len(want), want)
			}
		})
	}
	var sif []string
	for _, a := range as {
		if a.GetInspectedUnderSif() {
			sif = append(sif, strings.Split(a.GetName(), "/")[1])
		}
	}
	slices.Sort(sif)
	slices.Sort(inspected)
	if !slices.Equal(sif, inspected) {
		t.Errorf("inspected under SIF %v, want %v", sif, inspected)
	}

	// Paging walks the same order, and a token is bound to its filter.
	var walked []string
	token := ""
	for page := 0; ; page++ {
		resp, err := h.client.ListRiskAssessments(h.as("lga"), &inspectionv1.ListRiskAssessmentsRequest{PageSize: 40, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetRiskAssessments() {
			walked = append(walked, a.GetName())
		}
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		if page == 0 {
			_, err := h.client.ListRiskAssessments(h.as("lga"), &inspectionv1.ListRiskAssessmentsRequest{PageSize: 40, PageToken: token, Filter: "band = LOW"})
			wantCode(t, err, codes.InvalidArgument, "page_token")
		}
	}
	var names []string
	for _, a := range as {
		names = append(names, a.GetName())
	}
	if !slices.Equal(walked, names) {
		t.Errorf("paging walked %d councils, not the list of %d in order", len(walked), len(names))
	}
}

// TestListRiskRoundTripsDoNotGrow counts the Redis round trips of one
// ListRiskAssessments over 152 councils: the same for any page size.
func TestListRiskRoundTripsDoNotGrow(t *testing.T) {
	h := newHarness(t)
	h.seedSets(t, nil)
	ctx := auth.NewContext(context.Background(), principals["lga"])
	// The first read after a start finds which period is each council's
	// newest, which takes one more round trip.
	before := h.trips.Count()
	if _, err := h.handler.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{PageSize: 1}); err != nil {
		t.Fatal(err)
	}
	if n := h.trips.Count() - before; n > 4 {
		t.Errorf("the first page took %d round trips, want at most 4", n)
	}
	counts := map[int32]int64{}
	for _, size := range []int32{10, 100, 200} {
		before := h.trips.Count()
		resp, err := h.handler.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{PageSize: size})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetRiskAssessments()) != int(min(size, 152)) {
			t.Fatalf("page of %d holds %d", size, len(resp.GetRiskAssessments()))
		}
		counts[size] = h.trips.Count() - before
	}
	// Councils (index and records), then the newest periods beside the
	// sets and benchmarks of the periods found last time.
	const want = 3
	for size, n := range counts {
		if n != want {
			t.Errorf("page size %d took %d round trips, want %d (all: %v)", size, n, want, counts)
		}
	}
}

// TestGetRiskRoundTrips counts the Redis round trips of GetRiskAssessment:
// the council, its newest period, that period's set and its benchmarks in one
// once the service knows the council's newest period. A period whose
// benchmarks are not stored (an import stopped before recomputing them) is
// assessed from benchmarks computed again, as before, and stored again.
func TestGetRiskRoundTrips(t *testing.T) {
	h := newHarness(t)
	h.seedSets(t, nil)
	ctx := auth.NewContext(context.Background(), principals["lga"])
	req := &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)}
	first, err := h.handler.GetRiskAssessment(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var got *inspectionv1.RiskAssessment
		if n := h.trips.During(func() { got, err = h.handler.GetRiskAssessment(ctx, req) }); n != 1 {
			t.Errorf("read %d took %d round trips, want 1", i, n)
		}
		if err != nil || !proto.Equal(got, first) {
			t.Fatalf("read %d = %v, %v; want %v", i, got, err, first)
		}
	}

	benchmarks := h.st.Keyspace().Key("indicators:2015", "benchmarks")
	if err := h.st.Client().Del(ctx, benchmarks).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := h.handler.GetRiskAssessment(ctx, req)
	if err != nil || !proto.Equal(got, first) {
		t.Fatalf("without stored benchmarks = %v, %v; want %v", got, err, first)
	}
	if n, err := h.st.Client().Exists(ctx, benchmarks).Result(); err != nil || n != 1 {
		t.Errorf("benchmarks stored again: %d, %v", n, err)
	}
	if _, err := h.client.GetRiskAssessment(h.as("lga"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName("E08999999")}); status.Code(err) != codes.NotFound {
		t.Errorf("an unknown council: %v, want NOT_FOUND", err)
	}
}

func BenchmarkListRiskAssessments(b *testing.B) {
	h := newHarness(b)
	h.seedSets(b, nil)
	ctx := auth.NewContext(context.Background(), principals["lga"])
	for _, size := range []int32{10, 100} {
		b.Run(fmt.Sprintf("page_size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			before := h.trips.Count()
			for b.Loop() {
				resp, err := h.handler.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{PageSize: size})
				if err != nil || len(resp.GetRiskAssessments()) != int(size) {
					b.Fatalf("%d assessments, %v", len(resp.GetRiskAssessments()), err)
				}
			}
			b.ReportMetric(float64(h.trips.Count()-before)/float64(b.N), "roundtrips/op")
		})
	}
}
