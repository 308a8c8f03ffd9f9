using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Oracle;

/// <summary>
/// A real redis-server (Debian's 7.0) on a free loopback port with persistence off: the oracle
/// the engine's replies are compared with. One per test collection; tests FLUSHALL before use.
/// </summary>
public sealed class RedisServer : IDisposable
{
    readonly Process process;

    public int Port { get; }
    public RespClient Client { get; }

    public RedisServer() : this([]) { }

    /// <param name="options">More redis-server options after the defaults (e.g. "--dir", d,
    /// "--dbfilename", f: a server that loads and saves that file).</param>
    internal RedisServer(IReadOnlyList<string> options) // internal: xunit wants one public constructor on a fixture
    {
        Port = Infrastructure.Ports.Free();
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" }.Concat(options))
            psi.ArgumentList.Add(a);
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "redis-server is not installed: run `apt-get install -y redis-server` (the differential tests need it)", e);
        }
        Client = Connect();
    }

    RespClient Connect()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                var client = new RespClient(Port);
                // A server loading a file answers LOADING until it is done.
                while (client.Call("PING") is ErrorReply { Message: var m } && m.StartsWith("LOADING") && DateTime.UtcNow < deadline) Thread.Sleep(50);
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!process.HasExited) process.Kill();
        process.WaitForExit(5000);
        process.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis-server";
}
