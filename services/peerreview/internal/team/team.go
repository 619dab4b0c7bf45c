// Package team proposes peer review teams from the reviewer pool. It is
// pure and deterministic: the same Input gives the same Proposal, whatever
// the order of the pool or of the inadequate councils, and it does no I/O.
//
// # The rules
//
// A team is a lead of director level (role DIRECTOR) and N practitioners
// (N from Input.Practitioners, 0 meaning DefaultPractitioners).
//
// Every reviewer in the pool is first screened. A reviewer is excluded, with
// every reason that applies, when
//
//   - their home council is the reviewed council (SAME_COUNCIL);
//   - their home council is currently judged inadequate (INADEQUATE_COUNCIL):
//     a struggling council's staff are needed at home;
//   - they declared a conflict with the reviewed council (CONFLICT);
//   - they have fewer days left this quarter than the review needs
//     (NO_DAYS): available days per quarter minus days committed to open
//     reviews must be at least the days needed, which are the review's
//     on-site working days (see OnSiteDays) or DefaultDays when it is not
//     yet scheduled.
//
// The lead is picked first, from the eligible directors. Practitioner places
// are then filled one at a time from principal social workers and team
// managers; LGA associates and elected members fill a practitioner place
// only when no principal social worker or team manager fits it, because a
// diagnostic of social work practice needs practising social work
// managers. Directors only lead. No two members come from the same home
// council, so no single council's staff are drained and the team brings
// several councils' practice; LGA associates without a home council are
// not limited by this.
//
// For each place the candidates are ranked by, in order:
//
//  1. (practitioner places) role: principal social workers and team
//     managers before LGA associates and elected members;
//  2. expertise: points for each of the council's focus themes the
//     candidate claims, weighted by rank: with n focus themes, weakest
//     first, the theme at rank i (1-based) is worth 2(n-i+1) points, or
//     half that when a member already picked covers it, so the team spreads
//     over the council's weaknesses; more points first;
//  3. load: the share of their available days already committed, lower
//     first, so work spreads across the pool;
//  4. reviewer ID, so ties are broken the same way every time.
//
// The best-ranked candidate takes the place; the next one is the runner-up,
// and the proposal says which rule decided between them.
//
// When the lead or some practitioner places cannot be filled, Propose
// returns a FAILED_PRECONDITION fault (reason NOT_ENOUGH_REVIEWERS) naming
// what is missing and why candidates were ruled out, along with the partial
// proposal.
package team

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Defaults and limits of a proposal.
const (
	// DefaultPractitioners is the number of practitioner places when the
	// request names none.
	DefaultPractitioners = 3
	// MaxPractitioners bounds the practitioner places of one team.
	MaxPractitioners = 8
	// DefaultDays is the days each member commits to a review that has no
	// on-site dates yet: a typical week on site.
	DefaultDays = 5
)

// ReasonNotEnoughReviewers is the ErrorInfo reason of the fault Propose
// returns when it cannot fill every place.
const ReasonNotEnoughReviewers = "NOT_ENOUGH_REVIEWERS"

// ExclusionReason says why a reviewer may not join the team.
type ExclusionReason string

// The reasons a reviewer is excluded, in the order they are checked and
// reported.
const (
	// SameCouncil: the reviewer works for the reviewed council.
	SameCouncil ExclusionReason = "SAME_COUNCIL"
	// InadequateCouncil: the reviewer's council is judged inadequate.
	InadequateCouncil ExclusionReason = "INADEQUATE_COUNCIL"
	// Conflict: the reviewer declared a conflict with the reviewed council.
	Conflict ExclusionReason = "CONFLICT"
	// NoDays: the reviewer has too few days left this quarter.
	NoDays ExclusionReason = "NO_DAYS"
)

