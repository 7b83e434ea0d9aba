using IncidentHub.Analysis.Remediation;

namespace IncidentHub.Web.Features.Remediation.Playbooks;

/// <summary>One row of playbooks: a <see cref="Playbook"/> and who last wrote it (the seed file, or an Admin).</summary>
public sealed class PlaybookEntry
{
    private PlaybookEntry()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public Playbook Definition { get; private set; } = default!;
    public DateTimeOffset UpdatedAt { get; private set; }
    public string UpdatedBy { get; private set; } = "";

    public static PlaybookEntry Create(Playbook playbook, string by, DateTimeOffset at) =>
        new() { Id = Guid.CreateVersion7(), Name = playbook.Name, Definition = playbook, UpdatedAt = at, UpdatedBy = by };

    public void Update(Playbook playbook, string by, DateTimeOffset at)
    {
        Definition = playbook;
        UpdatedAt = at;
        UpdatedBy = by;
    }
}
