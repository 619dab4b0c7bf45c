package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// TestEveryRPCNamesAMatrixCell: every method of every service the binary
// registers has a policy, and the policy names a (resource, action) cell of
// the access matrix whose roles it admits.
func TestEveryRPCNamesAMatrixCell(t *testing.T) {
	mini := miniredis.RunT(t)
	c, err := store.Open(context.Background(), "redis://"+mini.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := &process{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now}
	t.Cleanup(func() { _ = p.stop() })
	env := buildEnv{store: store.New(c, keyspace.Keyspace{}), pages: pages, selfAddr: "127.0.0.1:1"}
	for _, b := range components {
		comp, err := b.build(p, env)
		if err != nil {
			t.Fatalf("%s: %v", b.target, err)
		}
		policies := comp.Policies()
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(b.service))
		if err != nil {
			t.Fatal(err)
		}
		sd := d.(protoreflect.ServiceDescriptor)
		for i := range sd.Methods().Len() {
			m := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
			pol, ok := policies[m]
			switch {
			case !ok:
				t.Errorf("%s has no policy", m)
			case pol.Resource == "" || pol.Action == "":
				t.Errorf("%s: its policy names no matrix cell (declare it with access.Rule)", m)
			case !slices.ContainsFunc(access.Cells(), func(cell access.Cell) bool {
				return string(cell.Resource) == pol.Resource && string(cell.Action) == pol.Action
			}):
				t.Errorf("%s: %s %s is not a cell of the matrix", m, pol.Action, pol.Resource)
			case !slices.Equal(pol.Roles, access.Roles(access.Resource(pol.Resource), access.Action(pol.Action))):
				t.Errorf("%s: admits %v, but the matrix cell %s %s grants %v", m, pol.Roles, pol.Action, pol.Resource,
					access.Roles(access.Resource(pol.Resource), access.Action(pol.Action)))
			}
		}
	}
}
