using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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

    public RedisServer()
    {
        Port = Infrastructure.Ports.Free();
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
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
                return new RespClient(Port);
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
