// Package subscription is the webhook subscriptions: an HTTPS endpoint, the
// event types it wants, optionally the councils, and a signing secret shown
// once. A partner system manages its own subscriptions and DfE sees them
// all (the access matrix's WebhookSubscription rows); a subscription keeps
// who created it, with the roles, council and sponsor of their token, so
// that deliveries carry only what its owner may read.
//
// A subscription is ACTIVE until its deliveries fail repeatedly; it is
// then DISABLED, its deliveries wait, and Enable resumes them.
package subscription

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/turnaround-sli/turnaround/services/partner/internal/egress"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/mask"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the collection of subscriptions' resource names.
const Collection = "webhookSubscriptions"

// Reasons of the faults the rules give.
const (
	ReasonNotFound      = "WEBHOOK_SUBSCRIPTION_NOT_FOUND"
	ReasonAlreadyExists = "WEBHOOK_SUBSCRIPTION_ALREADY_EXISTS"
	ReasonInvalid       = "INVALID_WEBHOOK_SUBSCRIPTION"
)

// Limits.
const (
	MaxURL         = 2048
	MaxDescription = 500
	MaxEventTypes  = 50
	MaxCouncils    = 152
)

// ErrNotFound is a subscription that does not exist.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the webhook subscription does not exist")

// ErrConflict is a stale etag or a concurrent change.
var ErrConflict = change.StaleEtag("the webhook subscription")

// ErrAlreadyExists refuses an id that is taken.
var ErrAlreadyExists = fault.AlreadyExists(ReasonAlreadyExists, "a webhook subscription with this id exists already")

// State of a subscription.
type State string

// The states.
const (
	Active   State = "ACTIVE"
	Disabled State = "DISABLED"
)

// Owner is who created a subscription, as their token named them.
type Owner struct {
	Subject   string
	Roles     []string
	Authority string
	Sponsor   string
}

// Subscription is one webhook subscription.
type Subscription struct {
	ID    string
	Owner Owner
	URL   string
	// EventTypes are full event type names.
	EventTypes []string
	// Councils are GSS codes; empty means every council.
	Councils       []string
	Description    string
	State          State
	DisabledReason string
	// Secret is the signing secret, "whsec_" and base64 of 32 random bytes.
	Secret     string
	CreateTime time.Time
	UpdateTime time.Time
	Version    int64
}

// Revision is the version s was read at (usecase.Versioned).
func (s Subscription) Revision() int64 { return s.Version }

// Name is the resource name.
func (s Subscription) Name() string { return Name(s.ID) }

// Name is the resource name of the subscription id.
func Name(id string) string { return resource.Name(Collection, id) }

// Clone copies s.
func (s Subscription) Clone() Subscription {
	s.Owner.Roles = slices.Clone(s.Owner.Roles)
	s.EventTypes = slices.Clone(s.EventTypes)
	s.Councils = slices.Clone(s.Councils)
	return s
}

// Wants reports whether s takes an event of type typ about council gss
// ("" for an event about no council) that happened at. A subscription
// takes the events that happen from its creation on; a disabled one keeps
// taking them, to send once it is enabled again.
func (s Subscription) Wants(typ, gss string, at time.Time) bool {
	if at.Before(s.CreateTime) || !slices.Contains(s.EventTypes, typ) {
		return false
	}
	return len(s.Councils) == 0 || slices.Contains(s.Councils, gss)
}

// Violations checks the fields a caller sets, reporting under prefix.
// known says whether an event type name is one the suite publishes.
func (s Subscription) Violations(prefix string, known func(string) bool) fault.Violations {
	var vs fault.Violations
	if s.URL == "" {
		vs.Add(prefix+"url", "is required: the https endpoint to send events to")
	} else if len(s.URL) > MaxURL {
		vs.Add(prefix+"url", "must be at most %d characters", MaxURL)
	}
	if len(s.EventTypes) == 0 {
		vs.Add(prefix+"event_types", "name at least one event type, such as JudgementPublished")
	}
	if len(s.EventTypes) > MaxEventTypes {
		vs.Add(prefix+"event_types", "may name at most %d event types", MaxEventTypes)
	}
	for i, t := range s.EventTypes {
		if !known(t) {
			vs.Add(fmt.Sprintf("%sevent_types[%d]", prefix, i), "%q is not an event type the suite publishes, such as JudgementPublished or InterventionOrdered", t)
		}
	}
	if len(s.Councils) > MaxCouncils {
		vs.Add(prefix+"local_authorities", "may name at most %d councils", MaxCouncils)
	}
	for i, c := range s.Councils {
		if _, ok := reference.CouncilByCode(c); !ok {
			vs.Add(fmt.Sprintf("%slocal_authorities[%d]", prefix, i), "%q is not one of the 152 councils", resource.CouncilName(c))
		}
	}
	if utf8.RuneCountInString(s.Description) > MaxDescription {
		vs.Add(prefix+"description", "must be at most %d characters", MaxDescription)
	}
	return vs
}

