// Package confidential is who may see a council's peer-review records.
// Peer reviews and the support offers they lead to are sector-led and
// confidential to the council and the LGA: an LGA adviser sees every
// council's, a council officer only its own. This is stricter than
// auth.RequireCouncil, which also admits Ofsted and DfE, whatever other
// roles a token holds beside council_officer. The policies keep other
// roles out before a handler runs; the check still refuses them, so a
// widened policy cannot leak a council's records.
package confidential

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Require returns nil when the caller in ctx may do action (such as "see
// the support offers") to the records of the council gss, or of every
// council for resource.AllCouncils, and PERMISSION_DENIED
// (COUNCIL_NOT_ALLOWED) otherwise.
func Require(ctx context.Context, gss, action string) error {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return err
	}
	if p.HasRole(auth.RoleLGAAdviser) {
		return nil
	}
	if gss != resource.AllCouncils && p.HasRole(auth.RoleCouncilOfficer) && p.Authority == gss {
		return nil
	}
	return fault.PermissionDenied(auth.ReasonCouncilNotAllowed,
		"the caller may not %s of %s", action, resource.CouncilName(gss)).With("authority", gss)
}
