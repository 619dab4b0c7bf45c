package peerreview

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// TestFiltersSpellEnumsAsResponsesDo: every enum a list filters on takes the
// names responses print.
func TestFiltersSpellEnumsAsResponsesDo(t *testing.T) {
	type enums = map[string]protoreflect.EnumDescriptor
	rpctest.FilterSpellings(t, review.FilterSchema, enums{
		"state": peerreviewv1.ReviewState(0).Descriptor(), "kind": peerreviewv1.ReviewKind(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, reviewer.FilterSchema, enums{
		"role": peerreviewv1.ReviewerRole(0).Descriptor(), "region": typev1.Region(0).Descriptor(),
		"expertise": peerreviewv1.Theme(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, whatworks.FilterSchema, enums{
		"theme": peerreviewv1.Theme(0).Descriptor(), "region": typev1.Region(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, offer.FilterSchema, enums{
		"tier": peerreviewv1.OfferTier(0).Descriptor(), "state": peerreviewv1.OfferState(0).Descriptor(),
	})
}
