package reviewerapi

import (
	"fmt"
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Enum name prefixes of the proto enums the API uses.
const (
	rolePrefix  = "REVIEWER_ROLE_"
	themePrefix = "THEME_"
)

// ThemeProto returns the proto enum of a theme of the taxonomy
// (THEME_UNSPECIFIED for anything else). Peer review findings and lessons
// use the same taxonomy, so their handlers convert with it too.
func ThemeProto(t reviewer.Theme) peerreviewv1.Theme {
	return peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(t)])
}

// ThemeFromProto returns the theme of a proto enum: "" for
// THEME_UNSPECIFIED, and for a number the enum does not define the number
// itself, so that Theme.Valid rejects both and a violation can name them.
func ThemeFromProto(t peerreviewv1.Theme) reviewer.Theme {
	return reviewer.Theme(refproto.EnumName(t, themePrefix))
}

// RoleProto returns the proto enum of a reviewer role.
func RoleProto(r reviewer.Role) peerreviewv1.ReviewerRole {
	return peerreviewv1.ReviewerRole(peerreviewv1.ReviewerRole_value[rolePrefix+string(r)])
}

// fromProto reads the client-settable fields of a Reviewer message.
// Output-only fields are ignored (AIP-203). Enum values are carried over by
// name for the rules to judge; only council names that are not resource
// names at all are reported here, as violations under prefix.
func fromProto(m *peerreviewv1.Reviewer, prefix string) (reviewer.Reviewer, fault.Violations) {
	var vs fault.Violations
	council := func(field, name string) string {
		gss, err := resource.ParseCouncil(prefix+field, name)
		vs.Merge(err)
		return gss
	}
	rv := reviewer.Reviewer{
		DisplayName:             m.GetDisplayName(),
		Role:                    reviewer.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		AvailableDaysPerQuarter: int(m.GetAvailableDaysPerQuarter()),
	}
	if hc := m.GetHomeCouncil(); hc != "" {
		rv.HomeCouncil = council("home_council", hc)
	}
	for _, t := range m.GetExpertise() {
		rv.Expertise = append(rv.Expertise, ThemeFromProto(t))
	}
	for i, c := range m.GetConflicts() {
		rv.Conflicts = append(rv.Conflicts, council("conflicts["+strconv.Itoa(i)+"]", c))
	}
	return rv, vs
}

// populatedPaths are the update mask paths of the fields m sets: the mask
// an update without update_mask implies (AIP-134).
func populatedPaths(m *peerreviewv1.Reviewer) []string {
	var paths []string
	add := func(set bool, path string) {
		if set {
			paths = append(paths, path)
		}
	}
	add(m.GetDisplayName() != "", "display_name")
	add(m.GetHomeCouncil() != "", "home_council")
	add(m.GetRole() != peerreviewv1.ReviewerRole_REVIEWER_ROLE_UNSPECIFIED, "role")
	add(len(m.GetExpertise()) > 0, "expertise")
	add(m.GetAvailableDaysPerQuarter() != 0, "available_days_per_quarter")
	add(len(m.GetConflicts()) > 0, "conflicts")
	return paths
}

// toProto renders a reviewer as the API returns it: its stored form with
// its etag, the days it has committed to open reviews this quarter and the
// days it has left.
func toProto(rv reviewer.Reviewer, committedDays int) *peerreviewv1.Reviewer {
	m := ToStored(rv)
	m.CommittedDays = int32(committedDays)
	m.RemainingDays = int32(rv.RemainingDays(committedDays))
	m.Etag = change.Format(rv.Version)
	return m
}

// ToStored is the stored form of a reviewer: the API message without its
// etag, committed days and remaining days, which are derived on read.
func ToStored(rv reviewer.Reviewer) *peerreviewv1.Reviewer {
	m := &peerreviewv1.Reviewer{
		Name:                    rv.Name(),
		DisplayName:             rv.DisplayName,
		Role:                    RoleProto(rv.Role),
		AvailableDaysPerQuarter: int32(rv.AvailableDaysPerQuarter),
		UpdateTime:              timestamppb.New(rv.UpdateTime),
	}
	if rv.HomeCouncil != "" {
		m.HomeCouncil = resource.CouncilName(rv.HomeCouncil)
	}
	for _, t := range rv.Expertise {
		m.Expertise = append(m.Expertise, ThemeProto(t))
	}
	for _, gss := range rv.Conflicts {
		m.Conflicts = append(m.Conflicts, resource.CouncilName(gss))
	}
	return m
}

// FromStored reads a stored reviewer at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func FromStored(m *peerreviewv1.Reviewer, version int64) (reviewer.Reviewer, error) {
	id, err := resource.ParseID("name", reviewer.Collection, m.GetName())
	if err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %q: %w", m.GetName(), err)
	}
	rv := reviewer.Reviewer{
		ID:                      id,
		DisplayName:             m.GetDisplayName(),
		Role:                    reviewer.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		AvailableDaysPerQuarter: int(m.GetAvailableDaysPerQuarter()),
		Version:                 version,
		UpdateTime:              m.GetUpdateTime().AsTime(),
	}
	if hc := m.GetHomeCouncil(); hc != "" {
		if rv.HomeCouncil, err = resource.ParseCouncil("home_council", hc); err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
	}
	for _, t := range m.GetExpertise() {
		rv.Expertise = append(rv.Expertise, ThemeFromProto(t))
	}
	for _, c := range m.GetConflicts() {
		gss, err := resource.ParseCouncil("conflicts", c)
		if err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
		rv.Conflicts = append(rv.Conflicts, gss)
	}
	if !rv.Role.Valid() {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: role %s", m.GetName(), m.GetRole())
	}
	return rv, nil
}
