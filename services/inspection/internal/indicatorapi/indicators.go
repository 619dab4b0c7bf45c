// Package indicatorapi is the gRPC face of councils' indicator sets and
// the risk model: BatchImportIndicatorSets, GetIndicatorSet,
// ListIndicatorSets, GetRiskAssessment and ListRiskAssessments. It decodes
// requests, checks who may see which council, calls the indicator and risk
// rules and encodes responses; every method's policy is declared in Policies.
package indicatorapi

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of Indicators: the access
// matrix's IndicatorSet and RiskAssessment cells. Partner systems import
// indicators but never read risk or indicators back; sponsor officers have
// no part here; a council officer reads its own council's (checked per
// council with access.Check).
var Policies = access.Rules(access.IndicatorSet, access.Methods{
	inspectionv1.InspectionService_BatchImportIndicatorSets_FullMethodName: access.Import,
	inspectionv1.InspectionService_GetIndicatorSet_FullMethodName:          access.Read,
	inspectionv1.InspectionService_ListIndicatorSets_FullMethodName:        access.Read,
}).With(access.Rules(access.RiskAssessment, access.Methods{
	inspectionv1.InspectionService_GetRiskAssessment_FullMethodName:   access.Read,
	inspectionv1.InspectionService_ListRiskAssessments_FullMethodName: access.Read,
}))

// Indicators implements the indicator and risk methods of
// inspectionv1.InspectionServiceServer.
type Indicators struct {
	sets  *indicator.Service
	risk  *risk.Service
	pages *paging.Codec
}

// New returns the handlers over the indicator and risk use cases.
func New(sets *indicator.Service, risks *risk.Service, pages *paging.Codec) *Indicators {
	return &Indicators{sets: sets, risk: risks, pages: pages}
}

// canRead reports whether p may read res of council gss, as the access
// matrix says. Each role's grant is judged on its own, so a token holding
// council_officer and partner_system still sees only its own council.
func canRead(p auth.Principal, res access.Resource, gss string) bool {
	return access.ViewOf(p, res, access.Read, access.Object{Council: gss}) == access.Full
}

// readsEvery reports whether p may read res of every council.
func readsEvery(p auth.Principal, res access.Resource) bool {
	return access.ViewOf(p, res, access.Read, access.Object{}) == access.Full
}

// requireCouncil is access.Check of res for the caller in ctx on council
// gss.
func requireCouncil(ctx context.Context, res access.Resource, gss string) error {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return err
	}
	if err := access.Check(p, res, access.Read, access.Object{Council: gss, Name: resource.CouncilName(gss)}); err != nil {
		return fault.PermissionDenied(auth.ReasonCouncilNotAllowed,
			"the caller may not see the indicators or risk of council %s", gss).With("authority", gss)
	}
	return nil
}

