package indicatorapi

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const indicatorPrefix = "INDICATOR_"

// IndicatorProto returns the proto enum of ind (INDICATOR_UNSPECIFIED when
// ind is unknown).
func IndicatorProto(ind indicator.Indicator) typev1.Indicator {
	return typev1.Indicator(typev1.Indicator_value[indicatorPrefix+string(ind)])
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
