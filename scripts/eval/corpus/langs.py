"""Language profiles for the corpus: a small service skeleton per language (so every bundle has a real repository whose
files and lines the stack frames point at) and the language's own stack-trace format.

Every skeleton has one core source file with the same five operations, so any kind can point frames at them:
  handle (entry point), load (database), fetch (HTTP call to a dependency), cache_put (cache), publish (queue).
`needles[op]` is a unique substring of the line that does the external call; `handle_needles[op]` the line in
`handle` that calls the op. Frames are resolved against the file at HEAD with common.Repo.line_of.
"""
from __future__ import annotations

import random

OPS = ("load", "fetch", "cache_put", "publish")


def _camel(s):
    p = s.split("_")
    return p[0] + "".join(x.title() for x in p[1:])


def _pascal(s):
    return "".join(x.title() for x in s.replace("-", "_").split("_"))


class Lang:
    name = ""            # scenario.yaml language
    prefix = ""          # path_in_stack_traces
    runtime_hint = ""

    def __init__(self, svc: str, org: str):
        self.svc = svc
        self.org = org
        self.mod = svc.replace("-", "_")
        self.Mod = _pascal(svc)

    # --- repository ---
    def files(self) -> dict[str, str]:
        raise NotImplementedError

    core_path = ""
    config_path = ""
    config_format = "yaml"   # yaml | properties | json

    def needle(self, op):
        return self.needles[op]

    def func(self, op):
        return op

    # --- traces ---
    def trace(self, exc: str, msg: str, frames: list[tuple[str, int, str]], rng: random.Random) -> str:
        """frames: innermost first, (repo path, line, function)."""
        raise NotImplementedError


def render_config(fmt: str, cfg: dict) -> str:
    """cfg: {section: {key: value}} rendered as YAML, Java properties or JSON (one key a line, so lines are findable)."""
    out = []
    if fmt == "yaml":
        for sec, kv in cfg.items():
            out.append(f"{sec}:")
            for k, v in kv.items():
                out.append(f"  {k}: {v}")
    elif fmt == "properties":
        for sec, kv in cfg.items():
            out.append(f"# {sec}")
            for k, v in kv.items():
                out.append(f"{sec}.{k}={v}")
    elif fmt == "json":
        out.append("{")
        secs = list(cfg.items())
        for i, (sec, kv) in enumerate(secs):
            out.append(f'  "{_pascal(sec)}": {{')
            items = list(kv.items())
            for j, (k, v) in enumerate(items):
                vs = v if isinstance(v, (int, float)) or str(v) in ("true", "false") or str(v).isdigit() else f'"{v}"'
                out.append(f'    "{_pascal(k)}": {vs}' + ("," if j < len(items) - 1 else ""))
            out.append("  }" + ("," if i < len(secs) - 1 else ""))
        out.append("}")
    return "\n".join(out) + "\n"


def config_needle(fmt: str, sec: str, key: str) -> str:
    if fmt == "yaml":
        return f"  {key}: "
    if fmt == "properties":
        return f"{sec}.{key}="
    return f'"{_pascal(key)}": '


