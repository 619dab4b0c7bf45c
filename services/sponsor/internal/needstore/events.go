package needstore

import (
	"errors"
	"fmt"
	"slices"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// InterventionTopic is the topic the improvement-plan service publishes
// InterventionOrdered on.
const InterventionTopic = "improvementplan"

// InterventionOrderedType is the event type of InterventionOrdered; the
// topic carries other types too.
var InterventionOrderedType = events.TypeName(&eventsv1.InterventionOrdered{})

// SponsorNeedOpenedType is the event type of SponsorNeedOpened.
var SponsorNeedOpenedType = events.TypeName(&eventsv1.SponsorNeedOpened{})

// ErrMalformedEvent reports an event whose payload cannot be what its
// publisher meant: a consumer gives up on it rather than retrying, since
// delivering it again cannot help.
var ErrMalformedEvent = errors.New("needstore: malformed event")

// DecodeInterventionOrdered reads an InterventionOrdered event. ok is false
// for an event of another type, which the caller skips. The intervention
// must be named as one of the council the event names, since the need it
// opens lives under that council.
func DecodeInterventionOrdered(e events.Event) (iv need.Intervention, ok bool, err error) {
	if e.Type != InterventionOrderedType {
		return need.Intervention{}, false, nil
	}
	var m eventsv1.InterventionOrdered
	if err := e.Unmarshal(&m); err != nil {
		return need.Intervention{}, false, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	gss, _, named := need.ParseInterventionName(m.GetIntervention())
	if !named || m.GetLocalAuthority() != need.CouncilName(gss) {
		return need.Intervention{}, false, fmt.Errorf("%w: event %s: intervention %q of council %q",
			ErrMalformedEvent, e.ID, m.GetIntervention(), m.GetLocalAuthority())
	}
	return need.Intervention{
		Name:      m.GetIntervention(),
		GSSCode:   gss,
		Kind:      need.InterventionKind(m.GetKind()),
		Areas:     slices.Clone(m.GetAreas()),
		Plan:      m.GetImprovementPlan(),
		OrderedBy: m.GetOrderedBy(),
	}, true, nil
}
