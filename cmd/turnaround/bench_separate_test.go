package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// The scenarios on the suite run as separate processes, one per component
// target and a gateway in front, as the deployment files run it. Their
// names hold the names of the scenarios on the one-process binary, so
// TURNAROUND_BENCH_ONLY='GetLocalAuthority|PublishJudgement' measures both,
// and TURNAROUND_BENCH_ONLY='separate processes' only these.
const (
	benchSeparateGetLA   = "GetLocalAuthority (separate processes)"
	benchSeparatePublish = "PublishJudgement (write through the outbox, separate processes)"
	// benchStopWait is how long a process is given to exit after SIGTERM
	// before it is killed.
	benchStopWait = 30 * time.Second
	// benchReadyWait bounds the wait for the separate processes to be
	// ready, all of them together.
	benchReadyWait = time.Minute
	// benchEventsWait bounds the wait for the events of earlier work to be
	// relayed and handled before a scenario starts.
	benchEventsWait = 2 * time.Minute
)

// benchProc is one process the bench started: the binary under test with
// one -target.
type benchProc struct {
	target string
	cmd    *exec.Cmd
	logs   *syncBuffer
	// exited is closed when the process has exited, with err set.
	exited chan struct{}
	err    error
	// peakRSS is the process's VmHWM, read just before it is stopped.
	peakRSS int64
}

// benchSeparate is the suite as separate processes: a process per
// component target on the one-process binary's Redis and key prefix, so
// they serve the same records and take over its event consumer groups and
// relay lease, and a gateway process in front of them.
type benchSeparate struct {
	// grpc is the gRPC address of each component target's process.
	grpc map[string]string
	// http is the base URL of the gateway process.
	http string
	// admin is the admin address of each process, by target.
	admin map[string]string
	procs []*benchProc
	// stopOnce makes stop safe to call both when the scenarios end and
	// from the test's cleanup.
	stopOnce sync.Once
}

// runSeparate measures GetLocalAuthority over gRPC straight to the
// inspection process and over REST through the gateway process, and
// PublishJudgement over gRPC to the inspection process, each against the
// echo baseline of the same run, as the one-process scenarios are. It runs
// last: once the events of the earlier scenarios are handled, it stops the
// one-process binary, so only the separate processes work on the records,
// schedules their own pool of inspections to publish through the inspection
// process, and stops them as soon as the scenarios end.
func (b *bench) runSeparate() {
	get := b.selected(benchSeparateGetLA+" over gRPC") || b.selected(benchSeparateGetLA+" over REST")
	publish := b.selected(benchSeparatePublish + " over gRPC")
	if !get && !publish {
		return
	}
	b.waitEventsHandled()
	b.stopReal()
	sep := b.startSeparate() // stopped below, or by the test's cleanup
	inspectionAddr := sep.grpc["inspection"]
	// With profiling on, the process serving the calls is profiled: the
	// inspection process, and the gateway process in front of it for REST.
	inspectionProc := benchProfileTarget{process: "the inspection process (-target=inspection)", admin: sep.admin["inspection"], tag: "inspection"}
	gatewayProc := benchProfileTarget{process: "the gateway process (-target=gateway)", admin: sep.admin["gateway"], tag: "gateway"}
	var publishes benchPublishes
	if publish {
		cc, err := grpc.NewClient(inspectionAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.t.Fatal(err)
		}
		defer cc.Close()
		publishes = b.preparePublishes(cc, "bench-separate")
	}

	b.run(benchScenario{
		name: benchSeparateGetLA, transport: "gRPC", target: 0.7,
		server: "turnaround, inspection process", inProcess: "GetLocalAuthority",
		profileTargets: []benchProfileTarget{inspectionProc},
		baseline:       func() benchResult { return b.ghz(b.echoGRPC, benchGetLA, b.getData(), "", b.dfeToken) },
		real:           func() benchResult { return b.ghz(inspectionAddr, benchGetLA, b.getData(), "", b.dfeToken) },
	})
	b.run(benchScenario{
		name: benchSeparateGetLA, transport: "REST", target: 0.7,
		server: "turnaround, gateway process → inspection process", inProcess: "GetLocalAuthority",
		profileTargets: []benchProfileTarget{gatewayProc, inspectionProc},
		baseline:       func() benchResult { return b.hey(b.echoHTTP + "/v1/localAuthorities/" + benchCouncil) },
		real:           func() benchResult { return b.hey(sep.http + "/v1/localAuthorities/" + benchCouncil) },
	})
	b.run(benchScenario{
		name: benchSeparatePublish, transport: "gRPC", target: 0.35, write: true,
		server: "turnaround, inspection process", inProcess: "PublishJudgement (write through the outbox)",
		profileTargets: []benchProfileTarget{inspectionProc},
		baseline:       func() benchResult { return b.ghz(b.echoGRPC, benchPublish, "", publishes.file, b.inspectorToken) },
		real: func() benchResult {
			r := b.ghz(inspectionAddr, benchPublish, "", publishes.file, b.inspectorToken)
			if r.calls > publishes.count {
				r.notes = append(r.notes, fmt.Sprintf("ran out of pre-created inspections: %d calls for %d inspections, so later calls repeated earlier publications", r.calls, publishes.count))
			}
			return r
		},
	})
	sep.stop(b)
	for _, p := range sep.procs {
		if p.peakRSS > 0 {
			b.separateRSS = append(b.separateRSS, fmt.Sprintf("%s %.1f MB", p.target, benchMB(p.peakRSS)))
		}
	}
}

