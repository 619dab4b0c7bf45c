package rpctest

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Quiet is a logger that writes nothing, for services and consumers whose
// logs a test does not read.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Run runs run in the background until the test ends, then cancels its
// context and fails the test if run stopped with an error; what names it
// in that failure.
func Run(t testing.TB, what string, run func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s stopped with %v", what, err)
		}
	})
}

// Eventually polls probe until it reports done, failing the test at once
// when within has passed first: the failure names what the test waited for
// and what probe saw last.
func Eventually(t testing.TB, what string, within time.Duration, probe func() (done bool, seen string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		done, seen := probe()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last seen %s", what, within, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Clock is a clock a test sets by hand, safe to read from every goroutine
// of the test. The zero Clock reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads at until it is set or advanced.
func NewClock(at time.Time) *Clock { return &Clock{now: at} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to at.
func (c *Clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ViolationFields are the fields vs names, in vs's order.
func ViolationFields(vs fault.Violations) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Field)
	}
	return out
}

// Fields are the fields err's violations name, in order, whatever the
// fault's kind: none when err is nil or no fault.
func Fields(err error) []string {
	if f, ok := fault.As(err); ok {
		return ViolationFields(f.Violations)
	}
	return nil
}

// Reason is the reason of the fault err, such as ETAG_MISMATCH: "" when
// err is nil or no fault.
func Reason(err error) string {
	if f, ok := fault.As(err); ok {
		return f.Reason
	}
	return ""
}

// InvalidFields are the fields err's violations name, in order, and none
// when err is nil; any other error than an INVALID_ARGUMENT fault fails
// the test at once.
func InvalidFields(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if f, ok := fault.As(err); !ok || f.Kind != fault.KindInvalid {
		t.Fatalf("error %v is not an INVALID_ARGUMENT fault", err)
	}
	return Fields(err)
}

// Selected compiles the filter expr against schema, failing the test at
// once when it does not compile, lets sel pick items with it, and returns
// the key of each item picked, in sel's order.
func Selected[T any](t testing.TB, expr string, schema filter.Schema, sel func(*filter.Filter) []T, key func(T) string) []string {
	t.Helper()
	f, err := filter.Compile(expr, schema)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	var out []string
	for _, item := range sel(f) {
		out = append(out, key(item))
	}
	return out
}

// OneHandlerEach checks that each method of the service desc describes is
// implemented by exactly one of the handler sets, each given as a value of
// its type (a nil pointer will do), so that no method falls through to the
// UNIMPLEMENTED fallback and none is served twice.
func OneHandlerEach(t testing.TB, desc grpc.ServiceDesc, sets ...any) {
	t.Helper()
	for _, m := range desc.Methods {
		var by []string
		for _, set := range sets {
			typ := reflect.TypeOf(set)
			if _, ok := typ.MethodByName(m.MethodName); ok {
				by = append(by, typ.String())
			}
		}
		if len(by) != 1 {
			t.Errorf("%s is implemented by %v, want exactly one handler set", m.MethodName, by)
		}
	}
}

// Calls is a call of a method of client, a generated gRPC client, for each
// request in reqs, keyed by the method's name: the request's message name
// without its "Request" suffix, as the contract names them. Each call sends
// its request with the context it is given and returns the call's error, so
// that a test can try every method of a service as each caller. The test
// fails at once when client has no such method or two requests name one.
func Calls(t testing.TB, client any, reqs ...proto.Message) map[string]func(context.Context) error {
	t.Helper()
	c := reflect.ValueOf(client)
	calls := make(map[string]func(context.Context) error, len(reqs))
	for _, req := range reqs {
		name := strings.TrimSuffix(string(req.ProtoReflect().Descriptor().Name()), "Request")
		m := c.MethodByName(name)
		if _, twice := calls[name]; twice || !m.IsValid() {
			t.Fatalf("%T: no method %s, or two requests for it", client, name)
		}
		in := reflect.ValueOf(req)
		calls[name] = func(ctx context.Context) error {
			err, _ := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})[1].Interface().(error)
			return err
		}
	}
	return calls
}

