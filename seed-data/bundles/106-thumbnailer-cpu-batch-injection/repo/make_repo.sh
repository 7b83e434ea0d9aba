#!/usr/bin/env bash
# Builds the thumbnailer repository for bundle 106-thumbnailer-cpu-batch-injection.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./thumbnailer)
set -euo pipefail
DEST="${1:-./thumbnailer}"
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
# thumbnailer

Renders thumbnails (256/512/1024 px) for uploaded photos. Reads originals from S3, writes thumbnails to
`orbit-thumbs-prod`, serves `GET /v1/thumbs/{id}/{size}` for the CDN origin.

Runs on ECS (cluster `prod`, service `thumbnailer`), target-tracking autoscaling on CPU (4-12 tasks).
Releases are tagged `vX.Y.Z`.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
/bin/
IHUB_BUNDLE_EOF
cat > go.mod <<'IHUB_BUNDLE_EOF'
module github.com/orbitphotos/thumbnailer

go 1.23

require (
	github.com/aws/aws-sdk-go-v2/service/s3 v1.58.2
	github.com/disintegration/imaging v1.6.2
)
IHUB_BUNDLE_EOF
mkdir -p cmd/thumbnailer
cat > cmd/thumbnailer/main.go <<'IHUB_BUNDLE_EOF'
package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/orbitphotos/thumbnailer/internal/api"
	"github.com/orbitphotos/thumbnailer/internal/worker"
)

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	pool := worker.NewPool(worker.ConcurrencyFromEnv())
	go pool.Start()
	slog.Info("thumbnailer listening", "addr", ":8080")
	if err := http.ListenAndServe(":8080", api.Router(pool)); err != nil {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
IHUB_BUNDLE_EOF
commit 'thumbnailer: HTTP service skeleton' 'Kenji Mori' kenji.mori@orbitphotos.example 2025-03-03T10:00:00+0000

mkdir -p internal/resize
cat > internal/resize/resize.go <<'IHUB_BUNDLE_EOF'
package resize

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/disintegration/imaging"
)

// Sizes are the thumbnail widths we render.
var Sizes = []int{256, 512, 1024}

// Thumbnail decodes src and returns a JPEG of the given width, keeping the aspect ratio.
func Thumbnail(src []byte, width int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	thumb := imaging.Resize(img, width, 0, imaging.Lanczos)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, thumb, &jpeg.Options{Quality: 82}); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return out.Bytes(), nil
}
IHUB_BUNDLE_EOF
commit 'resize: thumbnails with Lanczos filter' 'Leila Farahani' leila.farahani@orbitphotos.example 2025-03-05T13:20:00+0000

mkdir -p internal/worker
cat > internal/worker/pool.go <<'IHUB_BUNDLE_EOF'
package worker

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/orbitphotos/thumbnailer/internal/resize"
)

// Job is one original to render in every size.
type Job struct {
	Key      string
	Original []byte
	Source   string // "upload" or "rerender"
}

type Pool struct {
	jobs        chan Job
	concurrency int
}

func ConcurrencyFromEnv() int {
	if n, err := strconv.Atoi(os.Getenv("WORKERS")); err == nil && n > 0 {
		return n
	}
	return runtime.NumCPU()
}

func NewPool(concurrency int) *Pool {
	return &Pool{jobs: make(chan Job, 1024), concurrency: concurrency}
}

func (p *Pool) Submit(j Job) { p.jobs <- j }

func (p *Pool) Start() {
	for i := 0; i < p.concurrency; i++ {
		go p.run()
	}
}

func (p *Pool) run() {
	for j := range p.jobs {
		p.render(j)
	}
}

func (p *Pool) render(j Job) {
	defer func() {
		if rec := recover(); rec != nil {
			slog.Error("recovered panic in worker", "err", rec, "key", j.Key)
			os.Stderr.Write(debug.Stack())
		}
	}()
	start := time.Now()
	for _, size := range resize.Sizes {
		if _, err := resize.Thumbnail(j.Original, size); err != nil {
			slog.Warn("thumbnail failed", "key", j.Key, "size", size, "err", err)
			return
		}
	}
	slog.Info("rendered", "key", j.Key, "source", j.Source, "took_ms", time.Since(start).Milliseconds())
}
IHUB_BUNDLE_EOF
commit 'worker: pool that renders queued uploads' 'Kenji Mori' kenji.mori@orbitphotos.example 2025-03-07T09:40:00+0000

