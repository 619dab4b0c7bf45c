package store_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// createRequest is a stand-in for a Create request carrying request_id, built
// at run time so the store's tests depend on no service's protos.
var createRequest = func() protoreflect.MessageDescriptor {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("storetest/create.proto"),
		Package: proto.String("storetest"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("CreateThingRequest"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("parent"), Number: proto.Int32(1), Type: str, Label: opt, JsonName: proto.String("parent")},
				{Name: proto.String("title"), Number: proto.Int32(2), Type: str, Label: opt, JsonName: proto.String("title")},
				{Name: proto.String("request_id"), Number: proto.Int32(3), Type: str, Label: opt, JsonName: proto.String("requestId")},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		panic(err)
	}
	return fd.Messages().Get(0)
}()

func newCreate(title, requestID string) proto.Message {
	m := dynamicpb.NewMessage(createRequest)
	m.Set(createRequest.Fields().ByName("parent"), protoreflect.ValueOfString("localAuthorities/E08000017"))
	m.Set(createRequest.Fields().ByName("title"), protoreflect.ValueOfString(title))
	if requestID != "" {
		m.Set(createRequest.Fields().ByName("request_id"), protoreflect.ValueOfString(requestID))
	}
	return m
}

const scope = "/turnaround.test.v1.ThingService/CreateThing officer-1"

func TestRequestHash(t *testing.T) {
	hash := func(m proto.Message) []byte {
		t.Helper()
		h, err := store.RequestHash(m)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash(newCreate("plan", "r1"))
	tests := []struct {
		name  string
		m     proto.Message
		equal bool
	}{
		{"same request", newCreate("plan", "r1"), true},
		{"request_id is ignored", newCreate("plan", "r2"), true},
		{"no request_id", newCreate("plan", ""), true},
		{"different content", newCreate("plan B", "r1"), false},
		{"different message with no request_id field", wrapperspb.String("plan"), false},
	}
	for _, tc := range tests {
		if got := bytes.Equal(hash(tc.m), base); got != tc.equal {
			t.Errorf("%s: hash equal = %v, want %v", tc.name, got, tc.equal)
		}
	}
	req := newCreate("plan", "r1")
	hash(req)
	if got := req.ProtoReflect().Get(createRequest.Fields().ByName("request_id")).String(); got != "r1" {
		t.Errorf("RequestHash changed the caller's request: request_id = %q", got)
	}
	if len(base) != 32 {
		t.Errorf("hash length %d, want 32 (SHA-256)", len(base))
	}
}

// createThing is what a Create handler does: replay, else commit with an
// idempotency record.
func createThing(ctx context.Context, s *store.Store, key, title, requestID string) (*wrapperspb.StringValue, error) {
	req := newCreate(title, requestID)
	resp := &wrapperspb.StringValue{}
	if ok, err := s.ReplayProto(ctx, tag, scope, requestID, req, resp); err != nil || ok {
		return resp, err
	}
	resp = wrapperspb.String(key)
	idem, err := store.NewIdempotency(scope, requestID, req, resp)
	if err != nil {
		return nil, err
	}
	_, err = s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte(title)}}, Idempotency: idem})
	return resp, err
}

