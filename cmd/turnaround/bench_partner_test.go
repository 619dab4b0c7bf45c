package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// benchPartnerWindow bounds the events published and not yet delivered to
// every subscriber: the publisher is closed-loop, so the rate measured is
// what delivery sustains, and a watcher never falls a buffer behind.
const benchPartnerWindow = 200

// TestBenchPartner runs only the partner-events scenarios:
// TURNAROUND_BENCH=1 go test -run '^TestBenchPartner$' -v ./cmd/turnaround/
// (make bench runs them inside TestBench).
func TestBenchPartner(t *testing.T) {
	if os.Getenv("TURNAROUND_BENCH") != "1" {
		t.Skip("benchmark: set TURNAROUND_BENCH=1 to run it")
	}
	d := benchDefaultDuration
	if v := os.Getenv("TURNAROUND_BENCH_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("TURNAROUND_BENCH_DURATION=%q: want a positive duration", v)
		}
	}
	b := &bench{t: t, ctx: t.Context(), duration: d, dir: t.TempDir(), redisURL: redisURLForBench()}
	var err error
	if b.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	b.runPartner()
	var sb strings.Builder
	sb.WriteString("| scenario | transport | server | events/s | p50 | p99 | errors | note |\n|---|---|---|---:|---:|---:|---:|---|\n")
	for _, r := range b.rows {
		fmt.Fprintf(&sb, "| %s | %s | %s | %.0f | %s | %s | %d | %s |\n", r.scenario, r.transport, r.server,
			r.result.rps, benchMillis(r.result.p50), benchMillis(r.result.p99), r.result.errors, r.ratio)
	}
	fmt.Fprint(os.Stdout, "\n"+sb.String())
}

func redisURLForBench() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// partnerBench is the partner-events instance the scenarios measure.
type partnerBench struct {
	b      *bench
	rdb    redis.UniversalClient
	ks     keyspace.Keyspace
	conn   *grpc.ClientConn
	http   string
	token  func(sub string) string
	seq    atomic.Int64
	recv   *httptest.Server
	onHook func(body []byte)
	hookMu sync.Mutex
}

// runPartner measures the partner events: events per second delivered to
// one WatchEvents subscriber and to 100, and webhook deliveries per second
// to a TLS receiver on loopback, each with the latency from the event's
// publication (its time, stamped as it is put on the topic stream) to its
// arrival. The binary under test runs a second time, in production mode on
// the same Redis under a key prefix of its own, with the receiver allowed
// and trusted; events are put on the inspection topic stream as the relay
// puts them, so the scenarios measure the partner service's path alone.
func (b *bench) runPartner() {
	pb := b.startPartner()
	// Webhooks first, on an empty stream, so that the intake's consumer
	// group has no other events to read; the subscription is deleted
	// before the stream scenarios.
	hooks := pb.webhookScenario()
	b.rows = append(b.rows, pb.watchScenario(1), pb.watchScenario(100), hooks)
}

