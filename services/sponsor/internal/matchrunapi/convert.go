package matchrunapi

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// points turns the engine's milli-points into the API's points.
func points(milli int64) float64 { return float64(milli) / 1000 }

func algorithmProto(a match.Algorithm) sponsorv1.Algorithm {
	if a == match.Stable {
		return sponsorv1.Algorithm_ALGORITHM_STABLE
	}
	return sponsorv1.Algorithm_ALGORITHM_OPTIMAL
}

func stateProto(s matchrun.State) sponsorv1.RunState {
	return sponsorv1.RunState(sponsorv1.RunState_value["RUN_STATE_"+string(s)])
}

// encode renders r as the API returns it.
func encode(r matchrun.Run) *sponsorv1.MatchRun {
	w := match.DefaultWeights()
	if r.Input.Weights != nil {
		w = *r.Input.Weights
	}
	out := &sponsorv1.MatchRun{
		Name:      r.Name(),
		Algorithm: algorithmProto(r.Input.Algorithm),
		State:     stateProto(r.State),
		Weights: &sponsorv1.Weights{
			Expertise: float64(w.Expertise), Geography: float64(w.Geography), Headroom: float64(w.Headroom),
			Continuity: float64(w.Continuity), OutOfAreaPenalty: float64(w.OutOfArea), Urgency: float64(w.Urgency),
		},
		InputFingerprint: r.Fingerprint(),
		RunBy:            r.RunBy,
		DecidedBy:        r.DecidedBy,
		RejectReason:     r.RejectReason,
		Engagements:      r.Engagements,
		Etag:             change.Format(r.Version),
		CreateTime:       timestamppb.New(r.CreateTime),
	}
	if o := r.Input.Overrides; matchrun.HasOverrides(o) {
		wi := &sponsorv1.WhatIf{}
		for _, s := range o.ExcludeSponsors {
			wi.ExcludeSponsors = append(wi.ExcludeSponsors, sponsor.Name(s))
		}
		for _, c := range o.Capacities {
			wi.Capacities = append(wi.Capacities, &sponsorv1.CapacityOverride{
				Sponsor: sponsor.Name(c.Sponsor), MaxEngagements: int32(c.Engagements), StaffDaysPerQuarter: int32(c.StaffDays),
			})
		}
		for _, p := range o.Pin {
			wi.Pin = append(wi.Pin, &sponsorv1.Pair{Need: p.Need, Sponsor: sponsor.Name(p.Sponsor)})
		}
		for _, p := range o.Forbid {
			wi.Forbid = append(wi.Forbid, &sponsorv1.Pair{Need: p.Need, Sponsor: sponsor.Name(p.Sponsor)})
		}
		out.WhatIf = wi
	}
	for _, n := range r.Input.Needs {
		out.Needs = append(out.Needs, n.ID)
	}
	res := r.Result
	if res == nil {
		return out
	}
	for _, a := range res.Assignments {
		out.Assignments = append(out.Assignments, &sponsorv1.Assignment{
			Need: a.Need, Sponsor: sponsor.Name(a.Sponsor), Score: points(int64(a.Score.Total)), Factors: factors(a.Score, w),
		})
	}
	for _, n := range res.Needs {
		nc := &sponsorv1.NeedCandidates{Need: n.Need}
		for _, c := range n.Candidates {
			pc := &sponsorv1.Candidate{Sponsor: sponsor.Name(c.Sponsor), Score: points(int64(c.Score.Total))}
			switch {
			case len(c.Reasons) > 0:
				pc.Score = 0
				reasons := make([]string, len(c.Reasons))
				for i, x := range c.Reasons {
					reasons[i] = string(x)
				}
				pc.Reason = strings.Join(reasons, ", ")
			case c.Assigned:
				pc.Rank = int32(c.Rank)
				pc.Reason = "ASSIGNED"
			default:
				pc.Rank = int32(c.Rank)
				pc.Reason = string(c.Pass)
			}
			nc.Candidates = append(nc.Candidates, pc)
		}
		out.Candidates = append(out.Candidates, nc)
	}
	for _, u := range res.Unmatched {
		reason := string(u.Reason)
		if u.Detail != "" {
			reason += ": " + u.Detail
		}
		out.Unmatched = append(out.Unmatched, &sponsorv1.Unmatched{Need: u.Need, Reason: reason})
	}
	out.Objective = points(res.Objective)
	out.Bound = points(res.Bound)
	out.GapPercent = res.Gap
	out.Stable = res.Stability != nil && res.Stability.Stable
	return out
}

// factors breaks a score down by factor, with each factor's value in words.
func factors(s match.Score, w match.Weights) []*sponsorv1.FactorScore {
	weight := [match.NumFactors]int{w.Expertise, w.Geography, w.Headroom, w.Continuity, w.OutOfArea, w.Urgency}
	out := make([]*sponsorv1.FactorScore, 0, match.NumFactors)
	for f := match.Factor(0); f < match.NumFactors; f++ {
		c := s.Factors[f]
		out = append(out, &sponsorv1.FactorScore{
			Factor:      strings.ToLower(f.String()),
			Score:       points(int64(c.Points)),
			Explanation: explain(f, c.Value, weight[f]),
		})
	}
	return out
}

func explain(f match.Factor, value, weight int) string {
	pct := float64(value) / 10
	var what string
	switch f {
	case match.FactorExpertise:
		what = fmt.Sprintf("covers %.1f%% of the weighted areas of need", pct)
	case match.FactorGeography:
		switch {
		case value >= 1000:
			what = "works in the council's region"
		case value >= 750:
			what = "works nationally"
		case value >= 500:
			what = "works in a region bordering the council's"
		default:
			what = "works further away"
		}
	case match.FactorHeadroom:
		what = fmt.Sprintf("keeps %.1f%% of its capacity free after this engagement", pct)
	case match.FactorContinuity:
		if value > 0 {
			what = "already supports the council"
		} else {
			what = "does not support the council now"
		}
	case match.FactorOutOfArea:
		what = fmt.Sprintf("its children placed in the council reach %.1f%% of the full penalty (subtracted)", pct)
	case match.FactorUrgency:
		what = fmt.Sprintf("the need's urgency is %d of %d", value/200, match.MaxUrgency)
	}
	return fmt.Sprintf("%s; weight %d", what, weight)
}
