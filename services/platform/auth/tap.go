package auth

import (
	"context"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/tap"
)

// TapHandle makes the same decision as the interceptors, authentication and
// policy, when a call's headers arrive and before its request message is
// read (serve.Options.InTap). A caller without a valid token, or whose roles
// may not call the method, is refused without the server reading, let alone
// decoding, up to the receive limit of payload. The interceptors still run
// (a verified token is cached, so the second check is cheap) and put the
// Principal in the call's context.
//
// It runs on the connection's reading goroutine: verification uses the
// cached key set, and a token naming an unknown key fetches the JWKS at most
// once per MinRefreshInterval.
func TapHandle(v *Verifier, ps Policies) tap.ServerInHandle {
	return func(ctx context.Context, info *tap.Info) (context.Context, error) {
		if isOpen(info.FullMethodName) {
			return ctx, nil
		}
		if _, err := authorize(metadata.NewIncomingContext(ctx, info.Header), v, ps, info.FullMethodName); err != nil {
			return nil, err
		}
		return ctx, nil
	}
}
