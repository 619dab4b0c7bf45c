package main

// The files under deploy/ are only ever run on machines these tests never
// see, so this file proves them against the binary instead: every overlay
// builds with the pinned kustomize, and the manifests, the compose file and
// the Dockerfile name only targets, flags and environment variables the
// binary has, open the ports it listens on, and probe paths that answer when
// the real binary runs.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

const (
	deployDir = "../../deploy"
	// kustomizePath is where `make tools` installs the pinned kustomize.
	kustomizePath = "../../.bin/kustomize"
	// binaryContainer names the container that runs turnaround in every
	// workload, so other containers (Redis) are told apart.
	binaryContainer = "turnaround"
	// deployNamespace is the one namespace every overlay deploys into.
	deployNamespace = "turnaround"
)

// overlays are every kustomize overlay and what each must contain. A
// directory under deploy/k8s/overlays missing here fails the test, so a new
// overlay is never left unchecked.
var overlays = []overlaySpec{
	{name: "dev", externalSecrets: []string{"turnaround-jwks"}, ownRedis: true},
	{name: "production", externalSecrets: []string{"turnaround-jwks", "turnaround-redis"}, autoscaled: true, spread: true},
}

// overlaySpec is what one overlay must contain.
type overlaySpec struct {
	name string
	// externalSecrets are referenced but created outside the manifests.
	externalSecrets []string
	// autoscaled: every target has an HPA and no fixed replica count;
	// otherwise every target runs exactly one replica.
	autoscaled bool
	// spread: replicas are spread across zones and nodes.
	spread bool
	// ownRedis: the overlay runs Redis itself, with the append-only file.
	ownRedis bool
}

// Paths each listener serves for probes: the gateway's own probes on the
// HTTP port, the metrics endpoint on the admin port.
var (
	gatewayProbePaths = []string{"/healthz", "/readyz"}
	adminProbePaths   = []string{"/metrics"}
)

