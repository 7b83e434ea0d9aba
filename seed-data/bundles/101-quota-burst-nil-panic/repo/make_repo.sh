#!/usr/bin/env bash
# Builds the quota-service repository for bundle 101-quota-burst-nil-panic.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./quota-service)
set -euo pipefail
DEST="${1:-./quota-service}"
if [ -e "$DEST/.git" ]; then echo "refusing to overwrite existing repo at $DEST" >&2; exit 1; fi
mkdir -p "$DEST"
cd "$DEST"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$(mktemp -d)" TZ=UTC LC_ALL=C
git init -q
git symbolic-ref HEAD refs/heads/main
commit() {  # commit MESSAGE AUTHOR EMAIL DATE
  git add -A
  GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" GIT_AUTHOR_DATE="$4" \
  GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$3" GIT_COMMITTER_DATE="$4" \
    git -c commit.gpgsign=false -c core.hooksPath=/dev/null -c core.autocrlf=false commit -q --no-verify -m "$1"
}

cat > README.md <<'IHUB_BUNDLE_EOF'
# quota-service

Answers "may tenant T spend N units of resource R right now?" for the public API gateway.
Policies live in PostgreSQL (`quota_policies`) and are cached in memory; counters live in Redis.

## Running locally

```
make run   # needs DATABASE_URL and REDIS_ADDR
```

Releases are tagged `vX.Y.Z`; the deploy pipeline rolls tags out to the `quota` namespace.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
/bin/
*.out
.env
IHUB_BUNDLE_EOF
cat > go.mod <<'IHUB_BUNDLE_EOF'
module github.com/northwind/quota-service

go 1.22

require (
	github.com/jackc/pgx/v5 v5.5.5
	github.com/redis/go-redis/v9 v9.5.1
	github.com/prometheus/client_golang v1.19.0
)
IHUB_BUNDLE_EOF
cat > Makefile <<'IHUB_BUNDLE_EOF'
.PHONY: build test run
build:
	CGO_ENABLED=0 go build -trimpath -o bin/quota-service ./cmd/quota-service
test:
	go test ./...
run:
	go run ./cmd/quota-service
IHUB_BUNDLE_EOF
mkdir -p cmd/quota-service
cat > cmd/quota-service/main.go <<'IHUB_BUNDLE_EOF'
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/northwind/quota-service/internal/api"
	"github.com/northwind/quota-service/internal/policy"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	store, err := policy.OpenStore(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("open policy store", "err", err)
		os.Exit(1)
	}
	eval := policy.NewEvaluator(store)

	srv := &http.Server{
		Addr:              ":8080",
		Handler:           api.NewRouter(eval),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("listening", "addr", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
IHUB_BUNDLE_EOF
commit 'Initial skeleton' 'Ines Duarte' ines.duarte@northwind.example 2025-02-03T09:12:00+0000

mkdir -p internal/policy
cat > internal/policy/types.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p internal/policy
cat > internal/policy/store.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'policy: types and PostgreSQL store' 'Tomasz Zielinski' tomasz.z@northwind.example 2025-02-05T14:40:00+0000

mkdir -p internal/policy
cat > internal/policy/evaluator.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'policy: evaluator with in-memory cache' 'Tomasz Zielinski' tomasz.z@northwind.example 2025-02-07T10:05:00+0000

mkdir -p internal/api
cat > internal/api/handler.go <<'IHUB_BUNDLE_EOF'
package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/northwind/quota-service/internal/policy"
)

type Handler struct {
	eval *policy.Evaluator
}

func NewRouter(eval *policy.Evaluator) http.Handler {
	h := &Handler{eval: eval}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/check", h.check)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return withAccessLog(mux)
}

type checkBody struct {
	Tenant   string `json:"tenant"`
	Resource string `json:"resource"`
	Units    int64  `json:"units"`
	Region   string `json:"region"`
}

func (h *Handler) check(w http.ResponseWriter, r *http.Request) {
	var body checkBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	if body.Units <= 0 {
		body.Units = 1
	}
	req := policy.Request{Tenant: body.Tenant, Resource: body.Resource, Units: body.Units, Region: body.Region}
	d, err := h.eval.Check(r.Context(), req)
	switch {
	case errors.Is(err, policy.ErrNoPolicy):
		http.Error(w, "no policy", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "quota backend unavailable", http.StatusServiceUnavailable)
		return
	}
	if !d.Allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryIn.Seconds())))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	w.Header().Set("X-Quota-Remaining", strconv.FormatInt(d.Remaining, 10))
	w.WriteHeader(http.StatusOK)
}
IHUB_BUNDLE_EOF
mkdir -p internal/api
cat > internal/api/middleware.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'api: /v1/check and /healthz' 'Ines Duarte' ines.duarte@northwind.example 2025-02-10T16:22:00+0000
git tag v2.10.0

