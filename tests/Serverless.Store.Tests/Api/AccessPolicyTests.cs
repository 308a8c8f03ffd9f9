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

    [Fact]
    public void Short_or_patterned_tokens_are_named_at_start_never_shown()
    {
        string? Setting(string name) => name switch
        {
            AccessPolicy.TokenSetting => "short-secret-token",
            AccessPolicy.ReadOnlyTokenSetting => new string('a', 40),
            _ => null,
        };
        var weak = AccessPolicy.WeakTokens(Setting).ToList();
        Assert.Equal(2, weak.Count);
        Assert.StartsWith("STORE_TOKEN is short enough to guess (18 characters", weak[0]);
        Assert.StartsWith("STORE_READONLY_TOKEN is short enough to guess (40 characters, 1 different)", weak[1]);
        Assert.All(weak, w => Assert.DoesNotContain("short-secret-token", w));
        Assert.Empty(AccessPolicy.WeakTokens(name => name == AccessPolicy.TokenSetting ? "Zt8q1kL0pX7w3NvB5yR2mC9dF4gH6jKs" : null));
        Assert.Empty(AccessPolicy.WeakTokens(_ => null)); // no token: the host's own warning covers it
    }

    /// <summary>
    /// The methods that compare a presented secret with the configured one call
    /// CryptographicOperations.FixedTimeEquals and no comparison that stops at the first difference
    /// (read from their IL, as a timing test could not judge it on a shared machine).
    /// </summary>
    [Theory]
    [InlineData(typeof(AccessPolicy), nameof(AccessPolicy.Authenticate))]
    [InlineData(typeof(Serverless.Store.PubSub.PubSubHub), nameof(Serverless.Store.PubSub.PubSubHub.VerifyUpstream))]
    public void Secrets_are_compared_in_constant_time(Type type, string method)
    {
        var info = type.GetMethod(method)!;
        var il = info.GetMethodBody()!.GetILAsByteArray()!;
        var called = new List<string>();
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is not (0x28 or 0x6F)) continue; // call, callvirt (a rough scan: a token that does not resolve is skipped)
            try
            {
                var callee = info.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1));
                if (callee is not null) called.Add($"{callee.DeclaringType?.Name}.{callee.Name}");
            }
            catch (ArgumentException) { }
        }
        Assert.Contains("CryptographicOperations.FixedTimeEquals", called);
        Assert.DoesNotContain(called, c => c is "String.Equals" or "String.op_Equality" or "String.CompareOrdinal" or "MemoryExtensions.SequenceEqual" or "Enumerable.SequenceEqual");
    }
}
