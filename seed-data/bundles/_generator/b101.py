"""101: quota-service (Go) panics on legacy policies after v2.14.0 burst-limit change. Alertmanager."""
import datetime as dt
import os
import random

from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, ts, write_json, write_text, BUNDLES

SLUG = "101-quota-burst-nil-panic"
START = ts("2025-05-13T14:10:00Z")
DEPLOY = ts("2025-05-13T14:02:00Z")
W0, W1 = START - dt.timedelta(minutes=60), START + dt.timedelta(minutes=15)
MOD = "github.com/northwind/quota-service"

A = ("Ines Duarte", "ines.duarte@northwind.example")
B = ("Tomasz Zielinski", "tomasz.z@northwind.example")
C = ("Akosua Mensah", "akosua.mensah@northwind.example")
D = ("Ravi Kulkarni", "ravi.k@northwind.example")


def build_repo() -> Repo:
    r = Repo("quota-service", f"bundle {SLUG}")
    r.commit("Initial skeleton", A, "2025-02-03T09:12:00+0000", writes={
        "README.md": """
            # quota-service

            Answers "may tenant T spend N units of resource R right now?" for the public API gateway.
            Policies live in PostgreSQL (`quota_policies`) and are cached in memory; counters live in Redis.

            ## Running locally

            ```
            make run   # needs DATABASE_URL and REDIS_ADDR
            ```

            Releases are tagged `vX.Y.Z`; the deploy pipeline rolls tags out to the `quota` namespace.
            """,
        ".gitignore": """
            /bin/
            *.out
            .env
            """,
        "go.mod": f"""
            module {MOD}

            go 1.22

            require (
            	github.com/jackc/pgx/v5 v5.5.5
            	github.com/redis/go-redis/v9 v9.5.1
            	github.com/prometheus/client_golang v1.19.0
            )
            """,
        "Makefile": """
            .PHONY: build test run
            build:
            	CGO_ENABLED=0 go build -trimpath -o bin/quota-service ./cmd/quota-service
            test:
            	go test ./...
            run:
            	go run ./cmd/quota-service
            """,
        "cmd/quota-service/main.go": f"""
            package main

            import (
            	"context"
            	"log/slog"
            	"net/http"
            	"os"
            	"os/signal"
            	"syscall"
            	"time"

            	"{MOD}/internal/api"
            	"{MOD}/internal/policy"
            )

            func main() {{
            	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{{Level: slog.LevelInfo}}))
            	slog.SetDefault(logger)

            	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
            	defer stop()

            	store, err := policy.OpenStore(ctx, os.Getenv("DATABASE_URL"))
            	if err != nil {{
            		slog.Error("open policy store", "err", err)
            		os.Exit(1)
            	}}
            	eval := policy.NewEvaluator(store)

            	srv := &http.Server{{
            		Addr:              ":8080",
            		Handler:           api.NewRouter(eval),
            		ReadHeaderTimeout: 5 * time.Second,
            	}}
            	go func() {{
            		<-ctx.Done()
            		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
            		defer cancel()
            		_ = srv.Shutdown(shutdown)
            	}}()
            	slog.Info("listening", "addr", srv.Addr)
            	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {{
            		slog.Error("server stopped", "err", err)
            		os.Exit(1)
            	}}
            }}
            """,
    })
    r.commit("policy: types and PostgreSQL store", B, "2025-02-05T14:40:00+0000", writes={
        "internal/policy/types.go": """
            package policy

            import "time"

            // Limits is what a policy allows per window.
            type Limits struct {
            	PerMinute int64 `json:"per_minute"`
            	PerDay    int64 `json:"per_day"`
            }

            // Policy is one tenant's quota for one resource.
            type Policy struct {
            	Tenant    string    `json:"tenant"`
            	Resource  string    `json:"resource"`
            	Limits    *Limits   `json:"limits"`
            	UpdatedAt time.Time `json:"updated_at"`
            }

            // Request asks whether Units may be spent now.
            type Request struct {
            	Tenant   string
            	Resource string
            	Units    int64
            	Region   string
            }

            // Decision is the answer.
            type Decision struct {
            	Allowed   bool
            	Remaining int64
            	RetryIn   time.Duration
            }
            """,
        "internal/policy/store.go": """
            package policy

            import (
            	"context"
            	"encoding/json"
            	"fmt"

            	"github.com/jackc/pgx/v5/pgxpool"
            )

            // Store reads quota policies from PostgreSQL.
            type Store struct {
            	pool *pgxpool.Pool
            }

            func OpenStore(ctx context.Context, url string) (*Store, error) {
            	pool, err := pgxpool.New(ctx, url)
            	if err != nil {
            		return nil, fmt.Errorf("connect: %w", err)
            	}
            	return &Store{pool: pool}, nil
            }

            // All loads every policy; the evaluator caches the result.
            func (s *Store) All(ctx context.Context) ([]Policy, error) {
            	rows, err := s.pool.Query(ctx, `SELECT tenant, resource, limits, updated_at FROM quota_policies`)
            	if err != nil {
            		return nil, fmt.Errorf("query policies: %w", err)
            	}
            	defer rows.Close()
            	var out []Policy
            	for rows.Next() {
            		var p Policy
            		var raw []byte
            		if err := rows.Scan(&p.Tenant, &p.Resource, &raw, &p.UpdatedAt); err != nil {
            			return nil, err
            		}
            		if err := json.Unmarshal(raw, &p.Limits); err != nil {
            			return nil, fmt.Errorf("policy %s/%s: %w", p.Tenant, p.Resource, err)
            		}
            		out = append(out, p)
            	}
            	return out, rows.Err()
            }
            """,
    })
    r.commit("policy: evaluator with in-memory cache", B, "2025-02-07T10:05:00+0000", writes={
        "internal/policy/evaluator.go": """
            package policy

            import (
            	"context"
            	"errors"
            	"sync"
            	"time"
            )

            var ErrNoPolicy = errors.New("no policy for tenant/resource")

            // Counter counts units spent in the current window (Redis in production).
            type Counter interface {
            	Add(ctx context.Context, key string, units int64, window time.Duration) (int64, error)
            }

            type Evaluator struct {
            	store   *Store
            	counter Counter

            	mu       sync.RWMutex
            	policies map[string]Policy
            }

            func NewEvaluator(store *Store) *Evaluator {
            	return &Evaluator{store: store, policies: map[string]Policy{}}
            }

            func key(tenant, resource string) string { return tenant + "/" + resource }

            // Refresh reloads every policy from the store.
            func (e *Evaluator) Refresh(ctx context.Context) error {
            	all, err := e.store.All(ctx)
            	if err != nil {
            		return err
            	}
            	m := make(map[string]Policy, len(all))
            	for _, p := range all {
            		m[key(p.Tenant, p.Resource)] = p
            	}
            	e.mu.Lock()
            	e.policies = m
            	e.mu.Unlock()
            	return nil
            }

            // Check decides one request.
            func (e *Evaluator) Check(ctx context.Context, req Request) (Decision, error) {
            	e.mu.RLock()
            	p, ok := e.policies[key(req.Tenant, req.Resource)]
            	e.mu.RUnlock()
            	if !ok {
            		return Decision{}, ErrNoPolicy
            	}
            	used, err := e.counter.Add(ctx, "q:"+key(req.Tenant, req.Resource), req.Units, time.Minute)
            	if err != nil {
            		return Decision{}, err
            	}
            	if used > p.Limits.PerMinute {
            		return Decision{Allowed: false, RetryIn: time.Minute}, nil
            	}
            	return Decision{Allowed: true, Remaining: p.Limits.PerMinute - used}, nil
            }
            """,
    })
    r.commit("api: /v1/check and /healthz", A, "2025-02-10T16:22:00+0000", writes={
        "internal/api/handler.go": f"""
            package api

            import (
            	"encoding/json"
            	"errors"
            	"net/http"
            	"strconv"

            	"{MOD}/internal/policy"
            )

            type Handler struct {{
            	eval *policy.Evaluator
            }}

            func NewRouter(eval *policy.Evaluator) http.Handler {{
            	h := &Handler{{eval: eval}}
            	mux := http.NewServeMux()
            	mux.HandleFunc("POST /v1/check", h.check)
            	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {{ w.WriteHeader(http.StatusOK) }})
            	return withAccessLog(mux)
            }}

            type checkBody struct {{
            	Tenant   string `json:"tenant"`
            	Resource string `json:"resource"`
            	Units    int64  `json:"units"`
            	Region   string `json:"region"`
            }}

            func (h *Handler) check(w http.ResponseWriter, r *http.Request) {{
            	var body checkBody
            	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {{
            		http.Error(w, "bad request body", http.StatusBadRequest)
            		return
            	}}
            	if body.Units <= 0 {{
            		body.Units = 1
            	}}
            	req := policy.Request{{Tenant: body.Tenant, Resource: body.Resource, Units: body.Units, Region: body.Region}}
            	d, err := h.eval.Check(r.Context(), req)
            	switch {{
            	case errors.Is(err, policy.ErrNoPolicy):
            		http.Error(w, "no policy", http.StatusNotFound)
            		return
            	case err != nil:
            		http.Error(w, "quota backend unavailable", http.StatusServiceUnavailable)
            		return
            	}}
            	if !d.Allowed {{
            		w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryIn.Seconds())))
            		w.WriteHeader(http.StatusTooManyRequests)
            		return
            	}}
            	w.Header().Set("X-Quota-Remaining", strconv.FormatInt(d.Remaining, 10))
            	w.WriteHeader(http.StatusOK)
            }}
            """,
        "internal/api/middleware.go": """
            package api

            import (
            	"log/slog"
            	"net/http"
            	"time"
            )

            type statusWriter struct {
            	http.ResponseWriter
            	status int
            }

            func (s *statusWriter) WriteHeader(code int) {
            	s.status = code
            	s.ResponseWriter.WriteHeader(code)
            }

            func withAccessLog(next http.Handler) http.Handler {
            	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
            		start := time.Now()
            		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
            		next.ServeHTTP(sw, r)
            		slog.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
            			"duration_ms", time.Since(start).Milliseconds(), "tenant", r.Header.Get("X-Tenant"))
            	})
            }
            """,
    }, tag="v2.10.0")
    r.commit("redis counter with sliding minute window", D, "2025-02-18T11:30:00+0000", writes={
        "internal/policy/counter.go": """
            package policy

            import (
            	"context"
            	"time"

            	"github.com/redis/go-redis/v9"
            )

            // RedisCounter implements Counter with INCRBY + EXPIRE in one pipeline.
            type RedisCounter struct {
            	rdb *redis.Client
            }

            func NewRedisCounter(addr string) *RedisCounter {
            	return &RedisCounter{rdb: redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})}
            }

            func (c *RedisCounter) Add(ctx context.Context, key string, units int64, window time.Duration) (int64, error) {
            	pipe := c.rdb.TxPipeline()
            	incr := pipe.IncrBy(ctx, key, units)
            	pipe.ExpireNX(ctx, key, window)
            	if _, err := pipe.Exec(ctx); err != nil {
            		return 0, err
            	}
            	return incr.Val(), nil
            }
            """,
    }, edits=[
        ("internal/policy/evaluator.go", "func NewEvaluator(store *Store) *Evaluator {\n\treturn &Evaluator{store: store, policies: map[string]Policy{}}",
         "func NewEvaluator(store *Store, counter Counter) *Evaluator {\n\treturn &Evaluator{store: store, counter: counter, policies: map[string]Policy{}}"),
        ("cmd/quota-service/main.go", "eval := policy.NewEvaluator(store)", "eval := policy.NewEvaluator(store, policy.NewRedisCounter(os.Getenv(\"REDIS_ADDR\")))"),
    ])
    r.commit("Refresh policies every 30s in the background", B, "2025-02-20T09:48:00+0000", edits=[
        ("cmd/quota-service/main.go", "\teval := policy.NewEvaluator(store, policy.NewRedisCounter(os.Getenv(\"REDIS_ADDR\")))\n",
         "\teval := policy.NewEvaluator(store, policy.NewRedisCounter(os.Getenv(\"REDIS_ADDR\")))\n"
         "\tif err := eval.Refresh(ctx); err != nil {\n\t\tslog.Error(\"initial policy load\", \"err\", err)\n\t\tos.Exit(1)\n\t}\n"
         "\tgo eval.RefreshEvery(ctx, 30*time.Second)\n"),
        ("internal/policy/evaluator.go", "// Check decides one request.",
         "// RefreshEvery reloads policies until ctx is done; a failed reload keeps the previous set.\n"
         "func (e *Evaluator) RefreshEvery(ctx context.Context, every time.Duration) {\n"
         "\tt := time.NewTicker(every)\n\tdefer t.Stop()\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn\n"
         "\t\tcase <-t.C:\n\t\t\tstart := time.Now()\n\t\t\tif err := e.Refresh(ctx); err != nil {\n"
         "\t\t\t\tslog.Warn(\"policy refresh failed, keeping previous policies\", \"err\", err)\n\t\t\t\tcontinue\n\t\t\t}\n"
         "\t\t\tif took := time.Since(start); took > time.Second {\n\t\t\t\tslog.Warn(\"policy refresh slow\", \"took_ms\", took.Milliseconds())\n\t\t\t}\n"
         "\t\t}\n\t}\n}\n\n// Check decides one request."),
        ("internal/policy/evaluator.go", "\t\"errors\"\n", "\t\"errors\"\n\t\"log/slog\"\n"),
    ], tag="v2.11.0")
    r.commit("Add evaluator tests", C, "2025-03-03T13:15:00+0000", writes={
        "internal/policy/evaluator_test.go": """
            package policy

            import (
            	"context"
            	"testing"
            	"time"
            )

            type memCounter map[string]int64

            func (m memCounter) Add(_ context.Context, key string, units int64, _ time.Duration) (int64, error) {
            	m[key] += units
            	return m[key], nil
            }

            func evaluatorWith(ps ...Policy) *Evaluator {
            	e := NewEvaluator(nil, memCounter{})
            	for _, p := range ps {
            		e.policies[key(p.Tenant, p.Resource)] = p
            	}
            	return e
            }

            func TestCheckDeniesOverPerMinute(t *testing.T) {
            	e := evaluatorWith(Policy{Tenant: "t1", Resource: "search", Limits: &Limits{PerMinute: 2}})
            	for i, want := range []bool{true, true, false} {
            		d, err := e.Check(context.Background(), Request{Tenant: "t1", Resource: "search", Units: 1})
            		if err != nil || d.Allowed != want {
            			t.Fatalf("call %d: allowed=%v err=%v, want %v", i, d.Allowed, err, want)
            		}
            	}
            }

            func TestCheckUnknownPolicy(t *testing.T) {
            	e := evaluatorWith()
            	if _, err := e.Check(context.Background(), Request{Tenant: "x", Resource: "y"}); err != ErrNoPolicy {
            		t.Fatalf("err = %v", err)
            	}
            }
            """,
    })
    r.commit("Dockerfile and k8s manifests", D, "2025-03-05T08:55:00+0000", writes={
        "Dockerfile": """
            FROM golang:1.22 AS build
            WORKDIR /build
            COPY . .
            RUN make build

            FROM gcr.io/distroless/static-debian12
            COPY --from=build /build/bin/quota-service /quota-service
            USER 65532
            ENTRYPOINT ["/quota-service"]
            """,
        "deploy/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: quota-service
              namespace: quota
            spec:
              replicas: 6
              selector:
                matchLabels: {app: quota-service}
              template:
                metadata:
                  labels: {app: quota-service}
                spec:
                  containers:
                    - name: quota-service
                      image: registry.northwind.example/quota-service:latest
                      ports: [{containerPort: 8080}]
                      readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5}
                      resources:
                        requests: {cpu: 500m, memory: 256Mi}
                        limits: {memory: 512Mi}
            """,
    }, tag="v2.12.0")
    r.commit("metrics: expose check results and latency", D, "2025-03-19T15:02:00+0000", writes={
        "internal/metrics/metrics.go": """
            package metrics

            import (
            	"github.com/prometheus/client_golang/prometheus"
            	"github.com/prometheus/client_golang/prometheus/promauto"
            )

            var (
            	Checks = promauto.NewCounterVec(prometheus.CounterOpts{
            		Name: "quota_checks_total",
            		Help: "Quota checks by result.",
            	}, []string{"result"})

            	PolicyCacheEntries = promauto.NewGauge(prometheus.GaugeOpts{
            		Name: "quota_policy_cache_entries",
            		Help: "Policies held in the in-memory cache.",
            	})
            )
            """,
    })
    r.commit("Bump go to 1.23 and pgx to 5.6.0", A, "2025-04-08T10:11:00+0000", edits=[
        ("go.mod", "go 1.22", "go 1.23"),
        ("go.mod", "pgx/v5 v5.5.5", "pgx/v5 v5.6.0"),
        ("Dockerfile", "golang:1.22", "golang:1.23"),
    ], tag="v2.13.0")
    r.commit("policy: optional burst allowance (schema v7)", C, "2025-05-06T14:31:00+0000", edits=[
        ("internal/policy/types.go", "\tPerDay    int64 `json:\"per_day\"`\n",
         "\tPerDay    int64 `json:\"per_day\"`\n\t// Burst is extra units allowed within one minute; set on policies written since schema v7.\n"
         "\tBurst *int64 `json:\"burst,omitempty\"`\n"),
    ])
    r.commit("policy: honour burst allowance in Check", C, "2025-05-09T11:47:00+0000", edits=[
        ("internal/policy/evaluator.go",
         "\tif used > p.Limits.PerMinute {\n\t\treturn Decision{Allowed: false, RetryIn: time.Minute}, nil\n\t}\n"
         "\treturn Decision{Allowed: true, Remaining: p.Limits.PerMinute - used}, nil",
         "\t// Burst lets a tenant exceed its per-minute limit briefly (schema v7 policies).\n"
         "\tceiling := p.Limits.PerMinute + *p.Limits.Burst\n"
         "\tif used > ceiling {\n\t\treturn Decision{Allowed: false, RetryIn: time.Minute}, nil\n\t}\n"
         "\treturn Decision{Allowed: true, Remaining: ceiling - used}, nil"),
        ("internal/policy/evaluator_test.go",
         "Limits: &Limits{PerMinute: 2}})",
         "Limits: &Limits{PerMinute: 2, Burst: new(int64)}})"),
    ])
    r.commit("Log region on check requests", A, "2025-05-12T09:20:00+0000", edits=[
        ("internal/api/middleware.go", "\"tenant\", r.Header.Get(\"X-Tenant\"))",
         "\"tenant\", r.Header.Get(\"X-Tenant\"), \"region\", r.Header.Get(\"X-Region\"))"),
    ], tag="v2.14.0")
    return r


TENANTS = ["acme-retail", "bluefin", "corvid-labs", "dunmore", "eastwind", "fjord-ai", "gantry", "helix-bio", "ironbark", "juniper"]
V7 = {"fjord-ai", "helix-bio", "juniper"}  # policies re-saved since schema v7 carry a burst value
RES = ["search", "export", "ingest", "render"]
PODS = ["quota-service-6c9f7d8b54-2xk9p", "quota-service-6c9f7d8b54-7hv2m", "quota-service-6c9f7d8b54-qm4tz"]
NEWPODS = ["quota-service-58d4b9c7f6-8rj2w", "quota-service-58d4b9c7f6-kp5xn", "quota-service-58d4b9c7f6-zt7ql"]


def go_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}" + "Z"


def generate():
    out = os.path.join(BUNDLES, SLUG)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    r = build_repo()
    head = r.build(out)
    rng = random.Random(101)
    ev_line = r.line_of("internal/policy/evaluator.go", "ceiling := p.Limits.PerMinute + *p.Limits.Burst")
    h_line = r.line_of("internal/api/handler.go", "d, err := h.eval.Check(r.Context(), req)")
    mw_line = r.line_of("internal/api/middleware.go", "next.ServeHTTP(sw, r)")
    rf_line = r.line_of("internal/policy/evaluator.go", "slog.Warn(\"policy refresh slow\"")

    log = Log()
    rollout_done = DEPLOY + dt.timedelta(minutes=3)

    def new_code(t):
        return t >= DEPLOY + dt.timedelta(seconds=40) and rng.random() < ramp(t, DEPLOY, rollout_done, 0.0, 1.0)

    def slog(t, level, msg, **kv):
        import json as _j
        rec = {"time": go_time(t), "level": level, "msg": msg}
        rec.update(kv)
        log.add(t, _j.dumps(rec, separators=(",", ":")))

    for t in poisson_times(rng, W0, W1, lambda t: 0.05):
        tenant = rng.choice(TENANTS)
        res = rng.choice(RES)
        region = rng.choice(["eu-west-1", "us-east-1", "us-east-1", "ap-south-1"])
        if new_code(t) and tenant not in V7:
            gid = rng.randint(20000, 99999)
            ip = f"10.42.{rng.randint(0, 7)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}"
            log.add(t, "\n".join([
                f"{t.strftime('%Y/%m/%d %H:%M:%S')} http: panic serving {ip}: runtime error: invalid memory address or nil pointer dereference",
                f"goroutine {gid} [running]:",
                "net/http.(*conn).serve.func1()",
                "\t/usr/local/go/src/net/http/server.go:1947 +0xbe",
                "panic({0x9c4e20?, 0xf1d6b0?})",
                "\t/usr/local/go/src/runtime/panic.go:785 +0x132",
                f"{MOD}/internal/policy.(*Evaluator).Check(0xc000214000, {{0xb1a2c8, 0xc0004e6a50}}, {{{{0xc0003f2a80, 0xb}}, {{0xc0003f2a98, 0x6}}, 0x1, {{0xc0003f2ab0, 0x9}}}})",
                f"\t/build/internal/policy/evaluator.go:{ev_line} +0x1d4",
                f"{MOD}/internal/api.(*Handler).check(0xc0001a6120, {{0xb19e58, 0xc0005a22a0}}, 0xc000482b40)",
                f"\t/build/internal/api/handler.go:{h_line} +0x2a5",
                "net/http.HandlerFunc.ServeHTTP(0xc0004a6f50?, {0xb19e58?, 0xc0005a22a0?}, 0xc000482b40?)",
                "\t/usr/local/go/src/net/http/server.go:2220 +0x29",
                "net/http.(*ServeMux).ServeHTTP(0xc000192c00?, {0xb19e58, 0xc0005a22a0}, 0xc000482b40)",
                "\t/usr/local/go/src/net/http/server.go:2747 +0x1ca",
                f"{MOD}/internal/api.withAccessLog.func1({{0xb1a0f8, 0xc0003d41c0}}, 0xc000482b40)",
                f"\t/build/internal/api/middleware.go:{mw_line} +0x13e",
                "net/http.HandlerFunc.ServeHTTP(0x0?, {0xb1a0f8?, 0xc0003d41c0?}, 0x0?)",
                "\t/usr/local/go/src/net/http/server.go:2220 +0x29",
                "net/http.serverHandler.ServeHTTP({0xc0001a2d80?}, {0xb1a0f8?, 0xc0003d41c0?}, 0x6?)",
                "\t/usr/local/go/src/net/http/server.go:3210 +0x8e",
                "net/http.(*conn).serve(0xc0001f4000, {0xb1a2c8, 0xc0001a2e10})",
                "\t/usr/local/go/src/net/http/server.go:2092 +0x5f4",
                "created by net/http.(*Server).Serve in goroutine 1",
                "\t/usr/local/go/src/net/http/server.go:3360 +0x485",
            ]))
            continue
        status = 200 if rng.random() > 0.06 else 429
        if rng.random() < 0.004:
            status = 404
        dur = max(1, int(rng.lognormvariate(1.1, 0.5)))
        slog(t, "INFO", "request", method="POST", path="/v1/check", status=status, duration_ms=dur, tenant=tenant,
             **({"region": region} if t >= DEPLOY else {}))
    # health probes from kubelet are not logged; background refresh and its pre-existing slow warnings
    t = W0 + dt.timedelta(seconds=7)
    while t < W1:
        if rng.random() < 0.09:
            slog(t, "WARN", "policy refresh slow", took_ms=rng.randint(1050, 1900))
        t += dt.timedelta(seconds=30)
    # pre-existing red herrings: redis pool timeouts on one node (well before the deploy, and continuing)
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 420):
        slog(t, "ERROR", "quota counter error", err="redis: connection pool timeout", tenant=rng.choice(TENANTS), resource="export")
    for t in poisson_times(rng, W0, DEPLOY, lambda t: 1 / 900):
        slog(t, "WARN", "policy refresh failed, keeping previous policies",
             err="query policies: timeout: context deadline exceeded")
    # rollout
    for i, pod in enumerate(NEWPODS):
        t = DEPLOY + dt.timedelta(seconds=15 + 50 * i)
        slog(t, "INFO", "listening", addr=":8080", version="v2.14.0", pod=pod, go_version="go1.23.8")
        slog(t + dt.timedelta(milliseconds=420), "INFO", "policies loaded", count=412, schema=7)
        slog(t + dt.timedelta(seconds=8), "INFO", "shutdown requested", pod=PODS[i], version="v2.13.0", signal="terminated")
    n = log.write(os.path.join(out, "logs", "quota-service.log"))

    # api-gateway (caller) log: nginx-ish access lines showing 500s upstream, plus its own noise
    gw = Log()
    for t in poisson_times(rng, W0, W1, lambda t: 0.2):
        up = "quota-service"
        st = 200
        if t >= DEPLOY + dt.timedelta(seconds=40) and rng.random() < 0.7 * ramp(t, DEPLOY, rollout_done, 0, 1):
            st = 502
        path = rng.choice(["/v2/search", "/v2/search", "/v2/render", "/v2/exports", "/v2/ingest"])
        ms = rng.randint(8, 60) if st == 200 else rng.randint(2, 9)
        gw.add(t, f'{go_time(t)} level=info msg="proxied" method=GET path={path} status={st} upstream_quota={up} quota_status={500 if st == 502 else 200} took_ms={ms}')
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 300):
        gw.add(t, f'{go_time(t)} level=warn msg="client closed connection before response" path=/v2/exports took_ms={rng.randint(30000, 60000)}')
    for t in poisson_times(rng, START - dt.timedelta(minutes=3), W1, lambda t: 1 / 45):
        gw.add(t, f'{go_time(t)} level=error msg="quota check failed, failing closed" upstream=quota-service.quota.svc:8080 err="unexpected status 500"')
    gn = gw.write(os.path.join(out, "logs", "api-gateway.log"))

    m = Metrics(W0, W1)
    frac_new = lambda t: 0.0 if t < DEPLOY + dt.timedelta(seconds=40) else ramp(t, DEPLOY, rollout_done, 0, 1)
    legacy = 0.7
    rps = lambda t: 410 + 35 * ((t.minute % 20) / 20)
    m.counter("http_requests", "HTTP requests served by quota-service, by status code", {"service": "quota-service", "code": "200"},
              lambda t, i: rps(t) * 0.935 * (1 - legacy * frac_new(t)), 3_814_220_118)
    m.counter("http_requests", "HTTP requests served by quota-service, by status code", {"service": "quota-service", "code": "429"},
              lambda t, i: rps(t) * 0.06 * (1 - legacy * frac_new(t)), 240_118_992)
    m.counter("http_requests", "HTTP requests served by quota-service, by status code", {"service": "quota-service", "code": "500"},
              lambda t, i: rps(t) * legacy * frac_new(t) + 0.02, 88_410)
    m.counter("http_requests", "HTTP requests served by quota-service, by status code", {"service": "quota-service", "code": "404"},
              lambda t, i: 0.9, 1_204_551)
    m.gauge("http_request_duration_p99_seconds", "p99 latency of POST /v1/check", {"service": "quota-service"},
            lambda t, i: 0.018 + 0.004 * rng.random() + 0.0015 * frac_new(t))
    m.counter("quota_checks", "Quota checks by result", {"service": "quota-service", "result": "allowed"},
              lambda t, i: rps(t) * 0.935 * (1 - legacy * frac_new(t)), 3_790_114_002)
    m.counter("quota_checks", "Quota checks by result", {"service": "quota-service", "result": "denied"},
              lambda t, i: rps(t) * 0.06 * (1 - legacy * frac_new(t)), 240_118_992)
    m.counter("quota_checks", "Quota checks by result", {"service": "quota-service", "result": "error"},
              lambda t, i: 1 / 420, 5_201)
    m.gauge("quota_policy_cache_entries", "Policies held in the in-memory cache", {"service": "quota-service"}, lambda t, i: 412 if t > W0 + dt.timedelta(minutes=20) else 409, 0)
    m.gauge("go_goroutines", "Goroutines per pod (sum)", {"service": "quota-service"}, lambda t, i: 230 + rng.randint(-12, 12) + 60 * frac_new(t), 0)
    m.gauge("process_resident_memory_bytes", "RSS summed over pods", {"service": "quota-service"},
            lambda t, i: 3 * 118e6 + rng.randint(-2_000_000, 2_000_000) + 20e6 * frac_new(t), 0)
    m.gauge("container_cpu_usage_cores", "CPU cores used by quota-service pods", {"service": "quota-service"},
            lambda t, i: 1.35 + 0.1 * rng.random() + (0.6 if DEPLOY <= t < rollout_done else 0))
    m.gauge("kube_deployment_status_replicas_updated", "Updated replicas of the deployment", {"deployment": "quota-service"},
            lambda t, i: 0 if t < DEPLOY else min(3, int((t - DEPLOY).total_seconds() // 55) + 1) if t < rollout_done else 3, 0)
    m.counter("redis_pool_timeouts", "go-redis pool timeouts", {"service": "quota-service"}, lambda t, i: 1 / 420, 3_018, integer=False)
    m.write(os.path.join(out, "metrics.om"))

    deploys = [
        {"service": "quota-service", "version": "v2.12.0", "commit": r.sha_of_tag("v2.12.0"), "at": "2025-03-06T10:00:00Z"},
        {"service": "quota-service", "version": "v2.13.0", "commit": r.sha_of_tag("v2.13.0"), "at": "2025-04-09T09:30:00Z"},
        {"service": "api-gateway", "version": "5.31.2", "commit": "9d2e41c07ab3f58e6d1904c2b7a85f3e0c6d1a47", "at": "2025-05-13T11:40:00Z"},
        {"service": "quota-service", "version": "v2.14.0", "commit": head, "at": iso(DEPLOY), "status": "succeeded"},
    ]
    write_json(os.path.join(out, "deploys.json"), deploys)
    bad = r.shas[r.commits.index(next(c for c in r.commits if c["msg"] == "policy: honour burst allowance in Check"))]
    write_json(os.path.join(out, "truth.json"), {
        "severity": "P1",
        "service": "quota-service",
        "category": "bad-deploy-code",
        "root_cause": "v2.14.0 made Evaluator.Check dereference the optional Limits.Burst pointer, which is nil on every policy saved before schema v7, so checks for most tenants panic (nil pointer dereference) and the gateway fails closed with 502s.",
        "evidence": [
            "http: panic serving <ip>: runtime error: invalid memory address or nil pointer dereference",
            f"/build/internal/policy/evaluator.go:{ev_line}",
            "http_requests_total{code=\"500\"}",
            "kube_deployment_status_replicas_updated",
        ],
        "suspect_commit": bad,
        "suspect_file": "internal/policy/evaluator.go",
        "suspect_line": ev_line,
        "remediation": [
            {"action": "Confirm the panics started with the v2.14.0 rollout and only hit tenants whose policies have no burst value", "tier": "READ"},
            {"action": "Roll quota-service back to v2.13.0", "tier": "REVERSIBLE"},
            {"action": "Treat a nil Burst as zero in Check and add a test with a legacy (pre-v7) policy", "tier": "REVERSIBLE"},
        ],
        "red_herrings": [
            "slow policy refresh warnings (present all hour)",
            "redis connection pool timeouts on export checks (present before the deploy)",
            "api-gateway 5.31.2 deploy at 11:40",
            "Go 1.23 / pgx 5.6.0 bump in v2.13.0",
        ],
    })
    write_json(os.path.join(out, "alert.json"), {
        "version": "4",
        "groupKey": "{}/{team=\"platform-quota\"}:{alertname=\"QuotaServiceHighErrorRate\", service=\"quota-service\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "incidenthub",
        "groupLabels": {"alertname": "QuotaServiceHighErrorRate", "service": "quota-service"},
        "commonLabels": {"alertname": "QuotaServiceHighErrorRate", "cluster": "prod-eu-1", "namespace": "quota",
                         "service": "quota-service", "severity": "critical", "team": "platform-quota"},
        "commonAnnotations": {
            "summary": "quota-service is answering 68% of checks with HTTP 500",
            "description": "sum(rate(http_requests_total{service=\"quota-service\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{service=\"quota-service\"}[5m])) = 0.68 (threshold 0.05 for 5m).",
            "runbook_url": "https://wiki.northwind.example/runbooks/quota-service#high-error-rate",
        },
        "externalURL": "https://alertmanager.northwind.example",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "QuotaServiceHighErrorRate", "cluster": "prod-eu-1", "namespace": "quota",
                       "service": "quota-service", "severity": "critical", "team": "platform-quota"},
            "annotations": {
                "summary": "quota-service is answering 68% of checks with HTTP 500",
                "description": "sum(rate(http_requests_total{service=\"quota-service\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{service=\"quota-service\"}[5m])) = 0.68 (threshold 0.05 for 5m).",
                "runbook_url": "https://wiki.northwind.example/runbooks/quota-service#high-error-rate",
            },
            "startsAt": "2025-05-13T14:10:00.000Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://prometheus.northwind.example/graph?g0.expr=sum%28rate%28http_requests_total%7Bservice%3D%22quota-service%22%2Ccode%3D~%225..%22%7D%5B5m%5D%29%29&g0.tab=1",
            "fingerprint": "8c1f2a9d4e07b613",
        }],
    })
    write_text(os.path.join(out, "scenario.yaml"), scenario_yaml({
        "id": SLUG,
        "title": "quota-service: checks panic with nil pointer dereference after v2.14.0 (burst allowance)",
        "started_at": iso(START),
        "source": "alertmanager",
        "services": ["quota-service", "api-gateway"],
        "primary_service": "quota-service",
        "language": "Go",
        "inspired_by": "Google Cloud 2025-06-12 Service Control incident (a new quota-policy code path dereferenced blank fields in existing policy data and crashed, without a feature flag); Northwind is invented",
        "narrative": "Partners report that most API calls fail with 502 from the public gateway since a few minutes past 14:00 UTC. "
                     "Alertmanager fires QuotaServiceHighErrorRate for quota-service in prod-eu-1. quota-service v2.14.0 rolled out at 14:02; "
                     "api-gateway had its own release earlier in the day. Some tenants say they are unaffected.",
        "window": {"from": iso(W0), "to": iso(W1)},
        "repo": {"script": "repo/make_repo.sh", "name": "quota-service", "path_in_stack_traces": "/build/",
                 "commits": len(r.commits), "head": head},
        "files": {"alert": "alert.json", "logs": ["logs/quota-service.log", "logs/api-gateway.log"], "metrics": "metrics.om",
                  "deploys": "deploys.json", "truth": "truth.json"},
    }))
    return {"slug": SLUG, "lines": {"quota-service": n, "api-gateway": gn}, "head": head}


if __name__ == "__main__":
    print(generate())
