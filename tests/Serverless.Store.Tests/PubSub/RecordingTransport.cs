using System.Collections.Concurrent;
using Serverless.Store.PubSub;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// A transport that records what the pub/sub code asks of it, for tests of the registry and the
/// keyspace events on the real Durable Task engine: group membership, and every message sent.
/// </summary>
public sealed class RecordingTransport : IPubSubTransport
{
    readonly ConcurrentDictionary<string, byte> connections = new();
    readonly ConcurrentDictionary<(string Group, string Connection), byte> members = new();
    readonly List<(string Group, PubSubMessage Message)> sent = [];
    readonly SemaphoreSlim changed = new(0);

    readonly ConcurrentDictionary<string, byte> failingGroups = new();

    public void Connect(string connectionId) => connections[connectionId] = 0;

    /// <summary>The connection is gone from the transport without a disconnect reaching the store (a service restart).</summary>
    public void Vanish(string connectionId)
    {
        connections.TryRemove(connectionId, out _);
        foreach (var key in members.Keys.Where(k => k.Connection == connectionId)) members.TryRemove(key, out _);
    }

    /// <summary>From now on, removals from this group fail as a service that keeps failing would.</summary>
    public void FailRemovalsFrom(string group) => failingGroups[group] = 0;

    public IReadOnlyList<(string Group, PubSubMessage Message)> Sent
    {
        get { lock (sent) return sent.ToList(); }
    }

    public bool IsMember(string group, string connectionId) => members.ContainsKey((group, connectionId));

    /// <summary>Waits until a sent message satisfies the test (a minute at most: lost, not slow), and returns it.</summary>
    public async Task<(string Group, PubSubMessage Message)> WaitForAsync(Func<string, PubSubMessage, bool> test)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            lock (sent)
                foreach (var s in sent)
                    if (test(s.Group, s.Message)) return s;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("the expected message was not sent within a minute");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    public NegotiateResult Negotiate(string userId, Uri requestOrigin) => new(requestOrigin + "hub", "token-for-" + userId);

    public Task SendToGroupAsync(string group, PubSubMessage message, CancellationToken cancellation)
    {
        lock (sent) sent.Add((group, message));
        foreach (var (id, connection) in held)
            if (members.ContainsKey((group, id))) connection.Deliver(message);
        changed.Release();
        return Task.CompletedTask;
    }

    public Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation)
    {
        members[(group, connectionId)] = 0;
        return Task.CompletedTask;
    }

    public Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation)
    {
        if (failingGroups.ContainsKey(group)) throw new PubSubTransportException($"removing from {group} failed after 4 tries: 503");
        members.TryRemove((group, connectionId), out _);
        return Task.CompletedTask;
    }

    public Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation)
    {
        foreach (var key in members.Keys.Where(k => k.Connection == connectionId)) members.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation) =>
        Task.FromResult(connections.ContainsKey(connectionId));

    /// <summary>Held connections get what is sent to their groups, as the real transports deliver it.</summary>
    public Task<HeldConnection> ConnectAsync(string userId, CancellationToken cancellation) =>
        Task.FromResult(HeldConnection.Open(held, Connect, Vanish));

    readonly ConcurrentDictionary<string, HeldConnection> held = new();
}