// BatchImportIndicatorSets implements InspectionService.BatchImportIndicatorSets.
// Each council's sets commit atomically; the batch is not atomic across
// councils. A request_id makes a retry replay the first response.
func (s *Indicators) BatchImportIndicatorSets(ctx context.Context, req *inspectionv1.BatchImportIndicatorSetsRequest) (*inspectionv1.BatchImportIndicatorSetsResponse, error) {
	caller, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	drafts := make([]indicator.Draft, len(req.GetIndicatorSets()))
	for i, m := range req.GetIndicatorSets() {
		drafts[i] = draftFrom(m)
	}
	sets, batchErr := indicator.ParseBatch("indicator_sets", drafts)
	if err := fault.Join(vs.Err(), batchErr); err != nil {
		return nil, err
	}
	r, err := rpc.NewRequest(ctx, inspectionv1.InspectionService_BatchImportIndicatorSets_FullMethodName, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	imported, err := s.sets.Import(ctx, sets, r)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.BatchImportIndicatorSetsResponse{IndicatorSets: make([]*inspectionv1.IndicatorSet, len(imported.Sets))}
	for i, set := range imported.Sets {
		resp.IndicatorSets[i] = setToProto(set, imported.Benchmarks)
	}
	withholdMediansFrom(caller, resp.IndicatorSets)
	return resp, nil
}

// GetIndicatorSet implements InspectionService.GetIndicatorSet.
func (s *Indicators) GetIndicatorSet(ctx context.Context, req *inspectionv1.GetIndicatorSetRequest) (*inspectionv1.IndicatorSet, error) {
	gss, period, err := indicator.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireCouncil(ctx, access.IndicatorSet, gss); err != nil {
		return nil, err
	}
	set, benchmarks, err := s.sets.Get(ctx, gss, period)
	if err != nil {
		return nil, rpc.NotFound(err, indicator.ErrNotFound, "INDICATOR_SET_NOT_FOUND", req.GetName())
	}
	return setToProto(set, benchmarks), nil
}

// ListIndicatorSets implements InspectionService.ListIndicatorSets.
func (s *Indicators) ListIndicatorSets(ctx context.Context, req *inspectionv1.ListIndicatorSetsRequest) (*inspectionv1.ListIndicatorSetsResponse, error) {
	gss, nameErr := resource.ParseCouncil("parent", req.GetParent())
	l, err := rpc.ReadList(req, nil, nil, nameErr)
	if err != nil {
		return nil, err
	}
	if err := requireCouncil(ctx, access.IndicatorSet, gss); err != nil {
		return nil, err
	}
	if err := rpc.CouncilExists(gss, "name", req.GetParent()); err != nil {
		return nil, err
	}
	q := paging.Query{Method: inspectionv1.InspectionService_ListIndicatorSets_FullMethodName, Parent: req.GetParent()}
	if err := l.Resume(s.pages, q); err != nil {
		return nil, err
	}
	sets, total, benchmarks, err := s.sets.List(ctx, gss, l.Offset, int(l.Size))
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.ListIndicatorSetsResponse{
		IndicatorSets: make([]*inspectionv1.IndicatorSet, len(sets)),
		NextPageToken: l.NextToken(int(total)),
		TotalSize:     int32(total),
	}
	for i, set := range sets {
		resp.IndicatorSets[i] = setToProto(set, benchmarks)
	}
	return resp, nil
}

// GetRiskAssessment implements InspectionService.GetRiskAssessment. It
// scores the council's newest indicator set.
func (s *Indicators) GetRiskAssessment(ctx context.Context, req *inspectionv1.GetRiskAssessmentRequest) (*inspectionv1.RiskAssessment, error) {
	gss, err := risk.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireCouncil(ctx, access.RiskAssessment, gss); err != nil {
		return nil, err
	}
	assessed, err := s.risk.Assess(ctx, gss)
	if err != nil {
		return nil, rpc.NotFound(err, council.ErrNotFound, resource.ReasonCouncilNotFound, resource.CouncilName(gss))
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return assessmentToProto(s.withholdRiskMedians(p, assessed)), nil
}

// withholdRiskMedians withholds the medians of c's factors unless p may
// read c's indicators: a median is an aggregate of indicators, returned
// only to those who may read indicators.
func (s *Indicators) withholdRiskMedians(p auth.Principal, c risk.Council) risk.Council {
	if canRead(p, access.IndicatorSet, c.GSSCode) {
		return c
	}
	return s.risk.WithholdMedians(c, disclosure.ReasonNotPermitted)
}

// ListRiskAssessments implements InspectionService.ListRiskAssessments:
// every council's assessment, highest score first and councils with
// insufficient data last, filtered on inspected_under_sif, region and band.
// A council officer's list holds only their own council, so one client can
// serve every role. Whatever the page size, it reads Redis in a constant
// number of round trips: the councils (two), then their newest periods
// with those sets and benchmarks (one, or two when a council's newest
// period is not the one the store last found).
func (s *Indicators) ListRiskAssessments(ctx context.Context, req *inspectionv1.ListRiskAssessmentsRequest) (*inspectionv1.ListRiskAssessmentsResponse, error) {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	l, err := rpc.ReadList(req, risk.FilterSchema, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: inspectionv1.InspectionService_ListRiskAssessments_FullMethodName}
	if !readsEvery(p, access.RiskAssessment) {
		// The list differs per council, so a token must not cross councils.
		q.Params = map[string]string{"authority": p.Authority}
	}
	if err := l.Resume(s.pages, q); err != nil {
		return nil, err
	}
	assessed, err := s.risk.List(ctx, func(gss string) bool { return canRead(p, access.RiskAssessment, gss) }, l.Filter)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.ListRiskAssessmentsResponse{}
	resp.RiskAssessments, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, assessed, func(c risk.Council) *inspectionv1.RiskAssessment {
		return assessmentToProto(s.withholdRiskMedians(p, s.risk.Explain(c)))
	})
	return resp, nil
}

var bandProto = map[risk.Band]typev1.RiskBand{
	risk.InsufficientData: typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA,
	risk.Low:              typev1.RiskBand_RISK_BAND_LOW,
	risk.Medium:           typev1.RiskBand_RISK_BAND_MEDIUM,
	risk.High:             typev1.RiskBand_RISK_BAND_HIGH,
	risk.Severe:           typev1.RiskBand_RISK_BAND_SEVERE,
}

func assessmentToProto(c risk.Council) *inspectionv1.RiskAssessment {
	a := c.Assessment
	m := &inspectionv1.RiskAssessment{
		Name:                   risk.ResourceName(c.GSSCode),
		DisplayName:            c.Name,
		Score:                  a.Score,
		Band:                   bandProto[a.Band],
		ModelVersion:           a.ModelVersion,
		InspectedUnderSif:      c.InspectedUnderSIF,
		InsufficientDataReason: a.InsufficientDataReason,
		Factors:                make([]*inspectionv1.RiskFactor, len(a.Factors)),
		Status:                 refproto.Enum[inspectionv1.RiskStatus]("RISK_STATUS_", c.Status),
		Note:                   c.Note,
		MinCouncils:            int32(a.MinCouncils),
	}
	if l := c.Latest; l != nil {
		m.LatestJudgement = &inspectionv1.LatestJudgement{
			Inspection:   l.Inspection,
			Framework:    refproto.Enum[inspectionv1.Framework]("FRAMEWORK_", l.Framework),
			OverallGrade: refproto.Grade(l.OverallGrade),
			PublishDate:  refproto.Date(l.PublishDate),
		}
	}
	if a.Period != 0 {
		m.Period = a.Period.String()
	}
	for i, f := range a.Factors {
		m.Factors[i] = &inspectionv1.RiskFactor{
			Indicator:             IndicatorProto(f.Indicator),
			Value:                 f.Value,
			EnglandMedian:         f.EnglandMedian,
			RegionMedian:          f.RegionMedian,
			Standardised:          f.Standardised,
			Weight:                f.Weight,
			Contribution:          f.Contribution,
			Explanation:           f.Explanation,
			EnglandMedianWithheld: f.EnglandMedianWithheld,
			RegionMedianWithheld:  f.RegionMedianWithheld,
		}
	}
	return m
}

const indicatorPrefix = "INDICATOR_"

// IndicatorProto returns the proto enum of ind (INDICATOR_UNSPECIFIED when
// ind is unknown).
func IndicatorProto(ind indicator.Indicator) typev1.Indicator {
	return refproto.Enum[typev1.Indicator](indicatorPrefix, ind)
}

// IndicatorFrom returns the domain indicator of a proto enum, and false for
// INDICATOR_UNSPECIFIED or an unknown number.
func IndicatorFrom(i typev1.Indicator) (indicator.Indicator, bool) {
	name, ok := typev1.Indicator_name[int32(i)]
	if !ok {
		return "", false
	}
	ind := indicator.Indicator(strings.TrimPrefix(name, indicatorPrefix))
	return ind, ind.Valid()
}

// SetToProto renders a set with its etag and without benchmarks: the
// stored form, and the API form before withBenchmarks adds the medians.
func SetToProto(set indicator.Set) *inspectionv1.IndicatorSet {
	m := &inspectionv1.IndicatorSet{
		Name:       set.ResourceName(),
		Source:     set.Source,
		Etag:       change.Format(set.Version),
		UpdateTime: timestamppb.New(set.UpdateTime),
		Values:     make([]*inspectionv1.IndicatorValue, len(set.Values)),
	}
	for i, v := range set.Values {
		m.Values[i] = &inspectionv1.IndicatorValue{Indicator: IndicatorProto(v.Indicator), Value: v.Value}
	}
	return m
}

// SetFromStored decodes a stored set at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func SetFromStored(m *inspectionv1.IndicatorSet, version int64) (indicator.Set, error) {
	gss, p, err := indicator.ParseName("name", m.GetName())
	if err != nil {
		return indicator.Set{}, fmt.Errorf("decode indicator set %s: %w", m.GetName(), err)
	}
	set := indicator.Set{
		GSSCode: gss, Period: p, Source: m.GetSource(),
		Version: version, UpdateTime: m.GetUpdateTime().AsTime(),
		Values: make([]indicator.Value, len(m.GetValues())),
	}
	for i, v := range m.GetValues() {
		ind, ok := IndicatorFrom(v.GetIndicator())
		if !ok {
			return indicator.Set{}, fmt.Errorf("decode indicator set %s: unknown indicator %v", m.GetName(), v.GetIndicator())
		}
		set.Values[i] = indicator.Value{Indicator: ind, Value: v.GetValue()}
	}
	return set, nil
}

