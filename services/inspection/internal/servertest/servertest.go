// Package servertest gives the handler tests of the inspection service what
// their test server is made of: a fallback for the methods other handler
// sets serve.
package servertest

import (
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
)

// Fallback answers UNIMPLEMENTED for every method of the InspectionService. A
// test's server embeds it beside the handler set under test, whose methods
// sit one level shallower and so serve in its place, as in the service's
// composite server.
type Fallback struct {
	inspectionv1.UnimplementedInspectionServiceServer
}
