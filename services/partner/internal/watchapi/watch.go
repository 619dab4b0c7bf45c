// Package watchapi is the gRPC face of the partner-events stream,
// WatchEvents of PartnerEventsService (gRPC only: it has no REST route).
//
// Any role may open a stream (the access matrix's EventStream row); each
// event then reaches the caller only when the matrix lets it read the
// record the event concerns (package eventaccess): a partner system
// receives published judgements and ordered interventions, never a peer
// review's completion or an emergency-inspection recommendation. Event
// types the suite does not map reach no one.
package watchapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watch"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Policies declares who may call each method, from the access matrix.
var Policies = access.Rules(access.EventStream, access.Methods{
	partnerv1.PartnerEventsService_WatchEvents_FullMethodName: access.Subscribe,
})

// Limits of a request.
const (
	maxTopics   = 16
	maxTypes    = 64
	maxCouncils = 152
	// sendBuffer is how many rendered events wait for the stream's
	// sender; the watch's own buffer bounds the rest.
	sendBuffer = 16
)

// Watch implements WatchEvents.
type Watch struct {
	svc *watch.Service
}

// New returns the handler.
func New(svc *watch.Service) *Watch { return &Watch{svc: svc} }

// parse reads the request into the topics to read and the filter.
func (h *Watch) parse(req *partnerv1.WatchEventsRequest, p auth.Principal) (watch.Request, error) {
	var vs fault.Violations
	topics := map[string]bool{}
	types := map[string]bool{}
	councils := map[string]bool{}
	known := h.svc.Topics()
	if len(req.GetTopics()) > maxTopics {
		vs.Add("topics", "may name at most %d topics", maxTopics)
	}
	for i, t := range req.GetTopics() {
		if !slices.Contains(known, t) {
			vs.Add(fmt.Sprintf("topics[%d]", i), "%q is not a topic; the topics are %s", t, strings.Join(known, ", "))
			continue
		}
		topics[t] = true
	}
	if len(req.GetEventTypes()) > maxTypes {
		vs.Add("event_types", "may name at most %d event types", maxTypes)
	}
	for i, name := range req.GetEventTypes() {
		k, ok := eventaccess.Lookup(name)
		if !ok {
			vs.Add(fmt.Sprintf("event_types[%d]", i), "%q is not an event type the suite publishes, such as JudgementPublished or InterventionOrdered", name)
			continue
		}
		types[k.Type] = true
	}
	if len(req.GetLocalAuthorities()) > maxCouncils {
		vs.Add("local_authorities", "may name at most %d councils", maxCouncils)
	}
	for i, la := range req.GetLocalAuthorities() {
		gss := strings.TrimPrefix(la, resource.Councils+"/")
		if _, ok := reference.CouncilByCode(gss); !ok {
			vs.Add(fmt.Sprintf("local_authorities[%d]", i), "%q is not one of the 152 councils (localAuthorities/{gss_code} or the GSS code)", la)
			continue
		}
		councils[gss] = true
	}
	from, curErr := watch.ParseCursor("cursor", req.GetCursor())
	if err := fault.Join(vs.Err(), curErr); err != nil {
		return watch.Request{}, err
	}
	// The streams to read: the topics named and those of the types named,
	// or every topic.
	read := map[string]bool{}
	for t := range topics {
		read[t] = true
	}
	for _, k := range eventaccess.Kinds() {
		if types[k.Type] {
			read[k.Topic] = true
		}
	}
	var list []string
	for _, t := range known {
		if len(read) == 0 || read[t] {
			list = append(list, t)
		}
	}
	filter := func(it watch.Item) bool {
		d, ok := it.Event.(eventaccess.Decoded)
		if !ok {
			return false
		}
		if (len(topics) > 0 || len(types) > 0) && !topics[d.Topic] && !types[d.Type] {
			return false
		}
		if len(councils) > 0 && !councils[d.Council] {
			return false
		}
		return d.Visible(p)
	}
	return watch.Request{Caller: p.Subject, Topics: list, From: from, Filter: filter}, nil
}

// WatchEvents implements PartnerEventsService.WatchEvents. The stream's
// sender runs beside the watch, so a client that stops reading blocks the
// sender only; the watch then falls behind and is cut off with
// RESOURCE_EXHAUSTED (reason SLOW_CONSUMER).
func (h *Watch) WatchEvents(req *partnerv1.WatchEventsRequest, stream grpc.ServerStreamingServer[partnerv1.WatchEventsResponse]) error {
	p, err := rpc.Caller(stream.Context())
	if err != nil {
		return err
	}
	wr, err := h.parse(req, p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(nil)
	out := make(chan *partnerv1.WatchEventsResponse, sendBuffer)
	var (
		mu      sync.Mutex
		stopped bool
	)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for msg := range out {
			mu.Lock()
			stop := stopped
			mu.Unlock()
			if stop {
				return
			}
			if err := stream.Send(msg); err != nil {
				cancel(err)
				return
			}
		}
	}()
	emit := func(ctx context.Context, it watch.Item, cur watch.Cursor) error {
		msg, err := render(it, cur)
		if err != nil {
			return err
		}
		select {
		case out <- msg:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	werr := h.svc.Watch(ctx, wr, emit)
	if werr != nil {
		// Cut off: send nothing more, and do not wait for a sender
		// blocked by a client that reads nothing.
		mu.Lock()
		stopped = true
		mu.Unlock()
		close(out)
		return werr
	}
	// The caller went away or the server is stopping: let the sender
	// finish what it holds.
	close(out)
	<-sent
	return nil
}

// render is the stream message of an item.
func render(it watch.Item, cur watch.Cursor) (*partnerv1.WatchEventsResponse, error) {
	d := it.Event.(eventaccess.Decoded)
	data, err := d.JSON()
	if err != nil {
		return nil, fmt.Errorf("render event %s: %w", d.ID, err)
	}
	return &partnerv1.WatchEventsResponse{
		Event: &partnerv1.Event{
			Id: d.ID, Source: eventaccess.Source(d.Topic), Type: d.Type, Subject: d.Subject,
			Time: timestamppb.New(d.Time), Topic: d.Topic, LocalAuthority: d.LocalAuthority(),
			Data:     &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: d.Data},
			DataJson: string(data),
		},
		Cursor: cur.String(),
	}, nil
}