// Input is everything a proposal depends on.
type Input struct {
	// Council is the GSS code of the reviewed council.
	Council string
	// Start and End are the first and last on-site days (midnight UTC);
	// both zero when the review is not yet scheduled.
	Start, End time.Time
	// Days, when positive, is the days each member commits, overriding
	// the days derived from Start and End.
	Days int
	// Practitioners is the number of practitioner places besides the
	// lead; 0 means DefaultPractitioners.
	Practitioners int
	// Focus is the council's focus themes, weakest first (see
	// FocusThemes). Repeats and themes outside the taxonomy are dropped.
	Focus []reviewer.Theme
	// Pool is every reviewer in the pool, in any order.
	Pool []reviewer.Reviewer
	// Committed maps reviewer IDs to the days they have committed to open
	// reviews this quarter, not counting the review the team is for; a
	// reviewer absent from the map has none.
	Committed map[string]int
	// Inadequate lists the GSS codes of the councils currently judged
	// inadequate, in any order.
	Inadequate []string
}

// Proposal is a proposed team with its explanation.
type Proposal struct {
	// Council is the reviewed council's GSS code.
	Council string
	// Days is what each member commits.
	Days int
	// Focus is the focus themes the team was chosen for, weakest first.
	Focus []reviewer.Theme
	// Picks are the members, lead first, then practitioners in the order
	// their places were filled.
	Picks []Pick
	// Exclusions are the reviewers ruled out, ordered by reviewer ID.
	Exclusions []Exclusion
}

// Pick is one member of a proposed team and why they were chosen.
type Pick struct {
	ReviewerID  string
	DisplayName string
	Role        reviewer.Role
	// HomeCouncil is the member's council's GSS code; "" for an LGA
	// associate without one.
	HomeCouncil string
	Lead        bool
	// Days is what the member would commit.
	Days int
	// Matched are the focus themes the member claims, in focus order.
	Matched []reviewer.Theme
	// Points is the member's expertise score for the place.
	Points int
	// CommittedDays and AvailableDays are the member's load this quarter
	// before this review.
	CommittedDays int
	AvailableDays int
	// Reason explains the pick: expertise matched, load and days left.
	Reason string
	// RunnerUpID is the next-best candidate for the place; "" when there
	// was none.
	RunnerUpID string
	// RunnerUpReason says why the runner-up lost, or that there was none.
	RunnerUpReason string
}

// Exclusion is a reviewer ruled out of the team.
type Exclusion struct {
	ReviewerID  string
	DisplayName string
	// Reasons are every reason that applies, in the order of the
	// ExclusionReason constants.
	Reasons []ExclusionReason
	// Text is one sentence explaining the exclusion.
	Text string
}

// OnSiteDays returns the days a team spends on site from start to end,
// inclusive: the working days (Monday to Friday), or for a visit that falls
// wholly on a weekend its calendar days. It is 0 when end is before start.
func OnSiteDays(start, end time.Time) int {
	start = civil(start)
	end = civil(end)
	if end.Before(start) {
		return 0
	}
	weekdays, all := 0, 0
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		all++
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			weekdays++
		}
	}
	if weekdays == 0 {
		return all
	}
	return weekdays
}

// civil is t's calendar day at midnight UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysNeeded returns the days each member commits for a review on site from
// start to end: OnSiteDays, or DefaultDays when the review is not yet
// scheduled (both zero). Only one date set, or end before start, is a
// violation on start_date or end_date.
func DaysNeeded(start, end time.Time) (int, error) {
	var vs fault.Violations
	switch {
	case start.IsZero() && end.IsZero():
		return DefaultDays, nil
	case start.IsZero():
		vs.Add("start_date", "is required when end_date is set")
	case end.IsZero():
		vs.Add("end_date", "is required when start_date is set")
	case civil(end).Before(civil(start)):
		vs.Add("end_date", "is before start_date")
	}
	if err := vs.Err(); err != nil {
		return 0, err
	}
	return OnSiteDays(start, end), nil
}