class Python(Lang):
    name = "Python"
    prefix = "/app/"
    config_format = "yaml"

    @property
    def core_path(self):
        return f"{self.mod}/core.py"

    config_path = "config/settings.prod.yaml"
    needles = {"load": "row = self.db.execute(", "fetch": "resp = self.http.post(", "cache_put": "self.cache.set(",
               "publish": "self.producer.send("}
    handle_needles = {"load": "record = self.load(", "fetch": "enriched = self.fetch(", "cache_put": "self.cache_put(",
                      "publish": "self.publish("}

    def files(self):
        return {
            self.core_path: f'''
                """Request handling for {self.svc}."""
                import logging

                log = logging.getLogger("{self.mod}.core")


                class Service:
                    def __init__(self, db, http, cache, producer, settings):
                        self.db, self.http, self.cache, self.producer = db, http, cache, producer
                        self.settings = settings

                    def handle(self, req):
                        log.debug("handling %s", req["id"])
                        record = self.load(req["id"])
                        enriched = self.fetch(record)
                        self.cache_put(req["id"], enriched)
                        self.publish(enriched)
                        return {{"id": req["id"], "result": enriched}}

                    def load(self, key):
                        row = self.db.execute("SELECT * FROM items WHERE id = %s", (key,)).fetchone()
                        return dict(row)

                    def fetch(self, record):
                        resp = self.http.post(self.settings["upstream_url"], json=record, timeout=self.settings["timeout_s"])
                        resp.raise_for_status()
                        return resp.json()

                    def cache_put(self, key, value):
                        self.cache.set(f"item:{{key}}", value, ex=self.settings["cache_ttl_s"])

                    def publish(self, value):
                        self.producer.send("{self.svc}.events", value)
                ''',
            f"{self.mod}/__init__.py": '__version__ = "1.0.0"\n',
            f"{self.mod}/main.py": f'''
                import logging

                from {self.mod}.core import Service
                from {self.mod}.wiring import build

                logging.basicConfig(level=logging.INFO)


                def main():
                    service = Service(*build())
                    return service
                ''',
            f"{self.mod}/wiring.py": '''
                def build():
                    raise NotImplementedError("wired at deploy time")
                ''',
            "requirements.txt": "requests==2.32.3\nredis==5.0.8\npsycopg[binary]==3.2.1\nkafka-python==2.0.2\nPyYAML==6.0.2\n",
            "tests/test_core.py": f'''
                from {self.mod}.core import Service


                def test_service_is_importable():
                    assert Service
                ''',
        }

    def trace(self, exc, msg, frames, rng):
        out = ["Traceback (most recent call last):"]
        if getattr(self, "runtime", "web") == "celery":
            libs = [("/usr/local/lib/python3.12/site-packages/celery/app/trace.py", 453, "trace_task", "R = retval = fun(*args, **kwargs)"),
                    ("/usr/local/lib/python3.12/site-packages/celery/app/trace.py", 736, "__protected_call__", "return self.run(*args, **kwargs)")]
        else:
            libs = [("/usr/local/lib/python3.12/site-packages/starlette/routing.py", 74, "app", "response = await f(request)"),
                    ("/usr/local/lib/python3.12/site-packages/fastapi/routing.py", 212, "run_endpoint_function", "return await run_in_threadpool(dependant.call, **values)")]
        for p, line, fn, code in libs:
            out.append(f'  File "{p}", line {line}, in {fn}')
            out.append(f"    {code}")
        for fr in reversed(frames):
            out.append(f'  File "{self.prefix}{fr[0]}", line {fr[1]}, in {fr[2]}')
            if len(fr) > 3:
                out.append(f"    {fr[3]}")
        out.append(f"{exc}: {msg}" if msg else exc)
        return "\n".join(out)


class _JvmBase(Lang):
    ext = "java"
    src_root = "src/main/java"
    config_format = "properties"
    config_path = "src/main/resources/application-prod.properties"

    @property
    def pkg(self):
        return f"com.{self.org}.{self.mod.replace('_', '')}"

    @property
    def core_path(self):
        return f"{self.src_root}/{self.pkg.replace('.', '/')}/core/ItemService.{self.ext}"

    def func(self, op):
        return _camel(op)

    def trace(self, exc, msg, frames, rng):
        out = [f"{exc}: {msg}" if msg else exc]
        for p, line, fn in frames:
            rel = p[len(self.src_root) + 1:]
            cls = rel.rsplit(".", 1)[0].replace("/", ".")
            out.append(f"\tat {cls}.{fn}({rel.rsplit('/', 1)[1]}:{line})")
        for lib in ["org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
                    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:138)",
                    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
                    "java.base/java.lang.Thread.run(Thread.java:1583)"]:
            out.append(f"\tat {lib}")
        return "\n".join(out)


class Java(_JvmBase):
    name = "Java"
    prefix = ""
    needles = {"load": "var row = jdbc.queryForMap(", "fetch": "var resp = http.postForObject(",
               "cache_put": "cache.opsForValue().set(", "publish": "kafka.send("}
    handle_needles = {"load": "var record = load(", "fetch": "var enriched = fetch(", "cache_put": "cachePut(",
                      "publish": "publish(enriched);"}

    def files(self):
        p = self.pkg
        base = f"{self.src_root}/{p.replace('.', '/')}"
        return {
            self.core_path: f'''
                package {p}.core;

                import java.util.Map;
                import org.springframework.data.redis.core.StringRedisTemplate;
                import org.springframework.jdbc.core.JdbcTemplate;
                import org.springframework.kafka.core.KafkaTemplate;
                import org.springframework.stereotype.Service;
                import org.springframework.web.client.RestTemplate;

                @Service
                public class ItemService {{
                    private final JdbcTemplate jdbc;
                    private final RestTemplate http;
                    private final StringRedisTemplate cache;
                    private final KafkaTemplate<String, String> kafka;

                    public ItemService(JdbcTemplate jdbc, RestTemplate http, StringRedisTemplate cache, KafkaTemplate<String, String> kafka) {{
                        this.jdbc = jdbc; this.http = http; this.cache = cache; this.kafka = kafka;
                    }}

                    public String handle(String id) {{
                        var record = load(id);
                        var enriched = fetch(record);
                        cachePut(id, enriched);
                        publish(enriched);
                        return enriched;
                    }}

                    Map<String, Object> load(String id) {{
                        var row = jdbc.queryForMap("SELECT * FROM items WHERE id = ?", id);
                        return row;
                    }}

                    String fetch(Map<String, Object> record) {{
                        var resp = http.postForObject("/v1/enrich", record, String.class);
                        return resp;
                    }}

                    void cachePut(String id, String value) {{
                        cache.opsForValue().set("item:" + id, value);
                    }}

                    void publish(String value) {{
                        kafka.send("{self.svc}.events", value);
                    }}
                }}
                ''',
            f"{base}/Application.java": f'''
                package {p};

                import org.springframework.boot.SpringApplication;
                import org.springframework.boot.autoconfigure.SpringBootApplication;

                @SpringBootApplication
                public class Application {{
                    public static void main(String[] args) {{
                        SpringApplication.run(Application.class, args);
                    }}
                }}
                ''',
            "pom.xml": f'''
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.{self.org}</groupId>
                  <artifactId>{self.svc}</artifactId>
                  <version>1.0.0</version>
                  <parent>
                    <groupId>org.springframework.boot</groupId>
                    <artifactId>spring-boot-starter-parent</artifactId>
                    <version>3.3.4</version>
                  </parent>
                </project>
                ''',
        }


