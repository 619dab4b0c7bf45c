package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
)

// TestControlCharactersRefused: the binary's interceptor chain refuses a
// text field holding NUL with INVALID_ARGUMENT naming the field.
func TestControlCharactersRefused(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	client := inspectionv1.NewInspectionServiceClient(in.conn(t))
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(),
		"authorization", "Bearer "+devToken(t, keyFile, "-role", "dfe_official")), 20*time.Second)
	defer cancel()
	_, err := client.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{Filter: "region = LONDON\x00"})
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("NUL in filter: %v, want INVALID_ARGUMENT", err)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if len(fields) != 1 || fields[0] != "filter" {
		t.Errorf("violations on %v, want filter", fields)
	}
	if _, err := client.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{Filter: "region = LONDON\n"}); err != nil {
		t.Errorf("a newline in a filter: %v", err)
	}
}
