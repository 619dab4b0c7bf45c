// Package delivery sends events to webhook subscriptions: at least once,
// with a stable webhook-id (the event id), signed as the Standard Webhooks
// specification describes, in CloudEvents 1.0 structured JSON mode.
//
// Each subscription has one lane per council (and one for events about no
// council); a lane sends its next event only once the previous one has
// succeeded or been dead-lettered, so events about one council arrive in
// order. A failed attempt is retried with exponential backoff and jitter
// until MaxAge (24 hours by default) has passed since the first attempt;
// the event is then dead-lettered and the lane moves on. A subscription
// whose attempts fail DisableAfter times in a row is disabled; its lanes
// wait until it is enabled again.
//
// Every state lives in the Storer (Redis), with the due time of each lane
// in a sorted set, so a restarted worker loses nothing: a lane claimed by
// a worker that died is claimed again when its lease lapses.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// State of a delivery.
type State string

// The states.
const (
	Pending      State = "PENDING"
	Retrying     State = "RETRYING"
	Succeeded    State = "SUCCEEDED"
	DeadLettered State = "DEAD_LETTERED"
)

// Collection is the collection of deliveries under a subscription.
const Collection = "deliveries"

// Reasons.
const (
	ReasonNotFound    = "DELIVERY_NOT_FOUND"
	ReasonInFlight    = "DELIVERY_IN_FLIGHT"
	ReasonWebhookDown = "WEBHOOK_FAILING"
)

// ErrNotFound is a delivery that does not exist.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the delivery does not exist")

// MaxAttemptsKept bounds the attempts a delivery keeps (the newest).
const MaxAttemptsKept = 100

// NoCouncil is the lane of events about no council.
const NoCouncil = "-"

// Attempt is one HTTP request.
type Attempt struct {
	Time       time.Time     `json:"time"`
	StatusCode int           `json:"status_code,omitempty"`
	Latency    time.Duration `json:"latency"`
	Error      string        `json:"error,omitempty"`
}

