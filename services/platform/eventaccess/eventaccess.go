// Package eventaccess decides which domain events a caller may see, from
// the one access matrix (package access): every event type the suite
// publishes is mapped to the resource it concerns, and a caller sees an
// event when it may read that resource for the event's council, sponsor
// and publication state. A judgement published or an intervention ordered
// is public; a peer review's completion, a concern's emergency-inspection
// recommendation or a support offer is not, and reaches only the roles the
// matrix lets read them.
//
// An event type that is not in the mapping is visible to nobody: a new
// event type stays private until it is added here with the resource it
// concerns.
//
// It also renders an event as a CloudEvents 1.0 envelope with its payload
// as protobuf JSON, for the partner-events stream and webhooks.
package eventaccess

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Kind is one event type the suite publishes and what it concerns.
type Kind struct {
	// Type is the payload's full protobuf name, the event's type.
	Type string
	// Short is the message name alone, such as JudgementPublished.
	Short string
	// Topic is the stream the event is published on.
	Topic string
	// Resource is the kind of record the event is about; a caller sees the
	// event when it may read that record.
	Resource access.Resource
	// Public events are about published records (a published judgement,
	// an ordered intervention), which the matrix's Published grants cover.
	Public bool
	newMsg func() proto.Message
	// about reads the council (a resource name) and sponsor (an id) the
	// event concerns from its payload.
	about func(proto.Message) (council, sponsor string)
}

// object is the record an event concerns, for access.ViewOf.
func (k Kind) object(council, sponsor string) access.Object {
	return access.Object{Council: council, Sponsor: sponsor, Public: k.Public}
}

func kind[M proto.Message](topic string, res access.Resource, public bool, about func(M) (string, string)) Kind {
	var zero M
	full := events.TypeName(zero.ProtoReflect().Type().New().Interface())
	return Kind{
		Type: full, Short: full[strings.LastIndex(full, ".")+1:], Topic: topic, Resource: res, Public: public,
		newMsg: func() proto.Message { return zero.ProtoReflect().Type().New().Interface() },
		about:  func(m proto.Message) (string, string) { return about(m.(M)) },
	}
}

func council[M interface{ GetLocalAuthority() string }](m M) (string, string) {
	return m.GetLocalAuthority(), ""
}

// kinds is every event type the suite publishes, with what it concerns.
// Audit entries (the audit topic) are not here: they are the audit trail's.
var kinds = []Kind{
	kind("inspection", access.Inspection, true, council[*eventsv1.JudgementPublished]),
	kind("inspection", access.Recommendation, false, council[*eventsv1.EmergencyInspectionRecommended]),
	kind("peerreview", access.PeerReview, false, council[*eventsv1.PeerReviewCompleted]),
	kind("peerreview", access.SupportOffer, false, council[*eventsv1.SupportOfferCreated]),
	kind("improvementplan", access.ImprovementPlan, false, council[*eventsv1.ImprovementPlanOpened]),
	kind("improvementplan", access.ImprovementPlan, false, council[*eventsv1.ImprovementDeadlineReached]),
	kind("improvementplan", access.ImprovementPlan, false, council[*eventsv1.ImprovementPlanStateChanged]),
	kind("improvementplan", access.ImprovementPlan, false, council[*eventsv1.ImprovementPlanDeadlineExtended]),
	kind("improvementplan", access.Intervention, true, council[*eventsv1.InterventionOrdered]),
	// An intervention stays public once ordered: lifting it is public too.
	kind("improvementplan", access.Intervention, true, council[*eventsv1.InterventionLifted]),
	kind("sponsor", access.SponsorNeed, false, council[*eventsv1.SponsorNeedOpened]),
	kind("sponsor", access.SponsorNeed, false, council[*eventsv1.SponsorNeedClosed]),
	kind("sponsor", access.MatchRun, false, func(*eventsv1.MatchRunApproved) (string, string) { return "", "" }),
	kind("sponsor", access.Engagement, false, func(m *eventsv1.EngagementStarted) (string, string) {
		return m.GetLocalAuthority(), strings.TrimPrefix(m.GetSponsor(), "sponsors/")
	}),
	kind("sponsor", access.Engagement, false, func(m *eventsv1.EngagementEnded) (string, string) {
		return m.GetLocalAuthority(), strings.TrimPrefix(m.GetSponsor(), "sponsors/")
	}),
}

