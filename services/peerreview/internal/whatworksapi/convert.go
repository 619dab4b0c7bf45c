package whatworksapi

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// themePrefix is the proto enum Theme's value prefix.
const themePrefix = "THEME_"

// ToStored renders a lesson as the API returns it; the stored form is the
// same message, since a lesson never changes and so has no etag.
func ToStored(l whatworks.Lesson) *peerreviewv1.Lesson {
	m := &peerreviewv1.Lesson{
		Name:       l.Name(),
		Title:      l.Title,
		Theme:      themeProto(l.Theme),
		Summary:    l.Summary,
		PeerReview: l.PeerReview,
		CreateTime: timestamppb.New(l.CreateTime),
	}
	if l.Council != "" {
		m.LocalAuthority = resource.CouncilName(l.Council)
		m.Region = refproto.Region(l.Region)
	}
	return m
}

// FromStored reads a stored lesson; lessons never change, so the version
// is not kept.
func FromStored(m *peerreviewv1.Lesson, _ int64) (whatworks.Lesson, error) {
	id, err := resource.ParseID("name", whatworks.Collection, m.GetName())
	if err != nil {
		return whatworks.Lesson{}, fmt.Errorf("decode lesson %q: %w", m.GetName(), err)
	}
	l := whatworks.Lesson{
		ID:         id,
		Title:      m.GetTitle(),
		Theme:      reviewer.Theme(refproto.EnumName(m.GetTheme(), themePrefix)),
		Summary:    m.GetSummary(),
		PeerReview: m.GetPeerReview(),
		CreateTime: m.GetCreateTime().AsTime(),
	}
	if la := m.GetLocalAuthority(); la != "" {
		if l.Council, err = resource.ParseCouncil("local_authority", la); err != nil {
			return whatworks.Lesson{}, fmt.Errorf("decode lesson %s: %w", m.GetName(), err)
		}
		if c, ok := reference.CouncilByCode(l.Council); ok {
			l.Region = c.Region
		}
	}
	return l, nil
}

// themeName is the domain name of a Theme: "" for the zero value and the
// number itself for a value the enum does not define, which the rules then
// reject by name.
func themeName(t peerreviewv1.Theme) reviewer.Theme {
	if t == peerreviewv1.Theme_THEME_UNSPECIFIED {
		return ""
	}
	if _, ok := peerreviewv1.Theme_name[int32(t)]; ok {
		return reviewer.Theme(refproto.EnumName(t, themePrefix))
	}
	return reviewer.Theme(strconv.Itoa(int(t)))
}

func themeProto(t reviewer.Theme) peerreviewv1.Theme {
	return peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(t)])
}

// aggregates are the groups that are neither one region nor one grade.
var aggregates = map[string]peerreviewv1.AggregateGroup{
	whatworks.GroupAll:        peerreviewv1.AggregateGroup_AGGREGATE_GROUP_ALL,
	whatworks.GroupOther:      peerreviewv1.AggregateGroup_AGGREGATE_GROUP_OTHER,
	whatworks.NotYetInspected: peerreviewv1.AggregateGroup_AGGREGATE_GROUP_NOT_YET_INSPECTED,
}

// groupSetter sets the group oneof of a ThemeCount or a SuppressedGroup,
// spelling the group as the enums print it: a region, a grade, or an
// aggregate.
type groupSetter struct {
	region     func(typev1.Region)
	laterGrade func(typev1.Grade)
	aggregate  func(peerreviewv1.AggregateGroup)
}

// set sets the oneof to group, a domain group name of grouping
// (whatworks.GroupingRegion or GroupingLaterGrade; "" for a summary's
// overall count, which is always whatworks.GroupAll).
func (s groupSetter) set(grouping, group string) {
	if a, ok := aggregates[group]; ok {
		s.aggregate(a)
		return
	}
	switch grouping {
	case whatworks.GroupingRegion:
		s.region(refproto.Region(reference.Region(group)))
	case whatworks.GroupingLaterGrade:
		s.laterGrade(refproto.Grade(reference.Grade(group)))
	}
}

func countProto(grouping string, c whatworks.Count) *peerreviewv1.ThemeCount {
	m := &peerreviewv1.ThemeCount{
		Strengths:           int32(c.Strengths),
		AreasForImprovement: int32(c.AreasForImprovement),
		Severe:              int32(c.Severe),
		Reviews:             int32(c.Reviews),
		Councils:            int32(c.Councils),
	}
	groupSetter{
		region:     func(r typev1.Region) { m.Group = &peerreviewv1.ThemeCount_Region{Region: r} },
		laterGrade: func(g typev1.Grade) { m.Group = &peerreviewv1.ThemeCount_LaterGrade{LaterGrade: g} },
		aggregate:  func(a peerreviewv1.AggregateGroup) { m.Group = &peerreviewv1.ThemeCount_Aggregate{Aggregate: a} },
	}.set(grouping, c.Group)
	return m
}

func suppressedProto(g whatworks.Suppressed) *peerreviewv1.SuppressedGroup {
	m := &peerreviewv1.SuppressedGroup{Grouping: g.Grouping, Withheld: g.Reason}
	groupSetter{
		region:     func(r typev1.Region) { m.Group = &peerreviewv1.SuppressedGroup_Region{Region: r} },
		laterGrade: func(g typev1.Grade) { m.Group = &peerreviewv1.SuppressedGroup_LaterGrade{LaterGrade: g} },
		aggregate:  func(a peerreviewv1.AggregateGroup) { m.Group = &peerreviewv1.SuppressedGroup_Aggregate{Aggregate: a} },
	}.set(g.Grouping, g.Group)
	return m
}
