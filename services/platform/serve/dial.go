package serve

import (
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Dial returns a client connection to target that traces and measures every
// call through otelgrpc's stats handler (propagating trace context to the
// server). The transport is insecure (plaintext) unless opts carry transport
// credentials, such as ClientCredentials; later options win. Like
// grpc.NewClient, Dial does not connect until the first call.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	all := append([]grpc.DialOption{
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, opts...)
	conn, err := grpc.NewClient(target, all...)
	if err != nil {
		return nil, fmt.Errorf("serve: dial %s: %w", target, err)
	}
	return conn, nil
}