class Kotlin(_JvmBase):
    name = "Kotlin"
    ext = "kt"
    src_root = "src/main/kotlin"
    config_format = "yaml"
    config_path = "src/main/resources/application-prod.yml"
    needles = {"load": "val row = jdbc.queryForMap(", "fetch": "val resp = http.postForObject(",
               "cache_put": "cache.opsForValue().set(", "publish": "kafka.send("}
    handle_needles = {"load": "val record = load(", "fetch": "val enriched = fetch(", "cache_put": "cachePut(id",
                      "publish": "publish(enriched)"}

    def files(self):
        p = self.pkg
        base = f"{self.src_root}/{p.replace('.', '/')}"
        return {
            self.core_path: f'''
                package {p}.core

                import org.springframework.data.redis.core.StringRedisTemplate
                import org.springframework.jdbc.core.JdbcTemplate
                import org.springframework.kafka.core.KafkaTemplate
                import org.springframework.stereotype.Service
                import org.springframework.web.client.RestTemplate

                @Service
                class ItemService(
                    private val jdbc: JdbcTemplate,
                    private val http: RestTemplate,
                    private val cache: StringRedisTemplate,
                    private val kafka: KafkaTemplate<String, String>,
                ) {{
                    fun handle(id: String): String {{
                        val record = load(id)
                        val enriched = fetch(record)
                        cachePut(id, enriched)
                        publish(enriched)
                        return enriched
                    }}

                    fun load(id: String): Map<String, Any?> {{
                        val row = jdbc.queryForMap("SELECT * FROM items WHERE id = ?", id)
                        return row
                    }}

                    fun fetch(record: Map<String, Any?>): String {{
                        val resp = http.postForObject("/v1/enrich", record, String::class.java)
                        return resp!!
                    }}

                    fun cachePut(key: String, value: String) {{
                        cache.opsForValue().set("item:$key", value)
                    }}

                    fun publish(value: String) {{
                        kafka.send("{self.svc}.events", value)
                    }}
                }}
                ''',
            f"{base}/Application.kt": f'''
                package {p}

                import org.springframework.boot.autoconfigure.SpringBootApplication
                import org.springframework.boot.runApplication

                @SpringBootApplication
                class Application

                fun main(args: Array<String>) {{
                    runApplication<Application>(*args)
                }}
                ''',
            "build.gradle.kts": f'''
                plugins {{
                    kotlin("jvm") version "2.0.20"
                    id("org.springframework.boot") version "3.3.4"
                }}
                group = "com.{self.org}"
                version = "1.0.0"
                ''',
        }


