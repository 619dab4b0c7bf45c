package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// handleAudit records an audit entry in the trail and, when the change is
// a step of a council's story, on the council's timeline. A change to a
// record of a council outside the register stays in the trail (which must
// be complete) and is left off every timeline.
func (c *Consumer) handleAudit(ctx context.Context, e events.Event) error {
	var a store.AuditEntry
	if err := json.Unmarshal(e.Data, &a); err != nil {
		return errDead{fmt.Errorf("audit entry %s: %w", e.ID, err)}
	}
	if a.Time.IsZero() {
		a.Time = e.Time
	}
	if _, err := c.audit.Record(ctx, audit.Entry{ID: e.ID, Audit: a.Audit}); err != nil {
		return err
	}
	gss, err := c.councilOf(ctx, a.Resource)
	if err != nil || gss == "" {
		return err
	}
	f, ok := timeline.FromMutation(timeline.Mutation{
		Event:  timeline.Event{ID: e.ID, Time: a.Time, Council: gss},
		Method: a.Method, Resource: a.Resource, Sponsor: sponsorOf(a.Resource), Actor: a.Actor, Roles: a.Roles,
	})
	if !ok {
		return nil
	}
	if _, err := c.timeline.Record(ctx, f); err != nil && !isUnknown(err) {
		return err
	}
	return nil
}

// errEngagementUnknown marks an audited change to an engagement (a
// deployment) whose EngagementStarted event has not been handled yet: the
// topics are read independently, so the change may come first. The live
// consumer leaves it pending, to be delivered again; a rebuild, which
// replays the sponsor topic before the audit, skips it.
var errEngagementUnknown = errors.New("the engagement's council is not known yet")

// engagementWait bounds how long an audited change to an engagement waits
// for the engagement's start to be handled before it is left for
// redelivery.
const engagementWait = 5 * time.Second

// councilOf is the council of the record name, waiting a little for an
// engagement's council to become known.
func (c *Consumer) councilOf(ctx context.Context, name string) (string, error) {
	deadline := time.Now().Add(engagementWait)
	for {
		gss, err := c.timeline.CouncilOf(ctx, name)
		if err != nil || gss != "" || !isEngagementRecord(name) {
			return gss, err
		}
		if c.rebuilding.Load() || time.Now().After(deadline) {
			return "", fmt.Errorf("%s: %w", name, errEngagementUnknown)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// isEngagementRecord reports whether name is an engagement or a record
// under one (sponsors/{s}/engagements/{e}/...).
func isEngagementRecord(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) >= 4 && parts[0] == "sponsors" && parts[2] == "engagements"
}

// sponsorOf is the sponsor id of a record under sponsors/{id}, or "".
func sponsorOf(name string) string {
	rest, ok := strings.CutPrefix(name, "sponsors/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// sponsorID is the id of a sponsor named sponsors/{id} (or given bare).
func sponsorID(name string) string {
	if id := sponsorOf(name); id != "" {
		return id
	}
	return name
}

func isUnknown(err error) bool { return errors.Is(err, timeline.ErrUnknownCouncil) }