func TestIdempotentReplay(t *testing.T) {
	s, ks := newStore(t, store.WithIdempotencyTTL(90*time.Minute))
	ctx := testContext(t)

	first, err := createThing(ctx, s, ks.Key(tag, "thing", "1"), "plan", "r1")
	if err != nil {
		t.Fatal(err)
	}
	// The retry must replay, not create thing 2.
	again, err := createThing(ctx, s, ks.Key(tag, "thing", "2"), "plan", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if again.GetValue() != first.GetValue() {
		t.Errorf("replayed response %q, want %q", again.GetValue(), first.GetValue())
	}
	if n := s.Client().Exists(ctx, ks.Key(tag, "thing", "2")).Val(); n != 0 {
		t.Error("a replayed request wrote state")
	}

	t.Run("raw replay", func(t *testing.T) {
		h, err := store.RequestHash(newCreate("plan", "r1"))
		if err != nil {
			t.Fatal(err)
		}
		b, ok, err := s.Replay(ctx, tag, scope, "r1", h)
		want, _ := proto.MarshalOptions{Deterministic: true}.Marshal(first)
		if err != nil || !ok || !bytes.Equal(b, want) {
			t.Errorf("Replay = %x, %v, %v; want %x", b, ok, err, want)
		}
	})

	t.Run("different request with the same id", func(t *testing.T) {
		_, err := createThing(ctx, s, ks.Key(tag, "thing", "3"), "another plan", "r1")
		if !errors.Is(err, store.ErrRequestIDReused) {
			t.Fatalf("err = %v, want ErrRequestIDReused", err)
		}
		st, internal := apierror.Convert(err)
		vs := apierror.FieldViolations(st)
		if internal || st.Code() != codes.InvalidArgument || len(vs) != 1 ||
			vs[0].GetField() != "request_id" || vs[0].GetDescription() != "was already used for a different request" {
			t.Errorf("status %v with violations %v, want INVALID_ARGUMENT on request_id", st.Code(), vs)
		}
	})

	t.Run("ids are scoped", func(t *testing.T) {
		h, _ := store.RequestHash(newCreate("plan", "r1"))
		for _, sc := range []string{scope + "x", store.IdempotencyScope("/turnaround.test.v1.ThingService/CreateThing", "officer-2")} {
			if _, ok, err := s.Replay(ctx, tag, sc, "r1", h); ok || err != nil {
				t.Errorf("Replay in scope %q = %v, %v; want not found", sc, ok, err)
			}
		}
		if _, ok, err := s.Replay(ctx, keyspaceOtherTag, scope, "r1", h); ok || err != nil {
			t.Errorf("Replay under another tag = %v, %v; want not found", ok, err)
		}
	})

	t.Run("ttl", func(t *testing.T) {
		ttl := s.Client().PTTL(ctx, s.IdempotencyKey(tag, scope, "r1")).Val()
		if ttl <= 89*time.Minute || ttl > 90*time.Minute {
			t.Errorf("idempotency record TTL = %v, want just under 90m", ttl)
		}
	})

	t.Run("recommitting the same id conflicts without retrying", func(t *testing.T) {
		req := newCreate("plan", "r1")
		idem, err := store.NewIdempotency(scope, "r1", req, first)
		if err != nil {
			t.Fatal(err)
		}
		key := ks.Key(tag, "thing", "4")
		calls := 0
		_, err = s.Update(ctx, key, func(store.Record) (store.Mutation, error) {
			calls++
			return store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte("x")}}, Idempotency: idem}, nil
		})
		if !errors.Is(err, store.ErrConflict) || calls != 1 {
			t.Errorf("err = %v after %d calls, want ErrConflict after 1", err, calls)
		}
		if n := s.Client().Exists(ctx, key).Val(); n != 0 {
			t.Error("state written for a request that was already committed")
		}
	})
}

// keyspaceOtherTag is a second aggregate for scoping checks.
const keyspaceOtherTag = "la:E09000033"

func TestDefaultIdempotencyTTL(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	if _, err := createThing(ctx, s, ks.Key(tag, "thing", "1"), "plan", "r1"); err != nil {
		t.Fatal(err)
	}
	ttl := s.Client().PTTL(ctx, s.IdempotencyKey(tag, scope, "r1")).Val()
	if ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL = %v, want just under 24h", ttl)
	}
}

func TestNoRequestIDMeansNoIdempotency(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	idem, err := store.NewIdempotency(scope, "", newCreate("plan", ""), wrapperspb.String("x"))
	if idem != nil || err != nil {
		t.Fatalf("NewIdempotency without request_id = %v, %v; want nil, nil", idem, err)
	}
	for i, key := range []string{ks.Key(tag, "thing", "1"), ks.Key(tag, "thing", "2")} {
		if _, err := createThing(ctx, s, key, "plan", ""); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if n := s.Client().Exists(ctx, ks.Key(tag, "thing", "1"), ks.Key(tag, "thing", "2")).Val(); n != 2 {
		t.Errorf("%d things created, want 2: requests without request_id are not deduplicated", n)
	}
}

func TestConcurrentFirstRequestsCommitOnce(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	const n = 10
	candidates := make([]string, n)
	for i := range candidates {
		candidates[i] = ks.Key(tag, "thing", strconv.Itoa(i))
	}
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		mu        sync.Mutex
		winners   []string
		otherErrs []error
	)
	for i := range n {
		wg.Go(func() {
			<-start
			// Each attempt would create a different resource (server-chosen
			// IDs), so only the idempotency record can stop the duplicates.
			key := candidates[i]
			resp, err := createThing(ctx, s, key, "plan", "same-id")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && resp.GetValue() == key:
				winners = append(winners, key)
			case err == nil:
				// Replayed the winner's response: also correct.
			case !errors.Is(err, store.ErrConflict):
				otherErrs = append(otherErrs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(otherErrs) > 0 {
		t.Fatalf("unexpected errors: %v", otherErrs)
	}
	if len(winners) != 1 {
		t.Fatalf("%d requests committed (%v), want exactly 1", len(winners), winners)
	}
	if stored := s.Client().Exists(ctx, candidates...).Val(); stored != 1 {
		t.Errorf("%d things stored, want only %s", stored, winners[0])
	}
	// Every loser's retry now replays the winner's response.
	resp, err := createThing(ctx, s, ks.Key(tag, "thing", "retry"), "plan", "same-id")
	if err != nil || resp.GetValue() != winners[0] {
		t.Errorf("retry = %q, %v; want %q", resp.GetValue(), err, winners[0])
	}
}