// runtimeEnv are variables Go's runtime and standard library read (heap
// limit, CPUs, TLS roots), which the source scan does not see.
var runtimeEnv = []string{"GOMEMLIMIT", "GOMAXPROCS", "GOGC", "GODEBUG", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// probeUse is one probe a deployment file points at a process of target.
type probeUse struct {
	target   string
	listener string // "grpc", "http" or "admin"
	path     string // HTTP path, or the gRPC health service name
	source   string // where it was found, for messages
}

// portSet is what a process of one target listens on, after flags and
// environment: only the listeners that target opens are non-zero.
type portSet struct {
	grpc, http, admin int
}

// TestDeployKustomizeOverlays builds every overlay with the pinned kustomize
// and checks its Deployments, Services, autoscalers and configuration against
// the binary.
func TestDeployKustomizeOverlays(t *testing.T) {
	bin := kustomizeBinary(t)
	names := binaryEnvNames(t)
	image := parseDockerfile(t)

	dirs, err := os.ReadDir(filepath.Join(deployDir, "k8s", "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !slices.ContainsFunc(overlays, func(o overlaySpec) bool { return o.name == d.Name() }) {
			t.Errorf("overlay %s has no entry in overlays", d.Name())
		}
	}

	for _, ov := range overlays {
		t.Run(ov.name, func(t *testing.T) {
			objs := kustomizeBuild(t, bin, ov.name)
			m := indexManifests(t, objs)

			for _, o := range objs {
				if o.Kind != "Namespace" && o.Metadata.Namespace != deployNamespace {
					t.Errorf("%s %s is in namespace %q, want %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace, deployNamespace)
				}
			}

			seen := map[string]string{}
			for _, d := range m.deployments {
				c := d.binaryContainer()
				if c == nil {
					t.Errorf("Deployment %s has no %q container", d.Metadata.Name, binaryContainer)
					continue
				}
				t.Run(d.Metadata.Name, func(t *testing.T) {
					if !d.Spec.Selector.matches(d.Spec.Template.Metadata.Labels) {
						t.Errorf("selector %v does not select the pod template's labels", d.Spec.Selector.MatchLabels)
					}
					env := m.containerEnv(t, *c, ov.externalSecrets)
					m.checkSecretVolumes(t, d, ov.externalSecrets)
					checkEnvNames(t, "Deployment "+d.Metadata.Name, keys(env), names)
					if len(c.Command) > 0 {
						t.Errorf("command %q replaces the image's entrypoint", c.Command)
					}
					cfg, ports := configFor(t, names, image.env, env, c.Args)
					if cfg.Target == "all" {
						t.Fatalf("-target=all on Kubernetes: run one target per Deployment")
					}
					if other, dup := seen[cfg.Target]; dup {
						t.Errorf("-target=%s also runs in %s", cfg.Target, other)
					}
					seen[cfg.Target] = d.Metadata.Name
					checkContainerPorts(t, *c, ports)
					checkProbes(t, d, *c, cfg.Target, ports)
					m.checkUpstreams(t, env)
					checkPeerAddresses(t, cfg, env)
					if cfg.Target != "gateway" {
						checkJWKSMount(t, d, *c, env)
					}
					checkAvailability(t, m, d, ov.autoscaled, ov.spread)
				})
			}
			for _, tg := range targets {
				if _, ok := seen[tg]; !ok && tg != "all" {
					t.Errorf("no Deployment runs -target=%s", tg)
				}
			}
			m.checkServices(t)
			m.checkAutoscalers(t)
			if ov.ownRedis {
				m.checkOwnRedis(t)
			}
		})
	}
}

// TestDeployCompose checks deploy/compose.yaml against the binary and against
// the collector and Prometheus configuration it mounts.
func TestDeployCompose(t *testing.T) {
	names := binaryEnvNames(t)
	image := parseDockerfile(t)
	cf := loadCompose(t)

	collector := parseCollectorConfig(t)
	scraped := parsePrometheusTargets(t)

	seen := map[string]string{}
	for name, svc := range cf.Services {
		if !cf.runsBinary(svc) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range svc.Environment {
				env[k] = interpolateDefault(v)
			}
			checkEnvNames(t, "compose service "+name, keys(env), names)
			if len(svc.Entrypoint) > 0 {
				t.Errorf("entrypoint %q replaces the image's", svc.Entrypoint)
			}
			cfg, ports := configFor(t, names, image.env, env, svc.Command)
			if other, dup := seen[cfg.Target]; dup && cfg.Target != "all" {
				t.Errorf("-target=%s also runs in service %s", cfg.Target, other)
			}
			seen[cfg.Target] = name

			for _, p := range svc.Ports {
				cp, err := composeContainerPort(p)
				if err != nil {
					t.Error(err)
					continue
				}
				if cp != ports.grpc && cp != ports.http && cp != ports.admin {
					t.Errorf("publishes container port %d; %s listens on %+v", cp, cfg.Target, ports)
				}
			}
			if svc.Healthcheck == nil || len(svc.Healthcheck.Test) < 2 {
				t.Fatalf("no health check")
			}
			test := svc.Healthcheck.Test
			if strings.HasPrefix(test[1], "/busybox/") && !strings.Contains(svc.Build.Args["RUNTIME_IMAGE"], ":debug") {
				t.Errorf("health check runs %s but the image is built on %q, which has no busybox", test[1], svc.Build.Args["RUNTIME_IMAGE"])
			}
			u, err := url.Parse(test[len(test)-1])
			if err != nil || u.Scheme != "http" {
				t.Fatalf("health check %q does not end in an http URL", test)
			}
			port, _ := strconv.Atoi(u.Port())
			if u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" {
				t.Errorf("health check calls %s, not the container itself", u.Host)
			}
			if _, err := probeListener(ports, port, u.Path); err != nil {
				t.Errorf("health check %s: %v", u, err)
			}

			if file := env["TURNAROUND_JWKS_FILE"]; file != "" {
				secret, ok := strings.CutPrefix(file, "/run/secrets/")
				if !ok || !slices.Contains(svc.Secrets, secret) || cf.Secrets[secret].File == "" {
					t.Errorf("TURNAROUND_JWKS_FILE=%s is not a file-backed secret of the service (secrets %v)", file, svc.Secrets)
				}
			}
			checkPeerAddresses(t, cfg, env)
			if u := env["REDIS_URL"]; u != "" {
				host, _ := hostPort(t, "REDIS_URL", u)
				if r, ok := cf.Services[host]; !ok || !strings.HasPrefix(r.Image, "redis:") {
					t.Errorf("REDIS_URL names %s, which is not the compose Redis", host)
				}
			}
			for _, tg := range targets {
				addr := env[upstreamEnv(tg)]
				if addr == "" {
					continue
				}
				host, port := hostPort(t, upstreamEnv(tg), addr)
				up, ok := cf.Services[host]
				if !ok || !cf.runsBinary(up) {
					t.Errorf("%s=%s: no turnaround service %s", upstreamEnv(tg), addr, host)
					continue
				}
				upCfg, upPorts := configFor(t, names, image.env, stringMap(up.Environment), up.Command)
				if upCfg.Target != tg && upCfg.Target != "all" {
					t.Errorf("%s=%s runs -target=%s", upstreamEnv(tg), addr, upCfg.Target)
				}
				if port != upPorts.grpc {
					t.Errorf("%s=%s: %s serves gRPC on %d", upstreamEnv(tg), addr, host, upPorts.grpc)
				}
			}
			if ep := env["OTEL_EXPORTER_OTLP_ENDPOINT"]; ep != "" {
				host, port := hostPort(t, "OTEL_EXPORTER_OTLP_ENDPOINT", ep)
				if c, ok := cf.Services[host]; !ok || !strings.Contains(c.Image, "opentelemetry-collector") {
					t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT names %s, which is not the collector", host)
				}
				want := collector.grpc
				if env["OTEL_EXPORTER_OTLP_PROTOCOL"] != "" && env["OTEL_EXPORTER_OTLP_PROTOCOL"] != "grpc" {
					want = collector.http
				}
				if port != want {
					t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT port %d; the collector's OTLP receiver for %q listens on %d", port, env["OTEL_EXPORTER_OTLP_PROTOCOL"], want)
				}
			}
			if want := net.JoinHostPort(name, strconv.Itoa(ports.admin)); !slices.Contains(scraped, want) {
				t.Errorf("prometheus.yml does not scrape %s (targets %v)", want, scraped)
			}
		})
	}
	for _, tg := range targets {
		if _, ok := seen[tg]; !ok && tg != "all" {
			t.Errorf("no compose service runs -target=%s", tg)
		}
	}

	redis, ok := cf.Services["redis"]
	if !ok {
		t.Fatal("no redis service")
	}
	cmd := strings.Join(redis.Command, " ")
	for _, want := range []string{"--appendonly yes", "--appendfsync everysec"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis command %q lacks %q", cmd, want)
		}
	}
	if !slices.ContainsFunc(redis.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
		t.Errorf("redis keeps /data on no volume: %v", redis.Volumes)
	}
}

// TestDeployDockerfile checks the final image's environment, entrypoint,
// user and exposed ports.
func TestDeployDockerfile(t *testing.T) {
	names := binaryEnvNames(t)
	img := parseDockerfile(t)
	checkEnvNames(t, "Dockerfile ENV", keys(img.env), names)
	if !slices.Equal(img.entrypoint, []string{"/turnaround"}) {
		t.Errorf("ENTRYPOINT %q, want [\"/turnaround\"]", img.entrypoint)
	}
	if img.user == "" || strings.HasPrefix(img.user, "0") || strings.HasPrefix(img.user, "root") {
		t.Errorf("USER %q: the final image must run as a non-root user", img.user)
	}
	_, ports := configFor(t, names, img.env, nil, nil)
	want := []int{ports.grpc, ports.http, ports.admin}
	slices.Sort(want)
	if !slices.Equal(img.expose, want) {
		t.Errorf("EXPOSE %v, but the image's default process listens on %v", img.expose, want)
	}
}

