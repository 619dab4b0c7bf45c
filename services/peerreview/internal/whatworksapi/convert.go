package whatworksapi

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
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

func countProto(c whatworks.Count) *peerreviewv1.ThemeCount {
	return &peerreviewv1.ThemeCount{
		Group:               c.Group,
		Strengths:           int32(c.Strengths),
		AreasForImprovement: int32(c.AreasForImprovement),
		Severe:              int32(c.Severe),
		Reviews:             int32(c.Reviews),
		Councils:            int32(c.Councils),
	}
}
