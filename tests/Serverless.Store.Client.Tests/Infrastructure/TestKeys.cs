using System.Runtime.CompilerServices;

namespace Serverless.Store.Client.Tests.Infrastructure;

/// <summary>Keys owned by one test: a prefix with the test's name and a random part, so tests sharing a store never meet.</summary>
public sealed class TestKeys
{
    readonly string prefix;

    public TestKeys([CallerMemberName] string test = "") => prefix = $"ct:{test}:{Guid.NewGuid().ToString("N")[..8]}:";

    public string this[string name] => prefix + name;

    /// <summary>A glob matching only this test's keys.</summary>
    public string Pattern => prefix + "*";
}

/// <summary>Clients of the store a test collection runs.</summary>
public static class StoreClients
{
    public static StoreClient Full(Serverless.Store.Tests.Http.StoreHost host, Action<StoreClientOptions>? configure = null)
    {
        var options = new StoreClientOptions { Url = host.BaseUrl, Token = Serverless.Store.Tests.Http.StoreHost.FullToken };
        configure?.Invoke(options);
        return new StoreClient(options);
    }
}
