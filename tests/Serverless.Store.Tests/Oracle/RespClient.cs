using System.Net.Sockets;
using System.Text;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Oracle;

/// <summary>
/// A minimal RESP2 client for the oracle. Written by hand on purpose: the differential tests
/// need every reply exactly as redis-server sent it (simple string vs bulk, nil vs empty array,
/// error text) mapped onto the engine's <see cref="Reply"/>, and general clients normalise
/// those away or refuse some commands.
/// </summary>
public sealed class RespClient : IDisposable
{
    readonly TcpClient tcp;
    readonly BufferedStream stream;

    public RespClient(int port)
    {
        // A reply that never comes (a command that blocks redis-server) fails the test instead of hanging the run.
        tcp = new TcpClient("127.0.0.1", port) { NoDelay = true, ReceiveTimeout = 60_000 };
        stream = new BufferedStream(tcp.GetStream(), 1 << 16);
    }

    public Reply Call(params byte[][] args)
    {
        var head = Encoding.ASCII.GetBytes($"*{args.Length}\r\n");
        stream.Write(head);
        foreach (var a in args)
        {
            stream.Write(Encoding.ASCII.GetBytes($"${a.Length}\r\n"));
            stream.Write(a);
            stream.Write("\r\n"u8);
        }
        stream.Flush();
        return ReadReply();
    }

    public Reply Call(params string[] args) => Call(args.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <summary>The next reply without sending anything: a subscribed connection's pushed messages.</summary>
    public Reply Read() => ReadReply();

    Reply ReadReply()
    {
        var kind = stream.ReadByte();
        var line = ReadLine();
        switch (kind)
        {
            case '+': return Reply.Simple(line);
            case '-': return Reply.Error(line);
            case ':': return Reply.Integer(long.Parse(line));
            case '$':
            {
                var n = int.Parse(line);
                if (n < 0) return Reply.Nil;
                var buf = new byte[n];
                stream.ReadExactly(buf);
                ReadLine();
                return new BulkReply(buf);
            }
            case '*':
            {
                var n = int.Parse(line);
                if (n < 0) return Reply.NilArray;
                var items = new Reply[n];
                for (var i = 0; i < n; i++) items[i] = ReadReply();
                return Reply.Array(items);
            }
            default: throw new IOException($"unexpected RESP type byte {kind}");
        }
    }

    string ReadLine()
    {
        var sb = new StringBuilder();
        int b;
        while ((b = stream.ReadByte()) != '\r')
        {
            if (b < 0) throw new IOException("redis-server closed the connection");
            sb.Append((char)b);
        }
        stream.ReadByte();
        return sb.ToString();
    }

    public void Dispose()
    {
        stream.Dispose();
        tcp.Dispose();
    }
}
