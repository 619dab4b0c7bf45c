// Package demo is the improvement-plan service's synthetic demo data set
// and its loader.
//
// The demo: the inspection service's synthetic data set publishes 20
// inadequate judgements, and their events open 20 draft plans through the
// judgement consumer. The demo loader then moves them into a spread of
// states through the same rules and stores as the RPCs, each change audited
// under the subject demoLoader and every text labelled synthetic.
//
// The demo's judgements were published in 2014 and 2015, so their six-month
// deadlines passed long before the demo runs. Left alone, the clock would
// move all 20 plans to DECISION_DUE at once. So the loader extends the
// deadlines of the plans meant to show work in progress to a few months from
// now, through the audited extension DfE would use, saying why; the original
// deadline stays on each plan. Three plans keep their original deadline and
// meet it through the clock itself: one awaits DfE's decision, one is
// escalated to an intervention, and one continues after significant
// improvement, with a new deadline. While the loader works, the deadline
// schedule waits, so that no deadline fires before its plan is in place.
package demo

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Plans is how many plans the inspection service's demo opens: one per
// council judged inadequate in late 2015.
const Plans = 20

// Bounds of the wait for the consumer to open the demo plans, and of a
// replica's claim on loading them. They are wall-clock durations: they
// bound work, and mean nothing to the rules.
const (
	demoWait    = 2 * time.Minute
	demoPoll    = 250 * time.Millisecond
	demoLockTTL = 5 * time.Minute
)

// Loader spreads the demo plans into their states, through the same rules
// and stores as the RPCs.
type Loader struct {
	store         *store.Store
	plans         *planstore.Plans
	reviews       *progressreviewstore.Reviews
	interventions *interventionstore.Interventions
	clock         *deadline.Clock
	logger        *slog.Logger
	now           func() time.Time
}

// Deps are the stores, the deadline clock, the logger and the service's
// clock the loader works with.
type Deps struct {
	Store         *store.Store
	Plans         *planstore.Plans
	Reviews       *progressreviewstore.Reviews
	Interventions *interventionstore.Interventions
	Clock         *deadline.Clock
	Logger        *slog.Logger
	Now           func() time.Time
}

// New returns the loader over d.
func New(d Deps) *Loader {
	return &Loader{store: d.Store, plans: d.Plans, reviews: d.Reviews, interventions: d.Interventions,
		clock: d.Clock, logger: d.Logger, now: d.Now}
}

// marker is the name of the suite's "load once" marker (store.FirstTime)
// that records the demo plans spread.
const marker = "improvementplan"

// Load waits for the demo plans and spreads them, once per Redis: the
// marker records that it is done, and a lock with a TTL lets one replica
// work while the others wait for the marker. It gives up after demoWait.
//
// The marker alone cannot be the claim, as it is for reference data: the
// plans come from events the inspection service relays only once the
// process runs, so a replica that finds too few leaves the rest to the
// next start, and must not have marked the demo done before it knew.
func (l *Loader) Load(ctx context.Context) error {
	rdb, ks := l.store.Client(), l.store.Keyspace()
	// The marker's key, as store.FirstTime sets it.
	done, lock := ks.Key("demo", marker, "loaded"), ks.Key("demo", marker, "lock")
	owner := make([]byte, 8)
	_, _ = rand.Read(owner) // crypto/rand.Read never fails on supported platforms.
	until := time.Now().Add(demoWait)
	for {
		n, err := rdb.Exists(ctx, done).Result()
		if err != nil {
			return fmt.Errorf("improvementplan: demo marker: %w", err)
		}
		if n == 1 {
			l.logger.InfoContext(ctx, "improvement plan demo data already loaded")
			return nil
		}
		mine, err := rdb.SetNX(ctx, lock, hex.EncodeToString(owner), demoLockTTL).Result()
		if err != nil {
			return fmt.Errorf("improvementplan: demo lock: %w", err)
		}
		if mine {
			err := l.spread(ctx, until)
			// Released even when stopping, so a restart need not wait out
			// the TTL.
			if derr := rdb.Del(context.WithoutCancel(ctx), lock).Err(); derr != nil {
				err = errors.Join(err, fmt.Errorf("improvementplan: release demo lock: %w", derr))
			}
			return err
		}
		if time.Now().After(until) {
			return fmt.Errorf("improvementplan: another replica has held the demo lock for over %s", demoWait)
		}
		if !sleep(ctx, demoPoll) {
			return ctx.Err()
		}
	}
}

// spread waits for the plans, moves each untouched one into its role, and
// sets the marker once every demo plan exists.
func (l *Loader) spread(ctx context.Context, until time.Time) error {
	plans, err := l.waitForPlans(ctx, until)
	if err != nil {
		return err
	}
	slices.SortFunc(plans, func(a, b plan.Plan) int {
		return cmp.Or(a.JudgementDate.Compare(b.JudgementDate), cmp.Compare(a.GSSCode, b.GSSCode))
	})
	spread := 0
	for i, p := range plans {
		if !untouched(p) {
			continue
		}
		role := demoRoleOf(i)
		if err := l.demoPlan(ctx, p, role, i); err != nil {
			return fmt.Errorf("improvementplan: demo plan %s (%s): %w", p.Name(), role, err)
		}
		spread++
	}
	if len(plans) < Plans {
		l.logger.WarnContext(ctx, "fewer demo plans than expected; the rest are spread on the next start",
			"found", len(plans), "expected", Plans)
		return nil
	}
	if _, err := l.store.FirstTime(ctx, marker); err != nil {
		return fmt.Errorf("improvementplan: %w", err)
	}
	l.logger.InfoContext(ctx, "synthetic improvement plan demo data loaded", "plans", len(plans), "spread", spread)
	return nil
}

// waitForPlans polls until Plans plans exist or until passes, and
// returns those there are.
func (l *Loader) waitForPlans(ctx context.Context, until time.Time) ([]plan.Plan, error) {
	for {
		all, err := l.plans.List(ctx, plan.AllCouncils)
		if err != nil {
			return nil, fmt.Errorf("improvementplan: demo plans: %w", err)
		}
		if len(all) >= Plans || time.Now().After(until) {
			return all, nil
		}
		if !sleep(ctx, demoPoll) {
			return nil, ctx.Err()
		}
	}
}

// untouched reports whether p is as the consumer opened it, so the demo
// never changes a plan twice: a plan someone (or an earlier, interrupted
// demo run) worked on is left alone.
func untouched(p plan.Plan) bool {
	if p.State != plan.Draft || len(p.Extensions) > 0 || len(p.History) > 1 {
		return false
	}
	for _, pr := range p.Priorities {
		if len(pr.Actions) > 0 {
			return false
		}
	}
	return true
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
