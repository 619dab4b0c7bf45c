package needstore

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// SponsorNeedOpenedType is the event type of SponsorNeedOpened.
var SponsorNeedOpenedType = events.TypeName(&eventsv1.SponsorNeedOpened{})
