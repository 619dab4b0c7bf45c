package rpc

import (
	"context"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Idempotent is a request that carries a request_id (AIP-155): a retry
// with the same one replays the first response.
type Idempotent interface {
	proto.Message
	GetRequestId() string
}

// Create is how a Create method reads the resource its request holds, the
// same in every service: a missing resource, a field that does not
// decode, a request_id over the limit and the handler's own checks (its
// parent, a client-chosen ID) are reported together in one
// INVALID_ARGUMENT, with the domain rules' findings beside them.
type Create[M proto.Message, T any] struct {
	// Method is the full gRPC method name, for the audit trail and
	// idempotency.
	Method string
	// Field is the request field that holds the resource, such as
	// "sponsor"; the violations of its fields are named under Field + ".".
	Field string
	// Needs says what a missing resource must hold: its violation reads
	// "is required: " + Needs.
	Needs string
	// Decode reads the client-settable fields of the resource, naming its
	// violations under the prefix it is given.
	Decode func(M, string) (T, fault.Violations)
	// Rules are the domain rules' check of a decoded resource (nil when
	// the handler has none to add), never reported on a field the
	// request's own checks already name. Unless Strict, they are reported
	// only beside another problem: a request with no other problem goes on
	// to the use case, which applies the rules itself.
	Rules func(T) error
	// Strict has Rules judge every request the handler reads, so that a
	// resource they refuse never reaches the use case.
	Strict bool
	// RulesWhenMissing has Rules judge the zero resource when the request
	// holds none, so that the refusal also says which of its fields are
	// required.
	RulesWhenMissing bool
}

// Read decodes in, the resource req holds, and checks req's request_id.
// checks are the handler's other findings on the same request, such as a
// parent that is no resource name; any problem comes back as one
// INVALID_ARGUMENT (see Create). Otherwise Read returns the decoded
// resource and the change.Request of the call.
func (c Create[M, T]) Read(ctx context.Context, req Idempotent, in M, checks ...error) (T, change.Request, error) {
	var draft T
	var vs fault.Violations
	present := in.ProtoReflect().IsValid()
	if present {
		draft, vs = c.Decode(in, c.Field+".")
	} else {
		vs.Add(c.Field, "is required: %s", c.Needs)
	}
	CheckRequestID(&vs, req.GetRequestId())
	problem := len(vs) > 0 || slices.ContainsFunc(checks, func(err error) bool { return err != nil })
	if c.Rules != nil && (present || c.RulesWhenMissing) && (problem || c.Strict) {
		if ruleErr := c.Rules(draft); ruleErr != nil {
			checks, problem = append(slices.Clip(checks), ruleErr), true
		}
	}
	if problem {
		var zero T
		return zero, change.Request{}, fault.JoinFields(vs, checks...)
	}
	r, err := NewRequest(ctx, c.Method, req.GetRequestId(), req)
	if err != nil {
		var zero T
		return zero, change.Request{}, err
	}
	return draft, r, nil
}