// setToProto renders a set as the API returns it, with its period's
// England and region medians.
func setToProto(set indicator.Set, benchmarks map[indicator.Period]indicator.Benchmarks) *inspectionv1.IndicatorSet {
	m := SetToProto(set)
	b := benchmarks[set.Period]
	c, _ := reference.CouncilByCode(set.GSSCode)
	for i, v := range set.Values {
		m.Values[i].EnglandMedian, m.Values[i].RegionMedian = b.Medians(c.Region, v.Indicator)
		suppressSmallGroups(m.Values[i], b.England[v.Indicator].Count, b.Regions[c.Region][v.Indicator].Count)
	}
	return m
}

// draftFrom reads a set from the request. An indicator that is not one of
// the twelve keeps its proto spelling (or number) so the violation can name
// it.
func draftFrom(m *inspectionv1.IndicatorSet) indicator.Draft {
	d := indicator.Draft{Name: m.GetName(), Source: m.GetSource(), Values: make([]indicator.Value, len(m.GetValues()))}
	for j, v := range m.GetValues() {
		ind, ok := IndicatorFrom(v.GetIndicator())
		if !ok {
			ind = indicator.Indicator(v.GetIndicator().String())
		}
		d.Values[j] = indicator.Value{Indicator: ind, Value: v.GetValue()}
	}
	return d
}

// suppressSmallGroups withholds a median computed over fewer councils than
// the disclosure threshold (england and region are the numbers of councils
// behind each), so nobody can solve a council's value from it.
func suppressSmallGroups(v *inspectionv1.IndicatorValue, england, region int) {
	v.EnglandMedian, v.EnglandMedianWithheld = disclosure.Value(v.GetEnglandMedian(), england)
	v.RegionMedian, v.RegionMedianWithheld = disclosure.Value(v.GetRegionMedian(), region)
}

// withholdMediansFrom removes every median from sets unless p may read
// other councils' indicators: an importer such as a partner system gets
// back its own figures, never aggregates of figures it may not read.
func withholdMediansFrom(p auth.Principal, sets []*inspectionv1.IndicatorSet) {
	if readsEvery(p, access.IndicatorSet) {
		return
	}
	for _, s := range sets {
		for _, v := range s.GetValues() {
			v.EnglandMedian, v.EnglandMedianWithheld = 0, disclosure.ReasonNotPermitted
			v.RegionMedian, v.RegionMedianWithheld = 0, disclosure.ReasonNotPermitted
		}
	}
}
