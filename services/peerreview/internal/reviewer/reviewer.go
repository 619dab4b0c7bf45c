// Package reviewer holds the rules for the LGA's reviewer pool: the peers
// from other councils who make up peer review teams. A reviewer has a home
// council, a role, expertise in themes of the fixed findings taxonomy, the
// days they can give per quarter and the councils they have declared a
// conflict with. The package also owns that taxonomy (Theme), which findings
// and lessons share. It is pure Go: the store and the transport live in
// reviewerstore and reviewerapi; team proposals live in package team.
package reviewer

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the resource collection of reviewers.
const Collection = "reviewers"

// Limits on a reviewer's fields.
const (
	// MaxAvailableDays is the most days per quarter a reviewer can offer:
	// about every working day of a quarter.
	MaxAvailableDays = 60
	// MaxDisplayNameLen bounds a display name, in characters.
	MaxDisplayNameLen = 200
)

// Role is a reviewer's role in their home council or the LGA, named as the
// proto enum ReviewerRole without its REVIEWER_ROLE_ prefix.
type Role string

// The roles.
const (
	// Director is a director or assistant director of children's services:
	// the only role that leads a review team.
	Director Role = "DIRECTOR"
	// PrincipalSocialWorker is a principal social worker.
	PrincipalSocialWorker Role = "PRINCIPAL_SOCIAL_WORKER"
	// TeamManager is a social work team manager.
	TeamManager Role = "TEAM_MANAGER"
	// ElectedMember is a councillor, typically a lead member for children.
	ElectedMember Role = "ELECTED_MEMBER"
	// LGAAssociate works for the LGA and may have no home council.
	LGAAssociate Role = "LGA_ASSOCIATE"
)

// Roles lists the roles in the order of the proto enum.
var Roles = []Role{Director, PrincipalSocialWorker, TeamManager, ElectedMember, LGAAssociate}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Title is r in words, for explanations people read.
func (r Role) Title() string {
	switch r {
	case Director:
		return "director"
	case PrincipalSocialWorker:
		return "principal social worker"
	case TeamManager:
		return "team manager"
	case ElectedMember:
		return "elected member"
	case LGAAssociate:
		return "LGA associate"
	}
	return strings.ToLower(string(r))
}

// Theme is one theme of the fixed taxonomy of findings and expertise, named
// as the proto enum Theme without its THEME_ prefix (LEADERSHIP). Peer
// review findings, reviewer expertise and good-practice lessons all use it.
type Theme string

// The themes of the taxonomy.
const (
	Leadership              Theme = "LEADERSHIP"
	WorkforceStability      Theme = "WORKFORCE_STABILITY"
	Caseloads               Theme = "CASELOADS"
	FrontDoorAndReferrals   Theme = "FRONT_DOOR_AND_REFERRALS"
	AssessmentTimeliness    Theme = "ASSESSMENT_TIMELINESS"
	ChildProtectionPractice Theme = "CHILD_PROTECTION_PRACTICE"
	LookedAfterPlacements   Theme = "LOOKED_AFTER_PLACEMENTS"
	Permanence              Theme = "PERMANENCE"
	CareLeavers             Theme = "CARE_LEAVERS"
	PartnershipAndLSCB      Theme = "PARTNERSHIP_AND_LSCB"
	QualityAssurance        Theme = "QUALITY_ASSURANCE"
	DataAndPerformance      Theme = "DATA_AND_PERFORMANCE"
	VoiceOfTheChild         Theme = "VOICE_OF_THE_CHILD"
)

// Themes lists the taxonomy in the order of the proto enum.
var Themes = []Theme{
	Leadership, WorkforceStability, Caseloads, FrontDoorAndReferrals, AssessmentTimeliness,
	ChildProtectionPractice, LookedAfterPlacements, Permanence, CareLeavers, PartnershipAndLSCB,
	QualityAssurance, DataAndPerformance, VoiceOfTheChild,
}

// Valid reports whether t is one of Themes.
func (t Theme) Valid() bool { return slices.Contains(Themes, t) }

// Reviewer is one peer in the LGA's pool.
type Reviewer struct {
	// ID is the {id} of the resource name reviewers/{id}.
	ID          string
	DisplayName string
	// HomeCouncil is the GSS code of the reviewer's council; "" only for
	// an LGA associate, who may have none.
	HomeCouncil string
	Role        Role
	// Expertise lists themes without repeats, in the order given.
	Expertise []Theme
	// AvailableDaysPerQuarter is 0 to MaxAvailableDays.
	AvailableDaysPerQuarter int
	// Conflicts are GSS codes of councils the reviewer must not review,
	// without repeats.
	Conflicts []string
	// Version is the record's check-and-set version: its etag.
	Version    int64
	UpdateTime time.Time
}

