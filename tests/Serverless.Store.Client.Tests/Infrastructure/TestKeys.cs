using System.Runtime.CompilerServices;
using Serverless.Store.Tests.Http;

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
    public static StoreClient Full(StoreHost host, Action<StoreClientOptions>? configure = null)
    {
        var options = new StoreClientOptions { Url = host.BaseUrl, Token = StoreHost.FullToken };
        configure?.Invoke(options);
        return new StoreClient(options);
    }
}

/// <summary>
/// A test class on the standalone store: the store host every such class shares (one child
/// process on Azurite, the classes run one after another) and a client with the full token.
/// </summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public abstract class StoreTest(StoreHost host) : IDisposable
{
    protected StoreHost Host { get; } = host;
    protected StoreClient Client { get; } = StoreClients.Full(host);

    public virtual void Dispose() => Client.Dispose();
}