mkdir -p internal/api
cat > internal/api/router.go <<'IHUB_BUNDLE_EOF'
package api

import (
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/orbitphotos/thumbnailer/internal/worker"
)

var supported = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

func Router(pool *worker.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /v1/thumbs/{id}/{size}", serveThumb)
	mux.HandleFunc("POST /v1/hooks/upload", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("key")
		if !supported[strings.ToLower(path.Ext(key))] {
			slog.Warn("skipping object with unsupported extension", "key", key)
			w.WriteHeader(http.StatusAccepted)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		pool.Submit(worker.Job{Key: key, Original: body, Source: "upload"})
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}
IHUB_BUNDLE_EOF
mkdir -p internal/api
cat > internal/api/thumbs.go <<'IHUB_BUNDLE_EOF'
package api

import (
	"net/http"
	"strconv"
)

func serveThumb(w http.ResponseWriter, r *http.Request) {
	size, err := strconv.Atoi(r.PathValue("size"))
	if err != nil || (size != 256 && size != 512 && size != 1024) {
		http.Error(w, "size must be 256, 512 or 1024", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "https://thumbs.orbitphotos.example/"+r.PathValue("id")+"/"+strconv.Itoa(size)+".jpg", http.StatusFound)
}
IHUB_BUNDLE_EOF
commit 'api: thumbnail endpoint and upload hook' 'Leila Farahani' leila.farahani@orbitphotos.example 2025-03-10T15:00:00+0000
git tag v1.0.0

mkdir -p internal/resize
cat > internal/resize/exif.go <<'IHUB_BUNDLE_EOF'
package resize

import "encoding/binary"

// exifOrientation returns the EXIF orientation tag (1-8) found in a JPEG APP1 segment, or 1.
func exifOrientation(src []byte) int {
	i := indexOf(src, []byte("Exif\x00\x00"))
	if i < 0 {
		return 1
	}
	tiff := src[i+6:]
	order := binary.ByteOrder(binary.BigEndian)
	if tiff[0] == 'I' {
		order = binary.LittleEndian
	}
	ifd := int(order.Uint32(tiff[4:8]))
	entries := int(order.Uint16(tiff[ifd : ifd+2]))
	for e := 0; e < entries; e++ {
		at := ifd + 2 + 12*e
		if order.Uint16(tiff[at:at+2]) == 0x0112 {
			return int(order.Uint16(tiff[at+8 : at+10]))
		}
	}
	return 1
}

func indexOf(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b) && i < 64<<10; i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}
IHUB_BUNDLE_EOF
mkdir -p internal/resize
cat > internal/resize/resize.go <<'IHUB_BUNDLE_EOF'
package resize

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/disintegration/imaging"
)

// Sizes are the thumbnail widths we render.
var Sizes = []int{256, 512, 1024}

// Thumbnail decodes src and returns a JPEG of the given width, keeping the aspect ratio.
func Thumbnail(src []byte, width int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	switch exifOrientation(src) {
	case 3:
		img = imaging.Rotate180(img)
	case 6:
		img = imaging.Rotate270(img)
	case 8:
		img = imaging.Rotate90(img)
	}
	thumb := imaging.Resize(img, width, 0, imaging.Lanczos)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, thumb, &jpeg.Options{Quality: 82}); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return out.Bytes(), nil
}
IHUB_BUNDLE_EOF
commit 'resize: honour EXIF orientation' 'Oskar Berg' oskar.berg@orbitphotos.example 2025-04-02T11:30:00+0000
git tag v1.1.0

cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM golang:1.23 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/thumbnailer ./cmd/thumbnailer

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/thumbnailer /thumbnailer
ENTRYPOINT ["/thumbnailer"]
IHUB_BUNDLE_EOF
commit 'Dockerfile' 'Kenji Mori' kenji.mori@orbitphotos.example 2025-04-03T08:15:00+0000

mkdir -p internal/worker
cat > internal/worker/rerender.go <<'IHUB_BUNDLE_EOF'
package worker

import "log/slog"

