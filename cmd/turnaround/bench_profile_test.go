package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// With TURNAROUND_BENCH_PROFILE set, the bench starts the binary under test
// with -admin-pprof=true and, during the load of each turnaround scenario,
// takes a CPU profile of the process that serves the calls from its admin
// address (/debug/pprof/profile). The profiles are kept under
// .bin/bench-profiles/, one file per scenario and process, and the report
// ends with a summary of each: where the CPU time went, by bucket (the Redis
// client, gRPC and HTTP/2, protobuf, JSON, OpenTelemetry, the gateway, each of
// the suite's packages, the Go runtime and GC) and by function.
//
// TURNAROUND_BENCH_PROFILE=1 summarises the scenarios below their target;
// TURNAROUND_BENCH_PROFILE=all summarises every profiled scenario.
const (
	benchProfileBelowTarget = "1"
	benchProfileAll         = "all"
	// benchProfileMaxSeconds keeps a profile within the admin server's
	// write timeout (two minutes with the profiler on).
	benchProfileMaxSeconds = 110
	// benchProfileTop is how many functions the summary lists by flat and
	// by cumulative share.
	benchProfileTop = 10
	// benchProfileMinShare is the least exclusive share a bucket needs
	// for a row of its own; the rest share one row.
	benchProfileMinShare = 0.005
)

// benchProfileTarget is a process whose CPU the bench profiles during a
// scenario.
type benchProfileTarget struct {
	// process describes the process in the report.
	process string
	// admin is the host:port of its admin server.
	admin string
	// tag, when set, ends the profile's file name, to tell apart the
	// processes of one scenario.
	tag string
}

// benchProfile is one CPU profile taken during a scenario's load.
type benchProfile struct {
	target  benchProfileTarget
	file    string
	seconds int
	delay   time.Duration
	err     error
}

// profileMode reads TURNAROUND_BENCH_PROFILE: "" when profiling is off.
func (b *bench) profileMode() string {
	switch v := os.Getenv("TURNAROUND_BENCH_PROFILE"); v {
	case "", "0", "false":
		return ""
	case benchProfileBelowTarget, "true":
		return benchProfileBelowTarget
	case benchProfileAll:
		return benchProfileAll
	default:
		b.t.Fatalf("TURNAROUND_BENCH_PROFILE=%q: want 1 (summarise the scenarios below target) or all", v)
		return ""
	}
}

