package rpc

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// sponsorUpdate reads an update of a sponsor's display name, as an Update
// method of a resource named by an ID would.
var sponsorUpdate = Update[*sponsorv1.Sponsor, string, mask.Mask]{
	Method: "M",
	Field:  "sponsor",
	Mask: func(paths []string) (mask.Mask, error) {
		return mask.Parse(paths, []string{"display_name"}, nil, "display_name")
	},
	Decode: func(m *sponsorv1.Sponsor, _ string) (string, fault.Violations) { return m.GetDisplayName(), nil },
}

// needUpdate is sponsorUpdate for a resource that belongs to a council.
var needUpdate = Update[*sponsorv1.SponsorNeed, int32, mask.Mask]{
	Method: "M",
	Field:  "sponsor_need",
	Mask:   func(paths []string) (mask.Mask, error) { return mask.Parse(paths, []string{"urgency"}, nil, "urgency") },
	Decode: func(m *sponsorv1.SponsorNeed, _ string) (int32, fault.Violations) { return m.GetUrgency(), nil },
}

func violationFields(err error) []string {
	f, _ := fault.As(err)
	var out []string
	for _, v := range f.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestReadIDReadsTheNameBesideThePatch(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleDfEOfficial}})
	in := &sponsorv1.Sponsor{Name: "sponsors/north-yorkshire", DisplayName: "North Yorkshire", Etag: change.Format(3)}
	req := &sponsorv1.UpdateSponsorRequest{Sponsor: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}
	id, p, err := sponsorUpdate.ReadID(ctx, req, in, "sponsors")
	if err != nil || id != "north-yorkshire" || p.Values != "North Yorkshire" || !p.Mask.Has("display_name") || p.Request.Method != "M" {
		t.Fatalf("ReadID = %q, %+v, %v", id, p, err)
	}

	in = &sponsorv1.Sponsor{Name: "councils/leeds", DisplayName: "Leeds"}
	req = &sponsorv1.UpdateSponsorRequest{Sponsor: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}
	id, _, err = sponsorUpdate.ReadID(ctx, req, in, "sponsors")
	if got, want := violationFields(err), []string{"sponsor.etag", "sponsor.name"}; id != "" || !slices.Equal(got, want) {
		t.Errorf("ReadID of a bad name and no etag = %q, violations on %v; want none, violations on %v", id, got, want)
	}

	_, _, err = sponsorUpdate.ReadID(ctx, &sponsorv1.UpdateSponsorRequest{}, (*sponsorv1.Sponsor)(nil), "sponsors")
	if got, want := violationFields(err), []string{"sponsor"}; !slices.Equal(got, want) {
		t.Errorf("ReadID without the resource: violations on %v, want %v", got, want)
	}
}

func TestReadChildReadsTheCouncilAndIDBesideThePatch(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleDfEOfficial}})
	in := &sponsorv1.SponsorNeed{Name: "localAuthorities/E08000035/sponsorNeeds/n1", Urgency: 4, Etag: change.Format(2)}
	req := &sponsorv1.UpdateSponsorNeedRequest{SponsorNeed: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"urgency"}}}
	gss, id, p, err := needUpdate.ReadChild(ctx, req, in, "sponsorNeeds")
	if err != nil || gss != "E08000035" || id != "n1" || p.Values != 4 || !p.Mask.Has("urgency") {
		t.Fatalf("ReadChild = %q, %q, %+v, %v", gss, id, p, err)
	}

	in = &sponsorv1.SponsorNeed{Name: "localAuthorities/E08000035/plans/n1", Urgency: 4, Etag: change.Format(2)}
	req = &sponsorv1.UpdateSponsorNeedRequest{SponsorNeed: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"urgency"}}}
	gss, id, _, err = needUpdate.ReadChild(ctx, req, in, "sponsorNeeds")
	if got, want := violationFields(err), []string{"sponsor_need.name"}; gss != "" || id != "" || !slices.Equal(got, want) {
		t.Errorf("ReadChild of another collection's name = %q, %q, violations on %v; want none, violations on %v", gss, id, got, want)
	}
}

