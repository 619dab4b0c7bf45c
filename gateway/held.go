package gateway

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/gateway/internal/restjson"
)

// holdResponses makes the REST routes' calls keep each response as the
// bytes the service sent, undecoded: the gateway reads nothing of a
// response, it only writes it as JSON, and restjson writes a held message
// from its bytes. Decoding a large response (a match run explained need by
// need) and collecting its garbage was most of the gateway's cost. Only the
// calls of the services in the services table are held; the readiness
// probe's health checks, which the gateway reads, are decoded as usual.
func holdResponses(enc *restjson.Encoder) grpc.UnaryClientInterceptor {
	codec := heldCodec{enc: enc, proto: encoding.GetCodecV2(grpcproto.Name)}
	held := grpc.ForceCodecV2(codec)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if servedOverREST(method) {
			opts = append(opts, held)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// servedOverREST reports whether method ("/package.Service/Method") belongs
// to a service the gateway exposes.
func servedOverREST(method string) bool {
	name, _, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	return ok && slices.ContainsFunc(services, func(s service) bool { return s.name == name })
}

// heldCodec is gRPC's protobuf codec except that a response whose type
// restjson covers is held, not decoded. It keeps gRPC's codec name, so
// the wire is unchanged.
type heldCodec struct {
	enc   *restjson.Encoder
	proto encoding.CodecV2
}

func (c heldCodec) Name() string { return c.proto.Name() }

func (c heldCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

// Unmarshal holds a copy of data in v when restjson covers v's type; gRPC
// reuses data's buffers once it returns.
func (c heldCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(proto.Message); ok && c.enc.Covers(m.ProtoReflect().Descriptor()) {
		c.enc.Hold(m, data.Materialize())
		return nil
	}
	return c.proto.Unmarshal(data, v)
}