// prepareProfiles makes the profile directory, .bin/bench-profiles of the
// repository, and clears the profiles an earlier run left there, so the
// directory holds this run's only.
func (b *bench) prepareProfiles() {
	t := b.t
	dir, err := filepath.Abs(filepath.Join("..", "..", ".bin", "bench-profiles"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	b.profileDir = dir
}

// profileWindow is how long each profile samples, in whole seconds (what
// /debug/pprof/profile takes), and how far into the load it starts: about
// 80% of the run, centred, so the load tools' ramp-up and wind-down stay
// out of it.
func (b *bench) profileWindow() (int, time.Duration) {
	secs := int(b.duration.Seconds() * 0.8)
	secs = max(1, min(secs, benchProfileMaxSeconds))
	delay := max(0, (b.duration-time.Duration(secs)*time.Second)/2)
	return secs, delay
}

// pprofArgs are the flags that serve the profiler on a process's admin
// address when profiling is on.
func (b *bench) pprofArgs() []string {
	if b.profiling == "" {
		return nil
	}
	return []string{"-admin-pprof=true"}
}

// realProfileTarget is the one-process binary, which serves every call of
// the one-process scenarios, REST included (its gateway is in-process).
func (b *bench) realProfileTarget() []benchProfileTarget {
	return []benchProfileTarget{{process: "the turnaround process (-target=all)", admin: b.realAdmin}}
}

// profiled runs load and, when profiling is on, profiles every target
// during it; it returns the load's result and the profiles, whose errors
// the report notes rather than failing the measurement.
func (b *bench) profiled(name, transport string, targets []benchProfileTarget, load func() benchResult) (benchResult, []*benchProfile) {
	if b.profiling == "" || len(targets) == 0 {
		return load(), nil
	}
	secs, delay := b.profileWindow()
	var wg sync.WaitGroup
	profiles := make([]*benchProfile, len(targets))
	for i, target := range targets {
		p := &benchProfile{target: target, seconds: secs, delay: delay,
			file: filepath.Join(b.profileDir, benchProfileFileName(name, transport, target.tag))}
		profiles[i] = p
		wg.Go(func() {
			if p.err = b.fetchProfile(p); p.err != nil {
				b.t.Logf("CPU profile of %s during %s over %s: %v", target.process, name, transport, p.err)
			}
		})
	}
	r := load()
	wg.Wait()
	return r, profiles
}

// fetchProfile waits the profile's delay, then asks the process's admin
// server for a CPU profile of p.seconds and writes it to p.file.
func (b *bench) fetchProfile(p *benchProfile) error {
	select {
	case <-b.ctx.Done():
		return b.ctx.Err()
	case <-time.After(p.delay):
	}
	ctx, cancel := context.WithTimeout(b.ctx, time.Duration(p.seconds)*time.Second+30*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.target.admin, p.seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %.200s", url, resp.StatusCode, raw)
	}
	return os.WriteFile(p.file, raw, 0o644)
}

var benchProfileUnsafe = regexp.MustCompile(`[^A-Za-z0-9]+`)

// benchProfileFileName is a scenario's profile file name: its name,
// transport and tag with every run of other characters made one dash.
func benchProfileFileName(name, transport, tag string) string {
	parts := []string{name, transport}
	if tag != "" {
		parts = append(parts, tag)
	}
	slug := strings.Trim(benchProfileUnsafe.ReplaceAllString(strings.Join(parts, " "), "-"), "-")
	return slug + ".pprof"
}

// benchProfiledScenario is a profiled scenario as the report lists it.
type benchProfiledScenario struct {
	title string
	// result says how the scenario did against its target.
	result   string
	below    bool
	profiles []*benchProfile
}

// profiledScenarios lists the profiled scenarios in the order they ran,
// RunMatching last.
func (b *bench) profiledScenarios() []benchProfiledScenario {
	var out []benchProfiledScenario
	for _, r := range b.results {
		if len(r.profiles) == 0 {
			continue
		}
		s := r.scenario
		out = append(out, benchProfiledScenario{
			title:    s.name + " over " + s.transport,
			result:   fmt.Sprintf("%.2f of echo, target %.2f", r.ratio(), s.target),
			below:    r.ratio() < s.target,
			profiles: r.profiles,
		})
	}
	if len(b.matchingProfiles) > 0 {
		m := b.matching
		out = append(out, benchProfiledScenario{
			title:    "RunMatching over REST",
			result:   fmt.Sprintf("%.0f runs/s, p99 %s, target p99 under 50 ms", m.rps, benchMillis(m.p99)),
			below:    !benchMatchingMet(m),
			profiles: b.matchingProfiles,
		})
	}
	return out
}

// benchMatchingMet is the RunMatching target: no errors and p99 under
// 50 ms.
func benchMatchingMet(m benchResult) bool {
	return m.errors == 0 && m.rps > 0 && m.p99 < 50*time.Millisecond
}

// reportProfiles writes the CPU profile summaries: one per process of each
// scenario below its target (of every profiled scenario with
// TURNAROUND_BENCH_PROFILE=all), then the files of the others.
func (b *bench) reportProfiles(sb *strings.Builder) {
	if b.profiling == "" {
		return
	}
	secs, delay := b.profileWindow()
	scenarios := b.profiledScenarios()
	fmt.Fprintf(sb, "\n**CPU profiles.** "+
		"With TURNAROUND_BENCH_PROFILE=%s the binary ran with -admin-pprof=true, and during each turnaround scenario's load "+
		"the bench took a CPU profile of the process serving the calls (/debug/pprof/profile?seconds=%d, from %s into the %s run; "+
		"the REST scenarios of the one process include its in-process gateway). "+
		"Files: %s (`go tool pprof -http=: FILE`). ",
		b.profiling, secs, delay, b.duration, b.relProfileDir())
	sb.WriteString("Shares are of the process's CPU samples in that window. " +
		"**CPU** puts each sample in one bucket, that of the innermost frame outside the Go runtime and the standard library's " +
		"plumbing (syscalls, net, bufio, strings, reflect…), so a socket write by the Redis client counts for the Redis client; " +
		"it sums to 100%. **of which syscalls** and **of which allocation and GC assists** are the parts of it spent in system calls " +
		"and in mallocgc and the GC work the code is made to do (assists, write barriers). **on the stack** is the share of samples with the bucket anywhere on the stack " +
		"(callers include their callees, so these overlap).\n")
	if b.selected("console") || b.selected("partner") {
		sb.WriteString("\nThe console's and the partner-events scenarios run on processes of their own and are not profiled.\n")
	}
	var others []string
	summarised := 0
	for _, s := range scenarios {
		if !s.below && b.profiling != benchProfileAll {
			for _, p := range s.profiles {
				if p.err == nil {
					others = append(others, fmt.Sprintf("%s (%s, `%s`)", s.title, s.result, filepath.Base(p.file)))
				}
			}
			continue
		}
		summarised++
		fmt.Fprintf(sb, "\n**%s: %s**\n", s.title, s.result)
		for _, p := range s.profiles {
			b.reportProfile(sb, p)
		}
	}
	if summarised == 0 {
		sb.WriteString("\nNo profiled scenario was below its target.\n")
	}
	if len(others) > 0 {
		fmt.Fprintf(sb, "\nProfiled at or above target, not summarised: %s.\n", strings.Join(others, "; "))
	}
}

// relProfileDir is the profile directory relative to the repository root.
func (b *bench) relProfileDir() string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return b.profileDir
	}
	rel, err := filepath.Rel(root, b.profileDir)
	if err != nil {
		return b.profileDir
	}
	return rel + "/"
}

