package review

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Limits on a team's shape.
const (
	// MinTeamSize is a lead and at least one practitioner.
	MinTeamSize = 2
	// MaxTeamSize bounds a team; peer review teams are small.
	MaxTeamSize = 8
	// MaxMemberDays bounds one reviewer's days on one review: the days on
	// site and as many again for preparation and the report.
	MaxMemberDays = 2 * MaxOnSiteDays
)

// Candidate is what the team rules need to know about a reviewer in the
// pool.
type Candidate struct {
	// ID is the reviewer's ID, the last segment of reviewers/{id}.
	ID string
	// HomeCouncil is the GSS code of the reviewer's council; "" for an LGA
	// associate.
	HomeCouncil string
	// Director is true for a director or assistant director of children's
	// services, the only role that may lead.
	Director bool
	// Conflicts are the GSS codes of councils the reviewer must not review.
	Conflicts []string
	// AvailableDays are the days the reviewer can give per quarter, and
	// CommittedDays those already committed to other reviews.
	AvailableDays int
	CommittedDays int
}

// CheckTeamShape checks a team's structure and reports every violation at
// once, on team and team[i].reviewer, .lead and .days: MinTeamSize to
// MaxTeamSize members, each reviewer once, exactly one lead and listed
// first, and 1 to MaxMemberDays days each.
func CheckTeamShape(team []Member) error {
	var vs fault.Violations
	switch {
	case len(team) < MinTeamSize:
		vs.Add("team", "has %d members; a team is a lead and at least one practitioner", len(team))
	case len(team) > MaxTeamSize:
		vs.Add("team", "has %d members; the limit is %d", len(team), MaxTeamSize)
	}
	seen := map[string]bool{}
	for i, m := range team {
		field := func(name string) string { return check.At("team", i) + "." + name }
		switch {
		case m.ReviewerID == "":
			vs.Add(field("reviewer"), "is required")
		case seen[m.ReviewerID]:
			vs.Add(field("reviewer"), "names reviewers/%s twice", m.ReviewerID)
		}
		seen[m.ReviewerID] = true
		if m.Lead && i != 0 {
			vs.Add(field("lead"), "must be false: a team has one lead, listed first")
		}
		if m.Days < 1 || m.Days > MaxMemberDays {
			vs.Add(field("days"), "must be 1 to %d, got %d", MaxMemberDays, m.Days)
		}
	}
	if len(team) > 0 && !team[0].Lead {
		vs.Add("team[0].lead", "must be true: a team has a lead, listed first")
	}
	return vs.Err()
}

// CheckTeam checks that every member of team may review the council gss:
// each is in pool (by ID), none is from gss or from a council in
// inadequate (councils currently judged inadequate need their staff at
// home), none has declared a conflict with gss, each has the days left
// (available minus committed) to give, and the lead is a director. Every
// breach is reported at once as an INVALID_ARGUMENT fault with reason
// TEAM_NOT_ELIGIBLE and violations on team[i].reviewer and team[0].lead.
func CheckTeam(gss string, team []Member, pool map[string]Candidate, inadequate map[string]bool) error {
	var vs fault.Violations
	for i, m := range team {
		field := check.At("team", i) + ".reviewer"
		c, ok := pool[m.ReviewerID]
		if !ok {
			vs.Add(field, "reviewers/%s is not in the pool", m.ReviewerID)
			continue
		}
		switch {
		case c.HomeCouncil != "" && c.HomeCouncil == gss:
			vs.Add(field, "reviewers/%s works for the reviewed council", m.ReviewerID)
		case c.HomeCouncil != "" && inadequate[c.HomeCouncil]:
			vs.Add(field, "reviewers/%s works for %s, which is currently judged inadequate", m.ReviewerID, c.HomeCouncil)
		case slices.Contains(c.Conflicts, gss):
			vs.Add(field, "reviewers/%s has declared a conflict with %s", m.ReviewerID, resource.CouncilName(gss))
		case c.AvailableDays-c.CommittedDays < m.Days:
			vs.Add(field, "reviewers/%s has %d days left this quarter, fewer than the %d asked",
				m.ReviewerID, max(c.AvailableDays-c.CommittedDays, 0), m.Days)
		}
		if m.Lead && !c.Director {
			vs.Add(check.At("team", i)+".lead", "reviewers/%s cannot lead: the lead is a director or assistant director", m.ReviewerID)
		}
	}
	f, ok := fault.As(vs.Err())
	if !ok {
		return nil
	}
	f.Reason = ReasonTeamNotEligible
	return f
}

// PoolFingerprint is the pool_etag of a proposal for the review named
// review: a digest of the pool's own etag (which changes with any
// reviewer) and of the days each reviewer has committed to other reviews.
// Accepting a team recomputes it, so a proposal made before the pool or
// anyone's commitments changed is refused rather than applied to a pool it
// never saw.
func PoolFingerprint(review, poolEtag string, committed map[string]int) string {
	h := sha256.New()
	write := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	write(review)
	write(poolEtag)
	for _, id := range slices.Sorted(maps.Keys(committed)) {
		if committed[id] == 0 {
			continue
		}
		write(id)
		write(strconv.Itoa(committed[id]))
	}
	return strconv.Quote("pool-" + hex.EncodeToString(h.Sum(nil))[:24])
}

// CommittedDays sums the days each reviewer has committed to the reviews
// in all that hold their team's days (see State.Committing), leaving out
// the review named except (pass "" to count every review), so that a
// review's own team does not count against itself when it is re-proposed.
func CommittedDays(all []Review, except string) map[string]int {
	out := map[string]int{}
	for _, rv := range all {
		if !rv.State.Committing() || (except != "" && rv.Name() == except) {
			continue
		}
		for _, m := range rv.Team {
			out[m.ReviewerID] += m.Days
		}
	}
	return out
}

func cloneTeam(team []Member) []Member { return slices.Clone(team) }
