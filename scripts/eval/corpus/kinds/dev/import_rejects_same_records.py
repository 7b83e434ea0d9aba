"""A partner's feed file arrives with a few malformed rows (a decimal comma, an impossible date, an unquoted comma
that shifts the columns). The scheduled import job fails on exactly the same row on every retry and rolls back, so
nothing after it is imported and the imported data grows stale; no code or config of ours changed. The alert comes
from the job scheduler and names the job run (the service name plus a numeric run suffix), not the service."""
from framework import h
from stories import minutes, prior_release

KIND = {
    "name": "import-rejects-same-records",
    "category": "data/schema",
    "severity": "P3",
    "inspired_by": "https://status.playfab.com/incidents/76j55fs1dlp8 (2026-01-28: one record with an invalid date string "
                   "failed every batch of an indexing pipeline until the invalid records were skipped) and "
                   "https://status.rewardgateway.net/incidents/jsqzc1zb7ml8 (one file blocking the import of every later file); companies invented",
}

PHP_IMPORTER = r'''
    <?php

    namespace App\Import;

    final class FeedImporter
    {
        public function __construct(private $db, private $reader)
        {
        }

        public function run(string $path): int
        {
            $n = 0;
            foreach ($this->reader->rows($path) as $i => $row) {
                $this->db->upsert('prices', $this->parseRow($i, $row));
                $n++;
            }
            return $n;
        }

        public function parseRow(int $i, array $row): array
        {
            return ['sku' => $row['sku'], 'price' => $this->decimal($i, $row['price']), 'currency' => $row['currency']];
        }

        private function decimal(int $i, string $v): string
        {
            if (!preg_match('/^\d+(\.\d{1,4})?$/', $v)) {
                throw new InvalidRowException(sprintf('row %d: column "price" expected a decimal, got "%s"', $i, $v));
            }
            return $v;
        }
    }
    '''

ELIXIR_IMPORTER = '''
    defmodule MOD.FeedImport do
      @moduledoc "Imports the partner's exchange-rate feed."

      def run(path) do
        path
        |> File.stream!()
        |> CSV.decode!(headers: true)
        |> Stream.with_index(1)
        |> Enum.each(fn {row, i} -> upsert!(parse_row!(i, row)) end)
      end

      def parse_row!(i, row) do
        %{id: row["id"], valid_from: date!(i, row["valid_from"]), rate: row["rate"]}
      end

      defp date!(i, value) do
        case Date.from_iso8601(value) do
          {:ok, d} -> d
          {:error, reason} -> raise ArgumentError, "row #{i}: valid_from #{inspect(value)} is not a date (#{reason})"
        end
      end

      defp upsert!(attrs), do: MOD.Repo.insert!(struct(MOD.Rate, attrs), on_conflict: :replace_all, conflict_target: :id)
    end
    '''

KOTLIN_IMPORTER = '''
    package PKG.importer

    import java.math.BigDecimal

    class FeedImport(private val repo: RateRepository) {
        fun run(rows: Sequence<Map<String, String>>): Int {
            var n = 0
            rows.forEachIndexed { i, row ->
                repo.upsert(parseRow(i + 1, row))
                n++
            }
            return n
        }

        fun parseRow(i: Int, row: Map<String, String>): Rate {
            val weight = row["weight_kg"] ?: throw InvalidRowException("row $i: missing column weight_kg")
            return Rate(row.getValue("lane"), BigDecimal(weight), row.getValue("currency"))
        }
    }
    '''

