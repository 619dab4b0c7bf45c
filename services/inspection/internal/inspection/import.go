package inspection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// MaxImport is the most judgements one batch import takes.
const MaxImport = 500

// The reasons of an import row's failure besides a fault's own.
const (
	// ReasonCouncilBatchFailed: another row of the same council failed, and
	// a council's rows are recorded together or not at all.
	ReasonCouncilBatchFailed = "COUNCIL_BATCH_FAILED"
	// ReasonDuplicateRow: an earlier row of the request names the same
	// inspection.
	ReasonDuplicateRow = "DUPLICATE_ROW"
	// ReasonInvalidRow: the row's fields are invalid.
	ReasonInvalidRow = "INVALID_ARGUMENT"
)

// ImportRow is one judgement of a batch import, as the handler read it.
type ImportRow struct {
	// Index is the row's place in the request.
	Index int
	// GSSCode is the council; empty when the row's parent was unreadable
	// (Problems then says so).
	GSSCode string
	// ID is the inspection's id; empty derives one (see ImportID).
	ID string
	// Inspection holds the framework, fieldwork dates, lead inspector,
	// judgement or findings and recommendations.
	Inspection Inspection
	// PublishDate is when the judgement was published.
	PublishDate time.Time
	// Problems are the row's shape violations found by the handler,
	// named from the row.
	Problems fault.Violations
}

// ImportFailure is a row that was not recorded.
type ImportFailure struct {
	Index      int
	GSSCode    string
	Reason     string
	Message    string
	Violations fault.Violations
}

// ImportResult is what a batch import recorded: the inspections (new, or
// recorded by an earlier import of the same row) in row order, with each
// one's row index, and the rows that failed, in row order.
type ImportResult struct {
	Imported []Imported
	Failures []ImportFailure
}

// Imported is one recorded row.
type Imported struct {
	Index      int
	Inspection Inspection
	// Existing is true when an earlier import recorded it; nothing was
	// written again.
	Existing bool
}

// ImportID is the id of an imported inspection that names none: its
// framework and fieldwork dates, so importing the same judgement twice
// finds the first.
func ImportID(ins Inspection) string {
	return fmt.Sprintf("%s-%s-%s", strings.ToLower(strings.ReplaceAll(string(ins.Framework), "_", "-")),
		ins.StartDate.Format("20060102"), ins.EndDate.Format("20060102"))
}

// Import records rows as published judgements, council by council: each
// council's rows are validated as CreateInspection and PublishJudgement
// validate them, then committed together (the inspections, the council's
// latest judgement and one JudgementPublished event each) or, if any of
// them fails, not at all. A row whose inspection an earlier import recorded
// is reported as recorded, and nothing is written for it again. With
// asHistory a judgement whose six-month window has passed is recorded as
// history (see Inspection.PublishAs); without it every judgement is live.
// The error is for failures of the store, not of rows.
func (s *Service) Import(ctx context.Context, rows []ImportRow, asHistory bool, r change.Request) (ImportResult, error) {
	var res ImportResult
	var order []string
	byCouncil := map[string][]ImportRow{}
	for _, row := range rows {
		if row.GSSCode == "" {
			res.Failures = append(res.Failures, rowFailure(row, ReasonInvalidRow, "the row is invalid", row.Problems))
			continue
		}
		if _, ok := byCouncil[row.GSSCode]; !ok {
			order = append(order, row.GSSCode)
		}
		byCouncil[row.GSSCode] = append(byCouncil[row.GSSCode], row)
	}
	for _, gss := range order {
		imported, failures, err := s.importCouncil(ctx, gss, byCouncil[gss], asHistory, r)
		if err != nil {
			return ImportResult{}, err
		}
		res.Imported = append(res.Imported, imported...)
		res.Failures = append(res.Failures, failures...)
	}
	slices.SortFunc(res.Imported, func(a, b Imported) int { return a.Index - b.Index })
	slices.SortFunc(res.Failures, func(a, b ImportFailure) int { return a.Index - b.Index })
	return res, nil
}

func rowFailure(row ImportRow, reason, message string, vs fault.Violations) ImportFailure {
	return ImportFailure{Index: row.Index, GSSCode: row.GSSCode, Reason: reason, Message: message, Violations: vs}
}