class Scala(_JvmBase):
    name = "Scala"
    ext = "scala"
    src_root = "src/main/scala"
    config_format = "yaml"
    config_path = "src/main/resources/application-prod.yml"
    needles = {"load": "val row = db.run(", "fetch": "val resp = http.post(", "cache_put": "cache.set(",
               "publish": "producer.send("}
    handle_needles = {"load": "record <- load(", "fetch": "enriched <- fetch(", "cache_put": "_ <- cachePut(",
                      "publish": "_ <- publish("}

    def files(self):
        p = self.pkg
        base = f"{self.src_root}/{p.replace('.', '/')}"
        return {
            self.core_path: f'''
                package {p}.core

                import scala.concurrent.{{ExecutionContext, Future}}

                class ItemService(db: Db, http: Http, cache: Cache, producer: Producer)(implicit ec: ExecutionContext) {{
                  def handle(id: String): Future[String] =
                    for {{
                      record <- load(id)
                      enriched <- fetch(record)
                      _ <- cachePut(id, enriched)
                      _ <- publish(enriched)
                    }} yield enriched

                  def load(id: String): Future[Map[String, String]] = {{
                    val row = db.run(s"SELECT * FROM items WHERE id = '$id'")
                    row
                  }}

                  def fetch(record: Map[String, String]): Future[String] = {{
                    val resp = http.post("/v1/enrich", record)
                    resp.map(_.body)
                  }}

                  def cachePut(key: String, value: String): Future[Unit] =
                    cache.set(s"item:$key", value)

                  def publish(value: String): Future[Unit] =
                    producer.send("{self.svc}.events", value)
                }}
                ''',
            f"{base}/Main.scala": f'''
                package {p}

                object Main extends App {{
                  println("starting {self.svc}")
                }}
                ''',
            "build.sbt": f'''
                name := "{self.svc}"
                version := "1.0.0"
                scalaVersion := "2.13.14"
                ''',
        }


class Go(Lang):
    name = "Go"
    prefix = "/build/"
    config_path = "config/prod.yaml"
    core_path = "internal/core/service.go"
    needles = {"load": "row := s.db.QueryRowContext(", "fetch": "resp, err := s.http.Do(", "cache_put": "s.cache.Set(ctx",
               "publish": "s.producer.Produce(ctx"}
    handle_needles = {"load": "rec, err := s.Load(", "fetch": "out, err := s.Fetch(", "cache_put": "s.CachePut(ctx",
                      "publish": "s.Publish(ctx"}

    def func(self, op):
        return _pascal(op)

    def files(self):
        return {
            self.core_path: f'''
                package core

                import (
                \t"context"
                \t"database/sql"
                \t"net/http"
                )

                type Service struct {{
                \tdb       *sql.DB
                \thttp     *http.Client
                \tcache    Cache
                \tproducer Producer
                \tupstream string
                }}

                func (s *Service) Handle(ctx context.Context, id string) (*Item, error) {{
                \trec, err := s.Load(ctx, id)
                \tif err != nil {{
                \t\treturn nil, err
                \t}}
                \tout, err := s.Fetch(ctx, rec)
                \tif err != nil {{
                \t\treturn nil, err
                \t}}
                \ts.CachePut(ctx, id, out)
                \ts.Publish(ctx, out)
                \treturn out, nil
                }}

                func (s *Service) Load(ctx context.Context, id string) (*Item, error) {{
                \trow := s.db.QueryRowContext(ctx, "SELECT id, payload FROM items WHERE id = $1", id)
                \treturn scanItem(row)
                }}

                func (s *Service) Fetch(ctx context.Context, rec *Item) (*Item, error) {{
                \treq, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.upstream+"/v1/enrich", rec.Body())
                \tresp, err := s.http.Do(req)
                \tif err != nil {{
                \t\treturn nil, err
                \t}}
                \treturn decodeItem(resp)
                }}

                func (s *Service) CachePut(ctx context.Context, id string, it *Item) {{
                \ts.cache.Set(ctx, "item:"+id, it, 0)
                }}

                func (s *Service) Publish(ctx context.Context, it *Item) {{
                \ts.producer.Produce(ctx, "{self.svc}.events", it)
                }}
                ''',
            "internal/core/item.go": '''
                package core

                type Item struct {
                \tID      string
                \tPayload []byte
                }
                ''',
            "cmd/server/main.go": f'''
                package main

                import "log"

                func main() {{
                \tlog.Println("starting {self.svc}")
                }}
                ''',
            "go.mod": f"module github.com/{self.org}/{self.svc}\n\ngo 1.23\n",
        }

    def trace(self, exc, msg, frames, rng):
        out = [f"panic: {exc}: {msg}" if msg else f"panic: {exc}", "", f"goroutine {rng.randint(30, 900)} [running]:"]
        for p, line, fn in frames:
            out.append(f"github.com/{self.org}/{self.svc}/{p.rsplit('/', 1)[0]}.(*Service).{fn}(0xc000{rng.randint(100000, 999999)})")
            out.append(f"\t{self.prefix}{p}:{line} +0x{rng.randint(16, 900):x}")
        out.append("net/http.HandlerFunc.ServeHTTP(...)")
        out.append("\t/usr/local/go/src/net/http/server.go:2171")
        out.append("net/http.(*conn).serve(0xc0001b2000, {0x9b1d40, 0xc0004a2e10})")
        out.append("\t/usr/local/go/src/net/http/server.go:2092 +0x5d0")
        return "\n".join(out)


