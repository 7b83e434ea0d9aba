#!/usr/bin/env bash
# Builds the pricing-api repository for bundle 102-inventory-timeout-config.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./pricing-api)
set -euo pipefail
DEST="${1:-./pricing-api}"
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
# pricing-api

Quotes shelf and basket prices for the storefront. Reads price lists from PostgreSQL and
asks inventory for stock (low-stock items are not discounted).

`./mvnw spring-boot:run -Dspring-boot.run.profiles=local`

Configuration per environment lives in `src/main/resources/application-<profile>.yml` and ships
with the release; releases are tagged `vX.Y.Z`.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
target/
.idea/
*.iml
IHUB_BUNDLE_EOF
cat > pom.xml <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p src/main/java/com/harbor/pricing
cat > src/main/java/com/harbor/pricing/PricingApplication.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class PricingApplication {
    public static void main(String[] args) {
        SpringApplication.run(PricingApplication.class, args);
    }
}
IHUB_BUNDLE_EOF
mkdir -p src/main/resources
cat > src/main/resources/application.yml <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Initial Spring Boot project' 'Sofia Lindqvist' sofia.lindqvist@harbor.example 2025-03-10T09:00:00+0000

mkdir -p src/main/java/com/harbor/pricing/prices
cat > src/main/java/com/harbor/pricing/prices/PriceListRepository.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.prices;

import java.math.BigDecimal;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class PriceListRepository {
    private final JdbcClient jdbc;

    public PriceListRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<BigDecimal> listPrice(String sku, String store) {
        return jdbc.sql("SELECT price FROM list_prices WHERE sku = :sku AND store = :store")
                .param("sku", sku)
                .param("store", store)
                .query(BigDecimal.class)
                .optional();
    }
}
IHUB_BUNDLE_EOF
commit 'Price lists repository' 'Jonas Weber' jonas.weber@harbor.example 2025-03-12T14:20:00+0000

mkdir -p src/main/java/com/harbor/pricing/client
cat > src/main/java/com/harbor/pricing/client/InventoryProperties.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.client;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

@ConfigurationProperties(prefix = "inventory.client")
public record InventoryProperties(String baseUrl, Duration connectTimeout, Duration readTimeout) {
}
IHUB_BUNDLE_EOF
mkdir -p src/main/java/com/harbor/pricing/client
cat > src/main/java/com/harbor/pricing/client/ClientConfig.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.client;

import org.springframework.boot.web.client.ClientHttpRequestFactories;
import org.springframework.boot.web.client.ClientHttpRequestFactorySettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

@Configuration
public class ClientConfig {

    @Bean
    RestClient inventoryRestClient(RestClient.Builder builder, InventoryProperties props) {
        var settings = ClientHttpRequestFactorySettings.DEFAULTS
                .withConnectTimeout(props.connectTimeout())
                .withReadTimeout(props.readTimeout());
        return builder
                .baseUrl(props.baseUrl())
                .requestFactory(ClientHttpRequestFactories.get(settings))
                .build();
    }
}
IHUB_BUNDLE_EOF
mkdir -p src/main/java/com/harbor/pricing/client
cat > src/main/java/com/harbor/pricing/client/InventoryClient.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.client;

import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

@Component
public class InventoryClient {

    public record Stock(String sku, String store, int onHand) {
    }

    private final RestClient inventoryRestClient;

    public InventoryClient(RestClient inventoryRestClient) {
        this.inventoryRestClient = inventoryRestClient;
    }

    public Stock stockFor(String sku, String store) {
        return inventoryRestClient.get()
                .uri("/v1/stock/{sku}?store={store}", sku, store)
                .retrieve()
                .body(Stock.class);
    }
}
IHUB_BUNDLE_EOF
mkdir -p src/main/resources
cat > src/main/resources/application.yml <<'IHUB_BUNDLE_EOF'
spring:
  application:
    name: pricing-api
  datasource:
    url: jdbc:postgresql://localhost:5432/pricing
    hikari:
      maximum-pool-size: 10
inventory:
  client:
    base-url: http://localhost:8081
    connect-timeout: 500ms
    read-timeout: 2s
server:
  port: 8080
management:
  endpoints:
    web:
      exposure:
        include: health,prometheus
