package main

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/turnaround-sli/turnaround/services/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// component is a service as the binary sees it: handlers to register, their
// access policies and demo data.
type component interface {
	Register(grpc.ServiceRegistrar)
	Policies() auth.Policies
	Seed(ctx context.Context, demo bool) error
}

// runner is a component with background work, such as event consumers and
// schedules, that runs until ctx ends.
type runner interface {
	Run(ctx context.Context) error
}

// buildEnv is what every component is built from.
type buildEnv struct {
	store *store.Store
	pages *paging.Codec
	// selfAddr is this process's gRPC address, which components dial to
	// reach services that run in the same process.
	selfAddr string
}

// components lists every service the binary can run, in seeding order: a
// service's demo data may rely on events of services seeded before it.
var components = []struct {
	target  string
	service string
	build   func(p *process, env buildEnv) (component, error)
}{
	{"inspection", inspection.Name, func(p *process, env buildEnv) (component, error) {
		return inspection.New(inspection.Deps{
			Store: env.store, Pages: env.pages, Logger: p.log,
			TriggerRulesFile: p.cfg.TriggerRules, RiskModelFile: p.cfg.RiskModel,
		})
	}},
}

// gatewayUpstreams maps every service to the address the gateway forwards
// it to: the configured address for its target, else this process's own.
func gatewayUpstreams(cfg config, self string) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range components {
		addr := cfg.upstream(c.target)
		if addr == "" {
			addr = self
		}
		if addr == "" {
			return nil, fmt.Errorf("-target=gateway needs -%s-addr (%s)", c.target, upstreamEnv(c.target))
		}
		out[c.service] = addr
	}
	return out, nil
}