class Node(Lang):
    name = "Node.js"
    prefix = "/usr/src/app/"
    config_format = "json"
    config_path = "config/production.json"
    core_path = "src/service.js"
    needles = {"load": "const { rows } = await this.db.query(", "fetch": "const resp = await this.http.post(",
               "cache_put": "await this.cache.set(", "publish": "await this.producer.send("}
    handle_needles = {"load": "const record = await this.load(", "fetch": "const enriched = await this.fetch(",
                      "cache_put": "await this.cachePut(", "publish": "await this.publish("}

    def func(self, op):
        return _camel(op)

    def files(self):
        return {
            self.core_path: f'''
                'use strict';

                class ItemService {{
                  constructor({{ db, http, cache, producer, config }}) {{
                    Object.assign(this, {{ db, http, cache, producer, config }});
                  }}

                  async handle(id) {{
                    const record = await this.load(id);
                    const enriched = await this.fetch(record);
                    await this.cachePut(id, enriched);
                    await this.publish(enriched);
                    return enriched;
                  }}

                  async load(id) {{
                    const {{ rows }} = await this.db.query('SELECT * FROM items WHERE id = $1', [id]);
                    return rows[0];
                  }}

                  async fetch(record) {{
                    const resp = await this.http.post('/v1/enrich', record, {{ timeout: this.config.timeoutMs }});
                    return resp.data;
                  }}

                  async cachePut(id, value) {{
                    await this.cache.set(`item:${{id}}`, JSON.stringify(value), {{ EX: this.config.cacheTtlS }});
                  }}

                  async publish(value) {{
                    await this.producer.send({{ topic: '{self.svc}.events', messages: [{{ value: JSON.stringify(value) }}] }});
                  }}
                }}

                module.exports = {{ ItemService }};
                ''',
            "src/server.js": f'''
                'use strict';
                const express = require('express');
                const app = express();
                app.get('/healthz', (req, res) => res.send('ok'));
                app.listen(process.env.PORT || 8080, () => console.log('{self.svc} listening'));
                ''',
            "package.json": f'''
                {{
                  "name": "{self.svc}",
                  "version": "1.0.0",
                  "main": "src/server.js",
                  "dependencies": {{ "axios": "1.7.7", "express": "4.21.0", "pg": "8.13.0", "redis": "4.7.0", "kafkajs": "2.2.4" }}
                }}
                ''',
        }

    def trace(self, exc, msg, frames, rng):
        out = [f"{exc}: {msg}" if msg else exc]
        for p, line, fn in frames:
            out.append(f"    at ItemService.{fn} ({self.prefix}{p}:{line}:{rng.randint(5, 40)})")
        out.append(f"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")
        out.append(f"    at async {self.prefix}src/server.js:{rng.randint(2, 5)}:{rng.randint(3, 20)}")
        return "\n".join(out)


class CSharp(Lang):
    name = "C#"
    prefix = "/src/"
    config_format = "json"

    @property
    def core_path(self):
        return f"{self.Mod}/Core/ItemService.cs"

    @property
    def config_path(self):
        return f"{self.Mod}/appsettings.Production.json"

    needles = {"load": "var row = await _db.QuerySingleAsync", "fetch": "var resp = await _http.PostAsJsonAsync(",
               "cache_put": "await _cache.StringSetAsync(", "publish": "await _producer.ProduceAsync("}
    handle_needles = {"load": "var record = await LoadAsync(", "fetch": "var enriched = await FetchAsync(",
                      "cache_put": "await CachePutAsync(", "publish": "await PublishAsync("}

    def func(self, op):
        return _pascal(op) + "Async"

    def files(self):
        return {
            self.core_path: f'''
                using System.Net.Http.Json;
                using Dapper;

                namespace {self.Mod}.Core;

                public sealed class ItemService(System.Data.IDbConnection _db, HttpClient _http, StackExchange.Redis.IDatabase _cache, IProducer _producer)
                {{
                    public async Task<Item> HandleAsync(string id)
                    {{
                        var record = await LoadAsync(id);
                        var enriched = await FetchAsync(record);
                        await CachePutAsync(id, enriched);
                        await PublishAsync(enriched);
                        return enriched;
                    }}

                    public async Task<Item> LoadAsync(string id)
                    {{
                        var row = await _db.QuerySingleAsync<Item>("SELECT * FROM items WHERE id = @id", new {{ id }});
                        return row;
                    }}

                    public async Task<Item> FetchAsync(Item record)
                    {{
                        var resp = await _http.PostAsJsonAsync("/v1/enrich", record);
                        resp.EnsureSuccessStatusCode();
                        return (await resp.Content.ReadFromJsonAsync<Item>())!;
                    }}

                    public async Task CachePutAsync(string id, Item value)
                    {{
                        await _cache.StringSetAsync($"item:{{id}}", value.ToJson());
                    }}

                    public async Task PublishAsync(Item value)
                    {{
                        await _producer.ProduceAsync("{self.svc}.events", value.ToJson());
                    }}
                }}
                ''',
            f"{self.Mod}/Program.cs": f'''
                var builder = WebApplication.CreateBuilder(args);
                var app = builder.Build();
                app.MapGet("/healthz", () => "ok");
                app.Run();
                ''',
            f"{self.Mod}/{self.Mod}.csproj": '''
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net8.0</TargetFramework>
                  </PropertyGroup>
                </Project>
                ''',
        }

    def trace(self, exc, msg, frames, rng):
        out = [f"{exc}: {msg}" if msg else exc]
        for p, line, fn in frames:
            out.append(f"   at {self.Mod}.Core.ItemService.{fn}(String id) in {self.prefix}{p}:line {line}")
        out.append("   at Microsoft.AspNetCore.Http.RequestDelegateFactory.ExecuteTaskResult[T](Task`1 task, HttpContext httpContext)")
        out.append("   at Microsoft.AspNetCore.Routing.EndpointMiddleware.<Invoke>g__AwaitRequestTask|7_0(Endpoint endpoint, Task requestTask, ILogger logger)")
        return "\n".join(out)


