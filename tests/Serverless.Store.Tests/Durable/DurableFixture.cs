using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Serverless.Store.Durable;
using Serverless.Store.Standalone;
using Serverless.Store.Tests.Infrastructure;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Azurite (<see cref="Infrastructure.Azurite"/>) and the standalone Durable Task engine in this
/// process on a fresh task hub. Both are stopped at the end.
/// </summary>
public class DurableFixture : IAsyncLifetime
{
    Azurite? azurite;

    public DurableEngine Engine { get; private set; } = null!;
    public DurableStore Store => Engine.Store;
    public string ConnectionString { get; private set; } = "";

    /// <summary>Every HTTP request the engine sends to Azure Storage (benchmarks report requests per write).</summary>
    public StorageRequestCounter Requests { get; } = new();

    /// <summary>Pub/sub's transport in these tests: records what it is asked to do (PubSub/PubSubDurableTests).</summary>
    public PubSub.RecordingTransport PubSubTransport { get; } = new();

    public async Task InitializeAsync()
    {
        azurite = await Azurite.StartAsync();
        ConnectionString = azurite.ConnectionString;
        var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        Engine = new DurableEngine(new DurableEngineOptions
        {
            StorageConnection = ConnectionString,
            TaskHub = "test" + Guid.NewGuid().ToString("N")[..8],
            StorageRequests = Requests,
        }, loggers, new Serverless.Store.PubSub.PubSubHub(PubSubTransport, "store", new Serverless.Store.PubSub.SubscribeTokens(null)));
        await Engine.StartAsync();
    }

    /// <summary>
    /// Another engine on the same Azurite with a task hub of its own, for tests that fill storage
    /// (Azurite's tables slow down as they grow) or need other engine options.
    /// </summary>
    public async Task<DurableEngine> StartEngineAsync(string hubPrefix, Action<DurableEngineOptions>? configure = null)
    {
        var options = new DurableEngineOptions
        {
            StorageConnection = ConnectionString,
            TaskHub = hubPrefix + Guid.NewGuid().ToString("N")[..8],
            // A busy shared machine can hold an entity's work items back for over a minute: tests wait
            // for replies, they do not judge how fast they come.
            ReplyTimeout = TimeSpan.FromMinutes(5),
        };
        configure?.Invoke(options);
        var engine = new DurableEngine(options, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole()));
        await engine.StartAsync();
        return engine;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Engine is not null) await Engine.DisposeAsync();
        }
        finally
        {
            if (azurite is not null) await azurite.DisposeAsync();
        }
    }
}

/// <summary>
/// A store of its own (its own Azurite and engine) for a test class that judges the whole keyspace
/// (FLUSHALL, DBSIZE, a restore that replaces everything), so no other class's keys can change what it judges.
/// </summary>
public sealed class OwnDurableStore : DurableFixture;

/// <summary>
/// The tests on the in-process engine, one class after another: some change process-wide entity
/// settings (<c>KeyEntity.SelfExpiry</c>, <c>KeyspaceNotifications.Current</c>) that every engine in
/// this process reads, so no two of them may run side by side.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DurableCollection : ICollectionFixture<DurableFixture>
{
    public const string Name = "durable";
}