func (b *bench) startPartner() *partnerBench {
	t := b.t
	bin := filepath.Join(b.dir, "turnaround")
	if _, err := os.Stat(bin); err != nil {
		bin = b.buildBenchBinary()
	}
	jwks := filepath.Join(b.dir, "partner-jwks.json")
	writeJWKS(t, jwks, "bench", &b.key.PublicKey)

	pb := &partnerBench{b: b}
	pb.recv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		pb.hookMu.Lock()
		f := pb.onHook
		pb.hookMu.Unlock()
		if f != nil {
			f(body)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(pb.recv.Close)
	ca := filepath.Join(b.dir, "partner-receiver.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pb.recv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	prefix := "bench-partner:" + hex.EncodeToString(suffix) + ":"
	rdb, err := store.Open(b.ctx, b.redisURL)
	if err != nil {
		t.Fatalf("open %s: %v", b.redisURL, err)
	}
	pb.rdb, pb.ks = rdb, keyspace.Keyspace{Prefix: prefix}
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var cursor uint64
		for {
			keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
			if err != nil {
				t.Errorf("purge %s: %v", prefix, err)
				return
			}
			if len(keys) > 0 {
				rdb.Del(ctx, keys...)
			}
			if cursor = next; cursor == 0 {
				return
			}
		}
	})

	grpcAddr, httpAddr := benchFreeAddr(t), benchFreeAddr(t)
	cmd := exec.Command(bin, "-grpc-addr="+grpcAddr, "-http-addr="+httpAddr, "-admin-addr="+benchFreeAddr(t),
		"-jwks-file="+jwks, "-key-prefix="+prefix, "-demo=false", "-log-level=warn",
		"-webhook-allow-hosts=127.0.0.1", "-webhook-ca-file="+ca, "-watch-max-streams=100")
	cmd.Env = append(benchEnviron(), "REDIS_URL="+b.redisURL)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("partner instance log:\n%s", logs.String())
		}
	})
	pb.http = "http://" + httpAddr
	pb.token = func(sub string) string {
		return signRS256(t, b.key, "bench", jwt.MapClaims{
			"sub": sub, "roles": []string{"partner_system"},
			"iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Hour).Unix(),
		})
	}
	cc, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	pb.conn = cc
	client := partnerv1.NewPartnerEventsServiceClient(cc)
	ctx := pb.as("bench-partner-probe")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, err := client.ListWebhookSubscriptions(ctx, &partnerv1.ListWebhookSubscriptionsRequest{}, grpc.WaitForReady(true))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the partner instance is not ready: %v\n%s", err, logs.String())
		}
	}
	return pb
}

func (pb *partnerBench) as(sub string) context.Context {
	return metadata.AppendToOutgoingContext(pb.b.ctx, "authorization", "Bearer "+pb.token(sub))
}

// publish puts one JudgementPublished per council of gss on the
// inspection topic stream in one pipeline, each stamped as it is built.
// They are historical judgements, which the other services record without
// opening plans, offers or needs, so the suite's own reactions do not
// compete with the partner service for the CPU.
func (pb *partnerBench) publish(gss ...string) {
	_, err := pb.rdb.Pipelined(pb.b.ctx, func(p redis.Pipeliner) error {
		for _, g := range gss {
			n := pb.seq.Add(1)
			ins := fmt.Sprintf("localAuthorities/%s/inspections/bench-%d", g, n)
			ev, err := events.NewEvent(context.Background(), "inspection", ins, &eventsv1.JudgementPublished{
				Inspection: ins, LocalAuthority: "localAuthorities/" + g, Framework: "SIF",
				OverallGrade: typev1.Grade_GRADE_INADEQUATE, PublishDate: &typev1.Date{Year: 2016, Month: 1, Day: 4}, Historical: true,
			})
			if err != nil {
				return err
			}
			p.XAdd(pb.b.ctx, &redis.XAddArgs{Stream: pb.ks.Topic("inspection"), Values: ev.Values()})
		}
		return nil
	})
	if err != nil {
		pb.b.t.Fatal(err)
	}
}

// latencies collects publish-to-delivery times.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) result(delivered int64, elapsed time.Duration, errs int) benchResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Sort(l.d)
	r := benchResult{rps: float64(delivered) / elapsed.Seconds(), errors: errs, calls: int(delivered)}
	if n := len(l.d); n > 0 {
		r.p50, r.p99 = l.d[n/2], l.d[min(n-1, n*99/100)]
	}
	return r
}