class Ruby(Lang):
    name = "Ruby"
    prefix = "/app/"
    config_path = "config/settings/production.yml"
    core_path = "app/services/item_service.rb"
    needles = {"load": "row = @db.exec_params(", "fetch": "resp = @http.post(", "cache_put": "@cache.set(",
               "publish": "@producer.produce("}
    handle_needles = {"load": "record = load(", "fetch": "enriched = fetch(", "cache_put": "cache_put(id",
                      "publish": "publish(enriched)"}

    def files(self):
        return {
            self.core_path: f'''
                # frozen_string_literal: true

                class ItemService
                  def initialize(db:, http:, cache:, producer:, settings:)
                    @db = db
                    @http = http
                    @cache = cache
                    @producer = producer
                    @settings = settings
                  end

                  def handle(id)
                    record = load(id)
                    enriched = fetch(record)
                    cache_put(id, enriched)
                    publish(enriched)
                    enriched
                  end

                  def load(id)
                    row = @db.exec_params("SELECT * FROM items WHERE id = $1", [id]).first
                    row.to_h
                  end

                  def fetch(record)
                    resp = @http.post("/v1/enrich", record.to_json, timeout: @settings.fetch(:timeout_s))
                    JSON.parse(resp.body)
                  end

                  def cache_put(key, value)
                    @cache.set("item:#{{key}}", value.to_json, ex: @settings.fetch(:cache_ttl_s))
                  end

                  def publish(value)
                    @producer.produce(value.to_json, topic: "{self.svc}.events")
                  end
                end
                ''',
            "config.ru": 'require_relative "config/environment"\nrun Rails.application\n',
            "Gemfile": 'source "https://rubygems.org"\n\ngem "rails", "~> 7.2"\ngem "pg", "~> 1.5"\ngem "redis", "~> 5.2"\ngem "sidekiq", "~> 7.3"\n',
        }

    def trace(self, exc, msg, frames, rng):
        out = [f"{exc} ({msg}):" if msg else f"{exc}:"]
        for p, line, fn in frames:
            out.append(f"{self.prefix}{p}:{line}:in `{fn}'")
        out.append("/usr/local/bundle/gems/actionpack-7.2.1/lib/action_controller/metal/basic_implicit_render.rb:8:in `send_action'")
        out.append("/usr/local/bundle/gems/sidekiq-7.3.2/lib/sidekiq/processor.rb:220:in `execute_job'")
        return "\n".join(out)


