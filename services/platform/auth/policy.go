package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Policy says who may call one RPC: a caller holding any of Roles.
type Policy struct {
	Roles []Role
	// Resource and Action name the access-matrix cell the policy comes
	// from (see package access), when it does: the matrix test and the
	// docs read them.
	Resource, Action string
}

// AnyAuthenticated is the policy of an RPC every authenticated caller may
// use; object-level checks in the handler still apply.
func AnyAuthenticated() Policy {
	return Policy{Roles: AllRoles()}
}

// Allow is the policy admitting exactly roles.
func Allow(roles ...Role) Policy {
	return Policy{Roles: roles}
}

// Policies maps full gRPC method names
// ("/turnaround.inspection.v1.InspectionService/GetLocalAuthority") to their
// policies. A method absent from the map may not be called at all.
type Policies map[string]Policy

// With is ps and more in one table, for a handler set whose methods act
// on several resources. A method in both is a mistake in the table, so it
// panics, and fails when the service starts.
func (ps Policies) With(more Policies) Policies {
	out := make(Policies, len(ps)+len(more))
	for method, p := range ps {
		out[method] = p
	}
	for method, p := range more {
		if _, dup := out[method]; dup {
			panic(fmt.Sprintf("auth: two policies for %s", method))
		}
		out[method] = p
	}
	return out
}

// Validate reports malformed method names, unknown roles and policies that
// admit nobody, so a service can check its table in a test instead of
// finding out from a caller's PERMISSION_DENIED.
func (ps Policies) Validate() error {
	var errs []error
	for method, p := range ps {
		svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
		if !strings.HasPrefix(method, "/") || !ok || svc == "" || name == "" || strings.Contains(name, "/") {
			errs = append(errs, fmt.Errorf("policy key %q is not a full method name /package.Service/Method", method))
		}
		if len(p.Roles) == 0 {
			errs = append(errs, fmt.Errorf("policy for %s admits no role", method))
		}
		for _, r := range p.Roles {
			if _, err := ParseRole(string(r)); err != nil {
				errs = append(errs, fmt.Errorf("policy for %s: %w", method, err))
			}
		}
	}
	return errors.Join(errs...)
}

// isOpen reports methods anyone may call without a token: health checks
// (probes and load balancers carry no credentials) and reflection (it
// describes the API, which is public in the OpenAPI document anyway).
func isOpen(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.")
}

// authorize authenticates the caller of method and checks its policy,
// returning the context to serve the call with. The policy is looked up
// before the token is read, so a method nobody declared is refused even to
// callers without credentials.
func authorize(ctx context.Context, v *Verifier, ps Policies, method string) (context.Context, error) {
	if isOpen(method) {
		return ctx, nil
	}
	pol, ok := ps[method]
	if !ok {
		return nil, apierror.Error(fault.PermissionDenied(ReasonPolicyMissing,
			"method %s declares no access policy", method))
	}
	p, err := v.Authenticate(ctx)
	if err != nil {
		return nil, apierror.Error(err)
	}
	if !p.HasRole(pol.Roles...) {
		return nil, apierror.Error(fault.PermissionDenied(ReasonRoleNotAllowed,
			"the caller's roles may not call %s", method))
	}
	return NewContext(ctx, p), nil
}

// UnaryServerInterceptor authenticates every unary call except health and
// reflection, enforces ps, and serves the call with the caller's Principal
// in its context. Its errors are gRPC statuses, so it works at any position
// in an interceptor chain.
func UnaryServerInterceptor(v *Verifier, ps Policies) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := authorize(ctx, v, ps, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(v *Verifier, ps Policies) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := authorize(ss.Context(), v, ps, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
	}
}

// principalStream is a ServerStream whose context carries the Principal.
type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the stream's context with the Principal.
func (s *principalStream) Context() context.Context { return s.ctx }

// ForService gathers the policies a service's handler sets declare into one
// table and checks it against the service's descriptor: every method has
// exactly one policy, no policy names a method the service lacks, and
// Validate passes. A service composed of several handler sets calls it
// once, so a new RPC cannot ship unguarded or guarded twice.
func ForService(desc grpc.ServiceDesc, sets ...Policies) (Policies, error) {
	methods := make(map[string]bool, len(desc.Methods)+len(desc.Streams))
	for _, m := range desc.Methods {
		methods["/"+desc.ServiceName+"/"+m.MethodName] = true
	}
	for _, s := range desc.Streams {
		methods["/"+desc.ServiceName+"/"+s.StreamName] = true
	}
	all := Policies{}
	for _, set := range sets {
		for method, p := range set {
			if _, dup := all[method]; dup {
				return nil, fmt.Errorf("auth: %s: policy for %s declared twice", desc.ServiceName, method)
			}
			if !methods[method] {
				return nil, fmt.Errorf("auth: %s: policy for %s, a method the service does not have", desc.ServiceName, method)
			}
			all[method] = p
		}
	}
	for method := range methods {
		if _, ok := all[method]; !ok {
			return nil, fmt.Errorf("auth: %s: no policy for %s", desc.ServiceName, method)
		}
	}
	return all, all.Validate()
}