// TestDeployProbesAnswer runs the binary the way the deployment files do (one
// process per service target and a gateway in front, on the real Redis in
// production mode) and asks every probe they configure: each must answer.
func TestDeployProbesAnswer(t *testing.T) {
	probes := composeProbes(t)
	if bin, ok := optionalKustomize(t); ok {
		for _, ov := range overlays {
			probes = append(probes, kustomizeProbes(t, bin, ov)...)
		}
	} else {
		t.Logf("%s not built (make tools): asking only the compose file's probes", kustomizePath)
	}
	if len(probes) == 0 {
		t.Fatal("the deployment files configure no probes")
	}

	_, ks := redistest.New(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "deploy", &key.PublicKey)
	type running struct {
		grpc, admin string
	}
	procs := map[string]running{}
	env := []string{"REDIS_URL=" + redistest.URL()}
	for _, tg := range targets {
		if tg == "all" || tg == "gateway" {
			continue
		}
		// Each service learns the addresses of those started before it,
		// as far as a chain of processes on random ports allows.
		admin := freeLoopbackAddr(t)
		in := start(t, env, "-target="+tg, "-key-prefix="+ks.Prefix, "-jwks-file="+jwks, "-admin-addr="+admin)
		procs[tg] = running{grpc: in.grpc, admin: admin}
		env = append(env, upstreamEnv(tg)+"="+in.grpc)
	}
	admin := freeLoopbackAddr(t)
	gw := start(t, env, "-target=gateway", "-admin-addr="+admin)
	procs["gateway"] = running{admin: admin}

	for _, p := range probes {
		proc, ok := procs[p.target]
		if !ok {
			t.Errorf("%s: probes -target=%s, which this test does not run", p.source, p.target)
			continue
		}
		switch p.listener {
		case "grpc":
			waitServing(t, proc.grpc, p.path, p.source)
		case "http":
			waitHTTPOK(t, gw.http+p.path, p.source)
		case "admin":
			waitHTTPOK(t, "http://"+proc.admin+p.path, p.source)
		}
	}
	// The services' own health names must be SERVING too, since a probe may
	// ask for one.
	for _, c := range components {
		if proc, ok := procs[c.target]; ok {
			waitServing(t, proc.grpc, c.service, "component "+c.target)
		}
	}
}

// kustomizeBinary returns the pinned kustomize, or skips the test when it has
// not been built, except in CI (CI set), where its absence is a failure.
func kustomizeBinary(t *testing.T) string {
	t.Helper()
	bin, ok := optionalKustomize(t)
	if !ok {
		t.Skipf("%s not built (make tools); CI fails here instead of skipping", kustomizePath)
	}
	return bin
}

// optionalKustomize returns the pinned kustomize if it has been built; in CI
// its absence fails the test.
func optionalKustomize(t *testing.T) (string, bool) {
	t.Helper()
	bin, err := filepath.Abs(kustomizePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kustomize is required in CI: %v (run make tools)", err)
		}
		return "", false
	}
	return bin, true
}

// manifest is the part of a Kubernetes object these checks read.
type manifest struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
	Spec json.RawMessage   `json:"spec"`
}

type labelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// matches reports whether the selector picks an object with labels; an empty
// selector picks nothing here, as none of ours should be empty.
func (s labelSelector) matches(labels map[string]string) bool {
	if len(s.MatchLabels) == 0 {
		return false
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

type workload struct {
	Kind     string
	Metadata struct {
		Name string
	}
	Spec struct {
		Replicas *int          `json:"replicas"`
		Selector labelSelector `json:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				Containers []k8sContainer `json:"containers"`
				Volumes    []struct {
					Name   string `json:"name"`
					Secret *struct {
						SecretName string `json:"secretName"`
					} `json:"secret"`
				} `json:"volumes"`
				TopologySpreadConstraints []json.RawMessage `json:"topologySpreadConstraints"`
				Affinity                  *struct {
					PodAntiAffinity json.RawMessage `json:"podAntiAffinity"`
				} `json:"affinity"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// binaryContainer is the container that runs turnaround, or nil.
func (w workload) binaryContainer() *k8sContainer {
	for i, c := range w.Spec.Template.Spec.Containers {
		if c.Name == binaryContainer {
			return &w.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

type k8sContainer struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	Command []string `json:"command"`
	Args    []string `json:"args"`
	Env     []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `json:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `json:"configMapKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	EnvFrom []struct {
		ConfigMapRef *keyRef `json:"configMapRef"`
		SecretRef    *keyRef `json:"secretRef"`
	} `json:"envFrom"`
	Ports          []containerPort `json:"ports"`
	ReadinessProbe *k8sProbe       `json:"readinessProbe"`
	LivenessProbe  *k8sProbe       `json:"livenessProbe"`
	StartupProbe   *k8sProbe       `json:"startupProbe"`
	VolumeMounts   []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
		SubPath   string `json:"subPath"`
	} `json:"volumeMounts"`
}

type containerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
}

type keyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string      `json:"path"`
		Port intOrString `json:"port"`
	} `json:"httpGet"`
	GRPC *struct {
		Port    int     `json:"port"`
		Service *string `json:"service"`
	} `json:"grpc"`
}

// intOrString is a Kubernetes port reference: a number or a port's name.
type intOrString string

// UnmarshalJSON accepts a port number or a port name.
func (p *intOrString) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*p = intOrString(strconv.Itoa(n))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("port %s is neither a number nor a name", b)
	}
	*p = intOrString(s)
	return nil
}

// resolve turns a port reference into a number using the container's named
// ports.
func (p intOrString) resolve(c k8sContainer) (int, error) {
	if n, err := strconv.Atoi(string(p)); err == nil {
		return n, nil
	}
	for _, cp := range c.Ports {
		if cp.Name == string(p) {
			return cp.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, p)
}

type k8sService struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Selector map[string]string `json:"selector"`
		Ports    []servicePort     `json:"ports"`
	} `json:"spec"`
}

type servicePort struct {
	Name       string      `json:"name"`
	Port       int         `json:"port"`
	TargetPort intOrString `json:"targetPort"`
}

type k8sHPA struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicas int `json:"minReplicas"`
		MaxReplicas int `json:"maxReplicas"`
	} `json:"spec"`
}

type k8sPDB struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Selector labelSelector `json:"selector"`
	} `json:"spec"`
}

// manifests is one overlay's output, indexed for the checks.
type manifests struct {
	deployments  []workload
	statefulSets []workload
	services     []k8sService
	hpas         []k8sHPA
	pdbs         []k8sPDB
	configMaps   map[string]map[string]string
	secrets      map[string]map[string]string
}

