package partner_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// watcher is one open WatchEvents stream.
type watcher struct {
	stream grpc.ServerStreamingClient[partnerv1.WatchEventsResponse]
	cancel context.CancelFunc
	msgs   chan *partnerv1.WatchEventsResponse
	err    chan error
}

func (e *env) watch(p auth.Principal, req *partnerv1.WatchEventsRequest) *watcher {
	e.t.Helper()
	ctx, cancel := context.WithCancel(rpctest.As(e.t, p))
	stream, err := e.client.WatchEvents(ctx, req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	w := &watcher{stream: stream, cancel: cancel, msgs: make(chan *partnerv1.WatchEventsResponse, 10000), err: make(chan error, 1)}
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				w.err <- err
				return
			}
			w.msgs <- m
		}
	}()
	e.t.Cleanup(cancel)
	return w
}

// next waits for the next event.
func (w *watcher) next(t *testing.T) *partnerv1.WatchEventsResponse {
	t.Helper()
	select {
	case m := <-w.msgs:
		return m
	case err := <-w.err:
		t.Fatalf("the stream ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return nil
}

// quiet checks that nothing arrives within d.
func (w *watcher) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case m := <-w.msgs:
		t.Fatalf("got %s %s, want nothing", m.GetEvent().GetType(), m.GetEvent().GetSubject())
	case err := <-w.err:
		t.Fatalf("the stream ended: %v", err)
	case <-time.After(d):
	}
}

// settle gives a new stream time to reach its live phase.
func settle() { time.Sleep(500 * time.Millisecond) }

// cursorNow is a cursor at the current end of every topic, so that a
// stream opened with it receives every event published from now on,
// however late the server starts it.
func (e *env) cursorNow() string {
	e.t.Helper()
	pos := map[string]string{}
	for _, topic := range []string{"inspection", "peerreview", "improvementplan", "sponsor"} {
		msgs, err := e.st.Client().XRevRangeN(context.Background(), e.st.Keyspace().Topic(topic), "+", "-", 1).Result()
		if err != nil {
			e.t.Fatal(err)
		}
		pos[topic] = "0-0"
		if len(msgs) > 0 {
			pos[topic] = msgs[0].ID
		}
	}
	return partner.CursorFrom(pos)
}

// open is a stream known to be open on the server: it has received the
// marker event published after it was opened.
func (e *env) open(p auth.Principal, types ...string) *watcher {
	e.t.Helper()
	w := e.watch(p, &partnerv1.WatchEventsRequest{EventTypes: types, Cursor: e.cursorNow()})
	marker := e.publish(judgement(leeds, "marker"))
	if m := w.next(e.t); m.GetEvent().GetId() != marker {
		e.t.Fatalf("the stream's first event is %v, want the marker", m)
	}
	return w
}

func TestPublishedJudgementReachesAStreamSubscriber(t *testing.T) {
	e := newEnv(t)
	w := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{EventTypes: []string{"JudgementPublished"}})
	settle()
	topic, subject, payload := judgement(leeds, "ins-1")
	id := e.publish(topic, subject, payload)
	m := w.next(t)
	ev := m.GetEvent()
	if ev.GetId() != id || ev.GetType() != "turnaround.events.v1.JudgementPublished" || ev.GetSource() != "/turnaround/inspection" ||
		ev.GetSubject() != subject || ev.GetLocalAuthority() != "localAuthorities/"+leeds || ev.GetTime() == nil || m.GetCursor() == "" {
		t.Fatalf("event %v", m)
	}
	var got eventsv1.JudgementPublished
	if err := ev.GetData().UnmarshalTo(&got); err != nil || got.GetInspection() != subject {
		t.Fatalf("Any payload %v (%v)", &got, err)
	}
	if want := `"inspection":"` + subject + `"`; !strings.Contains(ev.GetDataJson(), want) {
		t.Fatalf("data_json %s, want %s in it", ev.GetDataJson(), want)
	}
}

