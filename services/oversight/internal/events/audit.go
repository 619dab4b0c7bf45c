package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	if _, err := c.audit.Record(ctx, audit.Entry{
		ID: e.ID, Actor: a.Actor, Roles: a.Roles, Method: a.Method, Resource: a.Resource, RequestID: a.RequestID,
		EtagBefore: a.EtagBefore, EtagAfter: a.EtagAfter, Time: a.Time,
	}); err != nil {
		return err
	}
	gss, err := c.timeline.CouncilOf(ctx, a.Resource)
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
