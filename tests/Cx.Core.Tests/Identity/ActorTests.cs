using Cx.Core.Identity;

namespace Cx.Core.Tests.Identity;

public sealed class ActorTests
{
    private static Actor Customer(string id) =>
        new(ActorKind.Customer, "sub-" + id, [Roles.Customer], Permissions.ForRoles([Roles.Customer]), CustomerId: id);

    private static Actor Admin() => new(ActorKind.Staff, "admin", [Roles.Admin], Permissions.ForRoles([Roles.Admin]));

    [Fact]
    public void Should_let_a_self_only_actor_act_for_its_own_customer() =>
        Customer("ana").EnsureOwns(Permissions.EventsWrite, "ana", "not yours");

    [Theory]
    [InlineData("bea")]
    [InlineData(null)]
    public void Should_refuse_a_self_only_actor_acting_for_another_or_no_customer(string? customerId)
    {
        var error = Assert.Throws<ForbiddenException>(() => Customer("ana").EnsureOwns(Permissions.EventsWrite, customerId, "not yours"));
        Assert.Equal("not yours", error.Message);
    }

    [Theory]
    [InlineData("bea")]
    [InlineData(null)]
    public void Should_let_an_actor_with_the_full_permission_act_for_anyone(string? customerId) =>
        Admin().EnsureOwns(Permissions.EventsWrite, customerId, "not yours");
}
