package inspectionclient_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient/inspectionclienttest"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		code     codes.Code
		want     codes.Code
		internal bool
	}{
		{codes.Unavailable, codes.Unavailable, false},
		{codes.DeadlineExceeded, codes.Unavailable, false},
		{codes.ResourceExhausted, codes.Unavailable, false},
		{codes.Canceled, codes.Canceled, false},
		{codes.PermissionDenied, codes.PermissionDenied, false},
		{codes.InvalidArgument, codes.Internal, true},
		{codes.Internal, codes.Internal, true},
	}
	for _, tc := range cases {
		err := inspectionclient.Error(status.Error(tc.code, "from the inspection service"))
		st, internal := apierror.Convert(err)
		if st.Code() != tc.want || internal != tc.internal {
			t.Errorf("%v: mapped to %v (internal %v), want %v (internal %v)", tc.code, st.Code(), internal, tc.want, tc.internal)
		}
		if tc.want == codes.Unavailable {
			if f, ok := fault.As(err); !ok || f.Reason != inspectionclient.ReasonUnavailable {
				t.Errorf("%v: %v, want reason %s", tc.code, err, inspectionclient.ReasonUnavailable)
			}
		}
	}
	if _, internal := apierror.Convert(inspectionclient.Error(errors.New("boom"))); !internal {
		t.Error("a non-status error was not treated as internal")
	}
}

func TestReadsEveryPage(t *testing.T) {
	double := &inspectionclienttest.Server{PageSize: 2}
	for _, gss := range []string{"E08000016", "E08000032", "E08000033", "E08000034", "E08000035"} {
		double.Councils = append(double.Councils, &inspectionv1.LocalAuthority{GssCode: gss})
		double.Risk = append(double.Risk, &inspectionv1.RiskAssessment{Name: "localAuthorities/" + gss + "/riskAssessment"})
	}
	double.Risk[1].InspectedUnderSif = true
	client := inspectionclienttest.Dial(t, double.Start(t))
	ctx := context.Background()

	las, err := inspectionclient.LocalAuthorities(ctx, client, "")
	if err != nil || len(las) != 5 {
		t.Fatalf("LocalAuthorities = %d councils, %v; want 5", len(las), err)
	}
	risk, err := inspectionclient.RiskAssessments(ctx, client, inspectionclienttest.NotInspectedFilter)
	if err != nil || len(risk) != 4 {
		t.Fatalf("RiskAssessments = %d, %v; want 4", len(risk), err)
	}
	// 5 councils in pages of 2 take three calls, 4 assessments two.
	if n := len(double.Calls()); n != 5 {
		t.Errorf("%d calls, want 5", n)
	}
	double.Stop()
	_, err = inspectionclient.RiskAssessments(ctx, client, "")
	if st, _ := apierror.Convert(err); st.Code() != codes.Unavailable {
		t.Errorf("after the server stopped: %v, want UNAVAILABLE", err)
	}
}