IHUB_BUNDLE_EOF
commit 'Inventory client with configurable timeouts' 'Jonas Weber' jonas.weber@harbor.example 2025-03-14T10:05:00+0000

mkdir -p src/main/java/com/harbor/pricing/service
cat > src/main/java/com/harbor/pricing/service/PriceService.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.service;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.springframework.stereotype.Service;

import com.harbor.pricing.client.InventoryClient;
import com.harbor.pricing.prices.PriceListRepository;

@Service
public class PriceService {

    public record Quote(String sku, String store, BigDecimal price, boolean discounted) {
    }

    private final PriceListRepository prices;
    private final InventoryClient inventory;

    public PriceService(PriceListRepository prices, InventoryClient inventory) {
        this.prices = prices;
        this.inventory = inventory;
    }

    public Quote quote(String sku, String store) {
        var list = prices.listPrice(sku, store)
                .orElseThrow(() -> new UnknownSkuException(sku));
        var stock = inventory.stockFor(sku, store);
        if (stock.onHand() > 200) {
            return new Quote(sku, store, list.multiply(new BigDecimal("0.90")).setScale(2, RoundingMode.HALF_UP), true);
        }
        return new Quote(sku, store, list, false);
    }
}
IHUB_BUNDLE_EOF
mkdir -p src/main/java/com/harbor/pricing/service
cat > src/main/java/com/harbor/pricing/service/UnknownSkuException.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.service;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

@ResponseStatus(HttpStatus.NOT_FOUND)
public class UnknownSkuException extends RuntimeException {
    public UnknownSkuException(String sku) {
        super("unknown sku " + sku);
    }
}
IHUB_BUNDLE_EOF
mkdir -p src/main/java/com/harbor/pricing/web
cat > src/main/java/com/harbor/pricing/web/PriceController.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.web;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.harbor.pricing.service.PriceService;

@RestController
public class PriceController {

    private final PriceService service;

    public PriceController(PriceService service) {
        this.service = service;
    }

    @GetMapping("/v1/prices/{sku}")
    public PriceService.Quote quote(@PathVariable String sku, @RequestParam String store) {
        return service.quote(sku, store);
    }
}
IHUB_BUNDLE_EOF
commit 'Quote endpoint' 'Aisha Bello' aisha.bello@harbor.example 2025-03-17T16:40:00+0000
git tag v4.5.0

mkdir -p src/main/resources
cat > src/main/resources/application-prod.yml <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM eclipse-temurin:21-jre
COPY target/pricing-api.jar /app/pricing-api.jar
ENV SPRING_PROFILES_ACTIVE=prod
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/pricing-api.jar"]
IHUB_BUNDLE_EOF
commit 'Production profile' 'Hiro Tanaka' hiro.tanaka@harbor.example 2025-03-20T11:00:00+0000

mkdir -p src/main/java/com/harbor/pricing/web
cat > src/main/java/com/harbor/pricing/web/AccessLogFilter.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.web;

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
public class AccessLogFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(AccessLogFilter.class);

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            long ms = (System.nanoTime() - start) / 1_000_000;
            log.info("{} {} -> {} ({} ms)", request.getMethod(), request.getRequestURI(), response.getStatus(), ms);
        }
    }
}
IHUB_BUNDLE_EOF
commit 'Access log filter' 'Sofia Lindqvist' sofia.lindqvist@harbor.example 2025-03-26T13:30:00+0000
git tag v4.6.0

mkdir -p src/test/java/com/harbor/pricing/service
cat > src/test/java/com/harbor/pricing/service/PriceServiceTest.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.math.BigDecimal;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.harbor.pricing.client.InventoryClient;
import com.harbor.pricing.prices.PriceListRepository;

class PriceServiceTest {
    private final PriceListRepository prices = mock(PriceListRepository.class);
    private final InventoryClient inventory = mock(InventoryClient.class);

    @Test
    void discountsOverstockedItems() {
        when(prices.listPrice("A1", "s1")).thenReturn(Optional.of(new BigDecimal("10.00")));
        when(inventory.stockFor("A1", "s1")).thenReturn(new InventoryClient.Stock("A1", "s1", 500));
        assertThat(new PriceService(prices, inventory).quote("A1", "s1").price()).isEqualByComparingTo("9.00");
    }
}
IHUB_BUNDLE_EOF
commit 'Test quote discount rule' 'Aisha Bello' aisha.bello@harbor.example 2025-04-02T10:10:00+0000