// reportProfile writes the summary of one profile.
func (b *bench) reportProfile(sb *strings.Builder, p *benchProfile) {
	if p.err != nil {
		fmt.Fprintf(sb, "\n%s: no profile: %v.\n", p.target.process, p.err)
		return
	}
	stacks, err := b.profileStacks(p.file)
	if err != nil {
		fmt.Fprintf(sb, "\n%s, `%s`: cannot read it: %v.\n", p.target.process, filepath.Base(p.file), err)
		return
	}
	s := benchSummarise(stacks)
	if s.total == 0 {
		fmt.Fprintf(sb, "\n%s, `%s`: no samples.\n", p.target.process, filepath.Base(p.file))
		return
	}
	fmt.Fprintf(sb, "\n%s, `%s`: %.2f s of CPU in %d s (%.2f CPUs busy on average).\n\n",
		p.target.process, filepath.Base(p.file), s.total.Seconds(), p.seconds, s.total.Seconds()/float64(p.seconds))
	sb.WriteString("| where | CPU | of which syscalls | of which allocation and GC assists | on the stack |\n|---|---:|---:|---:|---:|\n")
	share := func(d time.Duration) string { return fmt.Sprintf("%.1f%%", 100*float64(d)/float64(s.total)) }
	var rest benchBucket
	restN := 0
	for _, k := range s.buckets {
		if float64(k.self) < benchProfileMinShare*float64(s.total) {
			rest.self += k.self
			rest.syscalls += k.syscalls
			rest.alloc += k.alloc
			restN++
			continue
		}
		inclusive := share(k.inclusive)
		if k.name == benchBucketRuntime || k.name == benchBucketGC {
			inclusive = "–"
		}
		fmt.Fprintf(sb, "| %s | %s | %s | %s | %s |\n", k.name, share(k.self), share(k.syscalls), share(k.alloc), inclusive)
	}
	if restN > 0 {
		others := fmt.Sprintf("%d other buckets, each", restN)
		if restN == 1 {
			others = "1 other bucket,"
		}
		fmt.Fprintf(sb, "| %s under %.1f%% | %s | %s | %s | – |\n",
			others, 100*benchProfileMinShare, share(rest.self), share(rest.syscalls), share(rest.alloc))
	}
	fmt.Fprintf(sb, "\nGC and allocation in all: %s (background GC %s, mallocgc and assists %s); system calls in all: %s.\n\n",
		share(s.gc+s.alloc), share(s.gc), share(s.alloc), share(s.syscalls))
	sb.WriteString("| | flat | function | | cumulative, below the servers and interceptors | function |\n|---:|---:|---|---|---:|---|\n")
	for i := range benchProfileTop {
		var flat, cum string
		if i < len(s.flat) {
			flat = fmt.Sprintf("%s | `%s`", share(s.flat[i].d), benchShortFunc(s.flat[i].fn))
		} else {
			flat = " | "
		}
		if i < len(s.cum) {
			cum = fmt.Sprintf("%s | `%s`", share(s.cum[i].d), benchShortFunc(s.cum[i].fn))
		} else {
			cum = " | "
		}
		fmt.Fprintf(sb, "| %d | %s | | %s |\n", i+1, flat, cum)
	}
}