// PoliciesFor checks that policies are valid (the test stops when they are
// not) and declare who may call exactly methods, given by full name: each
// of them, and no other.
func PoliciesFor(t testing.TB, policies auth.Policies, methods ...string) {
	t.Helper()
	if err := policies.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, m := range methods {
		if _, ok := policies[m]; !ok {
			t.Errorf("no policy for %s", m)
		}
	}
	if len(policies) != len(methods) {
		t.Errorf("%d policies, want exactly the %d methods %v", len(policies), len(methods), methods)
	}
}

// ServicePolicies calls policies, the policies of a service's composite
// server, and checks that they declare who may call every method of the
// service desc describes, and no other (see PoliciesFor); the test stops
// when policies fails. It returns the policies.
func ServicePolicies(t testing.TB, desc grpc.ServiceDesc, policies func() (auth.Policies, error)) auth.Policies {
	t.Helper()
	ps, err := policies()
	if err != nil {
		t.Fatal(err)
	}
	methods := make([]string, 0, len(desc.Methods)+len(desc.Streams))
	for _, m := range desc.Methods {
		methods = append(methods, "/"+desc.ServiceName+"/"+m.MethodName)
	}
	for _, m := range desc.Streams {
		methods = append(methods, "/"+desc.ServiceName+"/"+m.StreamName)
	}
	PoliciesFor(t, ps, methods...)
	return ps
}

// Ticking is a clock whose readings move on by step each time it is read,
// the first reading being step after start, so that resources made one
// after another have distinct times in a defined order. It is safe to read
// from every goroutine of a test.
func Ticking(start time.Time, step time.Duration) func() time.Time {
	var ticks atomic.Int64
	return func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * step) }
}

// CouncilsIn is the first n councils of region, in reference order; the
// test stops when the region has fewer.
func CouncilsIn(t testing.TB, region reference.Region, n int) []string {
	t.Helper()
	codes := reference.CodesIn(region)
	if len(codes) < n {
		t.Fatalf("%s has %d councils, want %d", region, len(codes), n)
	}
	return codes[:n]
}

// OnceOnly makes n calls of call at once, as n replicas handling one
// delivery would, and checks that each succeeded and returned the same
// non-empty id and that exactly one of them made the change (changed);
// what names the resource in failures. It returns the id.
func OnceOnly(t testing.TB, what string, n int, call func() (id string, changed bool, err error)) string {
	t.Helper()
	ids := make([]string, n)
	changed := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			ids[i], changed[i], errs[i] = call()
		})
	}
	close(start)
	wg.Wait()
	makers := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] || ids[i] == "" {
			t.Fatalf("calls returned %s %v", what, ids)
		}
		if changed[i] {
			makers++
		}
	}
	if makers != 1 {
		t.Fatalf("%d calls made the %s, want 1", makers, what)
	}
	return ids[0]
}

// Base is what a service under test takes from the process that runs it:
// the store st, a page token codec of its own, a log that writes nothing
// and the clock now (nil: the service's default).
func Base(t testing.TB, st *store.Store, now func() time.Time) component.Base {
	t.Helper()
	return component.Base{Store: st, Pages: NewPages(t), Logger: Quiet(), Now: now}
}

// Service is a service of the suite as its process runs it.
type Service interface {
	// Seed loads the service's reference data, and its demo data when
	// demo is set.
	Seed(ctx context.Context, demo bool) error
	// Run does the service's background work until ctx ends.
	Run(ctx context.Context) error
}

// SeedAndRun seeds s (with the demo data when demo is set), failing the
// test at once on an error, and runs it until the test ends.
func SeedAndRun(t testing.TB, s Service, demo bool) {
	t.Helper()
	if err := s.Seed(t.Context(), demo); err != nil {
		t.Fatal(err)
	}
	Run(t, "the service", s.Run)
}