mkdir -p src/test/java/com/harbor/pricing/config
cat > src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
cat > README.md <<'IHUB_BUNDLE_EOF'
# pricing-api

Quotes shelf and basket prices for the storefront. Reads price lists from PostgreSQL and
asks inventory for stock (low-stock items are not discounted).

`./mvnw spring-boot:run -Dspring-boot.run.profiles=local`

Configuration per environment lives in `src/main/resources/application-<profile>.yml` and ships
with the release; releases are tagged `vX.Y.Z`.

## Tests

`./mvnw test` runs the unit tests. Config-only releases (changes under
`src/main/resources/` only) skip the Maven build in CI, so the production profile has a contract test
that needs nothing but a JDK:

    java src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java

It prints one `[OK]`/`[X]` line per check and exits non-zero when one fails. Run it before tagging a config release.
IHUB_BUNDLE_EOF
commit 'Prod config contract test, runnable without Maven (config-only releases skip the build)' 'Hiro Tanaka' hiro.tanaka@harbor.example 2025-04-03T15:20:00+0000

mkdir -p src/main/resources
cat > src/main/resources/application-prod.yml <<'IHUB_BUNDLE_EOF'
spring:
  datasource:
    url: jdbc:postgresql://pricing-db.prod.harbor.internal:5432/pricing
    hikari:
      maximum-pool-size: 30
      leak-detection-threshold: 20000
inventory:
  client:
    base-url: http://inventory.prod.svc.cluster.local:8080
    connect-timeout: 300ms
    read-timeout: 2000ms
logging:
  level:
    root: INFO
IHUB_BUNDLE_EOF
commit 'Raise Hikari pool to 30 for basket quotes' 'Hiro Tanaka' hiro.tanaka@harbor.example 2025-04-22T09:45:00+0000
git tag v4.7.0

cat > pom.xml <<'IHUB_BUNDLE_EOF'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.5</version>
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
IHUB_BUNDLE_EOF
commit 'Bump Spring Boot to 3.3.5' 'Jonas Weber' jonas.weber@harbor.example 2025-05-14T15:05:00+0000

mkdir -p src/main/java/com/harbor/pricing/web
cat > src/main/java/com/harbor/pricing/web/PriceController.java <<'IHUB_BUNDLE_EOF'
package com.harbor.pricing.web;

import org.springframework.web.bind.annotation.GetMapping;
import java.util.List;

import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.harbor.pricing.service.PriceService;

@RestController
public class PriceController {

    private final PriceService service;

    public PriceController(PriceService service) {
        this.service = service;
    }

    @GetMapping("/v1/prices/{sku}")
    public PriceService.Quote quote(@PathVariable String sku, @RequestParam String store) {
        return service.quote(sku, store);
    }

    @PostMapping("/v1/baskets/quote")
    public List<PriceService.Quote> basket(@RequestBody List<String> skus, @RequestParam String store) {
        return skus.stream().map(sku -> service.quote(sku, store)).toList();
    }
}
IHUB_BUNDLE_EOF
commit 'Basket quote endpoint' 'Aisha Bello' aisha.bello@harbor.example 2025-05-20T12:25:00+0000
git tag v4.8.0

mkdir -p src/main/resources
cat > src/main/resources/application-prod.yml <<'IHUB_BUNDLE_EOF'
spring:
  datasource:
    url: jdbc:postgresql://pricing-db.prod.harbor.internal:5432/pricing
    hikari:
      maximum-pool-size: 30
      leak-detection-threshold: 20000
inventory:
  client:
    base-url: http://inventory.prod.svc.cluster.local:8080
    connect-timeout: 100ms
    read-timeout: 200ms
logging:
  level:
    root: INFO
IHUB_BUNDLE_EOF
commit 'Tighten inventory client timeouts in prod (SRE-412: fail fast instead of piling up threads)' 'Hiro Tanaka' hiro.tanaka@harbor.example 2025-06-04T09:05:00+0000
git tag v4.8.1

