package projectionapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

type testServer struct {
	servertest.Fallback
	*Projections
}

// source is a Source over judgements built in the test; setting err makes
// it fail like an unreachable store.
type source struct {
	mu         sync.Mutex
	judgements []projection.Judgement
	err        error
}

func (s *source) Published(context.Context) ([]projection.Judgement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.judgements), s.err
}

func (s *source) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// secretCause is the text of a store failure that must never reach a caller.
const secretCause = "redis: dial tcp 10.0.0.7:6379: connection refused"

// lgaLate2015 is 80 councils of the reference data inspected under SIF
// between 2014-01-14 and 2015-12-14, every fourth of them inadequate (20),
// plus an ILACS judgement that must not count.
func lgaLate2015() []projection.Judgement {
	councils := reference.Councils()
	first := time.Date(2014, time.January, 14, 0, 0, 0, 0, time.UTC)
	out := make([]projection.Judgement, 0, 81)
	for i := range 80 {
		g := reference.Good
		if i%4 == 0 {
			g = reference.Inadequate
		}
		out = append(out, projection.Judgement{
			Council:      councils[i].GSSCode,
			Framework:    projection.FrameworkSIF,
			OverallGrade: g,
			PublishDate:  first.AddDate(0, 0, 699*i/79),
		})
	}
	return append(out, projection.Judgement{
		Council: councils[100].GSSCode, Framework: "ILACS", OverallGrade: reference.Inadequate,
		PublishDate: time.Date(2015, time.June, 1, 0, 0, 0, 0, time.UTC),
	})
}

type harness struct {
	client inspectionv1.InspectionServiceClient
	source *source
}

// newHarness serves the handler behind the real interceptor chain
// (rpctest.Serve). The clock reads 2015-12-14, the day of the LGA's figure.
func newHarness(t *testing.T) *harness {
	t.Helper()
	src := &source{judgements: lgaLate2015()}
	now := func() time.Time { return time.Date(2015, time.December, 14, 15, 0, 0, 0, time.UTC) }
	client := rpctest.Client(t, Policies, &inspectionv1.InspectionService_ServiceDesc,
		testServer{Projections: NewProjections(src, now)}, inspectionv1.NewInspectionServiceClient)
	return &harness{client: client, source: src}
}

func (h *harness) as(t *testing.T, p auth.Principal) context.Context { return rpctest.As(t, p) }

// principals has one caller of every role.
var principals = []auth.Principal{
	{Subject: "inspector", Roles: []auth.Role{auth.RoleOfstedInspector}},
	{Subject: "adviser", Roles: []auth.Role{auth.RoleLGAAdviser}},
	{Subject: "official", Roles: []auth.Role{auth.RoleDfEOfficial}},
	{Subject: "officer", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E08000035"},
	{Subject: "sponsor", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"},
	{Subject: "partner", Roles: []auth.Role{auth.RolePartnerSystem}},
}

func date(y, m, d int32) *typev1.Date { return &typev1.Date{Year: y, Month: m, Day: d} }

func TestPoliciesAreValid(t *testing.T) {
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, ok := Policies[inspectionv1.InspectionService_GetInadequacyProjection_FullMethodName]; !ok {
		t.Fatal("GetInadequacyProjection declares no policy")
	}
}

func TestEveryRoleReadsTheProjection(t *testing.T) {
	h := newHarness(t)
	if len(principals) != len(auth.AllRoles()) {
		t.Fatalf("the table covers %d roles of %d", len(principals), len(auth.AllRoles()))
	}
	for _, p := range principals {
		t.Run(string(p.Roles[0]), func(t *testing.T) {
			got, err := h.client.GetInadequacyProjection(h.as(t, p), &inspectionv1.GetInadequacyProjectionRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetProjectedInadequateWhenAllInspected() != 38 {
				t.Fatalf("projected %d, want 38", got.GetProjectedInadequateWhenAllInspected())
			}
		})
	}
}

func TestProjectionResponse(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, principals[1])
	tests := []struct {
		name                           string
		req                            *inspectionv1.GetInadequacyProjectionRequest
		asOf, target                   string
		inspected, inadequate, whenAll int32
		rate                           float64
		inspectedBy, inadequateBy      int32
		completion                     string
		methodHas                      []string
	}{
		{
			name: "defaults: today by the clock, to April 2017",
			req:  &inspectionv1.GetInadequacyProjectionRequest{},
			asOf: "2015-12-14", target: "2017-04-01",
			inspected: 80, inadequate: 20, whenAll: 38, rate: 0.25,
			inspectedBy: 134, inadequateBy: 34, completion: "2017-09-04",
			methodHas: []string{"20 / 80", "= 38 inadequate", "2014-01-14"},
		},
		{
			name: "explicit dates",
			req:  &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2015, 12, 14), TargetDate: date(2016, 12, 14)},
			asOf: "2015-12-14", target: "2016-12-14",
			// 366 days on at 80 per 700 days: 80 + 41.8 = 122; 20/80 × 122 = 30.5, so 31.
			inspected: 80, inadequate: 20, whenAll: 38, rate: 0.25,
			inspectedBy: 122, inadequateBy: 31, completion: "2017-09-04",
		},
		{
			name: "as of a date before any judgement",
			req:  &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2013, 6, 1)},
			asOf: "2013-06-01", target: "2017-04-01",
			methodHas: []string{"no inadequate rate"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.client.GetInadequacyProjection(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if s := isoDate(got.GetAsOf()); s != tc.asOf {
				t.Errorf("as_of %s, want %s", s, tc.asOf)
			}
			if s := isoDate(got.GetTargetDate()); s != tc.target {
				t.Errorf("target_date %s, want %s", s, tc.target)
			}
			if got.GetTotalCouncils() != 152 {
				t.Errorf("total_councils %d, want 152", got.GetTotalCouncils())
			}
			if got.GetInspectedCount() != tc.inspected || got.GetInadequateCount() != tc.inadequate ||
				got.GetProjectedInadequateWhenAllInspected() != tc.whenAll || got.GetInadequateRate() != tc.rate {
				t.Errorf("inspected %d, inadequate %d, rate %v, when all %d; want %d, %d, %v, %d",
					got.GetInspectedCount(), got.GetInadequateCount(), got.GetInadequateRate(), got.GetProjectedInadequateWhenAllInspected(),
					tc.inspected, tc.inadequate, tc.rate, tc.whenAll)
			}
			if got.GetProjectedInspectedByTarget() != tc.inspectedBy || got.GetProjectedInadequateByTarget() != tc.inadequateBy {
				t.Errorf("by target %d inspected, %d inadequate; want %d, %d",
					got.GetProjectedInspectedByTarget(), got.GetProjectedInadequateByTarget(), tc.inspectedBy, tc.inadequateBy)
			}
			if s := isoDate(got.GetProjectedCompletionDate()); s != tc.completion {
				t.Errorf("projected_completion_date %q, want %q", s, tc.completion)
			}
			if tc.inspected > 0 && got.GetInspectionsPerMonth() <= 0 {
				t.Errorf("inspections_per_month %v, want a positive pace", got.GetInspectionsPerMonth())
			}
			for _, s := range tc.methodHas {
				if !strings.Contains(got.GetMethod(), s) {
					t.Errorf("method lacks %q: %s", s, got.GetMethod())
				}
			}
		})
	}
}