mkdir -p internal/policy
cat > internal/policy/counter.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p internal/policy
cat > internal/policy/evaluator.go <<'IHUB_BUNDLE_EOF'
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

func NewEvaluator(store *Store, counter Counter) *Evaluator {
	return &Evaluator{store: store, counter: counter, policies: map[string]Policy{}}
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
IHUB_BUNDLE_EOF
mkdir -p cmd/quota-service
cat > cmd/quota-service/main.go <<'IHUB_BUNDLE_EOF'
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/northwind/quota-service/internal/api"
	"github.com/northwind/quota-service/internal/policy"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	store, err := policy.OpenStore(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("open policy store", "err", err)
		os.Exit(1)
	}
	eval := policy.NewEvaluator(store, policy.NewRedisCounter(os.Getenv("REDIS_ADDR")))

	srv := &http.Server{
		Addr:              ":8080",
		Handler:           api.NewRouter(eval),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("listening", "addr", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
IHUB_BUNDLE_EOF
commit 'redis counter with sliding minute window' 'Ravi Kulkarni' ravi.k@northwind.example 2025-02-18T11:30:00+0000

mkdir -p cmd/quota-service
cat > cmd/quota-service/main.go <<'IHUB_BUNDLE_EOF'
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/northwind/quota-service/internal/api"
	"github.com/northwind/quota-service/internal/policy"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	store, err := policy.OpenStore(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("open policy store", "err", err)
		os.Exit(1)
	}
	eval := policy.NewEvaluator(store, policy.NewRedisCounter(os.Getenv("REDIS_ADDR")))
	if err := eval.Refresh(ctx); err != nil {
		slog.Error("initial policy load", "err", err)
		os.Exit(1)
	}
	go eval.RefreshEvery(ctx, 30*time.Second)

	srv := &http.Server{
		Addr:              ":8080",
		Handler:           api.NewRouter(eval),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("listening", "addr", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
IHUB_BUNDLE_EOF
mkdir -p internal/policy
cat > internal/policy/evaluator.go <<'IHUB_BUNDLE_EOF'
package policy

import (
	"context"
	"errors"
	"log/slog"
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

func NewEvaluator(store *Store, counter Counter) *Evaluator {
	return &Evaluator{store: store, counter: counter, policies: map[string]Policy{}}
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

// RefreshEvery reloads policies until ctx is done; a failed reload keeps the previous set.
func (e *Evaluator) RefreshEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			if err := e.Refresh(ctx); err != nil {
				slog.Warn("policy refresh failed, keeping previous policies", "err", err)
				continue
			}
			if took := time.Since(start); took > time.Second {
				slog.Warn("policy refresh slow", "took_ms", took.Milliseconds())
			}
		}
	}
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
IHUB_BUNDLE_EOF
commit 'Refresh policies every 30s in the background' 'Tomasz Zielinski' tomasz.z@northwind.example 2025-02-20T09:48:00+0000
git tag v2.11.0

mkdir -p internal/policy
cat > internal/policy/evaluator_test.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Add evaluator tests' 'Akosua Mensah' akosua.mensah@northwind.example 2025-03-03T13:15:00+0000

cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM golang:1.22 AS build
WORKDIR /build
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12
COPY --from=build /build/bin/quota-service /quota-service
USER 65532
ENTRYPOINT ["/quota-service"]
IHUB_BUNDLE_EOF
mkdir -p deploy
cat > deploy/deployment.yaml <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Dockerfile and k8s manifests' 'Ravi Kulkarni' ravi.k@northwind.example 2025-03-05T08:55:00+0000
git tag v2.12.0

mkdir -p internal/metrics
cat > internal/metrics/metrics.go <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'metrics: expose check results and latency' 'Ravi Kulkarni' ravi.k@northwind.example 2025-03-19T15:02:00+0000

cat > go.mod <<'IHUB_BUNDLE_EOF'
module github.com/northwind/quota-service

go 1.23

require (
	github.com/jackc/pgx/v5 v5.6.0
	github.com/redis/go-redis/v9 v9.5.1
	github.com/prometheus/client_golang v1.19.0
)
IHUB_BUNDLE_EOF
cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM golang:1.23 AS build
WORKDIR /build
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12
COPY --from=build /build/bin/quota-service /quota-service
USER 65532
ENTRYPOINT ["/quota-service"]
IHUB_BUNDLE_EOF
commit 'Bump go to 1.23 and pgx to 5.6.0' 'Ines Duarte' ines.duarte@northwind.example 2025-04-08T10:11:00+0000
git tag v2.13.0

mkdir -p internal/policy
cat > internal/policy/types.go <<'IHUB_BUNDLE_EOF'
package policy

import "time"

// Limits is what a policy allows per window.
type Limits struct {
	PerMinute int64 `json:"per_minute"`
	PerDay    int64 `json:"per_day"`
	// Burst is extra units allowed within one minute; set on policies written since schema v7.
	Burst *int64 `json:"burst,omitempty"`
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
IHUB_BUNDLE_EOF
commit 'policy: optional burst allowance (schema v7)' 'Akosua Mensah' akosua.mensah@northwind.example 2025-05-06T14:31:00+0000

mkdir -p internal/policy
cat > internal/policy/evaluator.go <<'IHUB_BUNDLE_EOF'
package policy

import (
	"context"
	"errors"
	"log/slog"
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

func NewEvaluator(store *Store, counter Counter) *Evaluator {
	return &Evaluator{store: store, counter: counter, policies: map[string]Policy{}}
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

// RefreshEvery reloads policies until ctx is done; a failed reload keeps the previous set.
func (e *Evaluator) RefreshEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			if err := e.Refresh(ctx); err != nil {
				slog.Warn("policy refresh failed, keeping previous policies", "err", err)
				continue
			}
			if took := time.Since(start); took > time.Second {
				slog.Warn("policy refresh slow", "took_ms", took.Milliseconds())
			}
		}
	}
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
	// Burst lets a tenant exceed its per-minute limit briefly (schema v7 policies).
	ceiling := p.Limits.PerMinute + *p.Limits.Burst
	if used > ceiling {
		return Decision{Allowed: false, RetryIn: time.Minute}, nil
	}
	return Decision{Allowed: true, Remaining: ceiling - used}, nil
}
IHUB_BUNDLE_EOF
mkdir -p internal/policy
cat > internal/policy/evaluator_test.go <<'IHUB_BUNDLE_EOF'
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
	e := evaluatorWith(Policy{Tenant: "t1", Resource: "search", Limits: &Limits{PerMinute: 2, Burst: new(int64)}})
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
IHUB_BUNDLE_EOF
commit 'policy: honour burst allowance in Check' 'Akosua Mensah' akosua.mensah@northwind.example 2025-05-09T11:47:00+0000

mkdir -p internal/api
cat > internal/api/middleware.go <<'IHUB_BUNDLE_EOF'
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
			"duration_ms", time.Since(start).Milliseconds(), "tenant", r.Header.Get("X-Tenant"), "region", r.Header.Get("X-Region"))
	})
}
IHUB_BUNDLE_EOF
commit 'Log region on check requests' 'Ines Duarte' ines.duarte@northwind.example 2025-05-12T09:20:00+0000
git tag v2.14.0

