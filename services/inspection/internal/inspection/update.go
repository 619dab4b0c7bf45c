package inspection

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// MaskFields are the top-level fields an update may change.
var MaskFields = updatable.Paths()

// updatable are the top-level fields an update may change; the judgement,
// the findings and the recommendations, which a mask may also name in
// part, are Apply's own rules.
var updatable = mask.Fields[Inspection]{
	{Path: "start_date", Set: func(ins, p *Inspection) { ins.StartDate = p.StartDate }},
	{Path: "end_date", Set: func(ins, p *Inspection) { ins.EndDate = p.EndDate }},
	{Path: "lead_inspector", Set: func(ins, p *Inspection) { ins.LeadInspector = p.LeadInspector }},
	{Path: "judgement"},
	{Path: "monitoring_findings"},
	{Path: "recommendations"},
}

// fixedFields may appear in a mask only with their current value: a client
// sending back the whole resource repeats them unchanged, which is no
// change, while a different value is refused.
var fixedFields = []string{"framework", "emergency_recommendation"}

// ignoredFields identify the resource or are output only; a mask derived
// from a request body (as the REST gateway derives one) names them, and
// they are ignored as AIP-203 asks.
var ignoredFields = []string{"name", "etag", "state", "publish_date", "warnings", "create_time", "update_time", "historical", "publication_warnings"}

// Sub-fields a mask may name below a top-level field.
var (
	dateParts     = []string{"year", "month", "day"}
	gradedParts   = []string{"grade", "narrative"}
	findingsParts = []string{"findings", "progress", "narrative"}
)

// partMask is what a mask changes of one judgement part.
type partMask struct{ whole, grade, narrative bool }

// Mask is a parsed update mask: what an update replaces.
type Mask struct {
	all      bool
	fields   map[string]bool
	parts    map[Area]partMask
	findings map[string]bool
	fixed    []string
}

// ParseMask reads an update mask (AIP-134, AIP-161). It accepts:
//
//   - "*": every field an update can change, replaced whole;
//   - the fields in MaskFields, replaced whole;
//   - sub-fields of those: start_date.year (any part of a date means the
//     date), judgement.help_and_protection (one part, replaced or, when
//     the request leaves it out, removed), judgement.help_and_protection.grade
//     or .narrative (that alone), monitoring_findings.progress, .findings or
//     .narrative;
//   - name, etag and output-only fields, which are ignored;
//   - framework and emergency_recommendation, which Apply refuses if their
//     value would change.
//
// Any other path, or a mask that changes nothing, is reported as a violation
// on update_mask. Callers that got no mask pass the paths of the fields the
// request sets (AIP-134).
func ParseMask(paths []string) (Mask, error) {
	m := Mask{fields: map[string]bool{}, parts: map[Area]partMask{}, findings: map[string]bool{}}
	var vs fault.Violations
	bad := func(p, format string, args ...any) {
		vs.Add("update_mask", "path %q "+format, append([]any{p}, args...)...)
	}
	for _, p := range paths {
		top, rest, nested := strings.Cut(p, ".")
		switch {
		case p == "*":
			m.all = true
		case slices.Contains(ignoredFields, top):
		case slices.Contains(fixedFields, top) && !nested:
			m.fixed = append(m.fixed, top)
		case (top == "start_date" || top == "end_date") && (!nested || slices.Contains(dateParts, rest)):
			m.fields[top] = true
		case (top == "lead_inspector" || top == "recommendations") && !nested:
			m.fields[top] = true
		case top == "judgement" && !nested:
			m.fields[top] = true
		case top == "judgement":
			field, sub, subNested := strings.Cut(rest, ".")
			a, ok := AreaOfField(field)
			if !ok || (subNested && !slices.Contains(gradedParts, sub)) {
				bad(p, "names no part of a judgement; parts are %s, each with grade and narrative", fieldList(Areas))
				continue
			}
			pm := m.parts[a]
			switch {
			case !subNested:
				pm.whole = true
			case sub == "grade":
				pm.grade = true
			default:
				pm.narrative = true
			}
			m.parts[a] = pm
		case top == "monitoring_findings" && !nested:
			m.fields[top] = true
		case top == "monitoring_findings" && slices.Contains(findingsParts, rest):
			m.findings[rest] = true
		default:
			bad(p, "is not a field an update can change; updatable fields: %s, or *", strings.Join(MaskFields, ", "))
		}
	}
	if len(vs) == 0 && !m.changes() {
		if len(m.fixed) > 0 {
			for _, f := range m.fixed {
				bad(f, "cannot be updated: %s is fixed when the inspection is created", f)
			}
		} else {
			vs.Add("update_mask", "names no field to change; list the fields to change, such as judgement or end_date")
		}
	}
	if err := vs.Err(); err != nil {
		return Mask{}, err
	}
	return m, nil
}