// kustomizeBuild builds an overlay and decodes every document it prints.
func kustomizeBuild(t *testing.T, bin, overlay string) []manifest {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "build", filepath.Join(deployDir, "k8s", "overlays", overlay))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", overlay, err, stderr.String())
	}
	var out []manifest
	for _, doc := range decodeYAMLDocuments(t, "kustomize build "+overlay, stdout.Bytes()) {
		var m manifest
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatalf("kustomize build %s: %v", overlay, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatalf("kustomize build %s printed nothing", overlay)
	}
	return out
}

// decodeYAMLDocuments reads a YAML stream into one JSON document per YAML
// document, so typed structs can read them.
func decodeYAMLDocuments(t *testing.T, what string, b []byte) [][]byte {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs [][]byte
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v == nil {
			continue
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		docs = append(docs, j)
	}
}

// indexManifests sorts an overlay's objects by kind and decodes the Secrets.
func indexManifests(t *testing.T, objs []manifest) manifests {
	t.Helper()
	m := manifests{configMaps: map[string]map[string]string{}, secrets: map[string]map[string]string{}}
	decode := func(o manifest, v any) {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v", o.Kind, o.Metadata.Name, err)
		}
	}
	for _, o := range objs {
		switch o.Kind {
		case "Deployment", "StatefulSet":
			var w workload
			decode(o, &w)
			w.Kind = o.Kind
			if o.Kind == "Deployment" {
				m.deployments = append(m.deployments, w)
			} else {
				m.statefulSets = append(m.statefulSets, w)
			}
		case "Service":
			var s k8sService
			decode(o, &s)
			m.services = append(m.services, s)
		case "HorizontalPodAutoscaler":
			var h k8sHPA
			decode(o, &h)
			m.hpas = append(m.hpas, h)
		case "PodDisruptionBudget":
			var p k8sPDB
			decode(o, &p)
			m.pdbs = append(m.pdbs, p)
		case "ConfigMap":
			m.configMaps[o.Metadata.Name] = o.Data
		case "Secret":
			data := map[string]string{}
			for k, v := range o.Data {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					t.Fatalf("Secret %s key %s: %v", o.Metadata.Name, k, err)
				}
				data[k] = string(b)
			}
			m.secrets[o.Metadata.Name] = data
		}
	}
	return m
}

// secretPlaceholder stands in for a value kept in a Secret created outside
// the manifests: parseConfig needs the variable set, never its value.
func secretPlaceholder(name string) string {
	if name == "REDIS_URL" {
		return "redis://redis.invalid:6379"
	}
	return "set-from-secret"
}

// containerEnv is the environment Kubernetes gives the container, failing
// the test on a reference to a ConfigMap or Secret the overlay lacks.
func (m manifests) containerEnv(t *testing.T, c k8sContainer, externalSecrets []string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			data, ok := m.configMaps[ef.ConfigMapRef.Name]
			if !ok {
				t.Errorf("envFrom names ConfigMap %s, which the overlay lacks", ef.ConfigMapRef.Name)
			}
			for k, v := range data {
				env[k] = v
			}
		case ef.SecretRef != nil:
			t.Errorf("envFrom Secret %s: name each secret variable with secretKeyRef so the checks can see it", ef.SecretRef.Name)
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if data, ok := m.secrets[ref.Name]; ok {
				v, ok := data[ref.Key]
				if !ok {
					t.Errorf("%s: Secret %s has no key %s", e.Name, ref.Name, ref.Key)
				}
				env[e.Name] = v
			} else if slices.Contains(externalSecrets, ref.Name) {
				env[e.Name] = secretPlaceholder(e.Name)
			} else {
				t.Errorf("%s: Secret %s is neither in the overlay nor one created outside it %v", e.Name, ref.Name, externalSecrets)
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := m.configMaps[ref.Name][ref.Key]
			if !ok {
				t.Errorf("%s: ConfigMap %s has no key %s", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default:
			t.Errorf("%s: a valueFrom these checks cannot follow", e.Name)
		}
	}
	return env
}

// checkContainerPorts proves the container declares exactly the ports the
// process listens on, under the names probes and Services use.
func checkContainerPorts(t *testing.T, c k8sContainer, ports portSet) {
	t.Helper()
	want := map[string]int{"metrics": ports.admin}
	if ports.grpc != 0 {
		want["grpc"] = ports.grpc
	}
	if ports.http != 0 {
		want["http"] = ports.http
	}
	got := map[string]int{}
	for _, p := range c.Ports {
		got[p.Name] = p.ContainerPort
	}
	for name, port := range want {
		if got[name] != port {
			t.Errorf("container port %q = %d, but the process listens on %d", name, got[name], port)
		}
	}
	for name, port := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("container port %q (%d) is not one the process opens", name, port)
		}
	}
}

// probeListener says which listener a probe on port and path reaches, or
// why the path is not one that listener serves.
func probeListener(ports portSet, port int, path string) (string, error) {
	switch {
	case port != 0 && port == ports.http:
		if !slices.Contains(gatewayProbePaths, path) {
			return "", fmt.Errorf("path %s: the gateway serves probes at %v", path, gatewayProbePaths)
		}
		return "http", nil
	case port == ports.admin:
		if !slices.Contains(adminProbePaths, path) {
			return "", fmt.Errorf("path %s: the admin port serves %v", path, adminProbePaths)
		}
		return "admin", nil
	}
	return "", fmt.Errorf("port %d is no HTTP listener of the process (%+v)", port, ports)
}

// checkProbes proves a container has readiness and liveness probes and that
// each reaches a listener and path (or gRPC service) the process serves.
func checkProbes(t *testing.T, d workload, c k8sContainer, target string, ports portSet) {
	t.Helper()
	if c.ReadinessProbe == nil || c.LivenessProbe == nil {
		t.Errorf("needs both a readiness and a liveness probe")
	}
	for _, p := range kubeProbes(t, d, c, target, ports) {
		if p.listener == "grpc" && p.path != "" && !slices.Contains(servicesOf(target), p.path) {
			t.Errorf("%s asks the health of %q, which -target=%s does not serve", p.source, p.path, target)
		}
	}
}

