package auth

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
)

func TestForService(t *testing.T) {
	desc := grpc.ServiceDesc{
		ServiceName: "turnaround.test.v1.TestService",
		Methods:     []grpc.MethodDesc{{MethodName: "Get"}, {MethodName: "Put"}},
	}
	get := Policies{"/turnaround.test.v1.TestService/Get": AnyAuthenticated()}
	put := Policies{"/turnaround.test.v1.TestService/Put": Allow(RoleDfEOfficial)}
	other := Policies{"/turnaround.test.v1.TestService/Delete": Allow(RoleDfEOfficial)}
	for _, tc := range []struct {
		name    string
		sets    []Policies
		wantErr string
	}{
		{"every method once", []Policies{get, put}, ""},
		{"a method without a policy", []Policies{get}, "no policy for /turnaround.test.v1.TestService/Put"},
		{"a method declared twice", []Policies{get, put, get}, "declared twice"},
		{"a policy for a method the service lacks", []Policies{get, put, other}, "does not have"},
		{"a policy admitting nobody", []Policies{get, {"/turnaround.test.v1.TestService/Put": {}}}, "Put"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := ForService(desc, tc.sets...)
			if tc.wantErr == "" {
				if err != nil || len(ps) != 2 {
					t.Fatalf("ForService = %v, %v", ps, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ForService error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