// importCouncil records one council's rows together, retrying when a
// concurrent write moved the council or took an id.
func (s *Service) importCouncil(ctx context.Context, gss string, rows []ImportRow, asHistory bool, r change.Request) ([]Imported, []ImportFailure, error) {
	la, err := s.Store.Council(ctx, gss)
	if errors.Is(err, council.ErrNotFound) {
		out := make([]ImportFailure, len(rows))
		for i, row := range rows {
			vs := append(fault.Violations(nil), row.Problems...)
			vs.Add("parent", "%s does not exist", resource.CouncilName(gss))
			out[i] = rowFailure(row, resource.ReasonCouncilNotFound, "the council does not exist", vs)
		}
		return nil, out, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("inspection: import judgements of %s: %w", gss, err)
	}
	for range maxAttempts {
		now := s.Now()
		var (
			imported []Imported
			failures []ImportFailure
			fresh    []Inspection
			seen     = map[string]int{}
		)
		next := la
		for _, row := range rows {
			ins, existing, fail, err := s.importRow(ctx, gss, row, asHistory, now)
			if err != nil {
				return nil, nil, err
			}
			if fail == nil {
				if first, dup := seen[ins.ID]; dup {
					var vs fault.Violations
					vs.Add("inspection_id", "names %s, as row %d does", ins.Name(), first)
					fail = &ImportFailure{Reason: ReasonDuplicateRow, Message: "an earlier row imports the same inspection", Violations: vs}
				} else {
					seen[ins.ID] = row.Index
				}
			}
			if fail != nil {
				fail.Index, fail.GSSCode = row.Index, gss
				failures = append(failures, *fail)
				continue
			}
			imported = append(imported, Imported{Index: row.Index, Inspection: ins, Existing: existing})
			if !existing {
				fresh = append(fresh, ins)
				if latest, ok := ins.Latest(); ok {
					next = next.WithJudgement(latest)
				}
			}
		}
		if len(failures) > 0 {
			// A council's rows are recorded together or not at all.
			for _, ok := range imported {
				failures = append(failures, ImportFailure{Index: ok.Index, GSSCode: gss, Reason: ReasonCouncilBatchFailed,
					Message: fmt.Sprintf("not recorded: another row of %s failed, and a council's rows are recorded together", resource.CouncilName(gss))})
			}
			return nil, failures, nil
		}
		if len(fresh) == 0 {
			return imported, nil, nil
		}
		var changed *council.LocalAuthority
		if !sameJudgement(la, next) {
			next.UpdateTime = now
			changed = &next
		}
		err := s.Store.SaveImport(ctx, gss, fresh, changed, r)
		if err == nil {
			return imported, nil, nil
		}
		if !errors.Is(err, change.ErrConflict) {
			return nil, nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if la, err = s.Store.Council(ctx, gss); err != nil {
			return nil, nil, fmt.Errorf("inspection: import judgements of %s: %w", gss, err)
		}
	}
	return nil, nil, fmt.Errorf("inspection: import judgements of %s: still contended after %d attempts: %w", gss, maxAttempts, change.ErrConflict)
}

// importRow is one row checked and published as it would be recorded, or
// the inspection an earlier import recorded under its id (existing), or the
// row's failure.
func (s *Service) importRow(ctx context.Context, gss string, row ImportRow, asHistory bool, now time.Time) (Inspection, bool, *ImportFailure, error) {
	if len(row.Problems) > 0 {
		return Inspection{}, false, &ImportFailure{Reason: ReasonInvalidRow, Message: "the row is invalid", Violations: row.Problems}, nil
	}
	ins := row.Inspection.Clone()
	ins.GSSCode = gss
	ins.ID = row.ID
	if ins.ID == "" {
		ins.ID = ImportID(ins)
	}
	ins.State = Scheduled
	ins.PublishDate = time.Time{}
	ins.Version = 0
	ins.CreateTime, ins.UpdateTime = now, now
	if ins.EmergencyRecommendation != "" {
		var vs fault.Violations
		vs.Add("inspection.emergency_recommendation", "is not imported: an emergency inspection answering a recommendation is created by accepting it")
		return Inspection{}, false, &ImportFailure{Reason: ReasonInvalidRow, Message: "the row is invalid", Violations: vs}, nil
	}
	if err := ins.Validate("inspection.", now); err != nil {
		return Inspection{}, false, faultFailure(err), nil
	}
	prev, err := s.Store.Get(ctx, gss, ins.ID)
	switch {
	case err == nil && prev.State == Published:
		return prev, true, nil, nil
	case err == nil:
		var vs fault.Violations
		vs.Add("inspection_id", "names %s, which is scheduled, not published: publish it with PublishJudgement", prev.Name())
		return Inspection{}, false, &ImportFailure{Reason: ReasonAlreadyScheduled, Message: "the inspection exists and is not published", Violations: vs}, nil
	case !errors.Is(err, ErrNotFound):
		return Inspection{}, false, nil, fmt.Errorf("inspection: import %s: %w", ins.Name(), err)
	}
	out, err := ins.PublishAs(row.PublishDate, now, !asHistory)
	if err != nil {
		return Inspection{}, false, faultFailure(err), nil
	}
	out.Version = 0
	return out, false, nil, nil
}

// ReasonAlreadyScheduled is the failure of an import row naming an
// inspection that exists but is not published.
const ReasonAlreadyScheduled = "INSPECTION_NOT_PUBLISHED"

// faultFailure is a rule's fault as a row failure.
func faultFailure(err error) *ImportFailure {
	f, ok := fault.As(err)
	if !ok {
		return &ImportFailure{Reason: ReasonInvalidRow, Message: err.Error()}
	}
	reason := f.Reason
	if reason == "" {
		reason = ReasonInvalidRow
	}
	return &ImportFailure{Reason: reason, Message: f.Message, Violations: f.Violations}
}