// Mask fields.
var (
	// MaskFields are the fields an update may change.
	MaskFields = updatable.Paths()
	// ignoredFields identify the resource or are output only.
	ignoredFields = []string{"name", "etag", "state", "disabled_reason", "owner", "signing_secret", "create_time", "update_time"}
)

// updatable are the fields an update may change, and how it copies each
// from the patch.
var updatable = mask.Fields[Subscription]{
	{Path: "url", Set: func(s, p *Subscription) { s.URL = p.URL }},
	{Path: "event_types", Set: func(s, p *Subscription) { s.EventTypes = slices.Clone(p.EventTypes) }},
	{Path: "local_authorities", Set: func(s, p *Subscription) { s.Councils = slices.Clone(p.Councils) }},
	{Path: "description", Set: func(s, p *Subscription) { s.Description = p.Description }},
}

// Mask is a parsed update mask.
type Mask = mask.Mask

// ParseMask reads an update mask.
func ParseMask(paths []string) (Mask, error) {
	return mask.Parse(paths, MaskFields, ignoredFields, "url or event_types")
}

// NewSecret makes a signing secret: "whsec_" and the base64 of 32 random
// bytes, as the Standard Webhooks specification describes.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("signing secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:]), nil
}

// Storer is the storage the rules need. Writes are pinned to the version
// read (or to absence, for Insert) and fail with ErrConflict otherwise.
type Storer interface {
	Get(ctx context.Context, id string) (Subscription, error)
	// All returns every subscription, ordered by id.
	All(ctx context.Context) ([]Subscription, error)
	// Replay returns the subscription a previous create with r.RequestID
	// returned, if any.
	Replay(ctx context.Context, id string, r change.Request) (Subscription, bool, error)
	Insert(ctx context.Context, s Subscription, r change.Request) (Subscription, error)
	Save(ctx context.Context, s Subscription, r change.Request) (Subscription, error)
	Delete(ctx context.Context, s Subscription, r change.Request) error
}

// Resumer is told when a subscription may be delivered to again, and when
// it is gone (package delivery).
type Resumer interface {
	Resume(ctx context.Context, id string) error
	Forget(ctx context.Context, id string) error
}

// Service carries out the subscription use cases.
type Service struct {
	usecase.Core[Storer]
	guard   *egress.Guard
	known   func(string) bool
	resumer Resumer
}

// NewService returns the use cases over st, checking URLs with guard and
// event type names with known. resumer hears of re-enabled and deleted
// subscriptions; it may be set later with SetResumer.
func NewService(st Storer, guard *egress.Guard, known func(string) bool, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now), guard: guard, known: known}
}

// SetResumer sets who hears of re-enabled and deleted subscriptions.
func (s *Service) SetResumer(r Resumer) { s.resumer = r }

// Get returns one subscription.
func (s *Service) Get(ctx context.Context, id string) (Subscription, error) {
	return s.Store.Get(ctx, id)
}

// All returns every subscription, ordered by id.
func (s *Service) All(ctx context.Context) ([]Subscription, error) { return s.Store.All(ctx) }

// checkURL refuses a URL the guard refuses, as a violation of field.
func (s *Service) checkURL(ctx context.Context, field, raw string) error {
	if raw == "" {
		return nil // reported by Violations
	}
	if _, err := s.guard.CheckURL(ctx, raw); err != nil {
		return fault.Invalid(ReasonInvalid, fault.Violation{Field: field, Description: strings.TrimPrefix(err.Error(), egress.ErrForbidden.Error()+": ")})
	}
	return nil
}