// closedLoop publishes for the benchmark's duration, in pipelines of up
// to 50 events, keeping at most benchPartnerWindow events ahead of
// delivered() (which counts perEvent deliveries of each), then waits for
// the rest. It returns the events published and the time until the last
// delivery.
func (pb *partnerBench) closedLoop(delivered func() int64, perEvent int64, councils []string) (int64, time.Duration) {
	start := time.Now()
	var published int64
	next := 0
	for time.Since(start) < pb.b.duration {
		room := benchPartnerWindow - (published*perEvent-delivered()+perEvent-1)/perEvent
		if room <= 0 {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		batch := make([]string, min(room, 50))
		for i := range batch {
			batch[i] = councils[next%len(councils)]
			next++
		}
		pb.publish(batch...)
		published += int64(len(batch))
	}
	for deadline := time.Now().Add(time.Minute); delivered() < published*perEvent && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return published, time.Since(start)
}

// watchScenario measures n WatchEvents subscribers (five per partner
// system, the default limit per caller).
func (pb *partnerBench) watchScenario(n int) benchRow {
	t := pb.b.t
	client := partnerv1.NewPartnerEventsServiceClient(pb.conn)
	ctx, cancel := context.WithCancel(pb.b.ctx)
	defer cancel()
	var delivered atomic.Int64
	var errs atomic.Int64
	lat := &latencies{}
	var wg sync.WaitGroup
	for i := range n {
		sctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+pb.token(fmt.Sprintf("bench-partner-%d", i/5)))
		stream, err := client.WatchEvents(sctx, &partnerv1.WatchEventsRequest{EventTypes: []string{"JudgementPublished"}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for {
				m, err := stream.Recv()
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						t.Logf("watcher: %v", err)
					}
					return
				}
				lat.add(time.Since(m.GetEvent().GetTime().AsTime()))
				delivered.Add(1)
			}
		})
	}
	time.Sleep(2 * time.Second) // every stream reaches its live phase
	published, elapsed := pb.closedLoop(delivered.Load, int64(n), []string{benchCouncil})
	cancel()
	wg.Wait()
	res := lat.result(delivered.Load(), elapsed, int(errs.Load()))
	if missing := published*int64(n) - delivered.Load(); missing != 0 {
		res.notes = append(res.notes, fmt.Sprintf("%d of %d deliveries missing at the end", missing, published*int64(n)))
	}
	name := "WatchEvents, 1 subscriber (events/s delivered)"
	if n > 1 {
		name = fmt.Sprintf("WatchEvents, %d subscribers (events/s delivered, all subscribers)", n)
	}
	t.Logf("%s: %d events published, %d delivered in %s", name, published, delivered.Load(), elapsed.Round(time.Millisecond))
	return benchRow{scenario: name, transport: "gRPC stream", server: "turnaround", result: &res,
		ratio: "no baseline; p50/p99 from publication to receipt"}
}

// webhookScenario measures deliveries to one subscription whose endpoint
// is the TLS receiver, the events spread over every council (each council
// is delivered in order, the councils side by side).
func (pb *partnerBench) webhookScenario() benchRow {
	t := pb.b.t
	client := partnerv1.NewPartnerEventsServiceClient(pb.conn)
	sub, err := client.CreateWebhookSubscription(pb.as("bench-partner-hooks"), &partnerv1.CreateWebhookSubscriptionRequest{
		WebhookSubscription: &partnerv1.WebhookSubscription{Url: pb.recv.URL + "/hooks", EventTypes: []string{"JudgementPublished"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var delivered atomic.Int64
	lat := &latencies{}
	seen := sync.Map{}
	var dup atomic.Int64
	pb.hookMu.Lock()
	pb.onHook = func(body []byte) {
		var ce struct {
			ID   string    `json:"id"`
			Time time.Time `json:"time"`
		}
		if json.Unmarshal(body, &ce) != nil {
			return
		}
		if _, again := seen.LoadOrStore(ce.ID, true); again {
			dup.Add(1)
			return
		}
		lat.add(time.Since(ce.Time))
		delivered.Add(1)
	}
	pb.hookMu.Unlock()
	var councils []string
	for _, c := range reference.Councils() {
		councils = append(councils, c.GSSCode)
	}
	published, elapsed := pb.closedLoop(delivered.Load, 1, councils)
	res := lat.result(delivered.Load(), elapsed, 0)
	if missing := published - delivered.Load(); missing != 0 {
		res.notes = append(res.notes, fmt.Sprintf("%d of %d deliveries missing at the end", missing, published))
	}
	if d := dup.Load(); d > 0 {
		res.notes = append(res.notes, fmt.Sprintf("%d deliveries repeated (at least once)", d))
	}
	t.Logf("webhooks: %d events published, %d delivered in %s", published, delivered.Load(), elapsed.Round(time.Millisecond))
	if _, err := client.DeleteWebhookSubscription(pb.as("bench-partner-hooks"), &partnerv1.DeleteWebhookSubscriptionRequest{Name: sub.GetName()}); err != nil {
		t.Fatal(err)
	}
	return benchRow{scenario: "Webhook deliveries to a local TLS receiver (deliveries/s, 152 councils)", transport: "HTTPS webhook",
		server: "turnaround", result: &res, ratio: "no baseline; p50/p99 from publication to receipt"}
}