func TestAPartnerNeverReceivesConfidentialEvents(t *testing.T) {
	e := newEnv(t)
	// The partner asks for everything, the LGA for everything too.
	now := e.cursorNow()
	partnerW := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{Cursor: now})
	lgaW := e.watch(rpctest.Adviser, &partnerv1.WatchEventsRequest{Cursor: now})
	dfeW := e.watch(rpctest.Official, &partnerv1.WatchEventsRequest{Topics: []string{"peerreview"}, Cursor: now})
	e.publish(peerReview(leeds, "pr-1"))
	e.publish(recommendation(leeds, "rec-1"))
	iv := e.publish(intervention(leeds, "iv-1"))
	if m := partnerW.next(t); m.GetEvent().GetId() != iv {
		t.Fatalf("the partner got %s first, want only the intervention", m.GetEvent().GetType())
	}
	partnerW.quiet(t, 300*time.Millisecond)
	// The LGA reads peer reviews and recommendations: it gets all three.
	var types []string
	for range 3 {
		types = append(types, lgaW.next(t).GetEvent().GetType())
	}
	slices.Sort(types)
	want := []string{"turnaround.events.v1.EmergencyInspectionRecommended", "turnaround.events.v1.InterventionOrdered", "turnaround.events.v1.PeerReviewCompleted"}
	if !slices.Equal(types, want) {
		t.Fatalf("the LGA got %v, want %v", types, want)
	}
	// DfE sees a peer review in summary only: the event carries its
	// content, so DfE does not get it.
	dfeW.quiet(t, 200*time.Millisecond)
}

func TestReconnectingWithTheCursorMissesNothingAndRepeatsNothing(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, e.publish(judgement(leeds, "a"+string(rune('a'+i)))))
	}
	// Start from the beginning of the streams with an empty position.
	first := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: startCursor(t)})
	var got []string
	var cursor string
	for range 3 {
		m := first.next(t)
		got = append(got, m.GetEvent().GetId())
		cursor = m.GetCursor()
	}
	first.cancel()
	// More arrive while the client is away, confidential ones among them.
	for i := range 3 {
		want = append(want, e.publish(judgement(leeds, "b"+string(rune('a'+i)))))
		e.publish(recommendation(leeds, "r"+string(rune('a'+i))))
	}
	second := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: cursor})
	for len(got) < len(want) {
		got = append(got, second.next(t).GetEvent().GetId())
	}
	// And live ones after the backlog.
	settle()
	want = append(want, e.publish(judgement(leeds, "live")))
	got = append(got, second.next(t).GetEvent().GetId())
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	second.quiet(t, 300*time.Millisecond)
}

// startCursor is a cursor before every entry of the inspection topic.
func startCursor(t *testing.T) string {
	t.Helper()
	return partner.CursorFrom(map[string]string{"inspection": "0-0"})
}

func TestStreamFiltersByCouncilAndType(t *testing.T) {
	e := newEnv(t)
	w := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{
		EventTypes: []string{"turnaround.events.v1.InterventionOrdered"}, LocalAuthorities: []string{"localAuthorities/" + leeds},
		Cursor: e.cursorNow(),
	})
	e.publish(judgement(leeds, "x"))
	e.publish(intervention("E09000001", "other"))
	id := e.publish(intervention(leeds, "mine"))
	if m := w.next(t); m.GetEvent().GetId() != id {
		t.Fatalf("got %s %s", m.GetEvent().GetType(), m.GetEvent().GetSubject())
	}
	w.quiet(t, 200*time.Millisecond)
}

func TestWatchRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		req    *partnerv1.WatchEventsRequest
		fields []string
	}{
		{&partnerv1.WatchEventsRequest{Topics: []string{"nope"}}, []string{"topics[0]"}},
		{&partnerv1.WatchEventsRequest{EventTypes: []string{"JudgementPublished", "Gossip"}}, []string{"event_types[1]"}},
		{&partnerv1.WatchEventsRequest{LocalAuthorities: []string{"localAuthorities/X99999999"}}, []string{"local_authorities[0]"}},
		{&partnerv1.WatchEventsRequest{Cursor: "!!"}, []string{"cursor"}},
	} {
		stream, err := e.client.WatchEvents(rpctest.As(t, rpctest.Partner), tt.req)
		if err == nil {
			_, err = stream.Recv()
		}
		rpctest.ExpectError(t, "WatchEvents", err, codes.InvalidArgument, "", tt.fields...)
	}
}