// Rerender queues originals for re-rendering (used by the nightly batch; see deploy/schedule.json).
func (p *Pool) Rerender(keys []string, fetch func(string) ([]byte, error)) int {
	queued := 0
	for _, k := range keys {
		b, err := fetch(k)
		if err != nil {
			slog.Warn("rerender fetch failed", "key", k, "err", err)
			continue
		}
		p.Submit(Job{Key: k, Original: b, Source: "rerender"})
		queued++
	}
	return queued
}
IHUB_BUNDLE_EOF
mkdir -p deploy
cat > deploy/schedule.json <<'IHUB_BUNDLE_EOF'
{
  "rule": "thumbnailer-nightly-rerender",
  "schedule": "cron(0 2 * * ? *)",
  "description": "Re-render thumbnails of photos edited or re-uploaded during the day (about 30 minutes of high CPU; autoscaling adds tasks)",
  "target": {"cluster": "prod", "taskDefinition": "thumbnailer-rerender", "count": 1}
}
IHUB_BUNDLE_EOF
commit 'rerender: nightly job re-renders thumbnails changed by the new filter' 'Leila Farahani' leila.farahani@orbitphotos.example 2025-05-20T10:00:00+0000
git tag v1.2.0

mkdir -p deploy
cat > deploy/autoscaling.json <<'IHUB_BUNDLE_EOF'
{
  "service": "thumbnailer",
  "minCapacity": 4,
  "maxCapacity": 12,
  "targetTracking": {"metric": "ECSServiceAverageCPUUtilization", "target": 60},
  "alarms": [
    {"name": "thumbnailer-cpu-high", "metric": "CPUUtilization", "threshold": 80, "periods": 3, "period": 60,
     "comment": "TODO: exclude the 02:00-02:30 rerender window or alarm on latency instead; it fires most nights"}
  ]
}
IHUB_BUNDLE_EOF
commit 'Autoscaling and CPU alarm' 'Oskar Berg' oskar.berg@orbitphotos.example 2025-05-22T09:00:00+0000

mkdir -p internal/worker
cat > internal/worker/pool.go <<'IHUB_BUNDLE_EOF'
package worker

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/orbitphotos/thumbnailer/internal/resize"
)

// Job is one original to render in every size.
type Job struct {
	Key      string
	Original []byte
	Source   string // "upload" or "rerender"
}

type Pool struct {
	jobs        chan Job
	concurrency int
}

func ConcurrencyFromEnv() int {
	if n, err := strconv.Atoi(os.Getenv("WORKERS")); err == nil && n > 0 {
		return n
	}
	return runtime.NumCPU()
}

func NewPool(concurrency int) *Pool {
	return &Pool{jobs: make(chan Job, 1024), concurrency: concurrency}
}

func (p *Pool) Submit(j Job) { p.jobs <- j }

func (p *Pool) Start() {
	for i := 0; i < p.concurrency; i++ {
		go p.run()
	}
}

func (p *Pool) run() {
	for j := range p.jobs {
		p.render(j)
	}
}

func (p *Pool) render(j Job) {
	defer func() {
		if rec := recover(); rec != nil {
			slog.Error("recovered panic in worker", "err", rec, "key", j.Key)
			os.Stderr.Write(debug.Stack())
		}
	}()
	start := time.Now()
	for _, size := range resize.Sizes {
		if _, err := resize.Thumbnail(j.Original, size); err != nil {
			slog.Warn("thumbnail failed", "key", j.Key, "size", size, "source", j.Source, "err", err)
			return
		}
	}
	slog.Info("rendered", "key", j.Key, "source", j.Source, "took_ms", time.Since(start).Milliseconds())
}
IHUB_BUNDLE_EOF
commit 'worker: log render source' 'Kenji Mori' kenji.mori@orbitphotos.example 2025-07-08T14:10:00+0000
git tag v1.3.0

cat > go.mod <<'IHUB_BUNDLE_EOF'
module github.com/orbitphotos/thumbnailer

go 1.23

require (
	github.com/aws/aws-sdk-go-v2/service/s3 v1.61.0
	github.com/disintegration/imaging v1.6.2
)
IHUB_BUNDLE_EOF
commit 'Bump aws-sdk-go-v2 s3 to v1.61.0' 'Leila Farahani' leila.farahani@orbitphotos.example 2025-09-02T09:30:00+0000
git tag v1.3.1

