// Package servertest gives the handler tests of the sponsor service what
// their test server is made of: a fallback for the methods other handler
// sets serve.
package servertest

import (
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// Fallback answers UNIMPLEMENTED for every method of the SponsorService. A
// test's server embeds it beside the handler set under test, whose methods
// sit one level shallower and so serve in its place, as in the service's
// composite server.
type Fallback struct {
	sponsorv1.UnimplementedSponsorServiceServer
}
