using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Identity;

/// <summary>The checks of the account, API-key and token handlers, stated on their request schemas.</summary>
internal static class IdentitySchemaRules
{
    /// <summary>The password rule of <see cref="AccountService"/>.</summary>
    private static void Password(OpenApiSchema schema)
    {
        schema.MinLength = AccountService.MinPasswordLength;
        schema.MaxLength = AccountService.MaxPasswordLength;
        schema.Description =
            $"{AccountService.MinPasswordLength} to {AccountService.MaxPasswordLength} characters, at least 5 of them different (a more repetitive password is refused).";
    }

    /// <summary>An e-mail address as <see cref="EntryValidator.IsEmail"/> accepts it (compared lower-cased and trimmed).</summary>
    private static void Email(OpenApiSchema schema)
    {
        schema.Format = "email";
        schema.MinLength = 3;
        schema.MaxLength = 254;
        schema.Description =
            "An e-mail address (at most 254 characters, a dot in the domain); unique across staff accounts, case-insensitively.";
    }

    private static void StaffRoles(OpenApiSchema schema)
    {
        schema.MinItems = 1;
        schema.UniqueItems = true;
        ApiSchemaRules.Items(ApiSchemaRules.Values(Roles.Staff))(schema);
        schema.Description = "At least one staff role.";
    }

    [ApiSchemaRules]
    internal static void Describe(ApiSchemaRules rules)
    {
        rules
            .Property<CreateAccountRequest>("email", Email)
            .Property<CreateAccountRequest>("password", Password)
            .Property<CreateAccountRequest>("roles", StaffRoles)
            .Property<UpdateAccountRequest>("roles", StaffRoles)
            .Property<SetPasswordRequest>("password", Password)
            .Property<CreateApiKeyRequest>(
                "scopes",
                schema =>
                {
                    schema.MinItems = 1;
                    ApiSchemaRules.Items(ApiSchemaRules.Values(Permissions.Scopes))(schema);
                    schema.Description =
                        $"The permissions the key carries, at least one. A public key (public: true) carries only {Permissions.EventsWrite}, which is also its default.";
                }
            )
            .Property<CreateApiKeyRequest>("expiresAt", schema => schema.Description = "When the key stops working; in the future.")
            .Property<TokenRequest>("grant_type", ApiSchemaRules.Values(["password", "refresh_token", AuthEndpoints.TokenExchangeGrant]))
            .Property<TokenRequest>("subject_token_type", ApiSchemaRules.Values([AuthEndpoints.IdTokenType]))
            .Property<TokenRequest>("client_type", ApiSchemaRules.Values(["web", "mobile"]));
    }
}
