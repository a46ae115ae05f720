using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

/// <summary>Revocations visible at once on every instance (bound 0) and sign-in not rate limited, for these tests.</summary>
public sealed class SessionHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Auth:RevocationCacheSeconds"] = "0",
            ["Cx:Auth:LockoutAttempts"] = "3",
            ["Cx:RateLimits:Enabled"] = "false",
        };
}

public sealed class SessionTests(SessionHostFactory host) : IClassFixture<SessionHostFactory>
{
    private const string Password = "correct horse battery staple";
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly HttpClient _anonymous = host.CreateAnonymousClient();

    private async Task<string> CreateAccountAsync(string role = "marketer")
    {
        var email = $"staff-{Guid.NewGuid():n}@example.com";
        await _admin
            .PostAsync("accounts", HttpAssertions.Json($$"""{"email":"{{email}}","password":"{{Password}}","roles":["{{role}}"]}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return email;
    }

    private async Task<JsonObject> SignInAsync(string email, string password = Password, string client = "mobile")
    {
        var form = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = email,
                ["password"] = password,
                ["client_type"] = client,
            }
        );
        var response = await _anonymous.PostAsync("auth/token", form).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        return await response.ReadObjectAsync();
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _anonymous.PostAsync("auth/token", HttpAssertions.Json($$"""{"grant_type":"refresh_token","refresh_token":"{{refreshToken}}"}"""));

    private Task<HttpResponseMessage> MeAsync(string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "auth/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return _anonymous.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostAsUserAsync(string path, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return _anonymous.SendAsync(request);
    }

    [Fact]
    public async Task Should_sign_in_staff_with_a_password_and_describe_the_session()
    {
        var email = await CreateAccountAsync();
        var tokens = await SignInAsync(email);
        Assert.Equal("Bearer", tokens["token_type"]!.GetValue<string>());
        Assert.Equal(900, tokens["expires_in"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(tokens["refresh_token"]!.GetValue<string>()));

        var me = await (await MeAsync(tokens["access_token"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("staff", me["kind"]!.GetValue<string>());
        Assert.Equal(["marketer"], me["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(tokens["session_id"]!.GetValue<string>(), me["sessionId"]!.GetValue<string>());
        Assert.Contains("segments:write", me["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_refuse_a_wrong_password_without_saying_which_part_was_wrong()
    {
        var email = await CreateAccountAsync();
        var wrong = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = email,
                ["password"] = "wrong password!!",
            }
        );
        var unknown = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = "nobody@example.com",
                ["password"] = Password,
            }
        );
        var first = await (await _anonymous.PostAsync("auth/token", wrong)).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "invalid-grant"
        );
        var second = await (await _anonymous.PostAsync("auth/token", unknown)).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "invalid-grant"
        );
        Assert.Equal(first["detail"]!.GetValue<string>(), second["detail"]!.GetValue<string>());
        Assert.Equal("invalid_grant", first["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_lock_an_account_after_repeated_failures()
    {
        var email = await CreateAccountAsync();
        for (var i = 0; i < 3; i++)
        {
            var wrong = new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "password",
                    ["username"] = email,
                    ["password"] = "wrong password!!",
                }
            );
            await (await _anonymous.PostAsync("auth/token", wrong)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        }
        var right = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = email,
                ["password"] = Password,
            }
        );
        await (await _anonymous.PostAsync("auth/token", right)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");

        var account = await (await _admin.GetAsync("accounts?limit=200")).ReadObjectAsync();
        var id = account["items"]!.AsArray().Single(a => a!["email"]!.GetValue<string>() == email)!["id"]!.GetValue<string>();
        Assert.NotNull((await (await _admin.GetAsync($"accounts/{id}")).ReadObjectAsync())["lockedUntil"]);
        var unlock = new HttpRequestMessage(HttpMethod.Patch, $"accounts/{id}")
        {
            Content = HttpAssertions.Json("""{"unlock":true}""", "application/merge-patch+json"),
        };
        await _admin.SendAsync(unlock).ShouldBeAsync(HttpStatusCode.OK);
        await SignInAsync(email);
    }

    [Fact]
    public async Task Should_rotate_refresh_tokens_and_revoke_the_family_on_reuse()
    {
        var email = await CreateAccountAsync();
        var first = await SignInAsync(email);
        var firstRefresh = first["refresh_token"]!.GetValue<string>();

        var second = await (await RefreshAsync(firstRefresh).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var secondRefresh = second["refresh_token"]!.GetValue<string>();
        Assert.NotEqual(firstRefresh, secondRefresh);
        Assert.Equal(first["session_id"]!.GetValue<string>(), second["session_id"]!.GetValue<string>());
        await MeAsync(second["access_token"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.OK);

        // The first token is replayed: someone holds a copy. The whole family dies.
        var reuse = await (await RefreshAsync(firstRefresh)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        Assert.Contains("already used", reuse["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await RefreshAsync(secondRefresh)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        await (await MeAsync(second["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await MeAsync(first["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await RefreshAsync("never-issued")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");

        var session = first["session_id"]!.GetValue<string>();
        var audit = await (
            await _admin.GetAsync($"audit?filter[action]=auth.refresh-reuse-detected&filter[targetId]={session}")
        ).ReadObjectAsync();
        var entry = Assert.Single(audit["items"]!.AsArray())!;
        Assert.Equal("failure", entry["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_give_web_clients_the_refresh_token_in_a_strict_http_only_cookie()
    {
        var email = await CreateAccountAsync();
        var form = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = email,
                ["password"] = Password,
                ["client_type"] = "web",
            }
        );
        var response = await _anonymous.PostAsync("auth/token", form).ShouldBeAsync(HttpStatusCode.OK);
        var body = await response.ReadObjectAsync();
        Assert.False(body.ContainsKey("refresh_token"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cx_refresh=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/v1/auth", cookie, StringComparison.OrdinalIgnoreCase);

        var value = cookie.Split(';')[0]["cx_refresh=".Length..];
        var refresh = new HttpRequestMessage(HttpMethod.Post, "auth/token")
        {
            Content = HttpAssertions.Json("""{"grant_type":"refresh_token","client_type":"web"}"""),
        };
        refresh.Headers.Add("Cookie", "cx_refresh=" + value);
        var rotated = await _anonymous.SendAsync(refresh).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Contains(
            rotated.Headers.GetValues("Set-Cookie"),
            c => c.StartsWith("cx_refresh=", StringComparison.Ordinal) && !c.Contains(value, StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task Should_end_one_session_on_sign_out_and_all_on_sign_out_everywhere()
    {
        var email = await CreateAccountAsync();
        var phone = await SignInAsync(email);
        var laptop = await SignInAsync(email);
        var tablet = await SignInAsync(email);

        await PostAsUserAsync("auth/sign-out", phone["access_token"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await MeAsync(phone["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await RefreshAsync(phone["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "invalid-grant"
        );
        await MeAsync(laptop["access_token"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.OK);

        await PostAsUserAsync("auth/sign-out-everywhere", laptop["access_token"]!.GetValue<string>())
            .ShouldBeAsync(HttpStatusCode.NoContent);
        await (await MeAsync(laptop["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await MeAsync(tablet["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_end_the_refresh_tokens_of_every_session_on_sign_out_everywhere()
    {
        var email = await CreateAccountAsync();
        var first = await SignInAsync(email);
        var second = await SignInAsync(email);
        var third = await SignInAsync(email);

        await PostAsUserAsync("auth/sign-out-everywhere", second["access_token"]!.GetValue<string>())
            .ShouldBeAsync(HttpStatusCode.NoContent);

        foreach (var session in new[] { third, first, second })
        {
            var refused = await (await RefreshAsync(session["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.BadRequest,
                "invalid-grant"
            );
            Assert.Equal("invalid_grant", refused["error"]!.GetValue<string>());
            await (await MeAsync(session["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
        }
        // A sign-in after the cut is a new session, and it refreshes.
        var again = await SignInAsync(email);
        await RefreshAsync(again["refresh_token"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.OK);
    }

    public static TheoryData<string> AdminRevocations() => new() { "password", "roles", "disable", "delete" };

    [Theory]
    [MemberData(nameof(AdminRevocations))]
    public async Task Should_end_every_refresh_token_of_an_account_an_admin_changes(string change)
    {
        var email = await CreateAccountAsync();
        var sessions = new[] { await SignInAsync(email), await SignInAsync(email) };
        var id = (await (await MeAsync(sessions[0]["access_token"]!.GetValue<string>())).ReadObjectAsync())["subject"]!.GetValue<string>();

        var request = change switch
        {
            "password" => new HttpRequestMessage(HttpMethod.Put, $"accounts/{id}/password")
            {
                Content = HttpAssertions.Json("""{"password":"another correct horse battery staple"}"""),
            },
            "roles" => new HttpRequestMessage(HttpMethod.Patch, $"accounts/{id}")
            {
                Content = HttpAssertions.Json("""{"roles":["editor"]}""", "application/merge-patch+json"),
            },
            "disable" => new HttpRequestMessage(HttpMethod.Patch, $"accounts/{id}")
            {
                Content = HttpAssertions.Json("""{"disabled":true}""", "application/merge-patch+json"),
            },
            _ => new HttpRequestMessage(HttpMethod.Delete, $"accounts/{id}"),
        };
        Assert.True((await _admin.SendAsync(request)).IsSuccessStatusCode);

        foreach (var session in sessions)
        {
            await (await RefreshAsync(session["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.BadRequest,
                "invalid-grant"
            );
            await (await MeAsync(session["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
        }
    }

    [Fact]
    public async Task Should_let_exactly_one_of_two_racing_refreshes_win_and_revoke_the_family()
    {
        var email = await CreateAccountAsync();
        for (var round = 0; round < 8; round++)
        {
            var tokens = await SignInAsync(email);
            var refresh = tokens["refresh_token"]!.GetValue<string>();
            using var start = new SemaphoreSlim(0);
            var racers = Enumerable
                .Range(0, 2)
                .Select(async _ =>
                {
                    await start.WaitAsync();
                    return await RefreshAsync(refresh);
                })
                .ToList();
            start.Release(2);
            var responses = await Task.WhenAll(racers);

            var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            var loser = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK);
            var reuse = await loser.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
            Assert.Contains("already used", reuse["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            // The copy revoked the family: the winner's new pair is dead too.
            var won = await winner.ReadObjectAsync();
            await (await RefreshAsync(won["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.BadRequest,
                "invalid-grant"
            );
            await (await MeAsync(won["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
        }
    }

    [Fact]
    public async Task Should_revoke_a_refresh_token_as_rfc_7009_says()
    {
        var email = await CreateAccountAsync();
        var tokens = await SignInAsync(email);
        var revoke = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens["refresh_token"]!.GetValue<string>() });
        await _anonymous.PostAsync("auth/revoke", revoke).ShouldBeAsync(HttpStatusCode.OK);
        await (await RefreshAsync(tokens["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "invalid-grant"
        );
        await (await MeAsync(tokens["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var unknown = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "unknown" });
        await _anonymous.PostAsync("auth/revoke", unknown).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_sign_an_account_out_when_its_roles_change_or_it_is_disabled()
    {
        var email = await CreateAccountAsync();
        var tokens = await SignInAsync(email);
        var me = await (await MeAsync(tokens["access_token"]!.GetValue<string>())).ReadObjectAsync();
        var id = me["subject"]!.GetValue<string>();
        var change = new HttpRequestMessage(HttpMethod.Patch, $"accounts/{id}")
        {
            Content = HttpAssertions.Json("""{"roles":["editor"]}""", "application/merge-patch+json"),
        };
        await _admin.SendAsync(change).ShouldBeAsync(HttpStatusCode.OK);
        await (await MeAsync(tokens["access_token"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var again = await SignInAsync(email);
        Assert.Equal(
            ["editor"],
            (await (await MeAsync(again["access_token"]!.GetValue<string>())).ReadObjectAsync())["roles"]!
                .AsArray()
                .Select(r => r!.GetValue<string>())
        );
        var disable = new HttpRequestMessage(HttpMethod.Patch, $"accounts/{id}")
        {
            Content = HttpAssertions.Json("""{"disabled":true}""", "application/merge-patch+json"),
        };
        await _admin.SendAsync(disable).ShouldBeAsync(HttpStatusCode.OK);
        await (await RefreshAsync(again["refresh_token"]!.GetValue<string>())).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "invalid-grant"
        );
    }

    [Theory]
    [InlineData("""{"email":"weak@example.com","password":"short","roles":["marketer"]}""", "/password")]
    [InlineData("""{"email":"role@example.com","password":"a long enough password","roles":["customer"]}""", "/roles/0")]
    [InlineData("""{"email":"not-an-email","password":"a long enough password","roles":["admin"]}""", "/email")]
    [InlineData("""{"email":"x@example.com","password":"a long enough password","roles":["admin"],"isAdmin":true}""", "/isAdmin")]
    public async Task Should_validate_new_accounts(string body, string pointer)
    {
        var problem = await (await _admin.PostAsync("accounts", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == pointer);
    }

    [Theory]
    [InlineData("""{"grant_type":"client_credentials"}""", "/grant_type")]
    [InlineData("""{"grant_type":"password","username":"a@b.co"}""", "/password")]
    [InlineData("""{"grant_type":"password","username":"a@b.co","password":"x","client_type":"tv"}""", "/client_type")]
    [InlineData(
        """{"grant_type":"urn:ietf:params:oauth:grant-type:token-exchange","subject_token":"x","subject_token_type":"saml"}""",
        "/subject_token_type"
    )]
    public async Task Should_reject_bad_token_requests(string body, string pointer)
    {
        var problem = await (await _anonymous.PostAsync("auth/token", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == pointer);
    }
}
