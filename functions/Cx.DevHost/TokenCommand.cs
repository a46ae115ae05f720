using System.Globalization;
using Cx.Core.Identity;

namespace Cx.DevHost;

/// <summary>
/// <c>token --role ROLE [--subject ID] [--customer ID] [--minutes N]</c>: prints an access token
/// signed with the local development key, for curl and scripts. Roles: admin, marketer, editor,
/// support_agent, customer (which needs --customer).
/// </summary>
public static class TokenCommand
{
    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        string? role = null;
        string? subject = null;
        string? customer = null;
        var minutes = 60;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--role" when value is not null:
                    role = value;
                    i++;
                    break;
                case "--subject" when value is not null:
                    subject = value;
                    i++;
                    break;
                case "--customer" when value is not null:
                    customer = value;
                    i++;
                    break;
                case "--minutes"
                    when value is not null
                        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                        && parsed is > 0 and <= 24 * 60:
                    minutes = parsed;
                    i++;
                    break;
                default:
                    return Usage($"Unexpected argument '{args[i]}'.");
            }
        }
        if (role is null || !Roles.IsKnown(role))
        {
            return Usage($"--role is one of: {string.Join(", ", Roles.All)}.");
        }
        if (role == Roles.Customer && customer is null)
        {
            return Usage("--role customer needs --customer CUSTOMER_ID.");
        }
        var actor =
            role == Roles.Customer
                ? new Actor(ActorKind.Customer, customer!, [Roles.Customer], Permissions.ForRoles([Roles.Customer]), customer)
                : new Actor(
                    ActorKind.Staff,
                    subject ?? "dev-" + role,
                    [role],
                    Permissions.ForRoles([role]),
                    DisplayName: "Development " + role
                );
        var token = await services
            .GetRequiredService<TokenService>()
            .IssueAsync(actor, CancellationToken.None, TimeSpan.FromMinutes(minutes));
        await Console.Out.WriteLineAsync(token.Token);
        return 0;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine(problem);
        Console.Error.WriteLine(
            "usage: token --role admin|marketer|editor|support_agent|customer [--customer ID] [--subject ID] [--minutes N]"
        );
        return 2;
    }
}