// benchStack is one sampled call stack, innermost frame first, and the
// CPU time sampled on it.
type benchStack struct {
	frames []string
	d      time.Duration
}

// profileStacks reads a CPU profile's samples with `go tool pprof -traces`.
func (b *bench) profileStacks(file string) ([]benchStack, error) {
	cmd := exec.CommandContext(b.ctx, "go", "tool", "pprof", "-traces", file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof -traces: %v: %.300s", err, stderr.String())
	}
	return benchParseTraces(string(out))
}

// benchShortFunc is a function's name for the report, its type arguments
// (go.shape.struct {…} of a whole record type) shortened to "[…]".
func benchShortFunc(fn string) string {
	var sb strings.Builder
	depth := 0
	for _, r := range fn {
		switch {
		case r == '[':
			if depth == 0 {
				sb.WriteString("[…]")
			}
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// benchParseTraces parses the output of `go tool pprof -traces`: after a
// header, blocks separated by dashed lines, each optional label lines
// ("key:  value") then the stack, innermost first, its first line led by
// the sample's value ("10ms   runtime.memmove"), inlined frames marked
// "(inline)".
func benchParseTraces(out string) ([]benchStack, error) {
	var stacks []benchStack
	var cur *benchStack
	inBlocks := false
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "-----------+") {
			inBlocks = true
			cur = nil
			continue
		}
		if !inBlocks || strings.TrimSpace(line) == "" {
			continue
		}
		trimmed := strings.TrimSpace(line)
		lead := line[:min(len(line), 10)]
		if strings.TrimSpace(lead) != "" {
			value, frame, ok := strings.Cut(trimmed, " ")
			if !ok {
				continue
			}
			if strings.HasSuffix(value, ":") {
				continue // a label line
			}
			d, err := time.ParseDuration(value)
			if err != nil {
				return nil, fmt.Errorf("sample value %q: %w", value, err)
			}
			stacks = append(stacks, benchStack{d: d})
			cur = &stacks[len(stacks)-1]
			trimmed = strings.TrimSpace(frame)
		} else if cur == nil {
			continue
		}
		cur.frames = append(cur.frames, strings.TrimSuffix(trimmed, " (inline)"))
	}
	if !inBlocks {
		return nil, fmt.Errorf("no samples in the output: %.200s", out)
	}
	return stacks, nil
}

// Buckets that are not a package's.
const (
	benchBucketRuntime = "Go runtime (scheduler, netpoll, timers)"
	benchBucketGC      = "GC (background workers)"
	benchBucketOther   = "other standard library"
)

// benchBucket is a bucket's CPU time in one profile.
type benchBucket struct {
	name string
	// self holds the samples whose innermost frame outside the plumbing
	// is the bucket's; syscalls and alloc are parts of self.
	self, syscalls, alloc time.Duration
	// inclusive holds the samples with the bucket anywhere on the stack.
	inclusive time.Duration
}

// benchFuncTime is a function's flat or cumulative CPU time.
type benchFuncTime struct {
	fn string
	d  time.Duration
}

// benchProfileSummary is where one profile's CPU time went.
type benchProfileSummary struct {
	total time.Duration
	// buckets are sorted by self, largest first.
	buckets []benchBucket
	// gc, alloc and syscalls are totals over every bucket.
	gc, alloc, syscalls time.Duration
	// flat and cum are the top functions by each measure.
	flat, cum []benchFuncTime
}

// benchSummarise buckets the samples and ranks the functions.
func benchSummarise(stacks []benchStack) benchProfileSummary {
	var s benchProfileSummary
	buckets := map[string]*benchBucket{}
	bucket := func(name string) *benchBucket {
		k := buckets[name]
		if k == nil {
			k = &benchBucket{name: name}
			buckets[name] = k
		}
		return k
	}
	flat, cum := map[string]time.Duration{}, map[string]time.Duration{}
	for _, st := range stacks {
		if len(st.frames) == 0 {
			continue
		}
		s.total += st.d
		flat[st.frames[0]] += st.d
		seenFn, seenBucket := map[string]bool{}, map[string]bool{}
		owner := ""
		syscall, alloc, gc := false, false, false
		leading := true // still in the runtime frames at the top of the stack
		for _, fn := range st.frames {
			if !seenFn[fn] {
				seenFn[fn] = true
				cum[fn] += st.d
			}
			if benchIsSyscall(fn) {
				syscall = true
			}
			if benchIsGCWorker(fn) {
				gc = true
			}
			pkg := benchFuncPackage(fn)
			if pkg != "runtime" && !strings.HasPrefix(pkg, "internal/runtime") {
				leading = false
			} else if leading && benchIsAlloc(fn) {
				alloc = true
			}
			name := benchBucketOf(fn, pkg)
			if name == "" {
				continue
			}
			if owner == "" {
				owner = name
			}
			if !seenBucket[name] {
				seenBucket[name] = true
				bucket(name).inclusive += st.d
			}
		}
		switch {
		case gc:
			owner = benchBucketGC
		case owner == "" && benchOnlyRuntime(st.frames):
			owner = benchBucketRuntime
		case owner == "":
			owner = benchBucketOther
		}
		k := bucket(owner)
		k.self += st.d
		if owner == benchBucketGC {
			s.gc += st.d
			continue
		}
		if syscall {
			k.syscalls += st.d
			s.syscalls += st.d
		}
		if alloc {
			k.alloc += st.d
			s.alloc += st.d
		}
	}
	for _, k := range buckets {
		s.buckets = append(s.buckets, *k)
	}
	slices.SortFunc(s.buckets, func(a, b benchBucket) int {
		return cmp.Or(cmp.Compare(b.self, a.self), cmp.Compare(b.inclusive, a.inclusive), strings.Compare(a.name, b.name))
	})
	s.flat = benchTopFuncs(flat, nil)
	s.cum = benchTopFuncs(cum, benchIsDispatch)
	return s
}

// benchTopFuncs ranks the functions by time, leaving out those skip says.
func benchTopFuncs(m map[string]time.Duration, skip func(string) bool) []benchFuncTime {
	var all []benchFuncTime
	for fn, d := range m {
		if skip == nil || !skip(fn) {
			all = append(all, benchFuncTime{fn, d})
		}
	}
	slices.SortFunc(all, func(a, b benchFuncTime) int {
		return cmp.Or(cmp.Compare(b.d, a.d), strings.Compare(a.fn, b.fn))
	})
	return all[:min(benchProfileTop, len(all))]
}

// benchIsDispatch reports the frames every call passes through on its way
// to the handler: the runtime's entry points, the gRPC and HTTP servers,
// the suite's interceptor chain and the generated handlers. They would fill
// the top of the cumulative ranking with one chain at nearly the same share
// while saying nothing about where the time goes, so the ranking leaves
// them out.
func benchIsDispatch(fn string) bool {
	switch fn {
	case "runtime.goexit", "runtime.main", "runtime.mcall", "runtime.systemstack", "runtime.mstart",
		"runtime.mstart0", "runtime.mstart1", "runtime.morestack", "runtime.newstack":
		return true
	}
	pkg := benchFuncPackage(fn)
	switch benchBucketOf(fn, pkg) {
	case "gRPC and HTTP/2", "HTTP/1.1 server (net/http)":
		return true
	}
	return pkg == benchModule+"services/platform/serve" ||
		pkg == "main" && strings.Contains(fn, "Interceptor") ||
		benchUnder(pkg, benchModule+"proto") && strings.Contains(fn, "_Handler")
}

// benchFuncPackage is the import path of a function's package, from its
// symbol name ("a/b/c.(*T).m" → "a/b/c"); type arguments are ignored.
// Assembly routines without a package in their name (memeqbody,
// gcWriteBarrier…) are the runtime's.
func benchFuncPackage(fn string) string {
	if strings.HasPrefix(fn, "type:") {
		return "runtime" // the compiler's hash and equality functions
	}
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return "runtime"
}

// benchIsSyscall reports the frames of system calls made on behalf of Go
// code (reads, writes, epoll), not the runtime's own futex sleeps.
func benchIsSyscall(fn string) bool {
	return strings.HasPrefix(fn, "syscall.") || strings.HasPrefix(fn, "internal/runtime/syscall") ||
		strings.HasPrefix(fn, "golang.org/x/sys/unix.")
}

// benchIsAlloc reports the runtime's allocation frames and the GC work an
// allocation assists with.
func benchIsAlloc(fn string) bool {
	for _, p := range []string{"runtime.mallocgc", "runtime.newobject", "runtime.makeslice", "runtime.growslice",
		"runtime.makemap", "runtime.newarray", "runtime.rawstring", "runtime.rawbyteslice", "runtime.rawruneslice",
		"runtime.(*mcache).", "runtime.(*mcentral).", "runtime.(*mheap).", "runtime.gcAssistAlloc",
		"runtime.deductSweepCredit", "runtime.wbBufFlush", "runtime.gcWriteBarrier", "gcWriteBarrier"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// benchIsGCWorker reports the frames of the collector's own goroutines.
func benchIsGCWorker(fn string) bool {
	switch fn {
	case "runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge", "runtime.forcegchelper",
		"runtime.gcMarkTermination", "runtime.gcStart", "runtime.gcMarkDone":
		return true
	}
	return false
}

// benchOnlyRuntime reports a stack of runtime frames alone: the scheduler,
// the network poller, timers.
func benchOnlyRuntime(frames []string) bool {
	for _, fn := range frames {
		pkg := benchFuncPackage(fn)
		if pkg != "runtime" && !strings.HasPrefix(pkg, "internal/runtime") {
			return false
		}
	}
	return true
}

// benchModule is the suite's module path.
const benchModule = "github.com/turnaround-sli/turnaround/"

// benchBuckets name the packages' buckets by import path prefix, the first
// match winning; the suite's own packages have a bucket each
// (benchBucketOf).
var benchBuckets = []struct{ prefix, bucket string }{
	{benchModule + "gateway", "REST gateway (grpc-gateway, the suite's gateway)"},
	{"github.com/grpc-ecosystem/grpc-gateway", "REST gateway (grpc-gateway, the suite's gateway)"},
	{benchModule + "proto", "protobuf encoding"},
	{"github.com/redis/go-redis/extra", "OpenTelemetry"},
	{"github.com/redis/go-redis", "Redis client (go-redis)"},
	{"go.opentelemetry.io", "OpenTelemetry"},
	{"github.com/felixge/httpsnoop", "OpenTelemetry"},
	{"github.com/prometheus", "metrics (Prometheus)"},
	{"google.golang.org/protobuf/encoding/protojson", "JSON encoding (protojson, encoding/json)"},
	{"google.golang.org/protobuf/internal/encoding/json", "JSON encoding (protojson, encoding/json)"},
	{"encoding/json", "JSON encoding (protojson, encoding/json)"},
	{"github.com/go-json-experiment/json", "JSON encoding (protojson, encoding/json)"},
	{"google.golang.org/protobuf", "protobuf encoding"},
	{"google.golang.org/genproto", "protobuf encoding"},
	{"google.golang.org/grpc", "gRPC and HTTP/2"},
	{"golang.org/x/net/http2", "gRPC and HTTP/2"},
	{"golang.org/x/net/http/httpguts", "gRPC and HTTP/2"},
	{"vendor/golang.org/x/net/http2", "gRPC and HTTP/2"},
	{"net/http/pprof", "the profiler (this measurement)"},
	{"runtime/pprof", "the profiler (this measurement)"},
	{"net/http", "HTTP/1.1 server (net/http)"},
	{"net/textproto", "HTTP/1.1 server (net/http)"},
	{"github.com/golang-jwt", "authentication (JWT, crypto)"},
	{"crypto", "authentication (JWT, crypto)"},
	{"log", "logging (slog)"},
	{"compress", "compression"},
}

// benchPlumbing are the standard library's general-purpose packages: a
// sample in them counts for whoever called them.
var benchPlumbing = []string{
	"runtime", "internal", "vendor", "sync", "syscall", "net", "os", "io", "bufio", "bytes", "strings", "strconv",
	"sort", "slices", "maps", "unicode", "fmt", "reflect", "math", "time", "context", "errors", "encoding/binary",
	"encoding/base64", "encoding/hex", "unique", "iter", "hash", "container", "cmp", "weak", "path", "regexp",
	"golang.org/x/sys", "github.com/cespare/xxhash",
}

// benchBucketOf is the bucket of a frame of package pkg, or "" for the
// plumbing and the runtime. HTTP/2 frames of net/http count with gRPC.
func benchBucketOf(fn, pkg string) string {
	if pkg == "net/http" && strings.HasPrefix(fn, "net/http.http2") {
		return "gRPC and HTTP/2"
	}
	if pkg == "main" {
		return "turnaround cmd/turnaround"
	}
	if rest, ok := strings.CutPrefix(pkg, benchModule); ok && !strings.HasPrefix(rest, "gateway") && !strings.HasPrefix(rest, "proto") {
		rest = strings.TrimPrefix(rest, "services/")
		rest = strings.Replace(rest, "/internal/", "/", 1)
		return "turnaround " + rest
	}
	for _, k := range benchBuckets {
		if benchUnder(pkg, k.prefix) {
			return k.bucket
		}
	}
	for _, p := range benchPlumbing {
		if benchUnder(pkg, p) {
			return ""
		}
	}
	return "other: " + pkg
}

// benchUnder reports whether import path pkg is prefix or a path under it
// ("net/http" is under "net", "network" is not).
func benchUnder(pkg, prefix string) bool {
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

// TestBenchProfileSummary checks the reading of `go tool pprof -traces`
// and the buckets on a made-up profile: a Redis write, protobuf encoding
// that allocates, a background GC worker and the idle scheduler.
func TestBenchProfileSummary(t *testing.T) {
	const traces = `File: turnaround
Type: cpu
Duration: 4s, Total samples = 100ms ( 2.50%)
-----------+-------------------------------------------------------
      40ms   internal/runtime/syscall/linux.Syscall6
             syscall.Syscall
             net.(*conn).Write
             github.com/redis/go-redis/v9/internal/pool.(*Conn).WithWriter
             github.com/redis/go-redis/v9.(*Client).Process
             github.com/turnaround-sli/turnaround/services/platform/store.(*Store).Commit
             google.golang.org/grpc.(*Server).handleStream
             runtime.goexit
-----------+-------------------------------------------------------
   request:  42
      30ms   runtime.nextFreeFast (inline)
             runtime.mallocgc
             runtime.growslice
             google.golang.org/protobuf/internal/impl.(*MessageInfo).marshal
             google.golang.org/grpc.(*Server).sendResponse
             runtime.goexit
-----------+-------------------------------------------------------
      20ms   runtime.scanObject
             runtime.gcDrain
             runtime.gcBgMarkWorker.func2
             runtime.systemstack
             runtime.gcBgMarkWorker
             runtime.goexit
-----------+-------------------------------------------------------
      10ms   runtime.futex
             runtime.findRunnable
             runtime.schedule
             runtime.mcall
-----------+-------------------------------------------------------
`
	stacks, err := benchParseTraces(traces)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 4 || len(stacks[1].frames) != 6 || stacks[1].frames[0] != "runtime.nextFreeFast" {
		t.Fatalf("parsed %d stacks: %+v", len(stacks), stacks)
	}
	s := benchSummarise(stacks)
	if s.total != 100*time.Millisecond || s.gc != 20*time.Millisecond || s.alloc != 30*time.Millisecond || s.syscalls != 40*time.Millisecond {
		t.Errorf("total %s, gc %s, alloc %s, syscalls %s; want 100ms, 20ms, 30ms, 40ms", s.total, s.gc, s.alloc, s.syscalls)
	}
	want := map[string]time.Duration{
		"Redis client (go-redis)": 40 * time.Millisecond, "protobuf encoding": 30 * time.Millisecond,
		benchBucketGC: 20 * time.Millisecond, benchBucketRuntime: 10 * time.Millisecond,
	}
	for _, k := range s.buckets {
		if k.self != want[k.name] {
			t.Errorf("bucket %q: %s, want %s", k.name, k.self, want[k.name])
		}
	}
	if k := s.buckets[0]; k.name != "Redis client (go-redis)" || k.syscalls != 40*time.Millisecond {
		t.Errorf("first bucket %+v, want the Redis client with its 40ms of syscalls", k)
	}
	if s.cum[0].fn != "github.com/redis/go-redis/v9.(*Client).Process" && s.cum[0].fn != "github.com/redis/go-redis/v9/internal/pool.(*Conn).WithWriter" {
		t.Errorf("top cumulative %+v, want the Redis client below the gRPC server", s.cum[0])
	}
	if got := benchShortFunc("store.(*Collection[go.shape.struct { Latest []int }]).Get"); got != "store.(*Collection[…]).Get" {
		t.Errorf("short name %q", got)
	}
	if got := benchProfileFileName("CreateSponsor (write through the outbox)", "gRPC", ""); got != "CreateSponsor-write-through-the-outbox-gRPC.pprof" {
		t.Errorf("file name %q", got)
	}
}
