using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// The role check inside the services that change things. Pages hide buttons and endpoints carry policies, but a
/// circuit can call any handler of a page it renders, so the service decides. IncidentHub itself and its agents
/// (a null actor, <see cref="AuditActorKind.System"/>, <see cref="AuditActorKind.Agent"/>) act on their own rules.
/// </summary>
public static class Permissions
{
    /// <summary>Throws <see cref="ForbiddenActionException"/> unless <paramref name="by"/> satisfies <paramref name="policy"/> (<see cref="Policies"/>).</summary>
    /// <param name="what">The change, worded to follow "may": "approve plan actions".</param>
    public static void Demand(AuditActor? by, string policy, string what)
    {
        if (by is null || by.Kind != AuditActorKind.Person || Allows(by.Roles, policy))
        {
            return;
        }

        var who = policy == Policies.Admin ? "Admins" : "Responders and Admins";
        throw new ForbiddenActionException($"Only {who} may {what}; {by.Name} is {(by.Roles.Count == 0 ? "not signed in with a role" : string.Join(", ", by.Roles))}.");
    }

    public static bool Allows(IReadOnlyCollection<string> roles, string policy) => policy switch
    {
        Policies.Admin => roles.Contains(Roles.Admin),
        Policies.Responder => roles.Contains(Roles.Responder) || roles.Contains(Roles.Admin),
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown policy."),
    };
}
