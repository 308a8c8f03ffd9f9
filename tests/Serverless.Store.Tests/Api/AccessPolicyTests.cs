using Serverless.Store.Api;

namespace Serverless.Store.Tests.Api;

/// <summary>The rule for a store without tokens, which both hosts apply before routing.</summary>
public class AccessPolicyTests
{
    static AccessPolicy From(params (string Name, string Value)[] settings) =>
        AccessPolicy.FromSettings(name => settings.FirstOrDefault(s => s.Name == name).Value);

    [Fact]
    public void With_a_token_every_client_is_routed_and_the_router_checks_the_token()
    {
        var policy = From(("STORE_TOKEN", "t"), ("WEBSITE_SITE_NAME", "app"));
        Assert.Null(policy.RefusalWithoutToken(remoteIsLoopback: false));
        Assert.Equal(Access.None, policy.Authenticate(null));
        Assert.Equal(Access.Full, policy.Authenticate("t"));
    }

    [Fact]
    public void A_read_only_token_alone_also_closes_the_store()
    {
        var policy = From(("STORE_READONLY_TOKEN", "r"));
        Assert.False(policy.IsOpen);
        Assert.Null(policy.RefusalWithoutToken(remoteIsLoopback: false));
        Assert.Equal(Access.ReadOnly, policy.Authenticate("r"));
    }

    [Fact]
    public void Without_a_token_outside_azure_only_loopback_is_served()
    {
        var policy = From();
        Assert.False(policy.InAzure);
        Assert.Null(policy.RefusalWithoutToken(remoteIsLoopback: true));
        Assert.Contains("loopback", policy.RefusalWithoutToken(remoteIsLoopback: false));
    }

    [Fact]
    public void Without_a_token_in_azure_nobody_is_served_not_even_loopback()
    {
        var policy = From(("WEBSITE_SITE_NAME", "my-store"));
        Assert.True(policy.InAzure);
        Assert.Contains("STORE_TOKEN", policy.RefusalWithoutToken(remoteIsLoopback: true));
        Assert.Contains("STORE_TOKEN", policy.RefusalWithoutToken(remoteIsLoopback: false));
    }

    [Fact]
    public void Empty_settings_count_as_unset()
    {
        var policy = From(("STORE_TOKEN", ""), ("WEBSITE_SITE_NAME", ""));
        Assert.True(policy.IsOpen);
        Assert.False(policy.InAzure);
    }
}