VARIANTS = [
    dict(lang="PHP", svc="price-feed-importer", team="catalog", partner="supplier price list", what="prices",
         file="supplier-prices-{d}.csv", rows=24118, bad=18442, rec="sku=TR-88213", neighbour="catalog-api",
         exc="App\\Import\\InvalidRowException", msg='row 18442: column "price" expected a decimal, got "12,50"'),
    dict(lang="Elixir", svc="fx-rates-loader", team="treasury", partner="bank FX rates feed", what="exchange rates",
         file="fx-rates-{d}.csv", rows=9860, bad=9127, rec="id=FX-EUR-TRY-0230", neighbour="pricing-api",
         exc="ArgumentError", msg='row 9127: valid_from "2026-02-30" is not a date (invalid_date)'),
    dict(lang="Kotlin", svc="freight-rate-sync", team="logistics", partner="carrier rate card", what="freight rates",
         file="carrier-ratecard-{d}.csv", rows=7412, bad=5531, rec="lane=HAM-Neustadt", neighbour="shipping-quote-api",
         exc="java.lang.NumberFormatException",
         msg='Character H is neither a decimal digit number, decimal point, nor "e" notation exponential mark.'),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    if L == "PHP":
        path, src = "src/Import/FeedImporter.php", PHP_IMPORTER
    elif L == "Elixir":
        path, src = f"lib/{svc.replace('-', '_')}/feed_import.ex", ELIXIR_IMPORTER
    else:
        path, src = None, KOTLIN_IMPORTER
    b.make_repo(svc, {"import": {"schedule": "*/5 * * * *", "batch_rows": 1000, "on_invalid_row": "abort"}}, history=7)
    if L == "Elixir":
        src = src.replace("MOD", b.lang.Mod)
    if L == "Kotlin":
        path = f"{b.lang.src_root}/{b.lang.pkg.replace('.', '/')}/importer/FeedImport.kt"
        src = src.replace("PKG", b.lang.pkg)
    b.commit("import: partner feed importer", {path: src}, days=3)
    prior_release(b, svc, days_ago=4)
    if L == "PHP":
        frames = [(path, b.repo.line_of(path, "throw new InvalidRowException("), "decimal"),
                  (path, b.repo.line_of(path, "'price' => $this->decimal("), "parseRow"),
                  (path, b.repo.line_of(path, "$this->db->upsert('prices'"), "run")]
    elif L == "Elixir":
        frames = [(path, b.repo.line_of(path, "{:error, reason} -> raise ArgumentError"), "date!"),
                  (path, b.repo.line_of(path, "%{id: row[\"id\"], valid_from: date!("), "parse_row!"),
                  (path, b.repo.line_of(path, "|> Enum.each(fn {row, i} -> upsert!("), "run")]
    else:
        frames = [(path, b.repo.line_of(path, "BigDecimal(weight)"), "parseRow"), (path, b.repo.line_of(path, "repo.upsert(parseRow("), "run")]
    trace = b.trace(p["exc"], p["msg"], frames)
    onset = b.at(-24)
    jl = b.svc(svc)
    fname = p["file"].format(d=f"{onset:%Y%m%d%H%M}")
    jl.info(onset - minutes(1.5), f"fetched partner file {fname} ({p['rows']} rows, sha256 {h(fname, 16)}) from sftp://{p['partner'].split()[0]}-drop",
            logger="fetch", rows=p["rows"])
    run0 = 29_500_000 + b.rng.randint(0, 90_000)
    runs = []
    t = b.start + minutes(b.rng.randint(1, 4))
    k = 0
    while t < b.end:
        runs.append((t, run0 + k * 5))
        t += minutes(5)
        k += 1
    for t, rid in runs:
        job = f"{svc}-{rid}"
        failing = t >= onset
        total = p["rows"] if not failing else p["bad"]
        jl.info(t, f"import run {rid} started: {'new' if failing and t < onset + minutes(5) else 'current'} file, {p['rows']} rows", logger="import", job=job)
        step_rows = 1000
        for n in range(step_rows, total, step_rows):
            jl.info(t + minutes(n / p["rows"] * 0.6), f"batch committed: rows {n - step_rows + 1}-{n}", logger="import", job=job)
        if failing:
            te = t + minutes(p["bad"] / p["rows"] * 0.6 + 0.02)
            jl.error(te, f"import run {rid} failed at row {p['bad']} ({p['rec']}); batch rolled back", logger="import", trace=trace, job=job)
            jl.warn(te + minutes(0.01), f"import run {rid}: 0 rows after row {p['bad'] - p['bad'] % 1000} applied; will retry in 300s", logger="scheduler", job=job)
        else:
            jl.info(t + minutes(0.65), f"import run {rid} finished: {p['rows']} rows upserted", logger="import", job=job)
    b.noise(jl, b.start, b.end, 240, "WARN", "skipping row with empty sku/id (known partner quirk)", logger="import")
    b.noise(jl, b.start, b.end, 700, "WARN", "sftp: key exchange took 2.3s", logger="fetch")
    nb = b.svc(p["neighbour"])
    b.requests(nb, b.start, b.end, 0.12, ["/v1/" + p["what"].split()[-1], "/v1/" + p["what"].split()[-1] + "/{id}"])
    b.deploy(p["neighbour"], "2026." + str(b.rng.randint(10, 60)) + ".1", None, onset - minutes(9))
    nb.info(onset - minutes(9), f"{p['neighbour']} started (new release)", logger="main")
    last_ok = max(t for t, _ in runs if t < onset) + minutes(0.65)
    b.gauge(svc, "import_last_success_timestamp_seconds", "end of the last successful import run", {"feed": p["what"].replace(" ", "_")},
            lambda t, i: (min(t, last_ok) if t >= b.start + minutes(5) else b.start).timestamp(), 0)
    b.counter(svc, "import_runs", "import runs by result", {"result": "failed"}, lambda t, i: 0 if t < onset else 1 / 300)
    b.counter(svc, "import_runs", "import runs by result", {"result": "succeeded"}, lambda t, i: 1 / 300 if t < onset else 0)
    b.counter(svc, "import_rows_rejected", "rows that failed validation", {"feed": p["what"].replace(" ", "_")},
              lambda t, i: 0 if t < onset else 1 / 300)
    b.http_metrics(p["neighbour"], lambda t: 6.0, lambda t: 0.001, lambda t: 0.09)
    b.cpu_mem(svc, cpu=lambda t: 0.15)
    failed_job = f"{svc}-{[r for t, r in runs if t < b.t0][-1]}"
    b.set_alert(failed_job, "KubeJobFailed", f"Job {b.namespace}/{failed_job} failed to complete",
                f"Job {failed_job} has failed (backoffLimit reached); the last 4 runs of this CronJob failed.",
                severity="warning", labels={"job_name": failed_job})
    b.set_truth(svc, f"The partner's new {p['partner']} file ({fname}) contains malformed rows; {svc} aborts and rolls back every run at the same "
                     f"row {p['bad']} ({p['rec']}), so no {p['what']} have been imported since {onset:%H:%M} and the data grows stale. Nothing of ours changed.",
                [f"failed at row {p['bad']}", p["msg"].split(":")[0], "import_last_success_timestamp_seconds", "import_runs_total"],
                [(f"Inspect row {p['bad']} of {fname} and the rows after it", "READ"),
                 ("Quarantine the malformed rows and re-run the import for the rest", "REVERSIBLE"),
                 ("Ask the partner to resend a corrected file; make the importer skip-and-report invalid rows instead of aborting", "REVERSIBLE")],
                [f"{p['neighbour']} deploy 9 minutes before the first failure", "empty sku/id warnings (all along)", "slow sftp key exchange"])
    b.extra_scenario["note"] = "the alert names the CronJob run (service-<run number>), not the service"
    return {"title": f"{failed_job}: import job failing", "primary": svc,
            "narrative": f"The {svc} job keeps failing since about {onset:%H:%M} UTC; {p['what']} shown to users are from before then."}
