// Package servertest gives the handler tests of the peer-review service what
// their test server is made of: a fallback for the methods other handler
// sets serve.
package servertest

import (
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
)

// Fallback answers UNIMPLEMENTED for every method of the PeerReviewService. A
// test's server embeds it beside the handler set under test, whose methods
// sit one level shallower and so serve in its place, as in the service's
// composite server.
type Fallback struct {
	peerreviewv1.UnimplementedPeerReviewServiceServer
}
