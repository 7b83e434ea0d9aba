using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>The words and name patterns the features recognise, in one place.</summary>
internal static partial class Vocabulary
{
    [GeneratedRegex(@"_max(?:imum)?_|_limit_", RegexOptions.IgnoreCase)]
    internal static partial Regex MaxNameRegex();

    [GeneratedRegex(@"_(?:last|current|used|value|count|total)(?=_|$)", RegexOptions.IgnoreCase)]
    internal static partial Regex StemRegex();

    [GeneratedRegex(@"sequence|_seq|serial|autoincrement|auto_increment|identity", RegexOptions.IgnoreCase)]
    internal static partial Regex SequenceNameRegex();

    [GeneratedRegex(@"IndexError|KeyError|AttributeError|TypeError|NameError|UnboundLocalError|ZeroDivisionError|AssertionError|NullPointerException|NullReferenceException|ClassCastException|IndexOutOfRange|ArrayIndexOutOfBounds|StringIndexOutOfBounds|ArgumentOutOfRange|ArgumentNullException|InvalidCastException|IllegalArgumentException|IllegalStateException|UnsupportedOperationException|NoSuchMethodError|NoSuchFieldError|ReferenceError|is not a function|Cannot read propert|undefined is not|nil pointer dereference|index out of range|invalid memory address|ConcurrentModificationException|NumberFormatException|FormatException|KeyNotFoundException|MissingMethodException")]
    internal static partial Regex CodeBugRegex();

    [GeneratedRegex(@"x509|certificate (?:has )?expired|certificate (?:verify|verification) failed|CERTIFICATE_VERIFY_FAILED|CERT_HAS_EXPIRED|certificate is not yet valid|bad certificate|certificate unknown|SSLHandshakeException|PKIX path|unable to verify the first certificate|self[- ]signed certificate|TLS handshake (?:error|fail)|handshake_failure|SSL routines|AuthenticationException: The remote certificate|RemoteCertificateValidation|certificate (?:chain|revoked)|NotAfter|expired certificate|ALERT_CERTIFICATE_EXPIRED|CERTIFICATE_EXPIRED|alert certificate expired|certificate required|CERTIFICATE_REQUIRED", RegexOptions.IgnoreCase)]
    internal static partial Regex CertificateErrorRegex();

    /// <summary>
    /// The peer refused OUR certificate (a TLS alert it sent back: "remote error: tls: expired certificate",
    /// SSLV3_ALERT_CERTIFICATE_EXPIRED, "certificate required"): the expired or missing certificate is the caller's own
    /// client certificate, so the fault stays with the alerted service, not the host it called.
    /// </summary>
    [GeneratedRegex(@"remote error: tls|tlsv1 alert|sslv3 alert|SSLV3_ALERT|TLSV1_ALERT|alert (?:bad|expired|unknown) certificate|certificate required|CERTIFICATE_REQUIRED|peer (?:rejected|did not accept) (?:our|the client) certificate|client certificate", RegexOptions.IgnoreCase)]
    internal static partial Regex PeerRejectedCertificateRegex();

    /// <summary>
    /// A server's own log of a handshake a client broke off ("http: TLS handshake error from ...: remote error: tls: bad
    /// certificate", nginx "SSL_do_handshake() failed"): the remote that refused is the client, so the certificate at fault is
    /// the server's, not the alerted caller's client certificate.
    /// </summary>
    [GeneratedRegex(@"TLS handshake error|SSL_do_handshake\(\) failed|while SSL handshaking|handshake (?:error|failed) from", RegexOptions.IgnoreCase)]
    internal static partial Regex ServerSideHandshakeRegex();

    [GeneratedRegex(@"ssl|tls|cert", RegexOptions.IgnoreCase)]
    internal static partial Regex CertificateSeriesRegex();

