package partner_test

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/partner"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// env is one partner service on the test Redis, served with the real
// interceptor chain, running its hub, intake and delivery worker.
type env struct {
	t      *testing.T
	st     *store.Store
	client partnerv1.PartnerEventsServiceClient
}

// fast are options that make the tests quick: short blocks and backoff.
func fast(d *partner.Deps) {
	d.Consumer = events.ConsumerOptions{Block: 100 * time.Millisecond, MinIdle: 200 * time.Millisecond}
	d.Watch = partner.WatchOptions{Block: 100 * time.Millisecond}
	d.Delivery = partner.DeliveryOptions{
		Backoff: partner.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond, Factor: 2, Jitter: 0.2},
		Poll:    20 * time.Millisecond, Timeout: 5 * time.Second,
	}
}

func newEnv(t *testing.T, tune ...func(*partner.Deps)) *env {
	t.Helper()
	e, _ := startOn(t, rpctest.NewStore(t), tune...)
	return e
}

// startOn runs a partner service on st; stop ends its background work, as
// a process that stops does.
func startOn(t *testing.T, st *store.Store, tune ...func(*partner.Deps)) (e *env, stop func()) {
	t.Helper()
	d := partner.Deps{Base: rpctest.Base(t, st, nil)}
	fast(&d)
	for _, f := range tune {
		f(&d)
	}
	svc, err := partner.New(d)
	if err != nil {
		t.Fatal(err)
	}
	conn := rpctest.Serve(t, svc.Policies(), func(s *grpc.Server) { svc.Register(s) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return &env{t: t, st: st, client: partnerv1.NewPartnerEventsServiceClient(conn)}, stop
}

// publish puts an event on topic's stream, as the relay does, and returns
// its id.
func (e *env) publish(topic, subject string, payload proto.Message) string {
	e.t.Helper()
	return e.publishIn(context.Background(), topic, subject, payload)
}

// publishIn is publish with the trace context of ctx.
func (e *env) publishIn(ctx context.Context, topic, subject string, payload proto.Message) string {
	e.t.Helper()
	ev, err := events.NewEvent(ctx, topic, subject, payload)
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.st.Client().XAdd(context.Background(), &redis.XAddArgs{Stream: e.st.Keyspace().Topic(topic), Values: ev.Values()}).Err()
	if err != nil {
		e.t.Fatal(err)
	}
	return ev.ID
}

const leeds = "E08000035"

func judgement(gss, id string) (string, string, proto.Message) {
	ins := "localAuthorities/" + gss + "/inspections/" + id
	return "inspection", ins, &eventsv1.JudgementPublished{
		Inspection: ins, LocalAuthority: "localAuthorities/" + gss, Framework: "SIF",
		OverallGrade: typev1.Grade_GRADE_INADEQUATE, PublishDate: &typev1.Date{Year: 2016, Month: 1, Day: 12},
	}
}

func peerReview(gss, id string) (string, string, proto.Message) {
	rv := "localAuthorities/" + gss + "/peerReviews/" + id
	return "peerreview", rv, &eventsv1.PeerReviewCompleted{PeerReview: rv, LocalAuthority: "localAuthorities/" + gss,
		Kind: "FULL", Risk: "HIGH", SevereThemes: []string{"VOICE_OF_THE_CHILD"}}
}

func recommendation(gss, id string) (string, string, proto.Message) {
	r := "localAuthorities/" + gss + "/emergencyInspectionRecommendations/" + id
	return "inspection", r, &eventsv1.EmergencyInspectionRecommended{Recommendation: r, LocalAuthority: "localAuthorities/" + gss, Rule: "R1"}
}

func intervention(gss, id string) (string, string, proto.Message) {
	iv := "localAuthorities/" + gss + "/interventions/" + id
	return "improvementplan", iv, &eventsv1.InterventionOrdered{Intervention: iv, LocalAuthority: "localAuthorities/" + gss, Kind: "DIRECTION"}
}

// receiver is a webhook endpoint on loopback over TLS that records what
// it receives and answers with the status its script gives.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []received
	// status answers the n-th request (0-based) with body; nil answers 204.
	status func(n int, body []byte) int
	ch     chan received
}

type received struct {
	Header http.Header
	Body   []byte
	Status int
}

func newReceiver(t *testing.T, status func(n int, body []byte) int) *receiver {
	r := &receiver{status: status, ch: make(chan received, 1000)}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.got)
		code := http.StatusNoContent
		if r.status != nil {
			code = r.status(n, body)
		}
		rec := received{Header: req.Header.Clone(), Body: body, Status: code}
		r.got = append(r.got, rec)
		r.mu.Unlock()
		w.WriteHeader(code)
		r.ch <- rec
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// trust lets the service reach r: loopback allowed, r's certificate trusted.
func (r *receiver) trust(d *partner.Deps) {
	d.AllowHosts = []string{"127.0.0.1"}
	pool := x509.NewCertPool()
	pool.AddCert(r.srv.Certificate())
	d.RootCAs = pool
}

// next waits for the next request.
func (r *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case rec := <-r.ch:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got nothing within 10s")
	}
	return received{}
}

// quiet checks that nothing arrives within d.
func (r *receiver) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case rec := <-r.ch:
		t.Fatalf("the receiver got %s (webhook-id %s), want nothing", rec.Body, rec.Header.Get("webhook-id"))
	case <-time.After(d):
	}
}