// changes reports whether the mask changes any field.
func (m Mask) changes() bool {
	return m.all || len(m.fields) > 0 || len(m.parts) > 0 || len(m.findings) > 0
}

// Has reports whether the mask replaces the top-level field whole.
func (m Mask) Has(field string) bool { return m.all || m.fields[field] }

// Covers reports whether the mask changes the field at path (a request
// field path relative to the inspection, such as
// "judgement.help_and_protection.grade"), so that problems in fields the
// update ignores are not reported.
func (m Mask) Covers(path string) bool {
	top, rest, _ := strings.Cut(path, ".")
	if i := strings.IndexByte(top, '['); i >= 0 {
		top = top[:i]
	}
	if m.Has(top) {
		return true
	}
	sub, _, _ := strings.Cut(rest, ".")
	if i := strings.IndexByte(sub, '['); i >= 0 {
		sub = sub[:i]
	}
	switch top {
	case "judgement":
		a, ok := AreaOfField(sub)
		if !ok {
			return false
		}
		pm := m.parts[a]
		_, leaf, _ := strings.Cut(rest, ".")
		return pm.whole || (leaf == "grade" && pm.grade) || (leaf == "narrative" && pm.narrative)
	case "monitoring_findings":
		return m.findings[sub]
	}
	return false
}

// Apply returns ins with what the mask names replaced by patch's values, as
// of now. It refuses any change to a published inspection (ErrPublished)
// and a change to a field fixed at creation, and validates the result (see
// Validate), reporting violations under the prefix "inspection.".
func (ins Inspection) Apply(patch Inspection, m Mask, now time.Time) (Inspection, error) {
	if ins.State == Published {
		return Inspection{}, ErrPublished
	}
	var vs fault.Violations
	for _, f := range m.fixed {
		cur, next := string(ins.Framework), string(patch.Framework)
		if f == "emergency_recommendation" {
			cur, next = ins.EmergencyRecommendation, patch.EmergencyRecommendation
		}
		if cur != next {
			vs.Add("update_mask", "path %q cannot be updated: %s is fixed when the inspection is created (%q, not %q)", f, f, cur, next)
		}
	}
	if err := vs.Err(); err != nil {
		return Inspection{}, err
	}
	out := ins.Clone()
	patch = patch.Clone()
	updatable.Apply(m, &out, &patch)
	if m.Has("judgement") {
		out.Judgement = patch.Judgement
	} else {
		out.Judgement = applyParts(out.Judgement, patch.Judgement, m.parts)
	}
	if m.Has("monitoring_findings") {
		out.MonitoringFindings = patch.MonitoringFindings
	} else if len(m.findings) > 0 {
		out.MonitoringFindings = applyFindings(out.MonitoringFindings, patch.MonitoringFindings, m.findings)
	}
	if m.Has("recommendations") {
		out.Recommendations = patch.Recommendations
	}
	if err := out.Validate("inspection.", now); err != nil {
		return Inspection{}, err
	}
	out.UpdateTime = now
	return out, nil
}

// applyParts changes the judgement parts the mask names.
func applyParts(cur, patch Judgement, parts map[Area]partMask) Judgement {
	if len(parts) == 0 {
		return cur
	}
	if cur == nil {
		cur = Judgement{}
	}
	for a, pm := range parts {
		next, inPatch := patch[a]
		if pm.whole {
			if inPatch {
				cur[a] = next
			} else {
				delete(cur, a)
			}
			continue
		}
		g := cur[a]
		if pm.grade {
			g.Grade = next.Grade
		}
		if pm.narrative {
			g.Narrative = next.Narrative
		}
		cur[a] = g
	}
	return cur
}

// applyFindings changes the monitoring findings' fields the mask names.
func applyFindings(cur, patch *MonitoringFindings, fields map[string]bool) *MonitoringFindings {
	out := &MonitoringFindings{}
	if cur != nil {
		out = cur.Clone()
	}
	if patch == nil {
		patch = &MonitoringFindings{}
	}
	if fields["findings"] {
		out.Findings = slices.Clone(patch.Findings)
	}
	if fields["progress"] {
		out.Progress = patch.Progress
	}
	if fields["narrative"] {
		out.Narrative = patch.Narrative
	}
	return out
}
