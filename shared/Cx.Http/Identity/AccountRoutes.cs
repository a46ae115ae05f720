using Cx.Http.OpenApi;
using Cx.Http.Requests;

namespace Cx.Http.Identity;

public static class AccountRoutes
{
    public const string Collection = "v1/accounts";

    public const string ById = "v1/accounts/{accountId}";

    public const string Password = "v1/accounts/{accountId}/password";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ListAccounts",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "List staff accounts",
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses = [new(200, "A page.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.ItemsPageAccountView) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "CreateAccount",
                Method = "POST",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Create a staff account",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.CreateAccountRequest),
                    [RequestBody.Json],
                    "The account."
                ),
                Responses =
                [
                    new(201, "Created.")
                    {
                        Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView),
                        Headers = [ApiHeaders.Location],
                    },
                ],
                Problems = [400, 409, 413, 415],
            },
            new()
            {
                OperationId = "GetAccount",
                Method = "GET",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Read a staff account",
                Responses = [new(200, "The account.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "UpdateAccount",
                Method = "PATCH",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Change roles, name or the disabled flag; unlock",
                Description = "Changing roles or disabling the account signs it out everywhere.",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.UpdateAccountRequest),
                    [RequestBody.MergePatch, RequestBody.Json],
                    "The changes."
                ),
                Responses = [new(200, "The account.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView) }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "SetAccountPassword",
                Method = "PUT",
                Route = Password,
                Tag = ApiTags.Administration,
                Summary = "Set a staff account's password",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.SetPasswordRequest),
                    [RequestBody.Json],
                    "The new password."
                ),
                Responses = [new(204, "Set; the account is signed out everywhere.")],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "DeleteAccount",
                Method = "DELETE",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Delete a staff account",
                Responses = [new(204, "Deleted; its sessions are revoked.")],
                Problems = [400, 404],
            },
        ];
}