// leedsOnly is an access decision that lets the caller at the resources
// of Leeds (E08000035), and of no council in particular, and keeps what
// it was asked.
type leedsOnly struct{ asked []string }

// errNotLeeds is leedsOnly's refusal.
var errNotLeeds = fault.PermissionDenied("NOT_YOURS", "not yours")

func (a *leedsOnly) authorize(_ context.Context, gss, name string) error {
	a.asked = append(a.asked, gss+" "+name)
	if gss != "E08000035" && gss != "" {
		return errNotLeeds
	}
	return nil
}

func TestGetChildAuthorizesBeforeItReads(t *testing.T) {
	var access leedsOnly
	var read []string
	get := func(_ context.Context, gss, id string) (string, error) {
		read = append(read, gss+" "+id)
		return "need " + id, nil
	}
	ctx := context.Background()
	if got, err := GetChild(ctx, "sponsorNeeds", "localAuthorities/E08000035/sponsorNeeds/n1", access.authorize, get); err != nil || got != "need n1" {
		t.Errorf("GetChild = %q, %v; want need n1", got, err)
	}
	if _, err := GetChild(ctx, "sponsorNeeds", "localAuthorities/E08000019/sponsorNeeds/n2", access.authorize, get); err != errNotLeeds {
		t.Errorf("GetChild of another council's = %v, want the refusal", err)
	}
	if _, err := GetChild(ctx, "sponsorNeeds", "sponsorNeeds/n3", access.authorize, get); !slices.Equal(violationFields(err), []string{"name"}) {
		t.Errorf("GetChild of a bad name = %v, want a violation on name", err)
	}
	if want := []string{"E08000035 localAuthorities/E08000035/sponsorNeeds/n1", "E08000019 localAuthorities/E08000019/sponsorNeeds/n2"}; !slices.Equal(access.asked, want) {
		t.Errorf("asked %q, want %q", access.asked, want)
	}
	if want := []string{"E08000035 n1"}; !slices.Equal(read, want) {
		t.Errorf("read %q, want only the allowed one, %q", read, want)
	}
}

// TestParentChecksDecideAccessBeforeTheRegister: ParentCouncil and
// ListParent refuse a caller before they say a council is missing, and
// ListParent asks about no council in particular for every council.
func TestParentChecksDecideAccessBeforeTheRegister(t *testing.T) {
	allowAll := func(context.Context, string, string) error { return nil }
	ctx := context.Background()
	for name, check := range map[string]func(context.Context, string, string, func(context.Context, string, string) error) error{
		"ParentCouncil": ParentCouncil, "ListParent": ListParent,
	} {
		var access leedsOnly
		if err := check(ctx, "E08000035", "localAuthorities/E08000035", access.authorize); err != nil {
			t.Errorf("%s of Leeds = %v, want nil", name, err)
		}
		if err := check(ctx, "E99999999", "localAuthorities/E99999999", access.authorize); err != errNotLeeds {
			t.Errorf("%s of a refused council outside the register = %v, want the refusal", name, err)
		}
		err := check(ctx, "E99999999", "localAuthorities/E99999999", allowAll)
		if f, ok := fault.As(err); !ok || f.Kind != fault.KindNotFound || f.Metadata["parent"] != "localAuthorities/E99999999" {
			t.Errorf("%s of a council outside the register = %v, want NOT_FOUND naming the parent", name, err)
		}
		if want := []string{"E08000035 localAuthorities/E08000035", "E99999999 localAuthorities/E99999999"}; !slices.Equal(access.asked, want) {
			t.Errorf("%s asked %q, want %q", name, access.asked, want)
		}
	}
	var access leedsOnly
	if err := ListParent(ctx, "-", "localAuthorities/-", access.authorize); err != nil || !slices.Equal(access.asked, []string{" localAuthorities/-"}) {
		t.Errorf("ListParent of every council = %v, asking %q; want nil, asking about no council in particular", err, access.asked)
	}
}
