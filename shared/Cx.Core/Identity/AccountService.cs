using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Core.Identity;

/// <summary>A staff account (admin, marketer, editor, support agent). The password is stored as a hash only.</summary>
public sealed record AccountRecord(
    string AccountId,
    string Email,
    string DisplayName,
    IReadOnlyList<string> Roles,
    string PasswordHash,
    DateTimeOffset CreatedAt,
    int FailedAttempts = 0,
    DateTimeOffset? LockedUntil = null,
    bool Disabled = false,
    DateTimeOffset? LastSignIn = null
);

/// <summary>What the API shows of an account.</summary>
public sealed record AccountView(
    string Id,
    string Email,
    string DisplayName,
    IReadOnlyList<string> Roles,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignIn,
    DateTimeOffset? LockedUntil
)
{
    public static AccountView From(AccountRecord record) =>
        new(
            record.AccountId,
            record.Email,
            record.DisplayName,
            record.Roles,
            record.Disabled,
            record.CreatedAt,
            record.LastSignIn,
            record.LockedUntil
        );
}

/// <summary>
/// Local accounts for staff: password hashing with ASP.NET Core Identity's hasher (PBKDF2,
/// HMAC-SHA512, 100,000 iterations, salted; rehashed when the format improves), lockout after
/// repeated failures, and the same answer and the same work for an unknown e-mail as for a
/// wrong password, so sign-in does not reveal which addresses exist.
/// </summary>
public sealed class AccountService(IdentityStore store, IOptions<AuthOptions> options, TimeProvider time) : IStaffDirectory
{
    public const string AccountType = "account";
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;

    private static readonly PasswordHasher<AccountRecord> Hasher = new();
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-real-password-" + Guid.NewGuid());

    /// <summary>The id of the account of an e-mail address: deterministic, so the address is unique by construction.</summary>
    public static string AccountIdFor(string email) => "acct-" + IdentityStore.Hash(email.Trim().ToLowerInvariant())[..32];

    public async Task<AccountView> CreateAsync(
        string email,
        string password,
        IReadOnlyList<string> roles,
        string? displayName,
        CancellationToken cancellationToken
    )
    {
        var normalized = email.Trim().ToLowerInvariant();
        var errors = new List<FieldError>();
        if (!EntryValidator.IsEmail(normalized))
        {
            errors.Add(new("/email", "email", "Must be an e-mail address."));
        }
        ValidatePassword(password, errors);
        ValidateRoles(roles, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The account is not valid.");
        }
        var id = AccountIdFor(normalized);
        var record = new AccountRecord(
            id,
            normalized,
            displayName?.Trim() is { Length: > 0 } name ? name : normalized,
            [.. roles.Distinct()],
            Hasher.HashPassword(null!, password),
            time.GetUtcNow()
        );
        try
        {
            await store.CreateAsync(id, id, AccountType, record, cancellationToken);
        }
        catch (DocumentExistsException)
        {
            throw new ConflictException(
                "already-exists",
                "An account with this e-mail address already exists.",
                [new FieldError("/email", "unique", "Already used by another account.")]
            );
        }
        return AccountView.From(record);
    }

