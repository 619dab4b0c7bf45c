package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"

	"google.golang.org/grpc/credentials/insecure"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan"
	"github.com/turnaround-sli/turnaround/services/inspection"
	"github.com/turnaround-sli/turnaround/services/oversight"
	"github.com/turnaround-sli/turnaround/services/partner"
	"github.com/turnaround-sli/turnaround/services/peerreview"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	servicebase "github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor"
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
	cfg      config
}

// base is what every service takes from the process: the store, the page
// token codec, the log and the clock now (nil means time.Now).
func (e buildEnv) base(p *process, now func() time.Time) servicebase.Base {
	return servicebase.Base{Store: e.store, Pages: e.pages, Logger: p.log, Now: now}
}

// upstream is the address of the component target: its configured address,
// else this process.
func (e buildEnv) upstream(target string) string {
	if addr := e.cfg.upstream(target); addr != "" {
		return addr
	}
	return e.selfAddr
}

// components lists every service the binary can run, in seeding order: a
// service's demo data may rely on events of services seeded before it.
// A new service is one row here and one package under services/: its
// target, flags, upstream address and gateway route all come from the row.
var components = []struct {
	target  string // -target value, and the prefix of its -<target>-addr flag
	title   string // the service's name in words, for flag help
	service string // the gRPC service name the gateway routes to it
	build   func(p *process, env buildEnv) (component, error)
}{
	{"inspection", "inspection", inspection.Name, func(p *process, env buildEnv) (component, error) {
		return inspection.New(inspection.Deps{
			Base:             env.base(p, p.now),
			TriggerRulesFile: p.cfg.TriggerRules, RiskModelFile: p.cfg.RiskModel,
		})
	}},
	{"peerreview", "peer-review", peerreview.Name, func(p *process, env buildEnv) (component, error) {
		conn, err := p.dialService(env.upstream("inspection"))
		if err != nil {
			return nil, fmt.Errorf("dial inspection service: %w", err)
		}
		return peerreview.New(peerreview.Deps{Base: env.base(p, p.now), Inspection: inspectionv1.NewInspectionServiceClient(conn)})
	}},
	{"improvementplan", "improvement-plan", improvementplan.Name, func(p *process, env buildEnv) (component, error) {
		return improvementplan.New(improvementplan.Deps{
			Base: env.base(p, p.now), DeadlineMonths: p.cfg.DeadlineMonths, Clock: p.suiteClock.Load(),
		})
	}},
	{"sponsor", "sponsor", sponsor.Name, func(p *process, env buildEnv) (component, error) {
		return sponsor.New(sponsor.Deps{Base: env.base(p, p.now)})
	}},
	{"oversight", "oversight", oversight.Name, func(p *process, env buildEnv) (component, error) {
		return oversight.New(oversight.Deps{Base: env.base(p, p.now)})
	}},
	{"partner", "partner-events", partner.Name, func(p *process, env buildEnv) (component, error) {
		d, err := p.cfg.Partner.deps(partner.Deps{Base: env.base(p, nil)})
		if err != nil {
			return nil, err
		}
		return partner.New(d)
	}},
}

// dialService connects to another service for calls made on behalf of the
// caller: the caller's bearer token, trace and deadline travel with them.
func (p *process) dialService(addr string) (*grpc.ClientConn, error) {
	creds := grpc.WithTransportCredentials(insecure.NewCredentials())
	if p.cfg.TLSCert != "" {
		c, err := serve.ClientCredentials(serve.TLSConfig{CertFile: p.cfg.TLSCert, KeyFile: p.cfg.TLSKey, CAFile: p.cfg.TLSClientCA})
		if err != nil {
			return nil, err
		}
		creds = c
	}
	conn, err := serve.Dial(addr, creds,
		grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()),
		grpc.WithChainStreamInterceptor(auth.ForwardAuthorizationStream()))
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, conn.Close)
	return conn, nil
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