// startSeparate starts a process for every component target and a gateway
// process, on free loopback ports, in production mode without demo data
// (the one-process binary has loaded it under the same key prefix), and
// waits until every service reports SERVING and the gateway is ready, then
// benchSettle more, as for the one-process binary.
func (b *bench) startSeparate() *benchSeparate {
	t := b.t
	sep := &benchSeparate{grpc: map[string]string{}, admin: map[string]string{}}
	t.Cleanup(func() { sep.stop(b) })
	var upstreams []string
	for _, c := range components {
		sep.grpc[c.target] = benchFreeAddr(t)
		upstreams = append(upstreams, "-"+c.target+"-addr="+sep.grpc[c.target])
	}
	common := append(append([]string{"-log-level=warn"}, b.pprofArgs()...), upstreams...)
	for _, c := range components {
		sep.admin[c.target] = benchFreeAddr(t)
		sep.start(b, c.target, append([]string{
			"-target=" + c.target, "-grpc-addr=" + sep.grpc[c.target], "-admin-addr=" + sep.admin[c.target],
			"-jwks-file=" + b.jwks, "-key-prefix=" + b.keyPrefix, "-demo=false",
		}, common...)...)
	}
	httpAddr := benchFreeAddr(t)
	sep.http = "http://" + httpAddr
	sep.admin["gateway"] = benchFreeAddr(t)
	sep.start(b, "gateway", append([]string{
		"-target=gateway", "-http-addr=" + httpAddr, "-admin-addr=" + sep.admin["gateway"],
	}, common...)...)

	deadline := time.Now().Add(benchReadyWait)
	for _, c := range components {
		sep.waitServing(b, c.target, sep.grpc[c.target], c.service, deadline)
	}
	sep.waitReady(b, deadline)
	t.Logf("separate processes ready: %s and the gateway at %s", strings.Join(upstreams, " "), sep.http)
	time.Sleep(benchSettle)
	return sep
}

