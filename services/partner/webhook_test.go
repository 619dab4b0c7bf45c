package partner_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func (e *env) subscribe(p auth.Principal, url string, types []string, councils ...string) *partnerv1.WebhookSubscription {
	e.t.Helper()
	s, err := e.client.CreateWebhookSubscription(rpctest.As(e.t, p), &partnerv1.CreateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Url: url, EventTypes: types, LocalAuthorities: councils},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// cloudEvent is what a receiver reads.
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject"`
	Time            string          `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
}

func decodeCE(t *testing.T, rec received) cloudEvent {
	t.Helper()
	var ce cloudEvent
	if err := json.Unmarshal(rec.Body, &ce); err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	return ce
}

func TestPublishedJudgementReachesAWebhookSignedAsCloudEvent(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust)
	sub := e.subscribe(rpctest.Partner, r.srv.URL+"/hooks", []string{"JudgementPublished", "InterventionOrdered"})
	if !strings.HasPrefix(sub.GetSigningSecret(), "whsec_") || sub.GetState() != partnerv1.WebhookSubscription_STATE_ACTIVE ||
		sub.GetOwner() != rpctest.Partner.Subject || sub.GetEventTypes()[0] != "turnaround.events.v1.JudgementPublished" {
		t.Fatalf("created %v", sub)
	}
	// The secret is shown once.
	got, err := e.client.GetWebhookSubscription(rpctest.As(t, rpctest.Partner), &partnerv1.GetWebhookSubscriptionRequest{Name: sub.GetName()})
	if err != nil || got.GetSigningSecret() != "" {
		t.Fatalf("Get: %v, %v: the secret is shown again", got, err)
	}
	topic, subject, payload := judgement(leeds, "ins-9")
	id := e.publish(topic, subject, payload)
	rec := r.next(t)
	if ct := rec.Header.Get("Content-Type"); ct != "application/cloudevents+json" {
		t.Fatalf("content type %q", ct)
	}
	if rec.Header.Get("webhook-id") != id {
		t.Fatalf("webhook-id %q, want the event id %q", rec.Header.Get("webhook-id"), id)
	}
	ce := decodeCE(t, rec)
	if ce.SpecVersion != "1.0" || ce.ID != id || ce.Type != "turnaround.events.v1.JudgementPublished" || ce.Source != "/turnaround/inspection" ||
		ce.Subject != subject || ce.Time == "" || ce.DataContentType != "application/json" || !strings.Contains(string(ce.Data), `"overallGrade":"GRADE_INADEQUATE"`) {
		t.Fatalf("cloud event %+v data %s", ce, ce.Data)
	}
	// The documented check accepts it, and refuses a tampered body, a
	// wrong secret and a stale timestamp.
	secret := sub.GetSigningSecret()
	if err := partner.VerifyWebhook(secret, rec.Header, rec.Body, time.Now(), 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
	tampered := []byte(strings.Replace(string(rec.Body), "GRADE_INADEQUATE", "GRADE_GOOD", 1))
	if err := partner.VerifyWebhook(secret, rec.Header, tampered, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("a tampered body verified")
	}
	other := "whsec_" + strings.Repeat("A", 43) + "="
	if err := partner.VerifyWebhook(other, rec.Header, rec.Body, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("another secret verified")
	}
	if err := partner.VerifyWebhook(secret, rec.Header, rec.Body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Fatal("a stale timestamp verified")
	}
	// A type not subscribed to is not sent.
	e.publish(recommendation(leeds, "r1"))
	r.quiet(t, 300*time.Millisecond)
}

func TestAReceiverFailingThreeTimesGetsTheEventOnTheFourthAttempt(t *testing.T) {
	r := newReceiver(t, func(n int, _ []byte) int {
		if n < 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	e := newEnv(t, r.trust)
	sub := e.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	id := e.publish(judgement(leeds, "ins-r"))
	var ids []string
	for range 4 {
		rec := r.next(t)
		ids = append(ids, rec.Header.Get("webhook-id"))
		if err := partner.VerifyWebhook(sub.GetSigningSecret(), rec.Header, rec.Body, time.Now(), 5*time.Minute); err != nil {
			t.Fatalf("attempt %d: %v", len(ids), err)
		}
	}
	for i, got := range ids {
		if got != id {
			t.Fatalf("attempt %d has webhook-id %q, want %q on every attempt", i+1, got, id)
		}
	}
	r.quiet(t, 300*time.Millisecond)
	d := waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
	if len(d.GetAttempts()) != 4 || d.GetEventId() != id || d.GetName() != sub.GetName()+"/deliveries/"+id {
		t.Fatalf("delivery %v", d)
	}
	for i, a := range d.GetAttempts() {
		want := int32(500)
		if i == 3 {
			want = 200
		}
		if a.GetStatusCode() != want || a.GetLatency() == nil || a.GetAttemptTime() == nil {
			t.Fatalf("attempt %d: %v, want status %d with latency and time", i+1, a, want)
		}
	}
	// Replaying it sends it again with the same webhook-id.
	if _, err := e.client.RedeliverEvent(rpctest.As(t, rpctest.Partner), &partnerv1.RedeliverEventRequest{Name: d.GetName()}); err != nil {
		t.Fatal(err)
	}
	if rec := r.next(t); rec.Header.Get("webhook-id") != id {
		t.Fatalf("redelivered with webhook-id %q", rec.Header.Get("webhook-id"))
	}
}

// waitDelivery waits until the subscription's newest delivery is in state.
func waitDelivery(t *testing.T, e *env, p auth.Principal, sub string, state partnerv1.Delivery_State) *partnerv1.Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := e.client.ListDeliveries(rpctest.As(t, p), &partnerv1.ListDeliveriesRequest{Parent: sub})
		if err != nil {
			t.Fatal(err)
		}
		if ds := resp.GetDeliveries(); len(ds) > 0 && ds[0].GetState() == state {
			return ds[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %v, want the newest %v", resp.GetDeliveries(), state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhooksAreOrderedPerCouncilAndDeadLetteredAfterTheMaximumAge(t *testing.T) {
	// Every attempt of the event about inspection "first" fails.
	r := newReceiver(t, func(_ int, body []byte) int {
		if strings.Contains(string(body), "/inspections/first") {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	e := newEnv(t, r.trust, func(d *partner.Deps) { d.Delivery.MaxAge = 300 * time.Millisecond })
	sub := e.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	first := e.publish(judgement(leeds, "first"))
	if rec := r.next(t); rec.Header.Get("webhook-id") != first {
		t.Fatalf("first attempt carries %q", rec.Header.Get("webhook-id"))
	}
	second := e.publish(judgement(leeds, "second"))
	elsewhere := e.publish(judgement("E09000001", "elsewhere"))
	// Another council's event does not wait; Leeds's second waits until
	// the first is dead-lettered, after its maximum age.
	var order []string
	firstAttempts := 1
	for !slices.Contains(order, second) {
		id := r.next(t).Header.Get("webhook-id")
		if id == first {
			firstAttempts++
			continue
		}
		order = append(order, id)
	}
	if !slices.Equal(order, []string{elsewhere, second}) {
		t.Fatalf("got %v, want the City of London's event, then Leeds's second", order)
	}
	if firstAttempts < 2 {
		t.Fatalf("the first event was attempted %d times before it was given up", firstAttempts)
	}
	d, err := e.client.ListDeliveries(rpctest.As(t, rpctest.Partner), &partnerv1.ListDeliveriesRequest{Parent: sub.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]partnerv1.Delivery_State{}
	for _, x := range d.GetDeliveries() {
		states[x.GetEventId()] = x.GetState()
	}
	if states[first] != partnerv1.Delivery_STATE_DEAD_LETTERED {
		t.Fatalf("the first delivery is %v, want dead-lettered", states[first])
	}
	// A dead-lettered event can be replayed.
	if _, err := e.client.RedeliverEvent(rpctest.As(t, rpctest.Partner), &partnerv1.RedeliverEventRequest{Name: sub.GetName() + "/deliveries/" + first}); err != nil {
		t.Fatal(err)
	}
	if id := r.next(t).Header.Get("webhook-id"); id != first {
		t.Fatalf("redelivery carries %q", id)
	}
}

func TestARepeatedlyFailingSubscriptionIsDisabledAndCanBeReEnabled(t *testing.T) {
	failing := true
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust, func(d *partner.Deps) { d.Delivery.DisableAfter = 3 })
	r.mu.Lock()
	r.status = func(int, []byte) int {
		if failing {
			return http.StatusBadGateway
		}
		return http.StatusOK
	}
	r.mu.Unlock()
	sub := e.subscribe(rpctest.Partner, r.srv.URL, []string{"InterventionOrdered"})
	id := e.publish(intervention(leeds, "iv-d"))
	for range 3 {
		r.next(t)
	}
	deadline := time.Now().Add(5 * time.Second)
	var got *partnerv1.WebhookSubscription
	for {
		var err error
		got, err = e.client.GetWebhookSubscription(rpctest.As(t, rpctest.Partner), &partnerv1.GetWebhookSubscriptionRequest{Name: sub.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetState() == partnerv1.WebhookSubscription_STATE_DISABLED || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.GetState() != partnerv1.WebhookSubscription_STATE_DISABLED || !strings.Contains(got.GetDisabledReason(), "HTTP 502") {
		t.Fatalf("subscription %v, want disabled with the reason", got)
	}
	r.quiet(t, 300*time.Millisecond)
	r.mu.Lock()
	failing = false
	r.mu.Unlock()
	if _, err := e.client.EnableWebhookSubscription(rpctest.As(t, rpctest.Partner), &partnerv1.EnableWebhookSubscriptionRequest{Name: sub.GetName()}); err != nil {
		t.Fatal(err)
	}
	if rec := r.next(t); rec.Header.Get("webhook-id") != id {
		t.Fatalf("after enabling got %q", rec.Header.Get("webhook-id"))
	}
	waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
}

func TestAPartnerWebhookNeverCarriesConfidentialEvents(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust)
	e.subscribe(rpctest.Partner, r.srv.URL, []string{"PeerReviewCompleted", "EmergencyInspectionRecommended", "InterventionOrdered"})
	e.publish(peerReview(leeds, "pr"))
	e.publish(recommendation(leeds, "rec"))
	id := e.publish(intervention(leeds, "iv"))
	if rec := r.next(t); rec.Header.Get("webhook-id") != id {
		t.Fatalf("the partner's endpoint got %s", rec.Body)
	}
	r.quiet(t, 300*time.Millisecond)
}

func TestPrivateAddressesAreRefusedAtCreate(t *testing.T) {
	e := newEnv(t) // no allow-list
	for _, url := range []string{
		"http://partner.example/hooks",
		"https://127.0.0.1/hooks",
		"https://localhost:8443/hooks",
		"https://10.1.2.3/hooks",
		"https://192.168.0.10/hooks",
		"https://100.64.0.1/hooks",
		"https://169.254.169.254/latest/meta-data",
		"https://[fd00:ec2::254]/hooks",
		"https://[::1]/hooks",
		"https://224.0.0.1/hooks",
		"https://0.0.0.0/hooks",
		"https://user:pw@partner.example/hooks",
	} {
		_, err := e.client.CreateWebhookSubscription(rpctest.As(t, rpctest.Partner), &partnerv1.CreateWebhookSubscriptionRequest{
			WebhookSubscription: &partnerv1.WebhookSubscription{Url: url, EventTypes: []string{"JudgementPublished"}},
		})
		rpctest.ExpectError(t, url, err, codes.InvalidArgument, "", "webhook_subscription.url")
	}
}

func TestSubscriptionsBelongToTheirPartner(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust)
	mine := e.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	other := auth.Principal{Subject: "partner-2", Roles: []auth.Role{auth.RolePartnerSystem}}
	theirs := e.subscribe(other, r.srv.URL, []string{"InterventionOrdered"})
	ctx := rpctest.As(t, rpctest.Partner)
	_, err := e.client.GetWebhookSubscription(ctx, &partnerv1.GetWebhookSubscriptionRequest{Name: theirs.GetName()})
	rpctest.ExpectError(t, "another partner's subscription", err, codes.PermissionDenied, "PERMISSION_DENIED_BY_MATRIX")
	_, err = e.client.ListDeliveries(ctx, &partnerv1.ListDeliveriesRequest{Parent: theirs.GetName()})
	rpctest.ExpectError(t, "another partner's deliveries", err, codes.PermissionDenied, "PERMISSION_DENIED_BY_MATRIX")
	_, err = e.client.DeleteWebhookSubscription(ctx, &partnerv1.DeleteWebhookSubscriptionRequest{Name: theirs.GetName()})
	rpctest.ExpectError(t, "delete another partner's subscription", err, codes.PermissionDenied, "PERMISSION_DENIED_BY_MATRIX")
	list, err := e.client.ListWebhookSubscriptions(ctx, &partnerv1.ListWebhookSubscriptionsRequest{})
	if err != nil || len(list.GetWebhookSubscriptions()) != 1 || list.GetWebhookSubscriptions()[0].GetName() != mine.GetName() {
		t.Fatalf("the partner's list %v (%v), want only its own", list, err)
	}
	all, err := e.client.ListWebhookSubscriptions(rpctest.As(t, rpctest.Official), &partnerv1.ListWebhookSubscriptionsRequest{})
	if err != nil || all.GetTotalSize() != 2 {
		t.Fatalf("DfE's list %v (%v), want both", all, err)
	}
	_, err = e.client.ListWebhookSubscriptions(rpctest.As(t, rpctest.Adviser), &partnerv1.ListWebhookSubscriptionsRequest{})
	rpctest.ExpectError(t, "the LGA", err, codes.PermissionDenied, "")

	// Update with a mask and the etag; a stale etag is ABORTED.
	upd, err := e.client.UpdateWebhookSubscription(ctx, &partnerv1.UpdateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Name: mine.GetName(), Etag: mine.GetEtag(), Description: "case system", LocalAuthorities: []string{"localAuthorities/" + leeds}},
		UpdateMask:          &fieldmaskpb.FieldMask{Paths: []string{"description", "local_authorities"}},
	})
	if err != nil || upd.GetDescription() != "case system" || len(upd.GetLocalAuthorities()) != 1 || upd.GetEtag() == mine.GetEtag() || upd.GetSigningSecret() != "" {
		t.Fatalf("update %v (%v)", upd, err)
	}
	_, err = e.client.UpdateWebhookSubscription(ctx, &partnerv1.UpdateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Name: mine.GetName(), Etag: mine.GetEtag(), Description: "again"},
		UpdateMask:          &fieldmaskpb.FieldMask{Paths: []string{"description"}},
	})
	rpctest.ExpectError(t, "stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = e.client.UpdateWebhookSubscription(ctx, &partnerv1.UpdateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Name: mine.GetName(), Etag: upd.GetEtag(), Url: "https://169.254.169.254/"},
		UpdateMask:          &fieldmaskpb.FieldMask{Paths: []string{"url"}},
	})
	rpctest.ExpectError(t, "update to a metadata address", err, codes.InvalidArgument, "", "webhook_subscription.url")
	_, err = e.client.CreateWebhookSubscription(ctx, &partnerv1.CreateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Url: r.srv.URL, EventTypes: []string{"Gossip"}, LocalAuthorities: []string{"Leeds"}},
	})
	rpctest.ExpectError(t, "bad create", err, codes.InvalidArgument, "", "webhook_subscription.event_types[0]", "webhook_subscription.local_authorities[0]")
	if _, err := e.client.DeleteWebhookSubscription(ctx, &partnerv1.DeleteWebhookSubscriptionRequest{Name: mine.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetWebhookSubscription(ctx, &partnerv1.GetWebhookSubscriptionRequest{Name: mine.GetName()})
	rpctest.ExpectError(t, "deleted", err, codes.NotFound, "WEBHOOK_SUBSCRIPTION_NOT_FOUND")
}

func TestPendingDeliveriesSurviveARestart(t *testing.T) {
	var up bool
	r := newReceiver(t, nil)
	r.status = func(int, []byte) int {
		if up {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	}
	st := rpctest.NewStore(t)
	// Retries wait a second, and a lane a stopped worker held is free again
	// a second after it claimed it.
	slow := func(d *partner.Deps) {
		d.Delivery.Backoff.Initial, d.Delivery.Backoff.Max, d.Delivery.Lease = time.Second, time.Second, time.Second
	}
	first, stop := startOn(t, st, r.trust, slow)
	sub := first.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	id := first.publish(judgement(leeds, "restart"))
	if rec := r.next(t); rec.Header.Get("webhook-id") != id {
		t.Fatalf("first attempt %q", rec.Header.Get("webhook-id"))
	}
	// The process stops, mid-attempt or with the delivery due again in a
	// second; the next one finds it in Redis and sends it.
	stop()
	r.mu.Lock()
	up = true
	r.mu.Unlock()
	second, _ := startOn(t, st, r.trust)
	if rec := r.next(t); rec.Header.Get("webhook-id") != id || rec.Status != http.StatusOK {
		t.Fatalf("after the restart got %q (%d)", rec.Header.Get("webhook-id"), rec.Status)
	}
	d := waitDelivery(t, second, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
	// The attempt the stop cut short may or may not have been recorded;
	// the last one is the success.
	if n := len(d.GetAttempts()); n == 0 || n > 2 || d.GetAttempts()[n-1].GetStatusCode() != http.StatusOK {
		t.Fatalf("attempts %v, want at most the failure before the restart, then the success after", d.GetAttempts())
	}
}

func TestFinishedDeliveriesAreForgottenAfterTheRetention(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust, func(d *partner.Deps) { d.Delivery.Retention = 300 * time.Millisecond })
	sub := e.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	old := e.publish(judgement(leeds, "old"))
	r.next(t)
	waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
	time.Sleep(400 * time.Millisecond)
	recent := e.publish(judgement(leeds, "recent"))
	r.next(t)
	waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
	resp, err := e.client.ListDeliveries(rpctest.As(t, rpctest.Partner), &partnerv1.ListDeliveriesRequest{Parent: sub.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetDeliveries()) != 1 || resp.GetDeliveries()[0].GetEventId() != recent || resp.GetTotalSize() != 1 {
		t.Fatalf("deliveries %v, want only %s (%s is past the retention)", resp.GetDeliveries(), recent, old)
	}
}

// publicResolver says every name is a public address, as a name an
// attacker controls may say when the URL is registered.
type publicResolver struct{}

func (publicResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

func TestAPrivateAddressIsRefusedAtDeliveryToo(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, func(d *partner.Deps) {
		r.trust(d)
		d.AllowHosts = nil // loopback is not allowed here
		d.Resolver = publicResolver{}
	})
	// The name passes when it is registered, but resolves to loopback
	// when the delivery dials it.
	url := "https://localhost" + r.srv.URL[strings.LastIndex(r.srv.URL, ":"):] + "/hooks"
	sub := e.subscribe(rpctest.Partner, url, []string{"JudgementPublished"})
	e.publish(judgement(leeds, "rebind"))
	d := waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_RETRYING)
	a := d.GetAttempts()[0]
	if a.GetStatusCode() != 0 || !strings.Contains(a.GetError(), "non-public address") {
		t.Fatalf("attempt %v, want refused before connecting", a)
	}
	r.quiet(t, 200*time.Millisecond)
}

func TestADeliveryCarriesTheTraceOfTheChangeBehindIt(t *testing.T) {
	r := newReceiver(t, nil)
	e := newEnv(t, r.trust)
	e.subscribe(rpctest.Partner, r.srv.URL, []string{"InterventionOrdered"})
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}, TraceFlags: trace.FlagsSampled,
	})
	topic, subject, payload := intervention(leeds, "traced")
	e.publishIn(trace.ContextWithSpanContext(context.Background(), sc), topic, subject, payload)
	rec := r.next(t)
	if got, want := rec.Header.Get("traceparent"), "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01"; got != want {
		t.Fatalf("traceparent %q, want %q", got, want)
	}
}