// kubeProbes lists the probes of a container, failing on one that does not
// reach a listener of the process.
func kubeProbes(t *testing.T, d workload, c k8sContainer, target string, ports portSet) []probeUse {
	t.Helper()
	var out []probeUse
	for kind, p := range map[string]*k8sProbe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
		if p == nil {
			continue
		}
		src := fmt.Sprintf("Deployment %s %s probe", d.Metadata.Name, kind)
		switch {
		case p.GRPC != nil:
			if ports.grpc == 0 || p.GRPC.Port != ports.grpc {
				t.Errorf("%s: gRPC port %d, but -target=%s serves gRPC on %d", src, p.GRPC.Port, target, ports.grpc)
				continue
			}
			svc := ""
			if p.GRPC.Service != nil {
				svc = *p.GRPC.Service
			}
			out = append(out, probeUse{target: target, listener: "grpc", path: svc, source: src})
		case p.HTTPGet != nil:
			port, err := p.HTTPGet.Port.resolve(c)
			if err != nil {
				t.Errorf("%s: %v", src, err)
				continue
			}
			listener, err := probeListener(ports, port, p.HTTPGet.Path)
			if err != nil {
				t.Errorf("%s: %v", src, err)
				continue
			}
			out = append(out, probeUse{target: target, listener: listener, path: p.HTTPGet.Path, source: src})
		default:
			t.Errorf("%s: use a gRPC or HTTP probe, which prove the process answers", src)
		}
	}
	return out
}

// checkUpstreams proves each TURNAROUND_<TARGET>_ADDR names a Service that
// routes to the pods of that target's Deployment, on their gRPC port.
func (m manifests) checkUpstreams(t *testing.T, env map[string]string) {
	t.Helper()
	for _, tg := range targets {
		addr, ok := env[upstreamEnv(tg)]
		if !ok || addr == "" {
			continue
		}
		host, port := hostPort(t, upstreamEnv(tg), addr)
		svc := m.service(host)
		if svc == nil {
			t.Errorf("%s=%s: no Service %s", upstreamEnv(tg), addr, host)
			continue
		}
		d := m.selected(svc.Spec.Selector)
		if d == nil || d.Kind != "Deployment" {
			t.Errorf("%s=%s: Service %s selects no Deployment", upstreamEnv(tg), addr, host)
			continue
		}
		c := d.binaryContainer()
		if c == nil || !slices.Contains(c.Args, "-target="+tg) {
			t.Errorf("%s=%s: Service %s routes to %s, which does not run -target=%s", upstreamEnv(tg), addr, host, d.Metadata.Name, tg)
			continue
		}
		found := false
		for _, p := range svc.Spec.Ports {
			if p.Port != port {
				continue
			}
			found = true
			if tp, err := p.TargetPort.resolve(*c); err != nil || tp != containerPortNamed(*c, "grpc") {
				t.Errorf("%s=%s: Service port %d does not reach the gRPC port of %s", upstreamEnv(tg), addr, port, d.Metadata.Name)
			}
		}
		if !found {
			t.Errorf("%s=%s: Service %s has no port %d", upstreamEnv(tg), addr, host, port)
		}
	}
}

// checkPeerAddresses proves a process of one target is told where every
// other service runs: the gateway forwards to each, and a service calling
// another would otherwise dial itself.
func checkPeerAddresses(t *testing.T, cfg config, env map[string]string) {
	t.Helper()
	if cfg.Target == "gateway" {
		if _, err := gatewayUpstreams(cfg, ""); err != nil {
			t.Error(err)
		}
		return
	}
	for _, c := range components {
		if cfg.Target != "all" && c.target != cfg.Target && env[upstreamEnv(c.target)] == "" {
			t.Errorf("-target=%s is not given %s, the address of the %s service", cfg.Target, upstreamEnv(c.target), c.target)
		}
	}
}

// servicesOf lists the gRPC services a process of target registers.
func servicesOf(target string) []string {
	var out []string
	for _, c := range components {
		if target == "all" || c.target == target {
			out = append(out, c.service)
		}
	}
	return out
}

// containerPortNamed is the number of the container's port called name, or -1.
func containerPortNamed(c k8sContainer, name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return -1
}

// checkSecretVolumes fails on a Secret volume whose Secret is neither in the
// overlay nor one of those created outside it: the pod would never start.
func (m manifests) checkSecretVolumes(t *testing.T, d workload, externalSecrets []string) {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		if _, ok := m.secrets[v.Secret.SecretName]; !ok && !slices.Contains(externalSecrets, v.Secret.SecretName) {
			t.Errorf("volume %s: Secret %s is neither in the overlay nor one created outside it %v", v.Name, v.Secret.SecretName, externalSecrets)
		}
	}
}

// checkJWKSMount proves the JWKS file a service reads is mounted from a
// Secret, as a directory so rotation reaches the process.
func checkJWKSMount(t *testing.T, d workload, c k8sContainer, env map[string]string) {
	t.Helper()
	file := env["TURNAROUND_JWKS_FILE"]
	if file == "" {
		if env["TURNAROUND_JWKS_URL"] == "" {
			t.Errorf("a service needs TURNAROUND_JWKS_FILE or TURNAROUND_JWKS_URL")
		}
		return
	}
	for _, vm := range c.VolumeMounts {
		if filepath.Dir(file) != filepath.Clean(vm.MountPath) {
			continue
		}
		if vm.SubPath != "" {
			t.Errorf("JWKS mounted with subPath: a rotated Secret would never reach the process")
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == vm.Name && v.Secret != nil {
				return
			}
		}
	}
	t.Errorf("TURNAROUND_JWKS_FILE=%s is on no Secret volume", file)
}