    /// <summary>Checks a password. Failures are counted; enough of them lock the account for a while.</summary>
    public async Task<Actor> AuthenticateAsync(string email, string password, CancellationToken cancellationToken)
    {
        var id = AccountIdFor(email ?? "");
        for (var attempt = 0; ; attempt++)
        {
            var stored = await store.ReadAsync<AccountRecord>(id, id, cancellationToken);
            if (stored is not { } found)
            {
                Hasher.VerifyHashedPassword(null!, DummyHash, password ?? "");
                throw InvalidCredentials();
            }
            var (account, etag) = found;
            var now = time.GetUtcNow();
            if (account.Disabled || account.LockedUntil > now)
            {
                Hasher.VerifyHashedPassword(null!, DummyHash, password ?? "");
                throw InvalidCredentials();
            }
            var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? "");
            AccountRecord next;
            if (verdict == PasswordVerificationResult.Failed)
            {
                var failures = account.FailedAttempts + 1;
                next =
                    failures >= options.Value.LockoutAttempts
                        ? account with
                        {
                            FailedAttempts = 0,
                            LockedUntil = now.AddMinutes(options.Value.LockoutMinutes),
                        }
                        : account with
                        {
                            FailedAttempts = failures,
                        };
            }
            else
            {
                next = account with
                {
                    FailedAttempts = 0,
                    LockedUntil = null,
                    LastSignIn = now,
                    PasswordHash =
                        verdict == PasswordVerificationResult.SuccessRehashNeeded
                            ? Hasher.HashPassword(account, password!)
                            : account.PasswordHash,
                };
            }
            try
            {
                await store.ReplaceAsync(id, id, AccountType, next, etag, cancellationToken);
            }
            catch (ETagMismatchException) when (attempt < 16)
            {
                continue;
            }
            return verdict == PasswordVerificationResult.Failed ? throw InvalidCredentials() : ToActor(next);
        }
    }

    public async ValueTask<Actor?> FindActiveAsync(string subject, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync<AccountRecord>(subject, subject, cancellationToken);
        return stored is { Record: { Disabled: false } account } ? ToActor(account) : null;
    }

    public async Task<AccountView> GetAsync(string id, CancellationToken cancellationToken) =>
        AccountView.From(
            (await store.ReadAsync<AccountRecord>(id, id, cancellationToken))?.Record ?? throw new NotFoundException("Account", id)
        );

    public async Task<(IReadOnlyList<AccountView> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        var (items, next) = await store.QueryAsync<AccountRecord>(
            new DocumentQuery
            {
                Type = AccountType,
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
        return ([.. items.Select(i => AccountView.From(i.Record))], next);
    }

    /// <summary>Changes roles, the display name or the disabled flag; unlocks when asked.</summary>
    public async Task<AccountView> UpdateAsync(
        string id,
        IReadOnlyList<string>? roles,
        string? displayName,
        bool? disabled,
        bool unlock,
        CancellationToken cancellationToken
    )
    {
        if (roles is not null)
        {
            var errors = new List<FieldError>();
            ValidateRoles(roles, errors);
            if (errors.Count > 0)
            {
                throw new ValidationException(errors, "The account change is not valid.");
            }
        }
        for (var attempt = 0; ; attempt++)
        {
            var (account, etag) =
                await store.ReadAsync<AccountRecord>(id, id, cancellationToken) ?? throw new NotFoundException("Account", id);
            var next = account with
            {
                Roles = roles is null ? account.Roles : [.. roles.Distinct()],
                DisplayName = displayName?.Trim() is { Length: > 0 } name ? name : account.DisplayName,
                Disabled = disabled ?? account.Disabled,
                LockedUntil = unlock ? null : account.LockedUntil,
                FailedAttempts = unlock ? 0 : account.FailedAttempts,
            };
            try
            {
                await store.ReplaceAsync(id, id, AccountType, next, etag, cancellationToken);
                return AccountView.From(next);
            }
            catch (ETagMismatchException) when (attempt < 16) { }
        }
    }

    public async Task SetPasswordAsync(string id, string password, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        ValidatePassword(password, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The password is not acceptable.");
        }
        var (account, etag) = await store.ReadAsync<AccountRecord>(id, id, cancellationToken) ?? throw new NotFoundException("Account", id);
        await store.ReplaceAsync(
            id,
            id,
            AccountType,
            account with
            {
                PasswordHash = Hasher.HashPassword(account, password),
                FailedAttempts = 0,
                LockedUntil = null,
            },
            etag,
            cancellationToken
        );
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        if (await store.ReadAsync<AccountRecord>(id, id, cancellationToken) is null)
        {
            throw new NotFoundException("Account", id);
        }
        await store.DeleteAsync(id, id, cancellationToken);
    }

    private static Actor ToActor(AccountRecord account) =>
        new(ActorKind.Staff, account.AccountId, account.Roles, Permissions.ForRoles(account.Roles), null, null, account.DisplayName);

    private static UnauthorizedException InvalidCredentials() =>
        new(UnauthorizedException.InvalidGrant, "The e-mail address or password is wrong, or the account is locked or disabled.");

    private static void ValidatePassword(string? password, List<FieldError> errors)
    {
        if (password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            errors.Add(new("/password", "password", $"A password has {MinPasswordLength} to {MaxPasswordLength} characters."));
        }
        else if (password.Distinct().Count() < 5)
        {
            errors.Add(new("/password", "password", "The password is too repetitive."));
        }
    }

    private static void ValidateRoles(IReadOnlyList<string> roles, List<FieldError> errors)
    {
        if (roles.Count == 0)
        {
            errors.Add(new("/roles", "required", "An account has at least one role."));
        }
        for (var i = 0; i < roles.Count; i++)
        {
            if (!Roles.Staff.Contains(roles[i], StringComparer.Ordinal))
            {
                errors.Add(new($"/roles/{i}", "enum", $"Staff roles are: {string.Join(", ", Roles.Staff)}."));
            }
        }
    }
}