class Php(Lang):
    name = "PHP"
    prefix = "/var/www/html/"
    config_format = "yaml"
    config_path = "config/packages/prod/app.yaml"
    core_path = "src/Service/ItemService.php"
    needles = {"load": "$row = $this->db->fetchAssociative(", "fetch": "$resp = $this->http->request(",
               "cache_put": "$this->cache->set(", "publish": "$this->bus->dispatch("}
    handle_needles = {"load": "$record = $this->load(", "fetch": "$enriched = $this->fetch(",
                      "cache_put": "$this->cachePut(", "publish": "$this->publish($enriched)"}

    def func(self, op):
        return _camel(op)

    def files(self):
        return {
            self.core_path: f'''
                <?php

                namespace App\\Service;

                final class ItemService
                {{
                    public function __construct(private $db, private $http, private $cache, private $bus, private array $settings)
                    {{
                    }}

                    public function handle(string $id): array
                    {{
                        $record = $this->load($id);
                        $enriched = $this->fetch($record);
                        $this->cachePut($id, $enriched);
                        $this->publish($enriched);
                        return $enriched;
                    }}

                    public function load(string $id): array
                    {{
                        $row = $this->db->fetchAssociative('SELECT * FROM items WHERE id = ?', [$id]);
                        return $row ?: [];
                    }}

                    public function fetch(array $record): array
                    {{
                        $resp = $this->http->request('POST', '/v1/enrich', ['json' => $record, 'timeout' => $this->settings['timeout_s']]);
                        return $resp->toArray();
                    }}

                    public function cachePut(string $id, array $value): void
                    {{
                        $this->cache->set("item:$id", json_encode($value), $this->settings['cache_ttl_s']);
                    }}

                    public function publish(array $value): void
                    {{
                        $this->bus->dispatch(new \\App\\Message\\ItemEnriched($value));
                    }}
                }}
                ''',
            "public/index.php": "<?php\n\nuse App\\Kernel;\n\nrequire_once dirname(__DIR__).'/vendor/autoload_runtime.php';\n\nreturn fn (array $context) => new Kernel($context['APP_ENV'], (bool) $context['APP_DEBUG']);\n",
            "composer.json": f'{{\n  "name": "{self.org}/{self.svc}",\n  "require": {{ "php": ">=8.2", "symfony/framework-bundle": "7.1.*", "doctrine/dbal": "^4.1" }}\n}}\n',
        }

    def trace(self, exc, msg, frames, rng):
        top = frames[0]
        out = [f"PHP Fatal error:  Uncaught {exc}: {msg} in {self.prefix}{top[0]}:{top[1]}", "Stack trace:"]
        for i, (p, line, fn) in enumerate(frames[1:] + [frames[-1]]):
            out.append(f"#{i} {self.prefix}{p}({line}): App\\Service\\ItemService->{fn}()")
        out.append(f"#{len(frames)} {self.prefix}vendor/symfony/http-kernel/HttpKernel.php(181): App\\Controller\\ItemController->show()")
        out.append(f"#{len(frames) + 1} {{main}}")
        out.append(f"  thrown in {self.prefix}{top[0]} on line {top[1]}")
        return "\n".join(out)


class Rust(Lang):
    name = "Rust"
    prefix = "/build/"
    config_format = "yaml"
    config_path = "config/prod.yaml"
    core_path = "src/service.rs"
    needles = {"load": "let row = sqlx::query_as::<_, Item>(", "fetch": "let resp = self.http.post(",
               "cache_put": "self.cache.set_ex::<_, _, ()>(", "publish": "self.producer.send("}
    handle_needles = {"load": "let record = self.load(", "fetch": "let enriched = self.fetch(",
                      "cache_put": "self.cache_put(id", "publish": "self.publish(&enriched)"}

    def files(self):
        crate = self.mod
        return {
            self.core_path: f'''
                use crate::model::Item;

                pub struct Service {{
                    pub db: sqlx::PgPool,
                    pub http: reqwest::Client,
                    pub cache: redis::aio::MultiplexedConnection,
                    pub producer: rdkafka::producer::FutureProducer,
                    pub upstream: String,
                }}

                impl Service {{
                    pub async fn handle(&mut self, id: &str) -> anyhow::Result<Item> {{
                        let record = self.load(id).await?;
                        let enriched = self.fetch(&record).await?;
                        self.cache_put(id, &enriched).await?;
                        self.publish(&enriched).await?;
                        Ok(enriched)
                    }}

                    pub async fn load(&self, id: &str) -> anyhow::Result<Item> {{
                        let row = sqlx::query_as::<_, Item>("SELECT * FROM items WHERE id = $1").bind(id).fetch_one(&self.db).await?;
                        Ok(row)
                    }}

                    pub async fn fetch(&self, record: &Item) -> anyhow::Result<Item> {{
                        let resp = self.http.post(format!("{{}}/v1/enrich", self.upstream)).json(record).send().await?;
                        Ok(resp.error_for_status()?.json().await?)
                    }}

                    pub async fn cache_put(&mut self, id: &str, value: &Item) -> anyhow::Result<()> {{
                        self.cache.set_ex::<_, _, ()>(format!("item:{{id}}"), serde_json::to_string(value)?, 300).await?;
                        Ok(())
                    }}

                    pub async fn publish(&self, value: &Item) -> anyhow::Result<()> {{
                        self.producer.send(rdkafka::producer::FutureRecord::to("{self.svc}.events").payload(&serde_json::to_string(value)?).key(&value.id), std::time::Duration::from_secs(5)).await.map_err(|(e, _)| e)?;
                        Ok(())
                    }}
                }}
                ''',
            "src/model.rs": '''
                #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
                pub struct Item {
                    pub id: String,
                    pub payload: serde_json::Value,
                }
                ''',
            "src/main.rs": f'''
                mod model;
                mod service;

                #[tokio::main]
                async fn main() {{
                    tracing_subscriber::fmt().json().init();
                    tracing::info!("starting {self.svc}");
                }}
                ''',
            "Cargo.toml": f'[package]\nname = "{crate}"\nversion = "1.0.0"\nedition = "2021"\n\n[dependencies]\ntokio = {{ version = "1.40", features = ["full"] }}\nreqwest = {{ version = "0.12", features = ["json"] }}\nsqlx = {{ version = "0.8", features = ["postgres", "runtime-tokio"] }}\n',
        }

    def trace(self, exc, msg, frames, rng):
        top = frames[0]
        out = [f"thread 'tokio-runtime-worker' panicked at {top[0]}:{top[1]}:{rng.randint(9, 40)}:", f"{exc}: {msg}" if msg else exc,
               "stack backtrace:", "   0: rust_begin_unwind", "   1: core::panicking::panic_fmt"]
        for i, (p, line, fn) in enumerate(frames):
            out.append(f"   {i + 2}: {self.mod}::{p.rsplit('/', 1)[1][:-3]}::Service::{fn}::{{{{closure}}}}")
            out.append(f"             at {self.prefix}{p}:{line}:{rng.randint(9, 40)}")
        out.append(f"   {len(frames) + 2}: tokio::runtime::task::core::Core<T,S>::poll")
        out.append("note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.")
        return "\n".join(out)