// Create adds sub for owner under id (or a generated id) with a fresh
// signing secret, and returns it with the secret, which is never shown
// again.
func (s *Service) Create(ctx context.Context, sub Subscription, owner Owner, id string, r change.Request) (Subscription, error) {
	chosen := id != "" || r.RequestID != ""
	if id == "" && r.RequestID != "" {
		id = resource.IDFor("webhook", r.Method+"\x00"+r.Subject, r.RequestID)
	}
	if id != "" {
		if prev, ok, err := s.Store.Replay(ctx, id, r); err != nil || ok {
			return prev, err
		}
	}
	if err := fault.Join(s.checkURL(ctx, "webhook_subscription.url", sub.URL), sub.Violations("webhook_subscription.", s.known).Err()); err != nil {
		return Subscription{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return Subscription{}, err
	}
	sub = sub.Clone()
	sub.Owner, sub.Secret, sub.State, sub.DisabledReason = owner, secret, Active, ""
	sub.CreateTime = s.Now()
	sub.UpdateTime = sub.CreateTime
	for range 5 {
		if id == "" {
			id = resource.NewID()
		}
		sub.ID = id
		out, err := s.Store.Insert(ctx, sub, r)
		if !errors.Is(err, ErrConflict) {
			return out, err
		}
		if prev, ok, rerr := s.Store.Replay(ctx, id, r); rerr != nil || ok {
			return prev, rerr
		}
		if chosen {
			return Subscription{}, ErrAlreadyExists.With("name", Name(id))
		}
		id = ""
	}
	return Subscription{}, fmt.Errorf("webhook subscription: no free id: %w", ErrConflict)
}

// Update replaces the fields m names with patch's, over the version etag
// names (when given).
func (s *Service) Update(ctx context.Context, id string, patch Subscription, m Mask, etag change.Etag, r change.Request) (Subscription, error) {
	return usecase.Update(ctx, s.Store.Get, s.Store.Save, id, etag, ErrConflict, r, func(cur Subscription) (Subscription, error) {
		next := cur.Clone()
		updatable.Apply(m, &next, &patch)
		var urlErr error
		if m.Has("url") {
			urlErr = s.checkURL(ctx, "webhook_subscription.url", next.URL)
		}
		if err := fault.Join(urlErr, next.Violations("webhook_subscription.", s.known).Err()); err != nil {
			return Subscription{}, err
		}
		next.UpdateTime = s.Now()
		return next, nil
	})
}

// Delete removes subscription id (at the version etag names, when given)
// and drops its queued deliveries.
func (s *Service) Delete(ctx context.Context, id string, etag change.Etag, r change.Request) error {
	cur, err := usecase.Current(ctx, s.Store.Get, id, etag, ErrConflict)
	if err != nil {
		return err
	}
	if err := s.Store.Delete(ctx, cur, r); err != nil {
		return err
	}
	if s.resumer != nil {
		return s.resumer.Forget(ctx, id)
	}
	return nil
}

// Enable makes subscription id ACTIVE again and resumes its deliveries.
// Enabling an active subscription changes nothing.
func (s *Service) Enable(ctx context.Context, id string, etag change.Etag, r change.Request) (Subscription, error) {
	cur, err := usecase.Current(ctx, s.Store.Get, id, etag, ErrConflict)
	if err != nil {
		return Subscription{}, err
	}
	out := cur
	if cur.State != Active {
		next := cur.Clone()
		next.State, next.DisabledReason, next.UpdateTime = Active, "", s.Now()
		if out, err = s.Store.Save(ctx, next, r); err != nil {
			return Subscription{}, err
		}
	}
	if s.resumer != nil {
		if err := s.resumer.Resume(ctx, id); err != nil {
			return Subscription{}, err
		}
	}
	return out, nil
}

// Disable turns subscription id off after repeated failure, with reason;
// a subscription already disabled or gone is left as it is. It retries
// concurrent changes.
func (s *Service) Disable(ctx context.Context, id, reason string, r change.Request) error {
	for range 5 {
		cur, err := s.Store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur.State == Disabled {
			return nil
		}
		next := cur.Clone()
		next.State, next.DisabledReason, next.UpdateTime = Disabled, reason, s.Now()
		_, err = s.Store.Save(ctx, next, r)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("disable %s: %w", Name(id), ErrConflict)
}
