// Offline replay (docs/decisions/028, 035): runs a hub's recorded DiagnosisInput files (Investigation:DumpInputsTo)
// through the engine of this checkout and scores them against the bundles' truth.json, as `ih eval` would.
//   dotnet run --project scripts/eval/replay -- DUMPDIR EVAL.json BUNDLEDIR [bundle filter]
// DBG=1 prints every hypothesis with its features; SEV=1 the severity reason; CSV=FILE appends rows for scripts/eval/calibrate.py.
using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
// usage: replay DUMPDIR EVAL.json BUNDLEDIR [filter]
var dump = args[0]; var evalJson = args[1]; var bundles = args[2]; var filter = args.Length > 3 ? args[3] : "";
var rows = JsonNode.Parse(File.ReadAllText(evalJson))!;
var arr = (rows["bundles"] as JsonArray)!;
int n = 0, cat = 0, best = 0, committed = 0, right = 0, sev = 0, svc = 0, sus = 0, susN = 0, page = 0;
var calib = new SortedDictionary<int, (int r, int t)>();
var confusion = new SortedDictionary<string, int>();
foreach (var row in arr)
{
    var bundle = row!["bundle"]!.GetValue<string>(); var inc = row["incident"]?.GetValue<string>();
    if (inc is null || (filter.Length > 0 && !bundle.Contains(filter))) continue;
    var num = inc.Replace("INC-", "");
    var files = Directory.GetFiles(dump, num + "-*.json").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Split('-')[1])).ToList();
    if (files.Count == 0) continue;
    var input = JsonSerializer.Deserialize<DiagnosisInput>(File.ReadAllText(files[^1]))!;
    var d = DiagnosisEngine.Diagnose(input);
    var truth = JsonNode.Parse(File.ReadAllText(Path.Combine(bundles, bundle, "truth.json")))!;
    var tc = truth["category"]!.GetValue<string>(); var ts = truth["severity"]!.GetValue<string>(); var tsvc = truth["service"]!.GetValue<string>();
    var tcommit = truth["suspect_commit"]?.GetValue<string>(); var tpage = truth["page"]?.GetValue<bool>() ?? true;
    var ans = d.Unknown || d.Category is null ? "unknown" : d.Category.Value.ToName();
    var guess = d.Hypotheses.FirstOrDefault(h => !h.Discarded && h.Score > 0)?.Category.ToName() ?? "none";
    n++; if (ans == tc) cat++; if (guess == tc) best++;
    if (ans != "unknown") { committed++; if (ans == tc) right++; var b = (int)(d.Confidence * 10); var c = calib.GetValueOrDefault(b); calib[b] = (c.r + (ans == tc ? 1 : 0), c.t + 1); }
    var sv = d.Triage.Severity.ToString(); if (sv == ts) sev++;
    if (string.Equals(d.Triage.Service, tsvc, StringComparison.OrdinalIgnoreCase)) svc++;
    if (tcommit is not null) { susN++; if (d.Suspect?.Commit is { } sc && (sc.StartsWith(tcommit) || tcommit.StartsWith(sc))) sus++; }
    if (d.WouldPage == tpage) page++;
    if (ans != tc) { var k = $"{tc} -> {ans}"; confusion[k] = confusion.GetValueOrDefault(k) + 1; }
    var mark = (ans == tc ? "ok " : ans == "unknown" ? "ABS" : "BAD") + (sv == ts ? "" : " sev") + (string.Equals(d.Triage.Service, tsvc, StringComparison.OrdinalIgnoreCase) ? "" : " svc");
    if (Environment.GetEnvironmentVariable("SEV") is not null) Console.WriteLine($"   tier={input.ServiceTier} deps={input.Dependents.Count} alertsev={input.AlertSeverity} | {d.Triage.Reason} | {d.Triage.BlastRadius}");
    if (Environment.GetEnvironmentVariable("DBG") is not null) { foreach (var h in d.Hypotheses) { Console.WriteLine($"   H {h.Category.ToName()} {h.Score:0.00} {(h.Discarded ? "DISCARDED " + h.DiscardReason : "")}"); foreach (var ft in h.Features.Take(8)) Console.WriteLine($"       {ft}"); } Console.WriteLine("   " + d.Summary); }
    if (Environment.GetEnvironmentVariable("CSV") is { } csvPath)
    {
        var liveH = d.Hypotheses.Where(h => !h.Discarded && h.Score > 0).ToList();
        var s1 = liveH.FirstOrDefault()?.Score ?? 0; var s2 = liveH.Skip(1).FirstOrDefault()?.Score ?? 0;
        var kinds = liveH.FirstOrDefault()?.Features.Select(x => x.Split(':')[0]).Distinct().Count() ?? 0;
        File.AppendAllText(csvPath, $"{bundle},{tc},{guess},{s1},{s2},{kinds},{d.Confidence},{(ans != "unknown" ? 1 : 0)},{(guess == tc ? 1 : 0)}\n");
    }
    Console.WriteLine($"{bundle,-40} {mark,-12} truth={tc}/{ts} ans={ans} conf={d.Confidence:0.00} guess={guess} sev={sv} | {string.Join("; ", d.Hypotheses.Where(h => !h.Discarded).Take(3).Select(h => $"{h.Category.ToName()} {h.Score:0.00}"))}");
}
Console.WriteLine($"n={n} category {cat} best {best} precision {right}/{committed} severity {sev} service {svc} suspect {sus}/{susN} page {page}");
foreach (var (k, v) in confusion) Console.WriteLine($"  {k}: {v}");
foreach (var (k, v) in calib) Console.WriteLine($"  conf {k / 10.0:0.0}: {v.r}/{v.t}");
