using System.Text;

namespace Serverless.Store.Cli;

/// <summary>
/// A typed line split into arguments as redis-cli splits it (sds.c sdssplitargs): blanks separate,
/// "double quotes" take \n \r \t \b \a \xNN and \c escapes, 'single quotes' take \' only; a
/// closing quote must be followed by a blank or the end. Null for unbalanced quotes.
/// </summary>
internal static class Arguments
{
    public static List<byte[]>? Split(string line) => Split(Encoding.UTF8.GetBytes(line));

    public static List<byte[]>? Split(byte[] p)
    {
        var args = new List<byte[]>();
        var i = 0;
        byte At(int k) => k < p.Length ? p[k] : (byte)0;
        while (true)
        {
            while (i < p.Length && IsSpace(p[i])) i++;
            if (i >= p.Length) return args;
            bool inq = false, insq = false, done = false;
            var current = new List<byte>();
            while (!done)
            {
                var c = At(i);
                if (inq)
                {
                    if (c == '\\' && At(i + 1) == 'x' && IsHex(At(i + 2)) && IsHex(At(i + 3)))
                    {
                        current.Add((byte)(Hex(At(i + 2)) * 16 + Hex(At(i + 3))));
                        i += 3;
                    }
                    else if (c == '\\' && At(i + 1) != 0)
                    {
                        i++;
                        current.Add(At(i) switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t', (byte)'b' => 8, (byte)'a' => 7, var other => other });
                    }
                    else if (c == '"')
                    {
                        if (At(i + 1) != 0 && !IsSpace(At(i + 1))) return null;
                        done = true;
                    }
                    else if (c == 0) return null;
                    else current.Add(c);
                }
                else if (insq)
                {
                    if (c == '\\' && At(i + 1) == '\'') { i++; current.Add((byte)'\''); }
                    else if (c == '\'')
                    {
                        if (At(i + 1) != 0 && !IsSpace(At(i + 1))) return null;
                        done = true;
                    }
                    else if (c == 0) return null;
                    else current.Add(c);
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0: done = true; break;
                        case (byte)'"': inq = true; break;
                        case (byte)'\'': insq = true; break;
                        default: current.Add(c); break;
                    }
                }
                if (i < p.Length) i++;
            }
            args.Add([.. current]);
        }
    }

    static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0b or 0x0c;
    static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
    static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/// <summary>
/// The commands of `--pipe` input, as redis-server reads what redis-cli forwards: RESP arrays of
/// bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (a line split like a
/// typed one); empty lines are skipped. Written by hand: it is a few lines of the protocol, read
/// as a stream so a large input never sits in memory whole.
/// </summary>
internal sealed class ProtocolReader(Stream input)
{
    readonly BufferedStream stream = new(input, 1 << 16);

    /// <summary>The next command, or null at the end of the input; throws FormatException on a protocol error.</summary>
    public byte[][]? Next()
    {
        while (true)
        {
            var first = stream.ReadByte();
            if (first < 0) return null;
            if (first is '\r' or '\n') continue;
            if (first == '*')
            {
                var count = Number(Line());
                if (count <= 0) continue; // redis-server ignores *0 and *-1
                var args = new byte[count][];
                for (var i = 0; i < count; i++)
                {
                    var dollar = stream.ReadByte();
                    if (dollar != '$') throw new FormatException($"Protocol error: expected '$', got '{(dollar < 0 ? "end of input" : ((char)dollar).ToString())}'");
                    var length = Number(Line());
                    if (length < 0 || length > 512L * 1024 * 1024) throw new FormatException("Protocol error: invalid bulk length");
                    var bytes = new byte[length];
                    stream.ReadExactly(bytes);
                    if (stream.ReadByte() != '\r' || stream.ReadByte() != '\n') throw new FormatException("Protocol error: a bulk string does not end with \\r\\n");
                    args[i] = bytes;
                }
                return args;
            }
            var line = new List<byte> { (byte)first };
            line.AddRange(Line());
            var inline = Arguments.Split([.. line]) ?? throw new FormatException("Protocol error: unbalanced quotes in request");
            if (inline.Count > 0) return [.. inline];
        }
    }

    byte[] Line()
    {
        var line = new List<byte>();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0 || b == '\n') break;
            line.Add((byte)b);
        }
        if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
        return [.. line];
    }

    static long Number(byte[] text) =>
        long.TryParse(Encoding.ASCII.GetString(text), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException("Protocol error: invalid multibulk length");
}