func isoDate(d *typev1.Date) string {
	if d == nil {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

func TestBadDates(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, principals[0])
	tests := []struct {
		name   string
		req    *inspectionv1.GetInadequacyProjectionRequest
		fields []string
	}{
		{"as_of not a calendar date", &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2015, 2, 30)}, []string{"as_of"}},
		{"as_of without a year", &inspectionv1.GetInadequacyProjectionRequest{AsOf: &typev1.Date{Month: 3, Day: 1}}, []string{"as_of"}},
		{"target_date month 13", &inspectionv1.GetInadequacyProjectionRequest{TargetDate: date(2016, 13, 1)}, []string{"target_date"}},
		{"both malformed, reported together", &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2015, 0, 1), TargetDate: date(2016, 1, 0)}, []string{"as_of", "target_date"}},
		{"target_date before as_of", &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2015, 6, 1), TargetDate: date(2015, 5, 31)}, []string{"target_date"}},
		{"target_date before the default as_of", &inspectionv1.GetInadequacyProjectionRequest{TargetDate: date(2015, 12, 13)}, []string{"target_date"}},
		{"as_of after today", &inspectionv1.GetInadequacyProjectionRequest{AsOf: date(2015, 12, 15)}, []string{"as_of"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.GetInadequacyProjection(ctx, tc.req)
			rpctest.ExpectError(t, tc.name, err, codes.InvalidArgument, "", tc.fields...)
		})
	}
}

func TestDenied(t *testing.T) {
	h := newHarness(t)
	otherKey := []byte("another-key-of-thirty-two-bytes!")
	forged, err := auth.MintDevToken(otherKey, principals[0], time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"no token", context.Background()},
		{"not a bearer token", metadata.AppendToOutgoingContext(context.Background(), "authorization", "Basic dXNlcjpwYXNz")},
		{"garbage token", metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer not.a.jwt")},
		{"token signed with another key", metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+forged)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.GetInadequacyProjection(tc.ctx, &inspectionv1.GetInadequacyProjectionRequest{})
			if code := status.Code(err); code != codes.Unauthenticated {
				t.Fatalf("code %s (%v), want UNAUTHENTICATED", code, err)
			}
		})
	}
}

func TestSourceFailureIsInternalAndHidden(t *testing.T) {
	h := newHarness(t)
	h.source.fail(errors.New(secretCause))
	_, err := h.client.GetInadequacyProjection(h.as(t, principals[2]), &inspectionv1.GetInadequacyProjectionRequest{})
	st := status.Convert(err)
	if st.Code() != codes.Internal {
		t.Fatalf("code %s (%v), want INTERNAL", st.Code(), err)
	}
	if strings.Contains(st.Message(), "redis") || strings.Contains(st.Message(), "10.0.0.7") {
		t.Fatalf("the store's error leaked: %q", st.Message())
	}
}