// checkAvailability proves the overlay's scaling rules for one Deployment:
// an HPA or exactly one replica, a PodDisruptionBudget, and spread where asked.
func checkAvailability(t *testing.T, m manifests, d workload, autoscaled, spread bool) {
	t.Helper()
	var hpa *k8sHPA
	for i, h := range m.hpas {
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Metadata.Name {
			hpa = &m.hpas[i]
		}
	}
	switch {
	case autoscaled && hpa == nil:
		t.Errorf("no HorizontalPodAutoscaler")
	case autoscaled && (hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < hpa.Spec.MinReplicas):
		t.Errorf("HPA %s scales %d..%d; want at least two replicas", hpa.Metadata.Name, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	case autoscaled && d.Spec.Replicas != nil:
		t.Errorf("replicas is set while an HPA owns the count: every apply would reset it")
	case !autoscaled && hpa != nil:
		t.Errorf("HPA %s in an overlay with fixed replicas", hpa.Metadata.Name)
	case !autoscaled && d.Spec.Replicas == nil:
		t.Errorf("replicas unset, want 1")
	case !autoscaled && *d.Spec.Replicas != 1:
		t.Errorf("replicas = %d, want 1", *d.Spec.Replicas)
	}
	covered := false
	for _, p := range m.pdbs {
		covered = covered || p.Spec.Selector.matches(d.Spec.Template.Metadata.Labels)
	}
	if !covered {
		t.Errorf("no PodDisruptionBudget selects the pods")
	}
	if spread {
		if len(d.Spec.Template.Spec.TopologySpreadConstraints) == 0 {
			t.Errorf("no topology spread constraints")
		}
		if d.Spec.Template.Spec.Affinity == nil || len(d.Spec.Template.Spec.Affinity.PodAntiAffinity) == 0 {
			t.Errorf("no pod anti-affinity")
		}
	}
}

// service is the Service called name, or nil.
func (m manifests) service(name string) *k8sService {
	for i, s := range m.services {
		if s.Metadata.Name == name {
			return &m.services[i]
		}
	}
	return nil
}

// selected is the one workload whose pods a selector picks, or nil.
func (m manifests) selected(selector map[string]string) *workload {
	var found *workload
	for _, list := range [][]workload{m.deployments, m.statefulSets} {
		for i, w := range list {
			if (labelSelector{MatchLabels: selector}).matches(w.Spec.Template.Metadata.Labels) {
				if found != nil {
					return nil
				}
				found = &list[i]
			}
		}
	}
	return found
}

// checkServices proves every Service routes to exactly one workload and
// every port reaches a port its container opens.
func (m manifests) checkServices(t *testing.T) {
	t.Helper()
	for _, s := range m.services {
		w := m.selected(s.Spec.Selector)
		if w == nil {
			t.Errorf("Service %s selects no single workload (%v)", s.Metadata.Name, s.Spec.Selector)
			continue
		}
		for _, p := range s.Spec.Ports {
			ok := false
			for _, c := range w.Spec.Template.Spec.Containers {
				if n, err := p.TargetPort.resolve(c); err == nil && slices.ContainsFunc(c.Ports, func(cp containerPort) bool { return cp.ContainerPort == n }) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("Service %s port %s targets %q, which %s does not open", s.Metadata.Name, p.Name, p.TargetPort, w.Metadata.Name)
			}
		}
	}
}

// checkAutoscalers proves every HPA and PodDisruptionBudget points at a
// workload the overlay has.
func (m manifests) checkAutoscalers(t *testing.T) {
	t.Helper()
	for _, h := range m.hpas {
		if !slices.ContainsFunc(m.deployments, func(d workload) bool { return d.Metadata.Name == h.Spec.ScaleTargetRef.Name }) {
			t.Errorf("HPA %s scales %s %s, which the overlay lacks", h.Metadata.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
		}
	}
	for _, p := range m.pdbs {
		if m.selected(p.Spec.Selector.MatchLabels) == nil {
			t.Errorf("PodDisruptionBudget %s selects no single workload", p.Metadata.Name)
		}
	}
}

// checkOwnRedis proves an overlay that runs Redis runs it with the
// append-only file on a volume, and that REDIS_URL names its Service.
func (m manifests) checkOwnRedis(t *testing.T) {
	t.Helper()
	var redis *workload
	for i, s := range m.statefulSets {
		for _, c := range s.Spec.Template.Spec.Containers {
			if strings.HasPrefix(c.Image, "redis:") {
				redis = &m.statefulSets[i]
				args := strings.Join(append(c.Command, c.Args...), " ")
				for _, want := range []string{"--appendonly yes", "--appendfsync everysec"} {
					if !strings.Contains(args, want) {
						t.Errorf("Redis runs %q, without %q", args, want)
					}
				}
				if len(c.VolumeMounts) == 0 {
					t.Errorf("Redis keeps its data on no volume")
				}
			}
		}
	}
	if redis == nil {
		t.Fatal("no Redis StatefulSet")
	}
	for _, d := range m.deployments {
		c := d.binaryContainer()
		if c == nil {
			continue
		}
		env := m.containerEnv(t, *c, nil)
		host, port := hostPort(t, "REDIS_URL", env["REDIS_URL"])
		svc := m.service(host)
		if svc == nil || m.selected(svc.Spec.Selector) == nil || m.selected(svc.Spec.Selector).Metadata.Name != redis.Metadata.Name {
			t.Errorf("%s: REDIS_URL host %s is not the Service of the Redis StatefulSet", d.Metadata.Name, host)
			continue
		}
		if !slices.ContainsFunc(svc.Spec.Ports, func(p servicePort) bool { return p.Port == port }) {
			t.Errorf("%s: REDIS_URL port %d is not a port of Service %s", d.Metadata.Name, port, host)
		}
	}
}

// kustomizeProbes builds an overlay and lists its probes, for the live test.
func kustomizeProbes(t *testing.T, bin string, ov overlaySpec) []probeUse {
	t.Helper()
	names := binaryEnvNames(t)
	image := parseDockerfile(t)
	m := indexManifests(t, kustomizeBuild(t, bin, ov.name))
	var out []probeUse
	for _, d := range m.deployments {
		c := d.binaryContainer()
		if c == nil {
			continue
		}
		cfg, ports := configFor(t, names, image.env, m.containerEnv(t, *c, ov.externalSecrets), c.Args)
		out = append(out, kubeProbes(t, d, *c, cfg.Target, ports)...)
	}
	return out
}

// composeFile is the part of deploy/compose.yaml these checks read.
type composeFile struct {
	Services map[string]composeService `json:"services"`
	Secrets  map[string]struct {
		File string `json:"file"`
	} `json:"secrets"`
}

// composeService is one service of the compose file, in the long forms the
// file uses.
type composeService struct {
	Image string `json:"image"`
	Build struct {
		Context    string            `json:"context"`
		Dockerfile string            `json:"dockerfile"`
		Args       map[string]string `json:"args"`
	} `json:"build"`
	Entrypoint  []string          `json:"entrypoint"`
	Command     []string          `json:"command"`
	Environment map[string]string `json:"environment"`
	Ports       []string          `json:"ports"`
	Volumes     []string          `json:"volumes"`
	Secrets     []string          `json:"secrets"`
	Healthcheck *struct {
		Test []string `json:"test"`
	} `json:"healthcheck"`
}

// runsBinary reports whether the service runs the image deploy/Dockerfile
// builds, so from the repository root.
func (f composeFile) runsBinary(s composeService) bool {
	return s.Build.Dockerfile == "deploy/Dockerfile" && filepath.Clean(filepath.Join(deployDir, s.Build.Context)) == filepath.Clean(filepath.Join(deployDir, ".."))
}

// loadCompose reads deploy/compose.yaml, anchors and merge keys resolved.
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := decodeYAMLDocuments(t, "compose.yaml", raw)
	if len(docs) != 1 {
		t.Fatalf("compose.yaml holds %d documents, want 1", len(docs))
	}
	var f composeFile
	if err := json.Unmarshal(docs[0], &f); err != nil {
		t.Fatalf("compose.yaml: %v (write lists and maps in their long form)", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("compose.yaml has no services")
	}
	return f
}

// composeProbes lists the health checks compose runs against turnaround
// processes, for the live test.
func composeProbes(t *testing.T) []probeUse {
	t.Helper()
	names := binaryEnvNames(t)
	image := parseDockerfile(t)
	cf := loadCompose(t)
	var out []probeUse
	for name, svc := range cf.Services {
		if !cf.runsBinary(svc) || svc.Healthcheck == nil || len(svc.Healthcheck.Test) == 0 {
			continue
		}
		cfg, ports := configFor(t, names, image.env, stringMap(svc.Environment), svc.Command)
		u, err := url.Parse(svc.Healthcheck.Test[len(svc.Healthcheck.Test)-1])
		if err != nil {
			t.Fatalf("compose service %s: %v", name, err)
		}
		port, _ := strconv.Atoi(u.Port())
		listener, err := probeListener(ports, port, u.Path)
		if err != nil {
			t.Errorf("compose service %s: %v", name, err)
			continue
		}
		out = append(out, probeUse{target: cfg.Target, listener: listener, path: u.Path, source: "compose service " + name})
	}
	return out
}

// composeContainerPort reads the container side of a short-form port
// mapping ("127.0.0.1:8080:8080", "8080:8080" or "8080").
func composeContainerPort(spec string) (int, error) {
	parts := strings.Split(strings.TrimSuffix(spec, "/tcp"), ":")
	n, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil {
		return 0, fmt.Errorf("port mapping %q: %w", spec, err)
	}
	return n, nil
}

// interpolateDefault resolves compose's ${VAR:-default} to its default, the
// value the file means on a machine that sets nothing.
func interpolateDefault(s string) string {
	re := regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^{}]*))?\}`)
	for re.MatchString(s) {
		s = re.ReplaceAllString(s, "$1")
	}
	return s
}

type collectorPorts struct{ grpc, http int }

// parseCollectorConfig reads the ports of the collector's OTLP receiver.
func parseCollectorConfig(t *testing.T) collectorPorts {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "otel-collector.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Receivers struct {
			OTLP struct {
				Protocols struct {
					GRPC struct{ Endpoint string } `json:"grpc"`
					HTTP struct{ Endpoint string } `json:"http"`
				} `json:"protocols"`
			} `json:"otlp"`
		} `json:"receivers"`
		Service struct {
			Pipelines map[string]struct {
				Receivers []string `json:"receivers"`
			} `json:"pipelines"`
		} `json:"service"`
	}
	docs := decodeYAMLDocuments(t, "otel-collector.yaml", raw)
	if len(docs) != 1 {
		t.Fatalf("otel-collector.yaml holds %d documents", len(docs))
	}
	if err := json.Unmarshal(docs[0], &cfg); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cfg.Service.Pipelines["traces"].Receivers, "otlp") {
		t.Errorf("the collector's traces pipeline does not receive OTLP")
	}
	_, g := hostPort(t, "otlp grpc receiver", cfg.Receivers.OTLP.Protocols.GRPC.Endpoint)
	_, h := hostPort(t, "otlp http receiver", cfg.Receivers.OTLP.Protocols.HTTP.Endpoint)
	return collectorPorts{grpc: g, http: h}
}

// parsePrometheusTargets lists every host:port prometheus.yml scrapes.
func parsePrometheusTargets(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			MetricsPath   string `json:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	docs := decodeYAMLDocuments(t, "prometheus.yml", raw)
	if len(docs) != 1 {
		t.Fatalf("prometheus.yml holds %d documents", len(docs))
	}
	if err := json.Unmarshal(docs[0], &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sc := range cfg.ScrapeConfigs {
		if sc.MetricsPath != "" && !slices.Contains(adminProbePaths, sc.MetricsPath) {
			t.Errorf("prometheus.yml scrapes %s, which no process serves", sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			out = append(out, st.Targets...)
		}
	}
	return out
}

// dockerImage is what deploy/Dockerfile's final stage sets.
type dockerImage struct {
	env        map[string]string
	expose     []int
	entrypoint []string
	user       string
}

// parseDockerfile reads the final stage of deploy/Dockerfile: its ENV,
// EXPOSE, ENTRYPOINT and USER instructions.
func parseDockerfile(t *testing.T) dockerImage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var cont strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cont.Len() == 0) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			cont.WriteString(rest + " ")
			continue
		}
		cont.WriteString(line)
		lines = append(lines, cont.String())
		cont.Reset()
	}
	img := dockerImage{env: map[string]string{}}
	for _, l := range lines {
		instr, args, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			img = dockerImage{env: map[string]string{}}
		case "ENV":
			for _, kv := range strings.Fields(args) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("Dockerfile: ENV %q: write ENV NAME=value", l)
				}
				img.env[k] = strings.Trim(v, `"`)
			}
		case "EXPOSE":
			for _, p := range strings.Fields(args) {
				n, err := strconv.Atoi(strings.TrimSuffix(p, "/tcp"))
				if err != nil {
					t.Fatalf("Dockerfile: EXPOSE %q: %v", p, err)
				}
				img.expose = append(img.expose, n)
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(args), &img.entrypoint); err != nil {
				t.Fatalf("Dockerfile: ENTRYPOINT must be the exec (JSON) form: %v", err)
			}
		case "USER":
			img.user = strings.TrimSpace(args)
		}
	}
	slices.Sort(img.expose)
	return img
}