// Kinds returns every mapped event type, in a fixed order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Topics returns the topics of the mapped event types, each once, in a
// fixed order.
func Topics() []string {
	var out []string
	for _, k := range kinds {
		if !slices.Contains(out, k.Topic) {
			out = append(out, k.Topic)
		}
	}
	return out
}

// Lookup finds the event type named by its full name
// (turnaround.events.v1.JudgementPublished) or its short name
// (JudgementPublished).
func Lookup(name string) (Kind, bool) {
	for _, k := range kinds {
		if k.Type == name || k.Short == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Decoded is an event whose type is mapped, with its payload read.
type Decoded struct {
	events.Event
	Kind Kind
	// Message is the payload.
	Message proto.Message
	// Council is the GSS code of the council the event concerns; empty for
	// events about no council. Sponsor is the sponsor id, if any.
	Council string
	Sponsor string
	// memo keeps the payload's JSON once rendered, shared by the copies
	// of the value that a fan-out hands to many subscribers.
	memo *jsonMemo
}

type jsonMemo struct {
	once sync.Once
	data []byte
	err  error
}

// Decode reads e's payload. ok is false for an event of a type that is not
// mapped (visible to nobody); err reports a payload that cannot be read.
func Decode(e events.Event) (d Decoded, ok bool, err error) {
	k, ok := Lookup(e.Type)
	if !ok || k.Type != e.Type {
		return Decoded{}, false, nil
	}
	m := k.newMsg()
	if err := e.Unmarshal(m); err != nil {
		return Decoded{}, true, err
	}
	la, sp := k.about(m)
	gss := ""
	if la != "" {
		gss, err = resource.ParseCouncil("local_authority", la)
		if err != nil {
			return Decoded{}, true, fmt.Errorf("event %s (%s): %w", e.ID, e.Type, err)
		}
	}
	return Decoded{Event: e, Kind: k, Message: m, Council: gss, Sponsor: sp, memo: &jsonMemo{}}, true, nil
}

// Visible reports whether p may see the event: whether the matrix gives p
// the whole record the event concerns (a summarised view, such as DfE's of
// a peer review, is not enough: an event carries the record's content).
func (d Decoded) Visible(p auth.Principal) bool {
	return access.ViewOf(p, d.Kind.Resource, access.Read, d.Kind.object(d.Council, d.Sponsor)) == access.Full
}

// LocalAuthority is the resource name of the event's council, or "".
func (d Decoded) LocalAuthority() string {
	if d.Council == "" {
		return ""
	}
	return resource.CouncilName(d.Council)
}

// Source is the CloudEvents source of events of topic.
func Source(topic string) string { return "/turnaround/" + topic }

// JSON is the payload as protobuf JSON, rendered once per decoded event
// however many copies ask.
func (d Decoded) JSON() ([]byte, error) {
	if d.memo == nil {
		return protojson.Marshal(d.Message)
	}
	d.memo.once.Do(func() { d.memo.data, d.memo.err = protojson.Marshal(d.Message) })
	return d.memo.data, d.memo.err
}

// CloudEvent is a CloudEvents 1.0 envelope in structured JSON mode.
type CloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject,omitempty"`
	Time            string          `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	LocalAuthority  string          `json:"localauthority,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// CloudEventJSON renders the event as a CloudEvents 1.0 structured-mode
// JSON document (content type application/cloudevents+json), its payload
// as protobuf JSON and its council in the extension attribute
// "localauthority".
func (d Decoded) CloudEventJSON() ([]byte, error) {
	data, err := d.JSON()
	if err != nil {
		return nil, fmt.Errorf("eventaccess: render %s: %w", d.ID, err)
	}
	return json.Marshal(CloudEvent{
		SpecVersion: "1.0", ID: d.ID, Source: Source(d.Topic), Type: d.Type, Subject: d.Subject,
		Time: d.Time.UTC().Format(time.RFC3339Nano), DataContentType: "application/json",
		LocalAuthority: d.LocalAuthority(), Data: data,
	})
}
