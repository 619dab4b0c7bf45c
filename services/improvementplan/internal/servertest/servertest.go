// Package servertest gives the handler tests of the improvement-plan service what
// their test server is made of: a fallback for the methods other handler
// sets serve.
package servertest

import (
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
)

// Fallback answers UNIMPLEMENTED for every method of the ImprovementPlanService. A
// test's server embeds it beside the handler set under test, whose methods
// sit one level shallower and so serve in its place, as in the service's
// composite server.
type Fallback struct {
	improvementplanv1.UnimplementedImprovementPlanServiceServer
}