    [GeneratedRegex(@"reached maximum value of sequence|value out of range|integer out of range|out of range for type|numeric field overflow|arithmetic overflow|integer overflow|OverflowException|Data truncat|Out of range value|violates (?:unique|foreign key|not-null|check) constraint|duplicate key value|IntegrityError|UniqueViolation|ForeignKeyViolation|DataIntegrityViolation|ConstraintViolation|column ""?[\w.]+""? (?:of relation ""?\w+""? )?does not exist|relation ""?[\w.]+""? does not exist|Unknown column|no such column|no such table|undefined column|UndefinedColumn|UndefinedTable|invalid input syntax for|migration (?:failed|error|pending)|pending migrations?|schema mismatch|SqlState: (?:22|23|42P01|42703)|\b(?:22003|2200H|23505|23503|23502|42P01|42703)\b|JsonMappingException|UnrecognizedPropertyException|DeserializationException|could not deserialize|cannot deserialize|(?:could not|cannot|failed to|unable to) (?:be )?(?:deserializ|decod|unmarshal|convert the JSON|parse (?:the )?(?:message|record|payload|event|json|avro|protobuf))|MismatchedInputException|InvalidFormatException|JsonParseException|DecodingFailure|(?:Json|Serialization|Decode|Decoding|Unmarshal|Avro|Protobuf|InvalidProtocolBuffer)(?:Error|Exception)\b|JSON value could not be converted|malformed (?:row|record|data)|ValidationError.*(?:field required|value is not a valid)|Unknown magic byte|schema (?:not found|version|id \d+|registry|incompatib|mismatch|evolution)|Subject not found|(?:Avro|Schema|Serialization)\w*(?:Error|Exception)\b|\b\w*Parse(?:r)?(?:Error|Exception)\b.*(?:JSON|json|record|message|payload|token)|JSON::ParserError|JsonReaderException|deseriali[sz]ation (?:error|failed|failure)|(?:error|failed|failure) (?:while )?deseriali[sz]ing|incompatible schema|cannot parse invalid wire-format|missing required field|required field \S+ (?:is )?missing|unknown field|unrecognized field|Invalid(?:Row|Record|Data|Input|Payload|Message|Line)(?:Exception|Error)\b|(?:row|record|line|column|field) \S+:? (?:\S+ )?(?:expected (?:a |an )?(?:decimal|number|integer|date|timestamp|string|boolean))|\S+ is not a (?:valid )?(?:date|timestamp|number|decimal|integer)\b|value too long for type|Data too long|Incorrect (?:integer|decimal|datetime|date|string) value|invalid byte sequence for encoding|is of type \w+ but expression is of type|ConstraintError|ConstraintViolation|invalid input value for enum", RegexOptions.IgnoreCase)]
    internal static partial Regex DataErrorRegex();

    [GeneratedRegex(@"(?:^|/)(?:migrations?|db/migrate|alembic|flyway|liquibase|schema)/|\.sql$|(?:^|/)[^/]*migrat[^/]*$|(?:^|/)V\d+__[^/]+$", RegexOptions.IgnoreCase)]
    internal static partial Regex MigrationFileRegex();

    [GeneratedRegex(@"OutOfMemory|OOMKilled|\bOOM\b|out of memory|Cannot allocate memory|MemoryError|Java heap space|GC overhead limit|too many (?:connections|clients|open files)|remaining connection slots|connection pool (?:exhausted|is full|timeout)|pool (?:exhausted|timeout)|Timeout waiting for (?:a )?connection|unable to acquire (?:a )?connection|could not obtain connection|max(?:imum)? pool size|no space left on device|disk (?:is )?full|ENOSPC|EMFILE|RejectedExecutionException|queue (?:is )?full|thread pool (?:exhausted|starvation)|resource exhausted|RESOURCE_EXHAUSTED|memory limit|evicted|maxmemory", RegexOptions.IgnoreCase)]
    internal static partial Regex CapacityErrorRegex();

    [GeneratedRegex(@"(?:(?:responded|returned|received|got|answered|replied)(?: with)?\s*[:=]?\s*(?:HTTP\s*)?(?:status\s*(?:code\s*)?)?|status[ _]?code\s*[:=]?\s*)(?:429|50[0-4])\b|\bSlowDown\b|\bServiceUnavailable(?:Exception)?\b|\b(?:429|502|503|504)\b\s*(?:Too Many Requests|Bad Gateway|Service Unavailable|Gateway Time-?out)|Too Many Requests|rate[- ]limit(?:ed)?|quota exceeded|upstream (?:error|timed? ?out|connect|request|returned|unavailable)|circuit (?:breaker )?(?:is )?open|CircuitBreakerOpen|BrokenCircuit|deadline exceeded|DEADLINE_EXCEEDED|UNAVAILABLE:|(?:timed out|timeout) (?:calling|contacting|waiting for|after \d+\s*m?s (?:calling|to))|dependency \S+ (?:unhealthy|down|failed)", RegexOptions.IgnoreCase)]
    internal static partial Regex DependencyErrorRegex();