// start runs the binary under test with args, its output kept for the
// log should the test fail.
func (s *benchSeparate) start(b *bench, target string, args ...string) {
	cmd := exec.Command(b.bin, args...)
	cmd.Env = append(benchEnviron(), "REDIS_URL="+b.redisURL)
	p := &benchProc{target: target, cmd: cmd, logs: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start -target=%s: %v", target, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	s.procs = append(s.procs, p)
}

// failIfExited fails the test at once when a process has exited while it
// was awaited.
func (s *benchSeparate) failIfExited(b *bench) {
	for _, p := range s.procs {
		select {
		case <-p.exited:
			b.t.Fatalf("-target=%s exited before it was ready: %v\n%s", p.target, p.err, p.logs.String())
		default:
		}
	}
}

// waitServing polls the gRPC health of service at addr until SERVING.
func (s *benchSeparate) waitServing(b *bench, target, addr, service string, deadline time.Time) {
	t := b.t
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	health := healthpb.NewHealthClient(cc)
	for {
		s.failIfExited(b)
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("-target=%s not serving %s at %s within %s (last check: %v, %v)", target, service, addr, benchReadyWait, resp.GetStatus(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitReady polls the gateway process's /readyz until it answers 200.
func (s *benchSeparate) waitReady(b *bench, deadline time.Time) {
	client := &http.Client{Timeout: time.Second}
	for {
		s.failIfExited(b)
		code := 0
		resp, err := client.Get(s.http + "/readyz")
		if err == nil {
			code = resp.StatusCode
			_ = resp.Body.Close()
			if code == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the gateway process not ready within %s (last /readyz: %d, %v)", benchReadyWait, code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop reads each process's peak RSS, then sends every one SIGTERM and
// kills those still running after benchStopWait. It stops only the
// processes it started, by their own process ids, and logs their output
// when the test has failed.
func (s *benchSeparate) stop(b *bench) {
	s.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range s.procs {
			select {
			case <-p.exited:
				continue
			default:
			}
			if rss, err := benchProcRSS(p.cmd.Process.Pid, "VmHWM"); err == nil {
				p.peakRSS = rss
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			wg.Go(func() {
				select {
				case <-p.exited:
				case <-time.After(benchStopWait):
					_ = p.cmd.Process.Kill()
					<-p.exited
				}
			})
		}
		wg.Wait()
		if b.t.Failed() {
			for _, p := range s.procs {
				b.t.Logf("-target=%s log:\n%s", p.target, p.logs.String())
			}
		}
	})
}

// benchProcRSS reads a memory figure of process pid, in bytes, from
// /proc/<pid>/status: VmRSS (now) or VmHWM (the peak so far).
func benchProcRSS(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %w", field, rest, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// waitEventsHandled waits, up to benchEventsWait, until the relay has moved
// every outbox entry to its topic and every consumer group has been handed
// and has acknowledged every event of its topic, so the background work an
// earlier step left (a publication's events reach four services) does not
// run during the next measurement. A wait that runs out is logged and noted
// in the report, the run goes on, and later calls return at once.
func (b *bench) waitEventsHandled() {
	t := b.t
	if b.rdb == nil || b.eventsWaitRanOut {
		return
	}
	began := time.Now()
	// A scan walks every key of the run, which in a long run takes Redis
	// long enough to slow the consumers waited for: the topic streams are
	// scanned for at the first look and, to confirm that none appeared
	// since, once nothing is left; the polls between read only those found.
	scan := func() []string {
		topics, err := b.scanStreams(keyspace.Keyspace{Prefix: b.keyPrefix}.Topic("*"))
		if err != nil {
			t.Fatalf("read the event streams: %v", err)
		}
		slices.Sort(topics)
		return topics
	}
	topics := scan()
	for {
		left, err := b.eventsOutstanding(topics)
		if err != nil {
			t.Fatalf("read the event streams: %v", err)
		}
		if left == "" {
			if fresh := scan(); !slices.Equal(fresh, topics) {
				topics = fresh
				continue
			}
			if waited := time.Since(began); waited > time.Second {
				t.Logf("waited %s for earlier events to be relayed and handled", waited.Round(100*time.Millisecond))
			}
			return
		}
		if time.Since(began) > benchEventsWait {
			note := fmt.Sprintf("events still outstanding after waiting %s: %s; later scenarios started without waiting", benchEventsWait, left)
			t.Log(note)
			b.separateNotes = append(b.separateNotes, note)
			b.eventsWaitRanOut = true
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// eventsOutstanding describes the events of the run's key prefix not yet
// relayed (entries left in outboxes) or not yet handled (a consumer group
// of one of topics behind its newest entry, or with entries
// unacknowledged), or returns "" when there are none.
func (b *bench) eventsOutstanding(topics []string) (string, error) {
	ctx := b.ctx
	ks := keyspace.Keyspace{Prefix: b.keyPrefix}
	outboxes, err := b.rdb.SMembers(ctx, ks.OutboxRegistry()).Result()
	if err != nil {
		return "", err
	}
	// One round trip for every outbox and topic: the wait polls this
	// several times a second while the consumers it waits for catch up.
	pipe := b.rdb.Pipeline()
	lens := make([]*redis.IntCmd, len(outboxes))
	for i, o := range outboxes {
		lens[i] = pipe.XLen(ctx, o)
	}
	groups := make([]*redis.XInfoGroupsCmd, len(topics))
	newest := make([]*redis.XMessageSliceCmd, len(topics))
	for i, topic := range topics {
		groups[i] = pipe.XInfoGroups(ctx, topic)
		newest[i] = pipe.XRevRangeN(ctx, topic, "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return "", err
	}
	var behind []string
	unrelayed := int64(0)
	for _, n := range lens {
		unrelayed += n.Val()
	}
	if unrelayed > 0 {
		behind = append(behind, fmt.Sprintf("%d outbox entries", unrelayed))
	}
	for i, topic := range topics {
		last := newest[i].Val()
		for _, g := range groups[i].Val() {
			undelivered := len(last) > 0 && last[0].ID != g.LastDeliveredID && g.Lag != 0
			if undelivered || g.Pending > 0 {
				behind = append(behind, fmt.Sprintf("%s behind on %s (lag %d, pending %d)",
					g.Name, strings.TrimPrefix(topic, b.keyPrefix), g.Lag, g.Pending))
			}
		}
	}
	return strings.Join(behind, "; "), nil
}

// scanStreams lists the stream keys that match pattern.
func (b *bench) scanStreams(pattern string) ([]string, error) {
	var keys []string
	var cursor uint64
	for {
		batch, next, err := b.rdb.ScanType(b.ctx, cursor, pattern, 1000, "stream").Result()
		if err != nil {
			return nil, err
		}
		keys = append(keys, batch...)
		if cursor = next; cursor == 0 {
			return keys, nil
		}
	}
}

// benchHop is the cost of running the suite as separate processes: a
// scenario on them against the same scenario on the one-process binary,
// measured in the same run.
type benchHop struct {
	separate, inProcess benchScenarioResult
}

// hops pairs every measured scenario on the separate processes with its
// one-process counterpart, when that was measured too.
func (b *bench) hops() []benchHop {
	var out []benchHop
	for _, r := range b.results {
		if r.scenario.inProcess == "" {
			continue
		}
		for _, o := range b.results {
			if o.scenario.name == r.scenario.inProcess && o.scenario.transport == r.scenario.transport {
				out = append(out, benchHop{separate: r, inProcess: o})
			}
		}
	}
	return out
}

// reportHops writes the hop cost table: throughput on the separate
// processes over throughput on the one process, both raw and as the ratio
// of their ratios to their own echo runs (which takes out some of the
// machine's drift between the two), and the latencies side by side.
func (b *bench) reportHops(sb *strings.Builder) {
	if len(b.separateRSS) > 0 {
		fmt.Fprintf(sb, "\nSeparate processes' peak RSS (VmHWM): %s.\n", strings.Join(b.separateRSS, ", "))
	}
	for _, n := range b.separateNotes {
		fmt.Fprintf(sb, "\nNote: %s.\n", n)
	}
	hops := b.hops()
	if len(hops) == 0 {
		return
	}
	sb.WriteString("\nThe cost of the extra hop: the same scenario on the suite as separate processes " +
		"(a process per service and a gateway process, on the same Redis and records, the one process stopped) against the one process (-target=all), " +
		"each started once the events of earlier steps were handled. " +
		"In both, REST goes from the gateway to the service over loopback gRPC; over gRPC the load reaches the service directly.\n\n")
	sb.WriteString("| scenario | transport | one process requests/s | separate requests/s | separate / one process | ratio to echo, one process → separate | p50, one process → separate | p99, one process → separate |\n")
	sb.WriteString("|---|---|---:|---:|---:|---|---|---|\n")
	for _, h := range hops {
		one, sep := h.inProcess, h.separate
		fmt.Fprintf(sb, "| %s | %s | %.0f | %.0f | %s | %.2f → %.2f | %s → %s | %s → %s |\n",
			one.scenario.name, sep.scenario.transport, one.real.rps, sep.real.rps, benchQuotient(sep.real.rps, one.real.rps),
			one.ratio(), sep.ratio(), benchMillis(one.real.p50), benchMillis(sep.real.p50),
			benchMillis(one.real.p99), benchMillis(sep.real.p99))
	}
}

// reportHopTarget writes the targets table's row for the separate
// processes: met when every selected scenario on them was measured along
// with its one-process counterpart, not measured when TURNAROUND_BENCH_ONLY
// left the counterparts out.
func (b *bench) reportHopTarget(sb *strings.Builder) {
	separate := 0
	for _, r := range b.results {
		if r.scenario.inProcess != "" {
			separate++
		}
	}
	if separate == 0 {
		return
	}
	hops := b.hops()
	var measured []string
	for _, h := range hops {
		measured = append(measured, fmt.Sprintf("%s over %s %s of one process",
			h.inProcess.scenario.name, h.separate.scenario.transport, benchQuotient(h.separate.real.rps, h.inProcess.real.rps)))
	}
	met := benchMet(len(hops) == separate)
	if len(hops) == 0 {
		measured, met = []string{"the one-process scenarios were not selected"}, "not measured"
	}
	fmt.Fprintf(sb, "| the suite as separate processes (gateway + %d services) on the same Redis, hop cost measured | %s | %s |\n",
		len(components), strings.Join(measured, "; "), met)
}

// benchQuotient is a over b to two places, or "n/a" when b is zero.
func benchQuotient(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}
