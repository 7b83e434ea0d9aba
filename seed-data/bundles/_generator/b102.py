"""102: pricing-api (Spring Boot) times out on inventory after a config change cut the read timeout to 200ms. Grafana."""
import datetime as dt
import os
import random

from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, ts, write_catalog, write_json, write_text, BUNDLES

SLUG = "102-inventory-timeout-config"
START = ts("2025-06-04T09:36:00Z")
CHANGE = ts("2025-06-04T09:24:00Z")
W0, W1 = START - dt.timedelta(minutes=60), START + dt.timedelta(minutes=15)
PKG = "com.harbor.pricing"
J = "src/main/java/com/harbor/pricing"
CONTRACT_TEST = "src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java"
TEST_COMMAND = f"java {CONTRACT_TEST}"

A = ("Sofia Lindqvist", "sofia.lindqvist@harbor.example")
B = ("Jonas Weber", "jonas.weber@harbor.example")
C = ("Aisha Bello", "aisha.bello@harbor.example")
D = ("Hiro Tanaka", "hiro.tanaka@harbor.example")


def build_repo() -> Repo:
    r = Repo("pricing-api", f"bundle {SLUG}")
    r.commit("Initial Spring Boot project", A, "2025-03-10T09:00:00+0000", writes={
        "README.md": """
            # pricing-api

            Quotes shelf and basket prices for the storefront. Reads price lists from PostgreSQL and
            asks inventory for stock (low-stock items are not discounted).

            `./mvnw spring-boot:run -Dspring-boot.run.profiles=local`

            Configuration per environment lives in `src/main/resources/application-<profile>.yml` and ships
            with the release; releases are tagged `vX.Y.Z`.
            """,
        ".gitignore": """
            target/
            .idea/
            *.iml
            """,
        "pom.xml": """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <parent>
                <groupId>org.springframework.boot</groupId>
                <artifactId>spring-boot-starter-parent</artifactId>
                <version>3.3.4</version>
              </parent>
              <groupId>com.harbor</groupId>
              <artifactId>pricing-api</artifactId>
              <version>4.8.0</version>
              <properties>
                <java.version>21</java.version>
              </properties>
              <dependencies>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-web</artifactId>
                </dependency>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-jdbc</artifactId>
                </dependency>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-actuator</artifactId>
                </dependency>
                <dependency>
                  <groupId>org.postgresql</groupId>
                  <artifactId>postgresql</artifactId>
                </dependency>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-test</artifactId>
                  <scope>test</scope>
                </dependency>
              </dependencies>
            </project>
            """,
        f"{J}/PricingApplication.java": f"""
            package {PKG};

            import org.springframework.boot.SpringApplication;
            import org.springframework.boot.autoconfigure.SpringBootApplication;
            import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

            @SpringBootApplication
            @ConfigurationPropertiesScan
            public class PricingApplication {{
                public static void main(String[] args) {{
                    SpringApplication.run(PricingApplication.class, args);
                }}
            }}
            """,
        "src/main/resources/application.yml": """
            spring:
              application:
                name: pricing-api
              datasource:
                url: jdbc:postgresql://localhost:5432/pricing
                hikari:
                  maximum-pool-size: 10
            server:
              port: 8080
            management:
              endpoints:
                web:
                  exposure:
                    include: health,prometheus
            """,
    })
    r.commit("Price lists repository", B, "2025-03-12T14:20:00+0000", writes={
        f"{J}/prices/PriceListRepository.java": f"""
            package {PKG}.prices;

            import java.math.BigDecimal;
            import java.util.Optional;

            import org.springframework.jdbc.core.simple.JdbcClient;
            import org.springframework.stereotype.Repository;

            @Repository
            public class PriceListRepository {{
                private final JdbcClient jdbc;

                public PriceListRepository(JdbcClient jdbc) {{
                    this.jdbc = jdbc;
                }}

                public Optional<BigDecimal> listPrice(String sku, String store) {{
                    return jdbc.sql("SELECT price FROM list_prices WHERE sku = :sku AND store = :store")
                            .param("sku", sku)
                            .param("store", store)
                            .query(BigDecimal.class)
                            .optional();
                }}
            }}
            """,
    })
    r.commit("Inventory client with configurable timeouts", B, "2025-03-14T10:05:00+0000", writes={
        f"{J}/client/InventoryProperties.java": f"""
            package {PKG}.client;

            import java.time.Duration;

            import org.springframework.boot.context.properties.ConfigurationProperties;

            @ConfigurationProperties(prefix = "inventory.client")
            public record InventoryProperties(String baseUrl, Duration connectTimeout, Duration readTimeout) {{
            }}
            """,
        f"{J}/client/ClientConfig.java": f"""
            package {PKG}.client;

            import org.springframework.boot.web.client.ClientHttpRequestFactories;
            import org.springframework.boot.web.client.ClientHttpRequestFactorySettings;
            import org.springframework.context.annotation.Bean;
            import org.springframework.context.annotation.Configuration;
            import org.springframework.web.client.RestClient;

            @Configuration
            public class ClientConfig {{

                @Bean
                RestClient inventoryRestClient(RestClient.Builder builder, InventoryProperties props) {{
                    var settings = ClientHttpRequestFactorySettings.DEFAULTS
                            .withConnectTimeout(props.connectTimeout())
                            .withReadTimeout(props.readTimeout());
                    return builder
                            .baseUrl(props.baseUrl())
                            .requestFactory(ClientHttpRequestFactories.get(settings))
                            .build();
                }}
            }}
            """,
        f"{J}/client/InventoryClient.java": f"""
            package {PKG}.client;

            import org.springframework.stereotype.Component;
            import org.springframework.web.client.RestClient;

            @Component
            public class InventoryClient {{

                public record Stock(String sku, String store, int onHand) {{
                }}

                private final RestClient inventoryRestClient;

                public InventoryClient(RestClient inventoryRestClient) {{
                    this.inventoryRestClient = inventoryRestClient;
                }}

                public Stock stockFor(String sku, String store) {{
                    return inventoryRestClient.get()
                            .uri("/v1/stock/{{sku}}?store={{store}}", sku, store)
                            .retrieve()
                            .body(Stock.class);
                }}
            }}
            """,
    }, edits=[("src/main/resources/application.yml", "server:\n",
               "inventory:\n  client:\n    base-url: http://localhost:8081\n    connect-timeout: 500ms\n    read-timeout: 2s\nserver:\n")])
    r.commit("Quote endpoint", C, "2025-03-17T16:40:00+0000", writes={
        f"{J}/service/PriceService.java": f"""
            package {PKG}.service;

            import java.math.BigDecimal;
            import java.math.RoundingMode;

            import org.springframework.stereotype.Service;

            import {PKG}.client.InventoryClient;
            import {PKG}.prices.PriceListRepository;

            @Service
            public class PriceService {{

                public record Quote(String sku, String store, BigDecimal price, boolean discounted) {{
                }}

                private final PriceListRepository prices;
                private final InventoryClient inventory;

                public PriceService(PriceListRepository prices, InventoryClient inventory) {{
                    this.prices = prices;
                    this.inventory = inventory;
                }}

                public Quote quote(String sku, String store) {{
                    var list = prices.listPrice(sku, store)
                            .orElseThrow(() -> new UnknownSkuException(sku));
                    var stock = inventory.stockFor(sku, store);
                    if (stock.onHand() > 200) {{
                        return new Quote(sku, store, list.multiply(new BigDecimal("0.90")).setScale(2, RoundingMode.HALF_UP), true);
                    }}
                    return new Quote(sku, store, list, false);
                }}
            }}
            """,
        f"{J}/service/UnknownSkuException.java": f"""
            package {PKG}.service;

            import org.springframework.http.HttpStatus;
            import org.springframework.web.bind.annotation.ResponseStatus;

            @ResponseStatus(HttpStatus.NOT_FOUND)
            public class UnknownSkuException extends RuntimeException {{
                public UnknownSkuException(String sku) {{
                    super("unknown sku " + sku);
                }}
            }}
            """,
        f"{J}/web/PriceController.java": f"""
            package {PKG}.web;

            import org.springframework.web.bind.annotation.GetMapping;
            import org.springframework.web.bind.annotation.PathVariable;
            import org.springframework.web.bind.annotation.RequestParam;
            import org.springframework.web.bind.annotation.RestController;

            import {PKG}.service.PriceService;

            @RestController
            public class PriceController {{

                private final PriceService service;

                public PriceController(PriceService service) {{
                    this.service = service;
                }}

                @GetMapping("/v1/prices/{{sku}}")
                public PriceService.Quote quote(@PathVariable String sku, @RequestParam String store) {{
                    return service.quote(sku, store);
                }}
            }}
            """,
    }, tag="v4.5.0")
    r.commit("Production profile", D, "2025-03-20T11:00:00+0000", writes={
        "src/main/resources/application-prod.yml": """
            spring:
              datasource:
                url: jdbc:postgresql://pricing-db.prod.harbor.internal:5432/pricing
                hikari:
                  maximum-pool-size: 20
                  leak-detection-threshold: 20000
            inventory:
              client:
                base-url: http://inventory.prod.svc.cluster.local:8080
                connect-timeout: 300ms
                read-timeout: 2000ms
            logging:
              level:
                root: INFO
            """,
        "Dockerfile": """
            FROM eclipse-temurin:21-jre
            COPY target/pricing-api.jar /app/pricing-api.jar
            ENV SPRING_PROFILES_ACTIVE=prod
            ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/pricing-api.jar"]
            """,
    })
    r.commit("Access log filter", A, "2025-03-26T13:30:00+0000", writes={
        f"{J}/web/AccessLogFilter.java": f"""
            package {PKG}.web;

            import java.io.IOException;

            import jakarta.servlet.FilterChain;
            import jakarta.servlet.ServletException;
            import jakarta.servlet.http.HttpServletRequest;
            import jakarta.servlet.http.HttpServletResponse;

            import org.slf4j.Logger;
            import org.slf4j.LoggerFactory;
            import org.springframework.stereotype.Component;
            import org.springframework.web.filter.OncePerRequestFilter;

            @Component
            public class AccessLogFilter extends OncePerRequestFilter {{
                private static final Logger log = LoggerFactory.getLogger(AccessLogFilter.class);

                @Override
                protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                        throws ServletException, IOException {{
                    long start = System.nanoTime();
                    try {{
                        chain.doFilter(request, response);
                    }} finally {{
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        log.info("{{}} {{}} -> {{}} ({{}} ms)", request.getMethod(), request.getRequestURI(), response.getStatus(), ms);
                    }}
                }}
            }}
            """,
    }, tag="v4.6.0")
    r.commit("Test quote discount rule", C, "2025-04-02T10:10:00+0000", writes={
        f"src/test/java/com/harbor/pricing/service/PriceServiceTest.java": f"""
            package {PKG}.service;

            import static org.assertj.core.api.Assertions.assertThat;
            import static org.mockito.Mockito.mock;
            import static org.mockito.Mockito.when;

            import java.math.BigDecimal;
            import java.util.Optional;

            import org.junit.jupiter.api.Test;

            import {PKG}.client.InventoryClient;
            import {PKG}.prices.PriceListRepository;

            class PriceServiceTest {{
                private final PriceListRepository prices = mock(PriceListRepository.class);
                private final InventoryClient inventory = mock(InventoryClient.class);

                @Test
                void discountsOverstockedItems() {{
                    when(prices.listPrice("A1", "s1")).thenReturn(Optional.of(new BigDecimal("10.00")));
                    when(inventory.stockFor("A1", "s1")).thenReturn(new InventoryClient.Stock("A1", "s1", 500));
                    assertThat(new PriceService(prices, inventory).quote("A1", "s1").price()).isEqualByComparingTo("9.00");
                }}
            }}
            """,
    })
    r.commit("Prod config contract test, runnable without Maven (config-only releases skip the build)", D, "2025-04-03T15:20:00+0000", writes={
        CONTRACT_TEST: r"""
            package com.harbor.pricing.config;

            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.ArrayList;
            import java.util.LinkedHashMap;
            import java.util.List;
            import java.util.Map;

            /**
             * Contract checks for the production profile that run without Maven or Spring:
             * `java src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java` from the repository root.
             * Config-only releases skip the Maven build, so this is the check that guards them.
             */
            public class ProdConfigContractTest {
                // inventory's own p99 for GET /v1/stock is ~400ms (its SLO dashboard); leave 2.5x headroom.
                static final long INVENTORY_P99_BUDGET_MS = 1000;
                // pricing-db allows 100 connections; 3 pods must fit with room for migrations.
                static final int MAX_POOL_PER_POD = 30;

                record Check(String name, Runnable body) {
                }

                public static void main(String[] args) throws Exception {
                    Map<String, String> prod = flatten(Path.of("src/main/resources/application-prod.yml"));
                    List<Check> checks = List.of(
                            new Check("prodReadTimeoutCoversInventoryP99", () -> {
                                long read = millis(prod, "inventory.client.read-timeout");
                                expect(read >= INVENTORY_P99_BUDGET_MS, "inventory.client.read-timeout is " + read
                                        + "ms; it must cover inventory's p99 budget of " + INVENTORY_P99_BUDGET_MS + "ms");
                            }),
                            new Check("prodConnectTimeoutBelowReadTimeout", () -> {
                                long connect = millis(prod, "inventory.client.connect-timeout");
                                long read = millis(prod, "inventory.client.read-timeout");
                                expect(connect > 0 && connect < read, "connect-timeout " + connect + "ms must be positive and below read-timeout " + read + "ms");
                            }),
                            new Check("prodInventoryUrlIsInCluster", () -> {
                                String url = required(prod, "inventory.client.base-url");
                                expect(url.startsWith("http://inventory.prod.svc.cluster.local"), "inventory.client.base-url is " + url);
                            }),
                            new Check("prodPoolFitsDatabaseLimit", () -> {
                                int pool = Integer.parseInt(required(prod, "spring.datasource.hikari.maximum-pool-size"));
                                expect(pool > 0 && pool <= MAX_POOL_PER_POD, "hikari maximum-pool-size is " + pool + ", limit " + MAX_POOL_PER_POD);
                            }));

                    int failures = 0;
                    System.out.println("ProdConfigContractTest");
                    for (Check check : checks) {
                        try {
                            check.body().run();
                            System.out.println("  [OK] ProdConfigContractTest." + check.name());
                        } catch (AssertionError | RuntimeException e) {
                            failures++;
                            System.out.println("  [X] ProdConfigContractTest." + check.name() + ": " + e.getMessage());
                        }
                    }
                    System.out.printf("Tests run: %d, Failures: %d, Errors: 0, Skipped: 0%n", checks.size(), failures);
                    System.exit(failures == 0 ? 0 : 1);
                }

                static void expect(boolean ok, String message) {
                    if (!ok) {
                        throw new AssertionError(message);
                    }
                }

                static String required(Map<String, String> yaml, String key) {
                    String value = yaml.get(key);
                    if (value == null) {
                        throw new AssertionError(key + " is missing");
                    }
                    return value;
                }

                /** Spring duration syntax as used in our profiles: 200ms, 2s, or a bare number of milliseconds. */
                static long millis(Map<String, String> yaml, String key) {
                    String value = required(yaml, key);
                    if (value.endsWith("ms")) {
                        return Long.parseLong(value.substring(0, value.length() - 2).trim());
                    }
                    if (value.endsWith("s")) {
                        return Long.parseLong(value.substring(0, value.length() - 1).trim()) * 1000;
                    }
                    return Long.parseLong(value);
                }

                /** Block-style YAML maps (what our profiles use) flattened to dotted keys. */
                static Map<String, String> flatten(Path file) throws Exception {
                    Map<String, String> out = new LinkedHashMap<>();
                    List<String> path = new ArrayList<>();
                    List<Integer> indents = new ArrayList<>();
                    for (String raw : Files.readAllLines(file)) {
                        String line = raw.replaceFirst("\\s+#.*$", "");
                        if (line.isBlank() || line.trim().startsWith("#")) {
                            continue;
                        }
                        int indent = line.length() - line.stripLeading().length();
                        while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
                            indents.remove(indents.size() - 1);
                            path.remove(path.size() - 1);
                        }
                        int colon = line.indexOf(':');
                        String key = line.substring(0, colon).trim();
                        String value = line.substring(colon + 1).trim();
                        path.add(key);
                        indents.add(indent);
                        if (!value.isEmpty()) {
                            out.put(String.join(".", path), value.replaceAll("^[\"']|[\"']$", ""));
                        }
                    }
                    return out;
                }
            }
            """,
    }, edits=[("README.md", "releases are tagged `vX.Y.Z`.\n",
               "releases are tagged `vX.Y.Z`.\n\n## Tests\n\n`./mvnw test` runs the unit tests. Config-only releases (changes under\n"
               "`src/main/resources/` only) skip the Maven build in CI, so the production profile has a contract test\n"
               "that needs nothing but a JDK:\n\n    java " + "src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java\n\n"
               "It prints one `[OK]`/`[X]` line per check and exits non-zero when one fails. Run it before tagging a config release.\n")])
    r.commit("Raise Hikari pool to 30 for basket quotes", D, "2025-04-22T09:45:00+0000", edits=[
        ("src/main/resources/application-prod.yml", "maximum-pool-size: 20", "maximum-pool-size: 30"),
    ], tag="v4.7.0")
    r.commit("Bump Spring Boot to 3.3.5", B, "2025-05-14T15:05:00+0000", edits=[("pom.xml", "<version>3.3.4</version>", "<version>3.3.5</version>")])
    r.commit("Basket quote endpoint", C, "2025-05-20T12:25:00+0000", edits=[
        (f"{J}/web/PriceController.java", "import org.springframework.web.bind.annotation.PathVariable;\n",
         "import java.util.List;\n\nimport org.springframework.web.bind.annotation.PathVariable;\nimport org.springframework.web.bind.annotation.PostMapping;\nimport org.springframework.web.bind.annotation.RequestBody;\n"),
        (f"{J}/web/PriceController.java", "        return service.quote(sku, store);\n    }\n",
         "        return service.quote(sku, store);\n    }\n\n    @PostMapping(\"/v1/baskets/quote\")\n"
         "    public List<PriceService.Quote> basket(@RequestBody List<String> skus, @RequestParam String store) {\n"
         "        return skus.stream().map(sku -> service.quote(sku, store)).toList();\n    }\n"),
    ], tag="v4.8.0")
    r.commit("Tighten inventory client timeouts in prod (SRE-412: fail fast instead of piling up threads)", D,
             "2025-06-04T09:05:00+0000", edits=[
                 ("src/main/resources/application-prod.yml", "connect-timeout: 300ms\n    read-timeout: 2000ms",
                  "connect-timeout: 100ms\n    read-timeout: 200ms"),
             ], tag="v4.8.1")
    return r