    [GeneratedRegex(@"(?:upstream|client|outbound|external|vendor|dependency|downstream)", RegexOptions.IgnoreCase)]
    internal static partial Regex UpstreamSeriesRegex();

    [GeneratedRegex(@"\b(?:[a-z0-9-]+\.)+(?:com|net|io|org|svc|internal|local|cloud|dev|example)\b|\b(?:[a-z0-9-]+-(?:api|service|gateway|svc))\b", RegexOptions.IgnoreCase)]
    internal static partial Regex HostRegex();

    [GeneratedRegex(@"NXDOMAIN|no such host|Name or service not known|Temporary failure in name resolution|getaddrinfo|ENOTFOUND|EAI_AGAIN|UnknownHostException|could not resolve|Could not resolve host|name resolution|SERVFAIL|DNS (?:lookup|resolution) (?:failed|error)|connection refused|ECONNREFUSED|Connection reset|ECONNRESET|reset by peer|no route to host|EHOSTUNREACH|network is unreachable|ENETUNREACH|broken pipe|EPIPE|i/o timeout|dial tcp[^:]*: (?:lookup|connect)|SocketException|NoRouteToHostException|ConnectException|unable to connect|UnableToConnect|Resource temporarily unavailable \([\w.-]+:\d+\)|could not connect|connect(?:ion)? timed? ?out|ConnectTimeout", RegexOptions.IgnoreCase)]
    internal static partial Regex NetworkErrorRegex();

    [GeneratedRegex(@"\bconfig(?:uration)?\b.*\b(?:invalid|missing|error|not found|failed|unknown|malformed)|\b(?:invalid|missing|unknown|malformed|bad)\b.*\bconfig(?:uration)?\b|environment variable|env var|ConfigurationException|InvalidConfiguration|OptionsValidationException|BeanCreationException|Could not resolve placeholder|(?-i:KeyError: '[A-Z][A-Z0-9_]+')|feature flag|setting \S+ (?:is )?(?:missing|invalid|not set)|required (?:setting|property|key) \S+", RegexOptions.IgnoreCase)]
    internal static partial Regex ConfigErrorRegex();

    [GeneratedRegex(@"RejectedExecution|timed out|timeout|queue (?:is )?full|too many requests|\b503\b|overload|thread pool|busy threads|shed|backpressure", RegexOptions.IgnoreCase)]
    internal static partial Regex OverloadErrorRegex();

    /// <summary>Where a call went: a URL's host, or host:port, or a cluster DNS name (x.ns.svc).</summary>
    [GeneratedRegex(@"(?:\b[a-z][a-z0-9+.-]*://(?<host>[A-Za-z0-9][A-Za-z0-9.-]*))|(?:\b(?<host>[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*):\d{2,5}\b)|(?:\b(?<host>[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z0-9-]+\.svc(?:\.cluster\.local)?)\b)")]
    internal static partial Regex CallTargetRegex();

    [GeneratedRegex(@"config|(?:^|[^a-z])env(?:ironment)?(?:$|[^a-z])|secret|flag|setting|parameter|variable|feature", RegexOptions.IgnoreCase)]
    internal static partial Regex ConfigKindRegex();

    [GeneratedRegex(@"scheduled|cron|batch|job|task|maintenance|planned", RegexOptions.IgnoreCase)]
    internal static partial Regex ScheduledKindRegex();

    [GeneratedRegex(@"^probe_success\b|^probe_http_status|^up\{", RegexOptions.IgnoreCase)]
    internal static partial Regex ProbeSeriesRegex();

    [GeneratedRegex(@"NXDOMAIN|SERVFAIL|dns.*(?:fail|error)", RegexOptions.IgnoreCase)]
    internal static partial Regex DnsFailureSeriesRegex();

    [GeneratedRegex(@"flap", RegexOptions.IgnoreCase)]
    internal static partial Regex FlappingRegex();