// candidate is a screened reviewer who may take a place.
type candidate struct {
	rv        reviewer.Reviewer
	committed int
	// fallback marks LGA associates and elected members, who fill
	// practitioner places only when nobody else fits.
	fallback bool
}

// left is the candidate's days left this quarter.
func (c candidate) left() int { return c.rv.AvailableDaysPerQuarter - c.committed }

// scored is a candidate ranked for one place.
type scored struct {
	*candidate
	points  int
	matched []reviewer.Theme
	covered []bool // per matched theme: already covered by a member
}

// Propose picks a team for in.Council from in.Pool by the rules in the
// package comment. It returns INVALID_ARGUMENT for a malformed input (no
// council, a negative or too large number of places, bad dates), and
// FAILED_PRECONDITION with reason NOT_ENOUGH_REVIEWERS, along with the
// partial proposal, when a place cannot be filled.
func Propose(in Input) (Proposal, error) {
	days, places, err := checkInput(in)
	if err != nil {
		return Proposal{}, err
	}
	focus := cleanFocus(in.Focus)
	pool := slices.Clone(in.Pool)
	slices.SortStableFunc(pool, func(a, b reviewer.Reviewer) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(pool); i++ {
		if pool[i].ID == pool[i-1].ID {
			return Proposal{}, fmt.Errorf("team: reviewer %s appears twice in the pool", reviewer.Name(pool[i].ID))
		}
	}
	inadequate := map[string]bool{}
	for _, gss := range in.Inadequate {
		inadequate[gss] = true
	}
	p := Proposal{Council: in.Council, Days: days, Focus: focus}
	var cands []*candidate
	for _, rv := range pool {
		committed := max(in.Committed[rv.ID], 0)
		reasons := screen(rv, in.Council, inadequate, committed, days)
		if len(reasons) > 0 {
			p.Exclusions = append(p.Exclusions, exclusion(rv, reasons, in.Council, committed, days))
			continue
		}
		cands = append(cands, &candidate{rv: rv, committed: committed,
			fallback: rv.Role == reviewer.LGAAssociate || rv.Role == reviewer.ElectedMember})
	}

	t := &teamState{focus: focus, usedCouncil: map[string]string{}, covered: map[reviewer.Theme]bool{}, picked: map[string]bool{}}
	leadFilled := t.fill(&p, cands, true, days)
	filled := 0
	for range places {
		if !t.fill(&p, cands, false, days) {
			break
		}
		filled++
	}
	if !leadFilled || filled < places {
		return p, shortfall(in.Council, pool, p.Exclusions, cands, t, leadFilled, filled, places)
	}
	return p, nil
}

// checkInput validates the input's shape and returns the days needed and
// the practitioner places.
func checkInput(in Input) (days, places int, err error) {
	var vs fault.Violations
	if _, ok := reference.CouncilByCode(in.Council); !ok {
		vs.Add("council", "%q is not one of the 152 councils", in.Council)
	}
	places = in.Practitioners
	switch {
	case places == 0:
		places = DefaultPractitioners
	case places < 0 || places > MaxPractitioners:
		vs.Add("practitioners", "is %d; it must be 0 (for %d) to %d", places, DefaultPractitioners, MaxPractitioners)
	}
	days = in.Days
	var dateErr error
	switch {
	case days < 0:
		vs.Add("days", "is %d; it must not be negative", days)
	case days == 0:
		days, dateErr = DaysNeeded(in.Start, in.End)
	}
	if err := fault.Join(vs.Err(), dateErr); err != nil {
		return 0, 0, err
	}
	return days, places, nil
}

// cleanFocus drops repeats and themes outside the taxonomy.
func cleanFocus(in []reviewer.Theme) []reviewer.Theme {
	var out []reviewer.Theme
	for _, t := range in {
		if t.Valid() && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// screen returns every reason rv may not join a team for council.
func screen(rv reviewer.Reviewer, council string, inadequate map[string]bool, committed, days int) []ExclusionReason {
	var out []ExclusionReason
	if rv.HomeCouncil != "" && rv.HomeCouncil == council {
		out = append(out, SameCouncil)
	}
	if rv.HomeCouncil != "" && inadequate[rv.HomeCouncil] {
		out = append(out, InadequateCouncil)
	}
	if rv.ConflictsWith(council) {
		out = append(out, Conflict)
	}
	if rv.AvailableDaysPerQuarter-committed < days {
		out = append(out, NoDays)
	}
	return out
}

// exclusion explains one excluded reviewer in a sentence.
func exclusion(rv reviewer.Reviewer, reasons []ExclusionReason, council string, committed, days int) Exclusion {
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		switch r {
		case SameCouncil:
			parts[i] = "works for the reviewed council, " + councilLabel(council)
		case InadequateCouncil:
			parts[i] = "works for " + councilLabel(rv.HomeCouncil) + ", which is judged inadequate"
		case Conflict:
			parts[i] = "declared a conflict with " + councilLabel(council)
		case NoDays:
			left := max(rv.AvailableDaysPerQuarter-committed, 0)
			parts[i] = fmt.Sprintf("has %d of %d days left this quarter (%d committed) but the review needs %d",
				left, rv.AvailableDaysPerQuarter, committed, days)
		}
	}
	return Exclusion{
		ReviewerID:  rv.ID,
		DisplayName: rv.DisplayName,
		Reasons:     reasons,
		Text:        who(rv) + " is excluded: " + strings.Join(parts, "; ") + ".",
	}
}

// teamState is what the places filled so far constrain.
type teamState struct {
	focus []reviewer.Theme
	// usedCouncil maps home councils already on the team to the member
	// from there.
	usedCouncil map[string]string
	covered     map[reviewer.Theme]bool
	picked      map[string]bool
	// blocked counts candidates passed over for a place only because a
	// member already comes from their home council.
	blocked map[string]bool
}

// fill fills the lead place (lead) or one practitioner place, appending the
// pick to p. It reports false when no candidate can take the place.
func (t *teamState) fill(p *Proposal, cands []*candidate, lead bool, days int) bool {
	var ranked []scored
	for _, c := range cands {
		if t.picked[c.rv.ID] || !eligibleFor(c.rv.Role, lead) {
			continue
		}
		if _, used := t.usedCouncil[c.rv.HomeCouncil]; used && c.rv.HomeCouncil != "" {
			if t.blocked == nil {
				t.blocked = map[string]bool{}
			}
			t.blocked[c.rv.ID] = true
			continue
		}
		ranked = append(ranked, t.score(c))
	}
	if len(ranked) == 0 {
		return false
	}
	slices.SortFunc(ranked, compare)
	best := ranked[0]
	pick := Pick{
		ReviewerID:    best.rv.ID,
		DisplayName:   best.rv.DisplayName,
		Role:          best.rv.Role,
		HomeCouncil:   best.rv.HomeCouncil,
		Lead:          lead,
		Days:          days,
		Matched:       best.matched,
		Points:        best.points,
		CommittedDays: best.committed,
		AvailableDays: best.rv.AvailableDaysPerQuarter,
		Reason:        t.reason(best, lead, days),
	}
	if len(ranked) > 1 {
		pick.RunnerUpID = ranked[1].rv.ID
		pick.RunnerUpReason = t.lost(best, ranked[1])
	} else {
		pick.RunnerUpReason = "no other candidate was eligible for this place"
	}
	p.Picks = append(p.Picks, pick)
	t.picked[best.rv.ID] = true
	if best.rv.HomeCouncil != "" {
		t.usedCouncil[best.rv.HomeCouncil] = best.rv.ID
	}
	for _, th := range best.matched {
		t.covered[th] = true
	}
	return true
}

// eligibleFor reports whether role may take the lead place (lead) or a
// practitioner place.
func eligibleFor(role reviewer.Role, lead bool) bool {
	if lead {
		return role == reviewer.Director
	}
	return role != reviewer.Director && role.Valid()
}

// score ranks c for the next place given the themes the team covers.
func (t *teamState) score(c *candidate) scored {
	s := scored{candidate: c}
	n := len(t.focus)
	for i, th := range t.focus {
		if !c.rv.HasExpertise(th) {
			continue
		}
		w := 2 * (n - i)
		covered := t.covered[th]
		if covered {
			w /= 2
		}
		s.points += w
		s.matched = append(s.matched, th)
		s.covered = append(s.covered, covered)
	}
	return s
}

// compare orders candidates for a place, best first.
func compare(a, b scored) int {
	if a.fallback != b.fallback {
		if a.fallback {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(b.points, a.points); c != 0 {
		return c
	}
	if c := compareLoad(a.candidate, b.candidate); c != 0 {
		return c
	}
	return strings.Compare(a.rv.ID, b.rv.ID)
}

// compareLoad compares committed shares of available days without
// rounding: a.committed/a.available against b.committed/b.available.
// Candidates always have available days (at least the days needed, which
// are at least one).
func compareLoad(a, b *candidate) int {
	return cmp.Compare(a.committed*b.rv.AvailableDaysPerQuarter, b.committed*a.rv.AvailableDaysPerQuarter)
}

// reason explains why s took its place.
func (t *teamState) reason(s scored, lead bool, days int) string {
	place := "practitioner"
	if lead {
		place = "lead"
	}
	return fmt.Sprintf("%s, %s, takes the %s place: %s; %s, leaving %d days for the %d needed.",
		who(s.rv), roleAndCouncil(s.rv), place, t.expertise(s), load(s.candidate), s.left(), days)
}

// lost explains why runner-up q lost to pick p.
func (t *teamState) lost(p, q scored) string {
	switch {
	case p.fallback != q.fallback:
		return fmt.Sprintf("%s is %s, who fills a practitioner place only when no principal social worker or team manager fits.",
			who(q.rv), article(q.rv.Role.Title()))
	case p.points != q.points:
		return fmt.Sprintf("%s scores fewer points on the council's focus themes: %s, against %d.",
			who(q.rv), t.expertise(q), p.points)
	case compareLoad(p.candidate, q.candidate) != 0:
		return fmt.Sprintf("%s has the same expertise score (%d points) but a higher load: %s, against %s.",
			who(q.rv), q.points, load(q.candidate), load(p.candidate))
	}
	return fmt.Sprintf("%s ties on expertise (%d points) and load (%s); ties go to the lower reviewer id, and %s comes before %s.",
		who(q.rv), q.points, percent(q.candidate), p.rv.ID, q.rv.ID)
}

// expertise describes the focus themes s matches and its points.
func (t *teamState) expertise(s scored) string {
	if len(s.matched) == 0 {
		if len(t.focus) == 0 {
			return "the council has no focus themes, so expertise scores 0 points"
		}
		return "matches none of the focus themes, 0 points"
	}
	parts := make([]string, len(s.matched))
	for i, th := range s.matched {
		rank := slices.Index(t.focus, th) + 1
		parts[i] = fmt.Sprintf("%s (%s of %d", th, ordinal(rank), len(t.focus))
		if s.covered[i] {
			parts[i] += ", already covered"
		}
		parts[i] += ")"
	}
	return fmt.Sprintf("matches %s, %d points", strings.Join(parts, ", "), s.points)
}

// load describes a candidate's committed days.
func load(c *candidate) string {
	return fmt.Sprintf("%d of %d days committed this quarter (%s)", c.committed, c.rv.AvailableDaysPerQuarter, percent(c))
}

func percent(c *candidate) string {
	return strconv.Itoa(c.committed*100/c.rv.AvailableDaysPerQuarter) + "%"
}

// shortfall is the fault for places that could not be filled: what is
// missing and why the pool could not supply it.
func shortfall(council string, pool []reviewer.Reviewer, excl []Exclusion, cands []*candidate, t *teamState, leadFilled bool, filled, places int) error {
	var missing, why []string
	var metaMissing []string
	if !leadFilled {
		missing = append(missing, "a lead of director level")
		metaMissing = append(metaMissing, "lead")
		why = append(why, "directors: "+t.poolSummary(pool, excl, func(r reviewer.Role) bool { return r == reviewer.Director }))
	}
	if filled < places {
		missing = append(missing, fmt.Sprintf("%d of %d practitioners", places-filled, places))
		metaMissing = append(metaMissing, "practitioners")
		why = append(why, "practitioners: "+t.poolSummary(pool, excl, func(r reviewer.Role) bool { return r != reviewer.Director }))
	}
	f := fault.FailedPrecondition(ReasonNotEnoughReviewers,
		"cannot propose a team for %s: missing %s (%s)", councilLabel(council), strings.Join(missing, " and "), strings.Join(why, "; "))
	return f.With("missing", strings.Join(metaMissing, ",")).
		With("practitioners_found", strconv.Itoa(filled)).
		With("practitioners_needed", strconv.Itoa(places))
}

// poolSummary counts the reviewers of the roles in scope and what ruled
// them out.
func (t *teamState) poolSummary(pool []reviewer.Reviewer, excl []Exclusion, inScope func(reviewer.Role) bool) string {
	total := 0
	for _, rv := range pool {
		if inScope(rv.Role) {
			total++
		}
	}
	if total == 0 {
		return "the pool has none"
	}
	counts := map[ExclusionReason]int{}
	role := map[string]reviewer.Role{}
	for _, rv := range pool {
		role[rv.ID] = rv.Role
	}
	for _, e := range excl {
		if !inScope(role[e.ReviewerID]) {
			continue
		}
		for _, r := range e.Reasons {
			counts[r]++
		}
	}
	parts := []string{fmt.Sprintf("%d in the pool", total)}
	labels := []struct {
		r    ExclusionReason
		text string
	}{
		{SameCouncil, "from the reviewed council"},
		{InadequateCouncil, "from an inadequate council"},
		{Conflict, "with a declared conflict"},
		{NoDays, "without enough days left"},
	}
	for _, l := range labels {
		if n := counts[l.r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l.text))
		}
	}
	blocked := 0
	for id := range t.blocked {
		if inScope(role[id]) && !t.picked[id] {
			blocked++
		}
	}
	if blocked > 0 {
		parts = append(parts, fmt.Sprintf("%d from a home council already on the team", blocked))
	}
	picked := 0
	for id := range t.picked {
		if inScope(role[id]) {
			picked++
		}
	}
	if picked > 0 {
		parts = append(parts, fmt.Sprintf("%d already picked", picked))
	}
	return strings.Join(parts, ", ")
}

// who names a reviewer for explanations: display name and resource name.
func who(rv reviewer.Reviewer) string {
	return fmt.Sprintf("%s (%s)", rv.DisplayName, reviewer.Name(rv.ID))
}

func roleAndCouncil(rv reviewer.Reviewer) string {
	if rv.HomeCouncil == "" {
		return article(rv.Role.Title()) + " with no home council"
	}
	return article(rv.Role.Title()) + " from " + councilLabel(rv.HomeCouncil)
}

// councilLabel names a council by name and code, or by code alone when it
// is not one of the 152.
func councilLabel(gss string) string {
	if c, ok := reference.CouncilByCode(gss); ok {
		return c.Name + " (" + gss + ")"
	}
	return gss
}

// article prefixes s with "a" or "an" as it is spoken ("an LGA associate").
func article(s string) string {
	if strings.HasPrefix(s, "LGA") || s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}