class Elixir(Lang):
    name = "Elixir"
    prefix = ""
    config_format = "yaml"
    config_path = "config/prod.yaml"

    @property
    def core_path(self):
        return f"lib/{self.mod}/items.ex"

    needles = {"load": "row = Repo.get!(", "fetch": "{:ok, resp} = Req.post(", "cache_put": "Redix.command!(:cache",
               "publish": ":brod.produce_sync("}
    handle_needles = {"load": "record = load(", "fetch": "enriched = fetch(", "cache_put": ":ok = cache_put(",
                      "publish": ":ok = publish("}

    def files(self):
        return {
            self.core_path: f'''
                defmodule {self.Mod}.Items do
                  @moduledoc "Request handling for {self.svc}."
                  alias {self.Mod}.Repo
                  require Logger

                  def handle(id) do
                    record = load(id)
                    enriched = fetch(record)
                    :ok = cache_put(id, enriched)
                    :ok = publish(enriched)
                    enriched
                  end

                  def load(id) do
                    row = Repo.get!({self.Mod}.Item, id)
                    Map.from_struct(row)
                  end

                  def fetch(record) do
                    {{:ok, resp}} = Req.post(upstream_url() <> "/v1/enrich", json: record)
                    resp.body
                  end

                  def cache_put(id, value) do
                    "OK" = Redix.command!(:cache, ["SET", "item:" <> id, Jason.encode!(value)])
                    :ok
                  end

                  def publish(value) do
                    :brod.produce_sync(:kafka, "{self.svc}.events", :hash, value["id"], Jason.encode!(value))
                  end

                  defp upstream_url, do: Application.fetch_env!(:{self.mod}, :upstream_url)
                end
                ''',
            f"lib/{self.mod}/application.ex": f'''
                defmodule {self.Mod}.Application do
                  use Application

                  def start(_type, _args) do
                    Supervisor.start_link([{self.Mod}.Repo], strategy: :one_for_one, name: {self.Mod}.Supervisor)
                  end
                end
                ''',
            "mix.exs": f'''
                defmodule {self.Mod}.MixProject do
                  use Mix.Project

                  def project, do: [app: :{self.mod}, version: "1.0.0", elixir: "~> 1.16", deps: deps()]

                  defp deps, do: [{{:ecto_sql, "~> 3.12"}}, {{:req, "~> 0.5"}}, {{:redix, "~> 1.5"}}, {{:brod, "~> 3.19"}}]
                end
                ''',
        }

    def func(self, op):
        return op

    def trace(self, exc, msg, frames, rng):
        out = [f"** ({exc}) {msg}"]
        for p, line, fn in frames:
            out.append(f"    ({self.mod} 1.4.0) {p}:{line}: {self.Mod}.Items.{fn}/1")
        out.append("    (elixir 1.16.2) lib/enum.ex:1700: Enum.\"-map/2-lists^map/1-1-\"/2")
        out.append("    (stdlib 5.2) proc_lib.erl:241: :proc_lib.init_p_do_apply/3")
        return "\n".join(out)


LANGS = {c.name: c for c in (Python, Java, Kotlin, Scala, Go, Node, CSharp, Ruby, Php, Rust, Elixir)}


def make(name: str, svc: str, org: str) -> Lang:
    return LANGS[name](svc, org)
