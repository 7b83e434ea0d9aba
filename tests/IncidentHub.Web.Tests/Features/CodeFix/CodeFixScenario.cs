using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Investigation;
using StackTrace = IncidentHub.Analysis.Diagnosis.StackTrace;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// An incident the investigation blamed on <see cref="FixRepository.Suspect"/>, as the product sees it: the alert through the
/// webhook, the service in the catalog with the repository (and its test command, its GitHub name), a Python stack trace at the
/// failing line, and the final diagnosis naming the suspect commit.
/// </summary>
public static class CodeFixScenario
{
    public static async Task<int> DiagnosedAsync(IncidentHubFactory app, FixRepository repo, string? testCommand = null, string? gitHub = null)
    {
        var service = $"conv-{Guid.NewGuid():N}"[..14];
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"{service} dashboard 500s", service);
        await DiagnosisSeed.WaitForInvestigationAsync(app, number);
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var repository = new JsonObject { ["path"] = repo.Path, ["pathInStackTraces"] = "/app/", ["branch"] = "main" };
        if (testCommand is not null)
        {
            repository["testCommand"] = testCommand;
        }

        if (gitHub is not null)
        {
            repository["github"] = gitHub;
        }

        (await admin.PutAsJsonAsync($"/api/catalog/{service}", new JsonObject { ["name"] = service, ["tier"] = 1, ["repository"] = repository })).EnsureSuccessStatusCode();
        var ids = await DiagnosisSeed.AddObservationsAsync(app, number,
            (ObservationKind.StackTrace, "logs:file:/var/log/app.log", "ZeroDivisionError: division by zero (212 times) at calc.py",
                new StackTrace("logs:file:/var/log/app.log", StackLanguage.Python, "ZeroDivisionError", "division by zero",
                    [new StackFrame("handle", "/usr/lib/python3/site-packages/flask/app.py", 880, false),
                     new StackFrame("conversion", "/app/calc.py", repo.FailingLine, true)], 212, DateTimeOffset.UtcNow.AddMinutes(-5), 1200)));
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        var diagnosis = new Diagnosis(new RefinedTriage(Severity.P1, service, 0.8, service, "500s", ids),
            HypothesisCategory.BadDeployCode, 0.8, false, "The deploy broke conversion", [],
            new SuspectChange(repo.Suspect, "calc.py", repo.FailingLine, null, "blamed", ids), true, "P1", []);
        var record = DiagnosisRecord.Create(incidentId, DateTimeOffset.UtcNow, 9, diagnosis, 3);
        record.MarkFinal();
        db.Diagnoses.Add(record);
        await db.SaveChangesAsync();
        return number;
    }
}