    /// <summary>
    /// "A limit was reached", whatever the resource: limit/capacity/quota language, exhausted, full, no space,
    /// out of memory, too many, rejected, evicted. Rate limits of a called service are the dependency's words, not these.
    /// </summary>
    [GeneratedRegex(@"\blimits? (?:reached|exceeded|hit)|\b(?:reached|exceeded|hit|over|above) (?:the |its |their |a )?(?:max(?:imum)? |configured |hard |soft )?(?:[\w-]+ )?(?:limit|capacity|maximum)\b|\bexhaust(?:ed|ion)\b|\bfull\b|no space|out of (?:memory|space|disk|slots|capacity|handles|file descriptors)|maxmemory|\bOOM|too many|\breject(?:ed|ing)?\b|Rejected|\bcapacity\b|insufficient (?:memory|resources|storage|capacity|space)|\bevict(?:ed|ing|ion)\b|\boverflow(?:ed|ing)?\b|backlog|saturated|\bwatermark\b[^\n]*\bexceeded|\b(?:memory|disk|resource)\b[\w ]{0,20}\balarm\b|\bmarked read-only|read-only-allow-delete", RegexOptions.IgnoreCase)]
    internal static partial Regex LimitLanguageRegex();

    /// <summary>Waiting on a database lock: lock timeouts, deadlocks, a statement timeout while altering a table.</summary>
    [GeneratedRegex(@"lock(?:_| )wait timeout|lock(?:_| )?timeout|deadlock|waiting for (?:a |an |the )?(?:[\w-]+ )?lock|could not obtain lock|LockNotAvailable|lock not available|LockAcquisition|metadata lock|(?:table|relation) \S+ is locked|canceling statement due to lock timeout|\b55P03\b|\b40P01\b|statement timeout[^\n]*(?:ALTER|migrat|lock)|(?:ALTER TABLE|migrat)[^\n]*(?:statement timeout|timed out|lock)", RegexOptions.IgnoreCase)]
    internal static partial Regex LockWaitRegex();

    /// <summary>A query cut off by its time limit: what every query on a table locked by a migration runs into.</summary>
    [GeneratedRegex(@"canceling statement due to statement timeout|statement timeout|QueryCanceled|query_canceled|\b57014\b|Lock wait|query timed? ?out", RegexOptions.IgnoreCase)]
    internal static partial Regex StatementTimeoutRegex();

    /// <summary>Name resolution failing: the DNS service, not the caller or the callee, is at fault.</summary>
    [GeneratedRegex(@"NXDOMAIN|SERVFAIL|no such host|Name or service not known|Temporary failure in name resolution|getaddrinfo|ENOTFOUND|EAI_AGAIN|UnknownHostException|could not resolve|name resolution|DNS (?:lookup|resolution|query)|lookup \S+ on \S+:53|Resource temporarily unavailable \([\w.-]+:\d+\)", RegexOptions.IgnoreCase)]
    internal static partial Regex NameResolutionRegex();

    /// <summary>
    /// The resolver itself failing to answer (server failure, refusal, timeouts, "try again"), as opposed to an answer that
    /// the name does not exist (NXDOMAIN): a missing record is the caller's or the record owner's problem, not the DNS service's.
    /// </summary>
    [GeneratedRegex(@"SERVFAIL|REFUSED|Temporary failure in name resolution|EAI_AGAIN|server misbehaving|no servers could be reached|lookup \S+ on \S+:53: (?:read udp|dial udp|i/o timeout)|:53: i/o timeout|->\S+:53: i/o timeout|DNS (?:lookup|resolution|query) (?:timed out|timeout)|Resource temporarily unavailable \([\w.-]+:\d+\)", RegexOptions.IgnoreCase)]
    internal static partial Regex ResolverFailureRegex();

    /// <summary>Catalog names of DNS infrastructure.</summary>
    [GeneratedRegex(@"(?:^|[-_.])(?:dns|coredns|kube-dns|resolver|resolvers|unbound|bind|named|dnsmasq)(?:$|[-_.])", RegexOptions.IgnoreCase)]
    internal static partial Regex DnsServiceNameRegex();

    /// <summary>Name parts of series that count demand: requests, hits, sessions, connections, messages.</summary>
    [GeneratedRegex(@"^(?:requests?|hits|sessions|connections|calls|messages|visits|pageviews|rps|qps)$", RegexOptions.IgnoreCase)]
    internal static partial Regex DemandTokenRegex();