func TestASlowConsumerIsCutOff(t *testing.T) {
	e := newEnv(t, func(d *partner.Deps) { d.Watch.Buffer = 4 })
	ctx, cancel := context.WithCancel(rpctest.As(t, rpctest.Partner))
	defer cancel()
	stream, err := e.client.WatchEvents(ctx, &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: e.cursorNow()})
	if err != nil {
		t.Fatal(err)
	}
	// The marker shows the stream is open; it is live right after.
	marker := e.publish(judgement(leeds, "marker"))
	if m, err := stream.Recv(); err != nil || m.GetEvent().GetId() != marker {
		t.Fatalf("first event %v (%v), want the marker", m, err)
	}
	settle()
	// The client reads nothing while many events arrive: more than the
	// transport's windows and the watch's buffer hold.
	// Each event carries 8 KB of recommendations, so 3000 of them (some
	// 50 MB on the wire) are more than any flow-control window grows to.
	long := strings.Repeat("Ensure that strategy meetings happen promptly. ", 170)
	for i := range 3000 {
		topic, subject, payload := judgement(leeds, "slow-"+string(rune('a'+i%26)))
		payload.(*eventsv1.JudgementPublished).Recommendations = []string{long}
		e.publish(topic, subject, payload)
	}
	n := 0
	for {
		_, err := stream.Recv()
		if err == nil {
			n++
			continue
		}
		if errors.Is(err, io.EOF) {
			t.Fatalf("the stream ended cleanly after %d events, want RESOURCE_EXHAUSTED", n)
		}
		rpctest.ExpectError(t, "slow consumer", err, codes.ResourceExhausted, "SLOW_CONSUMER")
		break
	}
	if n >= 3000 {
		t.Fatalf("got all %d events: the consumer was not cut off", n)
	}
}

func TestStreamsPerCallerAreLimited(t *testing.T) {
	e := newEnv(t, func(d *partner.Deps) { d.Watch.MaxStreams = 1 })
	e.open(rpctest.Partner, "JudgementPublished")
	stream, err := e.client.WatchEvents(rpctest.As(t, rpctest.Partner), &partnerv1.WatchEventsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	rpctest.ExpectError(t, "second stream", err, codes.ResourceExhausted, "TOO_MANY_STREAMS")
	// Another caller has its own allowance.
	other := auth.Principal{Subject: "partner-2", Roles: []auth.Role{auth.RolePartnerSystem}}
	w := e.watch(other, &partnerv1.WatchEventsRequest{Cursor: e.cursorNow()})
	id := e.publish(judgement(leeds, "z"))
	if m := w.next(t); m.GetEvent().GetId() != id {
		t.Fatalf("got %v", m)
	}
}

func TestACursorPastWhatTheStreamKeepsIsRefused(t *testing.T) {
	e := newEnv(t)
	first := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: e.cursorNow()})
	e.publish(judgement(leeds, "kept-1"))
	cursor := first.next(t).GetCursor()
	first.cancel()
	// Two more arrive, then the stream is trimmed to its last entry (as
	// the relay trims it to its maximum length): the first of the two,
	// which the client has not seen, is gone.
	e.publish(judgement(leeds, "trimmed"))
	last := e.publish(judgement(leeds, "kept-2"))
	if err := e.st.Client().XTrimMaxLen(context.Background(), e.st.Keyspace().Topic("inspection"), 1).Err(); err != nil {
		t.Fatal(err)
	}
	stream, err := e.client.WatchEvents(rpctest.As(t, rpctest.Partner), &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: cursor})
	if err == nil {
		_, err = stream.Recv()
	}
	rpctest.ExpectError(t, "an expired cursor", err, codes.FailedPrecondition, "CURSOR_EXPIRED")
	// A cursor at the current end is fine, and so is starting afresh.
	fresh := e.watch(rpctest.Partner, &partnerv1.WatchEventsRequest{Topics: []string{"inspection"}, Cursor: e.cursorNow()})
	id := e.publish(judgement(leeds, "after"))
	if m := fresh.next(t); m.GetEvent().GetId() != id {
		t.Fatalf("got %s, want %s (the stream's last entry before was %s)", m.GetEvent().GetId(), id, last)
	}
}