// configFor runs the binary's own flag and environment parsing on what a
// deployment file gives a process (the image's ENV, then the file's
// environment, then its arguments) and returns the result and the ports that
// process listens on. It sets the process environment only while parsing and
// restores it before returning, so it must not run beside parallel tests.
func configFor(t *testing.T, names map[string]bool, imageEnv, env map[string]string, args []string) (config, portSet) {
	t.Helper()
	saved := map[string]*string{}
	save := func(k string) {
		if _, done := saved[k]; done {
			return
		}
		if v, ok := os.LookupEnv(k); ok {
			saved[k] = &v
		} else {
			saved[k] = nil
		}
	}
	for name := range names {
		save(name)
		os.Unsetenv(name)
	}
	for _, layer := range []map[string]string{imageEnv, env} {
		for k, v := range layer {
			save(k)
			os.Setenv(k, v)
		}
	}
	cfg, err := parseConfig(args)
	for k, v := range saved {
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, *v)
		}
	}
	if err != nil {
		t.Fatalf("the binary rejects args %q with this environment: %v", args, err)
	}
	port := func(what, addr string) int {
		host, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("%s %q: %v", what, addr, err)
		}
		if host != "" && host != "0.0.0.0" && host != "::" {
			t.Errorf("%s %q listens on %s only: unreachable from outside the container", what, addr, host)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n == 0 {
			t.Fatalf("%s %q: no fixed port", what, addr)
		}
		return n
	}
	ports := portSet{admin: port("admin address", cfg.AdminAddr)}
	if cfg.Target != "gateway" {
		ports.grpc = port("gRPC address", cfg.GRPCAddr)
	}
	if cfg.Target == "gateway" || cfg.Target == "all" {
		ports.http = port("HTTP address", cfg.HTTPAddr)
	}
	return cfg, ports
}