    /// <summary>Name parts of series that count work that failed: failed/rejected/dead-lettered jobs, retries, consumer lag, timeouts, crashes.</summary>
    [GeneratedRegex(@"^(?:fail|failed|failure|failures|failing|error|errors|errored|err|reject|rejected|rejections|dead|deadletter|deadlettered|dlq|lag|retry|retries|retried|timeout|timeouts|aborted|abort|crash|crashes|crashloop|restart|restarts|unhealthy|panic|panics|exception|exceptions|dropped|drops|poison|nack|nacked)$", RegexOptions.IgnoreCase)]
    internal static partial Regex FailedWorkTokenRegex();

    /// <summary>Name parts of series that fall when things break: probe/job success, up, healthy.</summary>
    [GeneratedRegex(@"^(?:success|succeeded|successful|up|healthy|ok)$", RegexOptions.IgnoreCase)]
    internal static partial Regex SuccessTokenRegex();

    /// <summary>Index use of a database (scans through an index): falling while full scans rise means a query lost its index.</summary>
    [GeneratedRegex(@"idx_?scan|index_?scan|index_?(?:reads|lookups|hits)|handler_read_key", RegexOptions.IgnoreCase)]
    internal static partial Regex IndexScanSeriesRegex();

    /// <summary>Full scans of a database (sequential scans, rows read without an index).</summary>
    [GeneratedRegex(@"seq_?scan|full_?(?:table_?)?scans?|rows_?examined|handler_read_rnd|select_?scan|no_?index", RegexOptions.IgnoreCase)]
    internal static partial Regex FullScanSeriesRegex();

    /// <summary>A read replica falling behind its primary: replication/replica/standby lag, seconds behind master.</summary>
    [GeneratedRegex(@"(?:replica|replication|slave|standby|follower|secondary)[\w.]*(?:lag|behind|delay)|(?:lag|behind|delay)[\w.]*(?:replica|replication|slave|standby|follower)", RegexOptions.IgnoreCase)]
    internal static partial Regex ReplicationLagSeriesRegex();

    /// <summary>Name parts of series that count retries.</summary>
    [GeneratedRegex(@"^(?:retry|retries|retried|retrying|reattempts?)$", RegexOptions.IgnoreCase)]
    internal static partial Regex RetryTokenRegex();

    /// <summary>Words of a change that touches TLS: certificates, trust stores, pinning, CA bundles.</summary>
    [GeneratedRegex(@"cert|tls|ssl|x509|trust ?store|truststore|keystore|\bpin(?:s|ned|ning)?\b|fingerprint|ca[-_ ]?bundle|\bCA\b|\.pem\b|\.crt\b|\.jks\b|\.p12\b", RegexOptions.IgnoreCase)]
    internal static partial Regex TlsChangeRegex();

    /// <summary>
    /// A called service rejected our credentials: 401/403 it returned, unauthorized, an API key or token that is invalid,
    /// revoked or expired. The credential we send is configuration (a secret), whoever changed it.
    /// </summary>
    [GeneratedRegex(@"(?:responded|returned|received|got|answered|replied)(?: with)?\s*[:=]?\s*(?:HTTP\s*)?(?:status\s*(?:code\s*)?)?(?:401|403)\b|status[ _]?code\s*[:=]?\s*(?:401|403)\b|\b401 Unauthori[sz]ed|\b403 Forbidden|\bUnauthori[sz]ed(?:Exception|Error)?\b|invalid[ _-](?:api[ _-]?key|token|access[ _-]token|credentials?|client[ _-]secret|signature)|(?:api[ _-]?key|access[ _-]token|token|credentials?|client[ _-]secret)s? (?:is |was |has been )?(?:invalid|revoked|expired|rejected|not valid|disabled)|\binvalid_(?:client|grant|token)\b|authentication (?:failed|failure|error)|AuthenticationError|NotAuthorized|AccessDenied(?:Exception)?\b", RegexOptions.IgnoreCase)]
    internal static partial Regex CredentialRejectedRegex();

    /// <summary>Name parts of series that count processes killed or evicted for lack of memory or space.</summary>
    [GeneratedRegex(@"^(?:oom|ooms|oomkill|oomkills|oomkilled|oom_kill|evicted|eviction|evictions)$", RegexOptions.IgnoreCase)]
    internal static partial Regex ExhaustionKillTokenRegex();
}
