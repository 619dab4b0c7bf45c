package concernstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// CouncilReader reads one council; *councilstore.Councils is one.
type CouncilReader interface {
	Get(ctx context.Context, gss string) (council.LocalAuthority, error)
}

// CouncilGrades answers the trigger rules' question "what is this council's
// latest overall grade?" from the LocalAuthority record, which publishing a
// judgement keeps current. It implements concern.CouncilGrades.
type CouncilGrades struct {
	councils CouncilReader
}

var _ concern.CouncilGrades = (*CouncilGrades)(nil)

// NewCouncilGrades returns the adapter over councils.
func NewCouncilGrades(councils CouncilReader) *CouncilGrades {
	return &CouncilGrades{councils: councils}
}

// LatestGrade implements concern.CouncilGrades.
func (g *CouncilGrades) LatestGrade(ctx context.Context, gss string) (reference.Grade, bool, error) {
	la, err := g.councils.Get(ctx, gss)
	if errors.Is(err, council.ErrNotFound) {
		return "", false, concern.ErrCouncilNotFound
	}
	if err != nil {
		return "", false, fmt.Errorf("concernstore: latest grade of %s: %w", gss, err)
	}
	if la.Latest == nil || !la.Latest.OverallGrade.Valid() {
		return "", false, nil
	}
	return la.Latest.OverallGrade, true, nil
}