// envNames caches binaryEnvNames: scanning the dependencies takes a while.
var envNames struct {
	once  sync.Once
	names map[string]bool
	err   error
}

// binaryEnvNames returns every environment variable the binary reads.
func binaryEnvNames(t *testing.T) map[string]bool {
	t.Helper()
	envNames.once.Do(func() { envNames.names, envNames.err = scanEnvNames() })
	if envNames.err != nil {
		t.Fatal(envNames.err)
	}
	return envNames.names
}

// scanEnvNames collects the names config.go and its neighbours pass to env,
// envInt, envDuration (any env* reader), os.Getenv and os.LookupEnv, each target's upstream address
// variable, and the OTEL_* names the OpenTelemetry packages compiled into the
// binary read.
func scanEnvNames() (map[string]bool, error) {
	names := map[string]bool{}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		return nil, err
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			arg, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				switch {
				case fn.Name == "upstreamEnv":
					names[upstreamEnv(arg)] = true
				case strings.HasPrefix(fn.Name, "env"):
					// env, envInt, envDuration...: config.go's readers of
					// one variable with a default.
					names[arg] = true
				}
			case *ast.SelectorExpr:
				if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "os" && (fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv") {
					names[arg] = true
				}
			}
			return true
		})
	}
	// Each row of the component table reads its upstream address.
	for _, c := range components {
		names[upstreamEnv(c.target)] = true
	}
	for _, want := range []string{"REDIS_URL", "TURNAROUND_TARGET", "TURNAROUND_JWKS_FILE"} {
		if !names[want] {
			return nil, fmt.Errorf("found no env(%q) in the binary's source: the name scan is broken (found %v)", want, keys(names))
		}
	}

	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", ".").Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps: %w", err)
	}
	otel := regexp.MustCompile(`"(OTEL_[A-Z0-9_]*[A-Z0-9])"`)
	for _, dir := range strings.Fields(string(out)) {
		srcs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, src := range srcs {
			if strings.HasSuffix(src, "_test.go") {
				continue
			}
			b, err := os.ReadFile(src)
			if err != nil {
				return nil, err
			}
			for _, m := range otel.FindAllSubmatch(b, -1) {
				names[string(m[1])] = true
			}
		}
	}
	if !names["OTEL_EXPORTER_OTLP_ENDPOINT"] || !names["OTEL_TRACES_EXPORTER"] {
		return nil, errors.New("found no OTEL_* names in the binary's dependencies: the name scan is broken")
	}
	return names, nil
}

// checkEnvNames fails on a variable the binary never reads, which is most
// often a misspelling that silently leaves a default in place.
func checkEnvNames(t *testing.T, where string, used []string, names map[string]bool) {
	t.Helper()
	for _, n := range used {
		if !names[n] && !slices.Contains(runtimeEnv, n) {
			t.Errorf("%s sets %s, which the binary does not read", where, n)
		}
	}
}

// hostPort splits an address or URL into host and port.
func hostPort(t *testing.T, what, addr string) (string, int) {
	t.Helper()
	hp := addr
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		hp = u.Host
	}
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		t.Fatalf("%s=%q: %v", what, addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("%s=%q: port: %v", what, addr, err)
	}
	return host, n
}

// keys returns a map's keys in order, for stable messages.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// stringMap resolves compose interpolation in an environment map.
func stringMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = interpolateDefault(v)
	}
	return out
}

// freeLoopbackAddr reserves a loopback port for a process whose address the
// test must know before it starts.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitServing polls the gRPC health service until service reports SERVING;
// a process reports NOT_SERVING until its first Redis check passes.
func waitServing(t *testing.T, addr, service, source string) {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := healthpb.NewHealthClient(cc)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: gRPC health of %q at %s = %v, %v; want SERVING", source, service, addr, resp.GetStatus(), err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitHTTPOK polls url until it answers 200; readiness follows the
// upstreams, which the gateway connects to lazily.
func waitHTTPOK(t *testing.T, url, source string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := func() (int, []byte, error) {
			resp, err := client.Get(url)
			if err != nil {
				return 0, nil, err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return resp.StatusCode, b, err
		}()
		if err == nil && code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: GET %s = %d %s, %v; want 200", source, url, code, body, err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
