package main

import (
	"context"
	"fmt"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// The list of each other service the bench reads, across every council, a
// page of benchPageSize at most: what a dashboard asks for first.
const (
	benchListPlans   = "turnaround.improvementplan.v1.ImprovementPlanService.ListImprovementPlans"
	benchListNeeds   = "turnaround.sponsor.v1.SponsorService.ListSponsorNeeds"
	benchListReviews = "turnaround.peerreview.v1.PeerReviewService.ListPeerReviews"
)

// benchListEcho is the baseline of the other services' lists: the real
// binary's own responses, captured once, answered by bare servers.
type benchListEcho struct {
	plans   *improvementplanv1.ListImprovementPlansResponse
	needs   *sponsorv1.ListSponsorNeedsResponse
	reviews *peerreviewv1.ListPeerReviewsResponse
}

type benchPlanEcho struct {
	improvementplanv1.UnimplementedImprovementPlanServiceServer
	resp   *improvementplanv1.ListImprovementPlansResponse
	writes *benchWrites
}

func (e benchPlanEcho) ListImprovementPlans(context.Context, *improvementplanv1.ListImprovementPlansRequest) (*improvementplanv1.ListImprovementPlansResponse, error) {
	return e.resp, nil
}

type benchNeedEcho struct {
	sponsorv1.UnimplementedSponsorServiceServer
	resp   *sponsorv1.ListSponsorNeedsResponse
	writes *benchWrites
}

func (e benchNeedEcho) ListSponsorNeeds(context.Context, *sponsorv1.ListSponsorNeedsRequest) (*sponsorv1.ListSponsorNeedsResponse, error) {
	return e.resp, nil
}

type benchReviewEcho struct {
	peerreviewv1.UnimplementedPeerReviewServiceServer
	resp   *peerreviewv1.ListPeerReviewsResponse
	writes *benchWrites
}

func (e benchReviewEcho) ListPeerReviews(context.Context, *peerreviewv1.ListPeerReviewsRequest) (*peerreviewv1.ListPeerReviewsResponse, error) {
	return e.resp, nil
}

// benchListFiles are the proto files of the services whose lists the bench
// reads, for the protoset ghz loads.
func benchListFiles() []protoreflect.FileDescriptor {
	return []protoreflect.FileDescriptor{
		improvementplanv1.File_turnaround_improvementplan_v1_improvementplan_proto,
		sponsorv1.File_turnaround_sponsor_v1_sponsor_proto,
		peerreviewv1.File_turnaround_peerreview_v1_peerreview_proto,
	}
}

// captureLists reads the lists from the real binary as DfE, which reads
// every council's plans and needs and the fact of every peer review.
func (b *bench) captureLists() {
	t := b.t
	ctx := b.outgoing(b.dfeToken)
	plans, err := improvementplanv1.NewImprovementPlanServiceClient(b.realConn).ListImprovementPlans(ctx,
		&improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/-", PageSize: benchPageSize})
	if err != nil {
		t.Fatalf("ListImprovementPlans on the real binary: %v", err)
	}
	needs, err := sponsorv1.NewSponsorServiceClient(b.realConn).ListSponsorNeeds(ctx,
		&sponsorv1.ListSponsorNeedsRequest{Parent: "localAuthorities/-", PageSize: benchPageSize})
	if err != nil {
		t.Fatalf("ListSponsorNeeds on the real binary: %v", err)
	}
	reviews, err := peerreviewv1.NewPeerReviewServiceClient(b.realConn).ListPeerReviews(ctx,
		&peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: benchPageSize})
	if err != nil {
		t.Fatalf("ListPeerReviews on the real binary: %v", err)
	}
	b.lists = benchListEcho{plans: plans, needs: needs, reviews: reviews}
	t.Logf("captured lists: %d plans (%d bytes), %d needs (%d bytes), %d peer reviews (%d bytes)",
		len(plans.GetImprovementPlans()), proto.Size(plans), len(needs.GetSponsorNeeds()), proto.Size(needs),
		len(reviews.GetPeerReviews()), proto.Size(reviews))
}

// registerListEchoes puts the list baselines on the echo server, beside
// the InspectionService echo, so the gateway in front of it serves them
// over REST too.
func (b *bench) registerListEchoes(srv *grpc.Server) {
	improvementplanv1.RegisterImprovementPlanServiceServer(srv, benchPlanEcho{resp: b.lists.plans, writes: &b.writes})
	sponsorv1.RegisterSponsorServiceServer(srv, benchNeedEcho{resp: b.lists.needs, writes: &b.writes})
	peerreviewv1.RegisterPeerReviewServiceServer(srv, benchReviewEcho{resp: b.lists.reviews, writes: &b.writes})
}

// runLists measures one list of each other service over gRPC and REST
// against its echo (reads, target 0.70 of echo as the performance issue
// asks).
func (b *bench) runLists() {
	page := strconv.Itoa(benchPageSize)
	data := fmt.Sprintf(`{"parent":"localAuthorities/-","page_size":%d}`, benchPageSize)
	for _, l := range []struct{ name, call, path string }{
		{"ListImprovementPlans", benchListPlans, "/v1/localAuthorities/-/improvementPlans?page_size=" + page},
		{"ListSponsorNeeds", benchListNeeds, "/v1/localAuthorities/-/sponsorNeeds?page_size=" + page},
		{"ListPeerReviews", benchListReviews, "/v1/localAuthorities/-/peerReviews?page_size=" + page},
	} {
		name := fmt.Sprintf("%s (every council, page of %d)", l.name, benchPageSize)
		b.run(benchScenario{
			name: name, transport: "gRPC", target: 0.7,
			baseline: func() benchResult { return b.ghz(b.echoGRPC, l.call, data, "", b.dfeToken) },
			real:     func() benchResult { return b.ghz(b.realGRPC, l.call, data, "", b.dfeToken) },
		})
		b.run(benchScenario{
			name: name, transport: "REST", target: 0.7,
			baseline: func() benchResult { return b.hey(b.echoHTTP + l.path) },
			real:     func() benchResult { return b.hey(b.realHTTP + l.path) },
		})
	}
}