def spring(t, level, thread, logger, msg):
    return f"{t.strftime('%Y-%m-%dT%H:%M:%S.')}{t.microsecond // 1000:03d}Z {level:>5} 1 --- [pricing-api] [{thread}] {logger:<40} : {msg}"


def generate():
    out = os.path.join(BUNDLES, SLUG)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    r = build_repo()
    head = r.build(out)
    rng = random.Random(102)
    l_client = r.line_of(f"{J}/client/InventoryClient.java", ".body(Stock.class);")
    l_service = r.line_of(f"{J}/service/PriceService.java", "var stock = inventory.stockFor(sku, store);")
    l_ctrl = r.line_of(f"{J}/web/PriceController.java", "return service.quote(sku, store);")
    l_basket = r.line_of(f"{J}/web/PriceController.java", "skus.stream().map(sku -> service.quote(sku, store))")
    l_filter = r.line_of(f"{J}/web/AccessLogFilter.java", "chain.doFilter(request, response);")
    l_cfg = r.line_of("src/main/resources/application-prod.yml", "read-timeout: 200ms")
    live = CHANGE + dt.timedelta(minutes=2)  # pods restarted with the new profile by 09:26

    def inv_latency(t):
        return rng.lognormvariate(-2.2, 0.55) + (0.05 if rng.random() < 0.1 else 0)  # ~110ms median, p99 ~400ms

    log = Log()
    sku = lambda: f"SKU-{rng.randint(10000, 99999)}"
    for t in poisson_times(rng, W0, W1, lambda t: 0.1):
        thread = f"nio-8080-exec-{rng.randint(1, 40)}"
        basket = rng.random() < 0.2
        s = sku()
        store = f"st-{rng.randint(100, 180)}"
        lat = inv_latency(t)
        timeout = 0.2 if t >= live else 2.0
        if lat > timeout:
            uri = f"/v1/stock/{s}?store={store}"
            frames = [
                "java.net.SocketTimeoutException: Read timed out",
                "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)",
                "\tat java.base/sun.nio.ch.NioSocketImpl.read(NioSocketImpl.java:346)",
                "\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)",
                "\tat java.base/java.io.BufferedInputStream.fill(BufferedInputStream.java:291)",
                "\tat java.base/java.io.BufferedInputStream.read(BufferedInputStream.java:399)",
                "\tat java.base/sun.net.www.http.HttpClient.parseHTTPHeader(HttpClient.java:827)",
                "\tat java.base/sun.net.www.http.HttpClient.parseHTTP(HttpClient.java:759)",
                "\tat java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:1705)",
                "\tat java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream(HttpURLConnection.java:1614)",
                "\tat java.base/java.net.HttpURLConnection.getResponseCode(HttpURLConnection.java:531)",
                "\tat org.springframework.http.client.SimpleClientHttpResponse.getStatusCode(SimpleClientHttpResponse.java:55)",
                "\tat org.springframework.web.client.DefaultRestClient.readWithMessageConverters(DefaultRestClient.java:219)",
                "\tat org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.readBody(DefaultRestClient.java:809)",
                "\tat org.springframework.web.client.DefaultRestClient$DefaultRequestBodyUriSpec.exchangeInternal(DefaultRestClient.java:574)",
                "\tat org.springframework.web.client.DefaultRestClient$DefaultRequestBodyUriSpec.exchange(DefaultRestClient.java:535)",
                "\tat org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.readBody(DefaultRestClient.java:795)",
                "\tat org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.body(DefaultRestClient.java:740)",
                f"\tat {PKG}.client.InventoryClient.stockFor(InventoryClient.java:{l_client})",
                f"\tat {PKG}.service.PriceService.quote(PriceService.java:{l_service})",
            ]
            if basket:
                frames += [f"\tat {PKG}.web.PriceController.lambda$basket$0(PriceController.java:{l_basket})",
                           "\tat java.base/java.util.stream.ReferencePipeline$3$1.accept(ReferencePipeline.java:197)",
                           "\tat java.base/java.util.stream.AbstractPipeline.evaluate(AbstractPipeline.java:234)",
                           "\tat java.base/java.util.stream.ReferencePipeline.toList(ReferencePipeline.java:703)",
                           f"\tat {PKG}.web.PriceController.basket(PriceController.java:{l_basket})"]
            else:
                frames += [f"\tat {PKG}.web.PriceController.quote(PriceController.java:{l_ctrl})"]
            frames += [
                "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
                "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)",
                "\tat org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)",
                "\tat org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)",
                "\tat org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)",
                "\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)",
                "\tat jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)",
                "\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:195)",
                "\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:140)",
                f"\tat {PKG}.web.AccessLogFilter.doFilterInternal(AccessLogFilter.java:{l_filter})",
                "\tat org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:116)",
                "\tat org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:167)",
                "\tat org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)",
                "\tat java.base/java.lang.Thread.run(Thread.java:1583)",
            ]
            head_line = spring(t, "ERROR", thread, "o.a.c.c.C.[.[.[/].[dispatcherServlet]",
                               "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: "
                               f"org.springframework.web.client.ResourceAccessException: I/O error on GET request for \"http://inventory.prod.svc.cluster.local:8080{uri}\": Read timed out] with root cause")
            log.add(t, head_line + "\n" + "\n".join(frames))
            path = f"/v1/baskets/quote" if basket else f"/v1/prices/{s}"
            log.add(t + dt.timedelta(milliseconds=1), spring(t, "INFO", thread, "c.h.pricing.web.AccessLogFilter",
                                                              f"{'POST' if basket else 'GET'} {path} -> 500 ({int(timeout * 1000) + rng.randint(3, 30)} ms)"))
            continue
        st = 200 if rng.random() > 0.01 else 404
        ms = int(lat * 1000) + rng.randint(4, 25)
        path = f"/v1/baskets/quote" if basket else f"/v1/prices/{s}"
        log.add(t, spring(t, "INFO", thread, "c.h.pricing.web.AccessLogFilter", f"{'POST' if basket else 'GET'} {path} -> {st} ({ms} ms)"))
    # pre-existing red herrings
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 600):
        log.add(t, spring(t, " WARN", "pool-housekeeper", "com.zaxxer.hikari.pool.HikariPool",
                          f"HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={rng.randint(31, 70)}s{rng.randint(1, 999)}ms)."))
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 500):
        log.add(t, spring(t, " WARN", f"nio-8080-exec-{rng.randint(1, 40)}", ".w.s.m.s.DefaultHandlerExceptionResolver",
                          "Resolved [org.springframework.web.bind.MissingServletRequestParameterException: Required request parameter 'store' for method parameter type String is not present]"))
    # rolling restart with the new config
    for i in range(3):
        t = CHANGE + dt.timedelta(seconds=20 + 35 * i)
        pod = ["pricing-api-7d5c8b9f4-h2kqz", "pricing-api-7d5c8b9f4-m8xw4", "pricing-api-7d5c8b9f4-t6rbn"][i]
        log.add(t, spring(t, " INFO", "main", "com.harbor.pricing.PricingApplication", f"Starting PricingApplication v4.8.1 using Java 21.0.4 with PID 1 ({pod})"))
        log.add(t, spring(t, " INFO", "main", "com.harbor.pricing.PricingApplication", "The following 1 profile is active: \"prod\""))
        log.add(t + dt.timedelta(seconds=6), spring(t + dt.timedelta(seconds=6), " INFO", "main", "o.s.b.w.embedded.tomcat.TomcatWebServer", "Tomcat started on port 8080 (http) with context path '/'"))
        log.add(t + dt.timedelta(seconds=6), spring(t + dt.timedelta(seconds=6), " INFO", "main", "com.harbor.pricing.PricingApplication", "Started PricingApplication in 6.41 seconds (process running for 7.02)"))
    n = log.write(os.path.join(out, "logs", "pricing-api.log"))

    inv = Log()
    for t in poisson_times(rng, W0, W1, lambda t: 0.15):
        inv.add(t, f'time={iso(t)} level=INFO service=inventory msg="GET /v1/stock/{sku()}" status=200 duration_ms={int(inv_latency(t) * 1000)}')
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 480):
        inv.add(t, f'time={iso(t)} level=WARN service=inventory msg="GC pause" pause_ms={rng.randint(180, 420)} heap_after_mb={rng.randint(900, 1300)}')
    for t in poisson_times(rng, live, W1, lambda t: 1 / 20):
        inv.add(t, f'time={iso(t)} level=WARN service=inventory msg="client closed request before response" path=/v1/stock/{sku()} duration_ms={rng.randint(200, 700)}')
    inn = inv.write(os.path.join(out, "logs", "inventory.log"))

    m = Metrics(W0, W1)
    fail = lambda t: 0.0 if t < live else 0.16 + 0.02 * rng.random()
    rps = lambda t: 160 + 25 * ((t.minute % 15) / 15)
    help_ = "HTTP requests served, by status code"
    for svc, base in (("pricing-api", 512_000_118),):
        m.counter("http_server_requests", help_, {"service": svc, "status": "200"}, lambda t, i: rps(t) * (0.99 - fail(t)), base)
        m.counter("http_server_requests", help_, {"service": svc, "status": "404"}, lambda t, i: rps(t) * 0.01, 4_100_220)
        m.counter("http_server_requests", help_, {"service": svc, "status": "500"}, lambda t, i: rps(t) * fail(t) + 0.003, 12_990)
    m.counter("http_server_requests", help_, {"service": "inventory", "status": "200"}, lambda t, i: rps(t) * 1.1, 801_992_004)
    m.gauge("http_server_request_duration_p99_seconds", "p99 latency by service", {"service": "pricing-api"},
            lambda t, i: (0.43 + 0.05 * rng.random()) if t < live else (0.232 + 0.01 * rng.random()))
    m.gauge("http_server_request_duration_p99_seconds", "p99 latency by service", {"service": "inventory"},
            lambda t, i: 0.39 + 0.06 * rng.random())
    m.gauge("http_client_request_duration_p99_seconds", "p99 latency of outbound calls from pricing-api", {"service": "pricing-api", "target": "inventory"},
            lambda t, i: (0.40 + 0.05 * rng.random()) if t < live else 0.2 + 0.002 * rng.random())
    m.counter("http_client_requests", "Outbound calls from pricing-api by outcome", {"service": "pricing-api", "target": "inventory", "outcome": "SUCCESS"},
              lambda t, i: rps(t) * (1 - fail(t)), 498_112_004)
    m.counter("http_client_requests", "Outbound calls from pricing-api by outcome", {"service": "pricing-api", "target": "inventory", "outcome": "TIMEOUT"},
              lambda t, i: rps(t) * fail(t), 2_210)
    m.gauge("tomcat_threads_busy", "Busy Tomcat worker threads (sum over pods)", {"service": "pricing-api"},
            lambda t, i: 24 + rng.randint(-4, 4) - (8 if t >= live else 0), 0)
    m.gauge("hikaricp_connections_active", "Active JDBC connections (sum over pods)", {"service": "pricing-api", "pool": "HikariPool-1"},
            lambda t, i: 9 + rng.randint(-3, 3), 0)
    m.gauge("jvm_memory_used_bytes", "Heap used (sum over pods)", {"service": "pricing-api", "area": "heap"},
            lambda t, i: 3 * (620e6 + 180e6 * ((i % 40) / 40)), 0)
    m.gauge("jvm_gc_pause_p99_seconds", "GC pause p99", {"service": "inventory"}, lambda t, i: 0.21 + 0.15 * rng.random())
    m.write(os.path.join(out, "metrics.om"))

    cfg_sha = r.sha_of_tag("v4.8.1")
    write_json(os.path.join(out, "deploys.json"), [
        {"service": "pricing-api", "version": "4.7.0", "commit": r.sha_of_tag("v4.7.0"), "at": "2025-04-23T08:30:00Z"},
        {"service": "inventory", "version": "2.19.3", "commit": "c41d7e2a9f08b5163e7d2c4a1f9b06e58d3a7c21", "at": "2025-06-03T16:12:00Z"},
        {"service": "pricing-api", "version": "4.8.0", "commit": r.sha_of_tag("v4.8.0"), "at": "2025-05-21T09:10:00Z"},
        {"service": "pricing-api", "version": "4.8.1", "commit": cfg_sha, "at": iso(CHANGE), "kind": "config", "status": "succeeded"},
    ])
    write_json(os.path.join(out, "truth.json"), {
        "severity": "P2",
        "service": "pricing-api",
        "category": "config-change",
        "root_cause": "The 4.8.1 config-only release cut inventory.client.read-timeout in application-prod.yml from 2000ms to 200ms, below inventory's normal p99 (~400ms), so about one in six price quotes now fails with SocketTimeoutException (Read timed out) and returns 500.",
        "evidence": [
            "ResourceAccessException: I/O error on GET request for \"http://inventory.prod.svc.cluster.local:8080/v1/stock/<sku>\": Read timed out",
            "java.net.SocketTimeoutException: Read timed out",
            "http_client_requests_total{outcome=\"TIMEOUT\"}",
            "http_server_request_duration_p99_seconds{service=\"inventory\"} unchanged",
            "http_client_request_duration_p99_seconds flat at 0.2",
        ],
        "suspect_commit": cfg_sha,
        "suspect_file": "src/main/resources/application-prod.yml",
        "suspect_line": l_cfg,
        "remediation": [
            {"action": "Compare inventory's own p99 with the client timeout and confirm timeouts began when 4.8.1 pods started", "tier": "READ"},
            {"action": "Restore inventory.client.read-timeout to 2000ms (roll pricing-api back to 4.8.0 config)", "tier": "REVERSIBLE"},
            {"action": "Re-introduce the tighter timeout only above inventory's p99.9, behind a staged rollout", "tier": "REVERSIBLE"},
        ],
        "red_herrings": [
            "HikariPool thread starvation / clock leap warnings (present all hour)",
            "inventory GC pause warnings and the inventory 2.19.3 deploy the day before",
            "MissingServletRequestParameterException warnings for requests without a store",
            "inventory 'client closed request' warnings (a symptom of the client timeout, not a cause)",
        ],
    })
    summary = "pricing-api 5xx ratio is 16.8% (threshold 5%)"
    labels = {"alertname": "PricingApiErrorRatio", "grafana_folder": "Storefront", "service": "pricing-api", "severity": "critical", "team": "pricing"}
    vs = "[ var='A' labels={service=pricing-api} value=0.168 ], [ var='B' labels={service=pricing-api} value=1 ]"
    silence = "https://grafana.harbor.example/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DPricingApiErrorRatio&matcher=grafana_folder%3DStorefront&matcher=service%3Dpricing-api&matcher=severity%3Dcritical&matcher=team%3Dpricing"
    write_json(os.path.join(out, "alert.json"), {
        "receiver": "IncidentHub webhook",
        "status": "firing",
        "orgId": 1,
        "alerts": [{
            "status": "firing",
            "labels": labels,
            "annotations": {"summary": summary, "description": "Share of pricing-api requests answered with 5xx over the last 5 minutes.",
                            "runbook_url": "https://wiki.harbor.example/pricing-api/runbook"},
            "startsAt": iso(START),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.harbor.example/alerting/grafana/c3pr1ce5x/view?orgId=1",
            "fingerprint": "5e0c3b7a91d24f68",
            "silenceURL": silence,
            "dashboardURL": "https://grafana.harbor.example/d/pricing-api?orgId=1",
            "panelURL": "https://grafana.harbor.example/d/pricing-api?orgId=1&viewPanel=2",
            "values": {"A": 0.168, "B": 1},
            "valueString": vs,
        }],
        "groupLabels": {"alertname": "PricingApiErrorRatio", "grafana_folder": "Storefront"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary, "description": "Share of pricing-api requests answered with 5xx over the last 5 minutes.",
                              "runbook_url": "https://wiki.harbor.example/pricing-api/runbook"},
        "externalURL": "https://grafana.harbor.example/",
        "version": "1",
        "groupKey": "{}/{__grafana_autogenerated__=\"true\"}/{__grafana_receiver__=\"IncidentHub webhook\"}:{alertname=\"PricingApiErrorRatio\", grafana_folder=\"Storefront\"}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] PricingApiErrorRatio Storefront (pricing-api critical pricing)",
        "state": "alerting",
        "message": f"**Firing**\n\nValue: {vs}\nLabels:\n - alertname = PricingApiErrorRatio\n - grafana_folder = Storefront\n - service = pricing-api\n - severity = critical\n - team = pricing\nAnnotations:\n - summary = {summary}\nSource: https://grafana.harbor.example/alerting/grafana/c3pr1ce5x/view?orgId=1\nSilence: {silence}\n",
    })
    write_catalog(out, "pricing-api", TEST_COMMAND)
    write_text(os.path.join(out, "scenario.yaml"), scenario_yaml({
        "id": SLUG,
        "title": "pricing-api: price quotes fail with Read timed out after a prod timeout change",
        "started_at": iso(START),
        "source": "grafana",
        "services": ["pricing-api", "inventory"],
        "primary_service": "pricing-api",
        "language": "Java",
        "inspired_by": "Cloudflare 2019-07-02 outage (a configuration change pushed everywhere at once without a staged rollout) and the common post-mortem pattern of a client timeout set below the dependency's normal tail latency; Harbor is invented",
        "narrative": "Grafana fires PricingApiErrorRatio: about one storefront price request in six returns 500 since shortly before 09:30 UTC. "
                     "Shoppers see 'price unavailable' on product pages and some baskets fail to quote. pricing-api 4.8.1 went out at 09:24; "
                     "inventory was released yesterday afternoon and its dashboards look normal.",
        "window": {"from": iso(W0), "to": iso(W1)},
        "repo": {"script": "repo/make_repo.sh", "name": "pricing-api", "path_in_stack_traces": "",
                 "commits": len(r.commits), "head": head},
        "files": {"alert": "alert.json", "logs": ["logs/pricing-api.log", "logs/inventory.log"], "metrics": "metrics.om",
                  "deploys": "deploys.json", "truth": "truth.json"},
    }))
    return {"slug": SLUG, "lines": {"pricing-api": n, "inventory": inn}, "head": head}


if __name__ == "__main__":
    print(generate())