// Revision is the version rv was read at (usecase.Versioned).
func (rv Reviewer) Revision() int64 { return rv.Version }

// Clone returns a copy of r that shares no slices with it.
func (r Reviewer) Clone() Reviewer {
	r.Expertise = slices.Clone(r.Expertise)
	r.Conflicts = slices.Clone(r.Conflicts)
	return r
}

// Name is the reviewer's resource name, reviewers/{id}.
func (r Reviewer) Name() string { return Name(r.ID) }

// Region is the region of the reviewer's home council, or "" for a
// reviewer without one.
func (r Reviewer) Region() reference.Region {
	c, ok := reference.CouncilByCode(r.HomeCouncil)
	if !ok {
		return ""
	}
	return c.Region
}

// RemainingDays is how many of the reviewer's days this quarter are left
// once committed days are given to open reviews: AvailableDaysPerQuarter
// minus committed, and 0 (never less) when commitments exceed the days
// available, as they can after availability is lowered.
func (r Reviewer) RemainingDays(committed int) int {
	return max(r.AvailableDaysPerQuarter-max(committed, 0), 0)
}

// HasExpertise reports whether the reviewer claims expertise in t.
func (r Reviewer) HasExpertise(t Theme) bool { return slices.Contains(r.Expertise, t) }

// ConflictsWith reports whether the reviewer declared a conflict with the
// council gss.
func (r Reviewer) ConflictsWith(gss string) bool { return slices.Contains(r.Conflicts, gss) }

// Validate checks every field of r and reports all problems at once, as
// violations on prefix + the proto field name (prefix "reviewer." for a
// request's reviewer). A council is named in violations as a resource name,
// since that is how requests spell it.
func (r Reviewer) Validate(prefix string) error {
	var vs fault.Violations
	if displayName.Check(vs.Add, prefix+"display_name", r.DisplayName) && strings.TrimSpace(r.DisplayName) != r.DisplayName {
		vs.Add(prefix+"display_name", "must not start or end with spaces")
	}
	if !r.Role.Valid() {
		if r.Role == "" {
			vs.Add(prefix+"role", "is required: one of %s", check.List(Roles))
		} else {
			vs.Add(prefix+"role", "%q is not a role; roles are %s", r.Role, check.List(Roles))
		}
	}
	switch {
	case r.HomeCouncil == "" && r.Role.Valid() && r.Role != LGAAssociate:
		vs.Add(prefix+"home_council", "is required for a %s; only an LGA associate may have no home council", r.Role.Title())
	case r.HomeCouncil != "" && !knownCouncil(r.HomeCouncil):
		vs.Add(prefix+"home_council", "%s is not one of the 152 councils", resource.CouncilName(r.HomeCouncil))
	}
	seenTheme := map[Theme]bool{}
	for i, t := range r.Expertise {
		field := check.At(prefix+"expertise", i)
		switch {
		case !t.Valid():
			vs.Add(field, "%q is not a theme of the taxonomy; themes are %s", t, check.List(Themes))
		case seenTheme[t]:
			vs.Add(field, "repeats %s", t)
		}
		seenTheme[t] = true
	}
	if r.AvailableDaysPerQuarter < 0 || r.AvailableDaysPerQuarter > MaxAvailableDays {
		vs.Add(prefix+"available_days_per_quarter", "is %d; it must be 0 to %d days", r.AvailableDaysPerQuarter, MaxAvailableDays)
	}
	seenCouncil := map[string]bool{}
	for i, gss := range r.Conflicts {
		field := check.At(prefix+"conflicts", i)
		switch {
		case !knownCouncil(gss):
			vs.Add(field, "%s is not one of the 152 councils", resource.CouncilName(gss))
		case seenCouncil[gss]:
			vs.Add(field, "repeats %s", resource.CouncilName(gss))
		}
		seenCouncil[gss] = true
	}
	return vs.Err()
}

func knownCouncil(gss string) bool {
	_, ok := reference.CouncilByCode(gss)
	return ok
}

// displayName is the rule of a reviewer's name.
var displayName = check.Text{Max: MaxDisplayNameLen, Blank: "is required: the reviewer's name"}

// Name returns the resource name of reviewer id, reviewers/{id}.
func Name(id string) string { return Collection + "/" + id }