// Delivery is one event for one subscription.
type Delivery struct {
	Subscription string `json:"subscription"`
	EventID      string `json:"event_id"`
	EventType    string `json:"event_type"`
	// Council is the lane: a GSS code, or NoCouncil.
	Council string `json:"council"`
	State   State  `json:"state"`
	// Body is the CloudEvent, as sent.
	Body       []byte    `json:"body"`
	Attempts   []Attempt `json:"attempts,omitempty"`
	CreateTime time.Time `json:"create_time"`
	// Started is the first attempt of the current round (a redelivery
	// starts a new one); MaxAge counts from it.
	Started     time.Time `json:"started,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Published is when the event happened.
	Published time.Time `json:"published,omitzero"`
	// TraceParent is the event's W3C trace context, sent as traceparent.
	TraceParent string `json:"traceparent,omitempty"`
}

// Name is the delivery's resource name.
func (d Delivery) Name() string {
	return resource.Name(subscription.Collection, d.Subscription) + "/" + Collection + "/" + d.EventID
}

// Lane is one subscription's queue of one council's events.
type Lane struct {
	Subscription string
	Council      string
}

// Storer keeps deliveries and lanes.
type Storer interface {
	// Enqueue stores d (state Pending) and queues it at the end of its
	// lane, unless a delivery of that event to that subscription exists
	// already; it reports whether it was new. It also forgets some of the
	// subscription's finished deliveries queued before keepSince.
	Enqueue(ctx context.Context, d Delivery, now, keepSince time.Time) (bool, error)
	// Due returns up to limit lanes due at now.
	Due(ctx context.Context, now time.Time, limit int) ([]Lane, error)
	// Claim takes lane when it is due at now, holding it until leaseUntil,
	// and returns the event id at its head; ok is false when the lane is
	// not due (another worker has it) or empty.
	Claim(ctx context.Context, lane Lane, now, leaseUntil time.Time) (eventID string, ok bool, err error)
	// Get returns one delivery, or ErrNotFound.
	Get(ctx context.Context, sub, eventID string) (Delivery, error)
	// Finish stores d after an attempt. A delivery that succeeded or was
	// dead-lettered leaves its lane's head and the lane is due again at
	// now when more wait; a retrying one keeps the head and the lane is
	// due at d.NextAttempt. A dead-lettered one is also added to the dead
	// letters. It returns the subscription's failed attempts in a row: an
	// attempt that failed is counted, a success resets the count to 0.
	Finish(ctx context.Context, d Delivery, now time.Time) (failures int64, err error)
	// Skip drops eventID from the head of lane (its record is gone).
	Skip(ctx context.Context, lane Lane, eventID string, now time.Time) error
	// Park takes lane off the schedule until Resume.
	Park(ctx context.Context, lane Lane) error
	// Resume puts subscription sub's parked lanes back on the schedule.
	Resume(ctx context.Context, sub string, now time.Time) error
	// Forget drops every lane and delivery of subscription sub.
	Forget(ctx context.Context, sub string) error
	// Requeue stores d (state Pending) and queues it again.
	Requeue(ctx context.Context, d Delivery, now time.Time) error
	// List returns a page of sub's deliveries, newest first, and their
	// number.
	List(ctx context.Context, sub string, offset int64, size int32) ([]Delivery, int, error)
}

// Subscriptions is what the worker needs of the subscriptions.
type Subscriptions interface {
	Get(ctx context.Context, id string) (subscription.Subscription, error)
	Disable(ctx context.Context, id, reason string, r change.Request) error
}

// Backoff is the retry schedule: the n-th retry waits Initial×Factor^(n-1),
// at most Max, spread by ±Jitter (a fraction) so that retries of many
// subscriptions do not arrive together.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Factor  float64
	Jitter  float64
}

// DefaultBackoff waits 5s, 10s, 20s, ... up to 2 hours between attempts.
var DefaultBackoff = Backoff{Initial: 5 * time.Second, Max: 2 * time.Hour, Factor: 2, Jitter: 0.2}

// Delay is the wait before retry n (n >= 1); rnd in [0, 1) picks the
// jitter.
func (b Backoff) Delay(n int, rnd float64) time.Duration {
	d := float64(b.Initial)
	for i := 1; i < n && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	d = min(d, float64(b.Max))
	d *= 1 + b.Jitter*(2*rnd-1)
	return max(time.Duration(d), time.Millisecond)
}

// DefaultTimeout bounds one attempt when Options.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// Options tune the worker. Zero values select the defaults.
type Options struct {
	// Backoff is the retry schedule; default DefaultBackoff.
	Backoff Backoff
	// MaxAge is how long an event is retried before it is dead-lettered;
	// default 24 hours.
	MaxAge time.Duration
	// DisableAfter is how many failed attempts in a row disable a
	// subscription; default 50.
	DisableAfter int64
	// Lease is how long a worker holds a lane it is sending; a lane
	// whose worker died is sent again after it; default 2 minutes.
	Lease time.Duration
	// Poll is the pause between looks at the schedule when nothing is
	// due; default 250ms. Events queued in this process wake the worker
	// at once.
	Poll time.Duration
	// Concurrency bounds the lanes sent at once; default 16.
	Concurrency int
	// Timeout bounds one attempt; default DefaultTimeout.
	Timeout time.Duration
	// Retention is how long a finished delivery (succeeded or
	// dead-lettered) stays listed; default 7 days.
	Retention time.Duration
	Logger    *slog.Logger
	// MeterProvider holds the delivery metrics; default the global one.
	MeterProvider metric.MeterProvider
}

func (o Options) withDefaults() Options {
	if o.Backoff.Initial <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Backoff.Max < o.Backoff.Initial {
		o.Backoff.Max = o.Backoff.Initial
	}
	if o.Backoff.Factor < 1 {
		o.Backoff.Factor = 2
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 50
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Sender makes one attempt.
type Sender interface {
	Send(ctx context.Context, sub subscription.Subscription, d Delivery) Attempt
}

// Service queues and sends deliveries.
type Service struct {
	usecase.Core[Storer]
	subs    Subscriptions
	sender  Sender
	opts    Options
	wake    chan struct{}
	metrics metrics
}

// NewService returns the delivery use cases.
func NewService(st Storer, subs Subscriptions, sender Sender, now func() time.Time, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{Core: usecase.New(st, now), subs: subs, sender: sender, opts: opts, wake: make(chan struct{}, 1), metrics: newMetrics(opts.MeterProvider)}
}

// Event is what a delivery sends.
type Event struct {
	ID, Type string
	// Council is the GSS code of the council the event is about, or "".
	Council   string
	Published time.Time
	// TraceParent is the W3C trace context of the change that caused the
	// event; deliveries carry it so the receiver's trace joins it.
	TraceParent string
	// Body is the CloudEvent.
	Body []byte
}

// Enqueue queues an event for a subscription; a repeat of the same event
// for the same subscription changes nothing.
func (s *Service) Enqueue(ctx context.Context, sub string, ev Event) error {
	council := ev.Council
	if council == "" {
		council = NoCouncil
	}
	now := s.Now()
	d := Delivery{Subscription: sub, EventID: ev.ID, EventType: ev.Type, Council: council, State: Pending,
		Body: ev.Body, CreateTime: now, Published: ev.Published, NextAttempt: now, TraceParent: ev.TraceParent}
	added, err := s.Store.Enqueue(ctx, d, now, now.Add(-s.opts.Retention))
	if err != nil {
		return err
	}
	if added {
		s.nudge()
	}
	return nil
}

func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// List returns a page of a subscription's deliveries, newest first.
func (s *Service) List(ctx context.Context, sub string, offset int64, size int32) ([]Delivery, int, error) {
	return s.Store.List(ctx, sub, offset, size)
}

// Redeliver sends a delivered or dead-lettered event again, with the same
// webhook-id, after what its lane holds now. A delivery still pending or
// retrying is FAILED_PRECONDITION: it is on its way.
func (s *Service) Redeliver(ctx context.Context, sub, eventID string) (Delivery, error) {
	d, err := s.Store.Get(ctx, sub, eventID)
	if err != nil {
		return Delivery{}, err
	}
	if d.State != Succeeded && d.State != DeadLettered {
		return Delivery{}, fault.FailedPrecondition(ReasonInFlight,
			"the delivery is %s: it is already on its way; redeliver it once it has succeeded or been dead-lettered", d.State).
			With("name", d.Name())
	}
	now := s.Now()
	d.State, d.Started, d.NextAttempt = Pending, time.Time{}, now
	if err := s.Store.Requeue(ctx, d, now); err != nil {
		return Delivery{}, err
	}
	s.nudge()
	return d, nil
}

// Resume puts a re-enabled subscription's lanes back on the schedule.
func (s *Service) Resume(ctx context.Context, sub string) error {
	if err := s.Store.Resume(ctx, sub, s.Clock()); err != nil {
		return err
	}
	s.nudge()
	return nil
}

// Forget drops a deleted subscription's deliveries.
func (s *Service) Forget(ctx context.Context, sub string) error { return s.Store.Forget(ctx, sub) }

// Run sends due deliveries until ctx ends: up to Concurrency lanes at
// once, each lane's events one after another.
func (s *Service) Run(ctx context.Context) error {
	sem := make(chan struct{}, s.opts.Concurrency)
	var (
		mu       sync.Mutex
		inflight = map[Lane]bool{}
		wg       sync.WaitGroup
	)
	defer wg.Wait()
	for ctx.Err() == nil {
		lanes, err := s.Store.Due(ctx, s.Clock(), s.opts.Concurrency*4)
		if err != nil {
			if ctx.Err() == nil {
				s.opts.Logger.WarnContext(ctx, "partner: read the delivery schedule", "error", err)
			}
			s.sleep(ctx)
			continue
		}
		started := 0
		for _, l := range lanes {
			mu.Lock()
			busy := inflight[l]
			if !busy {
				inflight[l] = true
			}
			mu.Unlock()
			if busy {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			started++
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(inflight, l)
					mu.Unlock()
					<-sem
					s.nudge()
				}()
				if err := s.process(ctx, l); err != nil && ctx.Err() == nil {
					s.opts.Logger.WarnContext(ctx, "partner: deliver", "subscription", l.Subscription, "council", l.Council, "error", err)
				}
			})
		}
		if started == 0 {
			s.sleep(ctx)
		}
	}
	return nil
}

func (s *Service) sleep(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-time.After(s.opts.Poll):
	}
}

// process makes one attempt on the head of lane, if it is due.
func (s *Service) process(ctx context.Context, lane Lane) error {
	now := s.Now()
	head, ok, err := s.Store.Claim(ctx, lane, now, now.Add(s.opts.Lease))
	if err != nil || !ok {
		return err
	}
	sub, err := s.subs.Get(ctx, lane.Subscription)
	if errors.Is(err, subscription.ErrNotFound) {
		return s.Store.Forget(ctx, lane.Subscription)
	}
	if err != nil {
		return err
	}
	if sub.State != subscription.Active {
		return s.Store.Park(ctx, lane)
	}
	d, err := s.Store.Get(ctx, lane.Subscription, head)
	if errors.Is(err, ErrNotFound) {
		return s.Store.Skip(ctx, lane, head, now)
	}
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	at := s.sender.Send(actx, sub, d)
	cancel()
	if ctx.Err() != nil && at.StatusCode == 0 {
		return nil // cut short by shutdown: the lease lapses and the lane is sent again
	}
	// An attempt that got an answer is recorded even while shutting down.
	ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now = s.Now()
	if d.Started.IsZero() {
		d.Started = at.Time
	}
	d.Attempts = append(d.Attempts, at)
	if len(d.Attempts) > MaxAttemptsKept {
		d.Attempts = d.Attempts[len(d.Attempts)-MaxAttemptsKept:]
	}
	succeeded := at.Error == "" && at.StatusCode >= 200 && at.StatusCode < 300
	s.metrics.attempt(ctx, succeeded)
	if succeeded {
		d.State, d.NextAttempt = Succeeded, time.Time{}
		if !d.Published.IsZero() {
			s.metrics.delivered(ctx, now.Sub(d.Published))
		}
		_, err := s.Store.Finish(ctx, d, now)
		return err
	}
	if now.Sub(d.Started) >= s.opts.MaxAge {
		d.State, d.NextAttempt = DeadLettered, time.Time{}
		s.metrics.deadLettered(ctx)
	} else {
		d.State = Retrying
		d.NextAttempt = now.Add(s.opts.Backoff.Delay(len(d.Attempts), rand.Float64()))
	}
	failures, err := s.Store.Finish(ctx, d, now)
	if err != nil {
		return err
	}
	if failures >= s.opts.DisableAfter {
		reason := fmt.Sprintf("%d delivery attempts failed in a row; the last: %s", failures, at.Describe())
		s.opts.Logger.WarnContext(ctx, "partner: webhook subscription disabled", "subscription", lane.Subscription, "reason", reason)
		return s.subs.Disable(ctx, lane.Subscription, reason, change.System("/turnaround.partner.v1.PartnerEventsService/DisableWebhookSubscription", ""))
	}
	return nil
}

// Describe is the attempt's outcome in words: its error, or the HTTP
// status it got.
func (a Attempt) Describe() string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("HTTP %d", a.StatusCode)
}
